"""Bearer tokens and roles."""

from __future__ import annotations

from fastapi.testclient import TestClient

from priorauth.workbench.store.models import Role
from tests.workbench.api.helpers import auth, create, wait_for


def test_no_or_bad_token_is_401(client: TestClient, tokens: dict[Role, str]) -> None:
    assert tokens  # users exist; the caller just does not say who they are
    missing = client.get("/api/cases/1")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/cases/1", headers=auth("not-a-token")).status_code == 401
    basic = client.get("/api/cases/1", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401
    assert client.post("/api/cases", data={"request": "{}"}).status_code == 401


def test_roles(client: TestClient, tokens: dict[Role, str]) -> None:
    intake = auth(tokens[Role.INTAKE])
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    wait_for(client, tokens[Role.INTAKE], case_id)
    facts = client.get(f"/api/cases/{case_id}/facts", headers=intake).json()
    confirm = f"/api/cases/{case_id}/facts/{facts[0]['id']}/confirm"
    adjudicate = f"/api/cases/{case_id}/adjudicate"

    refused = client.post(confirm, headers=intake)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "the intake role may not do this"
    assert client.post(adjudicate, headers=intake).status_code == 403
    add = client.post(f"/api/cases/{case_id}/facts", json={}, headers=intake)
    assert add.status_code == 403
    assert client.post(adjudicate, headers=auth(tokens[Role.REVIEWER])).status_code == 403

    assert client.post(confirm, headers=auth(tokens[Role.REVIEWER])).status_code == 200
    for role in (Role.PHARMACIST, Role.ADMIN):
        assert client.post(adjudicate, headers=auth(tokens[role])).status_code == 200
