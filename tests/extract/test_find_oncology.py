"""Regimens, lines of therapy, transplants, CAR T, consultations and submitted literature as
letters, lab reports and progress notes write them; and what must give nothing."""

from __future__ import annotations

from typing import Any

import pytest

from priorauth.adjudicate.facts import FACT_ADAPTER
from priorauth.extract import find_mutations, find_oncology
from priorauth.extract.mentions import Mention
from tests.extract.conftest import Read

Found = tuple[dict[str, Any], frozenset[str]]
MOSKOWITZ = "Moskowitz AJ, Ghione P, Jacobsen E, et al. Blood. 2021;138(26):2828-2837"


def _flags(mention: Mention) -> frozenset[str]:
    return frozenset(
        flag for flag, on in mention.context.model_dump().items() if on and flag != "historical"
    )


def _found(read_with: Read, text: str, name: str) -> list[Found]:
    mentions = read_with(find_oncology, text)
    for mention in mentions:
        # Every value must be one the fact model accepts.
        FACT_ADAPTER.validate_python({"id": "f", "name": mention.name, "value": mention.value})
    return [(m.value, _flags(m)) for m in mentions if m.name == name]


# --- treatment plan and lines ----------------------------------------------------------------


def test_induction_with_the_regimen_named(read_with: Read) -> None:
    text = (
        "Ph-like B-ALL. She began 4-drug induction (vincristine, dexamethasone, pegaspargase, "
        "daunorubicin) on 01/09/2026."
    )
    assert _found(read_with, text, "treatment_plan") == [
        (
            {
                "intent": "induction",
                "combined_with": ["vincristine", "dexamethasone", "pegaspargase", "daunorubicin"],
            },
            frozenset(),
        )
    ]


@pytest.mark.parametrize(
    ("text", "intent", "flags"),
    [
        ("PTCL-NOS relapsed. Treatment intent is palliative.", "palliative", frozenset()),
        ("B-ALL: add ruxolitinib in combination with the induction regimen.", "induction", set()),
        ("B-ALL. If tolerated, plan to continue rux with consolidation.", "consolidation", None),
        ("ALL in maintenance therapy with 6-MP and methotrexate.", "maintenance", set()),
        ("DLBCL, now on salvage chemotherapy (R-ICE).", "salvage", set()),
    ],
)
def test_treatment_intent(
    read_with: Read, text: str, intent: str, flags: frozenset[str] | set[str] | None
) -> None:
    found = _found(read_with, text, "treatment_plan")
    assert [value["intent"] for value, _ in found] == [intent]
    wanted = frozenset({"hypothetical"}) if flags is None else frozenset(flags)
    assert found[0][1] == wanted


@pytest.mark.parametrize(
    "text",
    [
        "CXR: right lower lobe consolidation.",
        "After induction of general anesthesia the patient was prepped and draped.",
        "Continue maintenance IV fluids at 75 mL/h.",
        "Palliative care consult for goals of care.",
        "Health maintenance: colonoscopy due.",
    ],
)
def test_no_treatment_plan(read_with: Read, text: str) -> None:
    assert _found(read_with, text, "treatment_plan") == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Relapsed PTCL after two prior lines of systemic therapy.", 2),
        ("Myeloma: failed 3 prior regimens.", 3),
        ("DLBCL, s/p 4 prior lines of therapy.", 4),
        ("Lymphoma: ruxolitinib as third-line therapy.", 2),
    ],
)
def test_prior_lines(read_with: Read, text: str, count: int) -> None:
    assert [v for v, _ in _found(read_with, text, "systemic_therapy_lines")] == [{"count": count}]


@pytest.mark.parametrize(
    "text",
    [
        "Two peripheral IV lines placed.",
        "Leukemia: start ruxolitinib - second-line per label and NCCN.",
        "Tumor board: two prior topical regimens for his rash.",
    ],
)
def test_no_prior_lines(read_with: Read, text: str) -> None:
    assert _found(read_with, text, "systemic_therapy_lines") == []


# --- transplant ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "flags"),
    [
        ("AML, s/p allo-HCT 2023.", "allogeneic", frozenset()),
        ("Day +100 after allogeneic stem cell transplant.", "allogeneic", frozenset()),
        ("s/p alloSCT for MDS in 2021.", "allogeneic", frozenset()),
        ("MUD allo-HSCT 03/2024 for AML.", "allogeneic", frozenset()),
        ("Myeloma, s/p auto-SCT (2021).", "autologous", frozenset()),
        ("Lymphoma: no prior HCT.", "unspecified", frozenset({"negated"})),
        ("PTCL. He is not pursuing transplant.", "unspecified", frozenset({"negated"})),
        ("MF: not a candidate for allogeneic stem cell transplant.", "allogeneic", {"negated"}),
        (
            "MLN-eo. Allogeneic HCT is the only potentially curative option.",
            "allogeneic",
            frozenset({"hypothetical"}),
        ),
    ],
)
def test_transplant(
    read_with: Read, text: str, kind: str, flags: frozenset[str] | set[str]
) -> None:
    assert _found(read_with, text, "transplant") == [({"kind": kind}, frozenset(flags))]


