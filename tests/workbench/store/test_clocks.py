"""Review clocks: defaults, PRIORAUTH_CLOCKS, and its errors."""

from __future__ import annotations

import datetime as dt

import pytest

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store.clocks import (
    DEFAULT_CLOCKS,
    configured_clocks,
    parse_clocks,
    plan_zone,
)

HOUR = dt.timedelta(hours=1)


def test_defaults() -> None:
    assert DEFAULT_CLOCKS["medicaid"].allowed(expedited=False) == 24 * HOUR
    assert DEFAULT_CLOCKS["medicaid"].allowed(expedited=True) == 24 * HOUR
    for line in ("commercial", "marketplace"):
        assert DEFAULT_CLOCKS[line].allowed(expedited=False) == 72 * HOUR
        assert DEFAULT_CLOCKS[line].allowed(expedited=True) == 24 * HOUR


def test_configured_lines_replace_only_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIORAUTH_CLOCKS", " commercial = 48/12 , medicare_d=72/24")
    clocks = configured_clocks()
    assert clocks["commercial"].allowed(expedited=False) == 48 * HOUR
    assert clocks["commercial"].allowed(expedited=True) == 12 * HOUR
    assert clocks["medicare_d"].allowed(expedited=True) == 24 * HOUR
    assert clocks["medicaid"] == DEFAULT_CLOCKS["medicaid"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("commercial=72", "not line=hours/hours"),
        ("commercial:72/24", "not line=hours/hours"),
        ("commercial=24/72", "expedited no longer than standard"),
        ("commercial=0/0", "must be positive"),
    ],
)
def test_bad_clocks(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as raised:
        parse_clocks(text)
    assert "PRIORAUTH_CLOCKS" in str(raised.value)


def test_the_plans_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert plan_zone() == dt.UTC
    monkeypatch.setenv("PRIORAUTH_TIMEZONE", "America/Chicago")
    evening = dt.datetime(2026, 6, 3, 2, 30, tzinfo=dt.UTC)  # 21:30 on June 2 in Chicago
    assert evening.astimezone(plan_zone()).date() == dt.date(2026, 6, 2)
    monkeypatch.setenv("PRIORAUTH_TIMEZONE", "Mars/Olympus")
    with pytest.raises(InputError, match="PRIORAUTH_TIMEZONE: 'Mars/Olympus' is not a time zone"):
        plan_zone()
