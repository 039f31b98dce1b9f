"""The decision screen (every item with its status, reason and evidence; recording the
decision) and the drafted letter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.api.auth import ADJUDICATE, READ, CaseId, DbSession
from priorauth.workbench.api.cases import decide, recommendation, recommendation_digest
from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.letters import draft_for_case, latest_letter
from priorauth.workbench.store.cases import OUTCOMES, case_documents, decisions, get_case
from priorauth.workbench.store.errors import ConflictError
from priorauth.workbench.store.models import Case, CaseStatus, Role
from priorauth.workbench.store.web_sessions import SessionUser
from priorauth.workbench.web.render import html
from priorauth.workbench.web.session import action, page

router = APIRouter(include_in_schema=False)
State = Annotated[AppState, Depends(app_state)]
COMMENT_LIMIT = 4000


def _document_numbers(session: Session, case_id: int) -> dict[str, int]:
    documents = case_documents(session, case_id)
    return {doc.name: number for number, doc in enumerate(documents, start=1)}


def _decision_page(
    request: Request,
    user: SessionUser,
    session: Session,
    state: AppState,
    case_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    case = get_case(session, case_id)
    if case.status in (CaseStatus.EXTRACTING, CaseStatus.FAILED):
        raise HTTPException(409, f"case {case_id} is {case.status.value}: nothing to decide yet")
    recommended = recommendation(session, case_id, state)
    return html(
        request,
        "decision.html",
        user,
        status_code=status_code,
        case=case,
        recommended=recommended,
        shown=recommendation_digest(recommended),
        quoted=_comment_quoted(case, state, recommended),
        numbers=_document_numbers(session, case_id),
        history=decisions(session, case_id),
        outcomes=OUTCOMES,
        may_record=Role(user.role) in ADJUDICATE,
        may_deny=Role(user.role) is Role.PHARMACIST,
        error=error,
    )


_PROBE = "Zqxcommentprobe"
"""A word no letter has: where the draft contains it, the comment is quoted."""


def _comment_quoted(case: Case, state: AppState, recommended: dict[str, Any]) -> list[str]:
    """The outcomes whose letter would quote the comment (no policy item supports them), so
    the screen can say so before the pharmacist writes it."""
    quoted = []
    for outcome in OUTCOMES:
        try:
            _kind, text = draft_for_case(
                case, state.policy, recommended, outcome, _PROBE, case.received_date
            )
        except InputError:
            continue
        if _PROBE in text:
            quoted.append(outcome)
    return quoted


@router.get("/cases/{case_id}/decision", response_class=HTMLResponse)
def decision_screen(
    request: Request,
    case_id: CaseId,
    user: Annotated[SessionUser, Depends(page(READ))],
    session: DbSession,
    state: State,
) -> HTMLResponse:
    return _decision_page(request, user, session, state, case_id)


@router.post("/cases/{case_id}/decision", response_model=None)
async def record(
    request: Request,
    case_id: CaseId,
    user: Annotated[SessionUser, Depends(action(ADJUDICATE))],
    state: State,
) -> Response:
    form = await request.form()
    outcome = str(form.get("outcome", ""))
    comment = str(form.get("comment", ""))
    shown = str(form.get("shown", ""))

    def record_it() -> Response:
        with state.sessions() as session:
            try:
                if len(comment) > COMMENT_LIMIT:
                    problem = f"longer than {COMMENT_LIMIT} characters"
                    raise InputError("decision", "comment", problem)
                role = Role(user.role)
                decide(session, state, case_id, outcome, comment, user.name, role, shown)
                session.commit()
            except (InputError, ConflictError) as error:
                session.rollback()
                code = 409 if isinstance(error, ConflictError) else 422
                return _decision_page(request, user, session, state, case_id, str(error), code)
        return RedirectResponse(f"/cases/{case_id}/letter", status_code=303)

    return await run_in_threadpool(record_it)


@router.get("/cases/{case_id}/letter", response_class=HTMLResponse)
def letter_screen(
    request: Request,
    case_id: CaseId,
    user: Annotated[SessionUser, Depends(page(READ))],
    session: DbSession,
) -> HTMLResponse:
    record = latest_letter(session, case_id)
    return html(request, "letter.html", user, case=get_case(session, case_id), record=record)


@router.get("/cases/{case_id}/letter.txt")
def letter_text(
    case_id: CaseId,
    _user: Annotated[SessionUser, Depends(page(READ))],
    session: DbSession,
) -> PlainTextResponse:
    record = latest_letter(session, case_id)
    return PlainTextResponse(
        record.letter_text or "",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-letter.txt"'},
    )
