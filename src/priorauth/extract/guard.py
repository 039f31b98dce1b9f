"""A model's facts propose; until a reviewer confirms them they cannot decide.

Checks against the quote catch a model that misquotes, but not every way a real quote can be
misread. So the decision is made twice: without the model's unconfirmed facts, and with
them. Items they leave as they were take the fuller result (with the model's evidence); an
item whose status they would change becomes *unknown*, naming the facts to confirm. A model
can therefore move a decision only toward pend, and a reviewer's confirmation does the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from priorauth.adjudicate.engine import Decision, Engine, combine
from priorauth.adjudicate.facts import FactBase, FactStatus, SourceKind
from priorauth.adjudicate.request import Request
from priorauth.adjudicate.trace import UNKNOWN, Result


def proposed(fact: FactBase) -> bool:
    """A model's fact that no reviewer has confirmed."""
    return fact.source.kind is SourceKind.LLM and fact.status is not FactStatus.CONFIRMED


def decide(engine: Engine, request: Request, facts: Sequence[FactBase]) -> Decision:
    """The engine's decision, with unconfirmed model facts unable to settle any item."""
    if not any(proposed(f) and f.usable for f in facts):
        return engine.decide(request, facts)
    settled = engine.decide(request, [f for f in facts if not proposed(f)])
    full = engine.decide(request, facts)
    if full.criteria_set.id != settled.criteria_set.id or settled.criteria_set.must == "one":
        # A model's diagnosis cannot reroute a request, nor its facts turn a referral.
        return settled._replace(ignored=full.ignored)
    results = tuple(
        mine if mine.status is theirs.status else _to_confirm(theirs, mine)
        for theirs, mine in zip(settled.results, full.results, strict=True)
    )
    decision = combine(r.status for r in results)
    if results == full.results:
        return full
    approval = settled.approval if decision == "approve" else None
    return settled._replace(
        results=results, decision=decision, approval=approval, ignored=full.ignored
    )


def _to_confirm(settled: Result, with_model: Result) -> Result:
    model_facts = tuple(f for f in with_model.facts if proposed(f))
    named = ", ".join(f.id for f in model_facts) or "the model's facts"
    reason = (
        f"{settled.reason} Facts a model proposed ({named}) would make this item "
        f"{with_model.status.value.replace('_', ' ')}: {with_model.reason} A reviewer must "
        "confirm or reject them."
    )
    return Result(
        settled.id,
        settled.text,
        UNKNOWN,
        reason,
        settled.facts + model_facts,
        settled.children,
    )
