"""Skin findings: BSA involvement (never m²), treatment sites, immune status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from priorauth.adjudicate.facts import FACT_ADAPTER
from priorauth.extract import find_derm
from priorauth.extract.mentions import Mention
from tests.extract.conftest import Read


def _read(read_with: Read, text: str, name: str) -> list[Mention]:
    mentions = read_with(find_derm, text)
    for mention in mentions:
        FACT_ADAPTER.validate_python({"id": "m", "name": mention.name, "value": mention.value})
        assert text[mention.start : mention.end].strip()
    return [m for m in mentions if m.name == name]


def _percents(read_with: Read, text: str) -> list[float]:
    return [m.value["percent"] for m in _read(read_with, text, "bsa_involvement")]


def _sites(read_with: Read, text: str) -> set[tuple[str, frozenset[str]]]:
    return {
        (
            m.value["site"],
            frozenset(f for f, on in m.context.model_dump().items() if on and f != "historical"),
        )
        for m in _read(read_with, text, "treatment_site")
    }


def _immune(read_with: Read, text: str) -> list[tuple[dict[str, Any], set[str]]]:
    return [
        (m.value, {f for f, on in m.context.model_dump().items() if on and f != "historical"})
        for m in _read(read_with, text, "immune_status")
    ]


NONE: frozenset[str] = frozenset()

# --- BSA involvement --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("Skin: BSA 6%, vIGA 3.", 6.0),
        ("Nonsegmental vitiligo (L80), ~4% BSA, acral and extensor distribution.", 4.0),
        ("BSA involvement ~4% today.", 4.0),
        ("Depigmented patches affecting approximately 8% of body surface area.", 8.0),
        ("BSA: 12 %", 12.0),
        ("Affected BSA: 8 %", 8.0),
        ("BSA involved: approx 4% (hands ~1.5%, knees/shins ~2.5%).", 4.0),
        ("Rash ~55% of body surface (skin stage 3).", 55.0),
        ("BSA (%): 7", 7.0),
        ("Extent: 2.5% BSA.", 2.5),
    ],
)
def test_bsa_percent(read_with: Read, text: str, percent: float) -> None:
    assert _percents(read_with, text) == [percent]


def test_burning_is_no_burn(read_with: Read) -> None:
    assert _percents(read_with, "Stopped Elidel for burning; BSA 10% today.") == [10.0]


def test_bsa_range_gives_its_upper_end(read_with: Read) -> None:
    assert _percents(read_with, "AD involving 5-6% BSA.") == [6.0]
    assert _percents(read_with, "BSA 8 to 10%.") == [10.0]


@pytest.mark.parametrize(
    "text",
    [
        "Wt 74.0 kg   Ht 180 cm   BSA 1.92 m2",
        "O: Wt 61 kg  Ht 163 cm  BSA 1.66 m²; SpO2 97%",
        "| BP     | HR | Wt    | BSA     | SpO2 |\n| 118/74 | 70 | 74 kg | 1.98 m2 | 97%  |",
        "Dose: 75 mg/m2 x BSA 1.9 = 142 mg.",
        "Start Opzelura thin layer BID; not to exceed 10% BSA.",
        "Apply to affected areas up to 20% BSA.",
        "Continue to <20% BSA.",
        "Second-degree burns over 18% of total body surface area.",
        "Hematocrit 31.6 %, MCV 92.7",
    ],
)
def test_dosing_bsa_limits_and_burns_make_nothing(read_with: Read, text: str) -> None:
    assert _percents(read_with, text) == []


def test_bsa_dates_from_the_line_else_the_page(read_with: Read) -> None:
    text = (
        "Date of service: 03/02/2026\n"
        "Baseline 01/12/2026: BSA 9%, EASI 16.2.\n"
        "- 02/24 (steroid day 4): rash ~55% BSA (skin stage 3)\n"
        "Today: BSA 3%."
    )
    found = [(m.value["percent"], m.date) for m in _read(read_with, text, "bsa_involvement")]
    assert sorted(found) == [
        (3.0, dt.date(2026, 3, 2)),
        (9.0, dt.date(2026, 1, 12)),
        (55.0, dt.date(2026, 2, 24)),
    ]


# --- treatment sites --------------------------------------------------------------------

DERM = "Dx: nonsegmental vitiligo.\n"


@pytest.mark.parametrize(
    ("text", "sites"),
    [
        ("Skin: depigmented patches on the face and dorsal hands.", {"face", "hands"}),
        ("Eczematous lesions involving the axillae and groin.", {"intertriginous"}),
        ("Plan: Opzelura thin layer BID, apply to face.", {"face"}),
        ("Macules: perioral and periorbital, bilateral eyelids.", {"face"}),
        ("Depigmented patches of the bilateral knees and anterior shins.", {"legs"}),
        ("Patches on the elbows and forearms.", {"arms", "forearm"}),
        ("Lesions on the vulva and inframammary folds.", {"genitals", "intertriginous"}),
        ("Lichenified plaques: posterior neck, upper back, flanks.", {"neck", "trunk"}),
        ("New patches on the scalp and dorsal feet.", {"scalp", "feet"}),
    ],
)
def test_affected_or_treated_sites(read_with: Read, text: str, sites: set[str]) -> None:
    assert _sites(read_with, DERM + text) == {(site, NONE) for site in sites}


def test_sites_of_no_involvement_are_negated(read_with: Read) -> None:
    assert _sites(read_with, DERM + "No facial, axillary or groin involvement.") == {
        ("face", frozenset({"negated"})),
        ("intertriginous", frozenset({"negated"})),
    }
    assert _sites(read_with, DERM + "Lesions on trunk and legs. Face and skin folds\nspared.") == {
        ("trunk", NONE),
        ("legs", NONE),
        ("face", frozenset({"negated"})),
        ("intertriginous", frozenset({"negated"})),
    }


def test_a_later_no_in_the_sentence_does_not_negate_the_site(read_with: Read) -> None:
    text = DERM + "- Clobetasol 0.05% ointment BID x 2 weeks to hands: no meaningful improvement."
    assert _sites(read_with, text) == {("hands", NONE)}


def test_a_relatives_sites_carry_the_family_flag(read_with: Read) -> None:
    text = DERM + "FHx: mother with vitiligo of hands and knees, on Opzelura."
    assert _sites(read_with, text) == {
        ("hands", frozenset({"family"})),
        ("legs", frozenset({"family"})),
    }


@pytest.mark.parametrize(
    "text",
    [
        DERM + "HEENT: normal. Neck supple. Wore a face mask at the visit.",
        DERM + "Neuro: facial nerve intact, no facial droop. Hands-on teaching given.",
        DERM + "Hx laceration of forearm in 2019, healed.",
        DERM + "Discontinue hot soapy water and wash her hands with a gentle cleansing lotion.",
        DERM + "Follow-up: no new lesions on the face since the last visit.",
        # No atopic dermatitis, vitiligo or Opzelura on the page: a GVHD rash, a lymph node.
        "D+28: maculopapular rash trunk/arms ~30% BSA = skin stage 2.",
        "Palpable R axillary lymph node 3.5 cm; lesions in the liver.",
        "Mother has vitiligo on her hands and face.",
    ],
)
def test_no_site_outside_a_skin_disease_or_in_other_senses(read_with: Read, text: str) -> None:
    assert _sites(read_with, text) == set()


# --- immune status ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("She is immunocompetent, with no history of malignancy.", {"immunocompromised": False}),
        ("Pt is not immunocompromised.", {"immunocompromised": False}),
        ("No immunosuppression.", {"immunocompromised": False}),
        ("No hx immunodeficiency, malignancy, VTE.", {"immunocompromised": False}),
        ("Is the member immunocompromised?    [ ] Yes   [X] No", {"immunocompromised": False}),
        ("Is the member immunocompromised?    [X] Yes   [ ] No", {"immunocompromised": True}),
        ("Immunocompromised: No", {"immunocompromised": False}),
        (
            "Immunocompromised due to chronic prednisone for RA.",
            {"immunocompromised": True, "reason": "chronic prednisone for RA"},
        ),
        (
            "He remains on chronic immunosuppression after kidney transplant.",
            {"immunocompromised": True, "reason": "kidney transplant"},
        ),
        (
            "She is on chronic immunosuppression.",
            {"immunocompromised": True, "reason": "chronic immunosuppression"},
        ),
    ],
)
def test_immune_status(read_with: Read, text: str, value: dict[str, Any]) -> None:
    # "Not immunocompromised" is a value, not a negated statement.
    assert _immune(read_with, text) == [(value, set())]


def test_a_relatives_immune_status_carries_the_family_flag(read_with: Read) -> None:
    assert _immune(read_with, "Mother is immunocompromised.") == [
        ({"immunocompromised": True}, {"family"})
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Opzelura: avoid use in immunocompromised patients.",
        "Is the patient immunocompromised?",
        "- human immunodeficiency virus antigen test",
        "Risks of immunosuppression, including infection, were discussed.",
        "He is off of all immunosuppression.",
        "Because immunosuppression had been withdrawn, nephrectomy was elected.",
    ],
)
def test_no_immune_status_from_general_or_unanswered_statements(read_with: Read, text: str) -> None:
    assert _immune(read_with, text) == []
