"""Policy case files: facts in, the decision and item statuses out.

A case file (``policies/<id>/cases/*.yaml``) holds a ``base_request`` and ``cases``; each case
overrides parts of the request, lists its facts, and states what it expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from priorauth.adjudicate import Engine, FactSet, Policy, Request
from priorauth.adjudicate.engine import Decision, status_of

CASES_DIR = Path(__file__).parents[2] / "src/priorauth/adjudicate/policies/CP.PHAR.98/cases"


def merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value)
        return merged
    return override


@dataclass(frozen=True)
class PolicyCase:
    file: str
    name: str
    request: Request
    facts: FactSet
    settings: dict[str, Any]
    expect: dict[str, Any]

    @property
    def test_id(self) -> str:
        return f"{self.file}::{self.name}"

    def decide(self, policy: Policy) -> Decision:
        settings = policy.settings.model_copy(update=self.settings)
        return Engine(policy, settings).decide(self.request, self.facts.facts)


def load_cases(folder: Path = CASES_DIR) -> list[PolicyCase]:
    cases: list[PolicyCase] = []
    for path in sorted(folder.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        base = document.get("base_request", {})
        for raw in document["cases"]:
            request = Request.model_validate(merge(base, raw.get("request", {})))
            facts = FactSet.model_validate({"facts": raw.get("facts", [])})
            cases.append(
                PolicyCase(
                    path.name, raw["name"], request, facts, raw.get("settings", {}), raw["expect"]
                )
            )
    return cases


def mismatches(case: PolicyCase, decision: Decision) -> list[str]:
    """What the decision got differently from what the case expects."""
    expect = case.expect
    found: list[str] = []
    for key in ("decision", "criteria_set"):
        if key in expect:
            got = decision.decision if key == "decision" else decision.criteria_set.id
            if got != expect[key]:
                found.append(f"{key}: expected {expect[key]}, got {got}")
    if "approval" in expect:
        approval = decision.approval
        got_approval = (
            None
            if approval is None
            else {"duration_value": approval.value, "duration_unit": approval.unit}
        )
        if got_approval != expect["approval"]:
            found.append(f"approval: expected {expect['approval']}, got {got_approval}")
    if "refer_to" in expect and list(decision.refer_to) != expect["refer_to"]:
        found.append(f"refer_to: expected {expect['refer_to']}, got {list(decision.refer_to)}")
    for item_id, status in expect.get("status", {}).items():
        got_status = status_of(decision, item_id).value
        if got_status != status:
            found.append(f"{item_id}: expected {status}, got {got_status}")
    return found