@pytest.mark.parametrize(
    "text",
    [
        "Labs: WBC 6.1, HCT 38.2, PLT 220.",
        "A HCT there demonstrated a subarachnoid hemorrhage.",
        "s/p renal transplant 2015 on tacrolimus.",
        "ACL reconstruction with allograft.",
        "Leukemia. Seen by BMT (Dr. Okonkwo) last month.",
        "Autologous fat grafting to the breast.",
    ],
)
def test_no_transplant(read_with: Read, text: str) -> None:
    assert _found(read_with, text, "transplant") == []


# --- CAR T -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Received axicabtagene ciloleucel (Yescarta) on 04/03/2026.", "cd19"),
        ("Day +5 axi-cel.", "cd19"),
        ("Carvykti infused 05/04/2026 = D0.", "bcma"),
        ("s/p ide-cel for myeloma.", "bcma"),
        ("Relapsed after CD19-directed CAR T-cell therapy.", "cd19"),
        ("BCMA CAR T infused last month.", "bcma"),
    ],
)
def test_car_t_target(read_with: Read, text: str, target: str) -> None:
    values = {v.get("target") for v, _ in _found(read_with, text, "cell_therapy")}
    assert values == {target}


def test_car_t_without_a_product(read_with: Read) -> None:
    assert _found(read_with, "IEC-HS after CAR T, responding.", "cell_therapy") == [
        ({"therapy": "car_t"}, frozenset())
    ]


# --- consultations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "specialty"),
    [
        ("Seen by hematology on 02/01.", "hematology"),
        ("Dermatology consult: vitiligo.", "dermatology"),
        ("Referred to BMT for evaluation.", "bone marrow transplant"),
        ("Cardiology (Dr. A. Patel) saw him 01/20/2026.", "cardiology"),
        ("Critical Care consult following.", "critical care"),
        ("ID following cultures.", "infectious disease"),
        ("GI was consulted for EGD.", "gastroenterology"),
    ],
)
def test_consultation(read_with: Read, text: str, specialty: str) -> None:
    assert _found(read_with, text, "consultation") == [({"specialty": specialty}, frozenset())]


def test_referral_still_to_come_is_hypothetical(read_with: Read) -> None:
    assert _found(read_with, "Plan: referral to dermatology.", "consultation") == [
        ({"specialty": "dermatology"}, frozenset({"hypothetical"}))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Referring: Thomas Nguyen, DO (Internal Medicine)",
        "Provider: Lucia M. Herrera, MD (Heme/Onc)",
        "Member ID: U84420917",
        "Dose per renal function.",
        "Neuro checks q4h.",
    ],
)
def test_no_consultation(read_with: Read, text: str) -> None:
    assert _found(read_with, text, "consultation") == []


# --- literature ------------------------------------------------------------------------------


def test_enclosed_reference_cited_as_authors_and_journal(read_with: Read) -> None:
    text = (
        "The requested dose is the dose studied in the enclosed reference:\n"
        "  Moskowitz AJ, Ghione P, Jacobsen E, et al. A phase 2 biomarker-driven study of\n"
        "  ruxolitinib demonstrates effectiveness of JAK/STAT targeting in T-cell lymphomas.\n"
        "  Blood. 2021;138(26):2828-2837.\n"
    )
    assert _found(read_with, text, "dose_literature") == [
        (
            {"citation": MOSKOWITZ},
            frozenset(),
        )
    ]


def test_short_reference_and_attached_guideline(read_with: Read) -> None:
    text = (
        "Supporting literature is attached: Zeiser R, et al. N Engl J Med 2020;382:1800-10.\n"
        "The dose is supported by the NCCN Guidelines for Hematopoietic Cell Transplantation "
        "v2.2026 (copy enclosed).\n"
    )
    citations = [v["citation"] for v, _ in _found(read_with, text, "dose_literature")]
    assert citations == [
        "Zeiser R, et al. N Engl J Med 2020;382:1800-10",
        "NCCN Guidelines for Hematopoietic Cell Transplantation v2.2026",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Ruxolitinib is recommended by NCCN (T-Cell Lymphomas v2.2025) for relapsed PTCL.",
        "It is a category 1 recommendation in the NCCN Guidelines, including for post-PV MF.",
        "Seen 2020;12:3 per schedule.",
    ],
)
def test_no_literature(read_with: Read, text: str) -> None:
    assert _found(read_with, text, "dose_literature") == []


# --- unrelated notes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FAMILY HISTORY: Mother with leukemia, father with coronary artery disease.",
        "HEENT: NC/AT. Lungs: right lower lobe consolidation. Hct 38.",
        "JAK2 testing pending; will review at next visit.",
        (
            "The patient was taken to the operating room; induction of general anesthesia "
            "was uneventful. Bone allograft was placed."
        ),
        "PLAN: Continue maintenance inhaler. Follow up with PCP in 2 weeks.",
    ],
)
def test_unrelated_notes_give_nothing(read_with: Read, text: str) -> None:
    mentions = read_with(find_mutations, text) + read_with(find_oncology, text)
    assert [(m.name, m.value) for m in mentions if not _flags(m)] == []
