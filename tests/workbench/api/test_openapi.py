"""The OpenAPI document describes every route."""

from __future__ import annotations

from fastapi.testclient import TestClient

from priorauth.workbench.api.app import create_app


def test_openapi_lists_the_routes(database_url: str) -> None:
    with TestClient(create_app(database_url)) as client:
        document = client.get("/openapi.json").json()
    routes = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    assert routes == {
        ("/api/cases", "get"),
        ("/api/cases", "post"),
        ("/api/cases/{case_id}/assignee", "put"),
        ("/api/cases/{case_id}", "get"),
        ("/api/cases/{case_id}/adjudicate", "post"),
        ("/api/cases/{case_id}/decision", "post"),
        ("/api/cases/{case_id}/facts", "get"),
        ("/api/cases/{case_id}/facts", "post"),
        ("/api/cases/{case_id}/facts/{fact_id}/confirm", "post"),
        ("/api/cases/{case_id}/facts/{fact_id}", "patch"),
    }
