"""Generate the sample cases' chart-packet PDFs from their case.yaml files.

    .venv/bin/python scripts/make_packets.py [CASE_DIR ...]

With no argument every folder under samples/packets that has a case.yaml is generated. For
each case, <case>/packet/<file> is (re)written for every document of case.yaml, and PDFs in
packet/ that case.yaml no longer names are deleted. samples/packets/README.md describes the
format. The output is byte-identical from run to run, so regenerated packets diff cleanly.
"""

from __future__ import annotations

import argparse
import functools
import io
import random
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import reportlab
import yaml
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.colors import black
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFontFile
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Table, TableStyle

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "packets"

TITLE_AUTHOR = "priorauth sample packets"
PRODUCER = "priorauth scripts/make_packets.py"

TEXT_FONTS = {
    "helvetica": ("Helvetica", "Helvetica-Bold"),
    "times": ("Times-Roman", "Times-Bold"),
    "courier": ("Courier", "Courier-Bold"),
}
ROTATIONS = (0, 90, 180, 270)
MAX_SKEW = 5.0
DEFAULT_SKEW = 0.4

PAGE_W, PAGE_H = letter
MARGIN = 54.0  # 0.75 in

FAX_DPI = 200
PX = FAX_DPI / 72
FAX_W, FAX_H = round(PAGE_W * PX), round(PAGE_H * PX)
FAX_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
FAX_FONTS = (FAX_FONT_DIR / "Vera.ttf", FAX_FONT_DIR / "VeraBd.ttf")
FAX_HEADER_PT = 9.0

SHRINK_STEPS = 11  # 100 % down to 50 % in 5 % steps
SEPARATOR_CELL = re.compile(r":?-+:?")

DOCUMENT_KEYS = {"file", "kind", "pages", "rotate"}
KIND_KEYS = {"text": {"font"}, "fax": {"skew"}}


class CaseError(Exception):
    """A case.yaml that cannot be turned into a packet; the message is one line."""


@dataclass(frozen=True)
class Document:
    file: str
    kind: Literal["text", "fax"]
    pages: tuple[str, ...]
    rotate: int
    font: str
    skew: float


@dataclass(frozen=True)
class Case:
    path: Path
    documents: tuple[Document, ...]

    @property
    def packet(self) -> Path:
        return self.path.parent / "packet"


# --- case.yaml ------------------------------------------------------------------------------


