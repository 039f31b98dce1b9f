"""Users: scrypt hashes, roles, tokens (only their sha256 stored), all audited."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store import audit
from priorauth.workbench.store.errors import NotFoundError
from priorauth.workbench.store.models import AuditEvent, Role, User
from priorauth.workbench.store.users import (
    add_user,
    check_password,
    issue_token,
    password_matches,
    revoke_token,
    user_for_token,
)

HASH = re.compile(r"^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$")


def test_add_user_stores_an_scrypt_hash(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "rita", "reviewer", "correct horse", "admin")
    with sessions() as session:
        user = session.scalars(select(User).where(User.name == "rita")).one()
        assert user.role is Role.REVIEWER
        assert HASH.match(user.password_hash)
        assert "correct horse" not in user.password_hash
        assert user.token_hash is None
        assert user.created_at.tzinfo is not None


def test_salts_differ_for_the_same_password(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = add_user(session, "a", "intake", "same", "admin").password_hash
        second = add_user(session, "b", "intake", "same", "admin").password_hash
    assert first.split("$")[4] != second.split("$")[4]
    assert first.split("$")[5] != second.split("$")[5]


def test_check_password(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "pat", Role.PHARMACIST, "s3cret", "admin")
    with sessions() as session:
        user = check_password(session, "pat", "s3cret")
        assert user is not None
        assert user.name == "pat"
        assert check_password(session, "pat", "s3cret ") is None
        assert check_password(session, "pat", "") is None
        assert check_password(session, "nobody", "s3cret") is None


def test_malformed_stored_hashes_never_match() -> None:
    assert not password_matches("", "x")
    assert not password_matches("bcrypt$16384$8$1$00$00", "x")
    assert not password_matches("scrypt$1$8$1$00$00", "x")
    assert not password_matches("scrypt$16384$8$1$zz$00", "x")
    assert not password_matches("scrypt$16384$8$1$00$", "x")


@pytest.mark.parametrize(
    ("name", "role", "password", "field"),
    [
        ("", "reviewer", "pw", "name"),
        (" rita", "reviewer", "pw", "name"),
        ("rita", "superuser", "pw", "role"),
        ("rita", "Reviewer", "pw", "role"),
        ("rita", "reviewer", "", "password"),
    ],
)
def test_invalid_users_are_refused(
    sessions: sessionmaker[Session], name: str, role: str, password: str, field: str
) -> None:
    with sessions() as session:
        with pytest.raises(InputError) as raised:
            add_user(session, name, role, password, "admin")
        assert raised.value.field == field
        assert session.scalars(select(User)).all() == []


def test_duplicate_names_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "rita", "reviewer", "pw", "admin")
    with sessions() as session:
        with pytest.raises(InputError, match="already exists"):
            add_user(session, "rita", "admin", "other", "admin")
        assert session.scalars(select(User.role)).all() == [Role.REVIEWER]


def test_tokens_issue_look_up_and_replace(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add_user(session, "rita", "reviewer", "pw", "admin")
        add_user(session, "ian", "intake", "pw", "admin")
        first = issue_token(session, "rita", "rita")
    with sessions() as session:
        user = user_for_token(session, first)
        assert user is not None
        assert user.name == "rita"
        assert user.token_hash == hashlib.sha256(first.encode()).hexdigest()
        assert user_for_token(session, "not-a-token") is None
        assert user_for_token(session, "") is None
    with sessions.begin() as session:
        second = issue_token(session, "rita", "rita")
    assert second != first
    assert len(second) >= 43
    with sessions() as session:
        assert user_for_token(session, first) is None
        again = user_for_token(session, second)
        assert again is not None
        assert again.name == "rita"
    with sessions.begin() as session:
        revoke_token(session, "rita", "rita")
    with sessions() as session:
        assert user_for_token(session, second) is None


def test_tokens_for_unknown_users(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(NotFoundError):
        issue_token(session, "ghost", "admin")


def test_changes_are_audited_without_secrets(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        user = add_user(session, "rita", "reviewer", "hunter22", "admin")
        token = issue_token(session, "rita", "rita")
        password_hash = user.password_hash
    with sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.actor, e.action, e.entity, e.entity_id) for e in events] == [
            ("admin", "user.add", "user", str(user.id)),
            ("rita", "user.issue_token", "user", str(user.id)),
        ]
        assert events[0].before_json is None
        assert events[1].before_json == '{"has_token":false,"name":"rita","role":"reviewer"}'
        assert events[1].after_json == '{"has_token":true,"name":"rita","role":"reviewer"}'
        stored = " ".join(f"{e.before_json} {e.after_json}" for e in events)
        for secret in (
            "hunter22",
            password_hash,
            token,
            hashlib.sha256(token.encode()).hexdigest(),
        ):
            assert secret not in stored
        assert audit.verify(session) is None
