"""Properties of the rules core, checked with generated facts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from priorauth.adjudicate import Engine, Policy, Request
from priorauth.adjudicate.engine import combine
from priorauth.adjudicate.facts import FACT_ADAPTER, FactBase, FactSet
from priorauth.adjudicate.policy import Item
from priorauth.adjudicate.predicates import REGISTRY
from priorauth.adjudicate.report import to_json_text
from priorauth.adjudicate.trace import Status

SAMPLES = Path(__file__).parents[2] / "samples" / "facts"
AGENTS = [
    "clobetasol propionate",
    "Protopic",
    "tacrolimus",
    "Eucrisa",
    "Dupixent",
    "Prograf",
    "hydroxyurea",
    "prednisone",
    "methylprednisolone",
    "tocilizumab",
    "ruxolitinib",
    "CHOP",
]
DAYS = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 6, 30))
CONTEXT = st.fixed_dictionaries(
    {}, optional={"negated": st.booleans(), "family": st.booleans(), "hypothetical": st.booleans()}
)


def _values() -> dict[str, st.SearchStrategy[dict[str, object]]]:
    outcomes = st.sampled_from(
        [
            "failure",
            "inadequate_response",
            "intolerance",
            "contraindication",
            "response",
            "unknown",
            "progression",
            "no_improvement",
        ]
    )
    return {
        "therapy_trial": st.fixed_dictionaries(
            {"agent": st.sampled_from(AGENTS), "outcome": outcomes},
            optional={
                "duration_days": st.integers(0, 120),
                "strength": st.sampled_from(["0.05%", "0.1%", "2.5%"]),
                "dose_mg_per_kg_day": st.floats(0, 3),
                "route": st.sampled_from(["topical", "oral"]),
            },
        ),
        "medication": st.fixed_dictionaries(
            {
                "agent": st.sampled_from(AGENTS),
                "status": st.sampled_from(["current", "past", "planned"]),
            }
        ),
        "medication_list": st.just({"documented": True}),
        "platelet_count": st.fixed_dictionaries(
            {"count": st.integers(0, 400), "unit": st.sampled_from(["10^9/L", "10^3/uL"])}
        ),
        "bsa_involvement": st.fixed_dictionaries({"percent": st.integers(0, 40)}),
        "treatment_site": st.fixed_dictionaries(
            {"site": st.sampled_from(["face", "trunk", "groin"])}
        ),
        "immune_status": st.fixed_dictionaries({"immunocompromised": st.booleans()}),
        "dose_literature": st.just({"citation": "NCCN MPN v2.2025"}),
        "dose_increase": st.fixed_dictionaries({"increase": st.booleans()}),
        "response_to_therapy": st.fixed_dictionaries(
            {"response": st.sampled_from(["positive", "none"])}
        ),
        "therapy_status": st.fixed_dictionaries(
            {"currently_receiving": st.booleans()},
            optional={"via_plan_benefit": st.booleans(), "days_on_therapy": st.integers(0, 90)},
        ),
        "mutation": st.fixed_dictionaries(
            {"gene": st.sampled_from(["JAK2", "CRLF2", "CALR"]), "detected": st.booleans()}
        ),
        "fever": st.fixed_dictionaries({"temperature_c": st.floats(36, 41)}),
        "vasopressor": st.fixed_dictionaries(
            {"agent": st.sampled_from(["norepinephrine", "vasopressin"])}
        ),
        "oxygen_support": st.fixed_dictionaries(
            {"device": st.sampled_from(["nasal_cannula", "bipap"])}
        ),
        "consultation": st.fixed_dictionaries(
            {"specialty": st.sampled_from(["Hematology", "Family medicine"])}
        ),
    }


VALUES = _values()


@st.composite
def facts(draw: st.DrawFn, names: list[str] | None = None, prefix: str = "g") -> list[FactBase]:
    chosen = names or sorted(VALUES)
    count = draw(st.integers(0, 8))
    out: list[FactBase] = []
    for index in range(count):
        name = draw(st.sampled_from(chosen))
        raw = {
            "id": f"{prefix}{index}",
            "name": name,
            "value": draw(VALUES[name]),
            "context": draw(CONTEXT),
            "date": draw(st.none() | DAYS),
        }
        out.append(FACT_ADAPTER.validate_python(raw))
    return out


def _sample(name: str) -> tuple[Request, list[FactBase]]:
    folder = SAMPLES / name
    request = Request.model_validate_json((folder / "request.json").read_text())
    base = FactSet.model_validate_json((folder / "facts.json").read_text())
    return request, list(base.facts)


def _reads(item: Item) -> set[str]:
    names: set[str] = set()
    refs = [*item.when, *([item.unless] if item.unless else [])]
    if item.test is not None:
        names |= REGISTRY[item.test].reads
    for ref in refs:
        names |= REGISTRY[ref.test].reads
    for child in item.children:
        names |= _reads(child)
    return names


@settings(max_examples=60, deadline=None)
@given(extra=facts())
def test_same_inputs_give_byte_identical_json(policy: Policy, extra: list[FactBase]) -> None:
    request, base = _sample("nsv-approve")
    engine = Engine(policy)
    first = to_json_text(engine.decide(request, base + extra))
    second = to_json_text(Engine(policy).decide(request, base + extra))
    assert first == second


@settings(max_examples=60, deadline=None)
@given(extra=facts(), order=st.randoms(use_true_random=False))
def test_fact_order_does_not_matter(policy: Policy, extra: list[FactBase], order: object) -> None:
    request, base = _sample("nsv-approve")
    engine = Engine(policy)
    everything = base + extra
    shuffled = list(everything)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert to_json_text(engine.decide(request, everything)) == to_json_text(
        engine.decide(request, shuffled)
    )


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_facts_an_item_does_not_read_change_nothing(policy: Policy, data: st.DataObject) -> None:
    engine = Engine(policy)
    for sample in sorted(p.name for p in SAMPLES.iterdir()):
        request, base = _sample(sample)
        before = engine.decide(request, base)
        for item, result in zip(before.criteria_set.criteria, before.results, strict=True):
            unread = sorted(set(VALUES) - _reads(item))
            if not unread:
                continue
            extra = data.draw(facts(unread, prefix=f"x{item.id}-"))
            after = engine.decide(request, base + extra)
            again = next(r for r in after.results if r.id == item.id)
            assert (again.status, again.reason, again.facts) == (
                result.status,
                result.reason,
                result.facts,
            )


STATUSES = st.sampled_from(list(Status))
RANK = {"approve": 0, "pend": 1, "deny": 2}


@given(statuses=st.lists(STATUSES, min_size=1, max_size=12), index=st.integers(0, 11))
def test_meeting_an_item_never_makes_the_decision_worse(statuses: list[Status], index: int) -> None:
    index %= len(statuses)
    better = list(statuses)
    better[index] = Status.MET
    assert RANK[combine(better)] <= RANK[combine(statuses)]


@settings(max_examples=40, deadline=None)
@given(extra=facts())
def test_each_item_appears_once_and_in_policy_order(policy: Policy, extra: list[FactBase]) -> None:
    request, base = _sample("nsv-approve")
    decision = Engine(policy).decide(request, base + extra)
    assert [r.id for r in decision.results] == [i.id for i in decision.criteria_set.criteria]
