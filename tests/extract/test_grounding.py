"""A quote is found as written, or with other whitespace or a line-end hyphen; never looser."""

from __future__ import annotations

from priorauth.extract.grounding import MatchQuality, locate

PAGE = "Pt failed  tacrolimus 0.1%\nointment x12 wks. Severe thrombo-\n  cytopenia noted."


def test_exact() -> None:
    found = locate(PAGE, "failed  tacrolimus")
    assert found is not None
    assert PAGE[found.start : found.end] == "failed  tacrolimus"
    assert found.quality is MatchQuality.EXACT


def test_whitespace_and_line_breaks() -> None:
    found = locate(PAGE, "failed tacrolimus 0.1% ointment x12 wks")
    assert found is not None
    assert PAGE[found.start : found.end] == "failed  tacrolimus 0.1%\nointment x12 wks"
    assert found.quality is MatchQuality.WHITESPACE


def test_hyphenation_at_a_line_end() -> None:
    found = locate(PAGE, "Severe thrombocytopenia noted")
    assert found is not None
    assert PAGE[found.start : found.end] == "Severe thrombo-\n  cytopenia noted"
    assert found.quality is MatchQuality.HYPHENATION


def test_nothing_looser() -> None:
    assert locate(PAGE, "failed Tacrolimus") is None  # case differs
    assert locate(PAGE, "failed tacrolimus 0.1 % ointment") is None  # a space added
    assert locate(PAGE, "tacrolimus failed") is None  # reordered
    assert locate(PAGE, "   ") is None
