from __future__ import annotations

import pytest

from priorauth.adjudicate import Policy, bundled_policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    return bundled_policy()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden decision files instead of comparing with them",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
