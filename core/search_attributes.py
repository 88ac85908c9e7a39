"""Custom search attributes that make runs filterable in the Temporal Web UI.

Named once: the workflow upserts them, services set them at start, and startup registers
them on the server (core/temporal.py), so the three cannot drift apart.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from core.vocabulary import ProjectStatus, Queued, StageName

PROJECT_ID = SearchAttributeKey.for_keyword("OrchestratorProjectId")
TENANT = SearchAttributeKey.for_keyword("OrchestratorTenant")
STAGE = SearchAttributeKey.for_keyword("OrchestratorStage")
STATUS = SearchAttributeKey.for_keyword("OrchestratorStatus")

ALL_KEYS = (PROJECT_ID, TENANT, STAGE, STATUS)
NAMES = tuple(key.name for key in ALL_KEYS)


def initial(
    project_id: str, tenant: str, stage: StageName | Queued = "queued"
) -> TypedSearchAttributes:
    status: ProjectStatus = "running"
    return TypedSearchAttributes(
        [
            SearchAttributePair(PROJECT_ID, project_id),
            SearchAttributePair(TENANT, tenant),
            SearchAttributePair(STAGE, stage),
            SearchAttributePair(STATUS, status),
        ]
    )
