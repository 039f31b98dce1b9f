"""The case queue: cases with their clocks and assignees, filtered, searched, most urgent
first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from priorauth.workbench.store.models import Case, CaseStatus, User

UNASSIGNED = "-"
"""The ``assignee`` filter value for cases nobody has taken."""
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class QueueQuery:
    status: CaseStatus | None = None
    line_of_business: str | None = None
    assignee: str | None = None
    """A user's name, or :data:`UNASSIGNED`."""
    search: str = ""
    """Matched (case-insensitively, anywhere) in request id, member id and name, product."""
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    request_id: str
    member_name: str
    status: CaseStatus
    line_of_business: str
    product: str
    received_date: dt.date
    expedited: bool
    due_at: dt.datetime
    assignee: str | None
    version: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: QueueQuery, statement: Select[Any]) -> Select[Any]:
    if query.status is not None:
        statement = statement.where(Case.status == query.status)
    if query.line_of_business:
        statement = statement.where(Case.line_of_business == query.line_of_business)
    if query.assignee == UNASSIGNED:
        statement = statement.where(Case.assignee_id.is_(None))
    elif query.assignee:
        owner = select(User.id).where(User.name == query.assignee).scalar_subquery()
        statement = statement.where(Case.assignee_id == owner)
    for word in query.search.split():
        pattern = _like(word)
        columns = (Case.request_id, Case.member_id, Case.member_name, Case.product)
        statement = statement.where(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    return statement


def list_cases(session: Session, query: QueueQuery) -> tuple[list[QueueRow], int]:
    """One page of the queue and the number of cases matching in all.

    Open cases come first, soonest due first; decided cases follow.
    """
    total = session.scalar(_filtered(query, select(func.count(Case.id)))) or 0
    owner = aliased(User)
    decided_last = case((Case.status == CaseStatus.DECIDED, 1), else_=0)
    statement = (
        _filtered(query, select(Case, owner.name).outerjoin(owner, owner.id == Case.assignee_id))
        .order_by(decided_last, Case.due_at, Case.id)
        .limit(max(1, min(query.limit, MAX_PAGE)))
        .offset(max(0, query.offset))
    )
    rows = [
        QueueRow(
            id=row.id,
            request_id=row.request_id,
            member_name=row.member_name,
            status=row.status,
            line_of_business=row.line_of_business,
            product=row.product,
            received_date=row.received_date,
            expedited=row.expedited,
            due_at=row.due_at,
            assignee=name,
            version=row.version,
        )
        for row, name in session.execute(statement).tuples()
    ]
    return rows, total
