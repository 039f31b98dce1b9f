"""Cases over HTTP: intake, background extraction, reading, adjudication."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from priorauth.adjudicate import Policy
from priorauth.adjudicate.errors import InputError
from priorauth.extract.pipeline import Extractor
from priorauth.workbench.api.app import create_app
from priorauth.workbench.store import audit
from priorauth.workbench.store.cases import create_case
from priorauth.workbench.store.db import engine_for, session_factory
from priorauth.workbench.store.models import Role
from tests.workbench.api.helpers import auth, create, packet_files, request_text, wait_for


def test_create_extract_confirm_adjudicate(client: TestClient, tokens: dict[Role, str]) -> None:
    created = create(client, tokens[Role.INTAKE])
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]

    case = wait_for(client, tokens[Role.INTAKE], case_id)
    assert case["status"] == "ready"
    assert case["request_id"] == "GA-MCD-26-004417"
    assert (case["line_of_business"], case["product"]) == ("medicaid", "Opzelura")
    assert case["received_date"] == "2026-02-06"
    assert [doc["name"] for doc in case["documents"]] == [
        "01-pa-request-form.pdf",
        "02-allergy-clinic-note.pdf",
        "03-lab-report.pdf",
    ]
    assert case["facts"] > 0

    pharmacist = auth(tokens[Role.PHARMACIST])
    facts = client.get(f"/api/cases/{case_id}/facts", headers=pharmacist).json()
    assert len(facts) == case["facts"]
    for fact in facts:
        assert {"id", "name", "value", "status", "grounded", "evidence", "version"} <= set(fact)
        assert fact["status"] == "proposed"
        assert fact["evidence"][0]["document"].endswith(".pdf")

    for fact in facts:
        answer = client.post(
            f"/api/cases/{case_id}/facts/{fact['id']}/confirm",
            json={"version": fact["version"]},
            headers=pharmacist,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "confirmed"
        assert answer.json()["version"] == fact["version"] + 1

    decided = client.post(f"/api/cases/{case_id}/adjudicate", headers=pharmacist)
    assert decided.status_code == 200, decided.text
    decision = decided.json()
    assert (decision["decision"], decision["criteria_set"]) == ("deny", "I.I")
    assert decision["policy"] == "CP.PHAR.98"
    statuses = {item["id"]: item["status"] for item in decision["criteria"]}
    assert statuses["I.I.7"] == "not_met"
    assert {fact["id"] for fact in decision["facts"]} == {fact["id"] for fact in facts}


def test_adjudicate_without_confirmed_facts_pends(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    assert wait_for(client, tokens[Role.INTAKE], case_id)["status"] == "ready"
    # Extraction proposed facts, but none is confirmed: nothing is documented yet.
    decided = client.post(f"/api/cases/{case_id}/adjudicate", headers=auth(tokens[Role.ADMIN]))
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"] == "pend"
    assert decided.json()["facts"] == []


def test_adjudicate_while_extracting_is_a_conflict(
    client: TestClient, tokens: dict[Role, str], database_url: str
) -> None:
    # Created through the store, so no extraction is queued and it stays "extracting".
    engine = engine_for(database_url)
    try:
        with session_factory(engine).begin() as session:
            case_id = create_case(session, request_text(), [("a.pdf", b"%PDF-1.7")], "ian").id
    finally:
        engine.dispose()
    answer = client.post(f"/api/cases/{case_id}/adjudicate", headers=auth(tokens[Role.ADMIN]))
    assert answer.status_code == 409
    assert "still being extracted" in answer.json()["detail"]


def test_unknown_case_is_404(client: TestClient, tokens: dict[Role, str]) -> None:
    headers = auth(tokens[Role.ADMIN])
    assert client.get("/api/cases/999", headers=headers).status_code == 404
    assert client.get("/api/cases/999/facts", headers=headers).status_code == 404
    answer = client.post("/api/cases/999/adjudicate", headers=headers)
    assert answer.status_code == 404
    assert answer.json() == {"detail": "no case 999"}


def _request_with(**changes: Any) -> str:
    request = json.loads(request_text())
    for key, value in changes.items():
        if value is None:
            del request[key]
        else:
            request[key] = value
    return json.dumps(request)


BAD_REQUESTS = [
    ("{not json", "request: malformed JSON at line 1 column 2"),
    (_request_with(received_date="soon"), "request: received_date: "),
    (_request_with(member=None), "request: member: Field required"),
    (
        _request_with(medication={**json.loads(request_text())["medication"], "product": "Asp"}),
        "request: medication.product: unknown product 'Asp'",
    ),
]


def test_bad_request_json_is_422(client: TestClient, tokens: dict[Role, str]) -> None:
    # One test for all of them: each app start migrates a fresh database.
    for request_json, message in BAD_REQUESTS:
        answer = create(client, tokens[Role.INTAKE], request_json)
        assert answer.status_code == 422
        detail = answer.json()["detail"]
        assert detail.startswith(message), detail
        assert "\n" not in detail
        assert "Brooks" not in detail  # the member's name is never echoed


def test_non_pdf_and_missing_parts_are_422(client: TestClient, tokens: dict[Role, str]) -> None:
    headers = auth(tokens[Role.INTAKE])
    answer = client.post(
        "/api/cases",
        data={"request": request_text()},
        files=[("files", ("note.txt", b"hello", "text/plain"))],
        headers=headers,
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == "case: files[0]: not a PDF (no %PDF- header)"
    answer = client.post("/api/cases", files=packet_files(), headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"] == "body.request: Field required"


def test_failed_extraction_says_why(
    database_url: str,
    tokens: dict[Role, str],
    client: TestClient,  # noqa: ARG001 - migrates the database and makes the users
) -> None:
    def broken(_policy: Policy) -> Extractor:
        raise InputError("extractor", "", "the language pipeline is missing")

    with TestClient(create_app(database_url, make_extractor=broken)) as failing:
        case_id = create(failing, tokens[Role.INTAKE]).json()["id"]
        case = wait_for(failing, tokens[Role.INTAKE], case_id)
    assert case["status"] == "failed"
    assert case["error"] == "extractor: the language pipeline is missing"
    assert case["facts"] == 0


def test_a_pharmacist_records_the_decision_with_a_comment(
    client: TestClient, tokens: dict[Role, str], database_url: str
) -> None:
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    assert wait_for(client, tokens[Role.INTAKE], case_id)["status"] == "ready"
    url = f"/api/cases/{case_id}/decision"
    body = {"outcome": "deny", "comment": "Only low-potency steroids tried (I.I.7)."}
    for role in (Role.INTAKE, Role.REVIEWER, Role.ADMIN):
        assert client.post(url, json=body, headers=auth(tokens[role])).status_code == 403
    no_comment = client.post(
        url, json={"outcome": "deny", "comment": ""}, headers=auth(tokens[Role.PHARMACIST])
    )
    assert no_comment.status_code == 422
    recorded = client.post(url, json=body, headers=auth(tokens[Role.PHARMACIST]))
    assert recorded.status_code == 201, recorded.text
    answer = recorded.json()
    assert answer["outcome"] == "deny"
    assert answer["recommended"] == "pend"  # no fact confirmed: the engine could not decide
    assert answer["comment"] == body["comment"]
    assert (
        client.get(f"/api/cases/{case_id}", headers=auth(tokens[Role.INTAKE])).json()["status"]
        == "decided"
    )
    engine = engine_for(database_url)
    try:
        with session_factory(engine)() as session:
            assert audit.verify(session) is None
    finally:
        engine.dispose()
