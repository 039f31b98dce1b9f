"""Fixtures: every storage test runs on SQLite (a temporary file) and on PostgreSQL.

PostgreSQL tests each get a fresh schema ``t_<uuid>`` (selected with ``search_path`` in the
URL), dropped afterwards. The server is ``PRIORAUTH_TEST_POSTGRES_URL`` (default: the local
``test`` database with trust auth, which ``scripts/test`` starts); when it is unreachable
those tests fail: the production store is tested for real or not at all.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from priorauth.workbench.store.db import engine_for, session_factory, upgrade

POSTGRES_URL = os.environ.get(
    "PRIORAUTH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("PRIORAUTH_DATA_DIR", str(folder))
    monkeypatch.delenv("PRIORAUTH_DATABASE_URL", raising=False)
    return folder


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        engine.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error.orig}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"t_{uuid.uuid4().hex}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory on a freshly migrated database."""
    return session_factory(engine)
