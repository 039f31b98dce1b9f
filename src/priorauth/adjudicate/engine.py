"""The engine: compiles a policy into closures and decides a request from its facts.

Compiling once turns every item into a function of the :class:`Case`, so a decision is a
walk over prebuilt closures that records each item's status, reason and facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import NamedTuple

from priorauth.adjudicate.facts import FactBase
from priorauth.adjudicate.policy import CriteriaSet, Duration, Item, PlanSettings, Policy, TestRef
from priorauth.adjudicate.predicates import REGISTRY
from priorauth.adjudicate.request import Request, RequestDiagnosis
from priorauth.adjudicate.routing import Routing, route
from priorauth.adjudicate.trace import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    UNKNOWN,
    Case,
    Leaf,
    Result,
    Status,
)
from priorauth.adjudicate.validity import check_request

Node = Callable[[Case], Result]
_by_id = attrgetter("id")


def build_leaf(ref: TestRef | Item, policy: Policy) -> Leaf:
    """Build one predicate from a ``test`` and its ``with`` parameters."""
    assert ref.test is not None
    predicate = REGISTRY[ref.test]
    return predicate.build(predicate.params.model_validate(ref.with_), policy)


def _merge(results: Iterable[Result]) -> tuple[FactBase, ...]:
    seen: dict[str, FactBase] = {}
    for result in results:
        for fact in result.facts:
            seen.setdefault(fact.id, fact)
    return tuple(seen.values())


def _tag(result: Result) -> str:
    return f"({result.id.rsplit('.', 1)[-1]}) {result.reason}"


def _combine_all(item_id: str, text: str, kids: tuple[Node, ...]) -> Node:
    def run(case: Case) -> Result:
        results = tuple(kid(case) for kid in kids)
        statuses = {r.status for r in results}
        if NOT_MET in statuses:
            status, why = NOT_MET, [r for r in results if r.status is NOT_MET]
        elif UNKNOWN in statuses:
            status, why = UNKNOWN, [r for r in results if r.status is UNKNOWN]
        elif statuses == {NOT_APPLICABLE}:
            status, why = NOT_APPLICABLE, list(results)
        else:
            status, why = MET, [r for r in results if r.status is MET]
        reason = " ".join(_tag(r) for r in why)
        return Result(item_id, text, status, reason, _merge(why), results)

    return run


def _combine_any(item_id: str, text: str, kids: tuple[Node, ...]) -> Node:
    def run(case: Case) -> Result:
        results = tuple(kid(case) for kid in kids)
        statuses = {r.status for r in results}
        if MET in statuses:
            status, why = MET, [next(r for r in results if r.status is MET)]
        elif UNKNOWN in statuses:
            status, why = UNKNOWN, [r for r in results if r.status is not NOT_APPLICABLE]
        elif statuses == {NOT_APPLICABLE}:
            status, why = NOT_APPLICABLE, list(results)
        else:
            status, why = NOT_MET, [r for r in results if r.status is NOT_MET]
        reason = " ".join(_tag(r) for r in why)
        return Result(item_id, text, status, reason, _merge(why), results)

    return run


def _conditional(
    node: Node, whens: tuple[Leaf, ...], unless: Leaf | None, item_id: str, text: str
) -> Node:
    def run(case: Case) -> Result:
        for when in whens:
            status, reason, facts = when(case)
            if status is NOT_MET or status is NOT_APPLICABLE:
                return Result(item_id, text, NOT_APPLICABLE, f"Not applicable: {reason}", facts)
            if status is UNKNOWN:
                return Result(
                    item_id,
                    text,
                    UNKNOWN,
                    f"Whether this applies is not documented: {reason}",
                    facts,
                )
        if unless is not None:
            status, reason, facts = unless(case)
            if status is MET:
                return Result(item_id, text, NOT_APPLICABLE, f"Not applicable: {reason}", facts)
        return node(case)

    return run


def compile_item(item: Item, item_id: str, policy: Policy) -> Node:
    """Compile an item (and its nested items) into a function of the case."""
    text = item.text
    node: Node
    if item.test is not None:
        leaf = build_leaf(item, policy)

        def node(case: Case) -> Result:
            status, reason, facts = leaf(case)
            return Result(item_id, text, status, reason, facts)

    else:
        kids = tuple(
            compile_item(child, f"{item_id}.{child.id}", policy) for child in item.children
        )
        node = (_combine_all if item.all else _combine_any)(item_id, text, kids)
    if not item.when and item.unless is None:
        return node
    whens = tuple(build_leaf(ref, policy) for ref in item.when)
    unless = build_leaf(item.unless, policy) if item.unless else None
    return _conditional(node, whens, unless, item_id, text)


class Approval(NamedTuple):
    value: int
    unit: str


class Decision(NamedTuple):
    """The outcome of one adjudication, with everything needed to explain and replay it."""

    policy: Policy
    request: Request
    routing: Routing
    criteria_set: CriteriaSet
    results: tuple[Result, ...]
    decision: str
    approval: Approval | None
    refer_to: tuple[str, ...]
    ignored: tuple[FactBase, ...]


def _walk(results: Iterable[Result]) -> Iterable[Result]:
    for result in results:
        yield result
        yield from _walk(result.children)


def _approval(
    criteria_set: CriteriaSet, request: Request, results: tuple[Result, ...]
) -> Approval | None:
    spec = criteria_set.approval
    if spec is None:
        return None
    duration: Duration | None
    if spec.by_branch:
        met = {r.id for r in _walk(results) if r.status is MET}
        duration = next((d for branch, d in spec.by_branch.items() if branch in met), None)
    else:
        duration = spec.for_line(request.line_of_business)
    if duration is None:
        return None
    value = duration.value
    if duration.or_requested and request.requested_duration_months is not None:
        value = min(value, request.requested_duration_months)
    return Approval(value, duration.unit)


def combine(statuses: Iterable[Status]) -> str:
    """CONTRACT.md: any item not met -> deny; else any unknown -> pend; else approve."""
    seen = set(statuses)
    if NOT_MET in seen:
        return "deny"
    if UNKNOWN in seen:
        return "pend"
    return "approve"


class Engine:
    """A compiled policy. ``decide`` is pure: same inputs, same decision."""

    def __init__(self, policy: Policy, settings: PlanSettings | None = None) -> None:
        self.policy = policy
        self.settings = settings if settings is not None else policy.settings
        self._sets: dict[str, tuple[Node, ...]] = {
            s.id: tuple(compile_item(item, item.id, policy) for item in s.criteria)
            for s in policy.sets
        }
        self._reads = frozenset(policy.facts)
        self._criteria_sets = {s.id: s for s in policy.sets}
        self._classified: dict[RequestDiagnosis, tuple[str | None, str | None]] = {}
        self._refers = {
            s.id: {
                item_id: item.refer_to
                for item_id, item in _walk_items(s.criteria, "")
                if item.refer_to
            }
            for s in policy.sets
        }

    def decide(self, request: Request, facts: Iterable[FactBase]) -> Decision:
        policy = self.policy
        check_request(policy, request)
        by_name: dict[str, list[FactBase]] = {}
        ignored: list[FactBase] = []
        for fact in sorted(facts, key=_by_id):
            name: str = fact.name  # type: ignore[attr-defined]
            if not fact.usable:
                ignored.append(fact)
            elif name in self._reads:
                by_name.setdefault(name, []).append(fact)
        grouped = {name: tuple(group) for name, group in by_name.items()}
        routing = route(policy, request, grouped.get("diagnosis", ()), self._classified)
        criteria_set = self._criteria_sets[routing.set_id]
        case = Case(request, grouped, self.settings, routing.condition)
        results = tuple(node(case) for node in self._sets[criteria_set.id])
        refer_to: tuple[str, ...] = ()
        approval = None
        if criteria_set.must == "one":
            decision = "refer"
            refers = self._refers[criteria_set.id]
            refer_to = tuple(
                target
                for result in _walk(results)
                if result.status is MET
                and (target := refers.get(result.id, {}).get(request.line_of_business))
            )
        else:
            decision = combine(r.status for r in results)
            if decision == "approve":
                approval = _approval(criteria_set, request, results)
        return Decision(
            policy,
            request,
            routing,
            criteria_set,
            results,
            decision,
            approval,
            refer_to,
            tuple(ignored),
        )


def _walk_items(items: Iterable[Item], parent: str) -> Iterable[tuple[str, Item]]:
    """Items with their full ids (``I.L.1.a``), depth first."""
    for item in items:
        item_id = f"{parent}.{item.id}" if parent else item.id
        yield item_id, item
        yield from _walk_items(item.children, item_id)


def status_of(decision: Decision, item_id: str) -> Status:
    """The status of any item (top-level or nested) in a decision."""
    for result in _walk(decision.results):
        if result.id == item_id:
            return result.status
    raise KeyError(item_id)


def _item_reads(item: Item) -> frozenset[str]:
    tests: list[Item | TestRef] = [item, *item.when, *([item.unless] if item.unless else [])]
    names = frozenset().union(*(REGISTRY[ref.test].reads for ref in tests if ref.test is not None))
    return names.union(*(_item_reads(child) for child in item.children))


def item_reads(criteria_set: CriteriaSet) -> dict[str, frozenset[str]]:
    """The fact names each top-level item of ``criteria_set`` may read, by item id: what a
    reviewer must check to settle that item."""
    return {item.id: _item_reads(item) for item in criteria_set.criteria}
