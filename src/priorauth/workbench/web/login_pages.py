"""Logging in and out.

The login form carries a one-time value that must match a cookie set with the form (there
is no session yet to hold a CSRF token), so another site cannot log a browser in.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from priorauth.workbench.api.auth import READ
from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.store.users import check_password
from priorauth.workbench.store.web_sessions import LIFETIME, SessionUser, end_session, start_session
from priorauth.workbench.web.render import html
from priorauth.workbench.web.session import COOKIE, action, same_secret

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "priorauth_login"
State = Annotated[AppState, Depends(app_state)]


def _safe_next(path: str) -> str:
    # Only this site's own pages: "//host" and "/\\host" would leave it.
    if path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return "/"


def _form(request: Request, next_path: str, error: str | None = None) -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    response = html(
        request,
        "login.html",
        None,
        status_code=401 if error else 200,
        nonce=nonce,
        next_path=_safe_next(next_path),
        error=error,
    )
    response.set_cookie(
        LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _form(request, next)


@router.post("/login")
def login(
    request: Request,
    state: State,
    name: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=1024)],
    nonce: Annotated[str, Form(max_length=64)],
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not same_secret(cookie, nonce):
        return _form(request, next_path, "The login form expired: please try again.")
    with state.sessions.begin() as session:
        user = check_password(session, name, password)
        if user is None:
            return _form(request, next_path, "Unknown name or wrong password.")
        token = start_session(session, user)
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.delete_cookie(LOGIN_COOKIE)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.post("/logout")
def logout(
    request: Request, state: State, _user: Annotated[SessionUser, Depends(action(READ))]
) -> Response:
    with state.sessions.begin() as session:
        end_session(session, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
