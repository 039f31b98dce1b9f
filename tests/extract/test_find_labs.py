"""Platelet counts in the units and layouts labs and clinicians use."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from priorauth.adjudicate.facts import BBox, PlateletCountValue
from priorauth.extract import find_labs
from priorauth.extract.pages import Table, TableCell
from tests.extract.conftest import Read, text_page


def _counts(read_with: Read, text: str) -> list[tuple[float, dt.date | None]]:
    return [
        (PlateletCountValue.model_validate(m.value).per_nanolitre, m.date)
        for m in read_with(find_labs, text)
    ]


@pytest.mark.parametrize(
    ("row", "count"),
    [
        ("Platelets   92   K/uL   150-400 L", 92),
        ("PLT 45 x10E3/uL", 45),
        ("Platelet count: 112,000/uL", 112),
        ("pt's plt 88K today", 88),
        ("Platelets (PLT)  L 61  x10^9/L", 61),
        ("Plt 92", 92),
        ("platelets 150 x 10^9/L", 150),
        ("Platelet Count 74 thou/uL", 74),
    ],
)
def test_units_are_one_scale(read_with: Read, row: str, count: float) -> None:
    assert [c for c, _ in _counts(read_with, row)] == [count]


def test_date_is_the_rows_own_date_else_the_collection_date(read_with: Read) -> None:
    text = (
        "CBC WITH DIFFERENTIAL      Collected: 03/02/2026\n"
        "Platelets   92   K/uL   150-400 L\n"
        "PLT 45 x10E3/uL  (02/01/2026)\n"
    )
    assert _counts(read_with, text) == [
        (92, dt.date(2026, 3, 2)),
        (45, dt.date(2026, 2, 1)),
    ]


def test_reference_range_is_not_the_result(read_with: Read) -> None:
    assert [c for c, _ in _counts(read_with, "Platelets  L 38  K/uL  (150 - 400)")] == [38]


@pytest.mark.parametrize(
    "text",
    [
        "No platelet transfusion required.",
        "Platelet-rich plasma injection to the knee.",
        "Antiplatelet therapy with aspirin 81 mg.",
        "Platelets: normal.",
    ],
)
def test_no_count_no_fact(read_with: Read, text: str) -> None:
    assert _counts(read_with, text) == []


def test_ruled_table_is_read_by_its_columns(read_with: Read) -> None:
    """The row's text order (flag before result) does not matter: the columns decide."""
    text = "Collected 03/02/2026\nTest Flag Result Units\nPlatelets L 61 K/uL\n"
    box = BBox(x0=0, top=0, x1=1, bottom=1)

    def row(*cells: str) -> tuple[TableCell, ...]:
        return tuple(TableCell(text=cell, bbox=box) for cell in cells)

    table = Table(
        rows=(row("Test", "Flag", "Result", "Units"), row("Platelets", "L", "61", "K/uL")),
        bbox=box,
    )
    page = dataclasses.replace(text_page(text), tables=(table,))
    mentions = read_with(find_labs, page)
    assert [(m.value["count"], str(m.date)) for m in mentions] == [(61.0, "2026-03-02")]
    assert mentions[0].confidence == 0.97  # from the table, the line reading was skipped
