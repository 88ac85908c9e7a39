"""The fake GitHub's REST routes: the shapes PyGithub reads, with `url`s pointing back here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes import github_git as g
from tests.fakes.github_state import GitHubState, LineComment, Pull, Repo, Review, iso

Answer = tuple[int, Any]  # status, JSON body (or str for a diff)


@dataclass
class Call:
    state: GitHubState
    api: str  # this server's base URL
    login: str  # who the request's token acts as
    match: re.Match[str]
    body: dict[str, Any]
    query: dict[str, str]
    accept: str


def _user(call: Call, login: str) -> dict[str, Any]:
    kind = "Bot" if login.endswith("[bot]") else "User"
    return {
        "login": login,
        "id": abs(hash(login)) % 10**6,
        "type": kind,
        "url": f"{call.api}/users/{login}",
    }


def repo_json(call: Call, repo: Repo) -> dict[str, Any]:
    full = f"{repo.owner}/{repo.name}"
    return {
        "id": abs(hash(full)) % 10**7,
        "name": repo.name,
        "full_name": full,
        "private": True,
        "owner": {
            "login": repo.owner,
            "type": repo.owner_type,
            "url": f"{call.api}/users/{repo.owner}",
        },
        "description": repo.description,
        "default_branch": repo.default_branch,
        "url": f"{call.api}/repos/{full}",
        "html_url": f"{call.api}/web/{full}",
        "clone_url": f"{call.api}/git/{full}.git",
    }


def _pull_json(call: Call, repo: Repo, pull: Pull) -> dict[str, Any]:
    full = f"{repo.owner}/{repo.name}"
    head = pull.closed_head_sha or g.resolve(repo.bare, f"refs/heads/{pull.head}") or ""
    base = g.resolve(repo.bare, f"refs/heads/{pull.base}") or ""
    return {
        "url": f"{call.api}/repos/{full}/pulls/{pull.number}",
        "html_url": f"{call.api}/web/{full}/pull/{pull.number}",
        "number": pull.number,
        "state": pull.state,
        "title": pull.title,
        "body": pull.body,
        "user": _user(call, pull.user),
        "merged": pull.merged,
        "merged_at": iso() if pull.merged else None,
        "merge_commit_sha": pull.merge_commit_sha,
        "head": {"ref": pull.head, "sha": head, "label": f"{repo.owner}:{pull.head}"},
        "base": {"ref": pull.base, "sha": base, "label": f"{repo.owner}:{pull.base}"},
    }


def _review_json(call: Call, repo: Repo, number: int, review: Review) -> dict[str, Any]:
    full = f"{repo.owner}/{repo.name}"
    return {
        "id": review.id,
        "user": _user(call, review.user),
        "body": review.body,
        "state": review.state,
        "commit_id": review.commit_id,
        "submitted_at": review.at,
        "pull_request_url": f"{call.api}/repos/{full}/pulls/{number}",
        "html_url": f"{call.api}/web/{full}/pull/{number}#review-{review.id}",
    }


def _comment_json(call: Call, repo: Repo, number: int, c: LineComment) -> dict[str, Any]:
    full = f"{repo.owner}/{repo.name}"
    return {
        "id": c.id,
        "pull_request_review_id": c.review_id,
        "path": c.path,
        "line": c.line,
        "original_line": c.line,
        "side": "RIGHT",
        "body": c.body,
        "commit_id": c.commit_id,
        "user": _user(call, c.user),
        "url": f"{call.api}/repos/{full}/pulls/comments/{c.id}",
        "pull_request_url": f"{call.api}/repos/{full}/pulls/{number}",
    }


def _not_found() -> Answer:
    return 404, {"message": "Not Found"}


def _invalid(message: str) -> Answer:
    return 422, {"message": "Validation Failed", "errors": [{"message": message}]}


def _repo(call: Call) -> Repo | None:
    return call.state.repo(call.match["owner"], call.match["name"])


def _pull(call: Call) -> tuple[Repo, Pull] | None:
    repo = _repo(call)
    if repo is None:
        return None
    number = int(call.match["number"])
    found = [p for p in repo.pulls if p.number == number]
    return (repo, found[0]) if found else None


# --- accounts and the App --------------------------------------------------------------------
def get_user(call: Call) -> Answer:
    return 200, _user(call, call.login)


def get_org(call: Call) -> Answer:
    org = call.match["org"]
    return 200, {"login": org, "type": "Organization", "url": f"{call.api}/orgs/{org}"}


def get_app(call: Call) -> Answer:
    s = call.state
    return 200, {
        "id": s.app_id,
        "slug": s.app_slug,
        "name": s.app_slug,
        "owner": _user(call, s.installation.account),
    }


def _installation_json(call: Call) -> dict[str, Any]:
    inst = call.state.installation
    return {
        "id": inst.id,
        "app_id": call.state.app_id,
        "account": {"login": inst.account, "type": inst.account_type},
        "access_tokens_url": f"{call.api}/app/installations/{inst.id}/access_tokens",
        "repositories_url": f"{call.api}/installation/repositories",
        "target_type": inst.account_type,
    }


def list_installations(call: Call) -> Answer:
    return 200, [_installation_json(call)]


def get_installation(call: Call) -> Answer:
    if int(call.match["id"]) != call.state.installation.id:
        return _not_found()
    return 200, _installation_json(call)


_APP_PERMISSIONS = {
    "administration": "write",
    "contents": "write",
    "metadata": "read",
    "pull_requests": "write",
}


def create_access_token(call: Call) -> Answer:
    installation_id = int(call.match["id"])
    if installation_id != call.state.installation.id:
        return _not_found()
    account = call.state.installation.account
    names = call.body.get("repositories")
    if names is not None and (
        not isinstance(names, list)
        or not names
        or any(call.state.repo(account, str(n)) is None for n in names)
    ):
        return 422, {
            "message": "There is at least one repository that does not exist or is not "
            "accessible to the parent installation."
        }
    asked = dict(call.body.get("permissions") or {})
    if any(_APP_PERMISSIONS.get(k) not in (v, "write") for k, v in asked.items()):
        return 422, {"message": "The permissions requested are not granted to this installation."}
    issued = call.state.issue_installation_token(
        installation_id,
        repositories=[str(n) for n in names] if names is not None else None,
        permissions=asked,
    )
    answer: dict[str, Any] = {
        "token": issued.token,
        "expires_at": iso(issued.expires_at),
        "permissions": asked or _APP_PERMISSIONS,
        "repository_selection": "selected" if names is not None else "all",
    }
    if names is not None:
        answer["repositories"] = [
            repo_json(call, r) for n in names if (r := call.state.repo(account, str(n)))
        ]
    return 201, answer


def installation_repositories(call: Call) -> Answer:
    with call.state.lock:
        repos = [r for r in call.state.repos.values() if r.owner == call.state.installation.account]
    return 200, {"total_count": len(repos), "repositories": [repo_json(call, r) for r in repos]}


# --- repositories ---------------------------------------------------------------------------
def create_repo(call: Call) -> Answer:
    org = call.match.groupdict().get("org")
    owner, kind = (org, "Organization") if org else (call.login, "User")
    if org is None and call.login.endswith("[bot]"):
        return 403, {"message": "Resource not accessible by integration"}
    name = str(call.body.get("name", ""))
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name):
        return _invalid("name is invalid")
    if call.state.repo(owner, name) is not None:
        return _invalid("name already exists on this account")
    repo = Repo(
        owner=owner,
        owner_type=kind,
        name=name,
        description=str(call.body.get("description") or ""),
        bare=call.state.root / owner / f"{name}.git",
    )
    g.init_repository(
        repo.bare,
        name=name,
        description=repo.description,
        auto_init=bool(call.body.get("auto_init")),
    )
    call.state.add_repo(repo)
    return 201, repo_json(call, repo)


def get_repo(call: Call) -> Answer:
    repo = _repo(call)
    return _not_found() if repo is None else (200, repo_json(call, repo))


def get_branch(call: Call) -> Answer:
    repo = _repo(call)
    branch = call.match["branch"]
    sha = None if repo is None else g.resolve(repo.bare, f"refs/heads/{branch}")
    if repo is None or sha is None:
        return 404, {"message": "Branch not found"}
    full = f"{repo.owner}/{repo.name}"
    return 200, {
        "name": branch,
        "commit": {"sha": sha, "url": f"{call.api}/repos/{full}/commits/{sha}"},
        "protected": repo.protection is not None and branch == repo.default_branch,
        "protection_url": f"{call.api}/repos/{full}/branches/{branch}/protection",
    }


def put_protection(call: Call) -> Answer:
    repo = _repo(call)
    if repo is None or call.match["branch"] != repo.default_branch:
        return 404, {"message": "Branch not found"}
    repo.protection = dict(call.body)
    g.protect(repo.bare, protected=True)
    url = f"{call.api}/repos/{repo.owner}/{repo.name}/branches/{repo.default_branch}/protection"
    # The response nests booleans as {"enabled": ...}, unlike the request.
    flags = ("enforce_admins", "allow_force_pushes", "allow_deletions", "required_linear_history")
    return 200, {
        "url": url,
        **{flag: {"enabled": bool(call.body.get(flag))} for flag in flags},
    }


# --- pull requests --------------------------------------------------------------------------
def create_pull(call: Call) -> Answer:
    repo = _repo(call)
    if repo is None:
        return _not_found()
    head, base = str(call.body.get("head", "")).split(":")[-1], str(call.body.get("base", ""))
    head_sha = g.resolve(repo.bare, f"refs/heads/{head}")
    if head_sha is None or g.resolve(repo.bare, f"refs/heads/{base}") is None:
        return _invalid("head or base is invalid")
    if any(p.head == head and p.state == "open" for p in repo.pulls):
        return _invalid(f"A pull request already exists for {repo.owner}:{head}.")
    if g.commits_between(repo.bare, f"refs/heads/{base}", head_sha) == 0:
        return _invalid(f"No commits between {base} and {head}")
    with call.state.lock:
        pull = Pull(
            len(repo.pulls) + 1,
            head,
            base,
            str(call.body.get("title", "")),
            str(call.body.get("body") or ""),
            call.login,
        )
        repo.pulls.append(pull)
    return 201, _pull_json(call, repo, pull)


def list_pulls(call: Call) -> Answer:
    repo = _repo(call)
    if repo is None:
        return _not_found()
    wanted = call.query.get("state", "open")
    pulls = [p for p in repo.pulls if wanted == "all" or p.state == wanted]
    head = call.query.get("head", "").split(":")[-1]
    pulls = [p for p in pulls if not head or p.head == head]
    return 200, [_pull_json(call, repo, p) for p in reversed(pulls)]


def get_pull(call: Call) -> Answer:
    found = _pull(call)
    if found is None:
        return _not_found()
    repo, pull = found
    if "diff" in call.accept:
        head = pull.closed_head_sha or f"refs/heads/{pull.head}"
        base = (
            pull.merge_commit_sha + "^1"
            if pull.merged and pull.merge_commit_sha
            else f"refs/heads/{pull.base}"
        )
        return 200, g.diff(repo.bare, base, head)
    return 200, _pull_json(call, repo, pull)


def patch_pull(call: Call) -> Answer:
    found = _pull(call)
    if found is None:
        return _not_found()
    repo, pull = found
    if call.body.get("state") == "closed" and pull.state == "open":
        pull.closed_head_sha = g.resolve(repo.bare, f"refs/heads/{pull.head}")
        pull.state = "closed"
    for key in ("title", "body"):
        if key in call.body:
            setattr(pull, key, str(call.body[key]))
    return 200, _pull_json(call, repo, pull)


def merge_pull(call: Call) -> Answer:
    found = _pull(call)
    if found is None:
        return _not_found()
    repo, pull = found
    if pull.merged:
        return 405, {"message": "Pull Request is not mergeable"}
    if pull.state != "open":
        return 422, {"message": "Pull Request is not open"}
    head = g.resolve(repo.bare, f"refs/heads/{pull.head}") or ""
    if call.body.get("sha") and call.body["sha"] != head:
        return 409, {"message": "Head branch was modified. Review and try the merge again."}
    method = str(call.body.get("merge_method", "merge"))
    title = str(
        call.body.get("commit_title") or f"Merge pull request #{pull.number} from {pull.head}"
    )
    message = f"{title}\n\n{call.body.get('commit_message') or pull.title}"
    try:
        sha = g.merge(
            repo.bare, base_ref=f"refs/heads/{pull.base}", head=head, message=message, method=method
        )
    except g.MergeRefused:
        return 405, {"message": "Pull Request is not mergeable"}
    pull.merged, pull.state, pull.merge_commit_sha = True, "closed", sha
    pull.closed_head_sha, pull.merged_by = head, call.login
    return 200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}


_VERDICTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}


def create_review(call: Call) -> Answer:
    found = _pull(call)
    if found is None:
        return _not_found()
    repo, pull = found
    event = str(call.body.get("event", "COMMENT"))
    if event not in _VERDICTS:
        return _invalid(f"event {event} is invalid")
    # Like GitHub: nobody approves or blocks their own pull request.
    if event != "COMMENT" and call.login == pull.user:
        verb = "approve" if event == "APPROVE" else "request changes on"
        return 422, {
            "message": "Unprocessable Entity",
            "errors": [f"Can not {verb} your own pull request"],
        }
    head = pull.closed_head_sha or g.resolve(repo.bare, f"refs/heads/{pull.head}") or ""
    commit = str(call.body.get("commit_id") or head)
    patch = g.diff(repo.bare, f"refs/heads/{pull.base}", commit)
    comments = list(call.body.get("comments") or [])
    for c in comments:
        if int(c.get("line", 0)) not in g.new_side_lines(patch, str(c.get("path"))):
            return 422, {
                "message": "Unprocessable Entity",
                "errors": ["Line could not be resolved"],
            }
    review = Review(
        call.state.next_id(),
        call.login,
        str(call.body.get("body") or ""),
        _VERDICTS[event],
        commit,
        iso(),
    )
    with call.state.lock:
        repo.reviews.setdefault(pull.number, []).append(review)
        for c in comments:
            repo.comments.setdefault(pull.number, []).append(
                LineComment(
                    call.state.next_id(),
                    review.id,
                    str(c["path"]),
                    int(c["line"]),
                    str(c.get("body", "")),
                    commit,
                    call.login,
                )
            )
    return 200, _review_json(call, repo, pull.number, review)


def list_reviews(call: Call) -> Answer:
    found = _pull(call)
    if found is None:
        return _not_found()
    repo, pull = found
    return 200, [
        _review_json(call, repo, pull.number, r) for r in repo.reviews.get(pull.number, [])
    ]


def list_comments(call: Call) -> Answer:
    found = _pull(call)
    if found is None:
        return _not_found()
    repo, pull = found
    return 200, [
        _comment_json(call, repo, pull.number, c) for c in repo.comments.get(pull.number, [])
    ]


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
REPO_PATH = re.compile(_REPO + r"(?:/|$)")  # the repository a REST path is about
_PULL = _REPO + r"/pulls/(?P<number>\d+)"
Route = tuple[str, re.Pattern[str], Callable[[Call], Answer]]
ROUTES: list[Route] = [
    (m, re.compile(p + "$"), f)
    for m, p, f in [
        ("GET", r"/user", get_user),
        ("GET", r"/orgs/(?P<org>[^/]+)", get_org),
        ("POST", r"/orgs/(?P<org>[^/]+)/repos", create_repo),
        ("POST", r"/user/repos", create_repo),
        ("GET", r"/installation/repositories", installation_repositories),
        ("GET", _REPO, get_repo),
        ("GET", _REPO + r"/branches/(?P<branch>[^/]+)", get_branch),
        ("PUT", _REPO + r"/branches/(?P<branch>[^/]+)/protection", put_protection),
        ("POST", _REPO + r"/pulls", create_pull),
        ("GET", _REPO + r"/pulls", list_pulls),
        ("GET", _PULL, get_pull),
        ("PATCH", _PULL, patch_pull),
        ("PUT", _PULL + r"/merge", merge_pull),
        ("POST", _PULL + r"/reviews", create_review),
        ("GET", _PULL + r"/reviews", list_reviews),
        ("GET", _PULL + r"/comments", list_comments),
    ]
]
# Authenticated with the App's JWT, not a token.
APP_ROUTES: list[Route] = [
    (m, re.compile(p + "$"), f)
    for m, p, f in [
        ("GET", r"/app", get_app),
        ("GET", r"/app/installations", list_installations),
        ("GET", r"/app/installations/(?P<id>\d+)", get_installation),
        ("POST", r"/app/installations/(?P<id>\d+)/access_tokens", create_access_token),
    ]
]
