"""The store's and the core's errors as HTTP answers, each with a one-line ``detail``.

Request bodies are never echoed: FastAPI's validation answer normally repeats the input, and
a request carries a member's name and packet text.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from priorauth.adjudicate.errors import InputError
from priorauth.workbench.store.errors import ConflictError, NotFoundError


def answer(code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": " ".join(detail.split())}, status_code=code)


async def _input(_request: Request, error: Exception) -> JSONResponse:
    return answer(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


async def _not_found(_request: Request, error: Exception) -> JSONResponse:
    return answer(status.HTTP_404_NOT_FOUND, str(error))


async def _conflict(_request: Request, error: Exception) -> JSONResponse:
    return answer(status.HTTP_409_CONFLICT, str(error))


async def _validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(part) for part in first.get("loc", ()))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return answer(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{where}: {first['msg']}{more}")


def install(app: FastAPI) -> None:
    app.add_exception_handler(InputError, _input)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(RequestValidationError, _validation)
