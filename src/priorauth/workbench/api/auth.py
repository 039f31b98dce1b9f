"""Bearer tokens and roles: who is asking, and may they do this.

intake creates cases and reads; reviewer also confirms, edits and adds facts; pharmacist
and admin may do everything, including adjudicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from priorauth.workbench.api.state import AppState, app_state
from priorauth.workbench.store.models import Role
from priorauth.workbench.store.users import user_for_token

READ = frozenset(Role)
CREATE = frozenset(Role)
EDIT_FACTS = frozenset({Role.REVIEWER, Role.PHARMACIST, Role.ADMIN})
ADJUDICATE = frozenset({Role.PHARMACIST, Role.ADMIN})

# auto_error=False: FastAPI's own answer for a missing header is 403, but a missing
# credential is a 401 (with WWW-Authenticate) and 403 means "known, but not allowed".
_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, detached from any session."""

    name: str
    role: Role


def sessions(state: Annotated[AppState, Depends(app_state)]) -> Iterator[Session]:
    """A session per request; routes commit what they change, the rest is rolled back.

    The session (and its pooled connection) is closed only after the response is sent, so
    routes declare ``response_model=None``: FastAPI would otherwise validate the returned
    value in a worker thread, and under load every worker thread could be waiting for a
    connection held by a request waiting for a thread (the server stalled at ~55 requests
    in flight; see benchmarks/bench_workbench.py).
    """
    with state.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(sessions)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A case's id")]
FactId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
"""A fact's id as facts have them (PostgreSQL refuses NUL even in a lookup)."""
"""Bounded as the databases store it: a larger number is a 422, not a driver overflow."""


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    state: Annotated[AppState, Depends(app_state)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("an Authorization: Bearer <token> header is required")
    with state.sessions() as session:
        user = user_for_token(session, credentials.credentials)
        if user is None:
            raise _unauthorized("the token is not valid (revoked or never issued)")
        return Principal(user.name, user.role)


def require(allowed: frozenset[Role]) -> Callable[[Principal], Principal]:
    """A dependency giving the caller when their role is in ``allowed``, else 403."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"the {who.role.value} role may not do this"
            )
        return who

    return check


Reader = Annotated[Principal, Depends(require(READ))]
Creator = Annotated[Principal, Depends(require(CREATE))]
FactEditor = Annotated[Principal, Depends(require(EDIT_FACTS))]
Adjudicator = Annotated[Principal, Depends(require(ADJUDICATE))]
