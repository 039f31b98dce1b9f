"""Diagnoses: the policy's conditions as the chart names them, with subtype, risk and ICD-10.

The condition and subtype terms come from the pipeline (the policy's ``synonyms`` and
``subtype_synonyms``). A subtype is read from a subtype term inside the condition's words
("post-PV MF", "NSV"), just before them ("nonsegmental vitiligo", "Chronic GVHD", "generalized
(nonsegmental) vitiligo") or just after ("vitiligo, nonsegmental (generalized)"); a risk from
"high-risk PV", "PV, high risk", "DIPSS intermediate-2"; an ICD-10 code from the code written
beside the words ("(L80)", "(ICD-10 D75.81)", "myelofibrosis, D47.4").

Short forms are where unrelated notes go wrong: "ET tube", "ad lib", "et al.", "AD" for the
right ear, "CRS" for chronic rhinosinusitis. A short form counts only written in capitals, and
the ambiguous ones ("PV", "ET", "AD", "CRS", "PMF", "MF") only where the page says it is a
diagnosis: the page also names the condition in full, or the form stands in a diagnosis,
assessment, plan or problem-list section or on a line with "dx", "diagnosis", "history of" or
an ICD-10 code, and nothing on the page points to the word's other sense.

Statements about a drug's label ("FDA-approved for nonsegmental vitiligo") are not the
member's diagnosis and make no mention. Negated, family and hypothetical statements are kept
with their context; a differential ("CMML vs MDS/MPN", "suspected", "rule out") is marked
hypothetical, as the annotation conventions name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from priorauth.adjudicate.facts import Context
from priorauth.extract.mentions import MAX_QUOTE, Mention, PageText, quote_span
from priorauth.extract.nlp import Term

# "MF" is not among the policy's synonyms (only "post-PV MF", "post-ET MF"), and it also
# abbreviates mycosis fungoides; it is read only where the page names one of them in full.
MF = re.compile(r"(?<![\w/-])MF(?![\w/-])")
PATTERNS = {"diagnosis_mf": MF}

_AMBIGUOUS = frozenset({"PV", "ET", "AD", "CRS", "PMF", "MF"})
_MF_SENSES = {
    "myelofibrosis": re.compile(r"myelofibrosis", re.IGNORECASE),
    "t_cell_lymphoma": re.compile(r"mycosis\s+fungoides", re.IGNORECASE),
}
_IMPLIED_SUBTYPE = {"pmf": "primary"}
"""Short forms that carry a subtype the lexicon does not list as a subtype synonym."""

_FULL_NAMES: dict[int, dict[str, re.Pattern[str]]] = {}
_DIAGNOSTIC_SECTIONS = frozenset(
    {"diagnoses", "assessment", "plan", "past_medical_history", "family_history"}
)
_ICD_CODE = r"[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_ICD_LABEL = r"ICD[- ]?10(?:-CM)?(?:\s*code)?\s*[:#]?\s*"
_DIAGNOSTIC_LINE = re.compile(
    r"\b(?:dx|dx'd|diagnos\w*|hx\s+of|h/o|history\s+of|ICD)\b"
    r"|\b(?:y/?o|yo|year[- ]old)\s+(?:[MF]|male|female|man|woman|boy|girl)\s+(?:w/|with)\s"
    r"|\(" + _ICD_CODE + r"\)|\b[A-TV-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}\b",
    re.IGNORECASE,
)
# What the short form means instead, on its line (first) or anywhere on the page (second).
_OTHER_SENSE_LINE = {
    "ET": re.compile(
        r"^\s*(?:tube|tt\b|co2|cuff|suction|secretions?)|endotrache|intubat|extubat"
        r"|\bET\s+al\b",
        re.IGNORECASE,
    ),
    "AD": re.compile(
        r"^\s*lib\b|\bear\b|tympan|\bauris\b|\botic\b|hearing|\bA[SU]\b", re.IGNORECASE
    ),
    "PV": re.compile(
        r"^\s*(?:bleed\w*|spotting|discharge|loss|exam\w*|leak\w*|stenosis|isolation)"
        r"|vagin|pulmonary\s+vein|portal\s+vein|ablation|\bPVI\b|paravalv",
        re.IGNORECASE,
    ),
    "CRS": re.compile(
        r"rhinosinus|sinusitis|nasal\s+polyp|polyposis|\bFESS\b|sinus\s+(?:surgery|CT|disease)",
        re.IGNORECASE,
    ),
    "PMF": re.compile(r"pneumoconiosis|silicosis|coal", re.IGNORECASE),
    # "MF-2 reticulin fibrosis", "grade MF 3": the marrow fibrosis grade.
    "MF": re.compile(r"^\s*(?:-?\s*\d|grade)|grade\s+MF\b", re.IGNORECASE),
}
_OTHER_SENSE_PAGE = {
    "ET": re.compile(r"endotracheal|intubat|ventilator|tremor", re.IGNORECASE),
    "AD": re.compile(r"alzheimer|dementia|tympanic|otitis", re.IGNORECASE),
    "PV": re.compile(r"vaginal|pulmonary\s+vein|portal\s+vein", re.IGNORECASE),
    "CRS": re.compile(
        r"rhinosinusitis|sinusitis|nasal\s+polyp|sinus\s+surgery|\bFESS\b", re.IGNORECASE
    ),
    "PMF": re.compile(r"pneumoconiosis|silicosis", re.IGNORECASE),
}
_LABEL_STATEMENT = re.compile(
    r"\b(?:approved|indicated|labell?ed|licensed)\b[^.;:]{0,40}?\b(?:for|in)\b[^.;]*$",
    re.IGNORECASE,
)
# "GVHD prophylaxis" is about preventing it: neither a diagnosis nor its absence.
_PREVENTION_AFTER = re.compile(r"\s*(?:prophylaxis|ppx|prevention|risk\b)", re.IGNORECASE)
_CITATION = re.compile(
    r"\bet\s+al\b|\bdoi\b|\bPMID\b|\b(?:19|20)\d\d\s*;\s*\d+\s*[(:]", re.IGNORECASE
)
_ECZEMA_OTHER = re.compile(
    r"(?:dyshidrotic|nummular|asteatotic|stasis|venous|seborrh\w*|contact|irritant|xerotic"
    r"|hand|hands|foot|feet)"
    r"\s+$",
    re.IGNORECASE,
)
_ECZEMA_AFTER = re.compile(r"^\s*(?:herpeticum|craquel)", re.IGNORECASE)

_BEFORE_GAP = re.compile(
    r"[\s,()/-]*(?:(?:and|or|&|grade|stage|severe|moderate|mild|extensive|limited|classic"
    r"|overlap|late|steroid[- ]?(?:refractory|resistant|dependent)|refractory|relapsed|skin"
    r"|cutaneous|gut|GI|liver|hepatic|ocular|oral|lung|active|stable|progressive"
    r"|biopsy[- ]proven|[IVX]{1,4}|[0-4])\b[\s,()/-]*){0,5}",
    re.IGNORECASE,
)
_AFTER_GAP = re.compile(r"\s*[,(:-]\s*\(?\s*")
_AFTER_SUBTYPE_END = re.compile(
    r"[ \t]*(?:$|\n|[,.;:()]|-\s|(?:type|variant|form)\b)", re.IGNORECASE
)

_LEVEL = r"(?P<level>very[- ]high|high|int(?:ermediate)?(?:[- ]?(?:1|2|II|I))?|low)"
_SCORE = r"(?:DIPSS(?:[- ]?plus)?|MIPSS70(?:[- ]?plus)?(?:\s*v2(?:\.0)?)?|MYSEC[- ]PM|IPSS(?:-R)?)"
_RISK_BEFORE = re.compile(r"\b" + _LEVEL + r"[- ]risk[\s,]*$", re.IGNORECASE)
_RISK_AFTER = re.compile(
    r"\b" + _LEVEL + r"[- ]risk\b(?!\s+(?:of|for)\b)"
    r"|\b"
    + _SCORE
    + r"\s*(?:risk\s*)?(?:score\s*)?(?:[:=]?\s*\d+\s*[,(:=-]?\s*)?"
    + _LEVEL.replace("level", "level2")
    + r"\b"
    r"|\brisk(?:\s+(?:category|group|level))?\s*[:=]\s*(?:"
    + _SCORE
    + r"\s*)?"
    + _LEVEL.replace("level", "level3")
    + r"\b"
    # DIPSS's "intermediate-2" names a risk category without the word "risk".
    r"|\b(?P<level4>int(?:ermediate)?[- ]?(?:1|2|II|I))\b",
    re.IGNORECASE,
)
_SCORED_RISK = re.compile(
    r"\b" + _SCORE + r"\s*(?:risk\s*)?(?:score\s*)?(?:[:=]?\s*\d+\s*[,(:=-]?\s*)?" + _LEVEL + r"\b",
    re.IGNORECASE,
)
_ICD_AFTER = re.compile(
    r"^[\s,:;\u2013-]*\(?\s*(?:" + _ICD_LABEL + r")?(?P<code>" + _ICD_CODE + r")"
    r"(?=\s*(?:$|[),;.\]]|\s{2,}))"
)
_ICD_LATER = re.compile(
    r"\(\s*(?:" + _ICD_LABEL + r")?(?P<code>" + _ICD_CODE + r")\s*\)"
    r"|" + _ICD_LABEL.replace("ICD", r"\bICD") + r"(?P<code2>" + _ICD_CODE + r")\b"
)
_ICD_BEFORE = re.compile(
    r"^\s*(?:\d+[.)]\s*)?(?:" + _ICD_LABEL + r")?(?P<code>" + _ICD_CODE + r")\s*[-\u2013:]?\s*$"
)

_DIFFERENTIAL_BEFORE = re.compile(
    r"\b(?:suspected|suspect|suspicious\s+for|suspicion\s+(?:of|for)|concern(?:ing)?\s+for"
    r"|possible|possibly|probable|presumed|presumptive|likely|questionable|query|r/o"
    r"|rule[- ]out|ddx|differential(?:\s+diagnosis)?|working\s+(?:dx|diagnosis)"
    r"|evaluat(?:e|ion)\s+for|work[- ]?up\s+(?:for|of)|(?<!-)versus|vs\.?)(?![\w])[^.;]{0,50}$",
    re.IGNORECASE,
)
_DIFFERENTIAL_AFTER = re.compile(
    r"^[^.;]{0,40}?(?:\bvs\b|(?<!-)\bversus\b|\bsuspected\b|to\s+be\s+confirmed|not\s+yet\s+confirmed"
    r"|pending\s+confirmation|\(\?\)|\?)",
    re.IGNORECASE,
)
_COLON_NO_PHRASE = re.compile(r"[^.;]*?:\s*(?:no|none)\s+[a-z]", re.IGNORECASE)
_NEGATION_WORD = re.compile(
    r"\b(?:no|not|denies|denied|without|negative|never|absence|absent)\b", re.IGNORECASE
)
_NEGATED_AFTER = re.compile(
    r"^[\s\w/-]{0,25}?\b(?:(?:criteria\s+)?(?:were\s+|was\s+)?not\s+met|ruled\s+out"
    r"|(?:was\s+|has\s+been\s+)?excluded)\b",
    re.IGNORECASE,
)


def evidence_span(page: PageText, start: int, end: int) -> tuple[int, int]:
    """The line holding ``start:end`` when its sentence is within it (a template line, "1.
    Post-PV MF" with its number), else the sentence, else a window of the line around it."""
    sentence = page.sentence(start, end)
    left, right = sentence.start_char, sentence.end_char
    line_start, line_end = page.line(start)
    within_line = line_start <= left and right <= line_end and line_end - line_start <= MAX_QUOTE
    unusable = right - left > MAX_QUOTE or not (left <= start and end <= right)
    if within_line or unusable:
        left, right = line_start, line_end
    if right - left > MAX_QUOTE:
        left = max(left, start - 80)
        right = min(right, max(end, left + MAX_QUOTE - 40))
        while 0 < left < start and not page.text[left - 1].isspace():
            left += 1
    return quote_span(page.text, left, right)


def _is_short(text: str) -> bool:
    return " " not in text and len(re.sub(r"[^A-Za-z0-9]", "", text)) <= 5


def _written_as_abbreviation(text: str) -> bool:
    """Written in capitals ("PV", "aGVHD", "MLN-eo"): "pv", "et", "ad" are ordinary words."""
    upper = sum(c.isupper() for c in text)
    lower = sum(c.islower() for c in text)
    return upper >= 2 and upper >= lower


def _sentence_bounds(page: PageText, start: int, end: int) -> tuple[int, int]:
    sentence = page.sentence(start, end)
    return sentence.start_char, sentence.end_char


def _diagnostic_place(page: PageText, term: Term) -> bool:
    if term.section in _DIAGNOSTIC_SECTIONS:
        return True
    # The sentence within the line: a transcription may hold a whole note on one line.
    line_start, line_end = page.line(term.start)
    left, right = _sentence_bounds(page, term.start, term.end)
    line = page.text[max(line_start, left) : min(line_end, right)]
    # An all-capitals line ("AD LIB", "ET AL") says nothing by its case; only a code does.
    if not any(c.islower() for c in line):
        return bool(re.search(r"\(" + _ICD_CODE + r"\)|ICD", line))
    return bool(_DIAGNOSTIC_LINE.search(line))


def _full_names(page: PageText) -> dict[str, re.Pattern[str]]:
    """Per condition, its long forms with any run of spaces or line breaks between words
    (the phrase matcher misses "polycythemia" and "vera" on two lines)."""
    key = id(page.lexicon)
    if key not in _FULL_NAMES:
        _FULL_NAMES[key] = {
            condition: re.compile(
                "|".join(
                    r"(?<![\w-])" + r"\s+".join(map(re.escape, form.split())) + r"(?![\w-])"
                    for form in forms
                    if not _is_short(form)
                ),
                re.IGNORECASE,
            )
            for condition, forms in page.lexicon.conditions.items()
            if any(not _is_short(form) for form in forms)
        }
    return _FULL_NAMES[key]


def _short_form_accepted(page: PageText, term: Term, full_named: set[str]) -> bool:
    form = term.text.upper()
    line_start, line_end = page.line(term.start)
    after = page.text[term.end : line_end]
    line = page.text[line_start:line_end]
    other_line = _OTHER_SENSE_LINE.get(form)
    if other_line is not None and (other_line.search(after) or other_line.search(line)):
        return False
    if term.key in full_named:
        return True
    other_page = _OTHER_SENSE_PAGE.get(form)
    if other_page is not None and other_page.search(page.text):
        return False
    return _diagnostic_place(page, term)


def _subtype_terms(page: PageText, term: Term, subtypes: list[Term]) -> list[Term]:
    mine = [s for s in subtypes if s.key.partition(":")[0] == term.key]
    # "segmental" inside "non-segmental" is not a second subtype.
    mine = [
        s
        for s in mine
        if not any(
            o is not s
            and o.start <= s.start
            and s.end <= o.end
            and o.end - o.start > s.end - s.start
            for o in mine
        )
    ]
    left, right = _sentence_bounds(page, term.start, term.end)
    chosen = [s for s in mine if term.start <= s.start and s.end <= term.end]
    edge = term.start
    for subtype in sorted((s for s in mine if s.end <= edge), key=lambda s: -s.start):
        if subtype.start < left or not _BEFORE_GAP.fullmatch(page.text[subtype.end : edge]):
            break
        chosen.append(subtype)
        edge = subtype.start
    if not chosen:
        later = [s for s in mine if s.start >= term.end and s.end <= right]
        if later:
            first = min(later, key=lambda s: s.start)
            if _AFTER_GAP.fullmatch(page.text[term.end : first.start]) and _AFTER_SUBTYPE_END.match(
                page.text, first.end
            ):
                chosen.append(first)
    return chosen


def _risk(page: PageText, start: int, end: int, stop: int) -> str | None:
    left, right = _sentence_bounds(page, start, end)
    before = _RISK_BEFORE.search(page.text[max(left, start - 40) : start])
    found = before or _RISK_AFTER.search(page.text[end : min(right, stop)])
    if found is None:
        # A score's category on its own a line or two below ("DIPSS-plus intermediate-2.")
        # belongs to the diagnosis above it: the scores are the myeloid neoplasms' own.
        found = _SCORED_RISK.search(page.text[end : min(stop, end + 200)])
    if found is None:
        return None
    groups = found.groupdict()
    names = ("level", "level2", "level3", "level4")
    level = next(groups[n] for n in names if groups.get(n)).lower()
    if level.startswith("int"):
        return "intermediate"
    if level.endswith("high"):
        return "high"
    return "low"


def _icd10(page: PageText, start: int, end: int, stop: int) -> str | None:
    line_start, line_end = page.line(start)
    after = page.text[end : min(line_end, stop)]
    found = _ICD_AFTER.match(after)
    if found is not None:
        return found.group("code")
    later = _ICD_LATER.search(after)
    if later is not None:
        return later.group("code") or later.group("code2")
    before = _ICD_BEFORE.match(page.text[line_start:start])
    return before.group("code") if before is not None else None


def _colon_no_only(before: str, after: str) -> bool:
    """medspaCy reads ": no" backwards, as in "Fever: no"; "Vitiligo: no new lesions" does
    not deny the vitiligo. True when that is the only negation the sentence has."""
    return bool(_COLON_NO_PHRASE.match(after)) and not _NEGATION_WORD.search(before)


def _context(page: PageText, term: Term, start: int, end: int) -> Context:
    left, right = _sentence_bounds(page, start, end)
    before = page.text[left:start]
    after = page.text[end:right]
    negated = (term.context.negated and not _colon_no_only(before, after)) or bool(
        _NEGATED_AFTER.match(after)
    )
    considered = (
        term.context.uncertain
        or term.context.hypothetical
        or bool(_DIFFERENTIAL_BEFORE.search(before[-60:]))
        or bool(_DIFFERENTIAL_AFTER.match(after))
    )
    return term.context.model_copy(update={"negated": negated, "hypothetical": considered})


def _citation(page: PageText, term: Term) -> bool:
    """A reference's title: "et al." ends a sentence, so look back over the paragraph."""
    _line_start, line_end = page.line(term.start)
    before = page.text[max(0, term.start - 150) : term.start].rsplit("\n\n", 1)[-1]
    return bool(_CITATION.search(before + page.text[term.start : line_end]))


def _not_the_members(page: PageText, term: Term) -> bool:
    """A drug label's or a paper's statement, or another skin disease called eczema."""
    left, right = _sentence_bounds(page, term.start, term.end)
    before = page.text[left : term.start]
    if _LABEL_STATEMENT.search(before) or _citation(page, term):
        return True
    if _PREVENTION_AFTER.match(page.text[term.end : right]):
        return True
    if term.text.lower() == "eczema":
        return bool(
            _ECZEMA_OTHER.search(before[-30:]) or _ECZEMA_AFTER.match(page.text[term.end : right])
        )
    return False


def _restated(page: PageText, term: Term, earlier: list[Term]) -> bool:
    """In "Acute graft-versus-host disease (GVHD)" the bracketed short form restates it."""
    return any(
        other.key == term.key and re.fullmatch(r"\s*\(\s*", page.text[other.end : term.start])
        for other in earlier[-2:]
    )


def _mf_terms(page: PageText, conditions: list[Term]) -> Iterator[Term]:
    """The written "MF" as a condition term of the sense the page names in full."""
    senses = [key for key, pattern in _MF_SENSES.items() if pattern.search(page.text)]
    if len(senses) != 1:
        return
    for match in page.matches("diagnosis_mf"):
        if any(c.start <= match.start < c.end for c in conditions):
            continue  # part of "post-PV MF", already a condition term
        yield Term(
            kind="condition",
            key=senses[0],
            start=match.start,
            end=match.end,
            text=match.text,
            context=match.context,
            section=match.section,
        )


def find(page: PageText) -> Iterator[Mention]:
    conditions = list(page.terms_of("condition"))
    subtypes = list(page.terms_of("subtype"))
    full_named = {key for key, names in _full_names(page).items() if names.search(page.text)}
    candidates = sorted([*conditions, *_mf_terms(page, conditions)], key=lambda t: t.start)
    for index, term in enumerate(candidates):
        short = _is_short(term.text)
        if short and not _written_as_abbreviation(term.text):
            continue
        if term.text.upper() in _AMBIGUOUS and not _short_form_accepted(page, term, full_named):
            continue
        if _not_the_members(page, term) or _restated(page, term, candidates[:index]):
            continue
        chosen = _subtype_terms(page, term, subtypes)
        start = min([term.start, *(s.start for s in chosen)])
        end = max([term.end, *(s.end for s in chosen)])
        following = [c.start for c in candidates[index + 1 :] if c.start >= end]
        stop = following[0] if following else len(page.text)
        names: list[str | None] = [*sorted({s.key.partition(":")[2] for s in chosen})]
        if not names:
            names = [_IMPLIED_SUBTYPE.get(term.text.lower())]
        value: dict[str, str] = {"condition": term.key}
        risk = _risk(page, start, end, stop)
        if risk is not None:
            value["risk"] = risk
        code = _icd10(page, start, end, stop)
        if code is not None:
            value["icd10"] = code
        quote_start, quote_end = evidence_span(page, start, end)
        context = _context(page, term, start, end)
        for subtype in names:
            yield Mention(
                name="diagnosis",
                value=value if subtype is None else {**value, "subtype": subtype},
                start=quote_start,
                end=quote_end,
                context=context,
                date=page.date,
                confidence=0.75 if short else 0.9,
            )
