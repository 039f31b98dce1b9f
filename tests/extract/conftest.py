"""Fixtures for the extractor tests: pages built from plain text, read by real finders."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from priorauth.adjudicate.policy import Policy
from priorauth.extract.mentions import Mention
from priorauth.extract.pages import CharBoxes, Page
from priorauth.extract.reading import PageReader


def text_page(text: str, document: str = "note.pdf", number: int = 1) -> Page:
    boxes = CharBoxes()
    boxes.extend_none(len(text))
    return Page(
        document=document,
        number=number,
        width=612,
        height=792,
        rotation=0,
        text=text,
        boxes=boxes,
    )


Read = Callable[[ModuleType, "str | Page"], list[Mention]]


@pytest.fixture(scope="session")
def read_with(policy: Policy) -> Read:
    """``read_with(finder_module, text)``: the mentions one finder makes of one page."""
    readers: dict[str, PageReader] = {}

    def read(module: ModuleType, text: str | Page) -> list[Mention]:
        reader = readers.get(module.__name__)
        if reader is None:
            reader = readers[module.__name__] = PageReader(policy, [module])
        page = text_page(text) if isinstance(text, str) else text
        return list(reader.mentions(page))

    return read
