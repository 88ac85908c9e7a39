"""The fixed service template the Architect commits before any Developer starts."""

from __future__ import annotations

from pathlib import Path

from agents.schemas import ProjectSpec

TEMPLATE_DIR = Path(__file__).parent / "templates" / "python_http_service"
# How the template's tests run: developers are told it, the reviewer runs it in the sandbox.
TEST_COMMAND = "python3 -m unittest discover -s tests -v"
_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def render_scaffold(spec: ProjectSpec) -> dict[str, str]:
    """Template files (relative POSIX path -> content) with `{{placeholders}}` filled from spec."""
    values = {
        "{{name}}": spec.name,
        "{{title}}": spec.title,
        "{{summary}}": spec.summary,
        "{{resource}}": spec.feature.resource,
    }
    files: dict[str, str] = {}
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        rel = path.relative_to(TEMPLATE_DIR)
        if not path.is_file() or _SKIP_PARTS.intersection(rel.parts) or path.suffix == ".pyc":
            continue
        text = path.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        files[rel.as_posix()] = text
    return files
