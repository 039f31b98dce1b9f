"""What the fact-review screen shows: the case's facts under the policy items that read
them, each with its evidence, and the facts that need a second look marked.

A fact is shown under the first item of the case's criteria set that reads its kind; items
that read the same kind point there. Facts no item reads are listed last: the reviewer still
sees everything extraction found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from priorauth.adjudicate.engine import item_reads
from priorauth.adjudicate.facts import PlateletUnit
from priorauth.adjudicate.policy import Policy
from priorauth.workbench.store.models import FactRecord


@dataclass(frozen=True, slots=True)
class EvidenceView:
    document: str
    document_index: int | None
    """1-based position among the case's documents, for the page image's address."""
    page: int
    quote: str
    bbox: Mapping[str, float] | None
    match: str | None


@dataclass(slots=True)
class FactView:
    id: str
    name: str
    status: str
    version: int
    grounded: bool
    source: str
    summary: str
    date: str | None
    context: dict[str, bool]
    value: dict[str, Any]
    evidence: list[EvidenceView]
    updated_by: str
    conflict: str | None = None
    """Why this fact disagrees with another of the same subject, when it does."""

    @property
    def needs_attention(self) -> bool:
        return not self.grounded or self.conflict is not None


@dataclass(slots=True)
class ItemView:
    id: str
    text: str
    status: str | None
    reason: str
    reads: tuple[str, ...]
    facts: list[FactView] = field(default_factory=list)
    see_also: dict[str, str] = field(default_factory=dict)
    """Fact kinds this item reads that are listed under an earlier item: kind -> item id."""


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def summary(value: Mapping[str, Any]) -> str:
    """A fact's value in one line: ``agent tacrolimus · duration days 56 · outcome failure``."""
    parts = [
        f"{key.replace('_', ' ')} {_shown(item)}"
        for key, item in value.items()
        if item not in (None, "", [], ())
    ]
    return " · ".join(parts)


_SUBJECT_KEYS = ("condition", "agent", "gene", "site", "kind", "specialty", "therapy")


def _subject(name: str, data: Mapping[str, Any]) -> tuple[str, str]:
    """What a fact is about: two facts about the same subject should agree."""
    value = data.get("value") or {}
    for key in _SUBJECT_KEYS:
        if isinstance(value, dict) and value.get(key):
            return name, str(value[key])
    # A measurement is about its date (two platelet counts on one day should match).
    return name, str(data.get("date"))


def _claim(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a fact states, comparable across units: platelets as 10^9/L."""
    value = dict(data.get("value") or {})
    if data.get("name") == "platelet_count" and "count" in value:
        unit = PlateletUnit(value.pop("unit", PlateletUnit.PER_NANOLITRE.value))
        value["count"] = round(unit.to_10e9_per_l(float(value["count"])), 3)
    context = data.get("context") or {}
    return {**value, "negated": bool(context.get("negated"))}


def _disagree(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two claims state different things: a detail only one of them gives (an ICD-10
    code, a subtype) is not a disagreement."""
    return (
        any(
            one[key] != other[key]
            for key in one.keys() & other.keys()
            if one[key] not in (None, "", [], ()) and other[key] not in (None, "", [], ())
        )
        or one["negated"] != other["negated"]
    )


def _mark_conflicts(facts: Sequence[FactView], data: Mapping[str, dict[str, Any]]) -> None:
    groups: dict[tuple[str, str], list[FactView]] = {}
    for fact in facts:
        if fact.status != "rejected":
            groups.setdefault(_subject(fact.name, data[fact.id]), []).append(fact)
    for (_name, subject), members in groups.items():
        claims = {fact.id: _claim(data[fact.id]) for fact in members}
        for fact in members:
            others = sum(_disagree(claims[other.id], claims[fact.id]) for other in members)
            if others:
                kind = fact.name.replace("_", " ")
                fact.conflict = (
                    f"{others} other {kind} fact{'s' if others > 1 else ''} about {subject} "
                    f"{'say' if others > 1 else 'says'} something else"
                )


def fact_views(records: Sequence[FactRecord], documents: Sequence[str]) -> list[FactView]:
    """The case's facts for the screen, conflicts marked."""
    index = {name: position for position, name in enumerate(documents, start=1)}
    views = []
    data = {}
    for record in records:
        fact = record.data
        data[record.fact_id] = fact
        views.append(
            FactView(
                id=record.fact_id,
                name=fact["name"],
                status=record.status.value,
                version=record.version,
                grounded=bool(fact.get("grounded", True)),
                source=(fact.get("source") or {}).get("kind", ""),
                summary=summary(fact.get("value") or {}),
                date=fact.get("date"),
                context={k: bool(v) for k, v in (fact.get("context") or {}).items()},
                value=dict(fact.get("value") or {}),
                evidence=[
                    EvidenceView(
                        document=item["document"],
                        document_index=index.get(item["document"]),
                        page=item["page"],
                        quote=item["quote"],
                        bbox=item.get("bbox"),
                        match=item.get("match"),
                    )
                    for item in fact.get("evidence", ())
                ],
                updated_by=record.updated_by,
            )
        )
    _mark_conflicts(views, data)
    return views


def group_by_item(
    policy: Policy,
    criteria_set: str,
    criteria: Sequence[Mapping[str, Any]],
    facts: Sequence[FactView],
) -> tuple[list[ItemView], list[FactView]]:
    """The set's items with their facts, and the facts no item reads."""
    chosen = policy.set_by_id(criteria_set)
    reads = item_reads(chosen)
    results = {row["id"]: row for row in criteria}
    first_reader: dict[str, str] = {}
    items = []
    for item in chosen.criteria:
        result = results.get(item.id, {})
        view = ItemView(
            id=item.id,
            text=item.text,
            status=result.get("status"),
            reason=result.get("reason", ""),
            reads=tuple(sorted(reads[item.id])),
        )
        for name in view.reads:
            if name in first_reader:
                view.see_also[name] = first_reader[name]
            else:
                first_reader[name] = item.id
        view.facts = [fact for fact in facts if first_reader.get(fact.name) == item.id]
        items.append(view)
    unread = [fact for fact in facts if fact.name not in first_reader]
    return items, unread
