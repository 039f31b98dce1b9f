"""The extractor's vocabularies, from its data files and from the policy.

Drugs come from the policy's Appendix B (every agent and brand) plus ``lexicons/drugs.yaml``;
conditions from the policy's ``conditions:``; sections and ConText modifiers from their own
files. Loaded once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from priorauth.adjudicate.facts import Route
from priorauth.adjudicate.policy import Policy

ABBREVIATION_MAX = 5
"""Surface forms this short and written in capitals match only as written ("PV", "ET",
"TAC"): in lower case they are ordinary words or other things."""


@dataclass(frozen=True, slots=True)
class DrugForm:
    agent: str
    """Generic name, lowercase."""
    route: Route | None
    car_t_target: str | None = None
    role: str | None = None
    """``vasopressor`` or ``car_t``: drugs read as CRS findings or cell therapy, not trials."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    drugs: dict[str, DrugForm]
    """Surface form (as written in the file) -> drug."""
    route_words: dict[str, Route]
    conditions: dict[str, tuple[str, ...]]
    """Condition id -> its surface forms."""
    subtypes: dict[str, dict[str, tuple[str, ...]]]
    sections: dict[str, tuple[str, ...]]
    context: dict[str, dict[str, tuple[str, ...]]]
    roles: dict[str, str]
    """Generic name -> role, for the drugs that have one."""
    policy_agents: frozenset[str]
    """The agents the policy names (Appendix B): those read as trials and medications. Other
    drugs (chemotherapy of a regimen, vasopressors) serve other findings."""


def _data(name: str) -> Any:
    text = resources.files("priorauth.extract").joinpath("lexicons", name).read_text("utf-8")
    return yaml.safe_load(text)


def is_abbreviation(form: str) -> bool:
    compact = form.replace("-", "").replace("/", "")
    return len(compact) <= ABBREVIATION_MAX and compact.isupper()


_LOADED: dict[tuple[str, int], Lexicon] = {}


def load_lexicon(policy: Policy) -> Lexicon:
    key = (policy.id, policy.version)
    if key not in _LOADED:
        _LOADED[key] = _build(policy)
    return _LOADED[key]


def _build(policy: Policy) -> Lexicon:
    drugs: dict[str, DrugForm] = {}
    for agent in policy.appendix_b.agents:
        route = agent.route
        for form in (agent.name, *agent.brands):
            # A brand sold in one form carries its route; the generic name does not
            # (tacrolimus is an ointment and a capsule).
            form_route = route if form != agent.name else None
            known = drugs.get(form)
            if known is not None and known.route != form_route:
                form_route = None
            drugs[form] = DrugForm(agent.name, form_route)
    data = _data("drugs.yaml")
    for entry in data["agents"]:
        route = Route(entry["route"]) if entry.get("route") else None
        role = "car_t" if entry.get("car_t") else entry.get("role")
        for form in entry["forms"]:
            drugs[form] = DrugForm(entry["name"], route, entry.get("car_t"), role)
    route_words = {word: Route(route) for route, words in data["routes"].items() for word in words}
    conditions = {
        condition_id: tuple(spec.synonyms) for condition_id, spec in policy.conditions.items()
    }
    subtypes = {
        condition_id: {sub: tuple(forms) for sub, forms in spec.subtype_synonyms.items()}
        for condition_id, spec in policy.conditions.items()
    }
    sections = {category: tuple(forms) for category, forms in _data("sections.yaml").items()}
    context = {
        category: {direction: tuple(words) for direction, words in by_direction.items()}
        for category, by_direction in _data("context.yaml").items()
    }
    roles = {form.agent: form.role for form in drugs.values() if form.role}
    policy_agents = frozenset(agent.name for agent in policy.appendix_b.agents)
    return Lexicon(
        drugs, route_words, conditions, subtypes, sections, context, roles, policy_agents
    )
