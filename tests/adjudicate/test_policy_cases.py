"""Every policy case gives the decision and item statuses it states; together the cases take
every top-level item of CP.PHAR.98 to both met and not met."""

from __future__ import annotations

from collections import defaultdict

import pytest

from priorauth.adjudicate import Policy
from priorauth.adjudicate.policy import Item
from tests.adjudicate.policy_cases import PolicyCase, load_cases, mismatches

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_case(case: PolicyCase, policy: Policy) -> None:
    decision = case.decide(policy)
    assert mismatches(case, decision) == []


def _required(item: Item, must: str) -> set[str]:
    """The statuses the cases must reach for a top-level item."""
    if must == "one":
        return {"met", "not_applicable"}
    if item.test == "not_permitted":
        return {"not_met"}
    return {"met", "not_met"}


def test_every_top_level_item_reaches_met_and_not_met(policy: Policy) -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        for result in case.decide(policy).results:
            seen[result.id].add(result.status.value)
    missing = [
        f"{item.id}: {sorted(_required(item, criteria_set.must) - seen[item.id])}"
        for criteria_set in policy.sets
        for item in criteria_set.criteria
        if not _required(item, criteria_set.must) <= seen[item.id]
    ]
    assert missing == []
