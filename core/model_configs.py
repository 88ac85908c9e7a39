"""A role's model config: which provider and model answer it, and how.

The API key is a secret handle (`secret://_/OPENAI_API_KEY`), resolved from the secret store
inside the activity that calls the model; a config is safe to store, log and show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

from core.errors import InvalidInput
from core.handles import Handle
from core.settings import LLMSettings
from core.vocabulary import MODEL_PROVIDERS, MODEL_ROLES, ModelProvider, ModelRole

# Providers whose endpoint is found from the base URL alone (no default host).
NEEDS_BASE_URL: tuple[ModelProvider, ...] = ("openai_compatible",)
# Providers whose hosted API refuses a call without a key (OpenAI only on its own host).
KEYED_PROVIDERS: tuple[ModelProvider, ...] = ("anthropic", "google", "openrouter")
OPENAI_HOST = "api.openai.com"


@dataclass(frozen=True)
class ModelConfig:
    role: ModelRole
    provider: ModelProvider
    model: str
    base_url: str = ""
    # Empty: LLM_API_KEY when the config names the LLM_* endpoint, else no key (local servers).
    api_key_handle: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    prompt_version: str = "v1"
    source: str = "settings"  # "settings" (the default) or "db" (set by a person)

    @property
    def label(self) -> str:
        return "offline model" if self.provider == "offline" else f"{self.provider}:{self.model}"

    def stored(self) -> dict[str, Any]:
        """The fields a row keeps, by name (the row's own columns add the tenant)."""
        return {name: value for name, value in asdict(self).items() if name in STORED_FIELDS}


# What a person sets and the database keeps; `source` is not stored: a row is always "db".
STORED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ModelConfig) if f.name != "source")


def default_config(role: ModelRole, settings: LLMSettings) -> ModelConfig:
    """What a role uses until someone sets it: the LLM_* settings."""
    return ModelConfig(
        role=role,
        provider=settings.provider,
        model=settings.model,
        base_url=settings.base_url,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
    )


def uses_settings_endpoint(config: ModelConfig, settings: LLMSettings) -> bool:
    """Whether the config talks to the provider and URL of the LLM_* settings, the only
    endpoint LLM_API_KEY was given for: sent anywhere else it would leak to another host."""
    if config.source == "settings":
        return True
    return config.provider == settings.provider and config.base_url == settings.base_url


def requires_key(config: ModelConfig) -> bool:
    """Whether the provider's hosted API refuses a call without a key."""
    if config.provider in KEYED_PROVIDERS:
        return True
    if config.provider != "openai":
        return False
    return not config.base_url or urlsplit(config.base_url).hostname == OPENAI_HOST


def check_config(config: ModelConfig) -> ModelConfig:
    """Refuse what no provider could answer, with the reason; returns the config unchanged."""
    if config.role not in MODEL_ROLES:
        raise InvalidInput(f"'{config.role}' is not a role; one of {', '.join(MODEL_ROLES)}")
    if config.provider not in MODEL_PROVIDERS:
        raise InvalidInput(
            f"'{config.provider}' is not a provider; one of {', '.join(MODEL_PROVIDERS)}"
        )
    if config.provider != "offline" and not config.model.strip():
        raise InvalidInput(f"provider '{config.provider}' needs a model name")
    if config.provider in NEEDS_BASE_URL and not config.base_url:
        raise InvalidInput(f"provider '{config.provider}' needs a base URL (e.g. vLLM's /v1)")
    if config.base_url and not config.base_url.startswith(("http://", "https://")):
        raise InvalidInput(f"'{config.base_url}' is not an http(s) URL")
    if config.api_key_handle:
        try:
            handle = Handle.parse(config.api_key_handle)
        except InvalidInput:
            handle = None
        if handle is None or handle.kind != "secret":
            # Not echoed: someone may have pasted the key itself here.
            raise InvalidInput(
                "the API key must be given as a secret handle, e.g. secret://_/OPENAI_API_KEY "
                "(store the key with `orchestrator secrets set --tenant-wide OPENAI_API_KEY`)"
            )
    if config.temperature is not None and not 0.0 <= config.temperature <= 2.0:
        raise InvalidInput(f"temperature {config.temperature} is outside 0-2")
    if config.max_tokens is not None and not 0 < config.max_tokens <= 1_000_000:
        raise InvalidInput(f"max tokens {config.max_tokens} is outside 1-1000000")
    if not config.prompt_version.strip() or len(config.prompt_version) > 32:
        raise InvalidInput("a prompt version is 1-32 characters, e.g. v1")
    return config


@dataclass(frozen=True)
class Preset:
    """Provider, model and defaults for a model people ask for; prices live elsewhere."""

    name: str
    provider: ModelProvider
    model: str
    key_name: str  # the secret the key is expected under: secret://_/<key_name>
    temperature: float | None = None
    max_tokens: int | None = None

    def config(self, role: ModelRole) -> ModelConfig:
        return ModelConfig(
            role=role,
            provider=self.provider,
            model=self.model,
            api_key_handle=f"secret://_/{self.key_name}",
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            source="db",
        )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("gpt-5.2", "openai", "gpt-5.2", "OPENAI_API_KEY"),
        Preset("gpt-5-mini", "openai", "gpt-5-mini", "OPENAI_API_KEY"),
        Preset("claude-opus-4.5", "anthropic", "claude-opus-4-5", "ANTHROPIC_API_KEY", None, 16000),
        Preset(
            "claude-haiku-4.5", "anthropic", "claude-haiku-4-5", "ANTHROPIC_API_KEY", None, 8192
        ),
        Preset("gemini-3-pro", "google", "gemini-3-pro-preview", "GOOGLE_API_KEY"),
        Preset("gemini-3-flash", "google", "gemini-3-flash-preview", "GOOGLE_API_KEY"),
        Preset("offline", "offline", "offline", ""),
    )
}


def preset_config(name: str, role: ModelRole) -> ModelConfig:
    preset = PRESETS.get(name)
    if preset is None:
        raise InvalidInput(f"no preset named '{name}'; one of {', '.join(PRESETS)}")
    config = preset.config(role)
    return replace(config, api_key_handle="") if not preset.key_name else config
