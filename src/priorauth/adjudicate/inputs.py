"""Parsing untrusted JSON into the request and fact models, with one-line errors.

Reading files is the caller's business; these functions take the text and a name for it.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FactSet
from priorauth.adjudicate.request import Request

M = TypeVar("M", bound=BaseModel)


def _path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif parts:
            parts.append(f".{part}")
        else:
            parts.append(part)
    return "".join(parts)


def _describe(error: Any) -> tuple[str, str]:
    # Discriminated unions add the tag name ("diagnosis") to the location; it is not a field.
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    message = str(error["msg"])
    if error["type"] == "union_tag_invalid":
        message = f"unknown fact name {ctx.get('tag')!r}; valid names: {ctx.get('expected_tags')}"
    elif error["type"] == "extra_forbidden":
        message = "unknown field"
    elif "input" in error and error["type"] != "missing":
        shown = repr(error["input"])
        if len(shown) <= 60:
            message = f"{message} (got {shown})"
    return _path(loc), message


def validate(model: type[M], data: object, source: str) -> M:
    """Validate ``data`` as ``model``; raise :class:`InputError` naming source and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        field, problem = _describe(errors[0])
        if len(errors) > 1:
            problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise InputError(source, field, problem) from None


def parse_json(text: str, source: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            source, "", f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def parse_request(text: str, source: str) -> Request:
    return validate(Request, parse_json(text, source), source)


def parse_facts(text: str, source: str) -> FactSet:
    data = parse_json(text, source)
    if isinstance(data, list):
        data = {"facts": data}
    return validate(FactSet, data, source)
