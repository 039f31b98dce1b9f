"""Who is at the browser: session cookies, roles on every page, CSRF on every change.

The cookie holds a random token (the store keeps its digest); it is HttpOnly and
SameSite=Strict. Every form and script write sends the session's CSRF token back, as the
``csrf`` field or the ``X-CSRF-Token`` header, and a write without the right one is refused
before anything is read or changed.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status

from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.store.models import Role
from priorauth.workbench.store.web_sessions import SessionUser, session_user

COOKIE = "priorauth_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):  # noqa: N818 - a redirect, not an error
    """No live session: the page answers with a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.location = f"/login?next={quote(next_path, safe='/')}"


def _next_path(request: Request) -> str:
    # Only the path: a query string may hold a member's name (the queue's search).
    return request.url.path if request.method == "GET" else "/"


def same_secret(sent: str, expected: str) -> bool:
    """A constant-time comparison that also takes what no token looks like (non-ASCII)."""
    return hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


def current_user(request: Request, state: Annotated[AppState, Depends(app_state)]) -> SessionUser:
    token = request.cookies.get(COOKIE, "")
    with state.sessions() as session:
        user = session_user(session, token)
    if user is None:
        raise LoginRequired(_next_path(request))
    return user


def _allowed(user: SessionUser, allowed: frozenset[Role]) -> SessionUser:
    if Role(user.role) not in allowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"the {user.role} role may not do this")
    return user


def page(allowed: frozenset[Role]) -> Callable[[SessionUser], SessionUser]:
    """A dependency for a page anyone in ``allowed`` may see (else 403, or to the login)."""

    def check(user: Annotated[SessionUser, Depends(current_user)]) -> SessionUser:
        return _allowed(user, allowed)

    return check


def action(allowed: frozenset[Role]) -> Callable[..., AsyncIterator[SessionUser]]:
    """A dependency for a change: a live session, a role in ``allowed``, the CSRF token.

    A form it reads is closed when the request is done, uploads included.
    """

    async def check(
        request: Request, user: Annotated[SessionUser, Depends(current_user)]
    ) -> AsyncIterator[SessionUser]:
        form = None
        try:
            sent = request.headers.get(CSRF_HEADER)
            if sent is None and "form" in request.headers.get("content-type", ""):
                form = await request.form()
                sent = str(form.get(CSRF_FIELD, ""))
            if not sent or not same_secret(sent, user.csrf_token):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "the form has expired (CSRF check): reload the page"
                )
            yield _allowed(user, allowed)
        finally:
            if form is not None:
                await form.close()

    return check
