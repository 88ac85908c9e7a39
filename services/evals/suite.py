"""An eval suite: ideas to build, how to answer their questions, and what the result must do.

Written in YAML (evals/*.yaml); validated here so a bad suite fails before anything is
submitted, with the field that is wrong named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import InvalidInput
from core.yaml_files import read_yaml

# The suites shipped with the repository; a bare name (`smoke`) means evals/<name>.yaml.
SUITES_DIR = Path(__file__).resolve().parents[2] / "evals"
DEFAULT_SUITE = "default"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # a typo must not pass silently


class HttpCheck(_Strict):
    """One request to the live service and what its answer must hold."""

    name: str = ""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str = Field(pattern=r"^/", max_length=500)
    body: Any = None  # sent as JSON when given
    status: int = Field(default=200, ge=100, le=599)
    contains: list[str] = Field(default_factory=list)  # substrings of the body
    json_equals: dict[str, Any] = Field(default_factory=dict, alias="json")  # dotted path: value
    fields: list[str] = Field(default_factory=list)  # dotted paths that must exist

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.path}"


class EvalIdea(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")
    idea: str = Field(min_length=3, max_length=4000)
    answers: list[str] = Field(default_factory=list)  # Brainstorm's questions, in order
    checks: list[HttpCheck] = Field(default_factory=list)
    timeout_s: float | None = Field(default=None, gt=0)


class SuiteDefaults(_Strict):
    # What the owner says to a question the idea has no answer left for.
    answer: str = "Small teams; each item records a name and a short note"
    # An escalation means the factory could not go on alone: an eval records it as a failure
    # (abort) rather than nursing the project through. `instruct` is not offered: the suite
    # has no instructions to give.
    escalation: Literal["retry", "skip", "abort"] = "abort"
    timeout_s: float = Field(default=900.0, gt=0)


class EvalSuite(_Strict):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    defaults: SuiteDefaults = Field(default_factory=SuiteDefaults)
    ideas: list[EvalIdea] = Field(min_length=1)

    @field_validator("ideas")
    @classmethod
    def _names_unique(cls, ideas: list[EvalIdea]) -> list[EvalIdea]:
        names = [i.name for i in ideas]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"idea names must be unique; repeated: {', '.join(repeated)}")
        return ideas

    def timeout_of(self, idea: EvalIdea) -> float:
        return idea.timeout_s or self.defaults.timeout_s


def suite_path(name_or_path: str | None) -> Path:
    """A file path as given, or a shipped suite by name."""
    text = name_or_path or DEFAULT_SUITE
    given = Path(text)
    if given.suffix in (".yaml", ".yml") or given.exists():
        return given
    return SUITES_DIR / f"{text}.yaml"


def load_suite(name_or_path: str | None) -> EvalSuite:
    path = suite_path(name_or_path)
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.yaml")))
        raise InvalidInput(f"no eval suite at {path} (shipped suites: {shipped})")
    data = read_yaml(path, "the eval suite")
    try:
        return EvalSuite.model_validate(data)
    except ValidationError as err:
        raise InvalidInput(f"{path} is not a valid eval suite: {_problems(err)}") from None


def _problems(err: ValidationError) -> str:
    """`ideas.1.checks.0.status: Input should be less than or equal to 599; ...`"""
    parts = []
    for problem in err.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "the suite"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)
