"""Dates as notes write them, and the dates facts take from their page."""

from __future__ import annotations

import datetime as dt

import pytest

from priorauth.extract import find_labs
from priorauth.extract.dates import cell_date, find_dates, parse_date, relative_days
from priorauth.extract.mentions import page_date
from tests.extract.conftest import Read


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("03/14/2026", dt.date(2026, 3, 14)),
        ("3/4/26", dt.date(2026, 3, 4)),
        ("2026-03-14", dt.date(2026, 3, 14)),
        ("14-Mar-2026", dt.date(2026, 3, 14)),
        ("March 14, 2026", dt.date(2026, 3, 14)),
        ("Sept 3, 2025", dt.date(2025, 9, 3)),
        ("14 March 2026", dt.date(2026, 3, 14)),
        ("Mar 2026", dt.date(2026, 3, 1)),
        ("03/2026", dt.date(2026, 3, 1)),
    ],
)
def test_formats(text: str, date: dt.date) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize("text", ["BP 120/80", "on 1.5 mg", "3.4-10.8", "02/30/2026", "13/01/2026"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


def test_month_precision_is_marked_inexact() -> None:
    assert [exact for *_, exact in find_dates("started 03/2026, stopped 04/15/2026")] == [
        False,
        True,
    ]


def test_a_cell_is_a_date_only_when_it_is_all_date() -> None:
    assert cell_date(" 01/08/2026 ") == dt.date(2026, 1, 8)
    assert cell_date("150-450") is None
    assert cell_date("seen 01/08/2026 in clinic") is None


def test_relative_days() -> None:
    assert relative_days("started 3 weeks ago") == 21
    assert relative_days("two months ago") == 60
    assert relative_days("in 3 weeks") is None


def test_page_date_prefers_a_labelled_date_and_skips_birth_dates() -> None:
    text = (
        "Patient: Doe, Jane   DOB: 11/19/1978\nReferred 02/01/2026\nDate of service: 03/02/2026\n"
    )
    assert page_date(text) == dt.date(2026, 3, 2)
    assert page_date("DOB 11/19/1978\nSeen 02/01/2026") == dt.date(2026, 2, 1)
    assert page_date("no dates here") is None


def test_finding_dates_come_from_their_line_then_the_page(read_with: Read) -> None:
    text = (
        "Date of service: 03/02/2026\n"
        "Plt 88K 3 weeks ago.\n"
        "ED visit 2/20 - plt fell to 46K.\n"
        "Plt 120 today.\n"
    )
    dates = [(m.value["count"], m.date) for m in read_with(find_labs, text)]
    assert dates == [
        (88.0, dt.date(2026, 2, 9)),
        (46.0, dt.date(2026, 2, 20)),
        (120.0, dt.date(2026, 3, 2)),
    ]
