"""Skin findings for the dermatology criteria: BSA involvement, treatment sites, immune status.

``bsa_involvement``: a percentage of body surface area ("BSA 6%", "6% BSA", "BSA involved:
approx 4%", "~55% of body surface"). Body surface area for dosing is written in m² and is never
read: a value needs its "%". Limits and goals ("not to exceed 10% BSA", "<20% BSA") are not the
member's extent. A range ("5-6%") gives its upper end: the criteria are ceilings (≤ 10%,
≤ 20%), and the upper end is the figure the chart cannot be read to be under.

``treatment_site``: an affected or treated area, named in a sentence about lesions or their
treatment ("patches on the face and dorsal hands", "apply to face"), on a page about atopic
dermatitis, vitiligo or topical ruxolitinib (a GVHD rash or an axillary lymph node is no
treatment site). Sites are the annotation vocabulary (face, intertriginous, genitals, hands,
feet, neck, scalp, trunk, arms, legs); forearms are also ``forearm``, which the policy names
among the areas of I.I.7.b and I.J.6.b. "Face and skin folds spared" is negated.

``immune_status``: "immunocompetent" (false), "immunocompromised due to ..." / "on chronic
immunosuppression" (true, with the reason), and "not immunocompromised" or a form's "[X] No"
(false, and not negated: the value says it). General statements ("avoid in immunocompromised
patients") and unanswered questions say nothing about the member.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from priorauth.extract import find_diagnoses
from priorauth.extract.find_diagnoses import evidence_span
from priorauth.extract.mentions import Mention, PageText, quote_span

_NUMBER = r"\d{1,3}(?:\.\d+)?"
_RANGE = (
    r"(?P<low>" + _NUMBER + r")(?:[ \t]*%?[ \t]*(?:-|\u2013|to)[ \t]*(?P<high>" + _NUMBER + r"))?"
)
_AREA = r"(?:BSA|body[ \t]+surface(?:[ \t]+area)?)"
_FILLER = (
    r"(?:[ \t]*(?:\((?:BSA|%)\)|[:=~≈-]|involved|involvement|affected|affecting|total|approx\.?"
    r"|approximately|about|around|roughly|estimated|est\.?|is|was|of|at|currently|now|today"
    r"|overall)[ \t]*)*"
)
BSA_AREA_FIRST = re.compile(
    r"(?<![\w.])" + _AREA + r"\b" + _FILLER + r"[ \t]*" + _RANGE + r"[ \t]*%", re.IGNORECASE
)
BSA_PERCENT_FIRST = re.compile(
    r"(?<![\w.])"
    + _RANGE
    + r"[ \t]*%[ \t]*(?:of[ \t]+(?:(?:the|his|her|their|total)[ \t]+)*)?"
    + _AREA
    + r"\b",
    re.IGNORECASE,
)
BSA_PERCENT_LABEL = re.compile(
    r"(?<![\w.])BSA[ \t]*\(?%\)?[ \t]*[:=][ \t]*" + _RANGE + r"(?![\d.]|[ \t]*(?:m2|m²|%))",
    re.IGNORECASE,
)
_BSA_PATTERNS = {
    "bsa_area_first": BSA_AREA_FIRST,
    "bsa_percent_first": BSA_PERCENT_FIRST,
    "bsa_percent_label": BSA_PERCENT_LABEL,
}
_LIMIT_BEFORE = re.compile(
    r"(?:[<≤>≥]=?|=<|\bup\s+to|\bexceed(?:s|ing)?|\bno\s+more\s+than|\bmore\s+than|\bless\s+than"
    r"|\bgreater\s+than|\bunder|\bbelow|\babove|\bat\s+most|\bat\s+least|\bmax(?:imum)?"
    r"|\blimit(?:ed)?\s+to|\bgoal|\btarget|\bcovers?\s+up\s+to)[^.;\n]{0,25}$",
    re.IGNORECASE,
)
# Burns are measured in % of body surface too ("burning" with tacrolimus is not one).
_BURN = re.compile(r"\bburn(?:s|ed)?\b|\bscald|\bTBSA\b", re.IGNORECASE)
_LINE_START_DATE = re.compile(r"^\s*(?:[-*•]\s*)?(?:D\+\d+\s*)?\(?(\d{1,2})/(\d{1,2})\)?(?!/|\d)")

_SITES: dict[str, str] = {
    "face": r"face|facial|eyelids?|perioral|peri-oral|periorbital|peri-orbital|periocular|cheeks?"
    r"|malar|forehead|lips?|chin|nose|around\s+(?:the\s+)?(?:mouth|eyes)",
    "intertriginous": r"axillae|axilla|axillary|armpits?|underarms?|groins?|inguinal|inframammary"
    r"|submammary|intertriginous|skin[ \t]*folds?|body\s+folds|intergluteal|gluteal\s+cleft",
    "genitals": r"genitals|genitalia|genital|anogenital|vulvar|vulva|penile|penis|scrotal|scrotum"
    r"|perineal|perineum",
    "hands": r"hands?|palms?|palmar|fingers?|fingertips?|knuckles?",
    "feet": r"feet|foot|toes?|soles?|plantar",
    "neck": r"neck",
    "scalp": r"scalp",
    "trunk": r"trunk|truncal|torso|chest|abdomen|abdominal|flanks?|(?:upper|lower|mid)[- ]?back"
    r"|(?:on|to|of)\s+(?:the|her|his)\s+back",
    "arms": r"arms?|upper\s+arms?|forearms?|elbows?|antecubital|wrists?"
    r"|upper\s+(?:extremit(?:y|ies)|limbs?)",
    "legs": r"legs?|thighs?|knees?|shins?|calf|calves|ankles?|popliteal"
    r"|lower\s+(?:extremit(?:y|ies)|limbs?)",
}
SITE_PATTERNS = {
    f"site_{site}": re.compile(r"\b(?:" + words + r")\b", re.IGNORECASE)
    for site, words in _SITES.items()
}
# Other senses of the site words: "face mask", "facial nerve", "hands-on", "6 feet", "neck
# of femur", "axillary lymph node", "chest pain".
_SITE_OTHER_AFTER = re.compile(
    r"^(?:[ \t-]*(?:mask|shield|sheet|to\s+face|time|nerve|droop|palsy|weakness|asymmetry|symmetry"
    r"|expression|fracture|bones?|hygiene|washing|held|written|lymph|nodes?|LN|LAD|adenopathy"
    r"|dissection|hernia|pain|tube|x-?ray|CT|wall\s+pain|vein|of\s+(?:the\s+)?(?:femur|bed"
    r"|bladder))\b|-on\b|-to-)",
    re.IGNORECASE,
)
_SITE_OTHER_BEFORE = re.compile(
    r"(?:\d[ \t]*|\bother[ \t]+|\bfemoral[ \t]+|\bbladder[ \t]+|\bsupple[ \t]+"
    r"|\bwash(?:es|ing)?[ \t]+(?:the[ \t]+|her[ \t]+|his[ \t]+|your[ \t]+)?)$",
    re.IGNORECASE,
)
_LESION_OR_TREATMENT = re.compile(
    r"\b(?:patch(?:es)?|macul\w*|plaques?|papul\w*|lesions?|rash|eruption|depigment\w*"
    r"|hypopigment\w*|repigment\w*|leukotrichia|vitiligo|eczema|dermatitis|lichenif\w*"
    r"|excoriat\w*|erythem\w*|xerosis|pruritic|involv\w*|affected|affecting|affects"
    r"|distribution|flares?|flaring|spar(?:ed|es|ing)|apply|applied|application|thin\s+layer"
    r"|cream|ointment|oint|lotion|topical\w*|VASI|Koebner|progress\w*|spread\w*)\b",
    re.IGNORECASE,
)
_ALL_SITES = "|".join(_SITES.values())
# "No facial, axillary or groin involvement", "without lesions on the face": the negation
# reaches the site across other sites, sides and lesion words only.
_NO_SITE_BEFORE = re.compile(
    r"\b(?:no|not|without|denies|absent)\s+(?:(?:" + _ALL_SITES + r"|bilateral|bilat|dorsal"
    r"|ventral|lateral|medial|left|right|upper|lower|[RL]|and|or|nor|the|of|on|in|to|her|his"
    r"|lesions?|patch(?:es)?|plaques?|macules?|involvement|depigmentation|rash)\b[\s,/]*)*$",
    re.IGNORECASE,
)
# "laceration of forearm" in a problem list is not where a skin disease is.
_INJURY_BEFORE = re.compile(
    r"\b(?:laceration|fracture|sprain|strain|injury|contusion|abrasion|wound|burn|pain|bite"
    r"|puncture|cellulitis|abscess)s?\s+(?:of|to|on|in)?\s*(?:the\s+|her\s+|his\s+)?"
    r"(?:(?:left|right|[RL])\s+)?$",
    re.IGNORECASE,
)
_NO_NEW_BEFORE = re.compile(r"\bno\s+new\b[^.;:]*$", re.IGNORECASE)
_SPARED_AFTER = re.compile(
    r"^[^.;]*?\b(?:spared|uninvolved|not\s+(?:involved|affected))\b", re.IGNORECASE
)
_SPARING_BEFORE = re.compile(r"\bspar(?:ing|es)\b(?:\s+of)?[^.;]*$", re.IGNORECASE)
_DERM_CONDITIONS = frozenset({"vitiligo", "atopic_dermatitis"})
_DERM_DRUG = re.compile(r"opzelura|ruxolitinib\s+(?:1\.5\s*%\s*)?cream", re.IGNORECASE)

IMMUNE = re.compile(
    r"\b(?:immuno[- ]?compromised?|immune[- ]compromised|immuno[- ]?suppressed|immunosuppression"
    r"|immunodeficien(?:t|cy)|immuno[- ]?competent|immune[- ]competent)\b",
    re.IGNORECASE,
)
_COMPETENT = re.compile(r"competent", re.IGNORECASE)
_GENERAL = re.compile(
    r"^[ \t]*(?:patients?|individuals|people|persons|hosts|adults|children|populations?|pts)\b",
    re.IGNORECASE,
)
_ANSWER = re.compile(
    r"^[ \t]*(?:status)?[ \t]*(?:\?[ \t]*[:-]?|[:-])[ \t]*(?P<answer>yes|no|y|n)\b", re.IGNORECASE
)
_CHECKED = re.compile(r"\[\s*[xX✓✔]\s*\]\s*(?P<answer>yes|no)\b", re.IGNORECASE)
_ON_IMMUNOSUPPRESSION = re.compile(
    r"(?:\bon|\bchronic|\blong[- ]term|\biatrogenic|\bhistory\s+of|\bhx\s+of|\bsystemic)"
    r"(?:\s+(?:chronic|long[- ]term|systemic|iatrogenic))?\s*$",
    re.IGNORECASE,
)
_NO_IMMUNOSUPPRESSION = re.compile(
    r"\b(?:no|not\s+on|never\s+on|without|denies)\s+(?:[\w-]+\s+){0,2}$", re.IGNORECASE
)
_IMMUNODEFICIENCY_KIND = re.compile(
    r"(?:primary|secondary|combined|variable|acquired|congenital|cellular|humoral)\s*$",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"^[ \t]*(?:\(|,)?[ \t]*(?:due\s+to|secondary\s+to|from|because\s+of|d/t|2/2|related\s+to"
    r"|after|with|on|from)[ \t]+(?P<reason>[^.;,)\n]{3,80})",
    re.IGNORECASE,
)

PATTERNS: dict[str, re.Pattern[str]] = {**_BSA_PATTERNS, **SITE_PATTERNS, "immune_status": IMMUNE}


def _line_date(page: PageText, position: int) -> dt.date | None:
    """A full date on the line, else a month/day opening a dated list item ("- 02/24 (day
    4): rash ~55% BSA") in the page's year, else the page's date."""
    found = page.date_near(position, position)
    if found != page.date or page.date is None:
        return found
    line_start, line_end = page.line(position)
    item = _LINE_START_DATE.match(page.text[line_start:line_end])
    if item is None:
        return found
    try:
        date = dt.date(page.date.year, int(item.group(1)), int(item.group(2)))
    except ValueError:
        return found
    if date <= page.date:
        return date
    # A month/day after the note's date belongs to the year before ("12/28" in January).
    try:
        return date.replace(year=date.year - 1)
    except ValueError:  # 02/29
        return found


