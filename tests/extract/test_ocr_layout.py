"""OCR'd words laid out as lines: tesseract's lines kept, a table row's column blocks joined,
and every character's box in page points."""

from __future__ import annotations

from priorauth.extract.ocr import OcrResult, Word, layout_page


def _word(text: str, x0: float, top: float, line: int, width: float = 60) -> Word:
    return (text, x0, top, x0 + width, top + 30, 95.0, line)


def _page(words: list[Word], rotation: int = 0) -> str:
    result = OcrResult(words=words, dpi=200, rotation=rotation, confidence=95.0)
    return layout_page(result, "fax.pdf", 1, 612, 792, 0).text


def test_column_blocks_of_one_row_are_joined_left_to_right() -> None:
    words = [
        _word("Platelets", 100, 400, line=1, width=150),
        _word("38", 600, 402, line=2),  # tesseract put the result column in another block
        _word("K/uL", 900, 401, line=3),
        _word("Hemoglobin", 100, 460, line=4, width=180),
        _word("8.6", 600, 461, line=5),
    ]
    assert _page(words) == "Platelets   38   K/uL\nHemoglobin   8.6\n"


def test_a_skewed_line_stays_one_line_and_its_neighbour_another() -> None:
    # A 1-degree skew drifts 25 px over 1400 px: more than half a line's height.
    words = [_word(f"w{i}", 100 + 200 * i, 300 + 4 * i, line=1) for i in range(7)]
    words += [_word(f"n{i}", 100 + 200 * i, 345 + 4 * i, line=2) for i in range(7)]
    assert _page(words).splitlines() == [
        "w0   w1   w2   w3   w4   w5   w6",
        "n0   n1   n2   n3   n4   n5   n6",
    ]


def test_boxes_are_in_points_of_the_page() -> None:
    words = [_word("PLT", 200, 100, line=1)]
    result = OcrResult(words=words, dpi=200, rotation=0, confidence=95.0)
    page = layout_page(result, "fax.pdf", 1, 612, 792, 0)
    box = page.bbox(0, 3)
    assert box is not None
    assert (box.x0, box.top, box.x1, box.bottom) == (72.0, 36.0, 93.6, 46.8)
    assert page.ocr_confidence == 95.0
