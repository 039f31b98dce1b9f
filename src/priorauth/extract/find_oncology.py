"""Oncology facts: the regimen ruxolitinib joins, prior lines of systemic therapy,
transplants, CAR T-cell therapy, consultations, and literature submitted for a dose (mutations
and fusions are ``find_mutations``').

These are written in fixed phrases, read with the assertion context ConText gives them, kept
only when the finding's own clause says so (``clauses.clause_context``); transplants add their
own (an "option", "candidate" or "evaluation for" transplant is hypothetical, which ConText's
rules do not all know). Literature counts only when the letter says it is enclosed, attached or
submitted, or supports the dose; a guideline merely named ("recommended by NCCN") is not a
submission.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from priorauth.adjudicate.facts import Context, Intent, TransplantKind
from priorauth.extract.clauses import assertion, clause_context
from priorauth.extract.mentions import Mention, PageText, mention_at
from priorauth.extract.nlp import Term

# --- treatment plan, lines, transplant, CAR T, consultations ---------------------------------

TREATMENT_INTENT = re.compile(
    r"(?P<induction>\b(?<!labor\s)(?<!sputum\s)(?<!ovulation\s)(?:re-?)?induction\s+"
    r"(?:chemo(?:therapy)?|therapy|regimen|phase|block|course|cycle|treatment)s?\b|\b(?:during|with|in|plus|alongside|"
    r"to|into|on|began|begin|started|starting|completed|completing|receiving|"
    r"combined\s+with|combination\s+with)\s+(?:(?:the|an?|his|her|their|standard|"
    r"planned|current|ongoing|COG|[\w-]+-based|\d-drug|four-drug|three-drug)\s+){0,3}"
    r"induction\b(?!\s+of\b))"
    r"|(?P<consolidation>\bconsolidation\s+(?:chemo(?:therapy)?|therapy|regimen|phase|block|"
    r"course|cycles?|treatment)\b|\binduction\s*(?:and|/|or|,|&)\s*consolidation\b|\b(?:during|"
    r"in|into|for|proceed(?:ing)?\s+to|begin(?:ning)?|start(?:ing)?|plus|alongside|with)\s+"
    r"(?:the\s+|an?\s+)?consolidation\b(?!\s+(?:of|in|with\s+air))|\bpost-?consolidation\b)"
    r"|(?P<maintenance>\bmaintenance\s+(?:chemo(?:therapy)?|therapy|phase|regimen|treatment|"
    r"cycles?)\b|\b(?:in|during|into|for)\s+maintenance\b)"
    r"|(?P<palliative>\bpalliative\s+(?:intent|therapy|treatment|chemo(?:therapy)?|systemic|"
    r"setting|goal|approach|regimen|ruxolitinib|Jakafi|purposes?)\b|\b(?:intent|goals?\s+of\s+"
    r"(?:care|therapy|treatment))\s*(?:is|are|was|:|=|-|remains?)?\s*(?:\w+\s+){0,2}?palliative\b"
    r"|\bfor\s+palliation\b|\bpalliative\s*(?:intent)?\s*$)"
    r"|(?P<salvage>\bsalvage\s+(?:chemo(?:therapy)?|therapy|regimen|treatment|setting)\b)",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBER_WORDS = {
    "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_ORDINALS = {
    "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5,
    "5th": 5, "sixth": 6, "6th": 6,
}  # fmt: skip
LINES = re.compile(
    r"\b(?P<count>\d{1,2}|one|single|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?:(?P<prior>prior|previous|preceding|earlier)\s+)?(?:(?:systemic|chemotherapy)\s+)?"
    r"(?:(?P<lines>lines?)(?:\s+of\s+(?P<therapy>(?:systemic\s+|prior\s+)?(?:therapy|therapies|"
    r"treatment|chemo(?:therapy)?|systemic\s+therapy)))?|(?P<regimens>regimens|regimen)|"
    r"(?P<systemic>systemic\s+therap(?:y|ies)))\b"
    r"|\b(?P<ordinal>second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th)[- ]line\b",
    re.IGNORECASE,
)

# An abbreviation or the bare word is a transplant only after words that say so: "HCT" is also
# the haematocrit, "BMT" the transplant service, "transplant" a kidney's.
_TRANSPLANT_LEAD = re.compile(
    r"(?:s/p|status\s+post|post[- ]?|prior|previous|after|underwent|undergo(?:ing|ne)?|"
    r"received|candidate\s+for|eligible\s+for|proceed(?:ing)?\s+(?:to|with)|evaluat\w*\s+for|"
    r"referr\w*\s+for|no|pursu\w*|consider\w*|bridge\s+to|consolidat\w*\s+with|day\s*\+\s*\d+|"
    r"D\+\d+|planned|option\s+of)\s*(?:an?\s+|eventual\s+|further\s+)?$",
    re.IGNORECASE,
)
_TRANSPLANT_FOLLOW = re.compile(
    r"\s*(?:candidate|candidacy|evaluation|eligib\w*|work-?up|referral)\b", re.IGNORECASE
)
_SOLID_ORGAN = re.compile(
    r"\b(?:kidney|renal|liver|hepatic|heart|cardiac|lungs?|pancrea\w*|cornea\w*|islet|hair|"
    r"tendon|fat|skin|organ|face|uterus|intestin\w*|fecal|faecal)\b",
    re.IGNORECASE,
)
_HEME_PAGE = re.compile(
    r"(?i:leuk(?:a)?emia|lymphoma|myeloma|myelofibrosis|myeloproliferative|myelodysplastic|"
    r"graft[- ]versus[- ]host|neoplasm|hematolog|haematolog|marrow|stem[- ]cell|"
    r"hemophagocytic)|"
    r"\b(?:ALL|AML|CML|CLL|CMML|MDS|MPN|PMF|GVHD|DLBCL|NHL|MCL|PTCL|CTCL|HSCT|HLH|CAR[- ]?T)\b"
)
_ONCOLOGY_PAGE = re.compile(
    _HEME_PAGE.pattern + r"|(?i:cancer|carcinoma|malignan\w*|tumou?r|oncolog\w*|chemo\w*|sarcoma)"
)
# Possibility words ConText's rules miss for transplants ("the only potentially curative
# option", "being evaluated for eventual allogeneic transplant").
_TRANSPLANT_MAYBE = re.compile(
    r"\b(?:option|candidate|eligib\w*|evaluat\w*|consider\w*|discuss\w*|referr?al|refer(?:red)?"
    r"\s+for|may|might|would|could|if|plan(?:s|ned|ning)?|future|eventual\w*|potential\w*|"
    r"pursu\w*|proceed\w*|HLA\s+typing|donor\s+search|bridge|work-?up|will|goal|hope\w*|"
    r"intend\w*|recommend\w*)\b",
    re.IGNORECASE,
)
_TRANSPLANT_DONE = re.compile(
    r"\b(?:s/p|status\s+post|post|underwent|received|history\s+of|h/o|hx\s+of|prior|previous|"
    r"day\s*\+\s*\d+|D\+\d+|relapsed?\s+after)\b",
    re.IGNORECASE,
)

CAR_T = re.compile(
    r"(?:(?P<target>CD19|BCMA|CD22|GPRC5D|CD30|CD7)[- ]?(?:directed|targeted|targeting|specific|"
    r"redirected)?\s+|anti-?(?P<target2>CD19|BCMA|CD22|GPRC5D)\s+)?"
    r"(?:CAR[- ]?T(?:[- ]cells?)?(?:\s+(?:cell\s+)?(?:therapy|cells?|products?|infusion))?|"
    r"[Cc]himeric\s+antigen\s+receptor(?:\s+T[- ]cells?)?(?:\s+(?:therapy|cells?))?)"
    r"(?![A-Za-z])",
)
_TARGET_AFTER = re.compile(
    r"\s*(?:\(\s*|,\s*)?(?:targeting|directed\s+(?:at|against|to)|against|anti-?)\s*"
    r"(?P<target>CD19|BCMA|CD22|GPRC5D)\b",
)

_TRANSPLANT_WORD = r"(?i:transplant(?:ation|s)?)"
_SOURCE = (
    r"(?i:(?:hematopoietic|haematopoietic)\s+(?:stem\s+|progenitor\s+)?cell\s+|stem[- ]cell\s+|"
    r"bone\s+marrow\s+|peripheral\s+(?:blood\s+)?stem[- ]cell\s+|(?:umbilical\s+)?cord\s+blood\s+)"
)
_HCT = r"(?:HCT|HSCT|SCT|BMT|PBSCT)"
_DONOR = (
    r"(?:MUD|MRD|(?i:matched[- ](?:un)?related[- ]donor|haplo(?:identical)?|"
    r"(?:umbilical\s+)?cord[- ]blood))"
)
TRANSPLANT = re.compile(
    rf"(?P<allogeneic>\b(?i:allo(?:geneic)?)[- ]?{_SOURCE}?(?:{_TRANSPLANT_WORD}|{_HCT})\b"
    rf"|\b{_DONOR}[- ]?(?:(?i:allo)[- ]?)?(?:{_HCT}|{_SOURCE}?{_TRANSPLANT_WORD})\b)"
    rf"|(?P<autologous>\b(?i:auto(?:logous)?)[- ]?{_SOURCE}?(?:{_TRANSPLANT_WORD}|{_HCT})\b"
    r"|\bASCT\b)"
    rf"|(?P<explicit>\b{_SOURCE}{_TRANSPLANT_WORD}\b)"
    r"|(?P<abbreviated>\b(?:HCT|HSCT|SCT|BMT)\b)"
    rf"|(?P<bare>\b{_TRANSPLANT_WORD}\b)"
)
_TEAM_AFTER = re.compile(
    r"\s*(?:team|service|clinic|program|unit|physicians?|colleagues?|coordinator|consult\w*|"
    r"cent(?:er|re)|department|fellow|attending|specialists?|nurse|office|recipients?|"
    r"(?:&|and)\s+cellular)\b",
    re.IGNORECASE,
)
_SERVICE_BEFORE = re.compile(r"\b(?:by|to|from|with)\s+(?:the\s+|our\s+|an?\s+)?$", re.IGNORECASE)

_SPECIALTIES: tuple[tuple[str, str, str | None], ...] = (
    (
        "hematology/oncology",
        r"hematology\s*(?:/|-|and|&)\s*oncology|heme?\s*/\s*onc|heme?-onc",
        None,
    ),
    ("radiation oncology", r"radiation\s+oncology|rad\s+onc", None),
    ("hematology", r"hematology|haematology|heme", None),
    ("oncology", r"(?:medical\s+)?oncology|onc", None),
    (
        "bone marrow transplant",
        r"bone\s+marrow\s+transplant(?:ation)?|stem\s+cell\s+transplant(?:ation)?",
        r"BMT",
    ),
    (
        "transplant and cellular therapy",
        r"transplant(?:ation)?\s+(?:and|&)\s+cellular\s+therapy|cellular\s+therapy",
        r"TCT",
    ),
    ("dermatology", r"dermatology|derm", None),
    ("cardiology", r"cardiology|cards", None),
    ("critical care", r"critical\s+care|intensivists?", r"M?ICU"),
    ("infectious disease", r"infectious\s+diseases?", r"ID"),
    ("gastroenterology", r"gastroenterology", r"GI"),
    ("rheumatology", r"rheumatology|rheum", None),
    ("neurology", r"neurology|neuro", None),
    ("nephrology", r"nephrology", None),
    ("pulmonology", r"pulmonology|pulmonary|pulm", None),
    ("allergy/immunology", r"allergy\s*(?:/|and|&)\s*immunology|allergy|immunology", None),
    ("palliative care", r"palliative\s+care", None),
    ("endocrinology", r"endocrinology|endo", None),
    ("ophthalmology", r"ophthalmology|ophtho", None),
    ("psychiatry", r"psychiatry|psych", None),
    ("neurosurgery", r"neurosurgery", None),
    ("otolaryngology", r"otolaryngology", r"ENT"),
    ("urology", r"urology", None),
    ("hepatology", r"hepatology", None),
)
_SPECIALTY_FORMS = tuple(
    (name, re.compile(r"(?i:" + words + r")" + (r"|" + abbreviations if abbreviations else "")))
    for name, words, abbreviations in _SPECIALTIES
)
_SPECIALTY = (
    r"(?<![A-Za-z/])(?:"
    + "|".join(
        r"(?i:" + words + r")" + (r"|" + abbreviations if abbreviations else "")
        for _name, words, abbreviations in _SPECIALTIES
    )
    + r")(?![A-Za-z/])"
)
CONSULTATION = re.compile(
    r"(?i:(?:seen|evaluated|followed|assessed|examined|managed|consulted)\s+(?:\w+\s+){0,2}?by|"
    r"(?:consult(?:ation|ed|s)?|referr(?:al|ed)|refer)\s+(?:\w+\s+){0,2}?(?:to|with|from|by)|"
    r"(?:per|appreciate[ds]?))\s+(?i:(?:the|our|an?|outside)\s+)?(?P<led>" + _SPECIALTY + r")"
    r"|(?P<named>" + _SPECIALTY + r")(?i:\s+(?:team|service|clinic|fellow|attending)\b)?"
    r"(?:\s*\((?:Dr\.?\s+)?[^()\n]{1,40}\))?(?i:\s+(?:consult(?:ation|ed|s)?\b|was\s+consulted|"
    r"has\s+been\s+consulted|(?:is\s+)?following\b|saw\s+(?:him|her|the\s+patient|pt)\b|"
    r"evaluated\s+(?:him|her|the\s+patient|pt)\b|recs\b|recommendations\b|on\s+board\b|"
    r"signed\s+off\b|referral\b))"
)
# "per renal dosing" is not a consultation; a "per" lead-in needs a consulting word or the end
# of the clause after the specialty.
_PER_TAIL = re.compile(r"\s+(?i:recs|recommendations|team|input|consult\w*)|[ \t]*(?:[,.;)\n]|$)")

_CITATION_CORE = re.compile(
    r"(?P<year>(?:19|20)\d{2})(?:\s+(?:[A-Z][a-z]{2,8})(?:\s+\d{1,2})?)?\s*;\s*(?P<volume>\d{1,4})"
    r"(?:\s*\([^)\n]{1,20}\))?\s*:\s*(?P<pages>[eE]?\d+(?:\s*[-–]\s*[eE]?\d+)?)"
)
_AUTHORS = re.compile(
    r"(?:(?:(?:von|van|de|der|den|del|da|di|le|la)\s+)?[A-Z][A-Za-z'’-]+(?:[ -][A-Z][A-Za-z'’-]+)?"
    r"\s[A-Z]{1,3}(?:,\s*|\.\s*|\s+(?=et\b)))+(?:et\s+al\.?)?"
)
_SUBMITTED = re.compile(
    r"enclos\w*|attach\w*|submitt?\w*|(?:is|are|been)\s+included|cop(?:y|ies)\s+of|"
    r"provided\s+(?:herewith|with)|(?:support|justif)\w*[^.;]{0,60}\bdos(?:e|ing)|"
    r"\bdos(?:e|ing)\b[^.;]{0,60}(?:support|justif)\w*",
    re.IGNORECASE,
)
_REFERENCE_LIST = re.compile(
    r"\breferences?\s*:|\bliterature\b|\bcit(?:ed|ing|ation)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"\n\s*(?:\d+[.)]|[-•*])\s|\n\s*\n")
NCCN = re.compile(r"\bNCCN\b")
_NCCN_VERSION = re.compile(r"\b[Vv](?:ersion|\.)?\s*\d{1,2}\.\d{4}\b")


PATTERNS = {
    "onc_treatment_intent": TREATMENT_INTENT,
    "onc_lines": LINES,
    "onc_transplant": TRANSPLANT,
    "onc_car_t": CAR_T,
    "onc_consultation": CONSULTATION,
}


def find(page: PageText) -> Iterator[Mention]:
    oncology = _ONCOLOGY_PAGE.search(page.text) is not None
    if oncology:
        yield from _treatment_plans(page)
        yield from _lines(page)
    yield from _transplants(page)
    yield from _cell_therapies(page)
    yield from _consultations(page)
    yield from _literature(page)


# --- shared with find_mutations --------------------------------------------------------------


_CLAUSE_BREAK = re.compile(
    r"[.;](?=\s|$)|\n\s*\n|\n\s*(?:[-•*#]\s|\d+[.)]\s)|\bbut\b|\bhowever\b|\bwhereas\b",
    re.IGNORECASE,
)


def clause_bounds(page: PageText, start: int, end: int) -> tuple[int, int]:
    """The clause around ``start:end``: between sentence ends, semicolons, blank lines and list
    items, whatever the lines are (wrapped lines often start with a gene: "No BCR::ABL1,\\n
    PDGFRA, PDGFRB or FGFR1 rearrangement")."""
    text = page.text
    left_limit = max(0, start - 300)
    left = left_limit
    for found in _CLAUSE_BREAK.finditer(text, left_limit, start):
        left = found.end()
    stop = _CLAUSE_BREAK.search(text, end, min(len(text), end + 300))
    right = stop.start() if stop else min(len(text), end + 300)
    return left, right


# --- treatment plan and lines ----------------------------------------------------------------


def _treatment_plans(page: PageText) -> Iterator[Mention]:
    for term in page.matches("onc_treatment_intent"):
        match = TREATMENT_INTENT.match(page.text, term.start)
        if match is None:
            continue
        intent = next(i for i in Intent if i.value in match.groupdict() and match.group(i.value))
        sentence = page.sentence(term.start, term.end)
        if re.search(r"an(?:a)?esthe|\blungs?\b|\blobe|airspace|opacit", sentence.text, re.I):
            continue
        value: dict[str, object] = {"intent": intent.value}
        combined = _combined_with(page, sentence.start_char, sentence.end_char)
        regimen = _REGIMEN_AFTER.match(page.text, match.end())
        if regimen is not None:
            combined += [
                t.key
                for t in page.terms_of("drug")
                if regimen.start() <= t.start < regimen.end() and t.key not in combined
            ]
        if combined:
            value["combined_with"] = combined
        yield mention_at(
            page, "treatment_plan", value, term.start, term.end, clause_context(page, term)
        )


_REGIMEN_AFTER = re.compile(r"\s*\([^()]{3,200}\)")
_COMBINATION = re.compile(
    r"\b(?:combination|combined|plus|with|alongside|added\s+to|together|along)\b", re.I
)


def _combined_with(page: PageText, start: int, end: int) -> list[str]:
    """Agents named in the sentence with ruxolitinib, when the sentence says it combines them."""
    drugs = [t for t in page.terms_of("drug") if start <= t.start and t.end <= end]
    if not any(t.key == "ruxolitinib" for t in drugs) and not _COMBINATION.search(
        page.text[start:end]
    ):
        return []
    agents: list[str] = []
    for drug in drugs:
        if drug.key != "ruxolitinib" and drug.key not in agents and not drug.context.negated:
            agents.append(drug.key)
    return agents


def _lines(page: PageText) -> Iterator[Mention]:
    for term in page.matches("onc_lines"):
        match = LINES.match(page.text, term.start)
        if match is None:
            continue
        if match.group("ordinal"):
            if re.match(r"\s*(?:per|according|option|agents?|drugs?)\b", page.text[term.end :]):
                continue  # "second-line per label": where a drug stands, not this history
            count = _ORDINALS[match.group("ordinal").lower()] - 1
        else:
            prior = match.group("prior") is not None
            lines_of_therapy = match.group("lines") is not None and match.group("therapy")
            if not (prior or lines_of_therapy) or (
                match.group("regimens") is None
                and match.group("lines") is None
                and match.group("systemic") is None
            ):
                continue
            raw = match.group("count").lower()
            count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        if re.search(r"\btopical\b", page.text[term.start : term.end + 20], re.I):
            continue
        yield mention_at(
            page,
            "systemic_therapy_lines",
            {"count": count},
            term.start,
            term.end,
            clause_context(page, term),
        )


# --- transplant ------------------------------------------------------------------------------


def _transplants(page: PageText) -> Iterator[Mention]:
    text = page.text
    heme = _HEME_PAGE.search(text) is not None
    for term in page.matches("onc_transplant"):
        match = TRANSPLANT.match(text, term.start)
        if match is None or _TEAM_AFTER.match(text, match.end()):
            continue
        before = text[max(0, term.start - 40) : term.start]
        if match.group("allogeneic"):
            kind = TransplantKind.ALLOGENEIC
        elif match.group("autologous"):
            kind = TransplantKind.AUTOLOGOUS
        else:
            kind = TransplantKind.UNSPECIFIED
            if _SERVICE_BEFORE.search(before):
                continue  # "referred to bone marrow transplant": a service
            said = _TRANSPLANT_LEAD.search(before) or _TRANSPLANT_FOLLOW.match(text, match.end())
            if (match.group("abbreviated") or match.group("bare")) and not (heme and said):
                continue
            sentence = page.sentence(term.start, term.end).text
            if match.group("bare") and _SOLID_ORGAN.search(sentence):
                continue
        context = _transplant_context(page, term)
        yield mention_at(
            page, "transplant", {"kind": kind.value}, term.start, term.end, context, 0.85
        )


def _transplant_context(page: PageText, term: Term) -> Context:
    context = clause_context(page, term)
    if context.negated:
        # "not a candidate for allo-HCT" says no transplant, not a possible one.
        return context.model_copy(update={"hypothetical": False})
    if context.hypothetical or context.family:
        return context
    start, end = clause_bounds(page, term.start, term.end)
    clause = page.text[start:end]
    done = _TRANSPLANT_DONE.search(page.text[start : term.start]) or re.match(
        r"\s*\(\s*(?:19|20)\d{2}", page.text[term.end : term.end + 12]
    )
    if done is None and _TRANSPLANT_MAYBE.search(clause):
        return context.model_copy(update={"hypothetical": True})
    return context


# --- CAR T -----------------------------------------------------------------------------------


def _cell_therapies(page: PageText) -> Iterator[Mention]:
    targets = {
        form.agent: form.car_t_target
        for form in page.lexicon.drugs.values()
        if form.car_t_target is not None
    }
    found: list[Mention] = []
    for term in page.terms_of("drug"):
        target = targets.get(term.key)
        if target is not None:
            found.append(
                mention_at(
                    page,
                    "cell_therapy",
                    {"therapy": "car_t", "target": target},
                    term.start,
                    term.end,
                    clause_context(page, term),
                    0.9,
                )
            )
    for term in page.matches("onc_car_t"):
        match = CAR_T.match(page.text, term.start)
        if match is None:
            continue
        named = match.group("target") or match.group("target2")
        if named is None:
            after = _TARGET_AFTER.match(page.text, match.end())
            named = after.group("target") if after else None
        value: dict[str, object] = {"therapy": "car_t"}
        if named is not None:
            value["target"] = named.lower()
        found.append(
            mention_at(
                page, "cell_therapy", value, term.start, term.end, clause_context(page, term), 0.8
            )
        )
    # "post CAR T" beside "axi-cel (CD19 CAR T)" on the same page is the same therapy.
    targeted = {assertion(m.context) for m in found if m.value.get("target") is not None}
    for mention in found:
        if mention.value.get("target") is None and assertion(mention.context) in targeted:
            continue
        yield mention


# --- consultations ---------------------------------------------------------------------------


def _specialty(raw: str) -> str | None:
    compact = re.sub(r"\s+", " ", raw.strip())
    for name, form in _SPECIALTY_FORMS:
        if form.fullmatch(compact):
            return name
    return None


# A referral still to be made is a planned consultation, not one that took place.
_REFERRAL_TO_COME = re.compile(
    r"\b(?:referral\s+to|refer\s+to|will\s+(?:refer|consult)|to\s+be\s+(?:seen|referred)|"
    r"recommend\w*\s+(?:referral|consult\w*)|consider\w*\s+(?:referral|consult\w*))\b",
    re.IGNORECASE,
)


def _consultations(page: PageText) -> Iterator[Mention]:
    for term in page.matches("onc_consultation"):
        match = CONSULTATION.match(page.text, term.start)
        if match is None:
            continue
        group = "led" if match.group("led") else "named"
        lead = page.text[term.start : match.start(group)].lower()
        if (
            group == "led"
            and lead.startswith(("per", "appreciate"))
            and not _PER_TAIL.match(page.text, match.end(group))
        ):
            continue
        specialty = _specialty(match.group(group))
        if specialty is None:
            continue
        context = clause_context(page, term)
        planned = _REFERRAL_TO_COME.search(page.text[max(0, term.start - 30) : term.end])
        if planned is not None and not context.negated:
            context = context.model_copy(update={"hypothetical": True})
        yield mention_at(
            page, "consultation", {"specialty": specialty}, term.start, term.end, context, 0.8
        )


# --- literature ------------------------------------------------------------------------------


def _journal_start(text: str, year_start: int) -> int:
    """Where the journal's abbreviated name begins, walking back from the year: capitalised
    words, the first of them (the nearest the year) alone allowed to end in a full stop."""
    position = year_start
    words = list(re.finditer(r"\S+", text[max(0, year_start - 80) : year_start]))
    offset = max(0, year_start - 80)
    for index, word in enumerate(reversed(words)):
        token = word.group(0)
        if not token[:1].isupper() and token not in ("&", "of", "and"):
            break
        if index > 0 and token.endswith("."):
            break
        position = offset + word.start()
    return position


def _literature(page: PageText) -> Iterator[Mention]:
    text = page.text
    for core in _CITATION_CORE.finditer(text):
        journal = _journal_start(text, core.start())
        if journal == core.start():
            continue  # "2020;12:3" with no journal before it is no reference
        window_start = max(0, journal - 400)
        authors = None
        for found in _AUTHORS.finditer(text, window_start, journal):
            authors = found
        if authors is not None and _LIST_ITEM.search(text, authors.end(), journal):
            authors = None  # the authors of the reference before this one
        start = authors.start() if authors is not None else journal
        cue_window = text[max(0, start - 400) : min(len(text), core.end() + 80)]
        if not (_SUBMITTED.search(cue_window) or _REFERENCE_LIST.search(cue_window)):
            continue
        parts = [authors.group(0).strip()] if authors is not None else []
        parts.append(text[journal : core.end()].strip())
        citation = re.sub(r"\s+", " ", " ".join(parts)).strip(" .")
        yield mention_at(
            page,
            "dose_literature",
            {"citation": citation[:500]},
            start,
            core.end(),
            Context(),
            0.8,
        )
    for found in NCCN.finditer(text):
        _clause_start, clause_end = clause_bounds(page, found.start(), found.end())
        window = text[max(0, found.start() - 400) : clause_end]
        if not _SUBMITTED.search(window):
            continue
        end = min(clause_end, found.start() + 160)
        version = _NCCN_VERSION.search(text, found.start(), end)
        if version is not None:
            end = version.end()
        citation = re.sub(r"\s+", " ", text[found.start() : end]).strip(" .,;:(")
        yield mention_at(
            page, "dose_literature", {"citation": citation}, found.start(), end, Context(), 0.75
        )
