"""Case routes: create a case from a request and its packet, read it, adjudicate it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FACT_ADAPTER
from priorauth.adjudicate.inputs import parse_request
from priorauth.adjudicate.report import to_json
from priorauth.adjudicate.request import LineOfBusiness
from priorauth.adjudicate.validity import check_request
from priorauth.extract import guard
from priorauth.workbench.api import extraction
from priorauth.workbench.api.auth import Adjudicator, CaseId, Creator, DbSession, Reader
from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.api.views import case_json, queue_row_json
from priorauth.workbench.letters import draft_for_case, latest_letter
from priorauth.workbench.store import audit
from priorauth.workbench.store.cases import (
    assign_case,
    check_decision,
    confirmed_facts,
    create_case,
    get_case,
    open_for_review,
    record_decision,
)
from priorauth.workbench.store.errors import ConflictError
from priorauth.workbench.store.models import (
    CaseStatus,
    DecisionRecord,
    Role,
    canonical_json,
    utcnow,
)
from priorauth.workbench.store.queue import MAX_PAGE, UNASSIGNED, QueueQuery, list_cases

router = APIRouter(prefix="/api/cases", tags=["cases"])
State = Annotated[AppState, Depends(app_state)]
_PDF_MAGIC = b"%PDF-"


def read_documents(files: Sequence[StarletteUpload], limit: int) -> list[tuple[str, bytes]]:
    """The uploads' names and bytes: each a PDF, ``limit`` bytes at most together (413)."""
    if not files:
        raise InputError("case", "files", "a case needs at least one PDF")
    documents = []
    total = 0
    for index, upload in enumerate(files):
        # Read no more than the limit allows, so an oversized upload is refused without
        # holding it all in memory.
        data = upload.file.read(limit - total + 1)
        total += len(data)
        if total > limit:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"files[{index}]: the documents exceed {limit // (1024 * 1024)} MB together",
            )
        if not data.startswith(_PDF_MAGIC):
            raise InputError("case", f"files[{index}]", "not a PDF (no %PDF- header)")
        documents.append((upload.filename or "", data))
    return documents


def open_case(
    session: Session,
    state: AppState,
    request_text: str,
    documents: list[tuple[str, bytes]],
    actor: str,
    *,
    expedited: bool,
    received_at: dt.datetime | None = None,
) -> int:
    """Store a new case and queue its extraction; the id of the case."""
    # Checked against the policy here, so a request no adjudication could take is refused
    # at intake rather than after extraction.
    check_request(state.policy, parse_request(request_text, "request"), "request")
    case = create_case(
        session,
        request_text,
        documents,
        actor,
        expedited=expedited,
        received_at=received_at,
        clocks=state.clocks,
    )
    session.commit()
    extraction.submit(state, case.id)
    return case.id


@router.get("", response_model=None)
def queue(
    _who: Reader,
    session: DbSession,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    line_of_business: Annotated[LineOfBusiness | None, Query()] = None,
    assignee: Annotated[
        str | None,
        Query(max_length=120, pattern=r"^[^\x00]*$", description=f"a user, or {UNASSIGNED!r}"),
    ] = None,
    q: Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    """The case queue: open cases first, soonest due first; filters and search."""
    rows, total = list_cases(
        session,
        QueueQuery(status_, line_of_business, assignee, q, limit, offset),
    )
    return {"total": total, "cases": [queue_row_json(row) for row in rows]}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=None)
def create(
    request_text: Annotated[str, Form(alias="request", description="the request (CONTRACT.md)")],
    files: Annotated[list[UploadFile], File(description="the packet's PDFs")],
    who: Creator,
    session: DbSession,
    state: State,
    expedited: Annotated[bool, Form(description="expedited review (the shorter clock)")] = False,
    received_at: Annotated[
        dt.datetime | None,
        Form(description="when the plan received it, ISO 8601 with offset (default: now)"),
    ] = None,
) -> dict[str, int]:
    """Store the request and its documents; the packet is read in the background. The review
    clock runs from ``received_at``."""
    documents = read_documents(files, state.max_upload_bytes)
    case_id = open_case(
        session,
        state,
        request_text,
        documents,
        who.name,
        expedited=expedited,
        received_at=received_at,
    )
    return {"id": case_id}


@router.get("/{case_id}", response_model=None)
def read(case_id: CaseId, _who: Reader, session: DbSession) -> dict[str, Any]:
    return case_json(session, get_case(session, case_id))


