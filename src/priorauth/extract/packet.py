"""A chart packet: its documents, read page by page, OCR'ing the pages that need it.

Pages are yielded in document and page order as they are ready, so a 200-page packet never
sits in memory at once. A document or page that cannot be read becomes a ``Problem`` with a
one-line reason and the rest of the packet is still read.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import pypdfium2 as pdfium

from priorauth.adjudicate.errors import InputError
from priorauth.extract.ocr import OcrCache, OcrResult, file_digest, layout_page, ocr_page_file
from priorauth.extract.pages import Page
from priorauth.extract.pdf_reader import (
    MIN_TEXT_LAYER_CHARS,
    PDFIUM_LOCK,
    DocumentError,
    has_ruling_lines,
    open_pdf,
    read_tables,
    read_text_page,
    visible_char_count,
)

Progress = Callable[[int, int], None]
"""Called with (pages done, pages in the packet)."""

LAB_MARKERS = re.compile(r"\b(?:platelets?|plt|cbc|hematology|result)\b", re.IGNORECASE)
"""Pages worth pdfplumber's table finder (~80 ms a page): lab reports."""

_WINDOW = 8
"""Pages read ahead of the one being yielded: enough to keep two OCR workers busy."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A document, or one page of it, that could not be read."""

    document: str
    reason: str
    page: int | None = None

    def __str__(self) -> str:
        where = self.document if self.page is None else f"{self.document}: page {self.page}"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class DocumentInfo:
    name: str
    sha256: str
    pages: int
    ocr_pages: list[int] = field(default_factory=list)


def packet_files(paths: Sequence[Path]) -> list[Path]:
    """The files of a packet: each folder's visible files (sorted by name) and each file given.

    A path that does not exist is bad input, not an unreadable document.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    (p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")),
                    key=lambda p: p.name,
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(str(path), "", "no such file or folder")
    return files


def _start_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


class PacketReader:
    """Reads the pages of a packet's documents in order; see ``pages()``."""

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        ocr_workers: int = 2,
        cache: OcrCache | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.files = packet_files(paths)
        self.ocr_workers = max(1, ocr_workers)
        self.cache = cache if cache is not None else OcrCache.default()
        self.progress = progress
        self.documents: list[DocumentInfo] = []
        self.problems: list[Problem] = []
        self._pool: ProcessPoolExecutor | None = None
        self._names = _unique_names(self.files)

    def pages(self) -> Iterator[Page]:
        total = self._count_pages()
        done = 0
        try:
            for path in self.files:
                for page in self._document_pages(path):
                    done += 1
                    if self.progress is not None:
                        self.progress(done, total)
                    if page is not None:
                        yield page
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None

    def _count_pages(self) -> int:
        total = 0
        for path in self.files:
            try:
                with open_pdf(path) as document, PDFIUM_LOCK:
                    total += len(document)
            except DocumentError:
                total += 1
        return total

    def _document_pages(self, path: Path) -> Iterator[Page | None]:
        name = self._names[path]
        try:
            with open_pdf(path) as document:
                with PDFIUM_LOCK:
                    count = len(document)
                info = DocumentInfo(name=name, sha256=file_digest(path), pages=count)
                self.documents.append(info)
                pending: deque[tuple[int, Page | Future[OcrResult] | OcrResult | None]] = deque()
                for index in range(count):
                    pending.append((index, self._read_page(document, path, info, index)))
                    while pending and (len(pending) > _WINDOW or _ready(pending[0][1])):
                        yield self._finish(document, info, *pending.popleft())
                while pending:
                    yield self._finish(document, info, *pending.popleft())
        except DocumentError as error:
            self.problems.append(Problem(name, str(error)))
            yield None

    def _read_page(
        self, document: pdfium.PdfDocument, path: Path, info: DocumentInfo, index: int
    ) -> Page | Future[OcrResult] | OcrResult | None:
        # Submitting forks the OCR workers under the lock: no other thread is inside pdfium
        # when they are copied.
        with PDFIUM_LOCK:
            return self._read_page_locked(document, path, info, index)

    def _read_page_locked(
        self, document: pdfium.PdfDocument, path: Path, info: DocumentInfo, index: int
    ) -> Page | Future[OcrResult] | OcrResult | None:
        try:
            page = document[index]
            try:
                if visible_char_count(page) >= MIN_TEXT_LAYER_CHARS:
                    text_page = read_text_page(page, info.name, index + 1)
                    if has_ruling_lines(page) and LAB_MARKERS.search(text_page.text):
                        text_page = replace(text_page, tables=read_tables(path, index))
                    return text_page
            finally:
                page.close()
        except Exception as error:  # one bad page must not stop the packet
            self.problems.append(Problem(info.name, f"cannot be read ({error})", index + 1))
            return None
        info.ocr_pages.append(index + 1)
        cached = self.cache.get(info.sha256, index)
        if cached is not None:
            return cached
        return self._ocr_pool().submit(ocr_page_file, str(path), index)

    def _finish(
        self,
        document: pdfium.PdfDocument,
        info: DocumentInfo,
        index: int,
        item: Page | Future[OcrResult] | OcrResult | None,
    ) -> Page | None:
        if item is None or isinstance(item, Page):
            return item
        try:
            result = item.result() if isinstance(item, Future) else item
        except Exception as error:  # reported per page; the packet goes on
            self.problems.append(Problem(info.name, _ocr_failure(error), index + 1))
            return None
        if isinstance(item, Future):
            self.cache.put(info.sha256, index, result)
        with PDFIUM_LOCK:
            page = document[index]
            try:
                width, height = page.get_size()
                rotation = page.get_rotation()
            finally:
                page.close()
        return layout_page(
            result, info.name, index + 1, round(width, 2), round(height, 2), rotation
        )

    def _ocr_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.ocr_workers,
                mp_context=get_context("fork"),  # spawn re-imports the caller's __main__
                initializer=_start_worker,
            )
        return self._pool


def _ready(item: object) -> bool:
    return not isinstance(item, Future) or item.done()


def _ocr_failure(error: BaseException) -> str:
    if type(error).__name__ == "TesseractNotFoundError":
        return "no text layer, and OCR is unavailable (tesseract is not installed)"
    return f"OCR failed ({type(error).__name__})"


def _unique_names(files: Sequence[Path]) -> dict[Path, str]:
    """Each document is known by its file name; two folders' same-named files get their
    parent folder's name in front so evidence stays unambiguous."""
    counts: dict[str, int] = {}
    for path in files:
        counts[path.name] = counts.get(path.name, 0) + 1
    return {
        path: path.name if counts[path.name] == 1 else f"{path.parent.name}/{path.name}"
        for path in files
    }
