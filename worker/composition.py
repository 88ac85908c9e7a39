"""Composition root of the worker: settings → adapters → activities → Worker."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from functools import partial
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.worker import Interceptor, Worker

from activities.architect import ArchitectActivities
from activities.brainstorm import BrainstormActivities
from activities.changes import ChangeActivities
from activities.context import ActivityContext
from activities.developer import DeveloperActivities
from activities.devops import DevOpsActivities
from activities.forge_sync import ForgeSyncActivities
from activities.health import HealthActivities
from activities.heartbeat import HeartbeatInterceptor
from activities.humans import HumanActivities
from activities.model_failures import ModelFailureInterceptor
from activities.progress import ProgressActivities
from activities.rate_limits import RateLimitInterceptor
from activities.retries import RetryReporter
from activities.reviewer import ReviewerActivities
from activities.role_models import RoleModel
from activities.servers import ServerActivities, facts_probe
from activities.service_control import ServiceActivities
from activities.spending import SpendingActivities
from activities.zavhoz import ZavhozActivities
from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.confinement import ServiceLimits
from adapters.forge.factory import build_forge
from adapters.llm.base import ChatModel
from adapters.llm.guard import PromptGuard
from adapters.llm.latency import DelayedModel
from adapters.notify.base import Notifier
from adapters.notify.log import LogNotifier
from adapters.sandbox.factory import build_sandbox
from adapters.secrets.base import SecretStore
from adapters.secrets.factory import build_secret_store
from agents.external_agent import external_agent, refuse_unmetered_budgets
from agents.offline_model import OfflineModel
from core.known_secrets import KNOWN_SECRETS
from core.pid_files import worker_identity
from core.settings import Settings
from core.vocabulary import MODEL_ROLES, ModelRole
from db.engine import SessionFactory
from workflows import policies
from workflows.change import ChangeWorkflow
from workflows.change_queue import ChangeQueueWorkflow
from workflows.developer import DeveloperWorkflow
from workflows.github_sync import GithubSyncWorkflow
from workflows.health_check import HealthCheckWorkflow, RepairWorkflow
from workflows.incident import IncidentWorkflow
from workflows.live_deploy import PipelineDeployWorkflow
from workflows.project import ProjectWorkflow
from workflows.release import ReleaseWorkflow
from workflows.rollback import RollbackWorkflow
from workflows.server_sync import ServerSyncWorkflow

log = structlog.get_logger()

WORKFLOWS = [
    ProjectWorkflow,
    DeveloperWorkflow,
    RollbackWorkflow,
    ReleaseWorkflow,
    HealthCheckWorkflow,
    RepairWorkflow,
    IncidentWorkflow,
    GithubSyncWorkflow,
    ServerSyncWorkflow,
    ChangeQueueWorkflow,
    ChangeWorkflow,
    PipelineDeployWorkflow,
]


# What LLM_API_KEY's value is replaced with wherever it would show.
LLM_API_KEY_MASK = "setting:LLM_API_KEY"


def build_role_models(
    settings: Settings, sessions: SessionFactory, secrets: SecretStore
) -> dict[ModelRole, ChatModel]:
    """A model per role; each call reads the role's config (DB, else LLM_*) and uses the
    offline scripted model (the embedded default) or the provider it names."""
    # LLM_API_KEY is in no secret store: made known here, it is masked in prompts, transcripts,
    # events and logs like a stored key (role keys are made known by the store that reads them).
    KNOWN_SECRETS.add(settings.llm.api_key.get_secret_value(), LLM_API_KEY_MASK)
    offline = OfflineModel()
    models: dict[ModelRole, ChatModel] = {}
    for role in MODEL_ROLES:
        model: ChatModel = RoleModel(
            role, settings=settings, sessions=sessions, secrets=secrets, offline=lambda: offline
        )
        if settings.llm.simulated_latency_s:
            model = DelayedModel(model, settings.llm.simulated_latency_s)
        # Outermost, so no agent and no wrapper can reach a model without passing it.
        models[role] = PromptGuard(model, refresh=partial(asyncio.to_thread, secrets.load_all))
    return models


def build_activities(
    settings: Settings,
    sessions: SessionFactory,
    secrets: SecretStore,
    client: Client,
    notifier: Notifier | None = None,
) -> list[Callable[..., Any]]:
    notifier = notifier or LogNotifier()
    ctx = ActivityContext(settings=settings, sessions=sessions, secrets=secrets, notifier=notifier)
    models = build_role_models(settings, sessions, secrets)
    forge = build_forge(
        settings.forge,
        root=settings.forge_dir,
        sessions=sessions,
        tenant_id=settings.tenant,
        secrets=secrets,
    )
    external = external_agent(settings.sandbox)  # checked before the engine is reached
    refuse_unmetered_budgets(external, settings.costs)
    sandbox = build_sandbox(settings.sandbox, slots_dir=settings.data_dir / "sandbox-slots")
    deployer = AnsibleDeployer(
        releases_dir=settings.releases_dir,
        playbooks_dir=find_playbooks_dir(),
        host=settings.deploy.host,
        health_timeout_s=settings.deploy.health_timeout_s,
        python=settings.deploy.service_python,
        data_dir=settings.data_dir,
        remote_root=settings.deploy.remote_root,
        runtime_dir=settings.deploy.runtime_dir,
        limits=ServiceLimits(
            uid_base=settings.deploy.service_uid_base,
            memory_mb=settings.deploy.service_memory_mb,
            pids_max=settings.deploy.service_pids_max,
            open_files=settings.deploy.service_open_files,
        ),
    )
    log.info(
        "adapters",
        models={role: m.label for role, m in models.items()},
        forge=forge.name,
        sandbox=sandbox.name,
        deploy=deployer.name,
        coding_agent=external.program if external else "built-in",
    )
    brainstorm = BrainstormActivities(ctx, models["brainstorm"])
    architect = ArchitectActivities(ctx, models["architect"], forge)
    developer = DeveloperActivities(ctx, models["developer"], forge, sandbox, external=external)
    reviewer = ReviewerActivities(ctx, models["reviewer"], forge, sandbox)
    devops = DevOpsActivities(ctx, forge, deployer)
    service = ServiceActivities(ctx, forge, deployer)
    humans = HumanActivities(ctx, notifier)
    changes = ChangeActivities(ctx, models["brainstorm"], forge, planner=models["architect"])
    return [
        ProgressActivities(ctx, notifier).record_progress,
        humans.record_inbox,
        humans.notify_owner,
        brainstorm.write_spec,
        ZavhozActivities(ctx).allocate_resources,
        SpendingActivities(ctx).set_budget,
        architect.create_repository,
        architect.plan_tasks,
        developer.write_code,
        developer.open_pull_request,
        reviewer.review_pull_request,
        reviewer.merge_pull_request,
        devops.main_head,
        devops.check_readiness,
        devops.release_source,
        devops.deploy_release,
        devops.rollback_release,
        service.stop_service,
        service.start_service,
        HealthActivities(ctx).check_live,
        # Signals project workflows, hence the client.
        ForgeSyncActivities(ctx, forge, client).reconcile,
        ServerActivities(ctx, facts_probe(settings)).sync,
        changes.begin,
        changes.write_spec,
        changes.plan_tasks,
        changes.record_progress,
    ]


def build_worker(
    client: Client,
    settings: Settings,
    sessions: SessionFactory,
    notifier: Notifier | None = None,
) -> Worker:
    """`notifier`: how owners hear from their projects (worker/notifier.py); the log if None."""
    secrets = build_secret_store(settings)
    # Every stored value is known (and masked in logs) before the first activity runs; a
    # wrong or missing age key stops the worker here with the reason.
    log.info("secrets", store=secrets.name, values=secrets.load_all())
    return Worker(
        client,
        task_queue=settings.temporal.task_queue,
        identity=worker_identity(os.getpid()),
        workflows=WORKFLOWS,
        activities=build_activities(settings, sessions, secrets, client, notifier),
        max_concurrent_activities=8,
        **heartbeat_options(
            RetryReporter(ActivityContext(settings=settings, sessions=sessions, secrets=secrets)),
            RateLimitInterceptor(),
            ModelFailureInterceptor(),
        ),
    )


def heartbeat_options(*interceptors: Interceptor) -> dict[str, Any]:
    """Worker options that make every activity heartbeat, often enough for policies.HEARTBEAT."""
    return {
        "interceptors": [HeartbeatInterceptor(), *interceptors],
        "max_heartbeat_throttle_interval": policies.HEARTBEAT_EVERY,
        "default_heartbeat_throttle_interval": policies.HEARTBEAT_EVERY,
    }
