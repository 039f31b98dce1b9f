"""Facts over HTTP: confirming and editing with optimistic locking, adding a reviewer's."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from priorauth.workbench.store.models import Role
from tests.workbench.api.helpers import auth, create, wait_for


@pytest.fixture
def case_id(client: TestClient, tokens: dict[Role, str]) -> int:
    created: int = create(client, tokens[Role.INTAKE]).json()["id"]
    assert wait_for(client, tokens[Role.INTAKE], created)["status"] == "ready"
    return created


def _fact(client: TestClient, token: str, case_id: int, name: str) -> dict[str, Any]:
    facts = client.get(f"/api/cases/{case_id}/facts", headers=auth(token)).json()
    found: dict[str, Any] = next(fact for fact in facts if fact["name"] == name)
    return found


def test_confirm_with_a_stale_version_is_409(
    client: TestClient, tokens: dict[Role, str], case_id: int
) -> None:
    headers = auth(tokens[Role.REVIEWER])
    fact = _fact(client, tokens[Role.REVIEWER], case_id, "diagnosis")
    url = f"/api/cases/{case_id}/facts/{fact['id']}/confirm"
    assert client.post(url, json={"version": fact["version"]}, headers=headers).status_code == 200
    stale = client.post(url, json={"version": fact["version"]}, headers=headers)
    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        f"fact '{fact['id']}' of case {case_id} is at version {fact['version'] + 1}, "
        f"not {fact['version']}: reload it"
    )
    # Without a version, confirm applies to the fact as it is now.
    assert client.post(url, headers=headers).json()["status"] == "confirmed"


def test_edit_and_its_conflicts(client: TestClient, tokens: dict[Role, str], case_id: int) -> None:
    headers = auth(tokens[Role.REVIEWER])
    fact = _fact(client, tokens[Role.REVIEWER], case_id, "bsa_involvement")
    url = f"/api/cases/{case_id}/facts/{fact['id']}"
    value = {**fact["value"], "percent": 12.5}
    changes = {"value": value, "status": "confirmed"}
    edited = client.patch(
        url, json={"version": fact["version"], "changes": changes}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["value"]["percent"] == 12.5
    assert edited.json()["status"] == "confirmed"
    assert edited.json()["updated_by"] == "reviewer-user"

    stale = client.patch(
        url, json={"version": fact["version"], "changes": changes}, headers=headers
    )
    assert stale.status_code == 409
    assert "reload it" in stale.json()["detail"]

    current = edited.json()["version"]
    invalid = client.patch(
        url, json={"version": current, "changes": {"status": "maybe"}}, headers=headers
    )
    assert invalid.status_code == 422
    assert invalid.json()["detail"].startswith(f"facts: {fact['id']}")
    frozen = client.patch(
        url, json={"version": current, "changes": {"evidence": []}}, headers=headers
    )
    assert frozen.status_code == 422
    assert frozen.json()["detail"].startswith("facts: changes.evidence: cannot be edited")
    missing = client.patch(
        f"/api/cases/{case_id}/facts/nope", json={"version": 1, "changes": {}}, headers=headers
    )
    assert missing.status_code == 404


def test_add_a_reviewer_fact(client: TestClient, tokens: dict[Role, str], case_id: int) -> None:
    headers = auth(tokens[Role.REVIEWER])
    fact = {
        "id": "reviewer-bsa",
        "name": "bsa_involvement",
        "value": {"percent": 8},
        "date": "2026-02-01",
    }
    added = client.post(f"/api/cases/{case_id}/facts", json=fact, headers=headers)
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["id"], body["status"], body["source"]["kind"]) == (
        "reviewer-bsa",
        "confirmed",
        "reviewer",
    )
    again = client.post(f"/api/cases/{case_id}/facts", json=fact, headers=headers)
    assert again.status_code == 409
    unnamed = client.post(
        f"/api/cases/{case_id}/facts",
        json={"name": "bsa_involvement", "value": {}},
        headers=headers,
    )
    assert unnamed.status_code == 422
    generated = client.post(
        f"/api/cases/{case_id}/facts",
        json={"name": "bsa_involvement", "value": {"percent": 3}},
        headers=headers,
    )
    assert generated.status_code == 201
    assert generated.json()["id"].startswith("reviewer-")


def test_a_reviewer_fact_counts_only_on_evidence_found_in_the_packet(
    client: TestClient, tokens: dict[Role, str], case_id: int
) -> None:
    headers = auth(tokens[Role.REVIEWER])
    url = f"/api/cases/{case_id}/facts"

    def add(evidence: list[dict[str, Any]], **extra: Any) -> Any:
        fact = {"name": "consultation", "value": {"specialty": "dermatology"}, **extra}
        answer = client.post(url, json={**fact, "evidence": evidence}, headers=headers)
        assert answer.status_code == 201, answer.text
        return answer.json()

    # A quote extraction found, with a space doubled: found, with offsets and a box.
    quoted = next(
        ev
        for fact in client.get(url, headers=headers).json()
        for ev in fact["evidence"]
        if " " in ev["quote"]
    )
    cited = {key: quoted[key] for key in ("document", "page")}
    found = add([{**cited, "quote": quoted["quote"].replace(" ", "  ", 1)}])
    assert found["grounded"] is True
    (item,) = found["evidence"]
    assert item["match"] == "whitespace"
    assert item["quote"] == quoted["quote"]
    assert item["char_end"] > item["char_start"]
    assert item["bbox"] is not None
    # Words the page does not have, a document the case does not have, no evidence at all,
    # and a client claiming its fact is grounded: none of them counts.
    invented = add(
        [{"document": "02-allergy-clinic-note.pdf", "page": 1, "quote": "failed tacrolimus"}],
        grounded=True,
    )
    assert invented["grounded"] is False
    assert invented["evidence"][0]["match"] == "not_found"
    elsewhere = add([{"document": "other.pdf", "page": 7, "quote": "Atopic dermatitis"}])
    assert elsewhere["grounded"] is False
    assert add([])["grounded"] is False
    for bad_id in ("dx/2", "dx#2", "x" * 65):
        answer = client.post(
            url,
            json={"id": bad_id, "name": "consultation", "value": {"specialty": "x"}},
            headers=headers,
        )
        assert answer.status_code == 422, bad_id
    malformed = client.post(
        url,
        json={"name": "consultation", "value": {"specialty": "x"}, "evidence": [{"page": 1}]},
        headers=headers,
    )
    assert malformed.status_code == 422
    assert malformed.json()["detail"] == "facts: evidence[0]: needs document, page and quote"
