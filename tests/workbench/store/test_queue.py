"""The case queue, assignment, status changes and cases a stopped server left behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store import users
from priorauth.workbench.store.cases import (
    assign_case,
    create_case,
    get_case,
    interrupted_cases,
    set_status,
    start_run,
)
from priorauth.workbench.store.errors import ConflictError
from priorauth.workbench.store.models import AuditEvent, CaseStatus, ExtractionRun, Role
from priorauth.workbench.store.queue import UNASSIGNED, QueueQuery, list_cases
from tests.workbench.store.helpers import request_for

RECEIVED = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)


def _request(request_id: str, name: str, line: str = "commercial", **extra: Any) -> Any:
    request = request_for(line)
    request["request_id"] = request_id
    request["member"] = {**request["member"], "name": name, "id": f"M-{request_id}"}
    request["medication"] = {**request["medication"], **extra}
    return request


@pytest.fixture
def queue(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Four cases (two lines of business, one expedited) and a reviewer, ``rita``."""
    monkeypatch.setattr(users, "SCRYPT_N", 2**4)
    ids = {}
    with sessions.begin() as session:
        users.add_user(session, "rita", Role.REVIEWER, "pw", "admin")
        for request_id, name, line, expedited in (
            ("PA-1", "Dana Whitfield", "commercial", False),
            ("PA-2", "Omar Haddad", "medicaid", False),
            ("PA-3", "Lena_Ortiz", "commercial", True),
            ("PA-4", "Ray 100% Ng", "marketplace", False),
            ("PA-5", "Éva Ödön", "medicaid", False),
        ):
            case = create_case(
                session,
                _request(request_id, name, line),
                [],
                "ian",
                expedited=expedited,
                received_at=RECEIVED,
            )
            ids[request_id] = case.id
    return ids


def _ids(sessions: sessionmaker[Session], **query: Any) -> list[str]:
    with sessions() as session:
        rows, total = list_cases(session, QueueQuery(**query))
    assert total >= len(rows)
    return [row.request_id for row in rows]


def test_open_cases_soonest_due_first_decided_last(
    sessions: sessionmaker[Session], queue: dict[str, int]
) -> None:
    # PA-2, PA-5 (Medicaid) and PA-3 (expedited) are due in 24 h, the others in 72 h.
    assert _ids(sessions) == ["PA-2", "PA-3", "PA-5", "PA-1", "PA-4"]
    with sessions.begin() as session:
        set_status(session, queue["PA-2"], CaseStatus.DECIDED, "pharm")
    assert _ids(sessions) == ["PA-3", "PA-5", "PA-1", "PA-4", "PA-2"]


def test_filters(sessions: sessionmaker[Session], queue: dict[str, int]) -> None:
    assert _ids(sessions, line_of_business="commercial") == ["PA-3", "PA-1"]
    with sessions.begin() as session:
        set_status(session, queue["PA-1"], CaseStatus.READY, "extractor")
        version = get_case(session, queue["PA-4"]).version
        assign_case(session, queue["PA-4"], "rita", version, "ian")
    assert _ids(sessions, status=CaseStatus.READY) == ["PA-1"]
    assert _ids(sessions, assignee="rita") == ["PA-4"]
    assert _ids(sessions, assignee=UNASSIGNED) == ["PA-2", "PA-3", "PA-5", "PA-1"]
    assert _ids(sessions, assignee="nobody") == []


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("whitfield", ["PA-1"]),
        ("DANA whit", ["PA-1"]),
        ("M-PA-2", ["PA-2"]),
        ("pa-3", ["PA-3"]),
        ("opzelura", ["PA-2", "PA-3", "PA-5", "PA-1", "PA-4"]),
        # Case folded beyond ASCII, on SQLite as on PostgreSQL.
        ("éva ÖDÖN", ["PA-5"]),
        # LIKE's wildcards are searched for, not obeyed.
        ("_", ["PA-3"]),
        ("%", ["PA-4"]),
        ("whitfield haddad", []),
    ],
)
def test_search(
    sessions: sessionmaker[Session],
    queue: dict[str, int],  # noqa: ARG001 - creates the cases
    search: str,
    expected: list[str],
) -> None:
    assert _ids(sessions, search=search) == expected


def test_paging(sessions: sessionmaker[Session], queue: dict[str, int]) -> None:  # noqa: ARG001
    with sessions() as session:
        rows, total = list_cases(session, QueueQuery(limit=2, offset=1))
    assert total == 5
    assert [row.request_id for row in rows] == ["PA-3", "PA-5"]


def test_assignment_is_version_checked_and_audited(
    sessions: sessionmaker[Session], queue: dict[str, int]
) -> None:
    case_id = queue["PA-1"]
    with sessions.begin() as session:
        version = get_case(session, case_id).version
        assign_case(session, case_id, "rita", version, "ian")
    with sessions() as session, pytest.raises(ConflictError, match="reload"):
        assign_case(session, case_id, None, version, "omar")
    with sessions() as session, pytest.raises(InputError, match="no user 'ghost'"):
        assign_case(session, case_id, "ghost", version + 1, "ian")
    with sessions.begin() as session:
        assign_case(session, case_id, None, version + 1, "rita")
    with sessions() as session:
        assert get_case(session, case_id).assignee_id is None
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == str(case_id))
        ).all()
    assert actions.count("case.assign") == 2


def test_a_failure_reason_lasts_until_the_next_status(
    sessions: sessionmaker[Session], queue: dict[str, int]
) -> None:
    case_id = queue["PA-1"]
    with sessions.begin() as session:
        set_status(session, case_id, CaseStatus.FAILED, "extractor", "note.pdf: encrypted")
    with sessions() as session:
        assert get_case(session, case_id).failure_reason == "note.pdf: encrypted"
    with sessions.begin() as session:
        set_status(session, case_id, CaseStatus.READY, "extractor")
    with sessions() as session:
        assert get_case(session, case_id).failure_reason is None


def test_interrupted_cases_are_found_and_their_runs_closed(
    sessions: sessionmaker[Session], queue: dict[str, int]
) -> None:
    with sessions.begin() as session:
        run_id = start_run(session, queue["PA-1"], "rules", "extractor").id
        set_status(session, queue["PA-2"], CaseStatus.READY, "extractor")
    with sessions.begin() as session:
        found = interrupted_cases(session, "server")
    assert found == sorted(queue[key] for key in ("PA-1", "PA-3", "PA-4", "PA-5"))
    with sessions() as session:
        run = session.get(ExtractionRun, run_id)
        assert run is not None
        assert run.status == "interrupted"
        assert run.finished_at is not None
