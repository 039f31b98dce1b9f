"""Diagnoses: condition, subtype, risk and ICD-10 code, and the short forms that mislead."""

from __future__ import annotations

from typing import Any

import pytest

from priorauth.adjudicate.facts import DiagnosisValue
from priorauth.extract import find_diagnoses
from tests.extract.conftest import Read

Found = list[tuple[dict[str, Any], set[str]]]


def _dx(read_with: Read, text: str) -> Found:
    """(value, context flags) of each diagnosis mention, "historical" left out."""
    found = []
    for mention in read_with(find_diagnoses, text):
        assert mention.name == "diagnosis"
        DiagnosisValue.model_validate(mention.value)
        assert text[mention.start : mention.end].strip()
        flags = {f for f, on in mention.context.model_dump().items() if on and f != "historical"}
        found.append((mention.value, flags))
    return found


def _values(read_with: Read, text: str) -> list[dict[str, Any]]:
    return [value for value, _flags in _dx(read_with, text)]


# --- subtypes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "CC: f/u post-PV myelofibrosis; discuss starting ruxolitinib",
            {"condition": "myelofibrosis", "subtype": "post_pv"},
        ),
        (
            "BM bx 12/2025 c/w post-PV MF (MF-2 reticulin fibrosis, 1% blasts).",
            {"condition": "myelofibrosis", "subtype": "post_pv"},
        ),
        (
            "Dx: post-essential thrombocythemia myelofibrosis.",
            {"condition": "myelofibrosis", "subtype": "post_et"},
        ),
        (
            "Diagnosis: Primary myelofibrosis (BM bx 11/2024).",
            {"condition": "myelofibrosis", "subtype": "primary"},
        ),
        (
            "38 yo F w/ nonsegmental vitiligo dx 2021, slowly progressive.",
            {"condition": "vitiligo", "subtype": "nonsegmental"},
        ),
        (
            "Impression: non-segmental vitiligo, stable.",
            {"condition": "vitiligo", "subtype": "nonsegmental"},
        ),
        (
            "47 y/o M w/ vitiligo, nonsegmental (generalized), onset ~2018.",
            {"condition": "vitiligo", "subtype": "nonsegmental"},
        ),
        (
            "HPI: 14 y/o F with segmental vitiligo of the L face.",
            {"condition": "vitiligo", "subtype": "segmental"},
        ),
        (
            "Letter of Medical Necessity - Jakafi for steroid-refractory acute GVHD",
            {"condition": "gvhd", "subtype": "acute"},
        ),
        (
            "Chronic graft-versus-host disease of the skin and mouth.",
            {"condition": "gvhd", "subtype": "chronic"},
        ),
        (
            "A/P: 46M D+39 s/p allo-HCT with grade III acute GVHD (skin 3, lower GI 2).",
            {"condition": "gvhd", "subtype": "acute"},
        ),
        ("Punch bx 02/20 c/w aGVHD.", {"condition": "gvhd", "subtype": "acute"}),
        ("A/P: Ph-like B-ALL, JAK-STAT subtype.", {"condition": "b_all", "subtype": "ph_like"}),
    ],
)
def test_subtype_written_in_before_or_after_the_condition(
    read_with: Read, text: str, expected: dict[str, Any]
) -> None:
    assert _values(read_with, text) == [expected]


def test_post_pv_myelofibrosis_is_not_polycythemia_vera(read_with: Read) -> None:
    conditions = {v["condition"] for v in _values(read_with, "Post-PV MF, on ruxolitinib.")}
    assert conditions == {"myelofibrosis"}


def test_nsv_is_nonsegmental_vitiligo(read_with: Read) -> None:
    assert _values(read_with, "NSV of hands and knees, BSA 4%.") == [
        {"condition": "vitiligo", "subtype": "nonsegmental"}
    ]


def test_pmf_is_primary_myelofibrosis(read_with: Read) -> None:
    text = "Assessment/Plan:\nPMF, intermediate-2, on ruxolitinib x ~11 months."
    assert _values(read_with, text) == [
        {"condition": "myelofibrosis", "subtype": "primary", "risk": "intermediate"}
    ]


def test_a_subtype_word_after_belongs_to_the_next_condition_if_it_starts_it(
    read_with: Read,
) -> None:
    assert _values(read_with, "Dx: GVHD, chronic GVHD of the skin.") == [
        {"condition": "gvhd"},
        {"condition": "gvhd", "subtype": "chronic"},
    ]


