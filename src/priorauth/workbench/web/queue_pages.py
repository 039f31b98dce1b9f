"""The case queue and the new-case form."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.api.auth import CREATE, READ, DbSession
from priorauth.workbench.api.cases import open_case, read_documents
from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.store.models import CaseStatus, User
from priorauth.workbench.store.queue import UNASSIGNED, QueueQuery, list_cases
from priorauth.workbench.store.web_sessions import SessionUser
from priorauth.workbench.web.render import html
from priorauth.workbench.web.session import action, page

router = APIRouter(include_in_schema=False)
State = Annotated[AppState, Depends(app_state)]
PAGE_SIZE = 50
LINES = ("commercial", "medicaid", "marketplace")


def user_names(session: Session) -> list[str]:
    return list(session.scalars(select(User.name).order_by(User.name)))


@router.get("/", response_class=HTMLResponse)
def queue(
    request: Request,
    user: Annotated[SessionUser, Depends(page(READ))],
    session: DbSession,
    status: Annotated[CaseStatus | None, Query()] = None,
    line: Annotated[str, Query(max_length=20)] = "",
    assignee: Annotated[str, Query(max_length=120)] = "",
    q: Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    query = QueueQuery(
        status=status,
        line_of_business=line or None,
        assignee=user.name if assignee == "me" else assignee or None,
        search=q,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
    )
    rows, total = list_cases(session, query)
    return html(
        request,
        "queue.html",
        user,
        rows=rows,
        total=total,
        page_number=page_number,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters={
            "status": status.value if status else "",
            "line": line,
            "assignee": assignee,
            "q": q,
        },
        statuses=[member.value for member in CaseStatus],
        lines=LINES,
        users=user_names(session),
        unassigned=UNASSIGNED,
        now=dt.datetime.now(dt.UTC),
    )


REQUEST_FIELDS = (
    "request_id",
    "received_date",
    "request_type",
    "line_of_business",
    "state",
    "member.id",
    "member.name",
    "member.dob",
    "member.sex",
    "prescriber.name",
    "prescriber.npi",
    "prescriber.specialty",
    "medication.product",
    "medication.strength",
    "medication.quantity",
    "medication.unit",
    "medication.days_supply",
    "medication.sig",
    "diagnosis.icd10",
    "diagnosis.description",
    "requested_duration_months",
)
_NUMBERS = {"medication.quantity", "medication.days_supply", "requested_duration_months"}


def request_from_form(form: dict[str, str]) -> str:
    """The request JSON: the pasted JSON when given, else the form's fields."""
    pasted = form.get("request_json", "").strip()
    if pasted:
        return pasted
    request: dict[str, Any] = {}
    for name in REQUEST_FIELDS:
        text = form.get(name, "").strip()
        if not text:
            continue
        value: Any = text
        if name in _NUMBERS:
            try:
                value = float(text) if "." in text else int(text)
            except ValueError:
                raise InputError("request", name, f"{text!r} is not a number") from None
        head, _, tail = name.partition(".")
        if head == "diagnosis":
            request.setdefault("diagnoses", [{}])[0][tail] = value
        elif tail:
            request.setdefault(head, {})[tail] = value
        else:
            request[head] = value
    return json.dumps(request)


_MAX_OFFSET = 14 * 60
"""Minutes: the widest time-zone offset there is."""


def received_from_form(form: dict[str, str]) -> dt.datetime | None:
    """When the plan received the request: the form's local date and time, in the browser's
    time zone (``tz_offset``, minutes behind UTC as JavaScript gives it; UTC without it)."""
    text = form.get("received_at", "").strip()
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
        offset = int(form.get("tz_offset", "0") or "0")
    except ValueError:
        raise InputError("case", "received_at", f"{text!r} is not a date and time") from None
    if not -_MAX_OFFSET <= offset <= _MAX_OFFSET:
        raise InputError("case", "tz_offset", "is not a time-zone offset")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone(-dt.timedelta(minutes=offset)))
    return when


def _new_form(
    request: Request,
    user: SessionUser,
    state: AppState,
    values: dict[str, str],
    error: str | None = None,
) -> HTMLResponse:
    products = [product.name for product in state.policy.products]
    return html(
        request,
        "new_case.html",
        user,
        status_code=422 if error else 200,
        values=values,
        error=error,
        products=products,
        lines=LINES,
        today=dt.date.today().isoformat(),
    )


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_form(
    request: Request, user: Annotated[SessionUser, Depends(page(CREATE))], state: State
) -> HTMLResponse:
    return _new_form(request, user, state, {})


@router.post("/cases/new", response_model=None)
async def new_case(
    request: Request,
    user: Annotated[SessionUser, Depends(action(CREATE))],
    state: State,
) -> Response:
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    files = [item for item in form.getlist("files") if isinstance(item, UploadFile)]
    files = [item for item in files if item.filename]

    def store() -> int:
        documents = read_documents(files, state.max_upload_bytes)
        with state.sessions() as session:
            return open_case(
                session,
                state,
                request_from_form(values),
                documents,
                user.name,
                expedited=values.get("expedited") == "on",
                received_at=received_from_form(values),
            )

    try:
        # Reading the uploads and storing them (with fsync) stays off the event loop.
        case_id = await run_in_threadpool(store)
    except InputError as error:
        return _new_form(request, user, state, values, str(error))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
