"""The workbench's tables: users, cases, documents, extraction runs, facts, decisions, audit.

Portable across SQLite and PostgreSQL: JSON is kept as canonical text (so audit hashes and
comparisons see exactly the bytes stored), enumerations are strings with CHECK constraints,
and every timestamp is timezone-aware UTC on the Python side (:class:`UTCDateTime`).
Cases and facts carry a ``version`` that SQLAlchemy checks on every UPDATE
(``version_id_col``): a write based on a stale read fails instead of overwriting.

The schema itself is created by the Alembic migrations in ``migrations/``; a test compares
them with these models.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column

from priorauth.adjudicate.facts import FactStatus
from priorauth.workbench.store.errors import AppendOnlyError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so later migrations can address them on both databases."""


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on both databases.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and given back its zone on load. Naive datetimes are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} (use an aware UTC time)")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


class Role(StrEnum):
    INTAKE = "intake"
    REVIEWER = "reviewer"
    PHARMACIST = "pharmacist"
    ADMIN = "admin"


class CaseStatus(StrEnum):
    EXTRACTING = "extracting"
    READY = "ready"
    DECIDED = "decided"
    FAILED = "failed"


def _enum(kind: type[StrEnum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint holding the members' values (not their names)."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    """``scrypt$n$r$p$salt_hex$hash_hex``."""
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    """sha256 (hex) of the user's current API token; the token itself is never stored."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_json: Mapped[str] = mapped_column(Text)
    """The request (CONTRACT.md) as canonical JSON."""
    request_id: Mapped[str] = mapped_column(String(120), index=True)
    member_id: Mapped[str] = mapped_column(String(120))
    member_name: Mapped[str] = mapped_column(String(200))
    """Copied from the request for the queue's search (the request stays the record)."""
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "status"), index=True)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    """Why the last extraction failed, in one line that never quotes the packet."""
    line_of_business: Mapped[str] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(200))
    received_date: Mapped[dt.date] = mapped_column(Date)
    expedited: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class WebSession(Base):
    """A browser session: the cookie's token is never stored, only its sha256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    """Sent back in every form and write request of this session (double-submit defence)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class Document(Base):
    """A stored file, named by the sha256 of its bytes (see ``documents.py``)."""

    __tablename__ = "documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CaseDocument(Base):
    """A document as a case names it (the same bytes may serve several cases)."""

    __tablename__ = "case_documents"
    __table_args__ = (UniqueConstraint("case_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("documents.sha256"), index=True)
    name: Mapped[str] = mapped_column(String(255))


class ExtractionRun(Base):
    __tablename__ = "extraction_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    """``rules``, ``llm`` or ``hybrid``."""
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    """``running``, ``succeeded`` or ``failed`` (free text: the runner owns the values)."""
    usage_json: Mapped[str | None] = mapped_column(Text)
    """Token counts and cost of a model run, as canonical JSON."""


class FactRecord(Base):
    __tablename__ = "fact_records"
    __table_args__ = (UniqueConstraint("case_id", "fact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    fact_id: Mapped[str] = mapped_column(String(64))
    """The fact's own ``id``."""
    run_id: Mapped[int | None] = mapped_column(ForeignKey("extraction_runs.id"), index=True)
    data_json: Mapped[str] = mapped_column(Text)
    """The fact as ``model_dump(mode="json")`` gives it, as canonical JSON."""
    status: Mapped[FactStatus] = mapped_column(_enum(FactStatus, "status"))
    """Always equal to ``data_json``'s own ``status``."""
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data_json)
        return value


class DecisionRecord(Base):
    __tablename__ = "decision_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    policy: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(32))
    decision_json: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    letter_kind: Mapped[str | None] = mapped_column(String(32))
    letter_text: Mapped[str | None] = mapped_column(Text)
    """The letter as drafted when the decision was recorded, kept as it was sent."""


class AuditEvent(Base):
    """One link of the hash chain (see ``audit.py``); rows are only ever inserted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """Unique: two events can never extend the same link, so the chain cannot fork."""
    hash: Mapped[str] = mapped_column(String(64), unique=True)


@event.listens_for(AuditEvent, "before_update")
def _no_update(mapper: Mapper[Any], connection: Connection, target: AuditEvent) -> None:  # noqa: ARG001
    raise AppendOnlyError(f"audit event {target.id} is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper: Mapper[Any], connection: Connection, target: AuditEvent) -> None:  # noqa: ARG001
    raise AppendOnlyError(f"audit event {target.id} is append-only")