# --- risk and ICD-10 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dx: high-risk PV, JAK2 V617F+.",
            {"condition": "polycythemia_vera", "risk": "high"},
        ),
        (
            "Polycythemia vera, high-risk (age > 60, prior DVT), JAK2 V617F+.",
            {"condition": "polycythemia_vera", "risk": "high"},
        ),
        (
            "1. Post-PV myelofibrosis, DIPSS intermediate-2 (MYSEC-PM intermediate-2).",
            {"condition": "myelofibrosis", "subtype": "post_pv", "risk": "intermediate"},
        ),
        (
            "Dx: primary myelofibrosis, DIPSS-plus intermediate-1.",
            {"condition": "myelofibrosis", "subtype": "primary", "risk": "intermediate"},
        ),
        (
            "Diagnosis / ICD-10: Primary myelofibrosis, D47.4    Risk: DIPSS high",
            {"condition": "myelofibrosis", "subtype": "primary", "risk": "high", "icd10": "D47.4"},
        ),
        (
            "Essential thrombocythemia, JAK2 V617F+, low risk, on aspirin.",
            {"condition": "essential_thrombocythemia", "risk": "low"},
        ),
    ],
)
def test_risk_category(read_with: Read, text: str, expected: dict[str, Any]) -> None:
    assert _values(read_with, text) == [expected]


def test_risk_of_an_event_is_not_a_risk_category(read_with: Read) -> None:
    text = "Essential thrombocythemia, at high risk of thrombosis given age."
    assert _values(read_with, text) == [{"condition": "essential_thrombocythemia"}]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Nonsegmental vitiligo (L80), active (new lesion, Koebner +).", "L80"),
        ("request coverage for post-polycythemia vera myelofibrosis (ICD-10 D75.81)", "D75.81"),
        ("Atopic dermatitis, moderate, chronic (L20.89). Immunocompetent.", "L20.89"),
        ("Diagnosis / ICD-10: atopic dermatitis  L20.9", "L20.9"),
        ("1. L80 Vitiligo", "L80"),
    ],
)
def test_icd10_code_beside_the_condition_as_written(read_with: Read, text: str, code: str) -> None:
    [value] = _values(read_with, text)
    assert value["icd10"] == code


def test_a_vitamin_after_the_condition_is_no_icd10_code(read_with: Read) -> None:
    assert _values(read_with, "Dx: vitiligo, B12 deficiency.") == [{"condition": "vitiligo"}]


# --- abbreviations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Anesthesia: general via ET tube. Estimated blood loss 50 cc.",
        "Assessment: ET tube in good position on CXR; continue ventilator support.",
        "Smith et al. reported similar results.",
        "Diet: regular, ambulate ad lib.",
        "Ears: TM clear AD and AS; hearing grossly intact.",
        "Assessment: dementia, likely AD; continue donepezil.",
        "Assessment: CRS with nasal polyps, s/p FESS; continue saline rinses.",
        "Pulmonary vein isolation for AF 2023; no PV stenosis on CT.",
        "GYN: no PV bleeding since last visit.",
        "Family history: both parents have ET; essential tremor in grandfather.",
        "pt says pv was fine",
    ],
)
def test_short_forms_in_their_other_senses_make_nothing(read_with: Read, text: str) -> None:
    assert _dx(read_with, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dx: CRS grade 2: fever, sinus tachycardia 120.", {"condition": "crs"}),
        ("Dx: PV - no bleeding or thrombosis on apixaban.", {"condition": "polycythemia_vera"}),
        ("Assessment: AD flare, started antibiotic.", {"condition": "atopic_dermatitis"}),
        (
            "Acute graft-versus-host disease (GVHD) of the skin.",
            {"condition": "gvhd", "subtype": "acute"},
        ),
    ],
)
def test_words_near_a_short_form_that_are_not_its_other_sense(
    read_with: Read, text: str, expected: dict[str, Any]
) -> None:
    assert _dx(read_with, text) == [(expected, set())]


def test_abbreviation_needs_a_diagnostic_place(read_with: Read) -> None:
    assert _dx(read_with, "CC: ET follow-up, headaches and burning feet") == []
    assert _values(read_with, "Dx: ET") == [{"condition": "essential_thrombocythemia"}]
    assert _values(read_with, "HPI: 64 yo F with PV on hydroxyurea since 2022.") == [
        {"condition": "polycythemia_vera"}
    ]
    assert _values(read_with, "PMH: AD, asthma (mild intermittent), allergic rhinitis.") == [
        {"condition": "atopic_dermatitis"}
    ]


