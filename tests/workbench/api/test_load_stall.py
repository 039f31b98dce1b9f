"""Many readers at once on a small connection pool: every request is answered.

Found by the load benchmark: with FastAPI validating each route's returned value in a worker
thread after the route returned (while the request still held its pooled connection), more
requests in flight than threads plus connections left every thread waiting for a connection
and every connection waiting for a thread, until the pool's timeout turned them into 500s.
Here the pool has one connection, so a few dozen readers are enough to show it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sqlalchemy

from priorauth.adjudicate import Policy
from priorauth.extract.pipeline import Extractor
from priorauth.workbench.api.app import create_app
from priorauth.workbench.store import db, users
from priorauth.workbench.store.models import Role
from tests.workbench.api.helpers import auth, packet_files, request_text
from tests.workbench.web.server import serving

READERS = 60


def test_sixty_readers_on_one_connection(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, extractor: Extractor
) -> None:
    def one_connection(url: str, **options: Any) -> sqlalchemy.Engine:
        return sqlalchemy.create_engine(url, pool_size=1, max_overflow=0, pool_timeout=5, **options)

    monkeypatch.setattr(db, "create_engine", one_connection)
    monkeypatch.setattr(users, "SCRYPT_N", 2**4)

    def shared(_policy: Policy) -> Extractor:
        return extractor

    url = f"sqlite:///{tmp_path / 'stall.db'}"
    with serving(create_app(url, make_extractor=shared)) as base:
        with db.session_factory(url).begin() as session:
            users.add_user(session, "rita", Role.REVIEWER, "pw", "admin")
            token = users.issue_token(session, "rita", "admin")
        with httpx.Client(base_url=base, headers=auth(token), timeout=30) as client:
            case_id = client.post(
                "/api/cases", data={"request": request_text()}, files=packet_files()
            ).json()["id"]

            def read(index: int) -> int:
                path = f"/api/cases/{case_id}" + ("/facts" if index % 2 else "")
                return client.get(path).status_code

            with ThreadPoolExecutor(READERS) as pool:
                statuses = list(pool.map(read, range(READERS * 2)))
    assert statuses == [200] * (READERS * 2)