def _bsa(page: PageText) -> Iterator[Mention]:
    seen: set[int] = set()
    for name, pattern in _BSA_PATTERNS.items():
        for term in page.matches(name):
            match = pattern.fullmatch(term.text)
            # "BSA 6% of body surface area" is one statement read by two patterns.
            if match is None or term.start + match.start("low") in seen:
                continue
            seen.add(term.start + match.start("low"))
            line_start, _line_end = page.line(term.start)
            if _LIMIT_BEFORE.search(page.text[line_start : term.start + match.start("low")]):
                continue
            left, right = evidence_span(page, term.start, term.end)
            if _BURN.search(page.text[left:right]):
                continue
            values = [float(match.group("low"))]
            if match.group("high"):
                values.append(float(match.group("high")))
            percent = max(values)
            if percent > 100:
                continue
            yield Mention(
                name="bsa_involvement",
                value={"percent": percent},
                start=left,
                end=right,
                context=term.context,
                date=_line_date(page, term.start),
                confidence=0.9,
            )


def _derm_page(page: PageText) -> bool:
    """Whether the page is about a skin disease the sites matter for (not the family's)."""
    for mention in find_diagnoses.find(page):
        if mention.value["condition"] in _DERM_CONDITIONS and not mention.context.family:
            return True
    return any(
        term.key == "ruxolitinib"
        and not term.context.family
        and _DERM_DRUG.search(page.text[term.start : term.end + 20])
        for term in page.terms_of("drug")
    )


