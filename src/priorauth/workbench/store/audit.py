"""The audit log: append-only and hash-chained.

Each event stores the hash of the event before it (``prev_hash``; the first event links to
:data:`GENESIS`) and its own ``hash`` = sha256(``prev_hash`` + canonical JSON of its fields,
the timestamp in ISO 8601 UTC). Changing a stored field, editing a link or deleting an event
makes :func:`verify` name the first event whose hash or link no longer fits. (Removing events
from the *end* of the log leaves a shorter valid chain: keep the :func:`head` that
``priorauth audit verify`` prints somewhere else, e.g. in the backups' manifest, and pass it
back as ``--anchor`` to detect truncation.)

Appends are serialized so the chain never forks: a transaction-scoped advisory lock on
PostgreSQL, the database write lock on SQLite, and a UNIQUE ``prev_hash`` as the last line of
defence. The ORM refuses to update or delete an event (``models``); on PostgreSQL, also grant
the application's role only INSERT and SELECT on ``audit_events``.

Events hold what the caller passes and nothing more: callers put identifiers and field values
in ``before``/``after``, never document text in ``action`` or ``entity``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from priorauth.workbench.store.models import AuditEvent, canonical_json, utcnow

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

_PG_LOCK_KEY = 0x7072696F72617564  # "prioraud": the advisory lock that serializes appends

JsonObject = Mapping[str, Any]


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(json_text: str | None) -> Any:
    return None if json_text is None else json.loads(json_text)


def event_hash(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
) -> str:
    """The hash of one event given the hash of the one before it."""
    fields = {
        "at": _iso(at),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    }
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    """Hold the append lock until this transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        # A write that changes nothing still takes SQLite's write lock for the transaction.
        session.execute(text("UPDATE audit_events SET id = id WHERE 0 = 1"))


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    before: JsonObject | None,
    after: JsonObject | None,
) -> AuditEvent:
    """Append an event (flushed, committed with the caller's transaction).

    ``before`` and ``after`` are JSON objects (the entity's state around the change) or None.
    """
    before_json = None if before is None else canonical_json(before)
    after_json = None if after is None else canonical_json(after)
    _lock_chain(session)
    last = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = GENESIS if last is None else last
    at = utcnow()
    entity_key = str(entity_id)
    row = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_key,
        before_json=before_json,
        after_json=after_json,
        prev_hash=prev_hash,
        hash=event_hash(
            prev_hash,
            at,
            actor,
            action,
            entity,
            entity_key,
            _payload(before_json),
            _payload(after_json),
        ),
    )
    session.add(row)
    session.flush([row])
    return row


def _intact(row: AuditEvent) -> bool:
    try:
        before, after = _payload(row.before_json), _payload(row.after_json)
    except ValueError:
        return False
    expected = event_hash(
        row.prev_hash, row.at, row.actor, row.action, row.entity, row.entity_id, before, after
    )
    return expected == row.hash


def verify(session: Session) -> int | None:
    """The id of the first event that breaks the chain, or None when the chain is intact."""
    prev_hash = GENESIS
    rows = session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=500, populate_existing=True)
    )
    try:
        for row in rows:
            if row.prev_hash != prev_hash or not _intact(row):
                return row.id
            prev_hash = row.hash
    finally:
        rows.close()  # a server-side cursor on PostgreSQL when we return early
    return None


def head(session: Session) -> tuple[int, str] | None:
    """The last event's id and hash (None for an empty log): an anchor to keep elsewhere."""
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).one_or_none()
    return None if row is None else (row.id, row.hash)


def holds(session: Session, event_id: int, event_hash: str) -> bool:
    """Whether the log still has event ``event_id`` with hash ``event_hash`` (an anchor taken
    earlier): False means events were removed from the end or the chain was rewritten."""
    stored = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == event_id))
    return stored == event_hash
