"""Drugs in the chart: trials with outcomes, medication lists, and the requested drug's course."""

from __future__ import annotations

from typing import Any

import pytest

from priorauth.extract import find_therapies
from priorauth.extract.mentions import Mention
from tests.extract.conftest import Read


def _facts(read_with: Read, text: str, name: str) -> list[tuple[dict[str, Any], set[str]]]:
    mentions: list[Mention] = read_with(find_therapies, text)
    return [
        (
            m.value,
            {flag for flag, on in m.context.model_dump().items() if on and flag != "historical"},
        )
        for m in mentions
        if m.name == name
    ]


def _by_agent(read_with: Read, text: str, name: str = "therapy_trial") -> dict[str, dict[str, Any]]:
    return {
        value["agent"]: {**value, "flags": flags} for value, flags in _facts(read_with, text, name)
    }


def test_trial_with_outcome_duration_strength_and_route(read_with: Read) -> None:
    trials = _by_agent(read_with, "Failed tacrolimus 0.1% ointment x12 wks.")
    assert trials["tacrolimus"] == {
        "agent": "tacrolimus",
        "outcome": "failure",
        "route": "topical",
        "strength": "0.1%",
        "duration_days": 84,
        "flags": set(),
    }


def test_lead_in_outcome_applies_to_each_drug_of_a_list(read_with: Read) -> None:
    trials = _by_agent(read_with, "Failed clobetasol, triamcinolone and Elidel.")
    assert {agent: t["outcome"] for agent, t in trials.items()} == {
        "clobetasol propionate": "failure",
        "triamcinolone acetonide": "failure",
        "pimecrolimus": "failure",
    }


def test_each_clause_keeps_its_own_outcome(read_with: Read) -> None:
    text = "Failed mid-potency TCS, intolerant of pimecrolimus, failed crisaborole."
    trials = _by_agent(read_with, text)
    assert trials["pimecrolimus"]["outcome"] == "intolerance"
    assert trials["crisaborole"]["outcome"] == "failure"


def test_outcome_written_after_the_drug_on_a_wrapped_line(read_with: Read) -> None:
    text = (
        "- Triamcinolone 0.1% cream BID 08/04/2025 - 09/29/2025 (~8 wks):\n"
        "  minimal repigmentation, d/c'd.\n"
    )
    trial = _by_agent(read_with, text)["triamcinolone acetonide"]
    assert trial["outcome"] == "inadequate_response"
    assert str(trial["start_date"]) == "2025-08-04"
    assert str(trial["end_date"]) == "2025-09-29"


def test_negated_trial_is_kept_as_negated(read_with: Read) -> None:
    trials = _by_agent(read_with, "Pt denies prior Eucrisa use.")
    assert trials["crisaborole"]["flags"] == {"negated"}


def test_conditional_plan_is_a_hypothetical_trial_not_a_trial(read_with: Read) -> None:
    trials = _by_agent(read_with, "Plan: will consider Eucrisa if no improvement.")
    assert trials["crisaborole"]["flags"] == {"hypothetical"}
    assert trials["crisaborole"]["outcome"] == "unknown"


def test_family_members_drug_is_theirs(read_with: Read) -> None:
    meds = _by_agent(read_with, "Family hx: mother with psoriasis on Humira.", "medication")
    assert meds["adalimumab"]["flags"] == {"family"}


def test_medication_list_current_and_discontinued_entries(read_with: Read) -> None:
    text = (
        "Current medications:\n"
        "cetirizine 10 mg daily\n"
        "Prograf 1 mg PO BID\n"
        "Dupixent 300 mg q2w - discontinued 2024\n"
    )
    meds = _by_agent(read_with, text, "medication")
    assert meds["tacrolimus"]["status"] == "current"
    assert meds["tacrolimus"]["route"] == "oral"  # Prograf: the systemic tacrolimus
    assert meds["dupilumab"]["status"] == "past"
    assert "cetirizine" not in meds  # not a drug the policy reads
    lists = _facts(read_with, text, "medication_list")
    assert lists == [({"documented": True}, set())]


def test_steroid_dose_per_kg_for_appendix_d(read_with: Read) -> None:
    text = "Received methylprednisolone 2 mg/kg/day x 5 days with progression of skin GVHD."
    trial = _by_agent(read_with, text)["methylprednisolone"]
    assert trial["outcome"] == "progression"
    assert trial["dose_mg_per_kg_day"] == 2.0
    assert trial["duration_days"] == 5


