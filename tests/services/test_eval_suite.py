"""Eval suites are checked before anything runs; the shipped ones fit the offline model."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.offline_model import draft_spec
from cli.main import app
from core.budgets import BudgetState
from core.contracts import InboxItem
from core.errors import InvalidInput
from core.vocabulary import InboxKind
from services.evals.owner import SuiteOwner
from services.evals.suite import SUITES_DIR, EvalSuite, load_suite
from workflows.budget_stop import approval_prompt


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return str(path)


GOOD_IDEA = "  - name: notes\n    idea: A notes service for a team\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: s\nideas: []\n", "ideas: List should have at least 1 item"),
        ("ideas:\n" + GOOD_IDEA, "name: Field required"),
        (
            "name: s\nideas:\n" + GOOD_IDEA + "    checks:\n      - {path: /health, status: 700}\n",
            "ideas.0.checks.0.status: Input should be less than or equal to 599",
        ),
        (
            "name: s\nideas:\n" + GOOD_IDEA + "    checks:\n      - {path: health}\n",
            "ideas.0.checks.0.path: String should match pattern '^/'",
        ),
        (
            "name: s\nideas:\n" + GOOD_IDEA + "    checks:\n      - {path: /, stauts: 200}\n",
            "ideas.0.checks.0.stauts: Extra inputs are not permitted",
        ),
        ("name: s\ndefaults: {escalation: shrug}\nideas:\n" + GOOD_IDEA, "defaults.escalation"),
        ("name: s\nideas:\n" + GOOD_IDEA + GOOD_IDEA, "repeated: notes"),
        ("name: s\nideas: [\n", "is not YAML"),
        ("- just\n- a list\n", "the suite: Input should be a valid dictionary"),
    ],
)
def test_a_bad_suite_is_refused_naming_the_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        load_suite(write(tmp_path, text))
    assert expected in str(refused.value)
    assert str(tmp_path / "suite.yaml") in str(refused.value)


def test_the_command_refuses_a_bad_suite_before_starting_anything(tmp_path: Path) -> None:
    bad = write(tmp_path, "name: s\nideas:\n" + GOOD_IDEA + "    checks: [{path: /, status: 0}]\n")
    result = CliRunner().invoke(
        app, ["eval", bad], env={"ORCHESTRATOR_HOME": str(tmp_path / "home"), "COLUMNS": "250"}
    )
    assert result.exit_code == 1
    assert "is not a valid eval suite: ideas.0.checks.0.status" in result.output
    assert not (tmp_path / "home" / "logs").exists(), "no stack was started"

    missing = CliRunner().invoke(app, ["eval", "no-such-suite"], env={"COLUMNS": "250"})
    assert missing.exit_code == 1 and "shipped suites: default, smoke" in missing.output


def test_the_shipped_suites_check_what_the_offline_model_builds() -> None:
    """Each idea's checks use the resource and name the offline model derives from the idea;
    the e2e test builds the smoke suite for real, `orchestrator eval` the default one."""
    default, smoke = load_suite("default"), load_suite("smoke")
    assert len(default.ideas) >= 10 and len(smoke.ideas) == 2
    assert sorted(p.stem for p in SUITES_DIR.glob("*.yaml")) == ["default", "smoke"]
    for idea in default.ideas + smoke.ideas:
        spec = draft_spec(idea.idea)
        resource = f"/{spec.feature.resource}"
        paths = {c.path for c in idea.checks}
        assert paths == {"/health", "/", resource}, (idea.name, paths)
        index = next(c for c in idea.checks if c.path == "/")
        assert index.json_equals == {"name": spec.name}


def test_the_suite_plays_the_owner_from_its_answers_then_its_defaults(tmp_path: Path) -> None:
    suite = EvalSuite.model_validate(
        {
            "name": "s",
            "defaults": {"answer": "whatever suits", "escalation": "retry"},
            "ideas": [{"name": "a", "idea": "Plant diary", "answers": ["first", "second"]}],
        }
    )
    owner = SuiteOwner(suite.ideas[0], suite.defaults)

    def item(kind: InboxKind) -> InboxItem:
        return InboxItem(id=f"{kind}-1", kind=kind, prompt="?", stage="brainstorm")

    replies = [owner.reply(item("question")) for _ in range(3)]
    assert replies == [("", "first"), ("", "second"), ("", "whatever suits")]
    assert owner.reply(item("approval")) == ("approve", "")
    assert owner.reply(item("escalation")) == ("retry", "")
    assert owner.reply(item("secret")) is None, "a secret value is never sent as an answer"
    # It has no instructions to give, so `instruct` is refused up front.
    text = "name: s\ndefaults: {escalation: instruct}\nideas:\n" + GOOD_IDEA
    with pytest.raises(InvalidInput, match="defaults.escalation"):
        load_suite(write(tmp_path, text))


def test_the_suite_owner_refuses_to_raise_a_used_up_budget() -> None:
    """Approving a budget stop doubles the budget: an eval that did so would never be capped."""
    suite = EvalSuite.model_validate({"name": "s", "ideas": [{"name": "a", "idea": "Diary"}]})
    owner = SuiteOwner(suite.ideas[0], suite.defaults)
    prompt = approval_prompt("p-1", BudgetState("project", 1.0, 1.2), 3)
    budget = InboxItem(id="b-1", kind="approval", prompt=prompt, stage="developer")

    assert owner.reply(budget) == ("reject", "budget used up")
    other = InboxItem(id="a-1", kind="approval", prompt="Merge the release?", stage="devops")
    assert owner.reply(other) == ("approve", "")
