"""Finding a model's quote on the page it names, and nothing looser.

A quote is looked up exactly, then tolerating differences in whitespace and line breaks, then
also OCR's and typesetting's hyphenation at a line end ("thrombo-\\ncytopenia"). Letters,
digits and punctuation must match as written: a paraphrase is not a quote.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple


class MatchQuality(StrEnum):
    EXACT = "exact"
    WHITESPACE = "whitespace"
    """Equal once runs of spaces and line breaks count as one space."""
    HYPHENATION = "hyphenation"
    """Equal once a word broken by a hyphen at a line end is joined."""


class Located(NamedTuple):
    start: int
    end: int
    quality: MatchQuality


_SPACE = re.compile(r"\s+")
_BROKEN_WORD = re.compile(r"(?<=\w)-[ \t]*\n\s*(?=\w)")


def _normalized(text: str, join_hyphens: bool) -> tuple[str, list[int]]:
    """The text with whitespace runs as one space (and broken words joined), and for each of
    its characters the position it came from."""
    chars: list[str] = []
    origin: list[int] = []
    position = 0
    breaks = list(_BROKEN_WORD.finditer(text)) if join_hyphens else []
    next_break = 0
    while position < len(text):
        if next_break < len(breaks) and breaks[next_break].start() == position:
            position = breaks[next_break].end()
            next_break += 1
            continue
        char = text[position]
        if char.isspace():
            if not chars or chars[-1] != " ":
                chars.append(" ")
                origin.append(position)
            position += 1
            continue
        chars.append(char)
        origin.append(position)
        position += 1
    return "".join(chars), origin


def locate(page_text: str, quote: str) -> Located | None:
    """Where ``quote`` stands in ``page_text``, and how closely it matched; None if it does
    not."""
    quote = quote.strip()
    if not quote:
        return None
    at = page_text.find(quote)
    if at >= 0:
        return Located(at, at + len(quote), MatchQuality.EXACT)
    for quality, join in ((MatchQuality.WHITESPACE, False), (MatchQuality.HYPHENATION, True)):
        text, origin = _normalized(page_text, join)
        wanted, _ = _normalized(quote, join)
        wanted = wanted.strip()
        at = text.find(wanted)
        if at >= 0 and wanted:
            end = origin[at + len(wanted) - 1] + 1
            return Located(origin[at], end, quality)
    return None
