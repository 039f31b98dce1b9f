"""The audit chain: intact chains verify; tampering names the first broken event."""

from __future__ import annotations

import hashlib
import itertools
import threading

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from priorauth.workbench.store import audit
from priorauth.workbench.store.errors import AppendOnlyError
from priorauth.workbench.store.models import AuditEvent, canonical_json


def _chain(sessions: sessionmaker[Session], count: int = 4) -> list[int]:
    ids = []
    with sessions.begin() as session:
        for index in range(count):
            event = audit.record(
                session,
                actor="rita",
                action="fact.update",
                entity="fact",
                entity_id=index,
                before={"status": "proposed", "n": index},
                after={"status": "confirmed", "n": index},
            )
            ids.append(event.id)
    return ids


def test_an_empty_log_verifies(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert audit.verify(session) is None


def test_events_link_and_verify(sessions: sessionmaker[Session]) -> None:
    ids = _chain(sessions)
    with sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.id for e in events] == ids
        assert events[0].prev_hash == audit.GENESIS
        for earlier, later in itertools.pairwise(events):
            assert later.prev_hash == earlier.hash
        first = events[0]
        fields = {
            "at": first.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": "rita",
            "action": "fact.update",
            "entity": "fact",
            "entity_id": "0",
            "before": {"status": "proposed", "n": 0},
            "after": {"status": "confirmed", "n": 0},
        }
        expected = hashlib.sha256((audit.GENESIS + canonical_json(fields)).encode()).hexdigest()
        assert first.hash == expected
        assert first.at.tzinfo is not None
        assert audit.verify(session) is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "mallory"),
        ("action", "fact.delete"),
        ("entity_id", "99"),
        ("after_json", '{"n":1,"status":"rejected"}'),
        ("before_json", None),
        ("after_json", "not json"),
    ],
)
def test_a_changed_field_is_detected(
    sessions: sessionmaker[Session], column: str, value: str | None
) -> None:
    ids = _chain(sessions)
    with sessions.begin() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values({column: value}))
    with sessions() as session:
        assert audit.verify(session) == ids[1]


def test_a_changed_timestamp_is_detected(sessions: sessionmaker[Session]) -> None:
    ids = _chain(sessions)
    with sessions.begin() as session:
        event = session.get(AuditEvent, ids[2])
        assert event is not None
        moved = event.at.replace(microsecond=(event.at.microsecond + 1) % 1_000_000)
        session.execute(update(AuditEvent).where(AuditEvent.id == ids[2]).values(at=moved))
    with sessions() as session:
        assert audit.verify(session) == ids[2]


@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_deleted_event_breaks_the_next_link(
    sessions: sessionmaker[Session], position: int
) -> None:
    ids = _chain(sessions)
    with sessions.begin() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == ids[position]))
    with sessions() as session:
        assert audit.verify(session) == ids[position + 1]


def test_an_edited_link_is_detected(sessions: sessionmaker[Session]) -> None:
    ids = _chain(sessions)
    with sessions.begin() as session:
        session.execute(
            update(AuditEvent).where(AuditEvent.id == ids[2]).values(prev_hash="f" * 64)
        )
    with sessions() as session:
        assert audit.verify(session) == ids[2]


def test_a_recomputed_hash_still_breaks_the_next_link(sessions: sessionmaker[Session]) -> None:
    """Rewriting an event *and* its hash does not help: the next event links the old hash."""
    ids = _chain(sessions)
    with sessions.begin() as session:
        event = session.get(AuditEvent, ids[1])
        assert event is not None
        forged = audit.event_hash(
            event.prev_hash, event.at, "mallory", event.action, event.entity,
            event.entity_id, {"status": "proposed", "n": 1}, {"status": "confirmed", "n": 1},
        )  # fmt: skip
        session.execute(
            update(AuditEvent).where(AuditEvent.id == ids[1]).values(actor="mallory", hash=forged)
        )
    with sessions() as session:
        assert audit.verify(session) == ids[2]


def test_verify_reads_the_database_not_the_session_cache(
    sessions: sessionmaker[Session],
) -> None:
    ids = _chain(sessions)
    with sessions() as session:
        assert audit.verify(session) is None  # loads every event into the identity map
        with sessions.begin() as other:
            other.execute(update(AuditEvent).where(AuditEvent.id == ids[3]).values(actor="x"))
        session.rollback()  # end the read transaction (PostgreSQL is READ COMMITTED anyway)
        assert audit.verify(session) == ids[3]


def test_the_orm_refuses_to_change_or_delete_events(sessions: sessionmaker[Session]) -> None:
    ids = _chain(sessions, 1)
    with sessions() as session:
        event = session.get(AuditEvent, ids[0])
        assert event is not None
        event.actor = "mallory"
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        event = session.get(AuditEvent, ids[0])
        assert event is not None
        session.delete(event)
        with pytest.raises(AppendOnlyError):
            session.flush()


def test_the_chain_cannot_fork(sessions: sessionmaker[Session]) -> None:
    ids = _chain(sessions, 2)
    with sessions() as session:
        first = session.get(AuditEvent, ids[0])
        assert first is not None
        session.add(
            AuditEvent(
                at=first.at,
                actor="mallory",
                action="x",
                entity="x",
                entity_id="x",
                prev_hash=first.hash,  # already extended by ids[1]
                hash="e" * 64,
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()


def test_concurrent_appends_stay_one_chain(sessions: sessionmaker[Session]) -> None:
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for index in range(10):
                with sessions.begin() as session:
                    audit.record(session, f"w{worker}", "test", "n", index, None, {"i": index})
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        assert len(session.scalars(select(AuditEvent.id)).all()) == 40
        assert audit.verify(session) is None
