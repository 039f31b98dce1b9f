"""Platelet counts, from lab tables, OCR'd lab lines and narrative ("Plt 92K").

Units: 10^9/L, K/uL, x10E3/uL, thou/uL and a bare "Plt 92" are one scale; /uL and /mm3
counts ("92,000/uL") are converted by the fact's unit. The date is the collection date on
the row's line, else the page's (collection) date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from priorauth.adjudicate.facts import PlateletUnit
from priorauth.extract.clauses import clause_context
from priorauth.extract.dates import cell_date, find_dates
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
    r"[ \t:=#]*(?:(?:was|is|of|at|now|today|(?:down|up|improved|dropped|fell|rose|"
    r"decreased|increased|recovered|declined) to)\s+)?"
    r"[ \t]*(?:[HLhl*]\s+)?" + _NUMBER + r"\s*(?:[HL]\s+)?" + _UNIT,
    re.IGNORECASE,
)
TREND_LABEL = re.compile(r"\b(?:platelets?|plts?)\b[^\n\d]{0,20}", re.IGNORECASE)
PATTERNS = {"platelets": PLATELETS, "platelet_trend": TREND_LABEL}

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


_LABEL = re.compile(r"^\s*(?:platelet\s+count|platelets?|plts?|plt\s+ct)\b(?![-\w])", re.IGNORECASE)
_VALUE = re.compile(r"^\s*[HL*]?\s*" + _NUMBER + r"\s*[HL*]?\s*" + _UNIT + r"\s*$", re.IGNORECASE)
_RESULT_HEADER = re.compile(r"result|value|current", re.IGNORECASE)
_UNIT_HEADER = re.compile(r"^\s*units?\s*$", re.IGNORECASE)
_CELL_GAP = re.compile(r"\s{2,}|\s*\|\s*")
_TREND = re.compile(
    r"(?P<count>\d{1,3}(?:,\d{3})?)\s?[kK]?\s*\((?P<date>\d{1,2}/\d{1,2}(?:/\d{2,4})?)\)"
)
_APPROXIMATE = re.compile(r"^(?:'?s\b|\s*(?:-|–|to)\s*\d)")
""""plt 90s", "100-200": a decade or a range, not a count."""


def _rows(page: PageText) -> Iterator[list[tuple[str, int]]]:
    """Table rows as cells with their position in the page text: pdfplumber's ruled tables,
    and lines whose cells are set apart by wide gaps or bars (OCR'd and typed tables)."""
    text = page.text
    for table in page.page.tables:
        cursor = 0
        for row in table.rows:
            placed: list[tuple[str, int]] = []
            for table_cell in row:
                at = text.find(table_cell.text, cursor) if table_cell.text else -1
                if at < 0:
                    at = text.find(table_cell.text) if table_cell.text else -1
                else:
                    cursor = at
                placed.append((table_cell.text, at))
            yield placed
    if page.page.tables:
        return
    for line in re.finditer(r"[^\n]+", text):
        parts = []
        for piece in re.finditer(r"[^|]+?(?=\s{2,}|\s*\||$)", line.group()):
            cell = piece.group().strip()
            if cell:
                parts.append((cell, line.start() + piece.start() + piece.group().index(cell)))
        if len(parts) >= 2:
            yield parts


def _count(text: str) -> tuple[float, PlateletUnit] | None:
    match = _VALUE.match(text)
    if match is None:
        return None
    return _unit(match.group("unit"), float(match.group("count").replace(",", "")))


_LABS_HEADING = re.compile(
    r"\b(?:labs?|cbc|hematology|collected|collection|drawn|specimen|results?)\b", re.IGNORECASE
)


_BIRTH_LABEL = re.compile(r"\bd\.?o\.?b\b|birth", re.IGNORECASE)


def _date_above(page: PageText, at: int) -> dt.date | None:
    """A table's date written above it ("Labs 02/09/2026", "Collected: 03/02/2026")."""
    line_start = page.line(at)[0]
    for _ in range(8):
        if line_start == 0:
            return None
        previous = page.text.rfind("\n", 0, line_start - 1) + 1
        line = page.text[previous : line_start - 1]
        if _LABS_HEADING.search(line):
            for date_start, _e, date, exact in find_dates(line):
                if exact and not _BIRTH_LABEL.search(line[max(0, date_start - 16) : date_start]):
                    return date
        line_start = previous
    return None


def _mention(
    page: PageText, at: int, found: tuple[float, PlateletUnit], date: dt.date | None
) -> tuple[int, Mention]:
    start, end = quote_span(page.text, *page.line(at))
    if date is None:
        # The row's own date, else the table's (written above it), else the page's.
        near = page.date_near(start, end)
        date = near if near != page.date else (_date_above(page, at) or page.date)
    count, unit = found
    return start, Mention(
        name="platelet_count",
        value={"count": count, "unit": unit.value},
        start=start,
        end=end,
        context=page.context_at(at),
        date=date,
        confidence=0.97,
    )


def _from_tables(page: PageText) -> Iterator[tuple[int, Mention]]:
    """Platelet counts of lab tables, read by column. Three layouts: one result column
    ("Test | Result | Units"), one column per collection date ("Test | 01/08 | 03/16"), and
    one row per date ("Date | WBC | Hgb | Plt")."""
    header: list[tuple[str, int]] | None = None
    for cells in _rows(page):
        texts = [cell for cell, _ in cells]
        if (
            any(_LABEL.match(t) for t in texts[1:])
            or any(_RESULT_HEADER.search(t) or _UNIT_HEADER.match(t) for t in texts)
            or (
                sum(cell_date(t) is not None for t in texts[1:]) >= 1 and not _LABEL.match(texts[0])
            )
        ):
            header = cells
            continue
        if header is None:
            continue
        head = [cell for cell, _ in header]
        if _LABEL.match(texts[0]):
            dated = [(i, cell_date(h)) for i, h in enumerate(head) if i and cell_date(h)]
            unit_col = next((i for i, h in enumerate(head) if _UNIT_HEADER.match(h)), None)
            unit = texts[unit_col] if unit_col is not None and unit_col < len(texts) else ""
            columns = dated or [
                (next((i for i, h in enumerate(head) if _RESULT_HEADER.search(h)), 1), None)
            ]
            for column, date in columns:
                if column < len(texts):
                    found = _count(f"{texts[column]} {unit}".strip())
                    if found is not None:
                        yield _mention(page, cells[0][1], found, date)
            continue
        row_date = cell_date(texts[0])
        labelled = next(
            ((i, m) for i, h in enumerate(head) if (m := _LABEL.match(h)) is not None), None
        )
        if row_date is not None and labelled is not None and labelled[0] < len(texts):
            index, label = labelled
            found = _count(f"{texts[index]} {head[index][label.end() :]}".strip())
            if found is not None:
                yield _mention(page, cells[0][1], found, row_date)


def _trends(page: PageText) -> Iterator[tuple[int, Mention]]:
    """ "Plt trend: 57 (1/12) -> 44 (2/16) -> 38 (3/30)": each count on its own date."""
    for term in page.matches("platelet_trend"):
        line_start, line_end = page.line(term.start)
        points = list(_TREND.finditer(page.text, term.start, line_end))
        if len(points) < 2:
            continue
        for point in points:
            date = page.infer_date(point.group("date"))
            count = float(point.group("count").replace(",", ""))
            yield _mention(page, line_start, (count, _unit(None, count)[1]), date)


def find(page: PageText) -> Iterator[Mention]:
    done: set[int] = set()
    for start, mention in (*_from_tables(page), *_trends(page)):
        done.add(start)
        yield mention
    for term in page.matches("platelets"):
        if quote_span(page.text, *page.line(term.start))[0] in done:
            continue  # the table's columns or the trend said it better
        match = PLATELETS.fullmatch(term.text)
        if match is None or _APPROXIMATE.match(page.text[term.end : term.end + 6]):
            continue
        count = float(match.group("count").replace(",", ""))
        count, unit = _unit(match.group("unit"), count)
        if unit is PlateletUnit.PER_MICROLITRE and count < 1000:
            continue  # "platelets 150/uL" is not a count anyone writes
        start, end = quote_span(page.text, *page.line(term.start))
        if end - start > 120:
            start, end = term.start, term.end
        date = page.date_near(term.start, term.end)
        yield Mention(
            name="platelet_count",
            value={"count": count, "unit": unit.value},
            start=start,
            end=end,
            context=clause_context(page, term, reading=True),
            date=date,
            confidence=0.95 if match.group("unit") else 0.8,
            page_dated=date is not None and date == page.date,
        )
