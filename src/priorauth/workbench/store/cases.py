"""The repository functions the API uses: cases, their documents, extraction runs and facts.

Writes go through the caller's session (the caller commits) and each is audited with the
state before and after. Facts are updated with optimistic locking: the caller says which
``version`` it read, and a stale version raises :class:`ConflictError` with nothing saved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FACT_ADAPTER, FactStatus, SourceKind
from priorauth.adjudicate.request import Request
from priorauth.workbench.store import audit
from priorauth.workbench.store import documents as document_store
from priorauth.workbench.store.clocks import DEFAULT_CLOCKS, Clock
from priorauth.workbench.store.errors import ConflictError, NotFoundError
from priorauth.workbench.store.models import (
    Case,
    CaseDocument,
    CaseStatus,
    DecisionRecord,
    ExtractionRun,
    FactRecord,
    User,
    canonical_json,
    utcnow,
)

__all__ = [
    "OUTCOMES",
    "ConflictError",
    "add_reviewer_fact",
    "assign_case",
    "case_document",
    "case_documents",
    "case_facts",
    "check_decision",
    "confirmed_facts",
    "create_case",
    "decisions",
    "finish_run",
    "get_case",
    "interrupted_cases",
    "open_for_review",
    "record_decision",
    "save_facts",
    "set_status",
    "start_run",
    "update_fact",
]

_IMMUTABLE_FACT_FIELDS = ("id", "name")
_MAX_NAME = 255
_MAX_ID = 120
_CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far a client's clock may run ahead of the server's."""
_MAX_MEMBER_NAME = 200


def _problem(source: str, prefix: str, error: ValidationError) -> InputError:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    field = f"{prefix}.{where}" if prefix and where else prefix or where
    return InputError(source, field, first["msg"])


def _parse_request(request_json: str | Mapping[str, Any]) -> tuple[Request, Any]:
    if isinstance(request_json, str):
        try:
            raw: Any = json.loads(request_json)
        except json.JSONDecodeError as error:
            raise InputError("request", "", f"not JSON: {error}") from None
    else:
        raw = dict(request_json)
    try:
        return Request.model_validate(raw), raw
    except ValidationError as error:
        raise _problem("request", "", error) from None


def _check_names(docs: Sequence[tuple[str, bytes]]) -> None:
    seen: set[str] = set()
    for index, (name, _data) in enumerate(docs):
        field = f"documents[{index}].name"
        if not name.strip() or len(name) > _MAX_NAME:
            raise InputError("case", field, f"a document needs a name of 1-{_MAX_NAME} chars")
        if any(char in name for char in "/\\") or any(ord(char) < 32 for char in name):
            raise InputError("case", field, f"{name!r} contains a path separator or control")
        if name in seen:
            raise InputError("case", field, f"two documents are named {name!r}")
        seen.add(name)


def _case_summary(case: Case, docs: Sequence[CaseDocument]) -> dict[str, object]:
    return {
        "status": case.status.value,
        "line_of_business": case.line_of_business,
        "product": case.product,
        "received_date": case.received_date.isoformat(),
        "expedited": case.expedited,
        "due_at": case.due_at.isoformat(),
        "assignee_id": case.assignee_id,
        "version": case.version,
        "request_sha256": hashlib.sha256(case.request_json.encode("utf-8")).hexdigest(),
        "documents": [{"name": doc.name, "sha256": doc.sha256} for doc in docs],
    }


