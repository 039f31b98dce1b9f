"""Mentions to facts: one fact per distinct statement, every place it was made as evidence.

Mentions of the same kind, value and assertion context merge; details one mention has and
another lacks (a trial's duration, a diagnosis's ICD-10 code) are filled in. Different values
stay separate facts (two platelet counts, a segmental and a nonsegmental vitiligo) so the
adjudicator sees the conflict and says which one it used and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from priorauth.adjudicate.facts import FACT_ADAPTER, Context, Evidence, Fact, Source, SourceKind
from priorauth.extract.mentions import Mention
from priorauth.extract.pages import Page

EXTRACTOR_NAME = "priorauth-rules"
EXTRACTOR_VERSION = "1"

_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "diagnosis": ("condition", "subtype", "risk"),
    "therapy_trial": ("agent", "outcome"),
    "medication": ("agent", "status"),
    "mutation": ("gene", "detected"),
    "therapy_status": (),
    "medication_list": (),
    "response_to_therapy": ("response",),
    "treatment_plan": ("intent",),
    "dose_literature": ("citation",),
}
"""Value fields that tell two facts apart; other fields are details merged across mentions.
Kinds not listed compare their whole value."""

_DATED = frozenset({"platelet_count", "bsa_involvement", "response_to_therapy"})
"""Kinds whose date is part of what they say (a count on a day)."""


@dataclass(slots=True)
class _Draft:
    name: str
    value: dict[str, Any]
    context: Context
    grounded: bool = True
    evidence: list[Evidence] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)
    confidence: float = 0.0
    page_dated: bool = True
    """Every mention's date was only its page's."""


def _context_key(context: Context) -> tuple[bool, ...]:
    return (context.negated, context.family, context.hypothetical, context.uncertain)


def _value_key(name: str, value: dict[str, Any]) -> tuple[Any, ...]:
    fields = _KEY_FIELDS.get(name)
    if fields is None:
        return tuple(sorted((k, repr(v)) for k, v in value.items()))
    return tuple(repr(value.get(f)) for f in fields)


RULES_SOURCE = Source(kind=SourceKind.RULES, name=EXTRACTOR_NAME, version=EXTRACTOR_VERSION)


def statement_key(fact: Fact) -> tuple[Any, ...]:
    """What a fact states, for telling whether two extractors said the same thing."""
    value = fact.value.model_dump(mode="json")
    return (fact.name, _value_key(fact.name, value), _context_key(fact.context))


class Assembler:
    """Collects mentions page by page (while the page's boxes are at hand), then builds facts.

    ``source`` is recorded on every fact and ``prefix`` starts their ids, so the facts of two
    extractors can stand side by side.
    """

    def __init__(self, source: Source = RULES_SOURCE, prefix: str = "") -> None:
        self.source = source
        self.prefix = prefix
        self._drafts: dict[tuple[Any, ...], _Draft] = {}
        self.rejected = 0
        """Mentions whose value did not validate (counted, never logged: they hold text)."""

    def add(self, page: Page, mentions: Iterable[Mention]) -> None:
        for mention in mentions:
            evidence = Evidence(
                document=page.document,
                page=page.number,
                quote=page.text[mention.start : mention.end],
                char_start=mention.start,
                char_end=mention.end,
                bbox=page.bbox(mention.start, mention.end),
                match=mention.match,
            )
            date = mention.date if mention.name in _DATED else None
            key = (
                mention.name,
                _value_key(mention.name, mention.value),
                _context_key(mention.context),
                date,
            )
            self._record(key, mention, evidence, grounded=True)

    def add_ungrounded(
        self,
        document: str,
        page: int,
        mention: Mention,
        quote: str,
        why: Literal["not_found", "unsupported"],
    ) -> None:
        """A claim whose quote is not on its page (``why`` = ``not_found``) or does not carry
        its values (``unsupported``): kept for the reviewer, never used by a decision."""
        evidence = Evidence(document=document, page=page, quote=quote, match=why)
        key = (
            "ungrounded",
            mention.name,
            _value_key(mention.name, mention.value),
            _context_key(mention.context),
            quote,
        )
        self._record(key, mention, evidence, grounded=False)

    def _record(
        self, key: tuple[Any, ...], mention: Mention, evidence: Evidence, *, grounded: bool
    ) -> None:
        draft = self._drafts.get(key)
        if draft is None:
            draft = self._drafts[key] = _Draft(
                mention.name, dict(mention.value), mention.context, grounded=grounded
            )
        else:
            _merge_value(draft.value, mention.value)
        if evidence not in draft.evidence:
            draft.evidence.append(evidence)
        if mention.date is not None:
            draft.dates.append(mention.date)
        draft.page_dated = draft.page_dated and mention.page_dated
        draft.confidence = max(draft.confidence, mention.confidence)

    def facts(self) -> list[Fact]:
        drafts = list(self._drafts.values())
        for fold in (_fold_unspecified, _fold_unknown_outcomes, _fold_restated):
            drafts = _grounded_only(fold)(drafts)
        facts: list[Fact] = []
        counters: dict[str, int] = {}
        for draft in drafts:
            counters[draft.name] = counters.get(draft.name, 0) + 1
            data = {
                "id": f"{self.prefix}{draft.name}-{counters[draft.name]}",
                "name": draft.name,
                "value": draft.value,
                "date": max(draft.dates) if draft.dates else None,
                "evidence": draft.evidence,
                "context": draft.context,
                "source": self.source,
                "confidence": round(draft.confidence, 2),
                "grounded": draft.grounded,
            }
            try:
                facts.append(FACT_ADAPTER.validate_python(data))
            except ValidationError:
                self.rejected += 1
        return facts


def _merge_value(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if value is None:
            continue
        if key in ("currently_receiving", "via_plan_benefit", "previously_approved"):
            into[key] = bool(into.get(key)) or bool(value)
        elif key == "days_on_therapy":
            into[key] = max(int(into.get(key) or 0), int(value))
        elif into.get(key) is None:
            into[key] = value


def _fold_restated(drafts: list[_Draft]) -> list[_Draft]:
    """A count restated without its date ("Plt 38 is below the labeled threshold", dated only
    by the note) is the dated result it repeats, when exactly one has that value."""
    dated: dict[tuple[Any, ...], list[_Draft]] = {}
    for draft in drafts:
        if draft.name == "platelet_count" and not draft.page_dated:
            key = (_value_key(draft.name, draft.value), _context_key(draft.context))
            dated.setdefault(key, []).append(draft)
    kept = []
    for draft in drafts:
        if draft.name == "platelet_count" and draft.page_dated:
            key = (_value_key(draft.name, draft.value), _context_key(draft.context))
            targets = dated.get(key, [])
            if len(targets) == 1:
                targets[0].evidence.extend(
                    e for e in draft.evidence if e not in targets[0].evidence
                )
                continue
        kept.append(draft)
    return kept


def _fold_unknown_outcomes(drafts: list[_Draft]) -> list[_Draft]:
    """A trial mentioned without its result ("s/p CHOP and GemOx") is the trial another
    mention states the result of ("CHOP x 6, progression 10/2024"): one fact, both places
    as evidence."""
    known: dict[tuple[Any, ...], _Draft] = {}
    for draft in drafts:
        if draft.name == "therapy_trial" and draft.value.get("outcome") != "unknown":
            known.setdefault((draft.value["agent"], _context_key(draft.context)), draft)
    kept = []
    for draft in drafts:
        target = None
        if draft.name == "therapy_trial" and draft.value.get("outcome") == "unknown":
            target = known.get((draft.value["agent"], _context_key(draft.context)))
        if target is None:
            kept.append(draft)
            continue
        target.evidence.extend(e for e in draft.evidence if e not in target.evidence)
        target.dates.extend(draft.dates)
        _merge_value(target.value, {k: v for k, v in draft.value.items() if k != "outcome"})
    return kept


_FOLDED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("diagnosis", "subtype", ("condition",)),
    ("diagnosis", "risk", ("condition",)),
    ("cell_therapy", "target", ("therapy",)),
    ("oxygen_support", "flow_l_min", ("device",)),
)
"""(kind, detail, what must match): a statement without the detail joins the one statement of
that kind that has it."""


def _grounded_only(
    fold: Callable[[list[_Draft]], list[_Draft]],
) -> Callable[[list[_Draft]], list[_Draft]]:
    """Folding joins statements found on the page; a claim not found there stays apart."""

    def run(drafts: list[_Draft]) -> list[_Draft]:
        return fold([d for d in drafts if d.grounded]) + [d for d in drafts if not d.grounded]

    return run


def _fold_unspecified(drafts: list[_Draft]) -> list[_Draft]:
    """A statement that leaves a detail out is the one that gives it, when only one does:
    "vitiligo" on page 1 and "nonsegmental vitiligo" on page 2 are one diagnosis, "after CAR
    T" and "after Carvykti (BCMA)" one cell therapy, "on HFNC" and "HFNC 40 L/min" one device.
    """
    for name, detail, same in _FOLDED:
        specific: dict[tuple[Any, ...], list[_Draft]] = {}
        for draft in drafts:
            if draft.name == name and draft.value.get(detail) is not None:
                key = (*(draft.value.get(f) for f in same), _context_key(draft.context))
                specific.setdefault(key, []).append(draft)
        kept = []
        for draft in drafts:
            if draft.name == name and draft.value.get(detail) is None:
                key = (*(draft.value.get(f) for f in same), _context_key(draft.context))
                targets = specific.get(key)
                if targets is not None and len(targets) == 1:
                    target = targets[0]
                    target.evidence.extend(e for e in draft.evidence if e not in target.evidence)
                    target.dates.extend(draft.dates)
                    _merge_value(target.value, draft.value)
                    continue
            kept.append(draft)
        drafts = kept
    return drafts
