"""Process settings, one class per concern; built once at each entry point and passed down."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.model_prices import ModelPrice
from core.vocabulary import GateName, ModelProvider, TimeoutPolicy


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore")


class TemporalSettings(BaseSettings):
    model_config = _config("TEMPORAL_")

    # Empty address means "embedded": `orchestrator up` starts the dev server itself.
    address: str = ""
    namespace: str = "default"
    task_queue: str = "orchestrator"
    embedded_port: int = 7233
    ui_port: int = 8233

    @property
    def embedded(self) -> bool:
        return not self.address

    @property
    def target(self) -> str:
        return self.address or f"127.0.0.1:{self.embedded_port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"


class DatabaseSettings(BaseSettings):
    model_config = _config("DATABASE_")

    # Empty means SQLite in the data dir; otherwise e.g. postgresql+asyncpg://user@host/db.
    url: str = ""
    echo: bool = False


class LLMSettings(BaseSettings):
    model_config = _config("LLM_")

    # The default of every role; `orchestrator models set <role>` overrides it in the DB.
    provider: ModelProvider = "offline"
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    model: str = "gpt-4o-mini"
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    timeout_s: float = 120.0
    # A delay before every model answer (benchmarks and crash tests of the offline model).
    simulated_latency_s: float = Field(default=0.0, ge=0.0, le=60.0)


class ForgeSettings(BaseSettings):
    # By name too: github_url has aliases, and code builds these settings directly.
    model_config = SettingsConfigDict(**_config("FORGE_"), populate_by_name=True)

    kind: Literal["local", "github"] = "local"
    # Local: the directory of the bare repositories. GitHub: which installation of the App to
    # use when it has several (the account's login); repositories go where it is installed.
    owner: str = "orchestrator"
    # GitHub Enterprise: https://HOST/api/v3 (GITHUB_API_URL, as in GitHub Actions, works too).
    github_url: str = Field(
        default="https://api.github.com",
        validation_alias=AliasChoices("FORGE_GITHUB_URL", "GITHUB_API_URL"),
    )
    # Credentials are secret handles, never values: a GitHub App (id + private key) or,
    # for an individual, a personal token. The App wins when both are set.
    github_app_id: str = ""
    github_app_key_handle: str = ""  # e.g. secret://_/GITHUB_APP_KEY (the PEM file)
    github_installation_id: int | None = None
    github_token_handle: str = ""  # e.g. secret://_/GITHUB_TOKEN
    merge_method: Literal["merge", "squash", "rebase"] = "merge"
    # github_sync: how often pull requests merged or closed by people are looked for.
    sync_interval_s: float = Field(default=60.0, ge=5.0, le=24 * 3600.0)


class SandboxSettings(BaseSettings):
    model_config = _config("SANDBOX_")

    # "auto": bubblewrap when installed, else a plain subprocess with a loud warning.
    kind: Literal["auto", "bubblewrap", "process", "docker"] = "auto"
    docker_image: str = "orchestrator-worker:latest"
    docker_runtime: str = "sysbox-runc"
    command_timeout_s: float = 300.0
    # Whom a root worker's bubblewrap runs commands as (nobody:nogroup); never root itself.
    uid: int = Field(default=65534, gt=0)
    gid: int = Field(default=65534, gt=0)
    # Per command: processes (a fork bomb), memory in MB, CPU seconds of any one process.
    pids_max: int = Field(default=256, ge=16)
    memory_mb: int = Field(default=2048, ge=64)
    cpu_seconds: int = Field(default=600, ge=1)
    cpus: float = Field(default=1.0, gt=0.0)  # Docker only: a share of the host's cores
    # Docker only: started idle containers kept ready, so a first command skips the start
    # (0: every command starts its own). Needs a root worker on the engine's host.
    docker_pool_size: int = Field(default=2, ge=0, le=64)
    # Docker only: how often the sweeper removes containers no live worker owns.
    docker_sweep_every_s: float = Field(default=30.0, gt=0.0)
    # Docker only: where `orchestrator image build` bootstraps the base root filesystem.
    docker_build_dir: Path = Path("/var/tmp")
    # Docker only, opt-in: a CLI coding agent run in the container instead of the built-in
    # agent, e.g. `claude -p {prompt}`, `codex exec {prompt}`, `aider --yes --message {prompt}`
    # ({prompt} is replaced by the task's prompt, shell-quoted). Empty: the built-in agent,
    # whose model stays outside the sandbox.
    agent_command: str = ""
    # The Docker network the agent's container joins to reach its model provider; empty: none
    # at all (an agent that needs its provider then fails, visibly).
    agent_network: str = ""
    # The model key for the agent (a secret:// handle, resolved for each run) and the one
    # variable it is passed as, e.g. ANTHROPIC_API_KEY.
    agent_key_handle: str = ""
    agent_key_env: str = Field(default="", pattern=r"^([A-Z_][A-Z0-9_]{0,63})?$")
    # Below the coding session's 30 min start-to-close (workflows/policies.py).
    agent_timeout_s: float = Field(default=1500.0, gt=0.0, le=1700.0)


class DeploySettings(BaseSettings):
    model_config = _config("DEPLOY_")

    host: str = "127.0.0.1"
    port_range_start: int = 18000
    port_range_end: int = 18999
    health_path: str = "/health"
    health_timeout_s: float = 20.0
    # health_checker: every live release is asked this often; after this many failed checks
    # in a row it is restarted, then rolled back (README, *Releases*).
    health_check_interval_s: float = Field(default=30.0, ge=1.0)
    health_failures: int = Field(default=2, ge=1)
    # Deployed services run as an unprivileged uid of their own project, from this base on.
    service_uid_base: int = Field(default=200_000, ge=1000)
    service_memory_mb: int = Field(default=1024, ge=64)
    service_pids_max: int = Field(default=128, ge=8)
    service_open_files: int = Field(default=1024, ge=64)
    # Run as the service's uid, so it must be reachable by it: the worker's own interpreter
    # may live under /root (0700). The service template needs only the standard library.
    service_python: str = "/usr/bin/python3"
    # On SSH servers: where releases and the service script live (the data dir stays here).
    remote_root: str = "/srv/orchestrator"
    # Root-only and outside the data dir: an SSH key (and a remote env file) exists here only
    # for the length of one Ansible run, in a 0600 file.
    runtime_dir: Path = Path("/run/orchestrator")


class DnsSettings(BaseSettings):
    model_config = _config("DNS_")

    # Cloudflare is configured when the token handle, the zone and the domain are all set;
    # then each project is published as <project>.<domain>.
    cloudflare_token_handle: str = ""  # e.g. secret://_/CLOUDFLARE_TOKEN
    cloudflare_zone_id: str = ""
    domain: str = ""
    cloudflare_base_url: str = ""  # empty: api.cloudflare.com; a local fake in tests
    ttl: int = Field(default=300, ge=1)  # 1 is Cloudflare's "automatic"
    proxied: bool = False
    # Deploys refuse to start without DNS (readiness) when this is set.
    required: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.cloudflare_token_handle and self.cloudflare_zone_id and self.domain)


class SecretsSettings(BaseSettings):
    model_config = _config("SECRETS_")

    # The age identity that opens the secrets files. Unset: SOPS_AGE_KEY_FILE, else
    # <data dir>/secrets/age.key, generated on first use (back it up: without it the
    # secrets and the encrypted workflow history cannot be read).
    age_key_file: Path | None = None
    cache_ttl_s: float = Field(default=5.0, ge=0.0, le=300.0)


class PriceTable(BaseModel):
    """What Zavhoz's resources cost, in US dollars a month."""

    model_config = ConfigDict(extra="forbid")  # a typo in the YAML file must not be ignored

    server: float = Field(default=6.0, ge=0.0)
    domain: float = Field(default=1.0, ge=0.0)  # 12 a year
    database: float = Field(default=15.0, ge=0.0)
    # Paid APIs by the name of the secret the service calls them with; unlisted ones are free.
    api: dict[str, float] = Field(default_factory=dict)


