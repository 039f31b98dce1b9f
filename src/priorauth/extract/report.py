"""An extraction as JSON and as a readable table."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from priorauth.adjudicate.engine import Decision
from priorauth.adjudicate.facts import Fact
from priorauth.adjudicate.report import to_json as decision_to_json
from priorauth.extract.pipeline import Extraction


def documents_json(extraction: Extraction) -> list[dict[str, Any]]:
    return [
        {
            "document": info.name,
            "sha256": info.sha256,
            "pages": info.pages,
            "ocr_pages": info.ocr_pages,
        }
        for info in extraction.documents
    ]


def problems_json(extraction: Extraction) -> list[dict[str, Any]]:
    return [
        {"document": problem.document, "page": problem.page, "reason": problem.reason}
        for problem in extraction.problems
    ]


def extraction_json(extraction: Extraction) -> dict[str, Any]:
    """How the facts were read: the extractor, and the model's calls, tokens and claims."""
    out: dict[str, Any] = {"mode": extraction.mode.value, "pages": extraction.pages}
    if extraction.llm is not None:
        out["llm"] = extraction.llm.to_json()
        out["agreed"] = extraction.agreed
    return out


def to_json(extraction: Extraction) -> dict[str, Any]:
    return {
        "extraction": extraction_json(extraction),
        "documents": documents_json(extraction),
        "unreadable": problems_json(extraction),
        "facts": [fact.model_dump(mode="json", exclude_defaults=True) for fact in extraction.facts],
    }


def decision_json(decision: Decision, extraction: Extraction) -> dict[str, Any]:
    """CONTRACT.md's decision object for a packet: the decision, then the documents read,
    those that could not be, and every fact found (used or not)."""
    document = decision_to_json(decision)
    document["extraction"] = extraction_json(extraction)
    document["documents"] = documents_json(extraction)
    document["unreadable"] = problems_json(extraction)
    document["facts"] = to_json(extraction)["facts"]
    return document


def to_json_text(extraction: Extraction) -> str:
    return json.dumps(to_json(extraction), indent=2, ensure_ascii=False) + "\n"


def describe(fact: Fact) -> str:
    """The value in a few words: ``tacrolimus (topical) failure 84 d``."""
    value = fact.value.model_dump(exclude_none=True, exclude_defaults=False)
    parts = [str(v) if not isinstance(v, bool) else f"{k}={v}" for k, v in value.items()]
    flags = [flag for flag, on in fact.context.model_dump().items() if on and flag != "historical"]
    shown = " ".join(parts)
    return f"{shown} [{', '.join(flags)}]" if flags else shown


def to_table(extraction: Extraction, width: int = 110) -> str:
    lines = [
        (
            f"{len(extraction.facts)} facts from {extraction.pages} pages of "
            f"{len(extraction.documents)} documents"
        ),
        "",
    ]
    for fact in extraction.facts:
        where = ", ".join(f"{e.document} p{e.page}" for e in fact.evidence[:2])
        if len(fact.evidence) > 2:
            where += f" +{len(fact.evidence) - 2}"
        date = f" {fact.date.isoformat()}" if fact.date else ""
        lines.append(f"{fact.id:<24} {describe(fact)}{date}")
        quote = " ".join(fact.evidence[0].quote.split()) if fact.evidence else ""
        lines.extend(
            f"{'':<24} {chunk}" for chunk in textwrap.wrap(f'{where}: "{quote}"', width - 26)[:2]
        )
    if extraction.problems:
        lines += ["", "Unreadable:"]
        lines += [f"  {problem}" for problem in extraction.problems]
    return "\n".join(lines) + "\n"
