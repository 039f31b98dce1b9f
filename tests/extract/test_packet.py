"""Reading packets: every page with its text and boxes, and bad documents reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import letter
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from priorauth.adjudicate.errors import InputError
from priorauth.extract.ocr import OcrCache
from priorauth.extract.packet import PacketReader
from priorauth.extract.pages import TextSource

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "packets"


def _pdf(path: Path, lines: list[str], *, password: str | None = None, rotate: int = 0) -> Path:
    encrypt = StandardEncryption(password, canPrint=0) if password else None
    pdf = canvas.Canvas(str(path), pagesize=letter, encrypt=encrypt, invariant=True)
    for number, line in enumerate(lines):
        pdf.drawString(72, 720 - 14 * number, line)
    pdf.showPage()
    pdf.save()
    if rotate:
        document = pdfium.PdfDocument(path)
        document[0].set_rotation(rotate)
        turned = path.with_suffix(".turned.pdf")
        document.save(turned)
        document.close()
        turned.replace(path)
    return path


def _read(paths: list[Path]) -> tuple[list, PacketReader]:  # type: ignore[type-arg]
    reader = PacketReader(paths, cache=OcrCache(None))
    return list(reader.pages()), reader


def test_text_page_has_text_and_a_box_for_each_visible_character(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "labs.pdf", ["CBC collected 03/02/2026", "Platelets 92 K/uL"])
    pages, reader = _read([path])
    assert len(pages) == 1
    page = pages[0]
    assert page.source is TextSource.TEXT_LAYER
    assert "Platelets 92 K/uL" in page.text
    start = page.text.index("Platelets")
    box = page.bbox(start, start + len("Platelets"))
    assert box is not None
    # drawn at x=72, baseline 720 pt from the bottom of a 792 pt page: 72 pt from the top
    assert 71 <= box.x0 <= 74
    assert 78 <= box.bottom <= 88
    assert box.bottom - box.top < 14
    assert reader.documents[0].name == "labs.pdf"
    assert reader.documents[0].ocr_pages == []


def test_rotated_page_boxes_are_in_displayed_coordinates(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "sideways.pdf", ["Platelets 92 K/uL collected today"], rotate=90)
    pages, _ = _read([path])
    page = pages[0]
    assert (page.width, page.height) == (792, 612)
    start = page.text.index("Platelets")
    box = page.bbox(start, start + 9)
    assert box is not None
    # turned clockwise, the first line runs down the right-hand side of the displayed page
    assert box.x0 > 600
    assert box.bottom - box.top > box.x1 - box.x0


def test_bad_documents_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "packet"
    folder.mkdir()
    _pdf(folder / "a-good.pdf", ["Platelets 120 K/uL on 03/01/2026"])
    (folder / "b-empty.pdf").write_bytes(b"")
    (folder / "c-notes.docx").write_bytes(b"PK\x03\x04 not a pdf")
    (folder / "d-truncated.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    _pdf(folder / "e-locked.pdf", ["secret"], password="s3cret")
    _pdf(folder / "f-good.pdf", ["Second good document here, more words"])
    pages, reader = _read([folder])
    assert [p.document for p in pages] == ["a-good.pdf", "f-good.pdf"]
    reasons = {p.document: p.reason for p in reader.problems}
    assert reasons == {
        "b-empty.pdf": "empty file",
        "c-notes.docx": "not a PDF (no %PDF header)",
        "d-truncated.pdf": "corrupt or not a PDF (its structure cannot be parsed)",
        "e-locked.pdf": "encrypted (a password is required to open it)",
    }
    assert all("\n" not in str(problem) for problem in reader.problems)


def test_a_missing_packet_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no-such-folder: no such file or folder"):
        PacketReader([tmp_path / "no-such-folder"])


def test_same_file_names_in_two_folders_stay_apart(tmp_path: Path) -> None:
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        _pdf(tmp_path / folder / "note.pdf", [f"Note from folder {folder} with enough text"])
    pages, _ = _read([tmp_path / "one", tmp_path / "two"])
    assert [p.document for p in pages] == ["one/note.pdf", "two/note.pdf"]


def test_fax_page_is_ocrd_with_boxes_and_a_sideways_scan_is_turned(tmp_path: Path) -> None:
    """One real OCR run on a committed sample fax page stored turned 90 degrees."""
    packet = SAMPLES / "mf-deny-platelets-fax" / "packet"
    sideways = [p for p in sorted(packet.glob("*.pdf")) if "cbc" in p.name.lower()]
    assert sideways, "the sample packet has a faxed CBC"
    reader = PacketReader(sideways, cache=OcrCache(tmp_path / "cache"))
    pages = list(reader.pages())
    page = pages[0]
    assert page.source is TextSource.OCR
    assert page.ocr_rotation == 90
    assert page.ocr_confidence is not None
    assert page.ocr_confidence > 70
    assert "Platelet" in page.text or "PLT" in page.text
    start = max(page.text.find("Platelet"), page.text.find("PLT"))
    box = page.bbox(start, start + 3)
    assert box is not None
    assert 0 <= box.x0 < box.x1 <= page.width
    # the cache returns the same page without OCR
    again = list(PacketReader(sideways, cache=OcrCache(tmp_path / "cache")).pages())
    assert again[0].text == page.text
