"""Mentions to facts: one per statement, evidence from every place, details folded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from priorauth.adjudicate.facts import Context
from priorauth.extract.assemble import Assembler
from priorauth.extract.mentions import Mention
from tests.extract.conftest import text_page

TEXT = "vitiligo here. nonsegmental vitiligo there. s/p CHOP. CHOP x6, progression 10/2024."


def _at(phrase: str, name: str, value: dict[str, Any], **kwargs: Any) -> Mention:
    start = TEXT.index(phrase)
    return Mention(name, value, start, start + len(phrase), **kwargs)


def test_repeated_statements_are_one_fact_with_all_their_evidence() -> None:
    assembler = Assembler()
    page = text_page(TEXT)
    assembler.add(page, [_at("vitiligo here", "diagnosis", {"condition": "vitiligo"})])
    assembler.add(
        text_page(TEXT, number=2), [_at("vitiligo here", "diagnosis", {"condition": "vitiligo"})]
    )
    (fact,) = assembler.facts()
    assert fact.id == "diagnosis-1"
    assert [(e.page, e.quote) for e in fact.evidence] == [
        (1, "vitiligo here"),
        (2, "vitiligo here"),
    ]
    assert fact.source.kind == "rules"


def test_a_detail_left_out_folds_into_the_statement_that_gives_it() -> None:
    assembler = Assembler()
    assembler.add(
        text_page(TEXT),
        [
            _at("vitiligo here", "diagnosis", {"condition": "vitiligo"}),
            _at(
                "nonsegmental vitiligo",
                "diagnosis",
                {"condition": "vitiligo", "subtype": "nonsegmental"},
            ),
            _at("s/p CHOP", "therapy_trial", {"agent": "chop", "outcome": "unknown"}),
            _at(
                "CHOP x6, progression",
                "therapy_trial",
                {"agent": "chop", "outcome": "progression", "duration_days": 126},
            ),
        ],
    )
    facts = assembler.facts()
    assert [(f.name, f.value.model_dump(exclude_none=True)) for f in facts] == [
        ("diagnosis", {"condition": "vitiligo", "subtype": "nonsegmental"}),
        ("therapy_trial", {"agent": "chop", "duration_days": 126, "outcome": "progression"}),
    ]
    assert len(facts[0].evidence) == 2
    assert len(facts[1].evidence) == 2


def test_different_values_and_contexts_stay_apart() -> None:
    assembler = Assembler()
    day = dt.date(2026, 3, 1)
    assembler.add(
        text_page(TEXT),
        [
            _at("vitiligo here", "platelet_count", {"count": 92}, date=day),
            _at("vitiligo there", "platelet_count", {"count": 92}, date=dt.date(2026, 2, 1)),
            _at("s/p CHOP", "therapy_trial", {"agent": "chop", "outcome": "unknown"}),
            _at(
                "CHOP x6",
                "therapy_trial",
                {"agent": "chop", "outcome": "unknown"},
                context=Context(negated=True),
            ),
        ],
    )
    facts = assembler.facts()
    assert [f.id for f in facts] == [
        "platelet_count-1",
        "platelet_count-2",
        "therapy_trial-1",
        "therapy_trial-2",
    ]


def test_a_value_that_does_not_validate_is_counted_not_kept() -> None:
    assembler = Assembler()
    assembler.add(text_page(TEXT), [_at("vitiligo here", "bsa_involvement", {"percent": 250})])
    assert assembler.facts() == []
    assert assembler.rejected == 1
