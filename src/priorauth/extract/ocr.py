"""OCR of pages without a text layer: tesseract words with boxes, laid out in reading lines.

Faxes are read at their native resolution (upsampling a 200-dpi fax to 300 dpi was slower and
less accurate), with one tesseract thread per process (its default threading is 5-6 times
slower on two cores). Lines are rebuilt from word boxes rather than taken from tesseract's
blocks, because tesseract splits a lab table into column blocks and a row's name, value and
unit would otherwise land on different lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from priorauth.extract.cache_dir import cache_root, private_folder
from priorauth.extract.pages import CharBoxes, Page, TextSource

OCR_VERSION = "2"
"""Bump when the words or the text layout change, so cached results are not reused."""

DEFAULT_DPI = 200
MIN_DPI, MAX_DPI = 150, 300
LOW_CONFIDENCE = 70.0
"""Below this mean word confidence the page is checked for a sideways or upside-down scan."""

Word = tuple[str, float, float, float, float, float, int]
"""Text, box in image pixels (x0, top, x1, bottom), confidence 0-100, and tesseract's line
(block, paragraph and line numbers folded into one)."""


@dataclass(frozen=True, slots=True)
class OcrResult:
    words: list[Word]
    dpi: int
    rotation: int
    """Clockwise degrees the image was turned to read it upright."""
    confidence: float


def native_dpi(page: pdfium.PdfPage) -> int:
    """The resolution of the page's first image (the scan or fax), within sane bounds."""
    for obj in page.get_objects(max_depth=2):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        pixels_wide, _pixels_high = obj.get_size()
        left, _bottom, right, _top = obj.get_pos()
        if right > left and pixels_wide:
            dpi = round(pixels_wide / ((right - left) / 72))
            return int(min(max(dpi, MIN_DPI), MAX_DPI))
    return DEFAULT_DPI


def _tesseract_words(image: Any) -> list[Word]:
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang="eng", config="--psm 3", output_type=pytesseract.Output.DICT
    )
    words: list[Word] = []
    for text, left, top, width, height, conf, block, par, line in zip(
        data["text"],
        data["left"],
        data["top"],
        data["width"],
        data["height"],
        data["conf"],
        data["block_num"],
        data["par_num"],
        data["line_num"],
        strict=True,
    ):
        word = text.strip()
        if not word or float(conf) < 0:
            continue
        line_id = (int(block) * 1000 + int(par)) * 1000 + int(line)
        words.append((word, left, top, left + width, top + height, float(conf), line_id))
    return words


def _mean_confidence(words: list[Word]) -> float:
    if not words:
        return 0.0
    return sum(word[5] for word in words) / len(words)


_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")


def _osd_rotation(image: Any) -> int:
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(image, config="--psm 0")
    except pytesseract.TesseractError:
        return 0
    match = _OSD_ROTATE.search(osd)
    return int(match.group(1)) % 360 if match else 0


def ocr_image(image: Any) -> tuple[list[Word], int]:
    """Words of a page image, turning it first when OSD finds it sideways or upside down.

    Returns the words in the coordinates of the image *as given* and the rotation applied.
    """
    words = _tesseract_words(image)
    if _mean_confidence(words) >= LOW_CONFIDENCE and len(words) >= 5:
        return words, 0
    rotation = _osd_rotation(image)
    if rotation == 0:
        return words, 0
    # PIL turns counter-clockwise; OSD's "Rotate" is clockwise.
    turned = image.rotate(-rotation, expand=True)
    turned_words = _tesseract_words(turned)
    if _mean_confidence(turned_words) * len(turned_words) <= _mean_confidence(words) * len(words):
        return words, 0
    width, height = image.size
    return [_unturn(word, rotation, width, height) for word in turned_words], rotation


def _unturn(word: Word, rotation: int, width: int, height: int) -> Word:
    """A word box on the image turned ``rotation`` degrees clockwise, back on the original
    (``width`` x ``height``) image."""
    text, x0, top, x1, bottom, conf, line = word
    if rotation == 90:
        # original (x, y) -> turned (height - y, x)
        return text, top, height - x1, bottom, height - x0, conf, line
    if rotation == 180:
        return text, width - x1, height - bottom, width - x0, height - top, conf, line
    if rotation == 270:
        # original (x, y) -> turned (y, width - x)
        return text, width - bottom, x0, width - top, x1, conf, line
    return word


def render_for_ocr(document: pdfium.PdfDocument, index: int) -> tuple[Any, int]:
    """Page ``index`` as a grayscale image at its scan's native dpi, and that dpi.

    The image is a copy: a bitmap pdfium frees later (its finalizer, in whatever thread the
    garbage collector runs) would be a pdfium call outside any lock.
    """
    page = document[index]
    try:
        dpi = native_dpi(page)
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        try:
            image = bitmap.to_pil().copy()
        finally:
            bitmap.close()
    finally:
        page.close()
    return image, dpi


def ocr_rendered(image: Any, dpi: int) -> OcrResult:
    """OCR a page image rendered by :func:`render_for_ocr` (no pdfium involved)."""
    words, rotation = ocr_image(image)
    return OcrResult(words=words, dpi=dpi, rotation=rotation, confidence=_mean_confidence(words))


