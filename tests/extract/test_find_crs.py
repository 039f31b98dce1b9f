"""Appendix E's CRS primitives as ICU notes, flowsheets and letters write them, and the notes
that must give nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from priorauth.adjudicate.facts import FACT_ADAPTER
from priorauth.extract import find_crs
from priorauth.extract.mentions import Mention
from tests.extract.conftest import Read

Found = tuple[str, dict[str, Any], frozenset[str]]


def _flags(mention: Mention) -> frozenset[str]:
    return frozenset(
        flag for flag, on in mention.context.model_dump().items() if on and flag != "historical"
    )


def _found(read_with: Read, text: str, name: str | None = None) -> list[Found]:
    mentions = read_with(find_crs, text)
    for mention in mentions:
        # Every value must be one the fact model accepts.
        FACT_ADAPTER.validate_python({"id": "f", "name": mention.name, "value": mention.value})
        assert text[mention.start : mention.end].strip()
    return [(m.name, m.value, _flags(m)) for m in mentions if name is None or m.name == name]


def _values(read_with: Read, text: str, name: str) -> list[dict[str, Any]]:
    return [value for _, value, _ in _found(read_with, text, name)]


# --- fever -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "celsius"),
    [
        ("Tmax 39.4 overnight, rigors.", 39.4),
        ("T 102.5F, HR 118", 39.2),
        ("Febrile to 39.1 C this morning.", 39.1),
        ("temp 38.6°C at 04:00", 38.6),
        ("Interval: febrile again, Tmax 102.0 F at 02:00.", 38.9),
        ("Temperature of 100.4 F.", 38.0),
        ("CRS onset D+1 with fever 38.6.", 38.6),
        ("Vitals: T 100.9-102.7 BP 136/86 Pulse 117", 39.3),
    ],
)
def test_fever_readings_in_celsius(read_with: Read, text: str, celsius: float) -> None:
    assert _values(read_with, text, "fever") == [{"temperature_c": celsius}]


def test_fever_in_a_flowsheet_column(read_with: Read) -> None:
    text = (
        "24-h flowsheet\n"
        "| Time        | T (C) | HR  | BP     | MAP | SpO2 | O2 support    |\n"
        "| 04/07 20:00 | 38.9  | 118 | 92/50  | 64  | 93%  | HFNC 40L/60%  |\n"
        "| 04/08 07:00 | 37.8  | 104 | 101/58 | 72  | 95%  | HFNC 40L/50%  |\n"
    )
    assert _values(read_with, text, "fever") == [{"temperature_c": 38.9}]


def test_fever_has_the_date_of_its_line(read_with: Read) -> None:
    mentions = read_with(find_crs, "Progress note 05/13/2026\nTmax 39.0 on 05/12/2026.")
    assert [(m.value, m.date) for m in mentions] == [
        ({"temperature_c": 39.0}, dt.date(2026, 5, 12))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Afebrile overnight. Vitals stable.",
        "T 37.6 C | RR 16 | SpO2 97%",
        "Tmax at home 100.2 F.",
        "acetaminophen 650 mg PO q6h prn T > 38.3",
        "Fever is defined as a temperature of at least 38 °C.",
        "Call if temperature over 100.4 F.",
        "Denies fevers, chills or night sweats.",
        "Vitals: T 36.8  HR 78  BP 134/82  SpO2 98% RA\nHct 38.9  Wt 84.2 kg  BMI 27.1",
    ],
)
def test_no_fever(read_with: Read, text: str) -> None:
    assert _values(read_with, text, "fever") == []


# --- hypotension -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Fever with hypotension requiring norepinephrine.",
        "Pt remains hypotensive despite 2 L LR.",
        "SBP 70s requiring pressors overnight.",
        "D+2 SBP 84 after 1 L LR.",
        "BP dipped to 88/52 at 03:00, back to 104/60 after NS.",
    ],
)
def test_hypotension_present(read_with: Read, text: str) -> None:
    found = _found(read_with, text, "hypotension")
    assert found
    assert all(value == {"present": True} and not flags for _, value, flags in found)


def test_hypotension_negated_is_kept_with_its_context(read_with: Read) -> None:
    assert _found(read_with, "No hypotension, no hypoxia.", "hypotension") == [
        ("hypotension", {"present": True}, frozenset({"negated"}))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Estimated PA systolic pressure is 46-51 mmHg.",
        "If SBP < 90 despite 1 L bolus, start norepinephrine.",
        "History of orthostatic hypotension on standing.",
        "BP 142/84, HR 88.",
        "SBP 132, MAP 88.",
    ],
)
def test_no_hypotension(read_with: Read, text: str) -> None:
    assert [f for f in _found(read_with, text, "hypotension") if not f[2]] == []


# --- vasopressors ----------------------------------------------------------------------------


def test_each_vasopressor_given_vasopressin_included(read_with: Read) -> None:
    """Vasopressin is listed like the others; the engine leaves it out of "multiple"."""
    text = (
        "D+3 NE 0.12 mcg/kg/min, vasopressin 0.03 U/min added 02:10.\n"
        "Started on Levophed overnight.\n"
        "phenylephrine gtt 1 mcg/kg/min; dopamine 5 mcg/kg/min; epinephrine infusion.\n"
    )
    agents = [value["agent"] for value in _values(read_with, text, "vasopressor")]
    assert sorted(set(agents)) == [
        "dopamine",
        "epinephrine",
        "norepinephrine",
        "phenylephrine",
        "vasopressin",
    ]


def test_ne_abbreviation_and_flowsheet_cell(read_with: Read) -> None:
    found = _found(read_with, "MAP soft, NE uptitrated.\n| 04/08 | NE 0.15 + vaso 0.03 |")
    assert sorted({value["agent"] for _, value, _ in found}) == ["norepinephrine", "vasopressin"]


def test_vasopressors_keep_their_context(read_with: Read) -> None:
    text = (
        "No vasopressor requirement at any point; norepinephrine not needed.\n"
        "- if SBP < 90 despite 1 L bolus, start norepinephrine and transfer to ICU\n"
        "- titrate NE to MAP >= 65; if NE > 0.2 mcg/kg/min on vasopressin, add epinephrine\n"
    )
    found = {(value["agent"], flags) for _, value, flags in _found(read_with, text, "vasopressor")}
    assert found == {
        ("norepinephrine", frozenset({"negated"})),
        ("norepinephrine", frozenset({"hypothetical"})),
        ("norepinephrine", frozenset()),
        ("vasopressin", frozenset()),
        ("epinephrine", frozenset({"hypothetical"})),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Local anesthesia with 1% lidocaine with epinephrine 1:100,000.",
        "Epinephrine had already been instilled and biopsies were taken.",
        "The fibroid was injected with vasopressin, 20 units in 30 cc of saline.",
        "Sickle cell disease with vaso-occlusive crisis.",
        "Dilated with phenylephrine 2.5% drops in both eyes.",
        "Started duloxetine, a serotonin-norepinephrine reuptake inhibitor.",
        "Parkinson disease on a dopamine agonist.",
        "Office at 1200 Main St, Omaha NE 68102.",
        "Allergies: epinephrine (palpitations).",
    ],
)
def test_not_a_vasopressor(read_with: Read, text: str) -> None:
    assert _values(read_with, text, "vasopressor") == []


# --- oxygen support --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Stayed on 2 L NC overnight.", {"device": "nasal_cannula", "flow_l_min": 2.0}),
        ("nasal cannula at 4 L/min", {"device": "nasal_cannula", "flow_l_min": 4.0}),
        ("SpO2 93% on HFNC 40L/60%", {"device": "high_flow_nasal_cannula", "flow_l_min": 40.0}),
        (
            "placed on high-flow nasal cannula 40 L/min",
            {"device": "high_flow_nasal_cannula", "flow_l_min": 40.0},
        ),
        ("Sats 88% on 15 L NRB.", {"device": "nonrebreather_mask", "flow_l_min": 15.0}),
        ("Escalated to BiPAP overnight.", {"device": "bipap"}),
        ("Started CPAP for hypoxemia.", {"device": "cpap"}),
        ("Intubated for hypoxic respiratory failure.", {"device": "intubation"}),
        ("Remains on mechanical ventilation.", {"device": "mechanical_ventilation"}),
        ("O2 via face mask at 6 L.", {"device": "face_mask", "flow_l_min": 6.0}),
    ],
)
def test_oxygen_devices_and_flows(read_with: Read, text: str, value: dict[str, Any]) -> None:
    assert _values(read_with, text, "oxygen_support") == [value]


def test_device_change_in_one_line(read_with: Read) -> None:
    values = _values(read_with, "SpO2 87% on 4 L NC -> HFNC 40 L/60%.", "oxygen_support")
    assert values == [
        {"device": "nasal_cannula", "flow_l_min": 4.0},
        {"device": "high_flow_nasal_cannula", "flow_l_min": 40.0},
    ]


def test_positive_pressure_denied_is_negated(read_with: Read) -> None:
    text = "Resp: on HFNC 40 L/min, FiO2 50%; does not require BiPAP or intubation at this time."
    assert {(v["device"], flags) for _, v, flags in _found(read_with, text, "oxygen_support")} == {
        ("high_flow_nasal_cannula", frozenset()),
        ("bipap", frozenset({"negated"})),
        ("intubation", frozenset({"negated"})),
    }


def test_negation_of_one_clause_does_not_reach_the_next(read_with: Read) -> None:
    text = "She has not needed vasopressors and remains on 2 L nasal cannula."
    assert _found(read_with, text, "oxygen_support") == [
        ("oxygen_support", {"device": "nasal_cannula", "flow_l_min": 2.0}, frozenset())
    ]


def test_flowless_mention_joins_the_stated_flow(read_with: Read) -> None:
    text = "Hypoxia requiring HFNC.\nResp: HFNC 40 L/min, FiO2 50%."
    assert _values(read_with, text, "oxygen_support") == [
        {"device": "high_flow_nasal_cannula", "flow_l_min": 40.0}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "SpO2 98% on room air.",
        "Sat 97% RA, RR 16.",
        "HEENT: NC/AT, PERRLA.",
        "PMH: PV -> post-PV MF; HTN; OSA on CPAP; BPH",
        "Uses BiPAP nightly at home for sleep apnea.",
        (
            "OPERATIVE REPORT\nGeneral endotracheal anesthesia. The patient was intubated "
            "without difficulty."
        ),
        "The ileocecal valve was intubated during colonoscopy.",
        "- face mask (physical object)",
        "Received 1 L LR bolus.",
    ],
)
def test_no_oxygen_support(read_with: Read, text: str) -> None:
    assert _values(read_with, text, "oxygen_support") == []


# --- stated grade ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("He developed grade 4 cytokine release syndrome requiring two vasopressors.", 4),
        ("1. CRS, grade 3 (ASTCT): fever with hypotension", 3),
        ("CRS grade 2, improving.", 2),
        ("Gr 2 CRS on day +3.", 2),
        ("ASTCT grade 3 cytokine release syndrome", 3),
        ("has cytokine release syndrome, grade 2 by ASTCT criteria", 2),
        ("grade II CRS", 2),
    ],
)
def test_stated_crs_grade(read_with: Read, text: str, grade: int) -> None:
    assert _values(read_with, text, "crs_grade") == [{"grade": grade}]


@pytest.mark.parametrize(
    "text",
    [
        "ICANS grade 1; CRS onset D+1.",
        "to avoid progression to higher-grade CRS",
        "Grade 1-2 CRS occurred in most patients in the trial.",
        "risk of grade >= 3 CRS",
    ],
)
def test_no_stated_grade(read_with: Read, text: str) -> None:
    assert _values(read_with, text, "crs_grade") == []


# --- unrelated notes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        (
            "VITAL SIGNS: Afebrile. Blood pressure 128/76, pulse 72, respirations 16, oxygen "
            "saturation 98% on room air."
        ),
        "HEENT: Normocephalic, atraumatic. NC/AT. Neck supple.",
        (
            "The patient was taken to the operating room and placed under general endotracheal "
            "anesthesia. She was extubated in the operating room and taken to recovery."
        ),
        "Family history of leukemia in his father. Social history: denies tobacco.",
        "Echo: Estimated PA systolic pressure is 46 mmHg. LVEF 55%.",
        "Plan: continue lisinopril; follow up in 3 months.",
    ],
)
def test_unrelated_notes_give_nothing(read_with: Read, text: str) -> None:
    assert [f for f in _found(read_with, text) if not f[2]] == []
