"""Mutations and fusions, as labs and letters report them.

Mutations are read from the clause that reports them, in the forms labs and letters use: "JAK2
V617F detected, VAF 78%", "CALR and MPL: no pathogenic variant detected", "negative for
BCR::ABL1", table rows ("JAK2  V617F (exon 14)  --  Not detected"), karyotypes ("t(8;9)(p22;
p24.1)"). A negative result is a fact with ``detected: false`` (not a negated one); a test
that is pending, ordered or considered is no fact at all. A fusion is named by the partner the
policy tests (I.E.8 and I.F.7 test JAK2, CRLF2, EPOR, ... not PCM1 or ETV6), the whole fusion
kept in ``detail``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from priorauth.adjudicate.facts import Alteration
from priorauth.extract.clauses import clause_context
from priorauth.extract.find_oncology import clause_bounds
from priorauth.extract.mentions import Mention, PageText, mention_at
from priorauth.extract.nlp import Term

# --- genes -----------------------------------------------------------------------------------

GENES = frozenset(
    {
        # JAK-STAT pathway (I.E.8) and the MPN drivers
        *("JAK1", "JAK2", "JAK3", "TYK2", "CRLF2", "IL7R", "SH2B3", "LNK", "EPOR", "STAT3"),
        *("STAT5B", "IL2RB", "CALR", "MPL"),
        # eosinophilia and Ph-like kinase fusions
        *("PDGFRA", "PDGFRB", "FGFR1", "ABL1", "ABL2", "FLT3", "CSF1R", "NTRK3", "KIT"),
        # myeloid and lymphoid panels
        *("ASXL1", "TET2", "DNMT3A", "EZH2", "SRSF2", "SF3B1", "U2AF1", "ZRSR2", "IDH1"),
        *("IDH2", "RUNX1", "TP53", "NRAS", "KRAS", "CBL", "SETBP1", "NPM1", "CEBPA", "BCOR"),
        *("PTPN11", "NF1", "CSF3R", "GATA2", "PHF6", "STAG2", "WT1", "PPM1D", "IKZF1", "PAX5"),
        *("CDKN2A", "RHOA", "VAV1", "PLCG1", "CCR4", "TNFRSF1B", "DDX3X", "KMT2A", "NOTCH1"),
        *("CREBBP", "MYC", "BCL2", "BCL6", "ETV6"),
    }
)
FUSION_PARTNERS = frozenset(
    {"PCM1", "BCR", "P2RY8", "IGH", "EBF1", "FIP1L1", "RANBP2", "ZMYM2", "NUP214", "SSBP2"}
    | {"ATF7IP", "TERF2", "ABL", "PAX5", "ETV6"}
)
"""Genes that are reported only as one half of a fusion; alone they are no finding."""

FUSION_TARGETS = (
    *("JAK2", "JAK1", "JAK3", "TYK2", "CRLF2", "EPOR", "IL7R", "SH2B3", "STAT5B", "IL2RB"),
    *("PDGFRB", "PDGFRA", "FGFR1", "ABL1", "ABL2", "CSF1R", "FLT3", "NTRK3", "KMT2A"),
)
"""Which half names a fusion: the JAK-STAT partner the policy tests, then the kinase."""

_ALIASES = {"LNK": "SH2B3", "ABL": "ABL1"}
BCR_ABL1 = "BCR-ABL1"

_SYMBOLS = sorted(GENES | FUSION_PARTNERS, key=len, reverse=True)
_SYMBOL = r"(?:" + "|".join(_SYMBOLS) + r"|[Jj]ak[123])"
_TRANSLOCATION = (
    r"t\((?P<c1>\d{1,2}|X|Y);(?P<c2>\d{1,2}|X|Y)\)"
    r"(?:\((?P<b1>[pq]\d+(?:\.\d+)?);(?P<b2>[pq]\d+(?:\.\d+)?)\))?"
)
GENE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    + _TRANSLOCATION
    + r"|(?P<ph>Philadelphia\s+chromosome(?![- ]like)|Ph(?=\s*\+|-(?:positive|negative)\b))"
    r"|(?P<family>JAK|PDGFR)(?P<n1>[123AB])/(?P<n2>[123AB])(?![A-Za-z0-9])"
    r"|(?P<left>" + _SYMBOL + r")\s*(?P<sep>::|-|–|/)\s*(?P<right>" + _SYMBOL + r")"
    r"|(?P<gene>" + _SYMBOL + r")"
    r"|(?P<pathway>JAK[-/ ]STAT)(?:\s+(?:signaling\s+)?pathway)?"
    r")(?![A-Za-z0-9])(?![- ]like)",
)

_NEGATIVE = (
    r"not\s+detected|undetected|non-?detected|not\s+(?:identified|found|present|seen|"
    r"demonstrated|mutated)|no\s+(?:pathogenic\s+|reportable\s+|clinically\s+significant\s+|"
    r"other\s+)?(?:variants?|mutations?|alterations?|abnormalit\w+|rearrangements?|fusions?)"
    r"(?:\s+(?:was|were|is|are))?\s+(?:detected|identified|found|seen)|negative|\bneg\b|"
    r"wild[- ]?type|\bWT\b|unmutated|non-?mutated|\babsent\b|\(-\)"
)
_POSITIVE = (
    r"detected|positive|\bpos\b|\bpresent\b|identified|\bmutated\b|\bmutant\b|\brearranged\b|"
    r"\bamplified\b|(?<=[A-Za-z0-9])\+|\(\+\)|\bVAF\b|variant\s+allele\s+(?:frequency|fraction)|"
    r"allele\s+(?:burden|fraction)|\bharbou?r(?:s|ing)?\b|overexpress\w*"
)
_PENDING = (
    r"pending|\bsent\b|\bsend(?:-?out)?\b|\bordered\b|\bawait\w*|in\s+process|to\s+be\s+"
    r"(?:sent|done|drawn|obtained|checked)|will\s+(?:send|check|obtain|order|test)|\brequested\b|"
    r"not\s+(?:yet\s+)?(?:done|performed|tested|available|assessed|resulted)|\bplanned\b|"
    r"recommend\w*|\bconsider\w*|\bif\b|\bunknown\b|\bwhether\b|\bcheck\b"
)
_RESULT = re.compile(
    r"(?P<before_for>\b(?:negative|neg|positive|pos)\s+for\b)|(?P<negative>"
    + _NEGATIVE
    + r")|(?P<positive>"
    + _POSITIVE
    + r")|(?P<pending>"
    + _PENDING
    + r")",
    re.IGNORECASE,
)
_LEAD_RESULT = re.compile(
    r"\b(?:(?P<negative>negative|neg)\s+for|(?P<positive>positive|pos)\s+for|"
    r"(?P<none>no|without|absence\s+of|lack\s+of|free\s+of)|(?P<pending>send|sent|order(?:ed)?|"
    r"check(?:ing)?|obtain|pending|await\w*|will\s+(?:send|check|obtain|test))|"
    r"(?P<tested>testing|tested|test)\s+for)\b",
    re.IGNORECASE,
)
# Words a list of genes may hold between a lead-in ("negative for") and the gene it covers.
_LIST_WORD = re.compile(
    r"and|or|an?|the|any|evidence|of|pathogenic|detectable|known|by|for|exon|type|genes?|class|"
    r"mutations?|variants?|alterations?|rearrangements?|fusions?|deletions?|fish|(?:rt-)?pcr|"
    r"ngs|testing",
    re.IGNORECASE,
)
_VARIANT = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:p\.)?(?:[A-Z]\d{2,4}(?:[A-Z](?:/[A-Z])?|fs\*?\d*|\*|del|dup|ins[A-Z]*)"
    r"(?:fs\*?\d+)?|(?:Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp"
    r"|Tyr|Val)\d{2,4}\w+)|c\.\d+[-+_\dA-Za-z>]*)(?![A-Za-z0-9])"
    r"|exon\s+\d+(?:\s+(?:indels?|insertions?|deletions?|mutations?|variants?))"
    r"|type\s+[12]\b(?:\s*\([^)]{1,30}\))?",
)
_ALTERATIONS: tuple[tuple[Alteration, re.Pattern[str]], ...] = tuple(
    (alteration, re.compile(pattern, re.IGNORECASE))
    for alteration, pattern in (
        (Alteration.FUSION, r"\bfusions?\b|::"),
        (Alteration.REARRANGEMENT, r"rearrang\w*|break-?apart|translocat\w*|\bsplit\b"),
        (
            Alteration.INSERTION_DELETION,
            r"insertions?\s*/\s*deletions?|ins\s*/\s*del|indels?|insertion[- ]deletion",
        ),
        (Alteration.DELETION, r"\bdeletions?\b|\bdeleted\b"),
        (Alteration.AMPLIFICATION, r"amplif\w*"),
        (Alteration.ALTERATION, r"\balterations?\b|\baltered\b|overexpress\w*"),
        (Alteration.MUTATION, r"\bmutations?\b|\bmutated\b|\bmutant\b|\bvariants?\b"),
    )
)
_NOT_A_RESULT_AFTER = re.compile(r"[\s-]*(?:inhibit\w*|antagonist|blockade|signal\w*)", re.I)

_TRANSLOCATIONS: tuple[tuple[tuple[str, str], tuple[str, str] | None, str], ...] = (
    (("8", "9"), None, "PCM1::JAK2"),
    (("9", "12"), ("p24", "p13"), "ETV6::JAK2"),
    (("9", "22"), ("p24", "q11"), "BCR::JAK2"),
    (("9", "22"), ("q34", "q11"), "BCR::ABL1"),
    (("9", "22"), None, "BCR::ABL1"),
    (("5", "12"), ("q3", "p13"), "ETV6::PDGFRB"),
    (("8", "13"), ("p11", "q12"), "ZMYM2::FGFR1"),
)


@dataclass(frozen=True, slots=True)
class _Gene:
    gene: str
    start: int
    end: int
    fusion: str | None = None
    alteration: Alteration | None = None


PATTERNS = {"onc_gene": GENE}


def find(page: PageText) -> Iterator[Mention]:
    yield from _mutations(page)


# --- mutations -------------------------------------------------------------------------------


def _genes(match: re.Match[str]) -> list[_Gene]:
    """The gene(s) one match names."""
    start, end = match.span()
    if match.group("c1"):
        fusion = _translocation_fusion(match)
        if fusion is None:
            return []
        gene = _fusion_gene(*fusion.split("::"))
        return [_Gene(gene, start, end, None if gene == BCR_ABL1 else fusion, Alteration.FUSION)]
    if match.group("ph"):
        return [_Gene(BCR_ABL1, start, end, None, Alteration.FUSION)]
    if match.group("family"):
        family = match.group("family")
        return [
            _Gene(family + match.group("n1"), start, end),
            _Gene(family + match.group("n2"), start, end),
        ]
    if match.group("left"):
        left = _symbol(match.group("left"))
        right = _symbol(match.group("right"))
        pair = {left, right}
        if pair == {"BCR", "ABL1"}:
            return [_Gene(BCR_ABL1, start, end, None, Alteration.FUSION)]
        if match.group("sep") == "/" or not (pair & (GENES | FUSION_PARTNERS)) or left == right:
            # "JAK2/CALR/MPL" is a list of genes, not a fusion.
            return [
                _Gene(left, match.start("left"), match.end("left")),
                _Gene(right, match.start("right"), match.end("right")),
            ]
        fusion = f"{left}::{right}"
        return [_Gene(_fusion_gene(left, right), start, end, fusion, Alteration.FUSION)]
    if match.group("pathway"):
        return [_Gene("JAK-STAT pathway", start, end)]
    return [_Gene(_symbol(match.group("gene")), start, end)]


def _symbol(raw: str) -> str:
    upper = raw.upper()
    return _ALIASES.get(upper, upper)


def _fusion_gene(left: str, right: str) -> str:
    if {left, right} == {"BCR", "ABL1"}:
        return BCR_ABL1
    for gene in FUSION_TARGETS:
        if gene in (left, right):
            return gene
    return right


def _translocation_fusion(match: re.Match[str]) -> str | None:
    chromosomes = (match.group("c1"), match.group("c2"))
    bands = (match.group("b1"), match.group("b2")) if match.group("b1") else None
    for pair, wanted, fusion in _TRANSLOCATIONS:
        if chromosomes != pair:
            continue
        if wanted is None:
            if bands is None or pair == ("8", "9"):
                return fusion
            continue
        if bands is not None and all(b.startswith(w) for b, w in zip(bands, wanted, strict=True)):
            return fusion
    return None


def _is_gene_list(text: str) -> bool:
    """Whether the words between a lead-in and a gene are only more genes and list words."""
    for word in re.findall(r"[A-Za-z][A-Za-z0-9]*(?:(?:::|[/-])[A-Za-z0-9]+)*", text):
        if _LIST_WORD.fullmatch(word) or word.isupper() or any(c.isdigit() for c in word):
            continue
        return False
    return True


def _next_gene(page: PageText, start: int, end: int) -> re.Match[str] | None:
    return GENE.search(page.text, start, end)


def _result_after(page: PageText, gene: _Gene, clause_end: int) -> re.Match[str] | None:
    """The first result word after the gene, unless a lead-in for other genes ("negative
    for") or another gene with words of its own comes first ("CRLF2 (TSLPR) by flow cytometry
    | Overexpressed |" is not reported by the next row's "DETECTED")."""
    text = page.text
    position = gene.end
    while position < clause_end:
        found = _RESULT.search(text, position, clause_end)
        other = _next_gene(page, position, found.start() if found else clause_end)
        if other is not None and not _is_gene_list(text[position : other.start()]):
            return None
        if found is None or found.group("before_for"):
            return None
        line_start, line_end = page.line(found.start())
        if line_start > gene.end and _HEADING_RESULT.fullmatch(text[line_start:line_end]):
            return None  # the next block's heading ("NOT DETECTED") is not this row's result
        return found
    return None


def _result_before(page: PageText, clause_start: int, gene_start: int) -> re.Match[str] | None:
    lead: re.Match[str] | None = None
    for found in _LEAD_RESULT.finditer(page.text, clause_start, gene_start):
        lead = found
    if lead is None or not _is_gene_list(page.text[lead.end() : gene_start]):
        return None
    return lead


_HEADING_RESULT = re.compile(
    r"\s*#*\s*(?:(?:pathogenic\s+)?(?:variants?|mutations?|alterations?|genes?|results?)\s*)?"
    r"(?:(?P<negative>not\s+detected|negative|none\s+detected)|(?P<positive>detected|positive))"
    r"(?:\s+(?:variants?|mutations?|alterations?|genes?))?\s*:?\s*",
    re.IGNORECASE,
)


def _heading_result(page: PageText, gene_start: int) -> bool | None:
    """A result stated as the heading of the block the gene is listed under ("# NOT
    DETECTED" above "JAK2 (V617F, exon 12), CALR (exon 9), MPL (exon 10), NRAS, KRAS.")."""
    text = page.text
    line_start = page.line(gene_start)[0]
    for _ in range(8):
        if line_start == 0:
            return None
        previous_start = text.rfind("\n", 0, line_start - 1) + 1
        line = text[previous_start : line_start - 1]
        if not line.strip() or line.rstrip().endswith("."):
            # A blank line, or the end of a paragraph (text layers drop blank lines), ends
            # the heading's block.
            return None
        heading = _HEADING_RESULT.fullmatch(line)
        if heading is not None:
            return heading.group("positive") is not None
        line_start = previous_start
    return None


_TEST_AFTER = re.compile(
    r"\W{0,3}(?:\(\s*[pP]\d+(?:/[pP]?\d+)*\s*\)\s*)?(?:RT-?PCR|q?PCR|FISH|NGS|probes?|assays?|"
    r"test(?:ing|s)?|panels?|analysis|quantitative|sequencing|MLPA|screen\w*)\b",
    re.IGNORECASE,
)
_TEST_LIST_BEFORE = re.compile(
    r"(?:RT-?PCR|PCR|FISH|NGS|probes?|assays?|test(?:ing|s|ed)?(?:\s+for)?|panels?|MLPA|"
    r"sequencing|analysis|methods?)\s*(?:\(|:)\s*$",
    re.IGNORECASE,
)


def _named_as_test(page: PageText, gene: _Gene, clause_start: int) -> bool:
    """A gene named as what a test looks for ("BCR::ABL1 RT-PCR", "FISH (CRLF2, BCR::ABL1,
    ...probes)"), with no result: no finding."""
    text = page.text
    if _TEST_AFTER.match(text, gene.end):
        return True
    opening = text.rfind("(", clause_start, gene.start)
    if opening < 0:
        opening = text.rfind(":", clause_start, gene.start)
    if opening >= 0 and _is_gene_list(text[opening + 1 : gene.start]):
        return _TEST_LIST_BEFORE.search(text, clause_start, opening + 1) is not None
    return False


def _alteration_and_detail(segment: str, gene: _Gene) -> tuple[Alteration | None, str | None, bool]:
    """The alteration kind (an explicit word wins over the fusion a "::" implies), the variant
    as written, and whether the words say an alteration (not just a gene's name) was found."""
    alteration = _alteration_of(segment)
    evidence = alteration is not None or gene.fusion is not None or gene.alteration is not None
    if alteration is None or (gene.alteration is Alteration.FUSION and gene.fusion is None):
        alteration = gene.alteration or alteration
    detail = gene.fusion
    if detail is None:
        variant = _VARIANT.search(segment)
        if variant is not None:
            detail = variant.group(0)
            evidence = True
    return alteration, detail, evidence


_PATHWAY_ALTERED = re.compile(
    r"\s*(?:pathway\s+|signaling\s+)?(?:mutations?|alterations?|lesions?|variants?|activating)",
    re.IGNORECASE,
)


def _alteration_of(words: str) -> Alteration | None:
    for kind, pattern in _ALTERATIONS:
        if pattern.search(words):
            return kind
    if re.search(r"rearranged", words, re.IGNORECASE):
        return Alteration.REARRANGEMENT
    return None


def _mutations(page: PageText) -> Iterator[Mention]:
    text = page.text
    for term in page.matches("onc_gene"):
        match = GENE.match(text, term.start)
        if match is None or _NOT_A_RESULT_AFTER.match(text, match.end()):
            continue
        for gene in _genes(match):
            if gene.gene in FUSION_PARTNERS and gene.fusion is None:
                continue
            mention = _mutation(page, term, gene)
            if mention is not None:
                yield mention


def _detected(
    page: PageText, gene: _Gene, after: re.Match[str] | None, before: re.Match[str] | None
) -> bool | None:
    """True or False for a reported result, None for a pending or unreported one."""
    if after is not None:
        if after.group("pending"):
            return None
        if before is not None and before.group("none"):
            return False  # "No ABL-class fusion was identified"
        return after.group("positive") is not None
    if before is not None:
        if before.group("pending") or before.group("tested"):
            return None
        return before.group("positive") is not None
    return _heading_result(page, gene.start)


def _mutation(page: PageText, term: Term, gene: _Gene) -> Mention | None:
    text = page.text
    clause_start, clause_end = clause_bounds(page, gene.start, gene.end)
    after = _result_after(page, gene, clause_end)
    before = _result_before(page, clause_start, gene.start)
    segment_end = after.start() if after is not None else min(clause_end, gene.end + 60)
    other = _next_gene(page, gene.end, segment_end)
    if other is not None and not (after and _is_gene_list(text[gene.end : other.start()])):
        segment_end = other.start()
    segment = text[gene.end : segment_end]
    alteration, detail, evidence = _alteration_and_detail(segment, gene)
    detected = _detected(page, gene, after, before)
    if detected is None:
        if after is not None or before is not None or gene.gene == "JAK-STAT pathway":
            return None
        # No result written: a finding only when the words name an alteration and nothing
        # says the test is pending or only names what a test looks for.
        if (
            not evidence
            or re.search(_PENDING, text[clause_start:clause_end], re.IGNORECASE)
            or _named_as_test(page, gene, clause_start)
        ):
            return None
        detected = True
    if gene.gene == "JAK-STAT pathway" and not _PATHWAY_ALTERED.match(text, gene.end):
        return None
    if alteration is None and after is not None:
        alteration = _alteration_of(after.group(0))
    if alteration is None and re.search(r"\bFISH\b|karyotype", segment):
        alteration = Alteration.REARRANGEMENT
    value: dict[str, object] = {
        "gene": gene.gene,
        "alteration": (alteration or Alteration.MUTATION).value,
        "detected": detected,
    }
    if detail:
        value["detail"] = re.sub(r"\s+", " ", detail)[:120]
    # A negative result is detected: false, not a negated statement.
    context = clause_context(page, term).model_copy(update={"negated": False})
    end = max(gene.end, after.end() if after is not None else gene.end)
    start = min(gene.start, before.start() if before is not None else gene.start)
    return mention_at(page, "mutation", value, start, end, context, 0.85)
