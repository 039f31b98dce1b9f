"""Test data shared by the storage tests."""

from __future__ import annotations

import copy
from typing import Any

REQUEST: dict[str, Any] = {
    "request_id": "PA-2026-0142",
    "received_date": "2026-03-16",
    "request_type": "initial",
    "line_of_business": "commercial",
    "state": "OH",
    "member": {"id": "M100234", "name": "Dana Whitfield", "dob": "1991-07-02", "sex": "F"},
    "medication": {
        "product": "Opzelura",
        "strength": "1.5%",
        "quantity": 100,
        "unit": "g",
        "days_supply": 30,
    },
    "diagnoses": [{"icd10": "L80", "description": "Nonsegmental vitiligo"}],
}


def request_for(line_of_business: str = "commercial") -> dict[str, Any]:
    request = copy.deepcopy(REQUEST)
    request["line_of_business"] = line_of_business
    return request


def fact(fact_id: str, condition: str = "vitiligo", **extra: Any) -> dict[str, Any]:
    """A diagnosis fact as extraction would propose it."""
    return {
        "id": fact_id,
        "name": "diagnosis",
        "value": {"condition": condition, "subtype": "nonsegmental"},
        "evidence": [{"document": "note.pdf", "page": 1, "quote": "Nonsegmental vitiligo"}],
        **extra,
    }