def ocr_page_file(path: str, index: int) -> OcrResult:
    """Render page ``index`` of the PDF at ``path`` and OCR it (runs in a worker process)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    document = pdfium.PdfDocument(path)
    try:
        image, dpi = render_for_ocr(document, index)
    finally:
        document.close()
    return ocr_rendered(image, dpi)


def layout_page(
    result: OcrResult, document: str, number: int, width: float, height: float, rotation: int
) -> Page:
    """Arrange OCR'd words into lines of text and record each character's box (in points).

    Tesseract's own lines are kept (they follow a skewed scan); lines of different blocks at
    the same height and side by side, a table row split into column blocks, are joined
    left to right, and a wide gap becomes several spaces so the columns stay apart.
    """
    scale = 72 / result.dpi
    upright = [_upright(word, result.rotation) for word in result.words]
    lines = _rows(upright)
    chars: list[str] = []
    boxes = CharBoxes()
    for line in lines:
        line.sort(key=lambda i: upright[i][1])
        previous_x1: float | None = None
        heights = [upright[i][4] - upright[i][2] for i in line]
        em = max(sorted(heights)[len(heights) // 2], 1.0)
        for i in line:
            text, x0 = upright[i][0], upright[i][1]
            if previous_x1 is not None:
                gap = 1 if x0 - previous_x1 < 2 * em else 3
                chars.append(" " * gap)
                boxes.extend_none(gap)
            original = result.words[i]
            box = (
                original[1] * scale,
                original[2] * scale,
                original[3] * scale,
                original[4] * scale,
            )
            for _char in text:
                boxes.append(box)
            chars.append(text)
            previous_x1 = upright[i][3]
        chars.append("\n")
        boxes.extend_none(1)
    text = "".join(chars)
    return Page(
        document=document,
        number=number,
        width=width,
        height=height,
        rotation=rotation,
        text=text,
        boxes=boxes,
        source=TextSource.OCR,
        ocr_confidence=round(result.confidence, 1),
        ocr_rotation=result.rotation,
    )


def _rows(words: list[Word]) -> list[list[int]]:
    """Word indexes per output line, top to bottom, each left to right."""
    by_line: dict[int, list[int]] = {}
    for index, word in enumerate(words):
        by_line.setdefault(word[6], []).append(index)
    segments = []
    for members in by_line.values():
        centres = sorted((words[i][2] + words[i][4]) / 2 for i in members)
        heights = sorted(words[i][4] - words[i][2] for i in members)
        segments.append(
            (
                centres[len(centres) // 2],
                max(heights[len(heights) // 2], 1.0),
                min(words[i][1] for i in members),
                max(words[i][3] for i in members),
                members,
            )
        )
    segments.sort(key=lambda segment: (segment[0], segment[2]))
    rows: list[tuple[float, float, list[tuple[float, float]], list[int]]] = []
    for centre, height, x0, x1, members in segments:
        for row_centre, row_height, spans, row_members in rows:
            side_by_side = all(x0 >= right or x1 <= left for left, right in spans)
            if side_by_side and abs(centre - row_centre) <= 0.5 * min(height, row_height):
                spans.append((x0, x1))
                row_members.extend(members)
                break
        else:
            rows.append((centre, height, [(x0, x1)], list(members)))
    ordered = sorted(rows, key=lambda row: row[0])
    return [sorted(row[3], key=lambda i: words[i][1]) for row in ordered]


def _upright(word: Word, rotation: int) -> Word:
    """A word box in the reading frame: the image turned ``rotation`` degrees clockwise.
    Only the ordering uses it, so the frame's size does not matter (offsets are relative)."""
    text, x0, top, x1, bottom, conf, line = word
    if rotation == 90:
        return text, -bottom, x0, -top, x1, conf, line
    if rotation == 180:
        return text, -x1, -bottom, -x0, -top, conf, line
    if rotation == 270:
        return text, top, -x1, bottom, -x0, conf, line
    return word


class OcrCache:
    """OCR results on disk, keyed by document hash, page and OCR version.

    The cache holds page text (protected health information): see ``cache_dir``.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root

    @classmethod
    def default(cls) -> OcrCache:
        return cls(cache_root("ocr"))

    def _path(self, digest: str, index: int) -> Path | None:
        if self.root is None:
            return None
        return self.root / digest[:2] / f"{digest}-{index}-v{OCR_VERSION}.json"

    def get(self, digest: str, index: int) -> OcrResult | None:
        path = self._path(digest, index)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return OcrResult(
                words=[tuple(word) for word in data["words"]],
                dpi=int(data["dpi"]),
                rotation=int(data["rotation"]),
                confidence=float(data["confidence"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, digest: str, index: int, result: OcrResult) -> None:
        path = self._path(digest, index)
        if path is None:
            return
        try:
            private_folder(path.parent.parent, path.parent.name)
            temporary = path.with_suffix(".tmp")
            with os.fdopen(
                os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w"
            ) as handle:
                json.dump(
                    {
                        "words": result.words,
                        "dpi": result.dpi,
                        "rotation": result.rotation,
                        "confidence": result.confidence,
                    },
                    handle,
                )
            temporary.replace(path)
        except OSError:
            return  # a cache that cannot be written only costs time


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
