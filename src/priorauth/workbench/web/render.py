"""Templates, and the HTML answers every screen shares (errors, the login redirect)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

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


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return await http_exception_handler(request, error)
    return html(
        request,
        "error.html",
        None,
        status_code=error.status_code,
        code=error.status_code,
        detail=error.detail,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(StarletteHTTPException, _http_error)
