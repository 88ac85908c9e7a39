"""Build the worker image where nothing can be pulled: a debootstrap root filesystem imported
as the base, then worker_image/Dockerfile on it. Rebuilt only when worker_image/ changes."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from docker.errors import ImageNotFound

from core.errors import ServiceUnavailable

log = structlog.get_logger(__name__)

INPUTS_LABEL = "orchestrator.inputs"
SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Nothing a command needs, and every byte is copied per container on the vfs storage driver.
_STRIPPED = (
    "var/cache/apt",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/locale",
    "usr/share/info",
    "var/log",
)


def image_dir() -> Path:
    """The repository's worker_image/ folder."""
    return Path(__file__).resolve().parents[2] / "worker_image"


def inputs_hash(directory: Path) -> str:
    """A digest of every file that goes into the image, and the Debian release it is built on."""
    digest = hashlib.sha256(SUITE.encode())
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def packages(directory: Path) -> list[str]:
    lines = (directory / "packages.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def debian_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror apt already uses (it may be the only one this host can reach)."""
    for path in sorted(sources.glob("sources.list.d/*.sources")):
        text = path.read_text(errors="replace")
        for stanza in text.split("\n\n"):
            if re.search(rf"^Suites:.*\b{SUITE}\b", stanza, re.M) and "security" not in stanza:
                if found := re.search(r"^URIs:\s*(\S+)", stanza, re.M):
                    return found.group(1)
    for path in [sources / "sources.list", *sorted(sources.glob("sources.list.d/*.list"))]:
        if path.is_file():
            found = re.search(rf"^deb\s+(\S+)\s+{SUITE}\s", path.read_text(), re.M)
            if found:
                return found.group(1)
    return DEFAULT_MIRROR


class ImageBuilder:
    """Makes `tag` from `directory` on the engine behind `client` (a docker.DockerClient)."""

    def __init__(
        self,
        client: Any,
        *,
        tag: str,
        directory: Path | None = None,
        work_dir: Path | None = None,
        mirror: str | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self._client = client
        self.tag = tag
        self._dir = directory or image_dir()
        self._work_dir = work_dir or Path(tempfile.gettempdir())
        self._mirror = mirror
        self._say = say or (lambda message: log.info("worker_image", step=message))

    def up_to_date(self) -> bool:
        try:
            image = self._client.images.get(self.tag)
        except ImageNotFound:
            return False
        return bool(image.labels.get(INPUTS_LABEL) == inputs_hash(self._dir))

    def ensure(self) -> bool:
        """Build unless an image with these inputs exists; True when it built one."""
        if self.up_to_date():
            self._say(f"{self.tag} is up to date")
            return False
        base = self.ensure_base()
        self._say(f"building {self.tag} on {base}")
        self._client.images.build(
            path=str(self._dir),
            tag=self.tag,
            buildargs={"BASE": base},
            labels={INPUTS_LABEL: inputs_hash(self._dir)},
            pull=False,
            rm=True,
            forcerm=True,
        )
        self._say(f"built {self.tag}")
        return True

    def ensure_base(self) -> str:
        """The imported Debian base holding packages.txt, made once per package list."""
        wanted = packages(self._dir)
        digest = hashlib.sha256(f"{SUITE}:{','.join(wanted)}".encode()).hexdigest()[:16]
        base = f"orchestrator-worker-base:{digest}"
        try:
            self._client.images.get(base)
            return base
        except ImageNotFound:
            pass
        with tempfile.TemporaryDirectory(prefix="worker-rootfs-", dir=self._work_dir) as tmp:
            rootfs, tarball = Path(tmp) / "rootfs", Path(tmp) / "rootfs.tar"
            self._debootstrap(rootfs, wanted)
            for relative in _STRIPPED:
                for child in (rootfs / relative).glob("*"):
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], check=True)
            self._say(f"importing {base}")
            repository, tag = base.split(":")
            self._client.api.import_image_from_file(str(tarball), repository=repository, tag=tag)
        return base

    def _debootstrap(self, rootfs: Path, wanted: list[str]) -> None:
        if shutil.which("debootstrap") is None:
            raise ServiceUnavailable(
                "building the worker image needs debootstrap (apt-get install -y debootstrap)"
            )
        mirror = self._mirror or debian_mirror()
        self._say(f"debootstrap {SUITE} from {mirror} with {', '.join(wanted)} (about a minute)")
        done = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(wanted)}",
                SUITE,
                str(rootfs),
                mirror,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ServiceUnavailable(f"debootstrap failed: {done.stdout[-2000:]}{done.stderr}")
