"""Three-valued results and the evaluation context every predicate reads from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import NamedTuple

from priorauth.adjudicate.facts import FactBase
from priorauth.adjudicate.policy import PlanSettings
from priorauth.adjudicate.request import Request


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


MET = Status.MET
NOT_MET = Status.NOT_MET
UNKNOWN = Status.UNKNOWN
NOT_APPLICABLE = Status.NOT_APPLICABLE


class Result(NamedTuple):
    """One item's result: status, plain-language reason, the facts read, nested results."""

    id: str
    text: str
    status: Status
    reason: str
    facts: tuple[FactBase, ...] = ()
    children: tuple[Result, ...] = ()


class Case(NamedTuple):
    """What a predicate may look at: the request, usable facts by name, settings, routing."""

    request: Request
    facts: Mapping[str, tuple[FactBase, ...]]
    settings: PlanSettings
    condition: str | None
    """The condition the request was routed by (``myelofibrosis``), None for "other"."""


Verdict = tuple[Status, str, tuple[FactBase, ...]]
Leaf = Callable[[Case], Verdict]
"""A compiled predicate: a pure function of the case."""
