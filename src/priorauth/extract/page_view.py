"""One page of a stored document for a person to look at: its image, and its words with
the boxes and character offsets that evidence uses.

Words come from the same reading extraction did (text layer, or OCR through the cache), so
a box drawn here lines up with every evidence box, and a span of words a reviewer selects
becomes evidence that cites the page exactly as extracted facts do.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import BBox
from priorauth.extract.ocr import (
    OcrCache,
    file_digest,
    layout_page,
    ocr_rendered,
    render_for_ocr,
)
from priorauth.extract.pages import Page
from priorauth.extract.pdf_reader import (
    MIN_TEXT_LAYER_CHARS,
    PDFIUM_LOCK,
    open_pdf,
    read_text_page,
    visible_char_count,
)

_WORD = re.compile(r"\S+")
MAX_IMAGE_WIDTH = 2400
MAX_IMAGE_HEIGHT = 4 * MAX_IMAGE_WIDTH
MAX_IMAGE_PIXELS = 2400 * 3400
"""A letter page at 2400 px wide; a page of freak proportions (2 pt by 200 inches, say)
is drawn smaller rather than asking for gigabytes."""


@dataclass(frozen=True, slots=True)
class PageWord:
    text: str
    char_start: int
    char_end: int
    bbox: BBox


def _check_number(name: str, count: int, number: int) -> None:
    if not 1 <= number <= count:
        raise InputError(name, "page", f"no page {number} (the document has {count})")


def read_page(path: Path, number: int, name: str, cache: OcrCache | None = None) -> Page:
    """Page ``number`` (1-based) of the PDF at ``path``, cited as document ``name``."""
    cache = cache if cache is not None else OcrCache.default()
    digest = file_digest(path)
    result = cache.get(digest, number - 1)
    image = None
    with open_pdf(path) as document, PDFIUM_LOCK:
        _check_number(name, len(document), number)
        page = document[number - 1]
        try:
            if visible_char_count(page) >= MIN_TEXT_LAYER_CHARS:
                return read_text_page(page, name, number)
            width, height = page.get_size()
            rotation = page.get_rotation()
        finally:
            page.close()
        if result is None:
            image, dpi = render_for_ocr(document, number - 1)
    if result is None:
        # Tesseract runs outside the lock: it takes a second and does not touch pdfium.
        result = ocr_rendered(image, dpi)
        cache.put(digest, number - 1, result)
    return layout_page(result, name, number, round(width, 2), round(height, 2), rotation)


def page_count(path: Path) -> int:
    with open_pdf(path) as document, PDFIUM_LOCK:
        return len(document)


def page_words(page: Page) -> list[PageWord]:
    """The page's words in reading order, each with its offsets and box (boxless skipped)."""
    words = []
    for match in _WORD.finditer(page.text):
        box = page.bbox(match.start(), match.end())
        if box is not None:
            words.append(PageWord(match.group(), match.start(), match.end(), box))
    return words


def render_png(path: Path, number: int, width: int, name: str = "") -> bytes:
    """Page ``number`` as displayed (its /Rotate applied), ``width`` pixels wide (narrower
    if that would pass :data:`MAX_IMAGE_PIXELS`), as PNG; ``name`` is the document's name for
    errors (default: the file's)."""
    width = max(100, min(width, MAX_IMAGE_WIDTH))
    with open_pdf(path) as document, PDFIUM_LOCK:
        _check_number(name or path.name, len(document), number)
        page = document[number - 1]
        try:
            page_width, page_height = page.get_size()
            scale = min(
                width / page_width,
                MAX_IMAGE_HEIGHT / page_height,
                (MAX_IMAGE_PIXELS / (page_width * page_height)) ** 0.5,
            )
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                image = bitmap.to_pil().copy()  # see ocr.render_for_ocr
            finally:
                bitmap.close()
        finally:
            page.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
