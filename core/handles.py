"""Handles: what models, prompts, workflow payloads and sandboxes see instead of values.

`secret://<project>/<NAME>` names a value in the secret store; `port://`, `server://`,
`domain://` and `database://` name resources Zavhoz recorded. A handle is resolved at the
last moment, inside the activity that needs the value, and never travels resolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast, get_args

from core.errors import InvalidInput

HandleKind = Literal["secret", "port", "server", "domain", "database"]
HANDLE_KINDS: tuple[HandleKind, ...] = get_args(HandleKind)

# Secrets that belong to the tenant rather than one project (a GitHub token, a model key).
TENANT_SCOPE = "_"

# Environment-variable style: what the service built from the spec reads its value as.
SECRET_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_SCOPE = re.compile(r"^(_|[a-z0-9][a-z0-9_-]{0,63})$")
_HANDLE = re.compile(r"^(?P<kind>[a-z]+)://(?P<scope>[^/\s]+)/(?P<name>[^/\s]+)$")


@dataclass(frozen=True)
class Handle:
    kind: HandleKind
    scope: str  # a project id, or TENANT_SCOPE
    name: str

    def __str__(self) -> str:
        return f"{self.kind}://{self.scope}/{self.name}"

    @classmethod
    def secret(cls, scope: str, name: str) -> Handle:
        check_scope(scope)
        check_secret_name(name)
        return cls("secret", scope, name)

    @classmethod
    def parse(cls, text: str) -> Handle:
        match = _HANDLE.match(text.strip())
        if match is None:
            raise InvalidInput(f"'{text}' is not a handle (expected kind://project/NAME)")
        kind = match["kind"]
        if kind not in HANDLE_KINDS:
            raise InvalidInput(f"'{text}': unknown handle kind '{kind}'; one of {HANDLE_KINDS}")
        check_scope(match["scope"])
        handle = cls(cast(HandleKind, kind), match["scope"], match["name"])
        if handle.kind == "secret":
            check_secret_name(handle.name)
        return handle


def check_secret_name(name: str) -> str:
    if not SECRET_NAME.match(name):
        raise InvalidInput(
            f"'{name}' is not a secret name: use capitals, digits and _ (e.g. WEATHER_API_KEY)"
        )
    return name


def check_scope(scope: str) -> str:
    if not _SCOPE.match(scope):
        raise InvalidInput(f"'{scope}' is not a project id (or '{TENANT_SCOPE}' for the tenant)")
    return scope


def check_secret_value(name: str, value: str, *, multiline: bool = False) -> str:
    """Refuse values that cannot be what the person meant (the value is never echoed)."""
    if not value.strip():
        raise InvalidInput(f"the value of {name} is empty")
    stripped = value.rstrip("\r\n") if not multiline else value
    if not multiline and ("\n" in stripped or "\r" in stripped):
        raise InvalidInput(
            f"the value of {name} has a line break; only keys such as PEM files may have one"
        )
    if "\x00" in stripped:
        raise InvalidInput(f"the value of {name} holds a NUL byte")
    return stripped
