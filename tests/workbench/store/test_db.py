"""Paths, URLs and migrations: the schema Alembic creates is the models' schema."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from priorauth.workbench.store import db
from priorauth.workbench.store.db import alembic_config, engine_for, upgrade
from priorauth.workbench.store.models import Base

TABLES = {
    "users",
    "cases",
    "documents",
    "case_documents",
    "extraction_runs",
    "fact_records",
    "decision_records",
    "audit_events",
    "web_sessions",
}


def test_data_dir_comes_from_the_environment_and_is_private(data_dir: Path) -> None:
    assert not data_dir.exists()
    assert db.data_dir() == data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_data_dir_defaults_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PRIORAUTH_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert db.data_dir() == tmp_path / ".local/share/priorauth"


def test_database_url_defaults_to_sqlite_in_the_data_dir(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert db.database_url() == f"sqlite:///{data_dir / 'priorauth.db'}"
    monkeypatch.setenv("PRIORAUTH_DATABASE_URL", "postgresql+psycopg://db/priorauth")
    assert db.database_url() == "postgresql+psycopg://db/priorauth"


def test_migrations_create_exactly_the_tables(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) == {*TABLES, "alembic_version"}
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert versions.all() == ["0002"]


def test_0002_copies_the_queue_columns_out_of_existing_requests(database_url: str) -> None:
    upgrade(database_url, "0001")
    engine = engine_for(database_url)
    request = {"request_id": "PA-7", "member": {"id": "M-1", "name": "Dana Whitfield"}}
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO cases (id, request_json, status, line_of_business, product,"
                    " received_date, due_at, created_at, version) VALUES (1, :request,"
                    " 'ready', 'medicaid', 'Jakafi', '2026-03-16', :when, :when, 1)"
                ),
                {"request": json.dumps(request), "when": dt.datetime(2026, 3, 16, 9)},
            )
        upgrade(database_url)
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT request_id, member_id, member_name, expedited FROM cases")
            ).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("PA-7", "M-1", "Dana Whitfield", False)


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_changes_nothing(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    assert set(inspect(engine).get_table_names()) == {*TABLES, "alembic_version"}


def test_downgrade_removes_every_table(database_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config(database_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def test_enumerations_are_checked_by_the_database(engine: Engine) -> None:
    insert = text(
        "INSERT INTO users (name, password_hash, role, created_at) "
        "VALUES ('eve', 'x', 'superuser', CURRENT_TIMESTAMP)"
    )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert)


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    insert = text("INSERT INTO case_documents (case_id, sha256, name) VALUES (999, 'abc', 'x')")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert)


def test_sqlite_readers_go_on_while_a_writer_holds_its_transaction(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    upgrade(url)
    engine = engine_for(url)
    reader = create_engine(url, connect_args={"timeout": 0.1})
    writer = engine.connect()
    try:
        assert writer.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        # The strongest lock a writer takes: without write-ahead logging it shuts readers out.
        writer.execute(text("BEGIN EXCLUSIVE"))
        writer.execute(
            text("INSERT INTO documents (sha256, size, stored_at) VALUES ('a', 1, '2026-01-01')")
        )
        with reader.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM documents")).scalar() == 0
    finally:
        writer.rollback()
        writer.close()
        reader.dispose()
        engine.dispose()
