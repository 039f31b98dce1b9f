"""Predicates for immunotherapy toxicities: the CRS grade of Appendix E."""

from __future__ import annotations

from priorauth.adjudicate.appendices import normalize_name, oxygen_grade, pressor_grade
from priorauth.adjudicate.facts import (
    CrsGrade,
    FactBase,
    Fever,
    Hypotension,
    OxygenSupport,
    Vasopressor,
)
from priorauth.adjudicate.policy import Policy
from priorauth.adjudicate.predicates.base import Params, asserted, listing, num, register
from priorauth.adjudicate.trace import MET, NOT_MET, UNKNOWN, Case, Leaf, Verdict


class GradeParams(Params):
    grade: int


@register(
    "crs_grade_at_least",
    GradeParams,
    reads=("fever", "hypotension", "vasopressor", "oxygen_support", "crs_grade"),
)
def crs_grade_at_least(params: GradeParams, policy: Policy) -> Leaf:
    """CRS of at least ``grade`` by Appendix E, from fever, vasopressors and oxygen support.

    Vasopressin does not count toward "multiple vasopressors"; positive pressure is grade 4
    on its own. A grade stated in the chart is used only when no finding is documented.
    """
    rules = policy.appendix_e

    def run(case: Case) -> Verdict:
        fevers, _ = asserted(case, Fever)
        febrile = [f for f in fevers if f.value.temperature_c >= rules.fever_min_c]
        lows, _ = asserted(case, Hypotension)
        hypotensive = [f for f in lows if f.value.present]
        pressors, _ = asserted(case, Vasopressor)
        oxygen, _ = asserted(case, OxygenSupport)
        agents = {normalize_name(f.value.agent) for f in pressors}
        organ = max(
            [pressor_grade(rules, agents), 2 if hypotensive else 0]
            + [oxygen_grade(rules, f.value.device, f.value.flow_l_min) for f in oxygen]
        )
        findings: tuple[FactBase, ...] = (*febrile, *hypotensive, *pressors, *oxygen)
        stated, _ = asserted(case, CrsGrade)
        if febrile or organ:
            if not febrile:
                return (
                    UNKNOWN,
                    "Fever (>= 38 C) is not documented, so no CRS grade follows.",
                    findings,
                )
            grade = max(1, organ)
            parts = [f"fever {num(max(f.value.temperature_c for f in febrile))} C"]
            if agents:
                parts.append(f"vasopressors {listing(sorted(agents), 'and')}")
            if oxygen:
                parts.append(
                    listing(sorted({f.value.device.value.replace("_", " ") for f in oxygen}), "and")
                )
            basis = listing(parts, "and")
            conflict = [f for f in stated if f.value.grade != grade]
            note = (
                f" (the chart states grade {conflict[0].value.grade}; Appendix E governs)"
                if conflict
                else ""
            )
            if grade >= params.grade:
                return MET, f"Grade {grade} CRS by Appendix E: {basis}{note}.", findings
            return (
                NOT_MET,
                f"Grade {grade} CRS by Appendix E ({basis}), not grade {params.grade}{note}.",
                findings,
            )
        if stated:
            grade = max(f.value.grade for f in stated)
            status = MET if grade >= params.grade else NOT_MET
            return (
                status,
                f"The chart states grade {grade} CRS; no Appendix E findings documented.",
                tuple(stated),
            )
        return UNKNOWN, "No CRS findings (fever, vasopressors, oxygen support) are documented.", ()

    return run
