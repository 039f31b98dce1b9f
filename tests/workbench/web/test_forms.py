"""Fact forms from the vocabulary, and the due clock's wording."""

from __future__ import annotations

import datetime as dt

import pytest

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FACT_TYPES
from priorauth.workbench.web.forms import FIELDS, parse_context, parse_date, parse_value
from priorauth.workbench.web.queue_pages import received_from_form
from priorauth.workbench.web.render import due_in


def test_every_fact_kind_has_a_form() -> None:
    assert set(FIELDS) == set(FACT_TYPES)
    trial = {field.name: field for field in FIELDS["therapy_trial"]}
    assert trial["agent"].kind == "text"
    assert trial["agent"].required
    assert trial["outcome"].kind == "choice"
    assert "inadequate_response" in trial["outcome"].choices
    assert trial["duration_days"].kind == "integer"
    assert trial["start_date"].kind == "date"
    assert not trial["start_date"].required
    assert {field.name: field.kind for field in FIELDS["treatment_plan"]}["combined_with"] == "list"


def test_parse_value_keeps_what_was_filled_in() -> None:
    form = {
        "v.intent": "induction",
        "v.combined_with": " dexamethasone,  , etoposide ",
    }
    assert parse_value("treatment_plan", form, "v.") == {
        "intent": "induction",
        "combined_with": ["dexamethasone", "etoposide"],
    }
    flags = {"v.gene": "JAK2", "v.detected": "no"}
    assert parse_value("mutation", flags, "v.") == {"gene": "JAK2", "detected": False}
    assert parse_value("mutation", {"v.gene": "JAK2", "v.detected": ""}, "v.") == {"gene": "JAK2"}
    with pytest.raises(InputError, match=r"value\.gene: is required"):
        parse_value("mutation", {}, "v.")


def test_context_and_date() -> None:
    assert parse_context({"context.negated": "on", "context.family": "off"}) == {
        "negated": True,
        "historical": False,
        "hypothetical": False,
        "family": False,
        "uncertain": False,
    }
    assert parse_date(" 2026-02-01 ") == "2026-02-01"
    assert parse_date("") is None
    with pytest.raises(InputError, match="not a date"):
        parse_date("02/01/2026")


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (dt.timedelta(minutes=59, seconds=59), "59 min"),
        (dt.timedelta(hours=5, minutes=20), "5 h 20 min"),
        (dt.timedelta(hours=72), "3 d 0 h"),
        (dt.timedelta(minutes=-90), "overdue 1 h 30 min"),
        (dt.timedelta(seconds=-1), "overdue 0 min"),
    ],
)
def test_due_in(left: dt.timedelta, text: str) -> None:
    now = dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC)
    assert due_in(now + left, now) == text


def test_received_at_is_read_in_the_browsers_time_zone() -> None:
    chicago_summer = {"received_at": "2026-07-01T08:30", "tz_offset": "300"}
    assert received_from_form(chicago_summer) == dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.UTC)
    assert received_from_form({"received_at": "2026-07-01T08:30"}) == dt.datetime(
        2026, 7, 1, 8, 30, tzinfo=dt.UTC
    )
    assert received_from_form({"received_at": " "}) is None
    with pytest.raises(InputError, match="is not a date and time"):
        received_from_form({"received_at": "yesterday"})
    with pytest.raises(InputError, match="tz_offset: is not a time-zone offset"):
        received_from_form({"received_at": "2026-07-01T08:30", "tz_offset": "9999"})
