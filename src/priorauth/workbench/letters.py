"""Determination letters: drafted when a decision is recorded, kept with it as sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from priorauth.adjudicate.inputs import parse_request
from priorauth.adjudicate.letters import draft_letter, render_text
from priorauth.adjudicate.policy import Policy
from priorauth.workbench.store.cases import decisions, get_case
from priorauth.workbench.store.errors import NotFoundError
from priorauth.workbench.store.models import Case, DecisionRecord


def draft_for_case(
    case: Case,
    policy: Policy,
    decision: Mapping[str, Any],
    outcome: str,
    comment: str,
    day: dt.date,
) -> tuple[str, str]:
    """The letter (kind, text) for ``outcome`` recorded on ``decision`` (CONTRACT.md's object)
    for ``case``, dated ``day``."""
    letter = draft_letter(
        decision,
        parse_request(case.request_json, f"case {case.id} request"),
        policy,
        outcome=outcome,
        comment=comment,
        date=day,
    )
    return letter.kind, render_text(letter)


def latest_letter(session: Session, case_id: int) -> DecisionRecord:
    """The latest recorded decision of ``case_id`` with its letter; NotFoundError before one
    (or for no such case)."""
    get_case(session, case_id)
    for record in decisions(session, case_id):
        if record.letter_text is not None:
            return record
    raise NotFoundError(f"case {case_id} has no recorded decision yet")
