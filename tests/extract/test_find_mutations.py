"""Mutations and fusions as letters, lab reports and karyotypes write them: detected, not
detected, and tests that are only pending or named, which give nothing."""

from __future__ import annotations

from typing import Any

import pytest

from priorauth.adjudicate.facts import FACT_ADAPTER
from priorauth.extract import find_mutations
from priorauth.extract.mentions import Mention
from tests.extract.conftest import Read

Found = tuple[dict[str, Any], frozenset[str]]


def _flags(mention: Mention) -> frozenset[str]:
    return frozenset(
        flag for flag, on in mention.context.model_dump().items() if on and flag != "historical"
    )


def _found(read_with: Read, text: str, name: str) -> list[Found]:
    mentions = read_with(find_mutations, text)
    for mention in mentions:
        # Every value must be one the fact model accepts.
        FACT_ADAPTER.validate_python({"id": "f", "name": mention.name, "value": mention.value})
    return [(m.value, _flags(m)) for m in mentions if m.name == name]


def _genes(read_with: Read, text: str) -> set[tuple[str, bool, frozenset[str]]]:
    return {(v["gene"], v["detected"], flags) for v, flags in _found(read_with, text, "mutation")}


# --- mutations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Molecular: JAK2 V617F detected, VAF 78%.",
            {"gene": "JAK2", "alteration": "mutation", "detail": "V617F", "detected": True},
        ),
        (
            "JAK2 V617F: negative",
            {"gene": "JAK2", "alteration": "mutation", "detail": "V617F", "detected": False},
        ),
        (
            "CALR exon 9 mutation (type 1).",
            {
                "gene": "CALR",
                "alteration": "mutation",
                "detail": "exon 9 mutation",
                "detected": True,
            },
        ),
        (
            "MPL W515L not detected.",
            {"gene": "MPL", "alteration": "mutation", "detail": "W515L", "detected": False},
        ),
        (
            "RT-PCR: PCM1::JAK2 fusion detected.",
            {"gene": "JAK2", "alteration": "fusion", "detail": "PCM1::JAK2", "detected": True},
        ),
        (
            "Karyotype 46,XY,t(8;9)(p22;p24.1)[17]/46,XY[3]",
            {"gene": "JAK2", "alteration": "fusion", "detail": "PCM1::JAK2", "detected": True},
        ),
        (
            "FISH shows a P2RY8-CRLF2 rearrangement.",
            {
                "gene": "CRLF2",
                "alteration": "rearrangement",
                "detail": "P2RY8::CRLF2",
                "detected": True,
            },
        ),
        (
            "NGS: IL7R insertion/deletion in exon 6, VAF 30%.",
            {"gene": "IL7R", "alteration": "insertion_deletion", "detected": True},
        ),
        (
            "BCR::ABL1 negative.",
            {"gene": "BCR-ABL1", "alteration": "fusion", "detected": False},
        ),
        (
            "SH2B3 deletion detected by SNP array.",
            {"gene": "SH2B3", "alteration": "deletion", "detected": True},
        ),
        (
            "IGH::EPOR rearrangement positive.",
            {
                "gene": "EPOR",
                "alteration": "rearrangement",
                "detail": "IGH::EPOR",
                "detected": True,
            },
        ),
    ],
)
def test_mutation_values(read_with: Read, text: str, expected: dict[str, Any]) -> None:
    assert _found(read_with, text, "mutation") == [(expected, frozenset())]


def test_negative_results_are_detected_false_not_negated(read_with: Read) -> None:
    text = (
        "Myeloid NGS: JAK2 V617F not detected; CALR and MPL not detected.\n"
        "FISH for BCR::ABL1, PDGFRA, PDGFRB and FGFR1 rearrangements\n"
        "was negative, so imatinib has no role.\n"
    )
    assert _genes(read_with, text) == {
        (gene, False, frozenset())
        for gene in ("JAK2", "CALR", "MPL", "BCR-ABL1", "PDGFRA", "PDGFRB", "FGFR1")
    }


