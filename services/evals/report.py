"""What an eval run found, per idea and overall; saved as JSON in the data dir."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from services.evals.checks import CheckResult


@dataclass
class IdeaResult:
    name: str
    idea: str
    project_id: str = ""
    model: str = ""  # as the worker that built it reported it
    status: str = ""  # the project's final status (or where it stood at a timeout)
    deployed: bool = False
    healthy: bool = False
    tests_passed: bool = False
    tests_summary: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    wall_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    reason: str = ""  # why it failed, in words; empty when it succeeded

    @property
    def checks_passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def success(self) -> bool:
        # A reason is set only when something went wrong, also where no flag says so (a
        # measurement that raised after the tests passed leaves no checks to fail).
        return (
            self.deployed
            and self.healthy
            and self.tests_passed
            and self.checks_passed
            and not self.reason
        )

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data.update(success=self.success, checks_passed=self.checks_passed, tokens=self.tokens)
        return data


@dataclass
class EvalReport:
    suite: str
    model: str
    parallel: int
    started_at: str
    wall_s: float = 0.0
    results: list[IdeaResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.success)

    @property
    def success_rate(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0

    def as_json(self) -> dict[str, object]:
        costs = [r.cost_usd for r in self.results]
        return {
            "suite": self.suite,
            "model": self.model,
            "parallel": self.parallel,
            "started_at": self.started_at,
            "wall_s": round(self.wall_s, 1),
            "passed": self.passed,
            "total": len(self.results),
            "success_rate": self.success_rate,
            "tokens": sum(r.tokens for r in self.results),
            "cost_usd": None if None in costs else sum(c for c in costs if c is not None),
            "ideas": [r.as_json() for r in self.results],
        }

    def save(self, directory: Path) -> Path:
        """evals/<timestamp>.json; a second run in the same second gets a suffix."""
        directory.mkdir(parents=True, exist_ok=True)
        stamp = self.started_at.replace(":", "").replace("-", "")
        path = directory / f"{stamp}.json"
        n = 1
        while path.exists():
            n += 1
            path = directory / f"{stamp}-{n}.json"
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n")
        return path
