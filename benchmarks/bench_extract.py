"""Extraction speed, OCR speed and accuracy, and peak memory, on the sample packets.

    .venv/bin/python benchmarks/bench_extract.py [--ocr] [--memory]

1. A 20-page text-layer packet (the samples' text documents): each stage's wall time, and
   the ratio to pdfplumber's own word extraction of the same pages, measured in the same run.
2. ``--ocr``: every faxed sample page OCR'd with two worker processes, no cache; seconds a
   page and word accuracy against the text the page was generated from.
3. ``--memory``: peak resident memory of ``priorauth extract`` on a 200-page packet (the
   20 pages ten times), in a child process.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import yaml

from priorauth.adjudicate import Engine
from priorauth.adjudicate.inputs import parse_request
from priorauth.adjudicate.policy_file import bundled_policy
from priorauth.extract.assemble import Assembler
from priorauth.extract.ocr import OcrCache
from priorauth.extract.packet import PacketReader
from priorauth.extract.pages import Page
from priorauth.extract.pipeline import Extractor

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "packets"
PAGES = 20
RUNS = 5


def _text_documents() -> list[tuple[Path, dict[str, object]]]:
    found: list[tuple[Path, dict[str, object]]] = []
    for case_file in sorted(SAMPLES.glob("*/case.yaml")):
        case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
        found.extend(
            (case_file.parent / "packet" / document["file"], document)
            for document in case["documents"]
        )
    return found


def build_packet(folder: Path, pages: int) -> int:
    """Copy text-layer sample documents into ``folder`` until it holds ``pages`` pages."""
    total = 0
    for index, (path, document) in enumerate(_text_documents()):
        if document["kind"] != "text":
            continue
        shutil.copy(path, folder / f"{index:03d}-{path.name}")
        total += len(document["pages"])  # type: ignore[arg-type]
        if total >= pages:
            break
    return total


def _best(seconds: list[float]) -> float:
    return min(seconds)


def bench_text(folder: Path) -> None:
    policy = bundled_policy()
    started = time.perf_counter()
    extractor = Extractor(policy)
    build = time.perf_counter() - started
    request_file = SAMPLES / "nsv-approve" / "request.json"
    request = parse_request(request_file.read_text(encoding="utf-8"), str(request_file))
    engine = Engine(policy)
    files = sorted(folder.glob("*.pdf"))

    plumber, reading, finding, assembling, deciding, total = [], [], [], [], [], []
    for _ in range(RUNS):
        clock = time.perf_counter()
        for path in files:
            with pdfplumber.open(path) as pdf:
                for plumbed in pdf.pages:
                    plumbed.extract_words()
        plumber.append(time.perf_counter() - clock)

        clock = time.perf_counter()
        pages = list(PacketReader([folder], cache=OcrCache(None)).pages())
        reading.append(time.perf_counter() - clock)

        clock = time.perf_counter()
        found = [(page, list(extractor.reader.mentions(page))) for page in pages]
        finding.append(time.perf_counter() - clock)

        clock = time.perf_counter()
        assembler = Assembler()
        for page, mentions in found:
            assembler.add(page, mentions)
        facts = assembler.facts()
        assembling.append(time.perf_counter() - clock)

        clock = time.perf_counter()
        engine.decide(request, tuple(facts))
        deciding.append(time.perf_counter() - clock)

        clock = time.perf_counter()
        extraction = extractor.extract([folder], cache=OcrCache(None))
        engine.decide(request, tuple(extraction.facts))
        total.append(time.perf_counter() - clock)

    count = len(pages)
    base = _best(plumber)
    print(f"text-layer packet: {count} pages in {len(files)} documents, best of {RUNS} runs")
    print(f"  pipeline build (once per process)     {build * 1000:8.0f} ms")
    print(f"  pdfplumber extract_words (baseline)   {base * 1000:8.0f} ms")
    for label, seconds in (
        ("read pages (pypdfium2 + tables)", reading),
        ("NLP + finders", finding),
        ("assemble facts", assembling),
        ("decide", deciding),
        ("extract + decide, end to end", total),
    ):
        best = _best(seconds)
        print(
            f"  {label:<37} {best * 1000:8.0f} ms  "
            f"{best / count * 1000:6.1f} ms/page  {best / base:5.2f}x pdfplumber"
        )
    print(f"  facts found: {len(extraction.facts)}")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def bench_ocr() -> None:
    faxes = [(path, document) for path, document in _text_documents() if document["kind"] == "fax"]
    folder = Path(tempfile.mkdtemp(prefix="priorauth-fax-"))
    try:
        names = []
        for index, (path, _document) in enumerate(faxes):
            name = f"{index:03d}-{path.name}"
            shutil.copy(path, folder / name)
            names.append(name)
        clock = time.perf_counter()
        reader = PacketReader([folder], cache=OcrCache(None), ocr_workers=2)
        read = list(reader.pages())
        wall = time.perf_counter() - clock
    finally:
        shutil.rmtree(folder)
    by_doc: dict[str, list[str]] = {}
    for page in read:
        by_doc.setdefault(page.document, []).append(page.text)
    accuracies = []
    for name, (_path, document) in zip(names, faxes, strict=True):
        sources: list[str] = list(document["pages"])  # type: ignore[call-overload]
        for number, source in enumerate(sources):
            truth = _words(source)
            pool: dict[str, int] = {}
            for word in _words(by_doc[name][number]):
                pool[word] = pool.get(word, 0) + 1
            hits = 0
            for word in truth:
                if pool.get(word, 0) > 0:
                    pool[word] -= 1
                    hits += 1
            accuracies.append(hits / len(truth) if truth else 1.0)
    print(f"OCR: {len(read)} faxed pages (200 dpi), 2 worker processes, no cache")
    print(f"  wall {wall:.1f} s, {wall / len(read):.2f} s/page")
    print(
        f"  word accuracy (words of the source text found): mean "
        f"{statistics.mean(accuracies):.1%}, worst page {min(accuracies):.1%}"
    )


def bench_llm_calls(folder: Path) -> None:
    """Calls and prompt tokens the LLM extractor would spend on the packet: one call per
    chunk of a document (measured without a model: the prompt is built and counted)."""
    from priorauth.extract.claims import vocabulary
    from priorauth.extract.llm_extractor import chunks, pages_block
    from priorauth.prompts import load_prompt

    prompt = load_prompt("extract_facts")
    system = prompt.system.replace("{vocabulary}", vocabulary())
    by_document: dict[str, list[Page]] = {}
    for page in PacketReader([folder], cache=OcrCache(None)).pages():
        by_document.setdefault(page.document, []).append(page)
    calls = tokens = 0
    for pages in by_document.values():
        for run in chunks(pages):
            calls += 1
            user = prompt.user.replace("{pages}", pages_block(run))
            tokens += (len(system) + len(user)) // 4
    pages_read = sum(len(p) for p in by_document.values())
    print(
        f"LLM extractor on the same packet ({prompt.version}): {calls} calls for {pages_read} pages"
    )
    print(
        f"  prompt tokens ~{tokens:,} (~{tokens // max(calls, 1):,} a call; 4 characters a token)"
    )


def bench_memory(folder: Path) -> None:
    big = Path(tempfile.mkdtemp(prefix="priorauth-200-"))
    try:
        for copy in range(10):
            for path in sorted(folder.glob("*.pdf")):
                shutil.copy(path, big / f"{copy:02d}-{path.name}")
        pages = sum(len(pdfium.PdfDocument(p)) for p in big.glob("*.pdf"))
        script = (
            "import resource, sys, time\n"
            "from pathlib import Path\n"
            "from priorauth.adjudicate.policy_file import bundled_policy\n"
            "from priorauth.extract.ocr import OcrCache\n"
            "from priorauth.extract.pipeline import Extractor\n"
            "t = time.perf_counter()\n"
            "x = Extractor(bundled_policy())"
            ".extract([Path(sys.argv[1])], cache=OcrCache(None))\n"
            "print(len(x.facts), round(time.perf_counter() - t, 2),"
            " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        )
        out = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script, str(big)], check=True, capture_output=True, text=True
        ).stdout.split()
        facts, seconds, peak_kb = int(out[0]), float(out[1]), int(out[2])
        print(f"200-page packet: {pages} pages, {facts} facts, {seconds:.1f} s")
        print(f"  peak resident memory {peak_kb / 1024:.0f} MB (whole process, models included)")
    finally:
        shutil.rmtree(big)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr", action="store_true", help="also measure OCR")
    parser.add_argument("--memory", action="store_true", help="also measure a 200-page packet")
    parser.add_argument("--llm", action="store_true", help="also count LLM calls and tokens")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="priorauth-20-"))
    try:
        build_packet(folder, PAGES)
        bench_text(folder)
        if args.ocr:
            bench_ocr()
        if args.llm:
            bench_llm_calls(folder)
        if args.memory:
            bench_memory(folder)
    finally:
        shutil.rmtree(folder)
    print(
        f"(this process: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