def test_requested_drug_course_for_continuation(read_with: Read) -> None:
    text = (
        "Date of service: 03/02/2026\n"
        "On Jakafi 15 mg BID since 03/2025 with spleen decreased by 5 cm. Continue same dose.\n"
    )
    status = _facts(read_with, text, "therapy_status")
    assert status == [({"currently_receiving": True, "days_on_therapy": 366}, set())]
    assert [v["response"] for v, _ in _facts(read_with, text, "response_to_therapy")] == [
        "positive"
    ]
    assert _facts(read_with, text, "dose_increase") == [({"increase": False}, set())]


def test_paid_claims_show_the_plan_benefit(read_with: Read) -> None:
    text = "Fill date 02/10/2026  Jakafi 15 mg tab #60  paid\n"
    status = _facts(read_with, text, "therapy_status")
    assert status
    assert status[0][0]["via_plan_benefit"] is True


def test_unrelated_text_makes_nothing(read_with: Read) -> None:
    text = (
        "Patient is a 54 yo male with hypertension on lisinopril and metformin.\n"
        "Allergies: penicillin (rash).\n"
        "Plan: follow up in 3 months.\n"
    )
    assert read_with(find_therapies, text) == []


def test_form_checkbox_answers_are_trials_or_denials(read_with: Read) -> None:
    text = (
        "Hydroxyurea tried?   [ ] Yes  [X] No   Dates: ____\n"
        "Anagrelide tried?  : - []Yes [X] No\n"
        "Pegasys tried?   [X] Yes  [ ] No   Dates: 2024\n"
    )
    trials = _by_agent(read_with, text)
    assert trials["hydroxyurea"]["flags"] == {"negated"}
    assert trials["anagrelide"]["flags"] == {"negated"}
    assert trials["peginterferon alfa-2a"]["flags"] == set()


def test_declined_and_never_received_are_denials(read_with: Read) -> None:
    text = (
        "Pt has declined hydroxyurea at every visit. "
        "Imatinib has no role and he has never received it. "
        "Anagrelide has not been tried."
    )
    trials = _by_agent(read_with, text)
    assert {agent: t["flags"] for agent, t in trials.items()} == {
        "hydroxyurea": {"negated"},
        "imatinib": {"negated"},
        "anagrelide": {"negated"},
    }


def test_a_no_in_one_clause_does_not_deny_the_next_drug(read_with: Read) -> None:
    text = "Clobetasol 0.05% x 8 wks, no improvement; triamcinolone 0.1% x 6 wks, inadequate."
    trials = _by_agent(read_with, text)
    assert trials["clobetasol propionate"]["flags"] == set()
    assert trials["triamcinolone acetonide"]["flags"] == set()
    assert trials["triamcinolone acetonide"]["outcome"] == "inadequate_response"


def test_not_responded_discussed_and_remission(read_with: Read) -> None:
    text = (
        "CRS has not responded to tocilizumab 800 mg IV x 3 doses.\n"
        "Siltuximab discussed; will give if no improvement in 24 h.\n"
        "R-CHOP x6 (04/2023-08/2023) -> CR; relapse 06/2025.\n"
    )
    trials = _by_agent(read_with, text)
    assert trials["tocilizumab"]["outcome"] == "no_improvement"
    assert trials["tocilizumab"]["flags"] == set()
    assert trials["siltuximab"]["flags"] == {"hypothetical"}
    assert trials["chop"]["outcome"] == "response"


def test_a_scale_is_not_a_regimen(read_with: Read) -> None:
    assert _by_agent(read_with, "No ICANS (ICE 10/10 throughout). ICE score 10.") == {}


def test_medication_header_with_a_parenthetical_ends_family_history(read_with: Read) -> None:
    text = (
        "Family hx: father w/ CAD, mother w/ T2DM\n"
        "Medications (reconciled 03/10/2026):\n"
        "- hydroxyurea 500 mg PO - STOPPED 11/2025 (cytopenias)\n"
    )
    meds = _by_agent(read_with, text, "medication")
    assert meds["hydroxyurea"]["status"] == "past"
    assert meds["hydroxyurea"]["flags"] == set()
    trials = _by_agent(read_with, text)
    assert trials["hydroxyurea"]["outcome"] == "intolerance"


@pytest.mark.parametrize(
    ("text", "documented"),
    [
        ("Current Medications:\n- aspirin 81 mg", True),
        ("CURRENT MEDICATIONS\namlodipine 5 mg PO daily", True),
        ("_   Meds:   _\naspirin 81 mg PO daily", True),
        ("Medications (reconciled 03/10/2026):\n- aspirin", True),
        ("- medication reconciliation (procedure)", False),
        ("Discussed medications and side effects at length.", False),
    ],
)
def test_medication_list_headers(read_with: Read, text: str, documented: bool) -> None:
    assert bool(_facts(read_with, text, "medication_list")) is documented
