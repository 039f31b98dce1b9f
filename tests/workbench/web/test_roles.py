"""Every route of the workbench, API and screens, against every role: the roles it allows
get past the check, every other role gets a 403, and nobody gets in without credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from priorauth.workbench.store.models import Role
from priorauth.workbench.web import decision_pages, login_pages, queue_pages, review_pages
from tests.workbench.api.helpers import auth

ALL = frozenset(Role)
EDIT = frozenset({Role.REVIEWER, Role.PHARMACIST, Role.ADMIN})
DECIDE = frozenset({Role.PHARMACIST, Role.ADMIN})
PUBLIC = frozenset({("GET", "/login"), ("POST", "/login")})

API_ROUTES: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/api/cases"): ALL,
    ("POST", "/api/cases"): ALL,
    ("GET", "/api/cases/{case_id}"): ALL,
    ("PUT", "/api/cases/{case_id}/assignee"): ALL,
    ("GET", "/api/cases/{case_id}/facts"): ALL,
    ("POST", "/api/cases/{case_id}/facts"): EDIT,
    ("POST", "/api/cases/{case_id}/facts/{fact_id}/confirm"): EDIT,
    ("PATCH", "/api/cases/{case_id}/facts/{fact_id}"): EDIT,
    ("POST", "/api/cases/{case_id}/adjudicate"): DECIDE,
    ("POST", "/api/cases/{case_id}/decision"): DECIDE,
    ("GET", "/api/cases/{case_id}/letter"): ALL,
}
SCREEN_ROUTES: dict[tuple[str, str], frozenset[Role]] = {
    ("POST", "/logout"): ALL,
    ("GET", "/"): ALL,
    ("GET", "/cases/new"): ALL,
    ("POST", "/cases/new"): ALL,
    ("GET", "/cases/{case_id}"): ALL,
    ("GET", "/cases/{case_id}/progress"): ALL,
    ("GET", "/cases/{case_id}/documents/{number}/pages/{page_number}.png"): ALL,
    ("GET", "/cases/{case_id}/documents/{number}/pages/{page_number}/words"): ALL,
    ("POST", "/cases/{case_id}/facts/{fact_id}/status"): EDIT,
    ("POST", "/cases/{case_id}/facts/{fact_id}/edit"): EDIT,
    ("POST", "/cases/{case_id}/facts"): EDIT,
    ("POST", "/cases/{case_id}/assign"): ALL,
    ("GET", "/cases/{case_id}/decision"): ALL,
    ("POST", "/cases/{case_id}/decision"): DECIDE,
    ("GET", "/cases/{case_id}/letter"): ALL,
    ("GET", "/cases/{case_id}/letter.txt"): ALL,
}


def _screen_routes() -> set[tuple[str, str]]:
    routers = (login_pages, queue_pages, review_pages, decision_pages)
    return {
        (method, route.path)
        for module in routers
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


def test_the_tables_cover_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    api = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    assert api == set(API_ROUTES)
    assert _screen_routes() == set(SCREEN_ROUTES) | PUBLIC


def _fill(path: str, ids: dict[str, Any]) -> str:
    return path.format(case_id=ids["case"], fact_id=ids["fact"], number=1, page_number=1)


def _body(method: str, path: str, ids: dict[str, Any]) -> dict[str, Any]:
    """A request each route would accept from a role allowed to make it."""
    if path == "/api/cases/{case_id}/assignee":
        return {"json": {"assignee": None, "version": ids["version"]}}
    if path.endswith("/decision") and method == "POST":
        return (
            {"json": {"outcome": "pend", "comment": "role test"}}
            if path.startswith("/api/")
            else {"data": {"outcome": "pend", "comment": "role test"}}
        )
    if path.endswith("/facts/{fact_id}") and method == "PATCH":
        return {"json": {"version": 0, "changes": {}}}
    if path.endswith("/facts") and method == "POST" and path.startswith("/api/"):
        return {"json": {}}
    return {}


@pytest.mark.parametrize("role", list(Role))
def test_api_routes_by_role(
    client: TestClient, tokens: dict[Role, str], ready_case: dict[str, Any], role: Role
) -> None:
    for (method, path), allowed in API_ROUTES.items():
        if (method, path) == ("POST", "/api/cases"):
            continue  # creating is covered by the API tests; it would start an extraction
        answer = client.request(
            method,
            _fill(path, ready_case),
            headers=auth(tokens[role]),
            **_body(method, path, ready_case),
        )
        if role in allowed:
            assert answer.status_code not in (401, 403), (method, path, role, answer.text)
        else:
            assert answer.status_code == 403, (method, path, role, answer.status_code)


@pytest.mark.parametrize("role", list(Role))
def test_screen_routes_by_role(
    browser_for: Callable[[Role], tuple[TestClient, str]],
    ready_case: dict[str, Any],
    role: Role,
) -> None:
    browser, csrf = browser_for(role)
    for (method, path), allowed in SCREEN_ROUTES.items():
        if path in ("/logout", "/cases/new") and method == "POST":
            continue  # logging out ends the session; creating is covered by its own test
        body = _body(method, path, ready_case)
        if method == "POST":
            body.setdefault("data", {})["csrf"] = csrf
        answer = browser.request(method, _fill(path, ready_case), follow_redirects=False, **body)
        if role in allowed:
            assert answer.status_code not in (401, 403), (method, path, role, answer.text[:300])
            assert "/login" not in answer.headers.get("location", "")
        else:
            assert answer.status_code == 403, (method, path, role, answer.status_code)


def test_screens_send_strangers_to_the_login(
    client: TestClient, ready_case: dict[str, Any]
) -> None:
    for method, path in SCREEN_ROUTES:
        answer = client.request(method, _fill(path, ready_case), follow_redirects=False)
        assert answer.status_code == 303, (method, path)
        assert answer.headers["location"].startswith("/login?next=")


def test_changes_without_the_csrf_token_are_refused(
    browser_for: Callable[[Role], tuple[TestClient, str]], ready_case: dict[str, Any]
) -> None:
    browser, csrf = browser_for(Role.ADMIN)
    for method, path in SCREEN_ROUTES:
        if method != "POST":
            continue
        url = _fill(path, ready_case)
        body = _body(method, path, ready_case).get("data", {})
        for token in (None, "wrong", csrf[:-1], "é" * len(csrf)):
            data = body if token is None else {**body, "csrf": token}
            answer = browser.post(url, data=data, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
            assert "CSRF" in answer.text