def create_case(
    session: Session,
    request_json: str | Mapping[str, Any],
    documents: Sequence[tuple[str, bytes]],
    actor: str,
    *,
    expedited: bool = False,
    received_at: dt.datetime | None = None,
    clocks: Mapping[str, Clock] = DEFAULT_CLOCKS,
) -> Case:
    """A new case (status ``extracting``) with its request and named documents.

    ``due_at`` is ``received_at`` (when the plan received the request, which may be before
    intake entered it; default: now) plus the line of business's clock, standard or
    ``expedited``. The request must validate (CONTRACT.md); document names must be
    unique plain names.
    """
    request, raw = _parse_request(request_json)
    for field, text in (("request_id", request.request_id), ("member.id", request.member.id)):
        if len(text) > _MAX_ID:
            raise InputError("request", field, f"longer than {_MAX_ID} characters")
    _check_names(documents)
    lob = request.line_of_business
    if lob not in clocks:
        raise InputError("request", "line_of_business", f"no review clock configured for {lob!r}")
    now = utcnow()
    start = received_at or now
    if start.tzinfo is None:
        raise InputError("case", "received_at", "must be timezone-aware")
    if start > now + _CLOCK_SKEW:
        raise InputError("case", "received_at", "is in the future")
    # A day either way: the request's date is in the plan's time zone, this one in UTC.
    if received_at is not None and abs((start.date() - request.received_date).days) > 1:
        raise InputError(
            "case",
            "received_at",
            f"{start.date().isoformat()} is not the request's received_date "
            f"({request.received_date.isoformat()})",
        )
    case = Case(
        request_json=canonical_json(raw),
        request_id=request.request_id,
        member_id=request.member.id,
        member_name=request.member.name[:_MAX_MEMBER_NAME],
        status=CaseStatus.EXTRACTING,
        line_of_business=lob,
        product=request.medication.product,
        received_date=request.received_date,
        expedited=expedited,
        due_at=start + clocks[lob].allowed(expedited=expedited),
        created_at=now,
    )
    session.add(case)
    session.flush()
    links = []
    for name, data in documents:
        stored = document_store.add(session, data)
        link = CaseDocument(case_id=case.id, sha256=stored.sha256, name=name)
        session.add(link)
        links.append(link)
    session.flush()
    audit.record(session, actor, "case.create", "case", case.id, None, _case_summary(case, links))
    return case


def case_documents(session: Session, case_id: int) -> list[CaseDocument]:
    """The case's documents in the order they were uploaded (the order screens number)."""
    return list(
        session.scalars(
            select(CaseDocument).where(CaseDocument.case_id == case_id).order_by(CaseDocument.id)
        )
    )


def case_document(session: Session, case_id: int, number: int) -> CaseDocument:
    """The case's document ``number`` (1-based, upload order), or NotFoundError."""
    get_case(session, case_id)
    docs = case_documents(session, case_id)
    if not 1 <= number <= len(docs):
        raise NotFoundError(f"case {case_id} has no document {number}")
    return docs[number - 1]


def open_for_review(session: Session, case_id: int) -> Case:
    """The case, unless it is decided: a decision was made on its facts as they were, so
    they stay that way (ConflictError)."""
    case = get_case(session, case_id)
    if case.status is CaseStatus.DECIDED:
        raise ConflictError(f"case {case_id} is decided: its facts and decision are closed")
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"no case {case_id}")
    return case


def set_status(
    session: Session, case_id: int, new: CaseStatus, actor: str, reason: str | None = None
) -> Case:
    """Move the case to ``new`` (version-checked by the ORM) and audit it; ``reason`` says
    why an extraction failed and is kept on the case until its next status change."""
    case = get_case(session, case_id)
    before = {"status": case.status.value, "version": case.version}
    case.status = new
    case.failure_reason = reason
    session.flush()
    after: dict[str, object] = {"status": new.value, "version": case.version}
    if reason is not None:
        after["reason"] = reason
    audit.record(session, actor, "case.status", "case", case_id, before, after)
    return case


