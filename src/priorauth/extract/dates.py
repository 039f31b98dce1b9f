"""Dates as notes write them: 03/14/2026, 3/14/26, 2026-03-14, 14-Mar-2026, March 14, 2026,
Mar 2026, 03/2026, and relative ones ("3 weeks ago") against the note's own date."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)

DATE = re.compile(
    r"(?<![\d/])(?:"
    r"(?P<y1>(?:19|20)\d\d)-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})"
    r"|(?P<m2>\d{1,2})(?P<sep>[/.-])(?P<d2>\d{1,2})(?P=sep)(?P<y2>(?:19|20)?\d\d)"
    r"|(?P<d3>\d{1,2})[- ]" + _MONTH.replace("mon", "mon3") + r"[- ,]*(?P<y3>(?:19|20)\d\d)"
    r"|"
    + _MONTH.replace("mon", "mon4")
    + r"\s+(?P<d4>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)\d\d)"
    r"|" + _MONTH.replace("mon", "mon5") + r",?\s+(?P<y5>(?:19|20)\d\d)"
    r"|(?P<m6>\d{1,2})/(?P<y6>(?:19|20)\d\d)"
    r")(?![\d/])",
    re.IGNORECASE,
)

RELATIVE = re.compile(
    r"\b(?P<n>\d{1,3}|a|an|one|two|three|four|five|six|several)\s+"
    r"(?P<unit>day|week|wk|month|mo|year|yr)s?\s+ago\b",
    re.IGNORECASE,
)

_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
UNIT_DAYS = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30, "year": 365, "yr": 365}


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _build(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _from_match(match: re.Match[str]) -> dt.date | None:
    g = match.groupdict()
    if g["y1"]:
        return _build(int(g["y1"]), int(g["m1"]), int(g["d1"]))
    if g["y2"]:
        return _build(_year(g["y2"]), int(g["m2"]), int(g["d2"]))
    if g["y3"]:
        return _build(int(g["y3"]), _month(g["mon3"]), int(g["d3"]))
    if g["y4"]:
        return _build(int(g["y4"]), _month(g["mon4"]), int(g["d4"]))
    if g["y5"]:
        return _build(int(g["y5"]), _month(g["mon5"]), 1)
    if g["y6"]:
        return _build(int(g["y6"]), int(g["m6"]), 1)
    return None


def _month(text: str) -> int:
    return _MONTHS[text.lower().rstrip(".")[:3]]


def find_dates(text: str) -> Iterator[tuple[int, int, dt.date, bool]]:
    """Each date in ``text``: start, end, the date, and whether the day was written."""
    for match in DATE.finditer(text):
        date = _from_match(match)
        if date is not None:
            exact = not (match.group("y5") or match.group("y6"))
            yield match.start(), match.end(), date, exact


_TIME = re.compile(r"\s*(?:\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?|\d{4}h?)?\s*$")


def cell_date(text: str) -> dt.date | None:
    """The date a table cell *is* ("01/08/2026", "Jan 8, 2026 05:10"), not one it mentions."""
    stripped = text.strip()
    for start, end, date, _exact in find_dates(stripped):
        if start == 0 and _TIME.fullmatch(stripped[end:]):
            return date
    return None


def parse_date(text: str) -> dt.date | None:
    for _start, _end, date, _exact in find_dates(text):
        return date
    return None


def relative_days(text: str) -> int | None:
    """Days back that a phrase like "3 weeks ago" says, or None."""
    match = RELATIVE.search(text)
    if match is None:
        return None
    count = match.group("n").lower()
    number = _WORD_NUMBERS.get(count, 3 if count == "several" else None)
    if number is None:
        number = int(count)
    return number * UNIT_DAYS[match.group("unit").lower()]
