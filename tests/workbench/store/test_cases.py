"""Cases and facts: creation, due times, saving extraction output, optimistic locking."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FactSet
from priorauth.workbench.store import audit, documents
from priorauth.workbench.store.cases import (
    ConflictError,
    case_facts,
    confirmed_facts,
    create_case,
    decisions,
    finish_run,
    get_case,
    record_decision,
    save_facts,
    start_run,
    update_fact,
)
from priorauth.workbench.store.clocks import Clock
from priorauth.workbench.store.errors import NotFoundError
from priorauth.workbench.store.models import AuditEvent, CaseDocument, CaseStatus, FactRecord
from tests.workbench.store.helpers import fact, request_for

NOTE = b"%PDF-1.7 progress note"
LABS = b"%PDF-1.7 lab report"


def _case(sessions: sessionmaker[Session], line_of_business: str = "commercial") -> int:
    with sessions.begin() as session:
        case = create_case(
            session, request_for(line_of_business), [("note.pdf", NOTE), ("labs.pdf", LABS)], "ian"
        )
        return case.id


def _events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_create_case(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    with sessions() as session:
        case = get_case(session, case_id)
        assert case.status is CaseStatus.EXTRACTING
        assert (case.line_of_business, case.product) == ("commercial", "Opzelura")
        assert case.received_date == dt.date(2026, 3, 16)
        assert case.version == 1
        assert case.assignee_id is None
        assert json.loads(case.request_json) == request_for()
        links = session.scalars(select(CaseDocument).order_by(CaseDocument.name)).all()
        assert [(link.name, link.sha256) for link in links] == [
            ("labs.pdf", hashlib.sha256(LABS).hexdigest()),
            ("note.pdf", hashlib.sha256(NOTE).hexdigest()),
        ]
        assert documents.open(links[1].sha256) == NOTE
        (created,) = _events(session)
        assert (created.actor, created.action, created.entity_id) == (
            "ian",
            "case.create",
            str(case_id),
        )
        after = json.loads(created.after_json or "")
        assert after["documents"] == [
            {"name": "note.pdf", "sha256": hashlib.sha256(NOTE).hexdigest()},
            {"name": "labs.pdf", "sha256": hashlib.sha256(LABS).hexdigest()},
        ]
        assert "Dana Whitfield" not in (created.after_json or "")  # the request is hashed


@pytest.mark.parametrize(
    ("line_of_business", "expedited", "hours"),
    [
        ("medicaid", False, 24),
        ("medicaid", True, 24),
        ("commercial", False, 72),
        ("commercial", True, 24),
        ("marketplace", False, 72),
        ("marketplace", True, 24),
    ],
)
def test_due_at_by_line_of_business_and_urgency(
    sessions: sessionmaker[Session], line_of_business: str, expedited: bool, hours: int
) -> None:
    received = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)
    with sessions.begin() as session:
        case = create_case(
            session,
            request_for(line_of_business),
            [],
            "ian",
            expedited=expedited,
            received_at=received,
        )
        case_id = case.id
    with sessions() as session:
        stored = get_case(session, case_id)
        assert stored.due_at == received + dt.timedelta(hours=hours)
        assert stored.expedited is expedited


def test_due_at_is_configurable(sessions: sessionmaker[Session]) -> None:
    before = dt.datetime.now(dt.UTC)
    clocks = {"commercial": Clock(dt.timedelta(hours=2), dt.timedelta(hours=1))}
    with sessions.begin() as session:
        case = create_case(session, request_for(), [], "ian", clocks=clocks)
    after = dt.datetime.now(dt.UTC)
    assert before + dt.timedelta(hours=2) <= case.due_at <= after + dt.timedelta(hours=2)
    with sessions() as session, pytest.raises(InputError, match="no review clock"):
        create_case(session, request_for("medicaid"), [], "ian", clocks=clocks)


@pytest.mark.parametrize(
    ("request_json", "documents_", "field"),
    [
        ("{not json", [], ""),
        ({**request_for(), "line_of_business": "tricare"}, [], "line_of_business"),
        ({**request_for(), "received_date": "soon"}, [], "received_date"),
        (request_for(), [("a.pdf", NOTE), ("a.pdf", LABS)], "documents[1].name"),
        (request_for(), [("", NOTE)], "documents[0].name"),
        (request_for(), [("../a.pdf", NOTE)], "documents[0].name"),
    ],
)
def test_invalid_cases_are_refused(
    sessions: sessionmaker[Session],
    request_json: str | dict[str, Any],
    documents_: list[tuple[str, bytes]],
    field: str,
) -> None:
    with sessions() as session:
        with pytest.raises(InputError) as raised:
            create_case(session, request_json, documents_, "ian")
        assert raised.value.field == field
        assert _events(session) == []


def test_save_facts_and_runs(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    with sessions.begin() as session:
        run = start_run(session, case_id, "rules", "system")
        records = save_facts(session, case_id, [fact("dx1"), fact("dx2")], run.id, "system")
        finish_run(session, run.id, "succeeded", "system", usage={"pages": 3})
        run_id = run.id
    assert [r.fact_id for r in records] == ["dx1", "dx2"]
    with sessions() as session:
        stored = case_facts(session, case_id)
        assert [(r.fact_id, r.run_id, r.version, r.status.value) for r in stored] == [
            ("dx1", run_id, 1, "proposed"),
            ("dx2", run_id, 1, "proposed"),
        ]
        data = stored[0].data
        assert data["value"] == {
            "condition": "vitiligo",
            "subtype": "nonsegmental",
            "risk": None,
            "icd10": None,
        }
        assert FactSet.model_validate({"facts": [r.data for r in stored]}).facts[0].id == "dx1"
        actions = [e.action for e in _events(session)]
        assert actions == ["case.create", "run.start", "fact.add", "fact.add", "run.finish"]
        assert audit.verify(session) is None


def test_save_facts_refuses_bad_input(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    with sessions() as session:
        with pytest.raises(InputError) as raised:
            save_facts(session, case_id, [fact("dx1", condition="Not An Id")], None, "system")
        assert raised.value.field == "facts[0].diagnosis.value.condition"
        with pytest.raises(InputError, match="duplicate fact id"):
            save_facts(session, case_id, [fact("dx1"), fact("dx1")], None, "system")
        with pytest.raises(InputError, match="no extraction run"):
            save_facts(session, case_id, [fact("dx1")], 12345, "system")
        with pytest.raises(NotFoundError):
            save_facts(session, 12345, [fact("dx1")], None, "system")
        assert case_facts(session, case_id) == []


def test_re_extraction_replaces_proposed_facts_but_keeps_reviewed_ones(
    sessions: sessionmaker[Session],
) -> None:
    case_id = _case(sessions)
    with sessions.begin() as session:
        save_facts(session, case_id, [fact("dx1"), fact("dx2")], None, "system")
        update_fact(session, case_id, "dx1", 1, {"status": "confirmed"}, "rita")
    with sessions.begin() as session:
        written = save_facts(
            session, case_id, [fact("dx1", "psoriasis"), fact("dx2", "psoriasis")], None, "system"
        )
        assert [r.fact_id for r in written] == ["dx2"]
    with sessions() as session:
        by_id = {r.fact_id: r for r in case_facts(session, case_id)}
        assert by_id["dx1"].data["value"]["condition"] == "vitiligo"
        assert by_id["dx2"].data["value"]["condition"] == "psoriasis"
        assert by_id["dx2"].version == 2
        replaced = _events(session)[-1]
        assert replaced.action == "fact.replace"
        assert json.loads(replaced.before_json or "")["data"]["value"]["condition"] == "vitiligo"


def test_update_fact(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    with sessions.begin() as session:
        save_facts(session, case_id, [fact("dx1")], None, "system")
    with sessions.begin() as session:
        record = update_fact(
            session,
            case_id,
            "dx1",
            1,
            {"status": "confirmed", "value": {"condition": "vitiligo", "subtype": "segmental"}},
            "rita",
        )
        assert record.version == 2
    with sessions() as session:
        (stored,) = case_facts(session, case_id)
        assert stored.status.value == "confirmed"
        assert stored.data["status"] == "confirmed"
        assert stored.data["value"]["subtype"] == "segmental"
        assert stored.updated_by == "rita"
        last = _events(session)[-1]
        assert (last.actor, last.action) == ("rita", "fact.update")
        assert json.loads(last.before_json or "")["status"] == "proposed"
        assert json.loads(last.after_json or "")["status"] == "confirmed"
        assert json.loads(last.after_json or "")["version"] == 2


def test_update_fact_refuses_invalid_changes(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    with sessions.begin() as session:
        save_facts(session, case_id, [fact("dx1")], None, "system")
    with sessions() as session:
        for changes in ({"id": "dx9"}, {"name": "fever"}, {"status": "maybe"}, {"colour": 1}):
            with pytest.raises(InputError):
                update_fact(session, case_id, "dx1", 1, changes, "rita")
        with pytest.raises(NotFoundError):
            update_fact(session, case_id, "dx9", 1, {"status": "confirmed"}, "rita")
        (stored,) = case_facts(session, case_id)
        assert (stored.version, stored.status.value) == (1, "proposed")


def test_first_update_wins_the_second_conflicts(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    with sessions.begin() as session:
        save_facts(session, case_id, [fact("dx1")], None, "system")
    with sessions() as first, sessions() as second:
        (mine,) = case_facts(first, case_id)
        (theirs,) = case_facts(second, case_id)
        # What each reviewer's screen holds: the fact and the version it was read at.
        mine_read, theirs_read = mine.version, theirs.version
        assert mine_read == theirs_read == 1
        update_fact(first, case_id, "dx1", mine_read, {"status": "confirmed"}, "rita")
        first.commit()
        with pytest.raises(ConflictError, match="version 2, not 1"):
            update_fact(second, case_id, "dx1", theirs_read, {"status": "rejected"}, "pat")
        second.rollback()
    with sessions() as session:
        (stored,) = case_facts(session, case_id)
        assert (stored.status.value, stored.version, stored.updated_by) == ("confirmed", 2, "rita")
        assert [e.actor for e in _events(session) if e.action == "fact.update"] == ["rita"]


def test_a_write_racing_between_read_and_update_conflicts(
    sessions: sessionmaker[Session],
) -> None:
    """The version check also holds at the UPDATE itself (version_id_col)."""
    case_id = _case(sessions)
    with sessions.begin() as session:
        save_facts(session, case_id, [fact("dx1")], None, "system")

    def interloper(*_: object) -> None:
        with sessions.begin() as other:
            update_fact(other, case_id, "dx1", 1, {"status": "confirmed"}, "rita")

    with sessions() as second:
        event.listen(second, "before_flush", interloper, once=True)
        with pytest.raises(ConflictError, match="changed while saving"):
            update_fact(second, case_id, "dx1", 1, {"status": "rejected"}, "pat")
        # The session was rolled back and is usable again.
        (stored,) = case_facts(second, case_id)
        assert (stored.status.value, stored.version, stored.updated_by) == ("confirmed", 2, "rita")


def test_cases_are_version_checked_too(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    with sessions() as first, sessions() as second:
        mine, theirs = get_case(first, case_id), get_case(second, case_id)
        assert mine.version == theirs.version == 1
        mine.status = CaseStatus.READY
        first.commit()
        assert mine.version == 2
        theirs.status = CaseStatus.FAILED
        with pytest.raises(StaleDataError):
            second.flush()


def test_confirmed_facts_returns_only_confirmed_ones(sessions: sessionmaker[Session]) -> None:
    case_id = _case(sessions)
    other_case = _case(sessions)
    with sessions.begin() as session:
        save_facts(session, case_id, [fact("dx1"), fact("dx2"), fact("dx3")], None, "system")
        save_facts(session, other_case, [fact("dx1", status="confirmed")], None, "system")
        update_fact(session, case_id, "dx1", 1, {"status": "confirmed"}, "rita")
        update_fact(session, case_id, "dx2", 1, {"status": "rejected"}, "rita")
    with sessions() as session:
        confirmed = confirmed_facts(session, case_id)
        assert [f["id"] for f in confirmed] == ["dx1"]
        assert confirmed[0]["status"] == "confirmed"
        FactSet.model_validate({"facts": confirmed})
        assert [f["id"] for f in confirmed_facts(session, other_case)] == ["dx1"]
        assert confirmed_facts(session, 12345) == []
        # A status changed behind the API's back (not through update_fact) is what counts.
        session.execute(
            update(FactRecord)
            .where(FactRecord.case_id == case_id, FactRecord.fact_id == "dx3")
            .values(status="confirmed")
        )
        assert [f["id"] for f in confirmed_facts(session, case_id)] == ["dx1", "dx3"]


def test_times_are_aware_utc_and_naive_times_are_refused(
    sessions: sessionmaker[Session],
) -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    received = dt.datetime(2026, 3, 16, 8, 0, 0, 123456, tzinfo=eastern)
    with sessions.begin() as session:
        case_id = create_case(session, request_for(), [], "ian", received_at=received).id
    with sessions() as session:
        due = get_case(session, case_id).due_at
        assert due.utcoffset() == dt.timedelta(0)
        assert due == dt.datetime(2026, 3, 19, 13, 0, 0, 123456, tzinfo=dt.UTC)
        with pytest.raises(InputError, match="timezone-aware"):
            create_case(session, request_for(), [], "ian", received_at=dt.datetime(2026, 3, 16))


def test_a_recorded_decision_keeps_its_letter_and_audits_only_its_hash(
    sessions: sessionmaker[Session],
) -> None:
    case_id = _case(sessions)
    recommendation = {"decision": "pend", "policy": "CP.PHAR.98", "policy_version": 1}
    letter_text = "Dear Dana Whitfield: please send the BSA."
    with sessions.begin() as session:
        record = record_decision(
            session,
            case_id,
            recommendation,
            "pend",
            "BSA missing.",
            "pharm",
            ("request_for_information", letter_text),
        )
        record_id = record.id
    with sessions() as session:
        (stored,) = decisions(session, case_id)
        assert stored.id == record_id
        assert (stored.letter_kind, stored.letter_text) == ("request_for_information", letter_text)
        assert stored.policy_version == "1"
        assert get_case(session, case_id).status is CaseStatus.DECIDED
        event = _events(session)[-1]
    assert event.action == "case.decide"
    after = json.loads(event.after_json or "{}")
    assert after["letter"] == {
        "kind": "request_for_information",
        "sha256": hashlib.sha256(letter_text.encode("utf-8")).hexdigest(),
    }
    assert "Dana Whitfield" not in (event.after_json or "")


@pytest.mark.parametrize(
    ("outcome", "comment", "problem"),
    [
        ("maybe", "x", "must be one of"),
        ("deny", "  ", "recorded with a comment"),
        ("deny", "a\x00b", "NUL"),
    ],
)
def test_decisions_need_an_outcome_and_a_comment(
    sessions: sessionmaker[Session], outcome: str, comment: str, problem: str
) -> None:
    case_id = _case(sessions)
    with sessions() as session, pytest.raises(InputError, match=problem):
        record_decision(session, case_id, {}, outcome, comment, "pharm")
