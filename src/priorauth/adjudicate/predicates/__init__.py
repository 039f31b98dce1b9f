"""Named predicates: the leaf tests a policy file can use (see :data:`REGISTRY`)."""

from priorauth.adjudicate.predicates import (
    chart_tests,
    continuation_tests,
    request_tests,
    therapy_tests,
    toxicity_tests,
)
from priorauth.adjudicate.predicates.base import REGISTRY, Params, Predicate

__all__ = [
    "REGISTRY",
    "Params",
    "Predicate",
    "chart_tests",
    "continuation_tests",
    "request_tests",
    "therapy_tests",
    "toxicity_tests",
]
