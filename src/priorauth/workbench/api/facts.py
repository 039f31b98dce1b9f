"""Fact routes: list a case's facts, confirm, edit, and add a reviewer's own.

Every change names the ``version`` it was based on (confirm may leave it out to mean "as it
is now"); a stale version is a 409 and nothing is saved, so two reviewers never silently
overwrite each other.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, status
from pydantic import BaseModel, ConfigDict

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FactStatus
from priorauth.workbench import evidence
from priorauth.workbench.api.auth import CaseId, DbSession, FactEditor, FactId, Reader
from priorauth.workbench.api.views import fact_json
from priorauth.workbench.store.cases import (
    add_reviewer_fact,
    case_facts,
    get_case,
    update_fact,
)
from priorauth.workbench.store.errors import NotFoundError

router = APIRouter(prefix="/api/cases/{case_id}/facts", tags=["facts"])

EDITABLE = frozenset({"value", "date", "context", "status"})
"""What a reviewer may change; evidence and source stay as extraction found them."""


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    changes: dict[str, Any]


def _current_version(session: DbSession, case_id: int, fact_id: str) -> int:
    for record in case_facts(session, case_id):
        if record.fact_id == fact_id:
            return record.version
    raise NotFoundError(f"no fact {fact_id!r} in case {case_id}")


@router.get("", response_model=None)
def list_facts(case_id: CaseId, _who: Reader, session: DbSession) -> list[dict[str, Any]]:
    get_case(session, case_id)
    return [fact_json(record) for record in case_facts(session, case_id)]


@router.post("/{fact_id}/confirm", response_model=None)
def confirm(
    case_id: CaseId,
    fact_id: FactId,
    who: FactEditor,
    session: DbSession,
    body: Annotated[Confirm | None, Body()] = None,
) -> dict[str, Any]:
    get_case(session, case_id)
    version = body.version if body is not None else None
    if version is None:
        version = _current_version(session, case_id, fact_id)
    record = update_fact(
        session, case_id, fact_id, version, {"status": FactStatus.CONFIRMED.value}, who.name
    )
    session.commit()
    return fact_json(record)


@router.patch("/{fact_id}", response_model=None)
def edit(
    case_id: CaseId, fact_id: FactId, body: Edit, who: FactEditor, session: DbSession
) -> dict[str, Any]:
    get_case(session, case_id)
    unknown = sorted(set(body.changes) - EDITABLE)
    if unknown:
        allowed = ", ".join(sorted(EDITABLE))
        raise InputError("facts", f"changes.{unknown[0]}", f"cannot be edited (only {allowed})")
    record = update_fact(session, case_id, fact_id, body.version, body.changes, who.name)
    session.commit()
    return fact_json(record)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=None)
def add(
    case_id: CaseId,
    fact: Annotated[dict[str, Any], Body(description="a fact (name, value, ...)")],
    who: FactEditor,
    session: DbSession,
) -> dict[str, Any]:
    """A reviewer's own fact: source ``reviewer``, confirmed as it is added. Each evidence
    item (``document``, ``page``, ``quote``) is looked up on the case's page; the fact counts
    (``grounded``) only when it has evidence and all of it is found."""
    items = fact.get("evidence") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InputError("facts", "evidence", "must be a list of {document, page, quote}")
    checked, found = evidence.cited(session, case_id, items)
    record = add_reviewer_fact(
        session, case_id, {**fact, "evidence": checked}, who.name, grounded=bool(checked) and found
    )
    session.commit()
    return fact_json(record)
