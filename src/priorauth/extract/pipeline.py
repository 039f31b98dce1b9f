"""Packet in, facts out: read each page, find mentions, assemble grounded facts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from priorauth.extract.assemble import Assembler
from priorauth.extract.ocr import OcrCache
from priorauth.extract.packet import DocumentInfo, PacketReader, Problem, Progress
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


@dataclass(slots=True)
class Extraction:
    """What a packet gave: facts, the documents read, what could not be read, and timings."""

    facts: list[Fact]
    documents: list[DocumentInfo]
    problems: list[Problem]
    pages: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class RuleExtractor:
    """The offline extractor: spaCy/medspaCy rules over the packet's text. Build it once (the
    pipeline takes about a second) and extract many packets."""

    def __init__(self, policy: Policy) -> None:
        self.reader = PageReader(policy, FINDERS)

    def extract(
        self,
        paths: Sequence[Path],
        *,
        progress: Progress | None = None,
        cache: OcrCache | None = None,
    ) -> Extraction:
        packet = PacketReader(paths, progress=progress, cache=cache)
        assembler = Assembler()
        reading = finding = 0.0
        pages = 0
        clock = time.perf_counter()
        for page in packet.pages():
            found = time.perf_counter()
            reading += found - clock
            assembler.add(page, list(self.reader.mentions(page)))
            clock = time.perf_counter()
            finding += clock - found
            pages += 1
        assembled = time.perf_counter()
        facts = assembler.facts()
        return Extraction(
            facts=facts,
            documents=packet.documents,
            problems=packet.problems,
            pages=pages,
            seconds={
                "read": round(reading, 4),
                "find": round(finding, 4),
                "assemble": round(time.perf_counter() - assembled, 4),
            },
        )
