"""Browser sessions: a random cookie token (only its sha256 stored) and a CSRF token.

A session lasts one working shift and ends at logout; logging in and out is audited, never
with a token in the record.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from priorauth.workbench.store import audit
from priorauth.workbench.store.models import User, WebSession, utcnow
from priorauth.workbench.store.users import token_digest

LIFETIME = dt.timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a live session belongs to, detached from the database session."""

    name: str
    role: str
    csrf_token: str


def start_session(session: Session, user: User, lifetime: dt.timedelta = LIFETIME) -> str:
    """A new browser session for ``user``; returns the cookie token (shown only now).

    Expired sessions are swept here, so the table only holds live ones.
    """
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    audit.record(session, user.name, "user.login", "user", user.id, None, {"session": "web"})
    return token


def session_user(session: Session, token: str) -> SessionUser | None:
    """The user of the live session with cookie ``token``, else None."""
    if not token:
        return None
    row = session.execute(
        select(User.name, User.role, WebSession.csrf_token)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_digest(token), WebSession.expires_at > utcnow())
    ).one_or_none()
    if row is None:
        return None
    name, role, csrf = row
    return SessionUser(name, role.value, csrf)


def end_session(session: Session, token: str) -> None:
    """Log out: the session stops working at once (audited when it existed)."""
    row = session.scalars(
        select(WebSession).where(WebSession.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        return
    user = session.get(User, row.user_id)
    session.delete(row)
    session.flush()
    if user is not None:
        audit.record(session, user.name, "user.logout", "user", user.id, {"session": "web"}, None)
