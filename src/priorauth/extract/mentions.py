"""What an extractor finds on a page before it becomes a fact: a ``Mention``.

Every finder (``find_*`` modules) is a function ``(PageText) -> Iterable[Mention]``. A
mention names the fact kind, carries the value fields, the character span of the words that
state it (the evidence quote) and its assertion context. The assembler turns mentions into
facts: one per distinct value, with every place it was stated as evidence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span

from priorauth.adjudicate.facts import Context
from priorauth.extract.dates import find_dates, parse_date, relative_days
from priorauth.extract.lexicon import Lexicon
from priorauth.extract.nlp import Term
from priorauth.extract.pages import Page

MAX_QUOTE = 240
_MONTH_DAY = re.compile(r"(?<![\d/.])(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])(?![\d/%])")
"""Evidence quotes longer than this are cut to the sentence part around the finding."""


@dataclass(frozen=True, slots=True)
class Mention:
    name: str
    """The fact kind (``platelet_count``, ``therapy_trial``, ...)."""
    value: dict[str, Any]
    start: int
    end: int
    context: Context = field(default_factory=Context)
    date: dt.date | None = None
    confidence: float = 0.9
    page_dated: bool = False
    """The date is only the page's (a count restated in a note without its own date)."""
    match: str | None = None
    """For a model's claim: how its quote was found (``exact``, ``whitespace``, ...)."""


_BIRTH = re.compile(r"\bd\.?o\.?b\b|birth|\bborn\b|\bage\b", re.IGNORECASE)
_DATE_LABEL = re.compile(
    r"(?:date of service|dos|visit date|date of visit|encounter date|note date|service date|"
    r"collected|collection date|collection|specimen collected|drawn|date drawn|reported|"
    r"report date|date|signed|seen on|admission date|admit date)\s*[:#]?\s*",
    re.IGNORECASE,
)


@dataclass(slots=True)
class PageText:
    """A page with its spaCy doc, its matched terms and its date, for the finders."""

    page: Page
    doc: Doc
    terms: list[Term]
    lexicon: Lexicon
    date: dt.date | None = None
    """The note's date (date of service, collection date, else the first full date)."""
    _lines: list[tuple[int, int]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.page.text

    def terms_of(self, kind: str) -> Iterator[Term]:
        return (term for term in self.terms if term.kind == kind)

    def sentence(self, start: int, end: int) -> Span:
        """The sentence holding the characters ``start:end``."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return self.doc[:]
        return span.sent

    def context_at(self, position: int) -> Context:
        """The ConText of the term covering ``position``, else none (a plain statement)."""
        for term in self.terms:
            if term.start <= position < term.end:
                return term.context
        return Context()

    def matches(self, pattern: str) -> Iterator[Term]:
        """The matches of a finder's named pattern, with their ConText."""
        return (t for t in self.terms if t.kind == "pattern" and t.key == pattern)

    def line(self, position: int) -> tuple[int, int]:
        """Start and end of the text line holding ``position``."""
        start = self.text.rfind("\n", 0, position) + 1
        end = self.text.find("\n", position)
        return start, len(self.text) if end < 0 else end

    def section(self, position: int) -> str | None:
        """The section category (medications, family_history, plan, ...) at ``position``."""
        span = self.doc.char_span(position, position + 1, alignment_mode="expand")
        if span is None:
            return None
        for section in self.doc._.sections:
            if section.title_start <= span.start < section.body_end:
                return str(section.category) if section.category else None
        return None

    def date_near(self, start: int, end: int) -> dt.date | None:
        """A full date on the line(s) of the finding, else a month/day there ("ED visit
        2/20") in the page's year, else a time ago ("3 weeks ago") counted back from the
        page's date, else the page's date."""
        line_start, _ = self.line(start)
        _, line_end = self.line(max(start, end - 1))
        line = self.text[line_start:line_end]
        for _s, _e, date, exact in find_dates(line):
            if exact:
                return date
        for match in _MONTH_DAY.finditer(line):
            inferred = self.infer_date(match.group())
            if inferred is not None:
                return inferred
        days = relative_days(line)
        if days is not None and self.date is not None:
            return self.date - dt.timedelta(days=days)
        return self.date

    def infer_date(self, text: str) -> dt.date | None:
        """A date written as "3/30" or "3/30/26"; a missing year is the one that puts the date
        nearest the page's own date."""
        full = parse_date(text)
        if full is not None:
            return full
        match = _MONTH_DAY.fullmatch(text.strip())
        if match is None or self.date is None:
            return None
        month, day = int(match.group("m")), int(match.group("d"))
        candidates = []
        for year in (self.date.year - 1, self.date.year, self.date.year + 1):
            try:
                candidates.append(dt.date(year, month, day))
            except ValueError:
                continue
        # The year that puts it nearest the page's date: a December note's "1/5" is January.
        page_date = self.date
        return min(candidates, key=lambda d: abs((d - page_date).days), default=None)


def page_date(text: str) -> dt.date | None:
    """The date a page is about: a labelled date of service or collection, else the first
    full date that is not a date of birth."""
    fallback: dt.date | None = None
    for start, _end, date, exact in find_dates(text):
        if not exact:
            continue
        before = text[max(0, start - 40) : start]
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = text[line_start : line_end if line_end >= 0 else len(text)].lower()
        if _BIRTH.search(line):
            continue
        label = _DATE_LABEL.search(before)
        if label is not None and label.end() >= len(before) - 2:
            return date
        if fallback is None:
            fallback = date
    return fallback


def quote_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim a span to non-space characters and to at most MAX_QUOTE characters."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > MAX_QUOTE:
        end = start + MAX_QUOTE
        while end > start and not text[end - 1].isspace():
            end -= 1
        end = max(end - 1, start + 1)
    return start, end


def line_quote(page: PageText, start: int, end: int) -> tuple[int, int]:
    """The lines holding the finding as its quote; the finding alone when they run longer
    than a quote should."""
    line_start = page.line(start)[0]
    line_end = page.line(max(start, end - 1))[1]
    quoted = quote_span(page.text, line_start, line_end)
    if quoted[0] <= start and end <= quoted[1]:
        return quoted
    return quote_span(page.text, start, end)


def mention_at(
    page: PageText,
    name: str,
    value: dict[str, object],
    start: int,
    end: int,
    context: Context,
    confidence: float = 0.85,
) -> Mention:
    """The finding at ``start:end``, quoted by its whole line(s) when they are short enough."""
    quote_start, quote_end = line_quote(page, start, end)
    return Mention(
        name=name,
        value=value,
        start=quote_start,
        end=quote_end,
        context=context,
        date=page.date_near(start, end),
        confidence=confidence,
    )


Finder = Callable[[PageText], Iterable[Mention]]