def assign_case(
    session: Session, case_id: int, assignee: str | None, expected_version: int, actor: str
) -> Case:
    """Give the case to the user named ``assignee`` (None: unassign), version-checked."""
    case = get_case(session, case_id)
    if case.version != expected_version:
        raise ConflictError(
            f"case {case_id} is at version {case.version}, not {expected_version}: reload it"
        )
    user_id = None
    if assignee is not None:
        user = session.scalars(select(User).where(User.name == assignee)).one_or_none()
        if user is None:
            raise InputError("case", "assignee", f"no user {assignee!r}")
        user_id = user.id
    before = {"assignee_id": case.assignee_id, "version": case.version}
    case.assignee_id = user_id
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise ConflictError(f"case {case_id} changed while saving: reload it") from None
    after = {"assignee_id": case.assignee_id, "version": case.version}
    audit.record(session, actor, "case.assign", "case", case_id, before, after)
    return case


def interrupted_cases(session: Session, actor: str) -> list[int]:
    """Cases a stopped server left ``extracting``: their running runs are marked failed
    (audited) and their ids returned, oldest first, for the caller to extract again."""
    runs = session.scalars(
        select(ExtractionRun)
        .join(Case, Case.id == ExtractionRun.case_id)
        .where(Case.status == CaseStatus.EXTRACTING, ExtractionRun.status == "running")
    ).all()
    for run in runs:
        finish_run(session, run.id, "interrupted", actor)
    return list(
        session.scalars(
            select(Case.id).where(Case.status == CaseStatus.EXTRACTING).order_by(Case.id)
        )
    )


def _run_summary(run: ExtractionRun) -> dict[str, object]:
    return {
        "case_id": run.case_id,
        "mode": run.mode,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
        "usage": None if run.usage_json is None else json.loads(run.usage_json),
    }


def start_run(session: Session, case_id: int, mode: str, actor: str) -> ExtractionRun:
    """Record that an extraction of ``case_id`` in ``mode`` started (status ``running``)."""
    get_case(session, case_id)
    run = ExtractionRun(case_id=case_id, mode=mode, status="running", started_at=utcnow())
    session.add(run)
    session.flush()
    audit.record(session, actor, "run.start", "extraction_run", run.id, None, _run_summary(run))
    return run


def finish_run(
    session: Session,
    run_id: int,
    status: str,
    actor: str,
    usage: Mapping[str, Any] | None = None,
) -> ExtractionRun:
    """Record how run ``run_id`` ended (``succeeded``/``failed``) and its model usage."""
    run = session.get(ExtractionRun, run_id)
    if run is None:
        raise NotFoundError(f"no extraction run {run_id}")
    before = _run_summary(run)
    run.status = status
    run.finished_at = utcnow()
    run.usage_json = None if usage is None else canonical_json(dict(usage))
    session.flush()
    audit.record(session, actor, "run.finish", "extraction_run", run.id, before, _run_summary(run))
    return run


def _fact_summary(record: FactRecord) -> dict[str, object]:
    return {
        "case_id": record.case_id,
        "fact_id": record.fact_id,
        "run_id": record.run_id,
        "status": record.status.value,
        "version": record.version,
        "data": record.data,
    }


def _no_nul(text: str, source: str, field: str) -> str:
    """Text for a column: PostgreSQL refuses the NUL character, so it is refused here."""
    if "\x00" in text:
        raise InputError(source, field, "may not contain the NUL character")
    return text


def _validated(data: Mapping[str, Any], field: str) -> dict[str, Any]:
    """The fact as priorauth.adjudicate.facts serializes it, or InputError."""
    try:
        fact = FACT_ADAPTER.validate_python(dict(data))
    except ValidationError as error:
        raise _problem("facts", field, error) from None
    _no_nul(fact.id, "facts", f"{field}.id")
    dumped: dict[str, Any] = fact.model_dump(mode="json")
    return dumped


