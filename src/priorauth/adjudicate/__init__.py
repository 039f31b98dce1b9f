"""The rules core: request + facts + policy -> decision with a trace. Pure and deterministic."""

from priorauth.adjudicate.engine import Decision, Engine
from priorauth.adjudicate.errors import InputError, PolicyError, PriorauthError
from priorauth.adjudicate.facts import Fact, FactSet
from priorauth.adjudicate.policy import PlanSettings, Policy
from priorauth.adjudicate.policy_file import bundled_policy, lint_policy, load_policy
from priorauth.adjudicate.request import Request

__all__ = [
    "Decision",
    "Engine",
    "Fact",
    "FactSet",
    "InputError",
    "PlanSettings",
    "Policy",
    "PolicyError",
    "PriorauthError",
    "Request",
    "bundled_policy",
    "lint_policy",
    "load_policy",
]
