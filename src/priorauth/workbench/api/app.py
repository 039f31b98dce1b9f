"""``create_app``: the workbench (JSON API and screens) on one database.

Startup applies the migrations, opens the database and loads the policy; the rules
extractor is built on the first extraction (spaCy takes seconds to load). Shutdown waits for
a running extraction and closes the database. The OpenAPI document is at ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from priorauth.adjudicate import Engine, Policy, bundled_policy
from priorauth.workbench.api import cases, errors, extraction, facts
from priorauth.workbench.api.state import AppState, ExtractorFactory, max_upload_bytes
from priorauth.workbench.store import db
from priorauth.workbench.store.clocks import configured_clocks, plan_zone
from priorauth.workbench.web import (
    decision_pages,
    login_pages,
    queue_pages,
    render,
    review_pages,
)

if TYPE_CHECKING:
    from priorauth.extract.pipeline import Extractor


def rules_extractor(policy: Policy) -> Extractor:
    """The rules extractor: deterministic and offline, so safe to run on every upload."""
    from priorauth.extract.pipeline import Extractor, Mode

    return Extractor(policy, Mode.RULES)


def create_app(
    database_url: str | None = None, *, make_extractor: ExtractorFactory = rules_extractor
) -> FastAPI:
    """The API on ``database_url`` (default :func:`~priorauth.workbench.store.db.database_url`).

    ``make_extractor`` builds the app's extractor on first use (tests share one).
    """
    url = database_url or db.database_url()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db.upgrade(url)
        database = db.engine_for(url)
        policy = bundled_policy()
        state = AppState(
            database=database,
            sessions=db.session_factory(database),
            policy=policy,
            engine=Engine(policy),
            make_extractor=make_extractor,
            clocks=configured_clocks(),
            zone=plan_zone(),
            max_upload_bytes=max_upload_bytes(),
        )
        app.state.priorauth = state
        extraction.resume(state)
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="priorauth workbench",
        summary="Prior-authorization cases: packets in, facts reviewed, decisions explained.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    render.install(app)
    app.include_router(cases.router)
    app.include_router(facts.router)
    for screens in (login_pages, queue_pages, review_pages, decision_pages):
        app.include_router(screens.router)
    static = resources.files("priorauth.workbench.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app
