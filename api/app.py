"""FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from api.routers import health, inbox, projects
from services.projects import ProjectServices


def create_app(services: ProjectServices) -> FastAPI:
    app = FastAPI(title="Orchestrator", version="0.1.0")
    app.state.services = services
    app.include_router(health.router)
    app.include_router(projects.router)
    app.include_router(inbox.router)
    return app
