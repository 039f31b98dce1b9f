"""The predicate registry and the helpers predicates share.

A predicate is a small named test over the request and the facts it declares it reads.
Policy files name predicates and give their parameters; :func:`register` records each one
with its parameter model so the loader can check a policy file before anything runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from priorauth.adjudicate.facts import FACT_TYPES, FactBase
from priorauth.adjudicate.policy import Policy
from priorauth.adjudicate.trace import Case, Leaf


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=Params)
F = TypeVar("F", bound=FactBase)

_NAME_OF: dict[type[FactBase], str] = {kind: name for name, kind in FACT_TYPES.items()}
Builder = Callable[[Any, Policy], Leaf]


@dataclass(frozen=True, slots=True)
class Predicate:
    name: str
    params: type[Params]
    reads: frozenset[str]
    build: Builder
    doc: str


REGISTRY: dict[str, Predicate] = {}


def register(
    name: str, params: type[P], reads: Iterable[str] = ()
) -> Callable[[Callable[[P, Policy], Leaf]], Callable[[P, Policy], Leaf]]:
    """Register a leaf builder under ``name``; ``reads`` are the fact names it may look at."""

    def decorate(build: Callable[[P, Policy], Leaf]) -> Callable[[P, Policy], Leaf]:
        if name in REGISTRY:
            raise ValueError(f"predicate {name!r} registered twice")
        REGISTRY[name] = Predicate(
            name, params, frozenset(reads), build, (build.__doc__ or "").strip()
        )
        return build

    return decorate


def facts_of(case: Case, kind: type[F]) -> tuple[F, ...]:
    """The usable facts of one kind; the predicate must declare the kind in its reads."""
    return case.facts.get(_NAME_OF[kind], ())  # type: ignore[return-value]


def asserted(case: Case, kind: type[F]) -> tuple[list[F], list[F]]:
    """Split firm statements about the patient into (affirmed, negated).

    Hypothetical ("will consider"), family ("mother with ...") and uncertain ("possible")
    statements are neither: they document nothing about this member.
    """
    affirmed: list[F] = []
    negated: list[F] = []
    for fact in facts_of(case, kind):
        context = fact.context
        if context.hypothetical or context.family or context.uncertain:
            continue
        (negated if context.negated else affirmed).append(fact)
    return affirmed, negated


def latest(facts: list[F]) -> list[F]:
    """The facts sharing the most recent date; undated facts only when none is dated."""
    dated = [fact for fact in facts if fact.date is not None]
    if not dated:
        return facts
    newest = max(fact.date for fact in dated if fact.date is not None)
    return [fact for fact in dated if fact.date == newest]


def num(value: Fraction | float | int) -> str:
    """A quantity for a reason: ``30``, ``27.5``, ``16.67``."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")


def day(value: dt.date) -> str:
    return value.isoformat()


def months_before(on: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier, clamped to the month's end."""
    year, month = divmod(on.month - 1 - months, 12)
    year += on.year
    month += 1
    for candidate_day in range(on.day, 27, -1):
        try:
            return dt.date(year, month, candidate_day)
        except ValueError:
            continue
    return dt.date(year, month, min(on.day, 28))


@lru_cache(maxsize=2048)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(phrase.casefold()) + r"(?![a-z0-9])")


def word_match(phrase: str, text: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words (case-insensitive)."""
    return _phrase_pattern(phrase).search(text.casefold()) is not None


def listing(parts: Iterable[str], conjunction: str = "or") -> str:
    items = list(parts)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
