"""Custom search attributes that make runs filterable in the Temporal Web UI."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from core.vocabulary import Queued, StageName

PROJECT_ID = SearchAttributeKey.for_keyword("OrchestratorProjectId")
TENANT = SearchAttributeKey.for_keyword("OrchestratorTenant")
STAGE = SearchAttributeKey.for_keyword("OrchestratorStage")
STATUS = SearchAttributeKey.for_keyword("OrchestratorStatus")

ALL_KEYS = (PROJECT_ID, TENANT, STAGE, STATUS)


def initial(
    project_id: str, tenant: str, stage: StageName | Queued = "queued"
) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(PROJECT_ID, project_id),
            SearchAttributePair(TENANT, tenant),
            SearchAttributePair(STAGE, stage),
            SearchAttributePair(STATUS, "running"),
        ]
    )
