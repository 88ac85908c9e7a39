"""Model configs per role over HTTP: `/models` (keys as handles, never values)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from api.errors import responses
from core.model_configs import PRESETS, ModelConfig
from core.vocabulary import ModelProvider, ModelRole
from services.models import ModelChange, ModelServices

router = APIRouter(prefix="/models", tags=["models"])

RolePath = Annotated[ModelRole, Path(description="brainstorm, architect, developer or reviewer")]


def get_models(request: Request, services: ServicesDep) -> ModelServices:
    cached: ModelServices | None = getattr(request.app.state, "model_services", None)
    if cached is None:
        cached = ModelServices.of(services)
        request.app.state.model_services = cached
    return cached


ModelsDep = Annotated[ModelServices, Depends(get_models)]


class ModelConfigIn(BaseModel):
    """A preset, fields, or both (fields override the preset); absent fields stay as they are.
    Values are checked by the service, which answers with a sentence."""

    preset: str = Field(default="", max_length=64, description=f"one of {', '.join(PRESETS)}")
    provider: ModelProvider | None = None
    model: str = Field(default="", max_length=128)
    base_url: str | None = Field(default=None, max_length=500)
    api_key_secret: str | None = Field(
        default=None, max_length=200, description="a handle, e.g. secret://_/OPENAI_API_KEY"
    )
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    prompt_version: str | None = Field(default=None, max_length=32)


class ModelConfigPublic(BaseModel):
    role: str
    provider: str
    model: str
    base_url: str
    api_key_handle: str
    temperature: float | None
    max_tokens: int | None
    prompt_version: str
    source: str = Field(description="db (set by a person) or settings (the LLM_* default)")


def _public(c: ModelConfig) -> ModelConfigPublic:
    return ModelConfigPublic(**asdict(c))


@router.get("", responses=responses(503))
async def list_models(models: ModelsDep) -> list[ModelConfigPublic]:
    return [_public(c) for c in await models.list()]


@router.get("/{role}", responses=responses(422, 503))
async def show_model(role: RolePath, models: ModelsDep) -> ModelConfigPublic:
    return _public(await models.show(role))


@router.put("/{role}", responses=responses(400, 422, 503))
async def set_model(role: RolePath, body: ModelConfigIn, models: ModelsDep) -> ModelConfigPublic:
    """Applies to the role's next model call, in running projects too."""
    fields = body.model_dump()
    fields["provider"] = fields["provider"] or ""
    return _public(await models.set(role, ModelChange(**fields)))


@router.delete("/{role}", responses=responses(422, 503))
async def reset_model(role: RolePath, models: ModelsDep) -> ModelConfigPublic:
    """Back to the LLM_* settings; answers with the config now in force."""
    return _public(await models.reset(role))
