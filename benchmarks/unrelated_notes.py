"""Run the rule extractor over clinical notes that have nothing to do with ruxolitinib and
list every fact it asserts, for a person to check against the note's words.

    .venv/bin/python benchmarks/unrelated_notes.py NOTES...

NOTES are MTSamples-style CSV files (a ``transcription`` column) or Synthea ``notes_decoded``
JSON lines (a ``text`` field). Nothing is copied from them; only counts and, for each fact,
the note number and the quote are printed. Facts are expected to be rare and each one true
to its quote: a diagnosis the note states, a drug the note names with its context.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from priorauth.adjudicate.policy_file import bundled_policy
from priorauth.extract.assemble import Assembler
from priorauth.extract.pages import CharBoxes, Page
from priorauth.extract.pipeline import FINDERS
from priorauth.extract.reading import PageReader


def notes(path: Path) -> Iterator[str]:
    if path.suffix == ".csv":
        csv.field_size_limit(1 << 26)
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                yield row.get("transcription") or ""
    else:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line).get("text") or ""


def as_page(text: str, number: int) -> Page:
    boxes = CharBoxes()
    boxes.extend_none(len(text))
    return Page(
        document=f"note-{number}",
        number=1,
        width=612,
        height=792,
        rotation=0,
        text=text,
        boxes=boxes,
    )


def main(paths: list[str]) -> None:
    reader = PageReader(bundled_policy(), FINDERS)
    kinds: Counter[str] = Counter()
    total = 0
    clock = time.perf_counter()
    for path in map(Path, paths):
        for number, text in enumerate(notes(path), start=1):
            total += 1
            page = as_page(text.replace("\r", " "), number)
            assembler = Assembler()
            assembler.add(page, reader.mentions(page))
            for fact in assembler.facts():
                kinds[fact.name] += 1
                flags = [k for k, v in fact.context.model_dump().items() if v and k != "historical"]
                quote = " ".join(fact.evidence[0].quote.split())[:110]
                value = fact.value.model_dump(exclude_none=True, mode="json")
                print(f"{path.name}#{number} {fact.name} {value} {flags}: {quote}")
    seconds = time.perf_counter() - clock
    print(f"\n{total} notes in {seconds:.1f} s; facts by kind: {dict(sorted(kinds.items()))}")


if __name__ == "__main__":
    main(sys.argv[1:])
