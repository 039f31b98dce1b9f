"""Rows as the API's JSON objects."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from priorauth.workbench.api.extraction import failure_reason
from priorauth.workbench.store.models import (
    Case,
    CaseDocument,
    CaseStatus,
    Document,
    FactRecord,
)


def case_json(session: Session, case: Case) -> dict[str, Any]:
    request = json.loads(case.request_json)
    rows = session.execute(
        select(CaseDocument.name, CaseDocument.sha256, Document.size)
        .join(Document, Document.sha256 == CaseDocument.sha256)
        .where(CaseDocument.case_id == case.id)
        .order_by(CaseDocument.id)
    ).all()
    facts = session.scalar(
        select(func.count()).select_from(FactRecord).where(FactRecord.case_id == case.id)
    )
    out: dict[str, Any] = {
        "id": case.id,
        "status": case.status.value,
        "request_id": request["request_id"],
        "line_of_business": case.line_of_business,
        "product": case.product,
        "received_date": case.received_date.isoformat(),
        "due_at": case.due_at.isoformat(),
        "documents": [{"name": name, "sha256": sha, "size": size} for name, sha, size in rows],
        "facts": facts or 0,
        "version": case.version,
    }
    if case.status is CaseStatus.FAILED:
        out["error"] = failure_reason(session, case.id)
    return out


def fact_json(record: FactRecord) -> dict[str, Any]:
    """The fact as stored, with the ``version`` to send back when changing it."""
    return {
        **record.data,
        "version": record.version,
        "updated_at": record.updated_at.isoformat(),
        "updated_by": record.updated_by,
    }
