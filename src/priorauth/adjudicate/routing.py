"""Which criteria set evaluates a request: the section whose heading names its diagnosis."""

from __future__ import annotations

from typing import NamedTuple

from priorauth.adjudicate.facts import Diagnosis, FactBase
from priorauth.adjudicate.policy import CriteriaSet, Policy
from priorauth.adjudicate.predicates.base import word_match
from priorauth.adjudicate.request import Request, RequestDiagnosis


class Routing(NamedTuple):
    set_id: str
    condition: str | None
    """The covered condition that chose the set; None when the "other" set applies."""
    reason: str


def _code(text: str) -> str:
    return text.replace(".", "").replace(" ", "").upper()


def classify(policy: Policy, diagnosis: RequestDiagnosis) -> tuple[str | None, str | None]:
    """The (condition, subtype) a request diagnosis names, by ICD-10 code, then by words."""
    condition = None
    code = _code(diagnosis.icd10)
    if code:
        best = 0
        for name, spec in policy.conditions.items():
            for prefix in spec.icd10:
                if code.startswith(prefix) and len(prefix) > best:
                    condition, best = name, len(prefix)
    text = diagnosis.description
    if condition is None and text:
        best = 0
        for name, spec in policy.conditions.items():
            for phrase in spec.synonyms:
                if len(phrase) > best and word_match(phrase, text):
                    condition, best = name, len(phrase)
    subtype = None
    if condition is not None and text:
        phrases = sorted(
            ((p, s) for s, ps in policy.conditions[condition].subtype_synonyms.items() for p in ps),
            key=lambda pair: -len(pair[0]),
        )
        subtype = next((s for p, s in phrases if word_match(p, text)), None)
    return condition, subtype


def _covering(policy: Policy, section: str, condition: str) -> CriteriaSet | None:
    for criteria_set in policy.sets:
        if criteria_set.section == section and condition in criteria_set.covers:
            return criteria_set
    return None


def _other(policy: Policy, section: str) -> CriteriaSet:
    return next(s for s in policy.sets if s.section == section and s.must == "one")


def route(
    policy: Policy,
    request: Request,
    diagnoses: tuple[FactBase, ...],
    memo: dict[RequestDiagnosis, tuple[str | None, str | None]] | None = None,
) -> Routing:
    """Route by the request's first diagnosis that a heading covers.

    A subtype no heading covers (segmental vitiligo) sends the request to the "other" set,
    whether the request names it or every chart diagnosis of that condition does.
    """
    memo = {} if memo is None else memo
    section = "initial" if request.request_type == "initial" else "continuation"
    named: list[str] = []
    for diagnosis in request.diagnoses:
        if diagnosis not in memo:
            memo[diagnosis] = classify(policy, diagnosis)
        condition, subtype = memo[diagnosis]
        shown = diagnosis.description or diagnosis.icd10
        if condition is None:
            named.append(shown)
            continue
        spec = policy.conditions[condition]
        chart = [
            f.value.subtype
            for f in diagnoses
            if isinstance(f, Diagnosis)
            and f.value.condition == condition
            and f.context.about_patient_now
            and not f.context.negated
        ]
        if subtype is None and chart and all(s in spec.uncovered_subtypes for s in chart):
            subtype = chart[0]
        if subtype in spec.uncovered_subtypes:
            named.append(f"{shown} ({(subtype or '').replace('_', ' ')})")
            continue
        covering = _covering(policy, section, condition)
        if covering is None:
            named.append(shown)
            continue
        return Routing(
            covering.id,
            condition,
            f"The request's diagnosis {shown!r} is {spec.label}: {covering.id} {covering.title}.",
        )
    other = _other(policy, section)
    listed = ", ".join(repr(n) for n in named)
    return Routing(
        other.id,
        None,
        f"No {section} criteria set covers the request's diagnosis ({listed}): "
        f"{other.id} {other.title}.",
    )
