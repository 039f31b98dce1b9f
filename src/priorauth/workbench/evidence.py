"""Evidence a reviewer cites, checked on the case's own pages.

A reviewer's fact counts only on evidence found in the packet, the same rule the model's
facts follow: each quote is looked up on the page it names (exactly, or across line breaks
and hyphenation), and takes its offsets and box from there. Selected words arrive as
offsets and are read back from the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from priorauth.adjudicate.errors import InputError
from priorauth.extract.grounding import locate
from priorauth.extract.page_view import read_page
from priorauth.extract.pages import Page
from priorauth.workbench.store import documents
from priorauth.workbench.store.cases import case_document, case_documents

NOT_FOUND = "not_found"


def case_page(session: Session, case_id: int, number: int, page_number: int) -> Page:
    """Page ``page_number`` of the case's document ``number`` (1-based, upload order)."""
    doc = case_document(session, case_id, number)
    return read_page(documents.verified_path(doc.sha256), page_number, doc.name)


def _found(page: Page, start: int, end: int, match: str) -> dict[str, Any]:
    box = page.bbox(start, end)
    return {
        "document": page.document,
        "page": page.number,
        "quote": " ".join(page.text[start:end].split()),
        "char_start": start,
        "char_end": end,
        "bbox": None if box is None else box.model_dump(),
        "match": match,
    }


def selected(
    session: Session,
    case_id: int,
    selection: tuple[int, int, int, int],
    seen: str,
) -> dict[str, Any]:
    """Evidence from words selected on a page: the quote is the page's own text at those
    offsets, and must be the words the reviewer saw (``seen``; empty: not checked).
    ``selection`` is (document number, page number, start, end)."""
    number, page_number, start, end = selection
    page = case_page(session, case_id, number, page_number)
    if not 0 <= start < end <= len(page.text):
        raise InputError("facts", "evidence", "the selection is outside the page: select again")
    found = _found(page, start, end, "exact")
    if seen and " ".join(seen.split()) != found["quote"]:
        raise InputError("facts", "evidence", "the page changed under the selection: select again")
    return found


def cited(
    session: Session, case_id: int, items: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], bool]:
    """Evidence given as ``{document, page, quote}``, each looked up on the case's page;
    and whether all of it was found (a fact is grounded only then)."""
    numbers = {
        doc.name: number for number, doc in enumerate(case_documents(session, case_id), start=1)
    }
    checked: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        name, page_number, quote = item.get("document"), item.get("page"), item.get("quote")
        if not isinstance(name, str) or not isinstance(page_number, int) or not quote:
            raise InputError("facts", f"evidence[{index}]", "needs document, page and quote")
        page: Page | None = None
        located = None
        if name in numbers:
            try:
                page = case_page(session, case_id, numbers[name], page_number)
            except InputError:
                page = None
            located = None if page is None else locate(page.text, str(quote))
        if page is not None and located is not None:
            checked.append(_found(page, located.start, located.end, located.quality.value))
        else:
            checked.append(
                {"document": name, "page": page_number, "quote": str(quote), "match": NOT_FOUND}
            )
    return checked, all(item["match"] != NOT_FOUND for item in checked)