class ZavhozSettings(BaseSettings):
    model_config = _config("ZAVHOZ_")

    # A YAML file with the PriceTable's fields (e.g. `server: 5.5`, `api: {MAPS_KEY: 9}`);
    # read when Zavhoz prices a project, so a changed file needs no restart.
    prices_file: Path | None = None
    prices: PriceTable = Field(default_factory=PriceTable)
    # Domains are named <spec name>-<project id>.<suffix> until a DNS provider is configured.
    domain_suffix: str = "apps.localhost"


class CostSettings(BaseSettings):
    model_config = _config("COSTS_")

    # Entries over the defaults of core/model_prices.py, e.g.
    # COSTS_MODEL_PRICES='{"gpt-5.2": {"input": 1.5, "output": 12}}' (US$ per 1M tokens);
    # a YAML file of the same shape is read at every priced call, so edits need no restart.
    model_prices: dict[str, ModelPrice] = Field(default_factory=dict)
    model_prices_file: Path | None = None
    # Budgets in US$ for projects and tenants without one of their own (None: unlimited).
    project_budget_usd: float | None = Field(default=None, gt=0.0)
    tenant_budget_usd: float | None = Field(default=None, gt=0.0)
    # The share of a budget at which the owner is told, once per budget amount.
    warn_at: float = Field(default=0.8, gt=0.0, lt=1.0)


