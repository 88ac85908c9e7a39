"""Every route answers as its OpenAPI schema says: schemathesis against a real stack.

Bounded on purpose (a few dozen examples per operation and mode): it guards the contract,
it is not a fuzzing campaign. Generated ids name nothing, so a second pass repeats the
operations on a project that exists.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance
from temporalio.testing import WorkflowEnvironment

from core.settings import TemporalSettings
from db.migrate import upgrade_to_head
from tests.api.served import served_api
from tests.stack import stack_settings

EXAMPLES = 30  # per operation and generation mode
# Operations no generated input can succeed at, so "valid data is accepted" cannot hold:
# adding a server logs in to it first, and no generated host runs an sshd we hold a key for;
# a project's new repository URL must name a repository that exists on the forge; a secret's
# value is refused with a sentence when it is blank or holds control characters, which a JSON
# schema cannot say (documented in its description); a model config's key handle must name a
# secret the store holds, and its provider's own rules (a base URL for openai_compatible) hold.
NEEDS_THE_WORLD = {
    "POST /servers",
    "PUT /models/{role}",
    "PATCH /projects/{project_id}",
    "PUT /projects/{project_id}/secrets/{name}",
}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture
def api_url(dev_env: WorkflowEnvironment, tmp_path: Path) -> Iterator[str]:
    base = stack_settings(tmp_path / "home", f"schema-{uuid.uuid4()}")
    temporal = TemporalSettings(
        address=dev_env.client.service_client.config.target_host,
        task_queue=base.temporal.task_queue,  # no worker polls it: workflows just wait
    )
    app_settings = base.model_copy(update={"temporal": temporal})
    upgrade_to_head(app_settings.database_url)
    with served_api(app_settings) as url:
        yield url


def check_operation(
    operation: schemathesis.APIOperation, mode: GenerationMode, url: str, **fixed: Any
) -> int:
    """Send up to EXAMPLES generated cases and validate each answer; return how many."""
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        sent += 1
        excluded = [positive_data_acceptance] if operation.label in NEEDS_THE_WORLD else None
        case.call_and_validate(base_url=url, excluded_checks=excluded)

    try:
        run()
    except Unsatisfiable:  # nothing to get wrong: no parameters and no body
        pass
    return sent


def test_every_operation_answers_as_its_schema_says(api_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    counts: dict[str, int] = {}
    started = time.monotonic()

    def check(label: str, operation: schemathesis.APIOperation, **fixed: Any) -> None:
        for mode in MODES:
            try:
                counts[f"{label} ({mode.value})"] = check_operation(
                    operation, mode, api_url, **fixed
                )
            except (AssertionError, FailureGroup) as err:  # reported together below
                failures.append(f"{label} ({mode.value}): {err}")

    for operation in operations:
        check(operation.label, operation)
    [project, *_] = httpx.get(f"{api_url}/projects").json()  # made by POST /projects above
    for operation in operations:
        if "{project_id}" in operation.path:
            known = {"project_id": project["id"]}
            check(f"{operation.label} known id", operation, path_parameters=known)

    took = time.monotonic() - started
    print(f"schemathesis: {sum(counts.values())} requests in {took:.1f}s; {counts}")  # noqa: T201
    assert not failures, "\n\n".join(failures)
