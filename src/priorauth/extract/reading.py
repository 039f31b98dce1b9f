"""From a page to mentions: run the NLP pipeline and every finder over the page's text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from types import ModuleType

from priorauth.adjudicate.policy import Policy
from priorauth.extract.mentions import Mention, PageText, page_date
from priorauth.extract.nlp import Pipeline
from priorauth.extract.pages import Page


class PageReader:
    """Holds the pipeline (built once, ~0.8 s) and the finders; reads one page at a time."""

    def __init__(self, policy: Policy, finders: Sequence[ModuleType]) -> None:
        self.finders = tuple(finders)
        patterns: dict[str, re.Pattern[str]] = {}
        for module in self.finders:
            patterns.update(getattr(module, "PATTERNS", {}))
        self.pipeline = Pipeline(policy, patterns)

    def page_text(self, page: Page) -> PageText:
        doc, terms = self.pipeline.read(page.text)
        return PageText(
            page=page,
            doc=doc,
            terms=terms,
            lexicon=self.pipeline.lexicon,
            date=page_date(page.text),
        )

    def mentions(self, page: Page) -> Iterator[Mention]:
        text = self.page_text(page)
        for module in self.finders:
            yield from module.find(text)
