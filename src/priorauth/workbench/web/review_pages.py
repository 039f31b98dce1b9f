"""The case screen: facts under the policy items that read them, beside the page images with
the evidence boxes; confirm, edit, reject, add a fact from words selected on the page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from priorauth.adjudicate.errors import InputError
from priorauth.extract.page_view import page_count, page_words, read_page, render_png
from priorauth.extract.pages import Page
from priorauth.workbench import evidence
from priorauth.workbench.api.auth import EDIT_FACTS, READ, CaseId, DbSession, FactId
from priorauth.workbench.api.cases import recommendation
from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.store import documents
from priorauth.workbench.store.cases import (
    add_reviewer_fact,
    assign_case,
    case_document,
    case_documents,
    case_facts,
    get_case,
    update_fact,
)
from priorauth.workbench.store.errors import ConflictError, NotFoundError
from priorauth.workbench.store.models import CaseStatus, User
from priorauth.workbench.store.web_sessions import SessionUser
from priorauth.workbench.web.forms import (
    ADD,
    CONTEXT_FLAGS,
    FIELDS,
    Draft,
    draft_from,
    parse_context,
    parse_date,
    parse_value,
)
from priorauth.workbench.web.queue_pages import user_names
from priorauth.workbench.web.render import html
from priorauth.workbench.web.review import fact_views, group_by_item
from priorauth.workbench.web.session import action, page

router = APIRouter(include_in_schema=False)
State = Annotated[AppState, Depends(app_state)]
DocumentNumber = Annotated[int, PathParam(ge=1, le=10_000)]
PageNumber = Annotated[int, PathParam(ge=1, le=100_000)]
Reader = Annotated[SessionUser, Depends(page(READ))]
Editor = Annotated[SessionUser, Depends(action(EDIT_FACTS))]
Assigner = Annotated[SessionUser, Depends(action(READ))]
PRIVATE_CACHE = {"Cache-Control": "private, max-age=3600"}


def case_page(
    request: Request,
    user: SessionUser,
    session: Session,
    state: AppState,
    case_id: int,
    error: str | None = None,
    status_code: int = 200,
    draft: Draft | None = None,
) -> HTMLResponse:
    """The case screen (also after a failed change, with its one-line ``error`` and the
    ``draft`` the reviewer had typed, shown again)."""
    case = get_case(session, case_id)
    docs = case_documents(session, case_id)
    names = [doc.name for doc in docs]
    facts = fact_views(case_facts(session, case_id), names)
    items: list[Any] = []
    unread = facts
    recommended = None
    if case.status in (CaseStatus.READY, CaseStatus.DECIDED):
        recommended = recommendation(session, case_id, state)
        items, unread = group_by_item(
            state.policy, recommended["criteria_set"], recommended["criteria"], facts
        )
    assignee = None if case.assignee_id is None else session.get(User, case.assignee_id)
    return html(
        request,
        "case.html",
        user,
        status_code=status_code,
        case=case,
        request_data=json.loads(case.request_json),
        documents=names,
        items=items,
        unread=unread,
        facts=facts,
        attention=sum(fact.needs_attention for fact in facts),
        proposed=sum(fact.status == "proposed" for fact in facts),
        recommended=recommended,
        assignee=None if assignee is None else assignee.name,
        users=user_names(session),
        fields=FIELDS,
        context_flags=CONTEXT_FLAGS,
        progress=state.progress.get(case_id),
        now=dt.datetime.now(dt.UTC),
        error=error,
        draft=draft,
        can_edit=user.role in {role.value for role in EDIT_FACTS},
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_screen(
    request: Request, case_id: CaseId, user: Reader, session: DbSession, state: State
) -> HTMLResponse:
    return case_page(request, user, session, state, case_id)


@router.get("/cases/{case_id}/progress", response_model=None)
def progress(case_id: CaseId, _user: Reader, session: DbSession, state: State) -> dict[str, Any]:
    """How far the case's extraction has got (the case screen polls this while it runs)."""
    case = get_case(session, case_id)
    done, total = state.progress.get(case_id, (0, 0))
    return {"status": case.status.value, "done": done, "total": total}


@router.get("/cases/{case_id}/documents/{number}/pages/{page_number}.png")
def page_image(
    case_id: CaseId,
    number: DocumentNumber,
    page_number: PageNumber,
    _user: Reader,
    session: DbSession,
    width: Annotated[int, Query(ge=100, le=2400)] = 900,
) -> Response:
    doc = case_document(session, case_id, number)
    try:
        image = render_png(documents.verified_path(doc.sha256), page_number, width, doc.name)
    except InputError as error:
        raise HTTPException(404, str(error)) from None
    # Documents never change (content-addressed), so the browser may keep the image; it is
    # a member's record, so only the browser, never a shared cache.
    return Response(image, media_type="image/png", headers=PRIVATE_CACHE)


def _page(session: Session, case_id: int, number: int, page_number: int) -> tuple[Page, int]:
    """The page as extraction read it, and how many pages its document has."""
    doc = case_document(session, case_id, number)
    path = documents.verified_path(doc.sha256)
    try:
        return read_page(path, page_number, doc.name), page_count(path)
    except InputError as error:
        raise HTTPException(404, str(error)) from None