def load_case(case_dir: Path) -> Case:
    path = case_dir / "case.yaml"
    if not path.is_file():
        raise CaseError(f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as err:
        where = f"line {err.problem_mark.line + 1}: " if err.problem_mark else ""
        raise CaseError(f"{path}: invalid YAML: {where}{err.problem}") from err
    except yaml.YAMLError as err:
        raise CaseError(f"{path}: invalid YAML: {' '.join(str(err).split())}") from err
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise CaseError(f"{path}: expected a mapping with a 'documents' list")
    if not data["documents"]:
        raise CaseError(f"{path}: 'documents' is empty")
    documents = tuple(_document(path, i, raw) for i, raw in enumerate(data["documents"]))
    files = [doc.file for doc in documents]
    for file in files:
        if files.count(file) > 1:
            raise CaseError(f"{path}: document file {file!r} is named twice")
    return Case(path, documents)


def _document(path: Path, index: int, raw: object) -> Document:
    where = f"{path}: documents[{index}]"
    if not isinstance(raw, dict):
        raise CaseError(f"{where}: expected a mapping")
    file = raw.get("file")
    if not isinstance(file, str) or not re.fullmatch(r"[A-Za-z0-9._-]+\.pdf", file):
        raise CaseError(f"{where}: 'file' must be a plain file name ending in .pdf")
    where = f"{path}: {file}"
    kind = raw.get("kind")
    if kind != "text" and kind != "fax":  # noqa: PLR1714 -- the comparisons narrow the type
        raise CaseError(f"{where}: unknown kind {kind!r} (expected text or fax)")
    for key in raw:
        if key not in DOCUMENT_KEYS | KIND_KEYS[kind]:
            other = "fax" if kind == "text" else "text"
            known = key in KIND_KEYS[other]
            raise CaseError(
                f"{where}: {key!r} applies to {other} documents only"
                if known
                else f"{where}: unknown key {key!r}"
            )
    return Document(
        file=file,
        kind=kind,
        pages=_pages(where, raw.get("pages"), kind),
        rotate=_rotate(where, raw.get("rotate", 0)),
        font=_font(where, raw.get("font", "helvetica")),
        skew=_skew(where, raw.get("skew", DEFAULT_SKEW)),
    )


def _pages(where: str, pages: object, kind: str) -> tuple[str, ...]:
    if not isinstance(pages, list) or not pages:
        raise CaseError(f"{where}: 'pages' must be a non-empty list of page texts")
    for number, page in enumerate(pages, 1):
        if not isinstance(page, str):
            raise CaseError(f"{where}: page {number} is not text")
        if kind == "fax" and (missing := set(page) - _fax_glyphs() - {"\n", "\t"}):
            glyphs = "".join(sorted(missing))
            raise CaseError(f"{where}: page {number}: the fax font has no glyph for {glyphs!r}")
    return tuple(pages)


def _rotate(where: str, rotate: object) -> int:
    if not isinstance(rotate, int) or isinstance(rotate, bool) or rotate not in ROTATIONS:
        raise CaseError(f"{where}: 'rotate' must be one of {', '.join(map(str, ROTATIONS))}")
    return rotate


def _font(where: str, font: object) -> str:
    if not isinstance(font, str) or font not in TEXT_FONTS:
        raise CaseError(f"{where}: 'font' must be one of {', '.join(TEXT_FONTS)}")
    return font


def _skew(where: str, skew: object) -> float:
    if isinstance(skew, bool) or not isinstance(skew, int | float) or abs(skew) > MAX_SKEW:
        raise CaseError(f"{where}: 'skew' must be a number of degrees within ±{MAX_SKEW:g}")
    return float(skew)


@functools.cache
def _fax_glyphs() -> frozenset[str]:
    regular, bold = (set(TTFontFile(str(path)).charToGlyph) for path in FAX_FONTS)
    return frozenset(map(chr, regular & bold))


# --- page text to blocks and laid-out drawing operations -------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    heading: bool


@dataclass(frozen=True)
class Grid:
    rows: tuple[tuple[str, ...], ...]
    header: bool


Block = Line | Grid


def parse_page(text: str) -> list[Block]:
    lines = text.expandtabs(4).rstrip("\n").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|"):
            start = i
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                i += 1
            if grid := _grid(lines[start:i]):
                blocks.append(grid)
            continue
        line = lines[i].rstrip()
        if line.startswith("# "):
            blocks.append(Line(line[2:].strip(), heading=True))
        else:
            blocks.append(Line(line, heading=False))
        i += 1
    return blocks


def _grid(lines: list[str]) -> Grid | None:
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    separators = [all(SEPARATOR_CELL.fullmatch(cell) for cell in row) for row in rows]
    kept = [row for row, separator in zip(rows, separators, strict=True) if not separator]
    if not kept:
        return None
    columns = max(map(len, kept))
    return Grid(
        rows=tuple(tuple(row + [""] * (columns - len(row))) for row in kept),
        header=separators[:2] == [False, True],
    )


@dataclass(frozen=True)
class Metrics:
    """Type sizes and spacing, in the unit of the surface (points, or fax pixels)."""

    size: float
    leading: float
    heading_size: float
    heading_leading: float
    gap: float
    pad: float

    def scaled(self, factor: float) -> Metrics:
        return Metrics(
            self.size * factor,
            self.leading * factor,
            self.heading_size * factor,
            self.heading_leading * factor,
            self.gap * factor,
            self.pad * factor,
        )


@dataclass(frozen=True)
class Text:
    x: float
    baseline: float  # down from the top of the frame, like every y below
    text: str
    bold: bool
    size: float


@dataclass(frozen=True)
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Flowable:
    y: float
    height: float
    table: Any


Op = Text | Rule | Flowable
Measure = Callable[[bool, float, str], float]
TableMaker = Callable[[Grid, Metrics, float], tuple[list[Op], float, float]]


@dataclass(frozen=True)
class Layout:
    ops: list[Op]
    width: float
    height: float


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy wrap on whitespace: words stay whole, runs of spaces inside a line are kept."""
    indent = text[: len(text) - len(text.lstrip(" "))]
    lines: list[str] = []
    current = indent
    for token in re.findall(r"\s+|\S+", text[len(indent) :]):
        if current.strip() and not token.isspace() and measure(current + token) > width:
            lines.append(current.rstrip())
            current = indent
        if current.strip() or not token.isspace():
            current += token
    lines.append(current.rstrip())
    return lines


def flow(
    blocks: list[Block], metrics: Metrics, width: float, measure: Measure, table: TableMaker
) -> Layout:
    ops: list[Op] = []
    y = widest = 0.0
    for block in blocks:
        if isinstance(block, Grid):
            placed, table_width, table_height = table(block, metrics, y + metrics.gap)
            ops += placed
            y += table_height + 2 * metrics.gap
            widest = max(widest, table_width)
            continue
        bold = block.heading
        size = metrics.heading_size if bold else metrics.size
        for line in wrap(block.text, width, functools.partial(measure, bold, size)):
            if line:
                ops.append(Text(0.0, y + size, line, bold, size))
                widest = max(widest, measure(bold, size, line))
            y += metrics.heading_leading if bold else metrics.leading
    return Layout(ops, widest, y)


def fit(
    blocks: list[Block],
    base: Metrics,
    frame: tuple[float, float],
    measure: Measure,
    table: TableMaker,
    where: str,
) -> list[Op]:
    """Lays one page out, shrinking the type until it fits: a page of case.yaml is one page."""
    width, height = frame
    for step in range(SHRINK_STEPS):
        layout = flow(blocks, base.scaled(1 - step / 20), width, measure, table)
        if layout.width <= width and layout.height <= height:
            return layout.ops
    smallest = 1 - (SHRINK_STEPS - 1) / 20
    raise CaseError(f"{where}: does not fit on one page even at {smallest:.0%} type size")


# --- kind: text ------------------------------------------------------------------------------

TEXT_METRICS = Metrics(size=10, leading=12, heading_size=12, heading_leading=15, gap=4, pad=4)


def text_pdf(doc: Document, where: str) -> bytes:
    regular, bold = TEXT_FONTS[doc.font]

    def measure(is_bold: bool, size: float, text: str) -> float:
        return float(stringWidth(text, bold if is_bold else regular, size))

    def table(grid: Grid, metrics: Metrics, y: float) -> tuple[list[Op], float, float]:
        style: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), regular, metrics.size, metrics.leading),
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), metrics.pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), metrics.pad),
            ("TOPPADDING", (0, 0), (-1, -1), metrics.pad / 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), metrics.pad / 2),
        ]
        if grid.header:
            style.append(("FONT", (0, 0), (-1, 0), bold, metrics.size, metrics.leading))
        flowable = Table([list(row) for row in grid.rows], style=TableStyle(style))
        table_width, table_height = flowable.wrap(PAGE_W, PAGE_H)
        return [Flowable(y, table_height, flowable)], table_width, table_height

    frame = (PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN)
    out = io.BytesIO()
    # reportlab takes the displayed size and swaps the MediaBox itself for /Rotate 90 and 270.
    canvas = Canvas(out, pagesize=letter, invariant=1)
    canvas.setTitle(Path(doc.file).stem)
    canvas.setAuthor(TITLE_AUTHOR)
    canvas.setCreator(TITLE_AUTHOR)
    canvas.setProducer(PRODUCER)
    canvas.setPageRotation(doc.rotate)
    for number, page in enumerate(doc.pages, 1):
        ops = fit(parse_page(page), TEXT_METRICS, frame, measure, table, f"{where} page {number}")
        _upright(canvas, doc.rotate)
        top = PAGE_H - MARGIN
        for op in ops:
            if isinstance(op, Text):
                canvas.setFont(bold if op.bold else regular, op.size)
                canvas.drawString(MARGIN + op.x, top - op.baseline, op.text)
            elif isinstance(op, Flowable):
                op.table.drawOn(canvas, MARGIN, top - op.y - op.height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _upright(canvas: Any, rotate: int) -> None:
    """Maps portrait page coordinates onto the stored page, which /Rotate turns clockwise."""
    if rotate:
        shift = {90: (PAGE_H, 0.0), 180: (PAGE_W, PAGE_H), 270: (0.0, PAGE_W)}[rotate]
        canvas.translate(*shift)
        canvas.rotate(rotate)


# --- kind: fax -------------------------------------------------------------------------------

FAX_METRICS = Metrics(
    size=11 * PX,
    leading=14 * PX,
    heading_size=12 * PX,
    heading_leading=16 * PX,
    gap=4 * PX,
    pad=6 * PX,
)
FAX_MARGIN = round(0.75 * FAX_DPI)
FAX_TOP = round(0.85 * FAX_DPI)  # below the fax header line
FAX_RULE_PX = 2
SPECKS_PER_PAGE = (500, 1500)


@functools.cache
def fax_font(bold: bool, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FAX_FONTS[bold]), size)


def fax_measure(bold: bool, size: float, text: str) -> float:
    return fax_font(bold, size).getlength(text)


def fax_table(grid: Grid, metrics: Metrics, y: float) -> tuple[list[Op], float, float]:
    columns = range(len(grid.rows[0]))
    bold_row = 0 if grid.header else -1
    widths = [
        max(fax_measure(r == bold_row, metrics.size, row[c]) for r, row in enumerate(grid.rows))
        + 2 * metrics.pad
        for c in columns
    ]
    lefts = [sum(widths[:c]) for c in columns]
    row_height = metrics.leading + metrics.pad
    ops: list[Op] = [
        Text(
            lefts[c] + metrics.pad,
            y + r * row_height + metrics.pad / 2 + metrics.size,
            cell,
            r == bold_row,
            metrics.size,
        )
        for r, row in enumerate(grid.rows)
        for c, cell in enumerate(row)
        if cell
    ]
    width, height = sum(widths), row_height * len(grid.rows)
    ops += [
        Rule(0, y + r * row_height, width, y + r * row_height) for r in range(len(grid.rows) + 1)
    ]
    ops += [Rule(x, y, x, y + height) for x in [*lefts, width]]
    return ops, width, height


def fax_pdf(doc: Document, where: str) -> bytes:
    rng = random.Random(doc.file)  # noqa: S311 -- noise, not secrets: the seed keeps it stable
    images = [
        fax_page(doc, number, rng, f"{where} page {number}")
        for number in range(1, len(doc.pages) + 1)
    ]
    out = io.BytesIO()
    # Pillow stores a 1-bit image CCITT G4-compressed, the smallest lossless choice for a scan;
    # the dates it would stamp are switched off so that the bytes do not change between runs.
    images[0].save(
        out,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=float(FAX_DPI),
        title=Path(doc.file).stem,
        author=TITLE_AUTHOR,
        creator=TITLE_AUTHOR,
        producer=PRODUCER,
        creationDate=None,
        modDate=None,
    )
    return out.getvalue()


def fax_page(doc: Document, number: int, rng: random.Random, where: str) -> Image.Image:
    frame = (FAX_W - 2 * FAX_MARGIN, FAX_H - FAX_TOP - FAX_MARGIN)
    blocks = parse_page(doc.pages[number - 1])
    ops = fit(blocks, FAX_METRICS, frame, fax_measure, fax_table, where)
    sheet = Image.new("L", (FAX_W, FAX_H), 255)
    draw = ImageDraw.Draw(sheet)
    for op in ops:
        if isinstance(op, Text):
            position = (FAX_MARGIN + op.x, FAX_TOP + op.baseline)
            draw.text(position, op.text, fill=0, font=fax_font(op.bold, op.size), anchor="ls")
        elif isinstance(op, Rule):
            ends = [(FAX_MARGIN + op.x0, FAX_TOP + op.y0), (FAX_MARGIN + op.x1, FAX_TOP + op.y1)]
            draw.line(ends, fill=0, width=FAX_RULE_PX)
    # The sheet skews in the feeder; the sending machine's header line is printed straight.
    sheet = sheet.rotate(doc.skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    header = ImageDraw.Draw(sheet)
    header_font = fax_font(False, FAX_HEADER_PT * PX)
    baseline = round(0.35 * FAX_DPI)
    header.text(
        (FAX_MARGIN, baseline),
        f"FROM: {Path(doc.file).stem}",
        fill=0,
        font=header_font,
        anchor="ls",
    )
    page_of = f"PAGE {number}/{len(doc.pages)}"
    header.text((FAX_W - FAX_MARGIN, baseline), page_of, fill=0, font=header_font, anchor="rs")
    bitmap = sheet.convert("1", dither=Image.Dither.NONE)
    _speckle(bitmap, rng)
    turn = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }
    # PIL turns counter-clockwise, so the reader turns the page `rotate` degrees clockwise,
    # the same meaning /Rotate has for text documents.
    return bitmap.transpose(turn[doc.rotate]) if doc.rotate else bitmap


def _speckle(bitmap: Image.Image, rng: random.Random) -> None:
    draw = ImageDraw.Draw(bitmap)
    for _ in range(rng.randint(*SPECKS_PER_PAGE)):
        x, y = rng.randrange(FAX_W), rng.randrange(FAX_H)
        side = rng.choice((1, 1, 1, 2, 2, 3))
        draw.rectangle((x, y, x + side - 1, y + side - 1), fill=0)


# --- driver ----------------------------------------------------------------------------------


def write_case(case: Case) -> Iterator[str]:
    """Writes the case's packet, yielding one report line per file written or removed."""
    case.packet.mkdir(exist_ok=True)
    for doc in case.documents:
        where = f"{case.path}: {doc.file}"
        data = text_pdf(doc, where) if doc.kind == "text" else fax_pdf(doc, where)
        target = case.packet / doc.file
        target.write_bytes(data)
        pages = f"{len(doc.pages)} page{'s' * (len(doc.pages) > 1)}"
        yield f"wrote {target} ({doc.kind}, {pages}, {len(data) // 1024} KB)"
    named = {doc.file for doc in case.documents}
    for stale in sorted(case.packet.glob("*.pdf")):
        if stale.name not in named:
            stale.unlink()
            yield f"removed {stale} (not in {case.path.name})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("cases", nargs="*", type=Path, metavar="CASE_DIR")
    args = parser.parse_args(argv)
    case_dirs: list[Path] = args.cases or sorted(p.parent for p in SAMPLES.glob("*/case.yaml"))
    if not case_dirs:
        sys.stderr.write(f"make_packets: no case.yaml under {SAMPLES}\n")
        return 0
    try:
        # Every case is validated before any packet is touched.
        cases = [load_case(case_dir) for case_dir in case_dirs]
        for case in cases:
            for line in write_case(case):
                sys.stdout.write(line + "\n")
    except CaseError as err:
        sys.stderr.write(f"make_packets: {err}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
