"""Templates, and the HTML answers every screen shares (errors, the login redirect)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from priorauth.workbench.api import errors
from priorauth.workbench.store.errors import NotFoundError
from priorauth.workbench.store.web_sessions import SessionUser
from priorauth.workbench.web.session import CSRF_FIELD, LoginRequired

TEMPLATES = Jinja2Templates(directory=str(resources.files("priorauth.workbench.web") / "templates"))


def due_in(due_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long until (or since) the review clock runs out: ``5 h 20 min``, ``overdue 2 h``."""
    now = now or dt.datetime.now(dt.UTC)
    seconds = int((due_at - now).total_seconds())
    minutes = abs(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    if not days:
        parts.append(f"{minutes} min")
    text = " ".join(parts)
    return f"overdue {text}" if seconds < 0 else text


TEMPLATES.env.filters["due_in"] = due_in
TEMPLATES.env.globals["csrf_field"] = CSRF_FIELD


def html(
    request: Request,
    template: str,
    user: SessionUser | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, {"user": user, **context}, status_code=status_code
    )


async def _login_required(_request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(error.location, status_code=303)


def _for_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error_page(request: Request, code: int, detail: str) -> HTMLResponse:
    return html(request, "error.html", None, status_code=code, code=code, detail=detail)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _for_api(request):
        return await http_exception_handler(request, error)
    return _error_page(request, error.status_code, error.detail)


async def _not_found(request: Request, error: Exception) -> Response:
    if _for_api(request):
        return errors.answer(status.HTTP_404_NOT_FOUND, str(error))
    return _error_page(request, status.HTTP_404_NOT_FOUND, str(error))


def install(app: FastAPI) -> None:
    """The screens' answers for a missing login, HTTP errors and anything not found (the
    API keeps its JSON ones); install after the API's own handlers."""
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(NotFoundError, _not_found)
