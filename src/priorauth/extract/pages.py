"""A page as the extractors see it: its text, where each character sits, and its tables.

Boxes are in PDF points with the origin at the top left of the page *as displayed* (after
the page's /Rotate), the convention of pdfplumber and of the workbench's page images, so an
evidence box can be drawn on the rendered page whether the text came from the text layer or
from OCR.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from enum import StrEnum

from priorauth.adjudicate.facts import BBox


class TextSource(StrEnum):
    TEXT_LAYER = "text"
    OCR = "ocr"


@dataclass(frozen=True, slots=True)
class TableCell:
    text: str
    bbox: BBox | None


@dataclass(frozen=True, slots=True)
class Table:
    """A ruled table as pdfplumber finds it: rows of cells, header first."""

    rows: tuple[tuple[TableCell, ...], ...]
    bbox: BBox


class CharBoxes:
    """One box per character of a page's text; generated whitespace has none.

    Stored flat in a float array (NaN for no box) so a 4,000-character page costs 128 kB,
    not a list of tuples.
    """

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data = array("d")

    def append(self, box: tuple[float, float, float, float] | None) -> None:
        self._data.extend(box if box is not None else (math.nan,) * 4)

    def extend_none(self, count: int) -> None:
        self._data.extend((math.nan,) * (4 * count))

    def __len__(self) -> int:
        return len(self._data) // 4

    def union(self, start: int, end: int) -> BBox | None:
        """The box around the characters ``start:end`` that have one."""
        data = self._data
        x0 = top = math.inf
        x1 = bottom = -math.inf
        for i in range(max(start, 0), min(end, len(self))):
            left = data[4 * i]
            if math.isnan(left):
                continue
            x0 = min(x0, left)
            top = min(top, data[4 * i + 1])
            x1 = max(x1, data[4 * i + 2])
            bottom = max(bottom, data[4 * i + 3])
        if x0 is math.inf:
            return None
        return BBox(x0=round(x0, 2), top=round(top, 2), x1=round(x1, 2), bottom=round(bottom, 2))


@dataclass(frozen=True, slots=True)
class Page:
    """One page of one document, read and (when it had no text layer) OCR'd."""

    document: str
    number: int
    """1-based, as people cite pages."""
    width: float
    height: float
    rotation: int
    """The page's /Rotate, clockwise degrees; boxes are already in displayed coordinates."""
    text: str
    boxes: CharBoxes
    source: TextSource = TextSource.TEXT_LAYER
    ocr_confidence: float | None = None
    """Mean word confidence (0-100) that tesseract reported, for OCR'd pages."""
    ocr_rotation: int = 0
    """How far an OCR'd image was turned (clockwise degrees) to read it upright."""
    tables: tuple[Table, ...] = field(default=())

    def bbox(self, start: int, end: int) -> BBox | None:
        return self.boxes.union(start, end)
