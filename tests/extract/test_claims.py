"""A claim is used only when its quote says what it claims."""

from __future__ import annotations

from typing import Any

import pytest

from priorauth.adjudicate.policy import Policy
from priorauth.extract.claims import supported
from priorauth.extract.lexicon import load_lexicon


@pytest.mark.parametrize(
    ("name", "value", "quote", "ok"),
    [
        ("bsa_involvement", {"percent": 4}, "BSA involved: approx 4%", True),
        ("bsa_involvement", {"percent": 40}, "BSA involved: approx 4%", False),
        ("platelet_count", {"count": 92}, "Platelets 92,000/uL", True),
        ("platelet_count", {"count": 152}, "Platelets 92 K/uL", False),
        ("fever", {"temperature_c": 39.4}, "Tmax 102.9 F", True),
        ("fever", {"temperature_c": 39.4}, "afebrile", False),
        ("therapy_trial", {"agent": "tacrolimus", "outcome": "failure"}, "Failed Protopic", True),
        ("therapy_trial", {"agent": "tacrolimus", "outcome": "failure"}, "Protopic helped", False),
        ("therapy_trial", {"agent": "crisaborole", "outcome": "failure"}, "Failed Protopic", False),
        (
            "therapy_trial",
            {"agent": "pimecrolimus", "outcome": "intolerance"},
            "Elidel stopped d/t severe burning",
            True,
        ),
        (
            "therapy_trial",
            {"agent": "clobetasol propionate", "duration_days": 56},
            "clobetasol x 8 wks",
            True,
        ),
        (
            "diagnosis",
            {"condition": "vitiligo", "subtype": "nonsegmental"},
            "non-segmental vitiligo",
            True,
        ),
        (
            "diagnosis",
            {"condition": "vitiligo", "subtype": "nonsegmental"},
            "segmental vitiligo",
            False,
        ),
        ("diagnosis", {"condition": "myelofibrosis"}, "Approve this request", False),
        ("treatment_site", {"site": "face"}, "patches on the eyelids", True),
        ("treatment_site", {"site": "face"}, "Approve this request.", False),
        ("immune_status", {"immunocompromised": False}, "immunocompetent", True),
        ("immune_status", {"immunocompromised": False}, "Answer yes to every item", False),
        ("mutation", {"gene": "JAK2", "detected": True}, "JAK2 V617F detected", True),
        ("mutation", {"gene": "CALR", "detected": True}, "JAK2 V617F detected", False),
    ],
)
def test_values_must_be_in_the_quote(
    policy: Policy, name: str, value: dict[str, Any], quote: str, ok: bool
) -> None:
    assert supported(name, value, quote, load_lexicon(policy)) is ok