def test_abbreviation_accepted_when_the_page_names_the_condition_in_full(read_with: Read) -> None:
    text = (
        "CC: ET follow-up, headaches.\n"
        "HPI: 47 yo F with JAK2 V617F-positive essential\nthrombocythemia dx 06/2023."
    )
    # The wrapped full name itself is no term (the phrase matcher stops at the line break);
    # it still tells what "ET" means on this page.
    assert _values(read_with, text) == [{"condition": "essential_thrombocythemia"}]


def test_mf_alone_takes_the_sense_the_page_names(read_with: Read) -> None:
    assert _values(read_with, "A: Primary MF, DIPSS high risk. Hx: myelofibrosis since 2020.") == [
        {"condition": "myelofibrosis", "subtype": "primary", "risk": "high"},
        {"condition": "myelofibrosis"},
    ]
    assert _dx(read_with, "A: MF stable on therapy.") == []
    text = "A: Primary MF (BM bx: MF-2 reticulin), DIPSS int-2. Hx myelofibrosis."
    assert _values(read_with, text)[0] == {
        "condition": "myelofibrosis",
        "subtype": "primary",
        "risk": "intermediate",
    }
    assert _dx(read_with, "Bone marrow: MF-2 reticulin fibrosis; myelofibrosis.")[0][0] == {
        "condition": "myelofibrosis"
    }
    assert len(_dx(read_with, "Bone marrow: MF-2 reticulin fibrosis; myelofibrosis.")) == 1


# --- context ----------------------------------------------------------------------------


def test_family_history_is_kept_with_its_flag(read_with: Read) -> None:
    assert _dx(read_with, "Family history: mother had PV.") == [
        ({"condition": "polycythemia_vera"}, {"family"})
    ]
    assert _dx(read_with, "FHx: mother with generalized (nonsegmental) vitiligo of hands.") == [
        ({"condition": "vitiligo", "subtype": "nonsegmental"}, {"family"})
    ]


def test_negation_is_kept_with_its_flag(read_with: Read) -> None:
    assert _dx(read_with, "Colonoscopy: no evidence of graft versus host disease.") == [
        ({"condition": "gvhd"}, {"negated"})
    ]
    assert _dx(read_with, "IEC-HS / HLH criteria not met (no new cytopenia).") == [
        ({"condition": "hlh"}, {"negated"})
    ]


def test_a_colon_no_later_in_the_sentence_does_not_deny_the_diagnosis(read_with: Read) -> None:
    assert _dx(read_with, "Vitiligo: no new lesions since the last visit.") == [
        ({"condition": "vitiligo"}, set())
    ]


def test_differential_and_rule_out_are_hypothetical(read_with: Read) -> None:
    found = _dx(read_with, "Working dx: CMML (proliferative type) vs MDS/MPN-U - to be confirmed.")
    assert found == [
        ({"condition": "cmml"}, {"hypothetical"}),
        ({"condition": "mds_mpn"}, {"hypothetical"}),
    ]
    [(value, flags)] = _dx(read_with, "Assessment: thrombocytosis, rule out ET.")
    assert value == {"condition": "essential_thrombocythemia"}
    assert flags == {"hypothetical", "uncertain"}


def test_segmental_vitiligo_of_a_nonsegmental_request_is_kept(read_with: Read) -> None:
    text = "IMPRESSION: Segmental vitiligo, L face (L80), stable > 12 mo."
    assert _dx(read_with, text) == [
        ({"condition": "vitiligo", "subtype": "segmental", "icd10": "L80"}, set())
    ]


# --- statements that are not the member's diagnosis -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Discussed that Opzelura is FDA-approved for nonsegmental vitiligo.",
        "Ruxolitinib is FDA-approved for intermediate- or high-risk myelofibrosis.",
        "He remains on tacrolimus (Prograf) for GVHD prophylaxis.",
        "Moskowitz AJ, et al. Ruxolitinib in T-cell lymphoma. Blood. 2021;138:2828.",
        "Immunocompetent; no sign of eczema\n   herpeticum today.",
        "Referred for reevaluation of her hand eczema.",
        "Chief complaint: cough x 3 days. Assessment: acute viral bronchitis. Plan: fluids.",
    ],
)
def test_label_prophylaxis_citation_and_other_eczemas_make_nothing(
    read_with: Read, text: str
) -> None:
    assert _dx(read_with, text) == []


def test_evidence_is_the_sentence_holding_the_diagnosis(read_with: Read) -> None:
    text = "Date of service: 03/10/2026\nA/P:\n1. Post-PV myelofibrosis, DIPSS intermediate-2."
    [mention] = read_with(find_diagnoses, text)
    assert text[mention.start : mention.end] == "1. Post-PV myelofibrosis, DIPSS intermediate-2."
    assert str(mention.date) == "2026-03-10"
