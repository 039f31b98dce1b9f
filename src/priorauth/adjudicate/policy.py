"""The schema of a policy file: criteria sets, items, appendices, products and settings.

A policy file mirrors the written policy: each criteria set (``I.A`` ... ``II.D``) lists its
top-level items with the policy's own numbering and text; an item is a leaf test, or
``all`` / ``any`` of nested items (the policy's "(a and b)" / "(a or b)"), optionally
conditional (``when``: not applicable when false; ``unless``: not applicable when true).
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from priorauth.adjudicate.facts import Identifier, Potency, Route
from priorauth.adjudicate.request import LineOfBusiness


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TestRef(_Model):
    """A named predicate with its parameters: ``{test: age_at_least, with: {years: 18}}``."""

    test: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")


class Duration(_Model):
    value: int = Field(ge=1)
    unit: Literal["months", "weeks", "doses"]
    or_requested: bool = False
    """"N months or duration of request, whichever is less" (requested months only)."""


class Approval(_Model):
    """Approval duration by line of business; ``by_branch`` picks by the met branch id."""

    commercial: Duration | None = None
    medicaid: Duration | None = None
    marketplace: Duration | None = None
    by_branch: dict[str, Duration] = Field(default_factory=dict)
    text: str = ""

    def for_line(self, line: LineOfBusiness) -> Duration | None:
        duration: Duration | None = getattr(self, line)
        return duration


class Item(_Model):
    id: str
    text: str
    test: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    all: tuple[Item, ...] = ()
    any: tuple[Item, ...] = ()
    when: tuple[TestRef, ...] = ()
    """Applies only when every condition is met; otherwise not applicable."""
    unless: TestRef | None = None
    refer_to: dict[LineOfBusiness, str] = Field(default_factory=dict)
    note: str = ""
    """Why the item is encoded as it is, where the policy's words leave room."""

    @field_validator("when", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _one_body(self) -> Item:
        bodies = [self.test is not None, bool(self.all), bool(self.any)]
        if sum(bodies) != 1:
            raise ValueError("an item needs exactly one of 'test', 'all' or 'any'")
        if self.with_ and self.test is None:
            raise ValueError("'with' goes with 'test'")
        return self

    @property
    def children(self) -> tuple[Item, ...]:
        return self.all or self.any


class CriteriaSet(_Model):
    id: str = Field(pattern=r"^(I|II)\.[A-Z]$")
    title: str
    section: Literal["initial", "continuation"]
    must: Literal["all", "one"] = "all"
    """``all``: "must meet all"; ``one``: the "other diagnoses" sets ("must meet 1 or 2")."""
    covers: tuple[Identifier, ...] = ()
    """Conditions whose requests this set evaluates; empty for the "other" sets."""
    approval: Approval | None = None
    criteria: tuple[Item, ...] = Field(min_length=1)


class ConditionSpec(_Model):
    label: str
    icd10: tuple[str, ...] = ()
    """Code prefixes without dots (``D474`` matches D47.4)."""
    synonyms: tuple[str, ...] = ()
    """Lowercase phrases matched as whole words in a request's diagnosis description."""
    uncovered_subtypes: tuple[Identifier, ...] = ()
    """Subtypes no criteria set covers (segmental vitiligo): such requests go to "other"."""
    subtype_synonyms: dict[Identifier, tuple[str, ...]] = Field(default_factory=dict)


class ProductSpec(_Model):
    name: str
    aliases: tuple[str, ...] = ()
    unit: Literal["tablet", "g"]
    strengths: tuple[str, ...]
    """As section VI lists them: ``5 mg`` ... or ``1.5%``."""


class AgentSpec(_Model):
    """An Appendix B agent: its class, route, brand names and potency by strength."""

    name: str
    classes: tuple[Identifier, ...] = Field(min_length=1)
    brands: tuple[str, ...] = ()
    route: Route | None = None
    potency_by_strength: dict[str, Potency] = Field(default_factory=dict)


class DrugClassSpec(_Model):
    label: str


class AppendixB(_Model):
    classes: dict[Identifier, DrugClassSpec]
    agents: tuple[AgentSpec, ...]


class AppendixD(_Model):
    """Steroid refractoriness of acute GVHD (NCCN), as thresholds."""

    progression_min_dose_mg_per_kg_day: float
    progression_min_days: int
    no_improvement_min_days: int
    incomplete_response_more_than_days: int
    prednisone_equivalence: dict[str, float]
    """Multiply an agent's mg/kg/day by this to get prednisone mg/kg/day."""


class AppendixE(_Model):
    """CRS grading (NCCN): fever threshold, devices by grade, the low-flow cut-off."""

    fever_min_c: float
    low_flow_max_l_min: float
    excluded_from_multiple_vasopressors: tuple[str, ...]
    grade_by_device: dict[str, int]


class PlanSettings(_Model):
    """Plan configuration the policy refers to; defaults live in the policy file."""

    generic_ruxolitinib_available: bool = False
    generic_ruxolitinib_xr_available: bool = False
    recent_label_change: bool = False
    """I.L.1 / II.D.1: a label change in the last 6 months not yet reflected in the policy."""
    on_formulary: bool = True
    continuity_of_care_states: tuple[str, ...] = ()


class Policy(_Model):
    id: str
    version: int = Field(ge=1)
    title: str
    effective_date: dt.date
    source: str
    facts: tuple[str, ...]
    """Every fact name the criteria read; the loader checks it against the vocabulary."""
    settings: PlanSettings = PlanSettings()
    products: tuple[ProductSpec, ...]
    specialties: dict[Identifier, tuple[str, ...]]
    unspecified_specialties: tuple[str, ...] = ()
    """Titles that name no specialty (nurse practitioner, PA): "not documented", not "not met"."""
    conditions: dict[Identifier, ConditionSpec]
    appendix_b: AppendixB
    appendix_d: AppendixD
    appendix_e: AppendixE
    sets: tuple[CriteriaSet, ...]

    def set_by_id(self, set_id: str) -> CriteriaSet:
        for criteria_set in self.sets:
            if criteria_set.id == set_id:
                return criteria_set
        raise KeyError(set_id)

    @cached_property
    def _product_names(self) -> dict[str, ProductSpec]:
        return {
            candidate.casefold(): product
            for product in self.products
            for candidate in (product.name, *product.aliases)
        }

    def product(self, name: str) -> ProductSpec | None:
        """The product a request names, by name or alias, ignoring case."""
        return self._product_names.get(name.strip().casefold())
