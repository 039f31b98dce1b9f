"""A decision as CONTRACT.md's JSON object (extended, never broken) and as a text table."""

from __future__ import annotations

import json
import textwrap
from fractions import Fraction
from typing import Any

from priorauth.adjudicate.engine import Decision
from priorauth.adjudicate.facts import FactBase
from priorauth.adjudicate.trace import NOT_MET, UNKNOWN, Result


def _number(value: Fraction | None) -> float | int | None:
    if value is None:
        return None
    if value.denominator == 1:
        return value.numerator
    return round(float(value), 4)


def _evidence(facts: tuple[FactBase, ...]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, int, int, str], dict[str, Any]] = {}
    for fact in facts:
        for evidence in fact.evidence:
            row: dict[str, Any] = {
                "document": evidence.document,
                "page": evidence.page,
                "quote": evidence.quote,
                "fact": fact.id,
            }
            if evidence.char_start is not None:
                row["char_start"] = evidence.char_start
                row["char_end"] = evidence.char_end
            if evidence.bbox is not None:
                row["bbox"] = evidence.bbox.model_dump()
            key = (evidence.document, evidence.page, evidence.char_start or 0, evidence.quote)
            rows.setdefault(key, row)
    return [rows[key] for key in sorted(rows)]


def _result(result: Result) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": result.id,
        "status": result.status.value,
        "reason": result.reason,
        "evidence": _evidence(result.facts),
        "text": result.text,
        "facts": [fact.id for fact in result.facts],
    }
    if result.children:
        row["children"] = [_result(child) for child in result.children]
    return row


def summary(decision: Decision) -> str:
    """One sentence a pharmacist can read aloud."""
    label = decision.criteria_set.id
    if decision.decision == "approve" and decision.approval is not None:
        approval = decision.approval
        return f"Approve under {label} for {approval.value} {approval.unit}."
    if decision.decision == "approve":
        return f"Approve under {label}."
    if decision.decision == "refer":
        targets = ", ".join(decision.refer_to)
        return f"Refer: {label} {decision.criteria_set.title}; review under {targets}."
    wanted = NOT_MET if decision.decision == "deny" else UNKNOWN
    items = ", ".join(r.id for r in decision.results if r.status is wanted)
    if decision.decision == "deny":
        return f"Deny: {items} not met."
    return f"Pend: documentation needed for {items}."


def to_json(decision: Decision) -> dict[str, Any]:
    """CONTRACT.md's decision object, with the trace and derived quantities added."""
    request = decision.request
    out: dict[str, Any] = {
        "decision": decision.decision,
        "policy": decision.policy.id,
        "policy_version": decision.policy.version,
        "request_id": request.request_id,
        "criteria_set": decision.criteria_set.id,
        "criteria_set_title": decision.criteria_set.title,
        "summary": summary(decision),
        "routing": {"condition": decision.routing.condition, "reason": decision.routing.reason},
        "criteria": [_result(result) for result in decision.results],
        "approval": None
        if decision.approval is None
        else {"duration_value": decision.approval.value, "duration_unit": decision.approval.unit},
        "derived": {
            "age_years": request.age_years,
            "tablets_per_day": _number(request.tablets_per_day),
            "mg_per_day": _number(request.mg_per_day),
            "grams_per_7_days": _number(request.grams_per(7)),
            "grams_per_14_days": _number(request.grams_per(14)),
        },
        "ignored_facts": [
            {
                "id": fact.id,
                "reason": "not grounded" if not fact.grounded else "rejected by a reviewer",
            }
            for fact in decision.ignored
        ],
    }
    if decision.decision == "refer":
        out["refer_to"] = list(decision.refer_to)
    return out


def to_json_text(decision: Decision) -> str:
    """Deterministic JSON text: same inputs, same bytes."""
    return json.dumps(to_json(decision), indent=2, ensure_ascii=False) + "\n"


_MARK = {"met": "met", "not_met": "NOT MET", "unknown": "unknown", "not_applicable": "n/a"}


def to_table(decision: Decision, width: int = 100) -> str:
    """A readable table: one row per item (nested items indented), then the decision."""
    lines = [
        (
            f"{decision.policy.id} v{decision.policy.version} - {decision.criteria_set.id} "
            f"{decision.criteria_set.title}"
        ),
        decision.routing.reason,
        "",
    ]

    def row(result: Result, depth: int) -> None:
        label = "  " * depth + result.id
        chunks = textwrap.wrap(result.reason, max(30, width - 31)) or [""]
        lines.append(f"{label:<20} {_MARK[result.status.value]:<8}  {chunks[0]}")
        lines.extend(f"{'':<20} {'':<8}  {chunk}" for chunk in chunks[1:])
        for child in result.children:
            row(child, depth + 1)

    for result in decision.results:
        row(result, 0)
    lines += ["", f"Decision: {decision.decision.upper()} - {summary(decision)}"]
    return "\n".join(lines) + "\n"