class TelegramSettings(BaseSettings):
    model_config = _config("TELEGRAM_")

    # Empty: no bot. Redacted in logs by its shape (core/logging.py), never given to children.
    bot_token: SecretStr = SecretStr("")
    # Another Bot API server (a local one, or a test fake); empty means api.telegram.org.
    api_base: str = ""
    # Telegram user ids allowed in without an invite (`TELEGRAM_ADMINS=123,456`); they
    # belong to ORCHESTRATOR_TENANT and may /invite others into it.
    admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Set: Telegram pushes updates to this public URL instead of being polled.
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8081
    invite_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)

    @field_validator("admins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token.get_secret_value())


class PipelineSettings(BaseSettings):
    model_config = _config("PIPELINE_")

    max_parallel_developers: int = 3
    max_review_rounds: int = 2
    gates: list[GateName] = Field(default_factory=list)
    reminder_every_s: int = 4 * 3600
    escalation_timeout_s: int = 3 * 24 * 3600
    on_timeout: TimeoutPolicy = "abort"
    answer_wait_s: float = 10.0  # how long an answer waits for a worker before it is queued


class CodingSettings(BaseSettings):
    """Limits of one coding-agent session (one task, one round); README, *Coding agent limits*."""

    model_config = _config("CODING_")

    max_steps: int = Field(default=25, ge=1, le=1000)  # model calls
    max_tokens: int = Field(default=400_000, ge=1000)  # prompt + completion, summed
    # The same tool call, with the same arguments and the same result, this many times: the
    # agent is going round in circles (a changed file or test output is progress, not a loop).
    loop_repeats: int = Field(default=3, ge=2, le=100)


class ApiSettings(BaseSettings):
    model_config = _config("API_")

    host: str = "127.0.0.1"
    port: int = 8000
    # The API has no authentication yet: binding beyond loopback needs this said out loud.
    allow_unauthenticated_remote: bool = False


class Settings(BaseSettings):
    """Everything one process needs; the data dir holds all that embedded mode writes."""

    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", env_file=".env", extra="ignore")

    home: Path = Path(".orchestrator")
    tenant: str = "default"
    user: str = "owner"  # who this CLI speaks for; the owner of the projects it submits
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    forge: ForgeSettings = Field(default_factory=ForgeSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    deploy: DeploySettings = Field(default_factory=DeploySettings)
    dns: DnsSettings = Field(default_factory=DnsSettings)
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)
    zavhoz: ZavhozSettings = Field(default_factory=ZavhozSettings)
    costs: CostSettings = Field(default_factory=CostSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    coding: CodingSettings = Field(default_factory=CodingSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    server_sync_every_s: int = Field(default=600, ge=10)

    @cached_property
    def data_dir(self) -> Path:
        path = self.home.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir / 'orchestrator.db'}"

    @property
    def temporal_db_file(self) -> Path:
        return self.data_dir / "temporal.db"

    @property
    def forge_dir(self) -> Path:
        return self.data_dir / "forge"

    @property
    def workspaces_dir(self) -> Path:
        return self.data_dir / "workspaces"

    @property
    def releases_dir(self) -> Path:
        return self.data_dir / "releases"

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"

    @property
    def age_key_file(self) -> Path:
        """The configured age identity, or the one kept in the data dir (made on first use)."""
        configured = self.secrets.age_key_file or os.environ.get("SOPS_AGE_KEY_FILE")
        return Path(configured).expanduser() if configured else self.secrets_dir / "age.key"

    @property
    def age_key_is_generated(self) -> bool:
        return not (self.secrets.age_key_file or os.environ.get("SOPS_AGE_KEY_FILE"))

    @property
    def transcripts_dir(self) -> Path:
        """Coding-agent sessions, one JSON-lines file each; workflows carry only the path."""
        return self.data_dir / "transcripts"

    @property
    def evals_dir(self) -> Path:
        return self.data_dir / "evals"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"


def load_settings() -> Settings:
    """Build settings from the environment; call once per process at its entry point."""
    return Settings()
