"""scripts/make_packets.py: text documents keep a text layer and ruled tables, fax documents are
images only, the bytes are the same from run to run, and a bad case.yaml is a one-line error."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import cast

import pdfplumber
import pypdfium2 as pdfium
import pytest
import yaml

SCRIPT = Path(__file__).parents[2] / "scripts" / "make_packets.py"

NOTE_PAGES = [
    """\
# Dermatology Progress Note
Date of service: 03/02/2026
Nonsegmental vitiligo, BSA 6% involvement of the face and dorsal hands, progressing despite \
clobetasol and tacrolimus.

| Test | Result | Units | Ref range |
|------|--------|-------|-----------|
| Platelets | 92 | K/uL | 150-400 |
""",
    "# Plan\nStart ruxolitinib 1.5% cream BID.\n",
]
CARD_PAGE = "# Member ID Card\nMember: Jane Sample  ID ACM123456789\n"
FAX_PAGES = ["FAX COVER SHEET\nTo: Utilization Management\n", "# Medication History\nNone.\n"]

CASE = {
    "title": "generator test",
    "documents": [
        {"file": "01-note.pdf", "kind": "text", "font": "times", "pages": NOTE_PAGES},
        {
            "file": "02-card.pdf",
            "kind": "text",
            "rotate": 90,
            "font": "courier",
            "pages": [CARD_PAGE],
        },
        {"file": "03-fax.pdf", "kind": "fax", "skew": 0.6, "rotate": 180, "pages": FAX_PAGES},
    ],
}

Main = Callable[[Sequence[str]], int]


@pytest.fixture(scope="module")
def main() -> Iterator[Main]:
    spec = importlib.util.spec_from_file_location("make_packets", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class body is processed.
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield cast(Main, module.main)
    finally:
        del sys.modules[spec.name]


@pytest.fixture
def case(tmp_path: Path) -> Path:
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(CASE, sort_keys=False), encoding="utf-8")
    return tmp_path


def _texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    try:
        return [str(page.get_textpage().get_text_bounded()) for page in pdf]
    finally:
        pdf.close()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


def test_text_documents_have_each_pages_words_in_their_text_layer(main: Main, case: Path) -> None:
    assert main([str(case)]) == 0
    for file, pages in [("01-note.pdf", NOTE_PAGES), ("02-card.pdf", [CARD_PAGE])]:
        texts = _texts(case / "packet" / file)
        assert len(texts) == len(pages)
        for text, page in zip(texts, pages, strict=True):
            assert _words(page) <= _words(text)


def test_rotate_sets_the_page_rotation_and_the_page_displays_portrait(
    main: Main, case: Path
) -> None:
    assert main([str(case)]) == 0
    pdf = pdfium.PdfDocument(case / "packet" / "02-card.pdf")
    try:
        assert pdf[0].get_rotation() == 90
        assert pdf[0].get_size() == (612, 792)
    finally:
        pdf.close()


def test_table_cells_come_back_from_pdfplumber(main: Main, case: Path) -> None:
    assert main([str(case)]) == 0
    with pdfplumber.open(case / "packet" / "01-note.pdf") as pdf:
        tables = pdf.pages[0].extract_tables()
    assert tables == [
        [["Test", "Result", "Units", "Ref range"], ["Platelets", "92", "K/uL", "150-400"]]
    ]


def test_fax_pages_are_images_without_a_text_layer(main: Main, case: Path) -> None:
    assert main([str(case)]) == 0
    path = case / "packet" / "03-fax.pdf"
    assert _texts(path) == ["", ""]
    pdf = pdfium.PdfDocument(path)
    try:
        for page in pdf:
            assert page.get_size() == (612, 792)
            assert [obj.type for obj in page.get_objects()] == [pdfium.raw.FPDF_PAGEOBJ_IMAGE]
            bitmap = page.render(scale=200 / 72).to_pil().convert("L")
            assert bitmap.size == (1700, 2200)
            assert bitmap.getextrema() == (0, 255)
    finally:
        pdf.close()


def test_two_runs_write_byte_identical_files(main: Main, case: Path) -> None:
    def digests() -> dict[str, str]:
        assert main([str(case)]) == 0
        files = sorted((case / "packet").iterdir())
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

    first = digests()
    assert list(first) == ["01-note.pdf", "02-card.pdf", "03-fax.pdf"]
    assert digests() == first


def test_pdfs_the_case_no_longer_names_are_removed(main: Main, case: Path) -> None:
    stale = case / "packet" / "00-old.pdf"
    stale.parent.mkdir()
    stale.write_bytes(b"%PDF-1.4\n")
    assert main([str(case)]) == 0
    assert not stale.exists()


def test_an_unknown_kind_is_a_one_line_error_naming_the_case_file(
    main: Main, case: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_file = case / "case.yaml"
    bad = {
        "documents": [
            *CASE["documents"][:2],
            {"file": "03-fax.pdf", "kind": "scan", "pages": ["x"]},
        ]
    }
    case_file.write_text(yaml.safe_dump(bad), encoding="utf-8")
    assert main([str(case)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(case_file) in err
    assert "unknown kind 'scan'" in err
    assert not (case / "packet").exists()
