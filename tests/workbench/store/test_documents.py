"""Content-addressed documents: named by their sha256, private, written once."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store import documents
from priorauth.workbench.store.errors import CorruptDocumentError, NotFoundError
from priorauth.workbench.store.models import Document

PDF = b"%PDF-1.7\n% a chart packet\n"


def test_put_names_files_by_their_hash(data_dir: Path) -> None:
    sha = documents.put(PDF)
    assert sha == hashlib.sha256(PDF).hexdigest()
    path = data_dir / "documents" / sha[:2] / sha
    assert path.read_bytes() == PDF
    assert documents.path_for(sha) == path
    assert documents.open(sha) == PDF


def test_same_bytes_same_file_other_bytes_other_file(data_dir: Path) -> None:
    assert documents.put(PDF) == documents.put(bytes(PDF))
    other = documents.put(PDF + b" ")
    assert other != documents.put(PDF)
    stored = sorted(p.name for p in (data_dir / "documents").rglob("*") if p.is_file())
    assert stored == sorted([documents.put(PDF), other])


def test_files_are_private(data_dir: Path) -> None:
    sha = documents.put(PDF)
    path = documents.path_for(sha)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "documents").stat().st_mode) == 0o700


def test_stored_files_are_never_rewritten() -> None:
    sha = documents.put(PDF)
    path = documents.path_for(sha)
    before = path.stat()
    path.chmod(0o400)  # a rewrite would now fail loudly
    assert documents.put(PDF) == sha
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".incoming-")]


def test_open_checks_the_bytes_against_the_name() -> None:
    sha = documents.put(PDF)
    path = documents.path_for(sha)
    path.write_bytes(b"tampered")
    with pytest.raises(CorruptDocumentError):
        documents.open(sha)
    # put does not repair or overwrite: the file is left for inspection.
    documents.put(PDF)
    assert path.read_bytes() == b"tampered"


def test_open_refuses_unknown_and_malformed_names() -> None:
    with pytest.raises(NotFoundError):
        documents.open("0" * 64)
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63, ""):
        with pytest.raises(InputError):
            documents.open(bad)


def test_add_registers_one_row_per_content(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = documents.add(session, PDF)
        second = documents.add(session, PDF)
        assert first is second
    with sessions.begin() as session:
        documents.add(session, PDF)
        documents.add(session, b"another")
    with sessions() as session:
        rows = session.scalars(select(Document).order_by(Document.size)).all()
        assert [(row.sha256, row.size) for row in rows] == sorted(
            [
                (hashlib.sha256(PDF).hexdigest(), len(PDF)),
                (hashlib.sha256(b"another").hexdigest(), 7),
            ],
            key=lambda pair: pair[1],
        )
        assert all(row.stored_at.tzinfo is not None for row in rows)
