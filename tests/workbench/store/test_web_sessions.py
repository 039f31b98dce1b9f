"""Browser sessions: tokens stored as digests, expiry, logout, audit without secrets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from priorauth.workbench.store import users, web_sessions
from priorauth.workbench.store.models import AuditEvent, Role, User, WebSession


@pytest.fixture
def user_id(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(users, "SCRYPT_N", 2**4)
    with sessions.begin() as session:
        return users.add_user(session, "rita", Role.REVIEWER, "pw", "admin").id


def _start(sessions: sessionmaker[Session], user_id: int, **kwargs: dt.timedelta) -> str:
    with sessions.begin() as session:
        user = session.get(User, user_id)
        assert user is not None
        return web_sessions.start_session(session, user, **kwargs)


def test_a_session_names_its_user_and_csrf_token(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    token = _start(sessions, user_id)
    with sessions() as session:
        who = web_sessions.session_user(session, token)
        stored = session.scalars(select(WebSession)).one()
    assert who is not None
    assert (who.name, who.role) == ("rita", "reviewer")
    assert who.csrf_token == stored.csrf_token
    assert len(who.csrf_token) >= 40
    assert stored.token_hash != token
    assert token not in stored.token_hash


def test_unknown_expired_and_ended_sessions_name_nobody(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    expired = _start(sessions, user_id, lifetime=dt.timedelta(seconds=-1))
    live = _start(sessions, user_id)
    with sessions() as session:
        assert web_sessions.session_user(session, expired) is None
        assert web_sessions.session_user(session, "") is None
        assert web_sessions.session_user(session, live + "x") is None
        # Starting the second session swept the expired one.
        assert session.scalars(select(WebSession)).all() != []
        assert len(session.scalars(select(WebSession)).all()) == 1
    with sessions.begin() as session:
        web_sessions.end_session(session, live)
        web_sessions.end_session(session, "never-issued")
    with sessions() as session:
        assert web_sessions.session_user(session, live) is None


def test_login_and_logout_are_audited_without_the_token(
    sessions: sessionmaker[Session], user_id: int
) -> None:
    token = _start(sessions, user_id)
    with sessions.begin() as session:
        web_sessions.end_session(session, token)
    with sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("user.login", "user.logout")))
        ).all()
    assert [(event.actor, event.action) for event in events] == [
        ("rita", "user.login"),
        ("rita", "user.logout"),
    ]
    for event in events:
        assert token not in f"{event.before_json}{event.after_json}"
