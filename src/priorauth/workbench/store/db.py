"""Where the data lives, engines, sessions, and applying the migrations.

``PRIORAUTH_DATA_DIR`` (default ``~/.local/share/priorauth``) holds the documents and, unless
``PRIORAUTH_DATABASE_URL`` names another database, the SQLite file ``priorauth.db``.
Migrations run programmatically (:func:`upgrade`) from the package's own ``migrations``
folder, so an installed wheel needs no ``alembic.ini``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DATA_DIR_ENV = "PRIORAUTH_DATA_DIR"
DATABASE_URL_ENV = "PRIORAUTH_DATABASE_URL"
_DEFAULT_DATA_DIR = Path("~/.local/share/priorauth")


def data_dir() -> Path:
    """The data directory, created (mode 0700) if missing."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    path = Path(configured).expanduser() if configured else _DEFAULT_DATA_DIR.expanduser()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``PRIORAUTH_DATABASE_URL``, else the SQLite file ``priorauth.db`` in :func:`data_dir`."""
    configured = os.environ.get(DATABASE_URL_ENV, "").strip()
    if configured:
        return configured
    return f"sqlite:///{data_dir() / 'priorauth.db'}"


def _unicode_lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:  # noqa: ARG001
    # SQLite's own lower() folds ASCII only: a search for "éva" would miss "Éva".
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        # Write-ahead logging: the screens' readers go on while the extraction worker or a
        # reviewer writes, instead of waiting on the database lock.
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def engine_for(url: str) -> Engine:
    """An engine for ``url``; SQLite connections enforce foreign keys.

    Connection settings travel in the URL, e.g. a PostgreSQL schema with
    ``?options=-csearch_path%3Dmyschema``.
    """
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(url: str | Engine) -> sessionmaker[Session]:
    """Sessions on ``url`` (or on an engine the caller owns and disposes)."""
    engine = engine_for(url) if isinstance(url, str) else url
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` using the packaged migrations (no ini file).

    The migrations folder must be a real directory, as it is in a source tree or an
    installed wheel (not inside a zip).
    """
    folder = resources.files("priorauth.workbench.store") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("path_separator", "os")
    # Config values are %-interpolated: URL escapes such as %3D must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations to ``url`` up to ``revision``."""
    config = alembic_config(url)
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
