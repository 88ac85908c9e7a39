"""FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.exposure import WARNING, refuse_unsafe_exposure
from api.routers import health, inbox, projects, secrets
from services.projects import ProjectServices


def create_app(services: ProjectServices) -> FastAPI:
    refuse_unsafe_exposure(services.settings.api)
    app = FastAPI(title="Orchestrator", version="0.1.0", description=WARNING)
    app.state.services = services
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(projects.router)
    app.include_router(inbox.router)
    app.include_router(secrets.router)
    return app
