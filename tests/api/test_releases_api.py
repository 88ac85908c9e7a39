"""The releases routes answer bad input and the wrong state with a 4xx and a sentence."""

from __future__ import annotations

from tests.api.client import client_for
from tests.stack import Stack


async def test_release_routes_refuse_what_cannot_be_done_and_say_why(stack: Stack):
    async with client_for(stack) as api:
        created = await api.post("/projects", json={"idea": "Weather bot with notifications"})
        project = created.json()["id"]
        listed = await api.get(f"/projects/{project}/releases")
        ready = await api.get(f"/projects/{project}/readiness")
        deploy = await api.post(f"/projects/{project}/releases", json={})
        unknown = await api.post(f"/projects/{project}/releases", json={"release": 3})
        zero = await api.post(f"/projects/{project}/rollback", json={"to": 0})
        stop = await api.post(f"/projects/{project}/stop")
        missing = await api.get("/projects/nope/releases")

    assert listed.status_code == 200 and listed.json() == []
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is False and body["checks"][:2] == ["spec", "repository"]
    assert {"check": "spec", "what": "no spec yet"}.items() <= body["missing"][0].items()
    assert deploy.status_code == 409 and deploy.json()["detail"].startswith("not ready to deploy")
    assert unknown.status_code == 404
    assert unknown.json()["detail"].endswith("has no release 3 (it has no releases yet)")
    assert zero.status_code == 422
    assert stop.status_code == 409 and "is not live" in stop.json()["detail"]
    assert missing.status_code == 404
