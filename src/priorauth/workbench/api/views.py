"""Rows as the API's JSON objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from priorauth.workbench.store.models import (
    Case,
    CaseDocument,
    CaseStatus,
    Document,
    FactRecord,
    User,
)
from priorauth.workbench.store.queue import QueueRow


def case_json(session: Session, case: Case) -> dict[str, Any]:
    rows = session.execute(
        select(CaseDocument.name, CaseDocument.sha256, Document.size)
        .join(Document, Document.sha256 == CaseDocument.sha256)
        .where(CaseDocument.case_id == case.id)
        .order_by(CaseDocument.id)
    ).all()
    assignee = None if case.assignee_id is None else session.get(User, case.assignee_id)
    facts = session.scalar(
        select(func.count()).select_from(FactRecord).where(FactRecord.case_id == case.id)
    )
    out: dict[str, Any] = {
        "id": case.id,
        "status": case.status.value,
        "request_id": case.request_id,
        "line_of_business": case.line_of_business,
        "product": case.product,
        "received_date": case.received_date.isoformat(),
        "expedited": case.expedited,
        "due_at": case.due_at.isoformat(),
        "documents": [{"name": name, "sha256": sha, "size": size} for name, sha, size in rows],
        "assignee": None if assignee is None else assignee.name,
        "facts": facts or 0,
        "version": case.version,
    }
    if case.status is CaseStatus.FAILED:
        out["error"] = case.failure_reason
    return out


def fact_json(record: FactRecord) -> dict[str, Any]:
    """The fact as stored, with the ``version`` to send back when changing it."""
    return {
        **record.data,
        "version": record.version,
        "updated_at": record.updated_at.isoformat(),
        "updated_by": record.updated_by,
    }


def queue_row_json(row: QueueRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "request_id": row.request_id,
        "member_name": row.member_name,
        "status": row.status.value,
        "line_of_business": row.line_of_business,
        "product": row.product,
        "received_date": row.received_date.isoformat(),
        "expedited": row.expedited,
        "due_at": row.due_at.isoformat(),
        "assignee": row.assignee,
        "version": row.version,
    }