def _sites(page: PageText) -> Iterator[Mention]:
    if not _derm_page(page):
        return
    seen: set[tuple[str, int, bool]] = set()
    for name in SITE_PATTERNS:
        site = name.removeprefix("site_")
        for term in sorted(page.matches(name), key=lambda t: t.start):
            if _SITE_OTHER_AFTER.match(
                page.text[term.end : term.end + 30]
            ) or _SITE_OTHER_BEFORE.search(page.text[max(0, term.start - 12) : term.start]):
                continue
            sentence = page.sentence(term.start, term.end)
            near = page.text[
                max(sentence.start_char, term.start - 100) : min(sentence.end_char, term.end + 60)
            ]
            if not _LESION_OR_TREATMENT.search(near) or _INJURY_BEFORE.search(
                page.text[max(sentence.start_char, term.start - 30) : term.start]
            ):
                continue
            after = page.text[term.end : sentence.end_char]
            before = page.text[sentence.start_char : term.start]
            if _NO_NEW_BEFORE.search(before[-80:]):
                continue  # "no new lesions on the face" says neither that it is nor is not
            # Not ConText's negation: its ": no" reads "to hands: no improvement" as no hands.
            negated = bool(
                _NO_SITE_BEFORE.search(before[-120:])
                or _SPARED_AFTER.match(after)
                or _SPARING_BEFORE.search(before)
            )
            left, right = evidence_span(page, term.start, term.end)
            context = term.context.model_copy(update={"negated": negated})
            sites = [site]
            if term.text.lower().startswith("forearm"):
                sites.append("forearm")
            for value in sites:
                key = (value, sentence.start_char, negated)
                if key in seen:
                    continue
                seen.add(key)
                yield Mention(
                    name="treatment_site",
                    value={"site": value},
                    start=left,
                    end=right,
                    context=context,
                    date=page.date,
                    confidence=0.8,
                )


