"""The determination letter for a case's latest recorded decision."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from priorauth.adjudicate.inputs import parse_request
from priorauth.adjudicate.letters import Letter, draft_letter
from priorauth.adjudicate.policy import Policy
from priorauth.workbench.store.cases import decisions, get_case
from priorauth.workbench.store.errors import NotFoundError


def case_letter(session: Session, policy: Policy, case_id: int) -> Letter:
    """The letter drafted from the latest decision recorded on ``case_id``, dated the day
    it was recorded; NotFoundError when no decision is recorded yet."""
    case = get_case(session, case_id)
    recorded = decisions(session, case_id)
    if not recorded:
        raise NotFoundError(f"case {case_id} has no recorded decision yet")
    latest = recorded[0]
    return draft_letter(
        json.loads(latest.decision_json),
        parse_request(case.request_json, f"case {case_id} request"),
        policy,
        outcome=latest.outcome,
        comment=latest.comment or "",
        date=latest.recorded_at.date(),
    )
