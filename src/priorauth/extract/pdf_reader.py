"""Reading PDFs: open a document safely, and read a page's text layer with character boxes.

pypdfium2 reads text with character boxes in about 5 ms a page, fourteen times faster than
pdfplumber's word extraction; pdfplumber is kept for what it does better, ruled tables, and
runs only on pages that have ruling lines.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from priorauth.adjudicate.facts import BBox
from priorauth.extract.pages import CharBoxes, Page, Table, TableCell

MIN_TEXT_LAYER_CHARS = 20
"""Fewer visible characters than this and the page is treated as a scan: fax servers stamp a
short text header on image-only pages."""

MIN_RULING_PATHS = 6
"""A page with fewer path objects has no ruled table worth pdfplumber's ~80 ms."""

_ERRORS = {
    "Incorrect password error": "encrypted (a password is required to open it)",
    "Unsupported security scheme error": "encrypted with an unsupported security scheme",
    "Data format error": "corrupt or not a PDF (its structure cannot be parsed)",
    "File access error": "cannot be read",
}

# pdfplumber (through pdfminer) logs at WARNING for every malformed object it skips; the
# messages can carry fragments of page content, which must not reach logs.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


PDFIUM_LOCK = threading.RLock()
"""pdfium is not thread-safe (concurrent calls crash the process): every call into it in
this process holds this lock, as the workbench renders page images in request threads while
its worker extracts. The OCR worker processes are forked and never take it."""


class DocumentError(Exception):
    """A document that cannot be read; the message is the one-line reason."""


def check_pdf_file(path: Path) -> None:
    """Reject what is plainly not a readable PDF before handing it to the parser."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as error:
        raise DocumentError(f"cannot be read ({error.strerror or error})") from None
    if not head:
        raise DocumentError("empty file")
    if b"%PDF-" not in head:
        raise DocumentError("not a PDF (no %PDF header)")


@contextmanager
def open_pdf(path: Path) -> Iterator[pdfium.PdfDocument]:
    """Open ``path`` with pdfium, turning its failures into one-line DocumentErrors.

    Opening and closing take :data:`PDFIUM_LOCK`; the caller holds it for what it does with
    the document in between.
    """
    check_pdf_file(path)
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as error:
            message = str(error)
            reason = next((text for key, text in _ERRORS.items() if key in message), None)
            raise DocumentError(reason or f"cannot be opened ({message})") from None
        empty = len(document) == 0
    try:
        if empty:
            raise DocumentError("the PDF has no pages")
        yield document
    finally:
        with PDFIUM_LOCK:
            document.close()


def _displayed(
    box: tuple[float, float, float, float], width: float, height: float, rotation: int
) -> tuple[float, float, float, float]:
    """A pdfium char box (left, bottom, right, top; origin bottom left, unrotated) in
    displayed top-left coordinates. ``width``/``height`` are the unrotated page size."""
    left, bottom, right, top = box
    x0, y0, x1, y1 = left, height - top, right, height - bottom
    if rotation == 90:
        return height - y1, x0, height - y0, x1
    if rotation == 180:
        return width - x1, height - y1, width - x0, height - y0
    if rotation == 270:
        return y0, width - x1, y1, width - x0
    return x0, y0, x1, y1


def visible_char_count(page: pdfium.PdfPage) -> int:
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count, force_this=True) if count else ""
    finally:
        textpage.close()
    return sum(1 for char in text if not char.isspace())


def read_text_page(
    page: pdfium.PdfPage, document: str, number: int, tables: tuple[Table, ...] = ()
) -> Page:
    """The page's text layer with one box per character, in displayed coordinates."""
    rotation = page.get_rotation()
    width, height = page.get_size()
    unrotated = (height, width) if rotation in (90, 270) else (width, height)
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        raw = textpage.get_text_range(0, count, force_this=True) if count else ""
        boxes = CharBoxes()
        chars: list[str] = []
        for index, char in enumerate(raw):
            # pdfium writes line ends as "\r\n"; "\r" becomes a space so that character
            # offsets stay those of pdfium's boxes.
            if char.isspace() or not char.isprintable():
                chars.append("\n" if char == "\n" else " ")
                boxes.append(None)
                continue
            chars.append(char)
            boxes.append(_displayed(textpage.get_charbox(index), *unrotated, rotation))
    finally:
        textpage.close()
    return Page(
        document=document,
        number=number,
        width=round(width, 2),
        height=round(height, 2),
        rotation=rotation,
        text="".join(chars),
        boxes=boxes,
        tables=tables,
    )


def has_ruling_lines(page: pdfium.PdfPage) -> bool:
    paths = 0
    for obj in page.get_objects(max_depth=1):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
            if paths >= MIN_RULING_PATHS:
                return True
    return False


def read_tables(path: Path, index: int) -> tuple[Table, ...]:
    """Ruled tables of page ``index`` (0-based) via pdfplumber, cells with their boxes."""
    import pdfplumber  # ~0.3 s to import; only documents with ruled pages pay it

    with pdfplumber.open(path, pages=[index + 1]) as pdf:
        page = pdf.pages[0]
        found: list[Table] = []
        for table in page.find_tables():
            rows: list[tuple[TableCell, ...]] = []
            extracted = table.extract()
            for row_cells, row in zip(table.rows, extracted, strict=False):
                cells = []
                for cell_box, text in zip(row_cells.cells, row, strict=False):
                    bbox = None
                    if cell_box is not None:
                        x0, top, x1, bottom = cell_box
                        bbox = BBox(x0=x0, top=top, x1=x1, bottom=bottom)
                    cells.append(TableCell(text=(text or "").strip(), bbox=bbox))
                rows.append(tuple(cells))
            x0, top, x1, bottom = table.bbox
            found.append(Table(rows=tuple(rows), bbox=BBox(x0=x0, top=top, x1=x1, bottom=bottom)))
    return tuple(found)