def _answer(after: str) -> bool | None:
    """A form's answer after the word: "[X] No", "? No", ": Yes"."""
    found = _CHECKED.search(after) or _ANSWER.match(after)
    return None if found is None else found.group("answer").lower().startswith("y")


def _immune_value(
    word: str, before: str, after: str, negated: bool
) -> dict[str, bool | str] | None:
    competent = bool(_COMPETENT.search(word))
    answer = _answer(after)
    if answer is not None:
        return {"immunocompromised": answer != competent}
    if after.lstrip().startswith("?") or _GENERAL.match(after):
        return None  # an unanswered question; a statement about patients in general
    if word.startswith("immunodeficien") and re.match(r"\s*virus", after, re.IGNORECASE):
        return None  # human immunodeficiency virus
    if word == "immunosuppression" and negated and not _NO_IMMUNOSUPPRESSION.search(before):
        return None  # "off immunosuppression" after a transplant is a change of therapy
    if competent or negated:
        return {"immunocompromised": competent == negated}
    if word == "immunosuppression" and not _ON_IMMUNOSUPPRESSION.search(before):
        return None  # "risks of immunosuppression discussed"
    if word.startswith("immunodeficien") and not _IMMUNODEFICIENCY_KIND.search(before):
        return None
    because = _REASON.match(after)
    if because is not None:
        return {"immunocompromised": True, "reason": because.group("reason").strip()}
    if word == "immunosuppression":
        return {
            "immunocompromised": True,
            "reason": f"{before.rsplit(maxsplit=1)[-1]} {word}".lower(),
        }
    return {"immunocompromised": True}


def _immune(page: PageText) -> Iterator[Mention]:
    for term in page.matches("immune_status"):
        line_start, line_end = page.line(term.start)
        after = page.text[term.end : line_end]
        value = _immune_value(
            term.text.lower(), page.text[line_start : term.start], after, term.context.negated
        )
        if value is None:
            continue
        left, right = evidence_span(page, term.start, term.end)
        if _answer(after) is not None:
            left, right = quote_span(page.text, line_start, line_end)  # the form's answer too
        yield Mention(
            name="immune_status",
            value=value,
            start=left,
            end=right,
            # "not immunocompromised" is carried by the value, not by a negated fact.
            context=term.context.model_copy(update={"negated": False}),
            date=page.date,
            confidence=0.85,
        )


def find(page: PageText) -> Iterator[Mention]:
    yield from _bsa(page)
    yield from _sites(page)
    yield from _immune(page)
