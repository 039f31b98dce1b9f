"""``priorauth db``, ``users`` and ``audit`` on the embedded SQLite store."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from priorauth.workbench.admin import ROLES
from priorauth.workbench.cli import main
from priorauth.workbench.store.models import Role


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRIORAUTH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PRIORAUTH_DATABASE_URL", raising=False)
    return tmp_path / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_cli_knows_the_stores_roles() -> None:
    assert set(ROLES) == {role.value for role in Role}


def test_users_tokens_and_the_audit_chain(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "db", "upgrade")
    assert status == 0
    assert "schema up to date" in out
    assert run(capsys, "users", "add", "ana", "--role", "pharmacist", "--password", "pw")[0] == 0
    status, out, _ = run(capsys, "users", "token", "ana")
    token = out.splitlines()[-1]
    assert status == 0
    assert len(token) >= 40
    status, _, err = run(capsys, "users", "add", "ana", "--role", "reviewer", "--password", "x")
    assert status == 2
    assert err == "priorauth: users: name: user 'ana' already exists\n"
    status, out, _ = run(capsys, "audit", "verify")
    assert status == 0
    first, second = out.splitlines()
    assert first == "audit: 2 records, chain intact"
    anchor = second.rsplit(" ", 1)[1]
    assert re.fullmatch(r"2:[0-9a-f]{64}", anchor)
    assert run(capsys, "audit", "verify", "--anchor", anchor)[0] == 0
    status, _, err = run(capsys, "audit", "verify", "--anchor", "2:abc")
    assert (status, err) == (
        2,
        "priorauth: --anchor: '2:abc' is not RECORD:SHA256 as verify printed it\n",
    )

    with sqlite3.connect(data_dir / "priorauth.db") as connection:
        # Removing the newest record leaves a valid, shorter chain: only the anchor tells.
        connection.execute("DELETE FROM audit_events WHERE id = 2")
    status, out, _ = run(capsys, "audit", "verify")
    assert (status, out.splitlines()[0]) == (0, "audit: 1 records, chain intact")
    status, out, _ = run(capsys, "audit", "verify", "--anchor", anchor)
    assert status == 1
    assert out.startswith("audit: record 2 no longer has the anchored hash")

    with sqlite3.connect(data_dir / "priorauth.db") as connection:
        connection.execute("UPDATE audit_events SET actor = 'someone else' WHERE id = 1")
    status, out, _ = run(capsys, "audit", "verify")
    assert (status, out) == (1, "audit: chain broken at record 1 (of 1)\n")
    # the token is stored only as its digest
    assert token.encode() not in (data_dir / "priorauth.db").read_bytes()