def test_lead_in_covers_the_list_after_it(read_with: Read) -> None:
    text = "Negative for JAK2 V617F, CALR and MPL mutations; positive for ASXL1 p.G646Wfs*12."
    assert _genes(read_with, text) == {
        ("JAK2", False, frozenset()),
        ("CALR", False, frozenset()),
        ("MPL", False, frozenset()),
        ("ASXL1", True, frozenset()),
    }


def test_wrapped_line_starting_with_a_gene_stays_in_its_sentence(read_with: Read) -> None:
    text = (
        "RT-PCR confirms a PCM1::JAK2 fusion. No BCR::ABL1,\nPDGFRA, PDGFRB or FGFR1 rearrangement."
    )
    assert _genes(read_with, text) == {
        ("JAK2", True, frozenset()),
        ("BCR-ABL1", False, frozenset()),
        ("PDGFRA", False, frozenset()),
        ("PDGFRB", False, frozenset()),
        ("FGFR1", False, frozenset()),
    }


def test_lab_table_rows(read_with: Read) -> None:
    text = (
        "| Probe                       | Result     | % abnormal |\n"
        "| JAK2 (9p24.1) break-apart   | REARRANGED | 82.5       |\n"
        "| BCR::ABL1 dual fusion       | Negative   | 0.5        |\n"
        "| Gene  | Variant         | VAF | Result       |\n"
        "| JAK2  | V617F (exon 14) | --  | Not detected |\n"
        "| CALR  | exon 9 indels   | --  | Not detected |\n"
    )
    values = [v for v, _ in _found(read_with, text, "mutation")]
    assert [(v["gene"], v["detected"], v.get("alteration")) for v in values] == [
        ("JAK2", True, "rearrangement"),
        ("BCR-ABL1", False, "fusion"),
        ("JAK2", False, "mutation"),
        ("CALR", False, "insertion_deletion"),
    ]


def test_result_given_as_a_heading(read_with: Read) -> None:
    text = "# NOT DETECTED\nJAK2 (V617F, exon 12), CALR (exon 9), MPL (exon 10), NRAS, KRAS.\n"
    assert _genes(read_with, text) == {
        (gene, False, frozenset()) for gene in ("JAK2", "CALR", "MPL", "NRAS", "KRAS")
    }


def test_suffixes_and_slashes(read_with: Read) -> None:
    text = (
        "JAK2 V617F-positive PV since 2014. JAK2+ on repeat.\n"
        "STAT3-mutant disease.\n"
        "Imatinib not given (PDGFRA/B negative).\n"
    )
    assert _genes(read_with, text) == {
        ("JAK2", True, frozenset()),
        ("STAT3", True, frozenset()),
        ("PDGFRA", False, frozenset()),
        ("PDGFRB", False, frozenset()),
    }


def test_family_members_mutation_is_marked_family(read_with: Read) -> None:
    text = "Family history: Sister (58) with JAK2+ essential thrombocythemia."
    assert _genes(read_with, text) == {("JAK2", True, frozenset({"family"}))}


@pytest.mark.parametrize(
    "text",
    [
        "JAK2 testing pending.",
        "Will send JAK2 V617F, CALR and MPL.",
        "JAK2 V617F mutation analysis ordered today.",
        "Myeloid Neoplasm NGS Panel (54 genes) + BCR::ABL1 RT-PCR",
        "FISH (CRLF2, BCR::ABL1, ABL1, ABL2 probes); targeted RNA fusion panel.",
        "JAK1/2 inhibition with ruxolitinib is our salvage option.",
        "Ph-like signature on the expression classifier; BCR::ABL1-like ALL.",
        "Family history of leukemia in his mother.",
        "Office: 800 Spruce St, Philadelphia PA 19107",
        "Start fedratinib, a JAK2 inhibitor.",
    ],
)
def test_no_mutation(read_with: Read, text: str) -> None:
    assert _found(read_with, text, "mutation") == []
