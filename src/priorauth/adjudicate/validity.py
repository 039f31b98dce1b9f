"""Checks of a request against the policy's product catalogue (section VI)."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.policy import Policy, ProductSpec
from priorauth.adjudicate.request import Request, parse_strength


def check_request(policy: Policy, request: Request, source: str = "request") -> None:
    """Raise :class:`InputError` when the product, strength or unit is not in the policy."""
    medication = request.medication
    product = policy.product(medication.product)
    if product is None:
        valid = ", ".join(p.name for p in policy.products)
        raise InputError(
            source, "medication.product", f"unknown product {medication.product!r}; valid: {valid}"
        )
    if medication.strength_amount not in _strengths(product):
        raise InputError(
            source,
            "medication.strength",
            f"{medication.strength!r} is not a strength of {product.name} "
            f"({', '.join(product.strengths)})",
        )
    if medication.unit != product.unit:
        raise InputError(
            source,
            "medication.unit",
            f"{product.name} is dispensed in {product.unit!r}, not {medication.unit!r}",
        )


@lru_cache(maxsize=64)
def _strengths(product: ProductSpec) -> frozenset[tuple[Fraction, str]]:
    return frozenset(parse_strength(s) for s in product.strengths)
