from __future__ import annotations

import pytest

from priorauth.adjudicate import Policy, bundled_policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    return bundled_policy()
