"""Request dependencies: the services object built once at startup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.projects import ProjectServices


def get_services(request: Request) -> ProjectServices:
    services: ProjectServices = request.app.state.services
    return services


ServicesDep = Annotated[ProjectServices, Depends(get_services)]
