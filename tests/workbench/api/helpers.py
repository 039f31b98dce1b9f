"""Requests the API tests share: the sample packet, headers, waiting for extraction."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "packets" / "ad-deny-low-potency"
"""Text PDFs only: no OCR, so extraction takes a fraction of a second."""


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def request_text() -> str:
    return (SAMPLE / "request.json").read_text(encoding="utf-8")


def packet_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", (path.name, path.read_bytes(), "application/pdf"))
        for path in sorted((SAMPLE / "packet").glob("*.pdf"))
    ]


def create(
    client: TestClient, token: str, request: str | None = None, *, expedited: bool = False
) -> Any:
    return client.post(
        "/api/cases",
        data={
            "request": request_text() if request is None else request,
            "expedited": str(expedited).lower(),
        },
        files=packet_files(),
        headers=auth(token),
    )


def wait_for(client: TestClient, token: str, case_id: int, timeout: float = 20.0) -> Any:
    """The case once it has left ``extracting``."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/api/cases/{case_id}", headers=auth(token))
        assert answer.status_code == 200, answer.text
        case = answer.json()
        if case["status"] != "extracting":
            return case
        assert time.monotonic() < deadline, f"case {case_id} still extracting after {timeout}s"
        time.sleep(0.05)
