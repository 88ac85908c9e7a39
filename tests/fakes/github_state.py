"""What the fake GitHub knows: accounts, the App and its tokens, repositories, pulls, reviews.

Everything a test may want to assert on is plain data here; the HTTP side is in
github_server.py. One lock guards it all (the server is threaded).
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# GitHub refuses App JWTs that live longer than ten minutes.
MAX_JWT_LIFETIME_S = 600


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float
    status: int = 0


@dataclass
class RateLimit:
    """The next `times` API requests under `path_prefix` are refused as rate limited."""

    times: int
    status: int  # 403 (primary limit) or 429 (secondary)
    reset_in: float
    retry_after: int | None
    path_prefix: str


@dataclass
class Review:
    id: int
    user: str
    body: str
    state: str  # APPROVED / CHANGES_REQUESTED / COMMENTED
    commit_id: str
    at: str


@dataclass
class LineComment:
    id: int
    review_id: int
    path: str
    line: int
    body: str
    commit_id: str
    user: str


@dataclass
class Pull:
    number: int
    head: str
    base: str
    title: str
    body: str
    user: str
    state: str = "open"  # open / closed
    merged: bool = False
    merge_commit_sha: str | None = None
    closed_head_sha: str | None = None
    merged_by: str | None = None


@dataclass
class Repo:
    owner: str
    owner_type: str
    name: str
    description: str
    bare: Path
    default_branch: str = "main"
    protection: dict[str, Any] | None = None
    pulls: list[Pull] = field(default_factory=list)
    reviews: dict[int, list[Review]] = field(default_factory=dict)
    comments: dict[int, list[LineComment]] = field(default_factory=dict)


@dataclass
class Installation:
    id: int
    account: str
    account_type: str  # Organization / User


@dataclass
class IssuedToken:
    token: str
    installation_id: int
    expires_at: float
    repositories: list[str] | None = None  # names it is scoped to; None: all the installation's
    permissions: dict[str, str] = field(default_factory=dict)  # as asked; empty: all the App's


class GitHubState:
    def __init__(
        self,
        root: Path,
        *,
        app_id: int = 4242,
        app_slug: str = "orchestrator-factory",
        installation: Installation | None = None,
        token_lifetime_s: float = 3600.0,
    ) -> None:
        self.lock = threading.RLock()
        self.root = root
        self.app_id = app_id
        self.app_slug = app_slug
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.installation = installation or Installation(101, "acme", "Organization")
        self.token_lifetime_s = token_lifetime_s
        self.users: dict[str, str] = {}  # personal token -> login
        self.issued: list[IssuedToken] = []
        self.repos: dict[str, Repo] = {}
        self.requests: list[RecordedRequest] = []
        self.refused_expired: list[str] = []  # paths refused because a token had expired
        self.refused_scope: list[str] = []  # paths refused: the token is scoped to other repos
        self.rate_limits: list[RateLimit] = []
        self._ids = 1000

    # --- keys and tokens -------------------------------------------------------------------
    @property
    def private_key_pem(self) -> str:
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()

    def add_user_token(self, login: str) -> str:
        token = f"ghp_{secrets.token_hex(18)}"
        with self.lock:
            self.users[token] = login
        return token

    def check_jwt(self, token: str) -> bool:
        try:
            claims = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=0,
            )
        except jwt.PyJWTError:
            return False
        lifetime = float(claims["exp"]) - float(claims["iat"])
        return str(claims["iss"]) == str(self.app_id) and lifetime <= MAX_JWT_LIFETIME_S + 60

    def issue_installation_token(
        self,
        installation_id: int,
        *,
        repositories: list[str] | None = None,
        permissions: dict[str, str] | None = None,
    ) -> IssuedToken:
        issued = IssuedToken(
            f"ghs_{secrets.token_hex(18)}",
            installation_id,
            time.time() + self.token_lifetime_s,
            repositories,
            dict(permissions or {}),
        )
        with self.lock:
            self.issued.append(issued)
        return issued

    def may_access(self, token: str, owner: str, name: str) -> bool:
        """Like GitHub: an installation token reaches only the repositories it was scoped to
        (all of the installation's account when it was not scoped); a person's token, theirs."""
        with self.lock:
            for issued in self.issued:
                if issued.token == token:
                    if owner.lower() != self.installation.account.lower():
                        return False
                    scope = issued.repositories
                    return scope is None or name.lower() in {r.lower() for r in scope}
        return True

    def refuse_out_of_scope(self, path: str) -> None:
        with self.lock:
            self.refused_scope.append(path)

    def login_for(self, token: str) -> str | None:
        """Who a token (personal, or an unexpired installation token) acts as; None: refused."""
        with self.lock:
            if token in self.users:
                return self.users[token]
            for issued in self.issued:
                if issued.token == token:
                    return f"{self.app_slug}[bot]" if issued.expires_at > time.time() else None
        return None

    def is_expired_installation_token(self, token: str) -> bool:
        with self.lock:
            return any(t.token == token and t.expires_at <= time.time() for t in self.issued)

    # --- rate limits -----------------------------------------------------------------------
    def rate_limit(
        self,
        *,
        times: int = 1,
        status: int = 403,
        reset_in: float = 2.0,
        retry_after: int | None = None,
        path_prefix: str = "/",
    ) -> None:
        """Switch on: the next `times` API requests under `path_prefix` are refused."""
        with self.lock:
            self.rate_limits.append(RateLimit(times, status, reset_in, retry_after, path_prefix))

    def take_rate_limit(self, path: str) -> tuple[RateLimit, int] | None:
        with self.lock:
            for limit in self.rate_limits:
                if limit.times > 0 and path.startswith(limit.path_prefix):
                    limit.times -= 1
                    return limit, math.ceil(time.time() + limit.reset_in)
        return None

    # --- repositories ----------------------------------------------------------------------
    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def repo(self, owner: str, name: str) -> Repo | None:
        with self.lock:
            return self.repos.get(f"{owner}/{name}".lower())

    def add_repo(self, repo: Repo) -> None:
        with self.lock:
            self.repos[f"{repo.owner}/{repo.name}".lower()] = repo


def iso(ts: float | None = None) -> str:
    moment = datetime.fromtimestamp(ts if ts is not None else time.time(), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
