"""Platelet counts, from lab tables, OCR'd lab lines and narrative ("Plt 92K").

Units: 10^9/L, K/uL, x10E3/uL, thou/uL and a bare "Plt 92" are one scale; /uL and /mm3
counts ("92,000/uL") are converted by the fact's unit. The date is the collection date on
the row's line, else the page's (collection) date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from priorauth.adjudicate.facts import PlateletUnit
from priorauth.extract.mentions import Mention, PageText, quote_span

_NUMBER = r"(?P<count>\d{1,3}(?:,\d{3})+|\d{1,6}(?:\.\d+)?)"
_UNIT = (
    r"(?P<unit>"
    r"[xX×]\s*10\s*(?:\^|\*|e|E)?\s*(?P<exp>9|3)\s*/\s*(?:[lL]|u[lL]|µ[lL]|mc[lL]|mm3)"
    r"|[kK]\s*/\s*(?:u|µ|mc)[lL]|[kK]/mm3|thou(?:s|sand)?/(?:u|µ|mc)[lL]|10\^?9/[lL]|10\^?3/u[lL]"
    r"|/(?:u|µ|mc)[lL]|/mm3|[kK]\b"
    r")?"
)
PLATELETS = re.compile(
    r"\b(?:platelet\s+count|platelets?|plts?|plt\s+ct|thrombocytes)\b"
    r"(?:\s*\((?:plt|auto)\)|\s*,?\s*(?:count|auto(?:mated)?))?"
    r"[ \t:=#]*(?:(?:was|is|of|at|now|today|down to|up to|improved to|dropped to)\s+)?"
    r"[ \t]*(?:[HLhl*]\s+)?" + _NUMBER + r"\s*(?:[HL]\s+)?" + _UNIT,
    re.IGNORECASE,
)
PATTERNS = {"platelets": PLATELETS}

_THOUSANDS_UNITS = re.compile(r"[kK]|thou|10\^?3|10\^?9|e3|e9|\^3|\^9|\*3|\*9", re.IGNORECASE)


def _unit(raw: str | None, count: float) -> tuple[float, PlateletUnit]:
    if raw is None:
        # A bare count: "Plt 92" is in thousands; "Plt 92000" is per microlitre.
        if count >= 2000:
            return count, PlateletUnit.PER_MICROLITRE
        return count, PlateletUnit.PER_NANOLITRE
    compact = raw.replace(" ", "")
    if compact.startswith("/") and not _THOUSANDS_UNITS.search(compact):
        return count, PlateletUnit.PER_MICROLITRE
    if "3" in compact or compact.lower().startswith("k") or "thou" in compact.lower():
        return count, PlateletUnit.THOUSANDS_PER_MICROLITRE
    return count, PlateletUnit.PER_NANOLITRE


_LABEL = re.compile(r"^\s*(?:platelet\s+count|platelets?|plts?|plt\s+ct)\b", re.IGNORECASE)
_VALUE = re.compile(r"^\s*[HL*]?\s*" + _NUMBER + r"\s*[HL*]?\s*" + _UNIT + r"\s*$", re.IGNORECASE)
_RESULT_HEADER = re.compile(r"result|value|current", re.IGNORECASE)
_UNIT_HEADER = re.compile(r"units?", re.IGNORECASE)


def _from_tables(page: PageText) -> Iterator[tuple[int, Mention]]:
    """Platelet rows of ruled lab tables, read by column: the result under "Result", its
    unit under "Units", whatever order the row's text comes out in."""
    for table in page.page.tables:
        if len(table.rows) < 2:
            continue
        header = [cell.text for cell in table.rows[0]]
        result_col = next((i for i, h in enumerate(header) if _RESULT_HEADER.search(h)), 1)
        unit_col = next((i for i, h in enumerate(header) if _UNIT_HEADER.search(h)), None)
        for row in table.rows[1:]:
            if len(row) <= result_col or not _LABEL.match(row[0].text):
                continue
            unit_text = row[unit_col].text if unit_col is not None and unit_col < len(row) else ""
            match = _VALUE.match(f"{row[result_col].text} {unit_text}".strip())
            at = page.text.find(row[0].text)
            if match is None or at < 0:
                continue
            count, unit = _unit(match.group("unit"), float(match.group("count").replace(",", "")))
            start, end = quote_span(page.text, *page.line(at))
            yield (
                start,
                Mention(
                    name="platelet_count",
                    value={"count": count, "unit": unit.value},
                    start=start,
                    end=end,
                    context=page.context_at(at),
                    date=page.date_near(start, end),
                    confidence=0.97,
                ),
            )


def find(page: PageText) -> Iterator[Mention]:
    from_tables = dict(_from_tables(page))
    yield from from_tables.values()
    for term in page.matches("platelets"):
        if page.line(term.start)[0] in from_tables:
            continue  # the table's columns said it better
        match = PLATELETS.fullmatch(term.text)
        if match is None:
            continue
        count = float(match.group("count").replace(",", ""))
        count, unit = _unit(match.group("unit"), count)
        if unit is PlateletUnit.PER_MICROLITRE and count < 1000:
            continue  # "platelets 150/uL" is not a count anyone writes
        start, end = quote_span(page.text, *page.line(term.start))
        if end - start > 120:
            start, end = term.start, term.end
        yield Mention(
            name="platelet_count",
            value={"count": count, "unit": unit.value},
            start=start,
            end=end,
            context=term.context,
            date=page.date_near(term.start, term.end),
            confidence=0.95 if match.group("unit") else 0.8,
        )
