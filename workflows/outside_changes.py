"""Pull requests people merged or closed on the forge themselves, applied to the tasks.

github_sync reports each change by signal (and again until its rows say it was told), so
applying is idempotent. A change is matched by pull request number: a rework round after a
close opens a new pull request, and the old change no longer matches it.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.contracts import ProjectState, PullRequestChange, TaskState


def closed_note(change: PullRequestChange) -> str:
    return (
        f"Pull request #{change.pr_number} was closed without merging by a person, outside "
        "the orchestrator. Rework the task on a new pull request; if the task itself is no "
        "longer wanted, a person can skip it when review rounds run out."
    )


def record(state: ProjectState, change: PullRequestChange) -> None:
    if change not in state.pr_changes:
        state.pr_changes.append(change)
    apply_all(state)


def apply_all(state: ProjectState) -> None:
    for change in state.pr_changes:
        for task in state.tasks:
            if task.pr_number == change.pr_number:
                _apply(task, change)


def _apply(task: TaskState, change: PullRequestChange) -> None:
    # A developer at work replaces the pull request (merged or closed, it is done with);
    # a merged or skipped task is settled.
    if task.status in ("developing", "merged", "skipped", "pending"):
        return
    if change.outcome == "merged":
        task.status, task.feedback = "merged", ""
        return
    note = closed_note(change)
    if note not in task.feedback:
        task.feedback = f"{note}\n\n{task.feedback}".strip()
    task.status = "changes_requested"
