"""Fact forms built from the fact vocabulary itself, so every kind the rules read can be
edited or added without a hand-written form, and a new kind needs no new template.

A field's input follows its type: choices for enumerations and literals, yes/no for flags,
numbers, dates, text; a list of drugs is one comma-separated line. What the form sends is
turned back into the fact's JSON and validated by the vocabulary (the store does that).
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FACT_TYPES

CONTEXT_FLAGS = ("negated", "historical", "hypothetical", "family", "uncertain")


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: Literal["text", "number", "integer", "date", "flag", "choice", "list"]
    required: bool
    choices: tuple[str, ...] = ()

    def shown(self, value: object) -> str:
        """The value as the input shows it."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return str(value)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _field(name: str, annotation: Any, required: bool) -> FormField:
    args = get_args(annotation)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _field(name, inner, required=False)
    if origin is Literal:
        return FormField(name, _label(name), "choice", required, tuple(str(a) for a in args))
    if origin is tuple:
        return FormField(name, _label(name), "list", required)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        choices = tuple(str(member.value) for member in annotation)
        return FormField(name, _label(name), "choice", required, choices)
    kinds: dict[Any, Literal["number", "integer", "date", "flag"]] = {
        bool: "flag",
        int: "integer",
        float: "number",
        dt.date: "date",
    }
    return FormField(name, _label(name), kinds.get(annotation, "text"), required)


def value_model(fact_name: str) -> type[BaseModel]:
    try:
        kind = FACT_TYPES[fact_name]
    except KeyError:
        raise InputError("facts", "name", f"unknown fact kind {fact_name!r}") from None
    model = kind.model_fields["value"].annotation
    assert isinstance(model, type)
    assert issubclass(model, BaseModel)
    return model


def value_fields(fact_name: str) -> list[FormField]:
    """The inputs for a fact of kind ``fact_name``'s value."""
    return [
        _field(name, info.annotation, info.is_required())
        for name, info in value_model(fact_name).model_fields.items()
    ]


FIELDS: dict[str, list[FormField]] = {name: value_fields(name) for name in FACT_TYPES}


def _parsed(field: FormField, text: str) -> object:
    if field.kind == "flag":
        return text == "yes"
    if field.kind == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    # Numbers and dates go through as text: the vocabulary converts them and its message
    # names the field when they do not parse.
    return text


def parse_value(fact_name: str, form: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """The value fields sent as ``<prefix><field>``; blank optional fields are left out."""
    value: dict[str, Any] = {}
    for field in FIELDS[fact_name]:
        text = form.get(prefix + field.name, "").strip()
        if not text and field.kind != "flag":
            if field.required:
                raise InputError("facts", f"value.{field.name}", "is required")
            continue
        if field.kind == "flag" and not text:
            continue
        value[field.name] = _parsed(field, text)
    return value


def parse_context(form: Mapping[str, str]) -> dict[str, bool]:
    """The assertion flags, from checkboxes named ``context.<flag>``."""
    return {flag: form.get(f"context.{flag}") == "on" for flag in CONTEXT_FLAGS}


def parse_date(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError("facts", "date", f"{text!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True, slots=True)
class Draft:
    """What a reviewer typed into a fact form that was refused, to show it again."""

    target: str
    """The fact id of an edit form, or ``add``."""
    kind: str
    values: dict[str, str]
    date: str
    context: dict[str, bool]
    evidence: dict[str, str]


ADD = "add"


def draft_from(form: Mapping[str, str], target: str, kind: str) -> Draft:
    """The typed values of the fact form for ``target`` (an edit of a ``kind`` fact, or an
    add form, whose inputs are prefixed with the kind)."""
    prefix = f"{kind}." if target == ADD else "value."
    return Draft(
        target=target,
        kind=kind,
        values={field.name: form.get(prefix + field.name, "") for field in FIELDS.get(kind, [])},
        date=form.get("date", ""),
        context=parse_context(form),
        evidence={
            part: form.get(f"evidence.{part}", "")
            for part in ("document", "page", "start", "end", "quote")
        },
    )
