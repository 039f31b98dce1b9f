"""The queue, assignment, the expedited clock, the upload limit, the letter, and cases a
stopped server left extracting."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from priorauth.adjudicate import Policy
from priorauth.adjudicate.errors import InputError
from priorauth.extract.pipeline import Extractor
from priorauth.workbench.api.app import create_app
from priorauth.workbench.store.cases import create_case, start_run
from priorauth.workbench.store.db import engine_for, session_factory
from priorauth.workbench.store.models import CaseStatus, ExtractionRun, Role
from tests.workbench.api.helpers import auth, create, packet_files, request_text, wait_for


def test_queue_lists_filters_and_searches(client: TestClient, tokens: dict[Role, str]) -> None:
    reader = auth(tokens[Role.REVIEWER])
    first = create(client, tokens[Role.INTAKE]).json()["id"]
    second = create(client, tokens[Role.INTAKE], expedited=True).json()["id"]
    for case_id in (first, second):
        wait_for(client, tokens[Role.INTAKE], case_id)
    listed = client.get("/api/cases", headers=reader).json()
    assert listed["total"] == 2
    assert [row["id"] for row in listed["cases"]] == [first, second]  # both Medicaid: 24 h
    assert [row["expedited"] for row in listed["cases"]] == [False, True]
    assert client.get("/api/cases?q=brooks", headers=reader).json()["total"] == 2
    assert client.get("/api/cases?q=nobody-like-this", headers=reader).json()["total"] == 0
    assert client.get("/api/cases?line_of_business=commercial", headers=reader).json()["total"] == 0
    assert client.get("/api/cases?status=ready&limit=1", headers=reader).json()["total"] == 2
    assert client.get("/api/cases?status=bogus", headers=reader).status_code == 422


def test_assignment(client: TestClient, tokens: dict[Role, str]) -> None:
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    case = wait_for(client, tokens[Role.INTAKE], case_id)
    url = f"/api/cases/{case_id}/assignee"
    taken = client.put(
        url,
        json={"assignee": "reviewer-user", "version": case["version"]},
        headers=auth(tokens[Role.INTAKE]),
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee"] == "reviewer-user"
    stale = client.put(
        url, json={"assignee": None, "version": case["version"]}, headers=auth(tokens[Role.ADMIN])
    )
    assert stale.status_code == 409
    mine = client.get("/api/cases?assignee=reviewer-user", headers=auth(tokens[Role.ADMIN]))
    assert [row["id"] for row in mine.json()["cases"]] == [case_id]
    unknown = client.put(
        url,
        json={"assignee": "ghost", "version": taken.json()["version"]},
        headers=auth(tokens[Role.ADMIN]),
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "case: assignee: no user 'ghost'"


def test_expedited_cases_get_the_shorter_clock(
    database_url: str, tokens: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIORAUTH_CLOCKS", "medicaid=48/6")
    with TestClient(create_app(database_url)) as configured:
        before = dt.datetime.now(dt.UTC)
        standard = create(configured, tokens[Role.INTAKE]).json()["id"]
        expedited = create(configured, tokens[Role.INTAKE], expedited=True).json()["id"]
        after = dt.datetime.now(dt.UTC)
        due = {
            case_id: dt.datetime.fromisoformat(
                configured.get(f"/api/cases/{case_id}", headers=auth(tokens[Role.INTAKE])).json()[
                    "due_at"
                ]
            )
            for case_id in (standard, expedited)
        }
        for case_id in (standard, expedited):
            wait_for(configured, tokens[Role.INTAKE], case_id)
    hours = dt.timedelta(hours=1)
    assert before + 48 * hours <= due[standard] <= after + 48 * hours
    assert before + 6 * hours <= due[expedited] <= after + 6 * hours


def test_uploads_over_the_limit_are_413_and_store_nothing(
    database_url: str, tokens: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIORAUTH_MAX_UPLOAD_MB", "0.004")  # 4 kB: the sample's are larger
    with TestClient(create_app(database_url)) as limited:
        answer = create(limited, tokens[Role.INTAKE])
        assert answer.status_code == 413
        assert answer.json()["detail"].endswith("exceed 0 MB together")
        listed = limited.get("/api/cases", headers=auth(tokens[Role.INTAKE])).json()
    assert listed["total"] == 0


def test_bad_upload_limit_setting_stops_the_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIORAUTH_MAX_UPLOAD_MB", "lots")
    app = create_app(database_url)
    with (
        pytest.raises(InputError, match="PRIORAUTH_MAX_UPLOAD_MB: 'lots' is not a number"),
        TestClient(app),
    ):
        pass


def test_the_letter_follows_the_recorded_decision(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    wait_for(client, tokens[Role.INTAKE], case_id)
    url = f"/api/cases/{case_id}/letter"
    before = client.get(url, headers=auth(tokens[Role.INTAKE]))
    assert before.status_code == 404
    assert before.json()["detail"] == f"case {case_id} has no recorded decision yet"
    unknown = client.get("/api/cases/99999/letter", headers=auth(tokens[Role.INTAKE]))
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "no case 99999"})
    recorded = client.post(
        f"/api/cases/{case_id}/decision",
        json={"outcome": "pend", "comment": "Need the steroid history dates."},
        headers=auth(tokens[Role.PHARMACIST]),
    ).json()
    assert recorded["letter"] == "request_for_information"
    letter = client.get(url, headers=auth(tokens[Role.INTAKE])).json()
    assert letter["kind"] == "request_for_information"
    assert (letter["outcome"], letter["recorded_by"]) == ("pend", "pharmacist-user")
    assert "Jaylen M. Brooks" in letter["text"]
    assert "GA-MCD-26-004417" in letter["text"]
    # The letter stays as drafted when the facts change afterwards.
    for fact in client.get(f"/api/cases/{case_id}/facts", headers=auth(tokens[Role.ADMIN])).json():
        client.post(
            f"/api/cases/{case_id}/facts/{fact['id']}/confirm", headers=auth(tokens[Role.ADMIN])
        )
    assert client.get(url, headers=auth(tokens[Role.INTAKE])).json() == letter


def test_cases_left_extracting_are_extracted_on_start(
    database_url: str,
    tokens: dict[Role, str],
    client: TestClient,  # noqa: ARG001 - migrates the database and makes the users
    extractor: Extractor,
) -> None:
    engine = engine_for(database_url)
    try:
        sessions = session_factory(engine)
        with sessions.begin() as session:
            # As a server killed mid-extraction leaves it: extracting, its run "running".
            case = create_case(
                session,
                request_text(),
                [(name, data) for _field, (name, data, _type) in packet_files()],
                "intake-user",
            )
            case_id = case.id
            run_id = start_run(session, case_id, "rules", "extractor").id

        def shared(_policy: Policy) -> Extractor:
            return extractor

        with TestClient(create_app(database_url, make_extractor=shared)) as restarted:
            case_json = wait_for(restarted, tokens[Role.INTAKE], case_id)
        assert case_json["status"] == CaseStatus.READY.value
        assert case_json["facts"] > 0
        with sessions() as session:
            runs = session.scalars(
                select(ExtractionRun)
                .where(ExtractionRun.case_id == case_id)
                .order_by(ExtractionRun.id)
            ).all()
        assert [(run.id == run_id, run.status) for run in runs] == [
            (True, "interrupted"),
            (False, "succeeded"),
        ]
    finally:
        engine.dispose()


def test_the_clock_runs_from_when_the_plan_received_the_request(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    def received_at(when: str, request: str | None = None) -> Any:
        return client.post(
            "/api/cases",
            data={"request": request or request_text(), "received_at": when},
            files=packet_files(),
            headers=auth(tokens[Role.INTAKE]),
        )

    received = dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)
    request = json.loads(request_text())
    request["received_date"] = received.date().isoformat()
    answer = received_at(received.isoformat(), json.dumps(request))
    assert answer.status_code == 201, answer.text
    case = wait_for(client, tokens[Role.INTAKE], answer.json()["id"])
    # Medicaid: 24 hours from receipt, so already overdue though entered just now.
    assert dt.datetime.fromisoformat(case["due_at"]) == received + dt.timedelta(hours=24)
    future = received_at("2099-01-01T00:00:00+00:00")
    assert future.status_code == 422
    assert future.json()["detail"] == "case: received_at: is in the future"
    typo = received_at("2025-02-06T09:00:00-06:00")
    assert typo.status_code == 422
    assert typo.json()["detail"] == (
        "case: received_at: 2025-02-06 is not the request's received_date (2026-02-06)"
    )


def test_the_api_decides_on_the_recommendation_it_was_given(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    wait_for(client, tokens[Role.INTAKE], case_id)
    pharmacist = auth(tokens[Role.PHARMACIST])
    shown = client.post(f"/api/cases/{case_id}/adjudicate", headers=pharmacist).json()
    fact = client.get(f"/api/cases/{case_id}/facts", headers=pharmacist).json()[0]
    client.post(f"/api/cases/{case_id}/facts/{fact['id']}/confirm", headers=pharmacist)
    body = {
        "outcome": "pend",
        "comment": "Waiting for the chart.",
        "recommendation_sha256": shown["recommendation_sha256"],
    }
    stale = client.post(f"/api/cases/{case_id}/decision", json=body, headers=pharmacist)
    assert stale.status_code == 409
    assert "changed since it was shown" in stale.json()["detail"]
    fresh = client.post(f"/api/cases/{case_id}/adjudicate", headers=pharmacist).json()
    body["recommendation_sha256"] = fresh["recommendation_sha256"]
    assert (
        client.post(f"/api/cases/{case_id}/decision", json=body, headers=pharmacist).status_code
        == 201
    )
    twice = client.post(f"/api/cases/{case_id}/decision", json=body, headers=pharmacist)
    assert twice.status_code == 409
