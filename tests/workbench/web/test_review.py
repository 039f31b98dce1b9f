"""Conflicts between facts about the same subject."""

from __future__ import annotations

from typing import Any

from priorauth.adjudicate.facts import FactStatus
from priorauth.workbench.store.models import FactRecord, canonical_json
from priorauth.workbench.web.review import fact_views


def _record(fact_id: str, name: str, value: dict[str, Any], **extra: Any) -> FactRecord:
    status = extra.pop("status", "proposed")
    data = {"id": fact_id, "name": name, "value": value, "status": status, **extra}
    return FactRecord(
        fact_id=fact_id,
        data_json=canonical_json(data),
        status=FactStatus(status),
        version=1,
        updated_by="extractor",
    )


def _conflicts(*records: FactRecord) -> dict[str, str | None]:
    return {view.id: view.conflict for view in fact_views(records, ["note.pdf"])}


def test_the_same_count_in_other_units_agrees() -> None:
    day = "2026-03-09"
    assert _conflicts(
        _record("a", "platelet_count", {"count": 128, "unit": "10^9/L"}, date=day),
        _record("b", "platelet_count", {"count": 128, "unit": "10^3/uL"}, date=day),
        _record("c", "platelet_count", {"count": 128000, "unit": "/uL"}, date=day),
    ) == {"a": None, "b": None, "c": None}
    found = _conflicts(
        _record("a", "platelet_count", {"count": 128}, date=day),
        _record("b", "platelet_count", {"count": 98}, date=day),
        _record("c", "platelet_count", {"count": 98}, date="2026-01-02"),
    )
    assert found["a"] == "1 other platelet count fact about 2026-03-09 says something else"
    assert found["b"] == found["a"]
    assert found["c"] is None


def test_a_detail_only_one_gives_is_no_disagreement_but_negation_is() -> None:
    assert _conflicts(
        _record("a", "diagnosis", {"condition": "vitiligo"}),
        _record("b", "diagnosis", {"condition": "vitiligo", "subtype": "nonsegmental"}),
    ) == {"a": None, "b": None}
    found = _conflicts(
        _record("a", "diagnosis", {"condition": "vitiligo"}),
        _record("b", "diagnosis", {"condition": "vitiligo"}, context={"negated": True}),
        _record(
            "c",
            "diagnosis",
            {"condition": "vitiligo"},
            context={"negated": True},
            status="rejected",
        ),
    )
    assert found["a"] == "1 other diagnosis fact about vitiligo says something else"
    assert found["c"] is None
