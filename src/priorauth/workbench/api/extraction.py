"""Reading a case's packet in the background: ``extracting`` -> ``ready`` or ``failed``.

The app's worker thread copies the case's stored documents into a temporary folder under
the names the case gives them (facts cite those names), runs the rules extractor, and saves
the facts with the extraction run. A failure's one-line reason stays on the case. Cases a
stopped server left ``extracting`` are queued again when the app starts (:func:`resume`).
"""

from __future__ import annotations

import logging
import tempfile
from concurrent.futures import Future
from pathlib import Path

from priorauth.adjudicate.errors import PriorauthError
from priorauth.workbench.api.state import AppState
from priorauth.workbench.store import documents
from priorauth.workbench.store.cases import (
    case_documents,
    finish_run,
    interrupted_cases,
    save_facts,
    set_status,
    start_run,
)
from priorauth.workbench.store.models import CaseStatus

ACTOR = "extractor"
_log = logging.getLogger(__name__)


def _reason(error: Exception) -> str:
    # Our own errors say what went wrong without quoting the packet; anything else may carry
    # arbitrary text, so only its type is kept (the traceback is in the server log).
    if isinstance(error, PriorauthError):
        return " ".join(str(error).split())
    return f"internal error ({type(error).__name__}); see the server log"


def extract_case(state: AppState, case_id: int) -> None:
    """Run in the worker thread: extract, save the facts, and set the case's status."""
    with state.sessions.begin() as session:
        run_id = start_run(session, case_id, "rules", ACTOR).id
        named = [(link.name, link.sha256) for link in case_documents(session, case_id)]
    try:
        with tempfile.TemporaryDirectory(prefix="priorauth-case-") as folder:
            paths = []
            for name, sha in named:
                path = Path(folder) / name
                path.write_bytes(documents.open(sha))
                paths.append(path)

            def progress(done: int, total: int) -> None:
                state.progress[case_id] = (done, total)

            extraction = state.extractor().extract(paths, progress=progress)
        facts = [fact.model_dump(mode="json") for fact in extraction.facts]
        with state.sessions.begin() as session:
            save_facts(session, case_id, facts, run_id, ACTOR)
            usage = None if extraction.llm is None else extraction.llm.to_json()
            finish_run(session, run_id, "succeeded", ACTOR, usage)
            set_status(session, case_id, CaseStatus.READY, ACTOR)
    except Exception as error:
        # The message only, never the packet: log the type and case, with the traceback.
        _log.exception("extraction of case %s failed (%s)", case_id, type(error).__name__)
        with state.sessions.begin() as session:
            finish_run(session, run_id, "failed", ACTOR)
            set_status(session, case_id, CaseStatus.FAILED, ACTOR, _reason(error))
    finally:
        state.progress.pop(case_id, None)


def _log_crash(future: Future[None]) -> None:
    # extract_case records its own failures; this catches the database failing under it,
    # which the executor would otherwise keep silently in the future.
    error = future.exception() if not future.cancelled() else None
    if error is not None:
        _log.error("extraction worker crashed (%s)", type(error).__name__, exc_info=error)


def submit(state: AppState, case_id: int) -> None:
    """Queue the case's extraction on the app's worker thread."""
    state.worker.submit(extract_case, state, case_id).add_done_callback(_log_crash)


def resume(state: AppState) -> list[int]:
    """Queue again every case a stopped server left ``extracting``; return their ids."""
    with state.sessions.begin() as session:
        case_ids = interrupted_cases(session, ACTOR)
    for case_id in case_ids:
        submit(state, case_id)
    return case_ids