def save_facts(
    session: Session,
    case_id: int,
    facts: Sequence[Mapping[str, Any]],
    run_id: int | None,
    actor: str,
) -> list[FactRecord]:
    """Store an extraction's facts for ``case_id``; return the records written.

    A fact id the case does not have yet is added. A stored fact with the same id is replaced
    while it is still ``proposed``; one a reviewer confirmed or rejected is kept as it is
    (re-extraction never undoes a review).
    """
    get_case(session, case_id)
    if run_id is not None:
        run = session.get(ExtractionRun, run_id)
        if run is None or run.case_id != case_id:
            raise InputError("facts", "run_id", f"no extraction run {run_id} for case {case_id}")
    validated: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, fact in enumerate(facts):
        data = _validated(fact, f"facts[{index}]")
        if data["id"] in seen:
            raise InputError("facts", f"facts[{index}].id", f"duplicate fact id {data['id']!r}")
        seen.add(data["id"])
        validated.append(data)
    stored = {
        record.fact_id: record
        for record in session.scalars(
            select(FactRecord).where(FactRecord.case_id == case_id, FactRecord.fact_id.in_(seen))
        )
    }
    now = utcnow()
    written: list[FactRecord] = []
    for data in validated:
        record = stored.get(data["id"])
        if record is not None and record.status is not FactStatus.PROPOSED:
            continue
        before = None if record is None else _fact_summary(record)
        if record is None:
            record = FactRecord(case_id=case_id, fact_id=data["id"])
            session.add(record)
        record.run_id = run_id
        record.data_json = canonical_json(data)
        record.status = FactStatus(data["status"])
        record.updated_at = now
        record.updated_by = actor
        session.flush()
        action = "fact.add" if before is None else "fact.replace"
        audit.record(session, actor, action, "fact", record.id, before, _fact_summary(record))
        written.append(record)
    return written


_REVIEWER_FACT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SET_BY_THE_SERVER = ("source", "status", "grounded", "confidence")


def add_reviewer_fact(
    session: Session, case_id: int, fact: Mapping[str, Any], actor: str, *, grounded: bool
) -> FactRecord:
    """A reviewer's own fact: source ``reviewer``, confirmed as it is added, under a new id
    unless ``fact`` names one the case does not have (adding never overwrites).

    ``grounded`` is the caller's finding on the fact's evidence (checked on the pages);
    what the fact itself says of its source, status, grounding or confidence is ignored.
    """
    open_for_review(session, case_id)
    fact_id = fact.get("id") or f"reviewer-{uuid.uuid4().hex[:12]}"
    if not isinstance(fact_id, str) or not _REVIEWER_FACT_ID.match(fact_id):
        raise InputError("facts", "id", "must be 1-64 letters, digits, '.', '_' or '-'")
    taken = session.scalar(
        select(FactRecord.id).where(FactRecord.case_id == case_id, FactRecord.fact_id == fact_id)
    )
    if taken is not None:
        raise ConflictError(f"case {case_id} already has a fact {fact_id!r}")
    data = {
        **{key: value for key, value in fact.items() if key not in _SET_BY_THE_SERVER},
        "id": fact_id,
        "source": {"kind": SourceKind.REVIEWER.value},
        "status": FactStatus.CONFIRMED.value,
        "grounded": grounded,
    }
    (record,) = save_facts(session, case_id, [data], None, actor)
    return record


def case_facts(session: Session, case_id: int) -> list[FactRecord]:
    """Every fact record of ``case_id`` (with its ``version`` for updates), in stored order."""
    return list(
        session.scalars(
            select(FactRecord).where(FactRecord.case_id == case_id).order_by(FactRecord.id)
        )
    )


