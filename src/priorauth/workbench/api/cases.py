"""Case routes: create a case from a request and its packet, read it, adjudicate it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FACT_ADAPTER
from priorauth.adjudicate.inputs import parse_request
from priorauth.adjudicate.report import to_json
from priorauth.adjudicate.validity import check_request
from priorauth.extract import guard
from priorauth.workbench.api import extraction
from priorauth.workbench.api.auth import Adjudicator, CaseId, Creator, DbSession, Reader
from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.api.views import case_json
from priorauth.workbench.store import audit
from priorauth.workbench.store.cases import (
    confirmed_facts,
    create_case,
    get_case,
    record_decision,
)
from priorauth.workbench.store.models import CaseStatus, Role

router = APIRouter(prefix="/api/cases", tags=["cases"])
State = Annotated[AppState, Depends(app_state)]
_PDF_MAGIC = b"%PDF-"


def _documents(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    if not files:
        raise InputError("case", "files", "a case needs at least one PDF")
    documents = []
    for index, upload in enumerate(files):
        data = upload.file.read()
        if not data.startswith(_PDF_MAGIC):
            raise InputError("case", f"files[{index}]", "not a PDF (no %PDF- header)")
        documents.append((upload.filename or "", data))
    return documents


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    request_text: Annotated[str, Form(alias="request", description="the request (CONTRACT.md)")],
    files: Annotated[list[UploadFile], File(description="the packet's PDFs")],
    who: Creator,
    session: DbSession,
    state: State,
) -> dict[str, int]:
    """Store the request and its documents; the packet is read in the background."""
    # Checked against the policy here, so a request no adjudication could take is refused
    # at intake rather than after extraction.
    check_request(state.policy, parse_request(request_text, "request"), "request")
    case = create_case(session, request_text, _documents(files), who.name)
    session.commit()
    extraction.submit(state, case.id)
    return {"id": case.id}


@router.get("/{case_id}")
def read(case_id: CaseId, _who: Reader, session: DbSession) -> dict[str, Any]:
    return case_json(session, get_case(session, case_id))


def _recommendation(session: Session, case_id: int, state: AppState) -> dict[str, Any]:
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


@router.post("/{case_id}/adjudicate")
def adjudicate(
    case_id: CaseId, who: Adjudicator, session: DbSession, state: State
) -> dict[str, Any]:
    """The engine's recommendation from the case's confirmed facts (audited, not recorded
    as the case's decision: a person does that, ``POST .../decision``)."""
    document = _recommendation(session, case_id, state)
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
        },
    )
    session.commit()
    return document


class DecisionBody(BaseModel):
    outcome: Literal["approve", "deny", "pend", "refer"]
    comment: str = Field(min_length=1, max_length=4000)


@router.post("/{case_id}/decision", status_code=status.HTTP_201_CREATED)
def decide_case(
    case_id: CaseId, body: DecisionBody, who: Adjudicator, session: DbSession, state: State
) -> dict[str, Any]:
    """A pharmacist (or an admin, for anything but a denial) records the case's decision with
    a comment, beside the engine's recommendation at that moment."""
    if body.outcome == "deny" and who.role is not Role.PHARMACIST:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a pharmacist records a denial")
    recommendation = _recommendation(session, case_id, state)
    record = record_decision(session, case_id, recommendation, body.outcome, body.comment, who.name)
    session.commit()
    return {
        "id": record.id,
        "outcome": record.outcome,
        "recommended": recommendation["decision"],
        "recorded_by": record.recorded_by,
        "comment": record.comment,
    }
