"""Reading a YAML file a person wrote (a price table, a suite): one clear error per failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.errors import InvalidInput


def read_yaml(path: Path, what: str) -> Any:
    """The file's data (None when it is empty); `what` names it in the error, e.g.
    "the price table"."""
    try:
        return yaml.safe_load(path.read_text())
    except OSError as err:
        raise InvalidInput(f"cannot read {what} {path}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} {path} is not text (UTF-8): is it the right file?") from None
    except yaml.YAMLError as err:
        raise InvalidInput(f"{what} {path} is not YAML: {err}") from None