def update_fact(
    session: Session,
    case_id: int,
    fact_id: str,
    expected_version: int,
    changes: Mapping[str, Any],
    actor: str,
) -> FactRecord:
    """Apply ``changes`` (top-level fact fields, e.g. ``status`` or a whole ``value``).

    ``expected_version`` is the version the caller read; if the fact changed since, raise
    :class:`ConflictError` and save nothing. If the version check can only fail at the
    UPDATE itself (a concurrent writer between read and write), the session is rolled back
    before raising, so it stays usable. A fact's ``id`` and ``name`` cannot change, nor the
    facts of a decided case.
    """
    open_for_review(session, case_id)
    record = session.scalars(
        select(FactRecord)
        .where(FactRecord.case_id == case_id, FactRecord.fact_id == fact_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if record is None:
        raise NotFoundError(f"no fact {fact_id!r} in case {case_id}")
    if record.version != expected_version:
        raise ConflictError(
            f"fact {fact_id!r} of case {case_id} is at version {record.version}, "
            f"not {expected_version}: reload it"
        )
    current = record.data
    for key in _IMMUTABLE_FACT_FIELDS:
        if key in changes and changes[key] != current[key]:
            raise InputError("facts", key, f"a fact's {key} cannot change")
    data = _validated({**current, **changes}, fact_id)
    before = _fact_summary(record)
    record.data_json = canonical_json(data)
    record.status = FactStatus(data["status"])
    record.updated_at = utcnow()
    record.updated_by = actor
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise ConflictError(
            f"fact {fact_id!r} of case {case_id} changed while saving: reload it"
        ) from None
    audit.record(session, actor, "fact.update", "fact", record.id, before, _fact_summary(record))
    return record


def confirmed_facts(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The confirmed facts of ``case_id`` as fact JSON, ready for ``FactSet``/the engine."""
    records = session.scalars(
        select(FactRecord)
        .where(FactRecord.case_id == case_id, FactRecord.status == FactStatus.CONFIRMED)
        .order_by(FactRecord.id)
    )
    return [record.data for record in records]


OUTCOMES = ("approve", "deny", "pend", "refer")


def check_decision(outcome: str, comment: str) -> None:
    """InputError unless ``outcome`` is one of :data:`OUTCOMES` and ``comment`` says why."""
    if outcome not in OUTCOMES:
        raise InputError("decision", "outcome", f"must be one of {', '.join(OUTCOMES)}")
    if not comment.strip():
        raise InputError("decision", "comment", "a decision is recorded with a comment")
    _no_nul(comment, "decision", "comment")


def record_decision(
    session: Session,
    case_id: int,
    decision: Mapping[str, Any],
    outcome: str,
    comment: str,
    actor: str,
    letter: tuple[str, str] | None = None,
) -> DecisionRecord:
    """A person's decision on the case, beside the engine's recommendation it was made on
    (``decision``, CONTRACT.md's object), with the ``letter`` (kind, text) drafted from it;
    the case becomes ``decided``. Audited (the letter by its kind and hash, not its text)."""
    check_decision(outcome, comment)
    case = open_for_review(session, case_id)
    record = DecisionRecord(
        case_id=case_id,
        policy=str(decision.get("policy", "")),
        policy_version=str(decision.get("policy_version", "")),
        decision_json=canonical_json(dict(decision)),
        outcome=outcome,
        recorded_by=actor,
        comment=comment,
        letter_kind=None if letter is None else letter[0],
        letter_text=None if letter is None else letter[1],
    )
    session.add(record)
    before = {"status": case.status.value}
    case.status = CaseStatus.DECIDED
    session.flush()
    audit.record(
        session,
        actor,
        "case.decide",
        "case",
        case_id,
        before,
        {
            "status": case.status.value,
            "outcome": outcome,
            "recommended": decision.get("decision"),
            "criteria_set": decision.get("criteria_set"),
            "comment": comment,
            "letter": None
            if letter is None
            else {
                "kind": letter[0],
                "sha256": hashlib.sha256(letter[1].encode("utf-8")).hexdigest(),
            },
        },
    )
    return record


def decisions(session: Session, case_id: int) -> list[DecisionRecord]:
    """The decisions recorded on ``case_id``, latest first."""
    return list(
        session.scalars(
            select(DecisionRecord)
            .where(DecisionRecord.case_id == case_id)
            .order_by(DecisionRecord.id.desc())
        )
    )