def recommendation(session: Session, case_id: int, state: AppState) -> dict[str, Any]:
    """CONTRACT.md's decision from the case's confirmed facts only."""
    case = get_case(session, case_id)
    if case.status is CaseStatus.EXTRACTING:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"case {case_id} is still being extracted: try again later"
        )
    request = parse_request(case.request_json, f"case {case_id} request")
    stored = confirmed_facts(session, case_id)
    facts = [FACT_ADAPTER.validate_python(data) for data in stored]
    decision = guard.decide(state.engine, request, facts)
    document = to_json(decision)
    document["facts"] = stored
    return document


@router.post("/{case_id}/adjudicate", response_model=None)
def adjudicate(
    case_id: CaseId, who: Adjudicator, session: DbSession, state: State
) -> dict[str, Any]:
    """The engine's recommendation from the case's confirmed facts (audited, not recorded
    as the case's decision: a person does that, ``POST .../decision``)."""
    document = recommendation(session, case_id, state)
    digest = recommendation_digest(document)
    audit.record(
        session,
        who.name,
        "case.adjudicate",
        "case",
        case_id,
        None,
        {
            "decision": document["decision"],
            "policy": document["policy"],
            "policy_version": str(document["policy_version"]),
            "criteria_set": document["criteria_set"],
            "facts": [fact["id"] for fact in document["facts"]],
            "recommendation_sha256": digest,
        },
    )
    session.commit()
    return {**document, "recommendation_sha256": digest}


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str | None = Field(max_length=120, pattern=r"^[^\x00]+$")
    """A user's name, or null to put the case back in the pool."""
    version: int = Field(ge=0, le=2**31 - 1)
    """The case's version as read (409 if it changed since)."""


@router.put("/{case_id}/assignee", response_model=None)
def assign(case_id: CaseId, body: Assignment, who: Reader, session: DbSession) -> dict[str, Any]:
    """Give the case to a user (or take it back); version-checked like facts."""
    case = assign_case(session, case_id, body.assignee, body.version, who.name)
    session.commit()
    return case_json(session, case)


class DecisionBody(BaseModel):
    outcome: Literal["approve", "deny", "pend", "refer"]
    comment: str = Field(min_length=1, max_length=4000)
    recommendation_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """From the ``adjudicate`` answer the decision is based on: if the facts changed the
    recommendation since, the decision is refused (409)."""


def recommendation_digest(document: Mapping[str, Any]) -> str:
    """Names one recommendation exactly (its items, reasons and the facts they read)."""
    return hashlib.sha256(canonical_json(dict(document)).encode("utf-8")).hexdigest()


def decide(
    session: Session,
    state: AppState,
    case_id: int,
    outcome: str,
    comment: str,
    actor: str,
    role: Role,
    shown: str | None = None,
) -> DecisionRecord:
    """Record a person's decision beside the engine's recommendation, with its letter drafted
    and kept; only a pharmacist records a denial. ``shown`` is the digest of the
    recommendation the person saw: if the facts changed it since, nothing is recorded
    (ConflictError). The caller commits."""
    if outcome == "deny" and role is not Role.PHARMACIST:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a pharmacist records a denial")
    check_decision(outcome, comment)
    open_for_review(session, case_id)
    recommended = recommendation(session, case_id, state)
    if shown is not None and recommendation_digest(recommended) != shown:
        raise ConflictError(
            f"the recommendation for case {case_id} changed since it was shown "
            "(facts were changed): review it again"
        )
    today = utcnow().astimezone(state.zone).date()
    letter = draft_for_case(
        get_case(session, case_id), state.policy, recommended, outcome, comment, today
    )
    return record_decision(session, case_id, recommended, outcome, comment, actor, letter)


@router.post("/{case_id}/decision", status_code=status.HTTP_201_CREATED, response_model=None)
def decide_case(
    case_id: CaseId, body: DecisionBody, who: Adjudicator, session: DbSession, state: State
) -> dict[str, Any]:
    """A pharmacist (or an admin, for anything but a denial) records the case's decision with
    a comment, beside the engine's recommendation at that moment; the letter is drafted."""
    record = decide(
        session,
        state,
        case_id,
        body.outcome,
        body.comment,
        who.name,
        who.role,
        body.recommendation_sha256,
    )
    session.commit()
    recommended = json.loads(record.decision_json)
    return {
        "id": record.id,
        "outcome": record.outcome,
        "recommended": recommended["decision"],
        "recorded_by": record.recorded_by,
        "comment": record.comment,
        "letter": record.letter_kind,
    }


@router.get("/{case_id}/letter", response_model=None)
def letter(case_id: CaseId, _who: Reader, session: DbSession) -> dict[str, Any]:
    """The letter drafted when the case's latest decision was recorded (404 before one)."""
    record = latest_letter(session, case_id)
    return {
        "kind": record.letter_kind,
        "text": record.letter_text,
        "outcome": record.outcome,
        "recorded_by": record.recorded_by,
        "recorded_at": record.recorded_at.isoformat(),
    }
