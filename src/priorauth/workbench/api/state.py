"""What one app holds: database sessions, the policy engine and the extraction worker."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy.orm import Session, sessionmaker

from priorauth.adjudicate import Engine, Policy
from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store.clocks import DEFAULT_CLOCKS, Clock

if TYPE_CHECKING:
    from priorauth.extract.pipeline import Extractor

ExtractorFactory = Callable[[Policy], "Extractor"]
MAX_UPLOAD_ENV = "PRIORAUTH_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024
"""A 200-page faxed packet is ~10 MB; this leaves room for a scan at photo resolution."""


def max_upload_bytes() -> int:
    """``PRIORAUTH_MAX_UPLOAD_MB`` in bytes, else the default."""
    configured = os.environ.get(MAX_UPLOAD_ENV, "").strip()
    if not configured:
        return DEFAULT_MAX_UPLOAD
    try:
        megabytes = float(configured)
    except ValueError:
        raise InputError(MAX_UPLOAD_ENV, "", f"{configured!r} is not a number") from None
    if not megabytes > 0:
        raise InputError(MAX_UPLOAD_ENV, "", "must be more than 0")
    return int(megabytes * 1024 * 1024)


@dataclass
class AppState:
    """Built by the app's lifespan; routes reach it through :func:`app_state`."""

    database: DatabaseEngine
    sessions: sessionmaker[Session]
    policy: Policy
    engine: Engine
    make_extractor: ExtractorFactory
    clocks: Mapping[str, Clock] = field(default_factory=lambda: dict(DEFAULT_CLOCKS))
    zone: dt.tzinfo = dt.UTC
    """The plan's time zone (``PRIORAUTH_TIMEZONE``): letters are dated by it."""
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    """The most a case's documents may hold together (``PRIORAUTH_MAX_UPLOAD_MB``)."""
    # One worker thread: the spaCy pipeline is not shared between threads, and extractions
    # are CPU-bound, so more threads would only compete for the GIL.
    worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
    )
    progress: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Pages read and pages in all, per case being extracted (for the progress bar)."""
    _extractor: Extractor | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def extractor(self) -> Extractor:
        """The app's one rules extractor, built on first use (loading spaCy takes seconds)."""
        with self._lock:
            if self._extractor is None:
                self._extractor = self.make_extractor(self.policy)
            return self._extractor

    def close(self) -> None:
        # Let a running extraction finish (its case would otherwise stay "extracting"), but
        # drop queued ones: they would run against a database that is going away.
        self.worker.shutdown(wait=True, cancel_futures=True)
        self.database.dispose()


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.priorauth
    return state
