"""Review clocks: how long the plan has to decide, by line of business and urgency, and the
plan's time zone.

Defaults follow the usual federal rules: a Medicaid covered-outpatient-drug request is
answered within 24 hours; commercial and marketplace requests get the Part D style 72 hours
standard and 24 hours expedited. Plans with other contracts set ``PRIORAUTH_CLOCKS``, e.g.
``medicaid=24/24,commercial=72/24,marketplace=72/24`` (hours, standard/expedited).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from priorauth.adjudicate.errors import InputError

CLOCKS_ENV = "PRIORAUTH_CLOCKS"
TIMEZONE_ENV = "PRIORAUTH_TIMEZONE"
_ENTRY = re.compile(r"^\s*([a-z_]+)\s*=\s*(\d{1,4})\s*/\s*(\d{1,4})\s*$")


@dataclass(frozen=True, slots=True)
class Clock:
    standard: dt.timedelta
    expedited: dt.timedelta

    def allowed(self, *, expedited: bool) -> dt.timedelta:
        return self.expedited if expedited else self.standard


def _hours(standard: int, expedited: int) -> Clock:
    return Clock(dt.timedelta(hours=standard), dt.timedelta(hours=expedited))


DEFAULT_CLOCKS: Mapping[str, Clock] = {
    "medicaid": _hours(24, 24),
    "commercial": _hours(72, 24),
    "marketplace": _hours(72, 24),
}


def parse_clocks(text: str) -> dict[str, Clock]:
    """``line=standard/expedited`` hours, comma-separated; lines not named keep the default."""
    clocks = dict(DEFAULT_CLOCKS)
    for entry in filter(str.strip, text.split(",")):
        match = _ENTRY.match(entry)
        if match is None:
            raise InputError(CLOCKS_ENV, "", f"{entry.strip()!r} is not line=hours/hours")
        line, standard, expedited = match.group(1), int(match.group(2)), int(match.group(3))
        if not 0 < expedited <= standard:
            raise InputError(
                CLOCKS_ENV, line, "hours must be positive, expedited no longer than standard"
            )
        clocks[line] = _hours(standard, expedited)
    return clocks


def configured_clocks() -> dict[str, Clock]:
    """The clocks ``PRIORAUTH_CLOCKS`` sets, else the defaults."""
    return parse_clocks(os.environ.get(CLOCKS_ENV, ""))


def plan_zone() -> dt.tzinfo:
    """The plan's time zone (``PRIORAUTH_TIMEZONE``, an IANA name; default UTC): letters are
    dated by its calendar."""
    name = os.environ.get(TIMEZONE_ENV, "").strip()
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            TIMEZONE_ENV, "", f"{name!r} is not a time zone (e.g. America/Chicago)"
        ) from None
