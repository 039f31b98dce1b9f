"""Fixtures: an app on a fresh database (SQLite and PostgreSQL, as the store tests do),
users of every role with their tokens, and one rules extractor shared by all tests (spaCy
takes seconds to load)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from priorauth.adjudicate import Policy, bundled_policy
from priorauth.extract.pipeline import Extractor, Mode
from priorauth.workbench.api.app import create_app
from priorauth.workbench.store import users
from priorauth.workbench.store.db import engine_for, session_factory
from priorauth.workbench.store.models import Role
from tests.workbench.store.conftest import data_dir, database_url, postgres_admin

__all__ = ["data_dir", "database_url", "postgres_admin"]


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor(bundled_policy(), Mode.RULES)


@pytest.fixture
def client(database_url: str, extractor: Extractor) -> Iterator[TestClient]:
    def shared(_policy: Policy) -> Extractor:
        return extractor

    # The context manager runs the app's lifespan: migrations on start, and on exit it
    # waits for a running extraction before the test's schema is dropped.
    with TestClient(create_app(database_url, make_extractor=shared)) as test_client:
        yield test_client


@pytest.fixture
def tokens(
    client: TestClient,  # noqa: ARG001 - the app's startup migrates the database
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[Role, str]:
    """A bearer token for a user of each role."""
    monkeypatch.setattr(users, "SCRYPT_N", 2**4)  # the tests are not about password cost
    engine = engine_for(database_url)
    sessions = session_factory(engine)
    try:
        with sessions.begin() as session:
            issued = {}
            for role in Role:
                users.add_user(session, f"{role.value}-user", role, "secret", "admin")
                issued[role] = users.issue_token(session, f"{role.value}-user", "admin")
    finally:
        engine.dispose()
    return issued
