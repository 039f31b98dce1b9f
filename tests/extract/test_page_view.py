"""A page for a person: the same text and boxes extraction read, words, and the image."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image

from priorauth.adjudicate.errors import InputError
from priorauth.extract.ocr import OcrCache
from priorauth.extract.packet import PacketReader
from priorauth.extract.page_view import (
    MAX_IMAGE_HEIGHT,
    MAX_IMAGE_PIXELS,
    page_count,
    page_words,
    read_page,
    render_png,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "packets"
NOTE = SAMPLES / "ad-deny-low-potency" / "packet" / "02-allergy-clinic-note.pdf"
FAX_CBC = SAMPLES / "mf-deny-platelets-fax" / "packet" / "04-cbc-2026-03-30.pdf"


def test_a_text_page_reads_as_extraction_read_it() -> None:
    extracted = next(iter(PacketReader([NOTE], cache=OcrCache(None)).pages()))
    page = read_page(NOTE, 1, "note.pdf", OcrCache(None))
    assert page.text == extracted.text
    assert page.document == "note.pdf"
    words = page_words(page)
    assert [word.text for word in words] == page.text.split()  # every word has a box
    for word in words[:50]:
        assert page.text[word.char_start : word.char_end] == word.text
        assert 0 <= word.bbox.x0 < word.bbox.x1 <= page.width
        assert 0 <= word.bbox.top < word.bbox.bottom <= page.height


def test_an_ocr_page_comes_from_the_cache_extraction_filled(tmp_path: Path) -> None:
    cache = OcrCache(tmp_path / "ocr")
    extracted = next(iter(PacketReader([FAX_CBC], cache=cache).pages()))
    page = read_page(FAX_CBC, 1, "cbc.pdf", cache)
    assert page.text == extracted.text
    assert page.ocr_rotation == 90
    assert any(word.text.startswith(("Platelet", "PLT")) for word in page_words(page))


def test_images_and_page_numbers() -> None:
    png = render_png(NOTE, 1, 500)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == 500
        assert image.height > image.width  # a portrait letter page
    assert page_count(NOTE) >= 1
    with pytest.raises(InputError, match=r"^note\.pdf: page: no page 0 \(the document has"):
        read_page(NOTE, 0, "note.pdf", OcrCache(None))
    with pytest.raises(InputError, match="no page 99"):
        render_png(NOTE, 99, 500, "note.pdf")


def test_pages_can_be_viewed_from_threads_while_a_packet_is_read() -> None:
    """pdfium is not thread-safe; without the module's lock this crashed the process (seen
    about one run in four under this load)."""
    pdfs = sorted(
        path for path in SAMPLES.glob("*/packet/*.pdf") if "fax" not in path.parent.parent.name
    )[:24]
    expected = {path: render_png(path, 1, 300) for path in pdfs[:6]}
    failures: list[str] = []

    def view() -> None:
        for _ in range(4):
            for path, image in expected.items():
                if render_png(path, 1, 300) != image or page_count(path) < 1:
                    failures.append(path.name)

    def extract() -> None:
        for _ in range(2):
            list(PacketReader(pdfs, cache=OcrCache(None)).pages())

    threads = [threading.Thread(target=view) for _ in range(3)]
    threads.append(threading.Thread(target=extract))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_page_of_freak_proportions_is_drawn_smaller(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "ribbon.pdf"
    ribbon = canvas.Canvas(str(path), pagesize=(2, 14400))  # 2 pt wide, 200 inches tall
    ribbon.drawString(0, 7000, "x")
    ribbon.save()
    png = render_png(path, 1, 1100)
    with Image.open(io.BytesIO(png)) as image:
        assert image.height <= MAX_IMAGE_HEIGHT
        assert image.width * image.height <= MAX_IMAGE_PIXELS
        assert image.height > image.width
