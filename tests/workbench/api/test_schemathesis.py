"""Requests generated from the OpenAPI document (schemathesis): the API answers every one of
them, well-formed or not, without a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from priorauth.workbench.store.models import Role
from tests.workbench.api.helpers import auth, create, wait_for


def test_no_generated_request_makes_a_server_error(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    # One ready case, so that generated ids sometimes hit a real one.
    case_id = create(client, tokens[Role.INTAKE]).json()["id"]
    wait_for(client, tokens[Role.INTAKE], case_id)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    headers = auth(tokens[Role.PHARMACIST])
    # Each entry is Ok(operation) or Err(problem); .ok() raises on a problem with the schema.
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    paths = client.get("/openapi.json").json()["paths"]
    assert len(operations) == sum(len(methods) for methods in paths.values())
    for operation in operations:

        @given(operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            # The same requests on every run: CI is not a lottery; widen by hand to explore.
            derandomize=True,
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.path, response.status_code)

        no_server_error()
