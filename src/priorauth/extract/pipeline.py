"""Packet in, facts out: read each page, find mentions, assemble grounded facts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import ModuleType

from priorauth.adjudicate.facts import Fact
from priorauth.adjudicate.policy import Policy
from priorauth.extract import (
    find_crs,
    find_derm,
    find_diagnoses,
    find_labs,
    find_mutations,
    find_oncology,
    find_therapies,
)
from priorauth.extract.assemble import Assembler, statement_key
from priorauth.extract.llm_extractor import LlmCache, LlmReader, LlmUsage, chunks
from priorauth.extract.llm_model import ChatModel
from priorauth.extract.ocr import OcrCache
from priorauth.extract.packet import DocumentInfo, PacketReader, Problem, Progress
from priorauth.extract.pages import Page
from priorauth.extract.reading import PageReader

FINDERS: tuple[ModuleType, ...] = (
    find_diagnoses,
    find_derm,
    find_labs,
    find_therapies,
    find_mutations,
    find_oncology,
    find_crs,
)


class Mode(StrEnum):
    RULES = "rules"
    LLM = "llm"
    HYBRID = "hybrid"
    """Rules first; the model adds what they missed, and where it says otherwise both stand."""


@dataclass(slots=True)
class Extraction:
    """What a packet gave: facts, the documents read, what could not be read, and timings."""

    facts: list[Fact]
    documents: list[DocumentInfo]
    problems: list[Problem]
    pages: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    mode: Mode = Mode.RULES
    llm: LlmUsage | None = None
    agreed: int = 0
    """Hybrid: facts the model stated as the rules did (kept once, as the rules')."""

    @property
    def warnings(self) -> list[str]:
        return [] if self.llm is None else list(self.llm.failures)


class Extractor:
    """Reads packets into facts: spaCy/medspaCy rules, a chat model, or both. Build it once
    (the language pipeline takes about half a second) and extract many packets."""

    def __init__(self, policy: Policy, mode: Mode = Mode.RULES, chat: ChatModel | None = None):
        if mode is not Mode.RULES and chat is None:
            raise ValueError(f"the {mode.value} extractor needs a chat model")
        self.reader = PageReader(policy, FINDERS)
        self.mode = mode
        self.chat = chat

    def extract(
        self,
        paths: Sequence[Path],
        *,
        progress: Progress | None = None,
        cache: OcrCache | None = None,
        llm_cache: LlmCache | None = None,
    ) -> Extraction:
        packet = PacketReader(paths, progress=progress, cache=cache)
        rules = Assembler()
        model = None
        if self.chat is not None and self.mode is not Mode.RULES:
            model = LlmReader(
                self.chat, self.reader.pipeline.lexicon, llm_cache or LlmCache.default()
            )
        pending: list[Page] = []
        failed_pages: set[tuple[str, int]] = set()
        seconds = {"read": 0.0, "find": 0.0, "model": 0.0}
        pages = 0
        clock = time.perf_counter()

        def ask(run: list[Page]) -> None:
            if model is None or not run:
                return
            started = time.perf_counter()
            digest = next(d.sha256 for d in packet.documents if d.name == run[0].document)
            failures = len(model.usage.failures)
            model.read(digest, run)
            if len(model.usage.failures) > failures:
                failed_pages.update((page.document, page.number) for page in run)
            seconds["model"] += time.perf_counter() - started

        for page in packet.pages():
            found = time.perf_counter()
            seconds["read"] += found - clock
            rules.add(page, list(self.reader.mentions(page)))
            seconds["find"] += time.perf_counter() - found
            if model is not None:
                if pending and (
                    page.document != pending[0].document or len(chunks([*pending, page])) > 1
                ):
                    ask(pending)
                    pending = []
                pending.append(page)
            pages += 1
            clock = time.perf_counter()
        ask(pending)
        facts, agreed = self._combine(rules.facts(), model, failed_pages)
        return Extraction(
            facts=facts,
            documents=packet.documents,
            problems=packet.problems,
            pages=pages,
            seconds={k: round(v, 4) for k, v in seconds.items()},
            mode=self.mode,
            llm=None if model is None else model.usage,
            agreed=agreed,
        )

    def _combine(
        self,
        rule_facts: list[Fact],
        model: LlmReader | None,
        failed_pages: set[tuple[str, int]],
    ) -> tuple[list[Fact], int]:
        if model is None:
            return rule_facts, 0
        model_facts = model.assembler.facts()
        model.usage.invalid += model.assembler.rejected
        if self.mode is Mode.LLM:
            # Pages the model could not read keep the rules' facts: never a lost fact.
            kept = [
                f
                for f in rule_facts
                if any((e.document, e.page) in failed_pages for e in f.evidence)
            ]
            return [*kept, *model_facts], 0
        said = {statement_key(f) for f in rule_facts}
        added = [f for f in model_facts if not f.grounded or statement_key(f) not in said]
        return [*rule_facts, *added], len(model_facts) - len(added)
