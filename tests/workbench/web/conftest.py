"""Fixtures for the screens: the app on a fresh database (SQLite and PostgreSQL), a user of
every role, and a logged-in test client per role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from priorauth.workbench.store import users
from priorauth.workbench.store.db import engine_for, session_factory
from priorauth.workbench.store.models import Role
from tests.workbench.api.conftest import client, extractor, tokens
from tests.workbench.api.helpers import auth, create, wait_for
from tests.workbench.store.conftest import data_dir, database_url, postgres_admin

__all__ = ["client", "data_dir", "database_url", "extractor", "postgres_admin", "tokens"]

PASSWORD = "correct horse"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def add_users(database_url: str) -> None:
    engine = engine_for(database_url)
    try:
        with session_factory(engine).begin() as session:
            for role in Role:
                users.add_user(session, f"{role.value}-web", role, PASSWORD, "admin")
    finally:
        engine.dispose()


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log ``client`` in as ``name``; the session's CSRF token."""
    nonce = _NONCE.search(client.get("/login").text)
    assert nonce is not None
    answer = client.post(
        "/login", data={"name": name, "password": password, "nonce": nonce.group(1)}
    )
    assert answer.status_code == 200, answer.text
    csrf = _CSRF.search(answer.text)
    assert csrf is not None, "not logged in"
    return csrf.group(1)


@pytest.fixture
def web_users(
    client: TestClient,  # noqa: ARG001 - the app's startup migrates the database
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(users, "SCRYPT_N", 2**4)
    add_users(database_url)


@pytest.fixture
def browser_for(
    client: TestClient,
    web_users: None,  # noqa: ARG001 - the users log in
) -> Iterator[Callable[[Role], tuple[TestClient, str]]]:
    """A logged-in client (with its CSRF token) for a role; all share the app."""
    opened: list[TestClient] = []

    def open_as(role: Role) -> tuple[TestClient, str]:
        session = TestClient(client.app, follow_redirects=True)
        opened.append(session)
        return session, log_in(session, f"{role.value}-web")

    yield open_as
    for session in opened:
        session.close()


@pytest.fixture
def ready_case(client: TestClient, tokens: dict[Role, str]) -> dict[str, Any]:
    """A case whose sample packet has been read: its id, first fact id and version."""
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    case = wait_for(client, tokens[Role.INTAKE], case_id)
    fact = client.get(f"/api/cases/{case_id}/facts", headers=auth(tokens[Role.INTAKE])).json()[0]
    return {"case": case_id, "fact": fact["id"], "version": case["version"]}
