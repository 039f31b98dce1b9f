"""Lookups over the policy's appendices: Appendix B classes and potency, Appendix D steroid
equivalence, Appendix E CRS grading. Pure functions over policy data."""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache
from typing import Literal, NamedTuple

from priorauth.adjudicate.facts import OxygenDevice, Potency, Route
from priorauth.adjudicate.policy import AgentSpec, AppendixB, AppendixD, AppendixE


@lru_cache(maxsize=4096)
def normalize_name(name: str) -> str:
    """Lowercase, single-spaced, without trademark signs: how agents are compared."""
    cleaned = re.sub(r"[®™*]", "", name).casefold()
    return re.sub(r"\s+", " ", cleaned).strip()


@lru_cache(maxsize=1024)
def _strength_key(strength: str) -> str:
    """``0.10 %`` and ``0.1%`` compare equal."""
    text = strength.replace(" ", "").casefold()
    if text.endswith("%"):
        try:
            return f"{Fraction(text[:-1])}%"
        except ValueError:
            return text
    return text


class Classification(NamedTuple):
    classes: frozenset[str]
    ambiguous: bool
    """The agent has several classes by route and the route is not documented."""


class AgentIndex:
    """Appendix B by generic and brand name."""

    def __init__(self, appendix: AppendixB) -> None:
        self._classified: dict[
            tuple[str, Route | None, str | None, str | None], Classification
        ] = {}
        self._by_name: dict[str, list[AgentSpec]] = {}
        for spec in appendix.agents:
            for name in (spec.name, *spec.brands):
                self._by_name.setdefault(normalize_name(name), []).append(spec)

    def specs(self, agent: str) -> list[AgentSpec]:
        return self._by_name.get(normalize_name(agent), [])

    def classify(
        self, agent: str, route: Route | None, drug_class: str | None, strength: str | None = None
    ) -> Classification:
        key = (agent, route, drug_class, strength)
        found = self._classified.get(key)
        if found is None:
            found = self._classified[key] = self._classify(agent, route, drug_class, strength)
        return found

    def _classify(
        self, agent: str, route: Route | None, drug_class: str | None, strength: str | None
    ) -> Classification:
        if drug_class is not None:
            return Classification(frozenset({drug_class}), ambiguous=False)
        specs = self.specs(agent)
        if route is None and strength is not None and strength.strip().endswith("%"):
            route = Route.TOPICAL  # only creams, ointments and solutions are dosed in percent
        if route is not None:
            by_route = [s for s in specs if s.route is None or s.route == route]
            return Classification(frozenset(c for s in by_route for c in s.classes), False)
        # Ambiguous only when the route would change the class (tacrolimus: Protopic or Prograf).
        classes = frozenset(c for s in specs for c in s.classes)
        return Classification(classes, ambiguous=len({frozenset(s.classes) for s in specs}) > 1)

    def potency(self, agent: str, strength: str | None, given: Potency | None) -> Potency | None:
        """Appendix B's potency for the agent at that strength, else the fact's own."""
        if strength is not None:
            key = _strength_key(strength)
            found = [
                potency
                for spec in self.specs(agent)
                for listed, potency in spec.potency_by_strength.items()
                if _strength_key(listed) == key
            ]
            if found:
                return max(found, key=lambda p: p.rank)
        return given


Fit = Literal["yes", "maybe", "no"]


class Selector:
    """The drugs an item is about: agents it names, or members of Appendix B classes."""

    def __init__(self, index: AgentIndex, agents: Iterable[str], classes: Iterable[str]) -> None:
        self.index = index
        self.agents = {normalize_name(a) for a in agents}
        self.classes = frozenset(classes)

    def fit(
        self, agent: str, route: Route | None, drug_class: str | None, strength: str | None = None
    ) -> Fit:
        """``maybe`` when only an undocumented route would tell (tacrolimus)."""
        if normalize_name(agent) in self.agents:
            return "yes"
        found = self.index.classify(agent, route, drug_class, strength)
        if found.classes & self.classes:
            return "maybe" if found.ambiguous else "yes"
        return "no"


def prednisone_mg_per_kg(appendix: AppendixD, agent: str, dose: float | None) -> float | None:
    """A corticosteroid dose in prednisone-equivalent mg/kg/day (None when not convertible)."""
    if dose is None:
        return None
    factor = appendix.prednisone_equivalence.get(normalize_name(agent))
    return None if factor is None else dose * factor


def oxygen_grade(appendix: AppendixE, device: OxygenDevice, flow: float | None) -> int:
    """Appendix E's grade for an oxygen device (nasal cannula by its flow)."""
    if device is OxygenDevice.NASAL_CANNULA and flow is not None:
        return 2 if flow <= appendix.low_flow_max_l_min else 3
    return appendix.grade_by_device[device.value]


def pressor_grade(appendix: AppendixE, agents: set[str]) -> int:
    """4 with two or more vasopressors besides vasopressin, 3 with any, else 0."""
    if not agents:
        return 0
    counted = {a for a in agents if a not in appendix.excluded_from_multiple_vasopressors}
    return 4 if len(counted) >= 2 else 3
