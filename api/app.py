"""FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.secrets.codec_token import codec_token
from adapters.secrets.factory import build_secret_store
from api.cors import CodecCors, web_ui_origins
from api.errors import install_error_handlers
from api.exposure import WARNING, refuse_unsafe_exposure
from api.routers import (
    changes,
    codec,
    costs,
    health,
    inbox,
    models,
    project_admin,
    projects,
    releases,
    secrets,
    servers,
)
from services.projects import ProjectServices


def create_app(services: ProjectServices) -> FastAPI:
    refuse_unsafe_exposure(services.settings.api)
    app = FastAPI(title="Orchestrator", version="0.1.0", description=WARNING)
    app.state.services = services
    settings = services.settings
    app.state.codec_token = codec_token(build_secret_store(settings))
    app.add_middleware(CodecCors, origins=web_ui_origins(settings.temporal))
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(projects.router)
    app.include_router(releases.router)
    app.include_router(project_admin.router)
    app.include_router(changes.router)
    app.include_router(inbox.router)
    app.include_router(secrets.router)
    app.include_router(servers.router)
    app.include_router(models.router)
    app.include_router(costs.router)
    app.include_router(codec.router)
    return app
