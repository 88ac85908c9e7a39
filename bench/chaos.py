"""Kill the whole embedded stack with SIGKILL at a random moment, restart it, check the result.

    .venv/bin/python -m bench.chaos --runs 20 [--seed 7] [--model-latency 0.5]

Each run: a fresh data dir, `orchestrator up`, one idea submitted through the API, a
SIGKILL of the stack's whole process group after a seeded random delay, a plain
`orchestrator up` again, and then the checks of bench/exactly_once.py. Prints a table and
a summary: runs completed exactly once, seconds from restart to the next progress event
and to completion, and embedded servers that outlived the kill.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import exactly_once
from bench.embedded_stack import TERMINAL, EmbeddedStack, event_time


@dataclass
class RunResult:
    run: int
    kill_after_s: float
    stage_at_kill: str = "-"
    orphan_server: bool = False
    to_progress_s: float | None = None
    to_step_s: float | None = None
    to_complete_s: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def one_run(run: int, home: Path, kill_after_s: float, args: argparse.Namespace) -> RunResult:
    result = RunResult(run, kill_after_s)
    stack = EmbeddedStack(home, {"LLM_SIMULATED_LATENCY_S": str(args.model_latency)})
    try:
        stack.start()
        stack.wait_healthy()
        project = stack.submit(args.idea)
        submitted = time.time()
        if stack.wait_until(project, TERMINAL, kill_after_s) in TERMINAL:
            result.problems.append("finished before the kill (lower --max-kill-s)")
            return result
        killed_at = time.time()
        result.orphan_server = stack.kill_all() is not None
        result.stage_at_kill = _stage_at(stack, killed_at)
        restarted = time.time()
        stack.start()
        stack.wait_healthy()
        final = stack.wait_until(project, TERMINAL, args.timeout_s)
        events = [e for e in stack.events(project) if event_time(e) > killed_at]
        # Progress: the pipeline moving again — a retried attempt starting, or any step.
        # Step: work done again (a retried attempt's start does not count).
        # The start-up look at live services is the stack's, not the pipeline's: neither.
        moving = [e for e in events if not e["kind"].startswith("live_check")]
        steps = [e for e in moving if e["kind"] != "activity_retried"]
        if moving:
            result.to_progress_s = min(map(event_time, moving)) - restarted
        if steps:
            result.to_step_s = min(map(event_time, steps)) - restarted
        done = [event_time(e) for e in events if e["kind"] == f"project_{final}"]
        if done:
            result.to_complete_s = max(done) - restarted
        result.problems += exactly_once.problems(stack, project)
        if result.orphan_server:
            result.problems.append("the embedded server outlived the killed stack")
        result.kill_after_s = killed_at - submitted
    except Exception as err:  # noqa: BLE001 - one broken run is a row in the table, not the end
        result.problems.append(f"{type(err).__name__}: {err}")
    finally:
        stack.stop()
        stack.stop_services()
    return result


def _stage_at(stack: EmbeddedStack, killed_at: float) -> str:
    """The stage that was running at the kill, read from the events written before it."""
    with sqlite3.connect(stack.home / "orchestrator.db") as db:
        rows = db.execute(
            "SELECT kind, message, created_at FROM events WHERE kind LIKE 'stage_%' ORDER BY id"
        ).fetchall()
    started = [
        message.split()[0]
        for kind, message, created in rows
        if kind == "stage_started" and event_time({"created_at": created}) <= killed_at
    ]
    return started[-1] if started else "brainstorm"


def render(results: list[RunResult], console: Console) -> None:
    table = Table(title="whole-stack SIGKILL, then `orchestrator up`")
    columns = ("run", "kill at", "stage", "restart→progress", "→step done", "→done", "result")
    for column in columns:
        table.add_column(column)
    for r in results:
        table.add_row(
            str(r.run),
            f"{r.kill_after_s:.1f} s",
            r.stage_at_kill,
            _seconds(r.to_progress_s),
            _seconds(r.to_step_s),
            _seconds(r.to_complete_s),
            "[green]exactly once[/green]" if r.ok else f"[red]{'; '.join(r.problems)}[/red]",
        )
    console.print(table)
    progress = [r.to_progress_s for r in results if r.to_progress_s is not None]
    steps = [r.to_step_s for r in results if r.to_step_s is not None]
    complete = [r.to_complete_s for r in results if r.to_complete_s is not None]
    console.print(f"completed exactly once: {sum(r.ok for r in results)}/{len(results)}")
    console.print(f"embedded servers outliving the kill: {sum(r.orphan_server for r in results)}")
    for label, values in (
        ("restart→next progress", progress),
        ("restart→next step done", steps),
        ("restart→done", complete),
    ):
        if values:
            console.print(
                f"{label}: median {statistics.median(values):.1f} s, "
                f"max {max(values):.1f} s, min {min(values):.1f} s"
            )


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--idea", default="Weather bot with notifications")
    parser.add_argument("--min-kill-s", type=float, default=0.5)
    parser.add_argument("--max-kill-s", type=float, default=9.0)
    parser.add_argument("--model-latency", type=float, default=0.5, help="seconds per model call")
    parser.add_argument("--timeout-s", type=float, default=180.0)
    parser.add_argument("--keep", action="store_true", help="keep the data dirs for a look")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    console = Console()
    root = Path(tempfile.mkdtemp(prefix="orchestrator-chaos-"))
    # Deployed services run as an unprivileged uid that must pass through to their release.
    root.chmod(0o711)
    results = []
    for run in range(1, args.runs + 1):
        kill_after = rng.uniform(args.min_kill_s, args.max_kill_s)
        result = one_run(run, root / f"run-{run}", kill_after, args)
        console.print(
            f"run {run}: killed in {result.stage_at_kill} after {result.kill_after_s:.1f} s, "
            f"progress {_seconds(result.to_progress_s)}, step {_seconds(result.to_step_s)}, "
            f"done {_seconds(result.to_complete_s)}"
            + ("" if result.ok else f" — {'; '.join(result.problems)}")
        )
        results.append(result)
    render(results, console)
    if args.keep:
        console.print(f"data dirs kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
