"""Content-addressed document storage: ``<data_dir>/documents/ab/<sha256>``.

A file is named by the sha256 of its bytes (``ab`` being the hash's first two characters),
written once with mode 0600 and never modified: storing bytes that are already there does
nothing. Files appear whole (written to a temporary name, then linked into place), so a
reader never sees a partial document. The ``documents`` table records each stored file.

Files written for a transaction that is rolled back stay on disk unreferenced; they are
harmless (the same bytes reuse them) and a sweep can remove files no row names.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store.db import data_dir
from priorauth.workbench.store.errors import CorruptDocumentError, NotFoundError
from priorauth.workbench.store.models import Document, utcnow

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def root() -> Path:
    """The documents folder under :func:`~priorauth.workbench.store.db.data_dir`."""
    folder = data_dir() / "documents"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def path_for(sha: str, base: Path | None = None) -> Path:
    """Where the document ``sha`` is (or would be) stored."""
    if not _SHA256.match(sha):
        raise InputError("documents", "sha256", f"{sha!r} is not a lowercase sha256 hex digest")
    return (base or root()) / sha[:2] / sha


def put(data: bytes, base: Path | None = None) -> str:
    """Store ``data`` (if not already stored) and return its sha256."""
    sha = hashlib.sha256(data).hexdigest()
    target = path_for(sha, base)
    if target.exists():
        return sha
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # A hard link never replaces an existing file (unlike a rename); if the file appeared
        # meanwhile, someone else stored the same bytes.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return sha


def open(sha: str, base: Path | None = None) -> bytes:
    """The bytes of document ``sha``, checked against their hash."""
    target = path_for(sha, base)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"document {sha} is not stored") from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise CorruptDocumentError(f"document {sha} no longer matches its hash")
    return data


def add(session: Session, data: bytes, base: Path | None = None) -> Document:
    """Store ``data`` and its ``documents`` row (both idempotent); return the row."""
    sha = put(data, base)
    row = session.get(Document, sha)
    if row is not None:
        return row
    values = {"sha256": sha, "size": len(data), "stored_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(Document).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(Document).values(values).on_conflict_do_nothing())
    else:
        session.execute(insert(Document).values(values))
    stored = session.get(Document, sha)
    if stored is None:  # pragma: no cover - the insert above guarantees the row
        raise NotFoundError(f"document {sha} was not recorded")
    return stored


_verified: set[Path] = set()


def verified_path(sha: str, base: Path | None = None) -> Path:
    """The stored file of document ``sha``, for readers that want a path (page images).

    Its hash is checked the first time this process asks: stored files are never modified,
    so checking every page view would only re-read the whole document each time.
    """
    target = path_for(sha, base)
    if target not in _verified:
        open(sha, base)
        _verified.add(target)
    return target