@router.get("/cases/{case_id}/documents/{number}/pages/{page_number}/words")
def words(
    case_id: CaseId,
    number: DocumentNumber,
    page_number: PageNumber,
    _user: Reader,
    session: DbSession,
) -> JSONResponse:
    """The page's words with boxes (points) and offsets, for selecting evidence."""
    read, pages = _page(session, case_id, number, page_number)
    return JSONResponse(
        {
            "width": read.width,
            "height": read.height,
            "pages": pages,
            "words": [
                {"text": w.text, "start": w.char_start, "end": w.char_end, **w.bbox.model_dump()}
                for w in page_words(read)
            ],
        },
        headers=PRIVATE_CACHE,
    )


def _redirect(case_id: int, fact_id: str | None = None) -> RedirectResponse:
    anchor = f"#fact-{fact_id}" if fact_id else ""
    return RedirectResponse(f"/cases/{case_id}{anchor}", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _version(form: dict[str, str]) -> int:
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise InputError("facts", "version", "missing: reload the page") from None


async def _change(
    request: Request,
    user: SessionUser,
    state: AppState,
    case_id: int,
    fact_id: str | None,
    apply: Any,
    draft: Draft | None = None,
) -> Response:
    """Run ``apply(session)`` and commit; on a refused change show the case with why (and
    the ``draft`` typed into the form, to correct). In a worker thread: the routes are async
    only to read their form, and a selection's page may need OCR."""
    return await run_in_threadpool(
        _change_in_thread, request, user, state, case_id, fact_id, apply, draft
    )


def _change_in_thread(
    request: Request,
    user: SessionUser,
    state: AppState,
    case_id: int,
    fact_id: str | None,
    apply: Any,
    draft: Draft | None,
) -> Response:
    with state.sessions() as session:
        try:
            apply(session)
            session.commit()
        except (InputError, ConflictError) as error:
            session.rollback()
            code = 409 if isinstance(error, ConflictError) else 422
            return case_page(request, user, session, state, case_id, str(error), code, draft)
    return _redirect(case_id, fact_id)


@router.post("/cases/{case_id}/facts/{fact_id}/status", response_model=None)
async def set_fact_status(
    request: Request, case_id: CaseId, fact_id: FactId, user: Editor, state: State
) -> Response:
    """Confirm or reject a fact (the form's ``status``), at the version the reviewer saw."""
    form = await _form(request)
    new = form.get("status", "")
    if new not in ("confirmed", "rejected", "proposed"):
        raise HTTPException(422, "status must be confirmed, rejected or proposed")
    return await _change(
        request,
        user,
        state,
        case_id,
        fact_id,
        lambda session: update_fact(
            session, case_id, fact_id, _version(form), {"status": new}, user.name
        ),
    )


@router.post("/cases/{case_id}/facts/{fact_id}/edit", response_model=None)
async def edit_fact(
    request: Request, case_id: CaseId, fact_id: FactId, user: Editor, state: State
) -> Response:
    """Save a reviewer's edit of value, date and context; an edited fact is confirmed."""
    form = await _form(request)
    name = await run_in_threadpool(_fact_kind, state, case_id, fact_id)

    def apply(session: Session) -> None:
        if not name:
            raise NotFoundError(f"no fact {fact_id!r} in case {case_id}")
        changes = {
            "value": parse_value(name, form, "value."),
            "date": parse_date(form.get("date", "")),
            "context": parse_context(form),
            "status": "confirmed",
        }
        update_fact(session, case_id, fact_id, _version(form), changes, user.name)

    return await _change(
        request, user, state, case_id, fact_id, apply, draft_from(form, fact_id, name)
    )


def _fact_kind(state: AppState, case_id: int, fact_id: str) -> str:
    """The kind of fact ``fact_id`` of the case ("" when it has none such)."""
    with state.sessions() as session:
        for record in case_facts(session, case_id):
            if record.fact_id == fact_id:
                kind: str = record.data["name"]
                return kind
    return ""


def _selected_evidence(
    session: Session, case_id: int, form: dict[str, str]
) -> list[dict[str, Any]]:
    if not form.get("evidence.document"):
        return []
    try:
        number, page_number, start, end = (
            int(form.get(f"evidence.{part}", "")) for part in ("document", "page", "start", "end")
        )
    except ValueError:
        raise InputError("facts", "evidence", "the selection is incomplete: select again") from None
    seen = form.get("evidence.quote", "")
    return [evidence.selected(session, case_id, (number, page_number, start, end), seen)]


@router.post("/cases/{case_id}/facts", response_model=None)
async def add_fact(request: Request, case_id: CaseId, user: Editor, state: State) -> Response:
    """A reviewer's own fact, with the words selected on the page as its evidence."""
    form = await _form(request)
    name = form.get("name", "")
    if name not in FIELDS:
        raise HTTPException(422, f"unknown fact kind {name!r}")

    def apply(session: Session) -> None:
        cited = _selected_evidence(session, case_id, form)
        fact = {
            "name": name,
            "value": parse_value(name, form, f"{name}."),
            "date": parse_date(form.get("date", "")),
            "context": parse_context(form),
            "evidence": cited,
        }
        add_reviewer_fact(session, case_id, fact, user.name, grounded=bool(cited))

    return await _change(request, user, state, case_id, None, apply, draft_from(form, ADD, name))


@router.post("/cases/{case_id}/assign", response_model=None)
async def assign(request: Request, case_id: CaseId, user: Assigner, state: State) -> Response:
    """Take the case, give it to someone, or put it back (empty assignee)."""
    form = await _form(request)
    wanted = form.get("assignee", "")
    assignee = user.name if wanted == "me" else wanted or None
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise HTTPException(422, "version: missing, reload the page") from None
    return await _change(
        request,
        user,
        state,
        case_id,
        None,
        lambda session: assign_case(session, case_id, assignee, version, user.name),
    )
