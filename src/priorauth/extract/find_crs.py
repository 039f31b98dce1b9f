"""The primitives Appendix E grades cytokine release syndrome from: fever, hypotension, each
vasopressor, oxygen support (device and flow), and a CRS grade as the chart states it.

The grade the policy uses is derived from the primitives by the engine, so each is read on its
own and kept with its assertion context ("does not require BiPAP", "if SBP < 90 ... start
norepinephrine"); the engine decides what is firm enough to count.

Precision matters more than coverage on notes unrelated to CRS: thresholds ("prn T > 38.3")
are not temperatures, home CPAP for sleep apnoea is not respiratory support, "NC/AT" is not a
nasal cannula, lidocaine with epinephrine is not a vasopressor, and an operative note's
intubation is anaesthesia, not respiratory failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from priorauth.adjudicate.facts import Context, OxygenDevice
from priorauth.extract.clauses import assertion, clause_context, clause_text
from priorauth.extract.mentions import Mention, PageText, line_quote, mention_at, quote_span
from priorauth.extract.nlp import Term

FEVER_MIN_C = 38.0
"""Appendix E's fever: 38 °C (100.4 °F) or more; lower readings are not findings at all."""


# --- fever ---------------------------------------------------------------------------------

_TEMP_NUMBER = r"(?P<num>\d{2,3}(?:\.\d{1,2})?)"
_TEMP_UNIT = r"(?P<unit>\s*(?:°|º|˚|deg(?:rees?)?\.?)\s*[CF]?\b|\s*℃|\s*℉|\s?[CF]\b)?"
FEVER = re.compile(
    r"(?<![A-Za-z])(?:"
    r"T\s*-?\s*max|[Mm]ax(?:imum)?\s+[Tt]emp(?:erature)?|[Tt]emp(?:erature)?s?|TEMP|"
    r"T(?=[\s:=])|[Ff]ebrile|[Ff]evers?|[Pp]yrexia|[Ss]pik(?:ed|ing)(?:\s+a)?(?:\s+(?:fever|temp))?"
    r")"
    r"(?:\s*\((?:oral|PO|tympanic|rectal|axillary|ax|core|bladder|max)\))?"
    r"[ \t]*[:=]?[ \t]*"
    r"(?:(?:of|to|at|was|is|up\s+to|as\s+high\s+as|reaching|peaked\s+at|spiking\s+to|"
    r"spiked\s+to|with|overnight|again|max|maximum)\s+){0,3}"
    + _TEMP_NUMBER
    + r"(?:\s*(?:-|–|to)\s*(?P<high>\d{2,3}(?:\.\d{1,2})?))?"
    + _TEMP_UNIT
    + r"(?![\d/%])",
)
# A reading with its unit and no label ("38.2 C" in a flowsheet cell, "(102.9 F)").
BARE_TEMPERATURE = re.compile(
    r"(?<![\d.,/])(?P<num>(?:3[5-9]|4[0-2])(?:\.\d)?|(?:9[5-9]|10\d)(?:\.\d)?)"
    r"(?P<unit>\s*(?:°|º|˚)\s*[CF]\b|\s*℃|\s*℉|(?<=\.\d)\s?[CF]\b)"
)
# A threshold, not a reading: "T > 38.3", "fever (T >= 38 °C)", "call for temp over 101".
_THRESHOLD = re.compile(
    r"(?:[<>≥≤]=?|=>|=<|\b(?:greater|more|less|higher|lower)\s+than|\b(?:above|below|over|under)\b|"
    r"\bexceed\w*|\bat\s+least|\bdefined\s+as)\s*[^\d\n]{0,12}$",
    re.IGNORECASE,
)
_NOT_A_TEMPERATURE_AFTER = re.compile(
    r"\s*(?:mg|mcg|µg|ug|g\b|ml|mL|kg|lb|min|h\b|hr|hrs|hours?|days?|d\b|weeks?|wks?|x\b|"
    r"times|%|L\b|/|units?|mmHg|bpm|beats|breaths|cm|mm)",
)
# A flowsheet header with a temperature column among other vital signs.
_VITALS_HEADER = re.compile(
    r"^(?=.*(?:\bT\s*\(\s*°?\s*[CF]\s*\)|\bTemp(?:erature)?\b|\bTmax\b|\bT\s*max\b|\bT\b))"
    r"(?=.*\b(?:HR|BP|SpO2|RR|Pulse|P|MAP|O2|SBP)\b).*$",
    re.MULTILINE,
)
_OXYGEN_LABELS = re.compile(r"\b(?:Sp|Fi|Sa)?O2\b", re.IGNORECASE)
_HEADER_FAHRENHEIT = re.compile(r"\(\s*°?\s*F\s*\)|°F|\bdeg\s*F\b")
_CELL_TEMPERATURE = re.compile(
    r"(?<![\d.,/:+-])(?P<num>(?:3[5-9]|4[0-2])\.\d|(?:9[5-9]|10\d)\.\d)(?P<unit>\s?°?\s?[CF]\b)?"
    r"(?![\d/%.]|\s*(?:mg|mcg|kg|mL|L\b|units?|mmHg))"
)

# --- hypotension ---------------------------------------------------------------------------

HYPOTENSION = re.compile(
    r"(?<![A-Za-z-])(?<!orthostatic )(?<!postural )(?<!permissive )"
    r"hypotensi(?:on|ve)\b",
    re.IGNORECASE,
)
# A low systolic or mean pressure written as a reading, never as a threshold.
LOW_PRESSURE = re.compile(
    r"\b(?:(?P<sbp_label>SBPs?|sBP|[Ss]ystolic(?:\s+(?:blood\s+pressures?|BPs?|pressures?))?)"
    r"|(?P<map_label>MAPs?))"
    r"\s*(?:(?:of|was|were|is|in\s+the|in|dropped\s+to|down\s+to|fell\s+to|decreased\s+to|"
    r"dipped\s+to|to|at|as\s+low\s+as|nadir|low|lows?\s+in\s+the|remained|remains|still)\s+){0,3}"
    r"[:=~]?\s*(?P<value>\d{2,3})(?:'?s)?(?!\d|\s*(?:-|–|to)\s*\d{3})"
)
_NOT_SYSTEMIC = re.compile(
    r"\b(?:PA|RV|RVSP|pulmonary|right\s+ventric\w*|artery|arterial\s+pulmonary|LV|"
    r"intraocular|compartment|wedge)\s*$",
    re.IGNORECASE,
)
BP_DROP = re.compile(
    r"\bBP\s+(?:(?:dipped|dropped|fell|decreased|down|as\s+low\s+as|nadir|low)\s+)+"
    r"(?:(?:to|of|at)\s+)?(?P<value>\d{2,3})\s*/\s*\d{2,3}"
    r"|\bBP\s*:?\s*(?P<value2>\d{2,3})\s*/\s*\d{2,3}\s+(?:requiring|despite|on\s+(?:pressors|"
    r"vasopressors|norepinephrine|levophed))",
    re.IGNORECASE,
)

# --- vasopressors ----------------------------------------------------------------------------

# Norepinephrine as ICU notes abbreviate it ("NE 0.12 mcg/kg/min", "NE uptitrated", "titrate
# NE"); the lexicon knows "NE gtt". "NE" alone is an address or a compass point.
NOREPINEPHRINE_ABBREVIATION = re.compile(
    r"(?P<lead>\b(?:titrate[ds]?|wean(?:ed|ing)?|start(?:ed)?|on|increase[ds]?|add(?:ed)?|"
    r"uptitrate[ds]?|\+)\s+)?"
    r"\bNE\b"
    r"(?P<tail>\s*(?:(?:0?\.\d+|\d{1,2}(?:\.\d+)?)(?!\d)(?:\s*(?:mcg|µg|ug)(?:/kg)?/min)?|"
    r"gtt|drip|infusion|(?:up)?titrat\w*|wean\w*|start\w*|increas\w*|decreas\w*|running|req\w*)"
    r")?"
)
ANGIOTENSIN = re.compile(
    r"\b(?:Giapreza|angiotensin\s+II(?!\s+(?:receptor|blocker|antagonist|inhibitor|type)))\b",
    re.IGNORECASE,
)
_NOT_A_PRESSOR = {
    "epinephrine": re.compile(
        r"lidocaine|xylocaine|bupivacaine|marcaine|sensorcaine|ropivacaine|mepivacaine|"
        r"carbocaine|articaine|1\s*:\s*\d{2,3},?\d{3}|racemic|epi-?pen|auto-?inject|"
        r"\bIM\b|intramuscular|nebuli[sz]|local\s+anesth|with\s+epi(?:nephrine)?\b|instill\w*|"
        r"inject\w*|infiltrat\w*|dilute\w*|soaked|pledget|topical\w*|bronchoscop\w*|biops\w*",
        re.IGNORECASE,
    ),
    "norepinephrine": re.compile(r"reuptake|serotonin|SNRI", re.IGNORECASE),
    "dopamine": re.compile(
        r"dopamine[- ]?(?:agonist|antagonist|receptor|blocker|transporter|D\d|deficien)|"
        r"anti-?dopamin",
        re.IGNORECASE,
    ),
    "phenylephrine": re.compile(
        r"drops?\b|ophthalm|\beyes?\b|dilat|mydria|tropicamide|cyclopentolate|nasal|spray|"
        r"\d\s*%|hemorrhoid|suppositor|ointment|preparation\s+h",
        re.IGNORECASE,
    ),
    "vasopressin": re.compile(
        r"vasopressin[- ]?(?:receptor|antagonist|deficien|resistan)|arginine\s+vasopressin\s+"
        r"(?:deficien|resistan)|vaso[- ](?:occlus|vagal|spasm|constrict|dilat|active)|inject\w*|"
        r"infiltrat\w*|dilute\w*|mixed\s+in|fibroid|myometri\w*|serosa\w*|cervi\w*",
        re.IGNORECASE,
    ),
}
# "norepinephrine not needed", "vasopressin held": the negation follows the drug.
_NEGATED_AFTER = re.compile(
    r"[\s:,]*(?:(?:was|were|is|has|have|been)\s+)*(?:not\s+(?:needed|required|given|started|"
    r"used|indicated|necessary)|never\s+(?:needed|required|given|started)|held|unnecessary)\b",
    re.IGNORECASE,
)
# A dose threshold written after a drug ("if NE > 0.2 mcg/kg/min") is not a statement that it
# was given.
_THRESHOLD_AFTER = re.compile(r"\s*(?:[<>≥≤]=?|=>|greater than|more than|above|over)\s*\d")

# --- oxygen support --------------------------------------------------------------------------

_FLOW = (
    r"(?P<{name}>\d{{1,2}}(?:\.\d)?)\s*(?:-\s*\d{{1,2}}\s*)?"
    r"(?:LPM|lpm|L\s*/\s*min|l\s*/\s*min|L\s*per\s*min(?:ute)?|L(?![A-Za-z])|"
    r"liters?(?:\s*(?:per\s*minute|/\s*min))?|litres?(?:\s*(?:per\s*minute|/\s*min))?)"
)
_DEVICES = (
    r"(?P<hfnc>HFNC|HHFNC|HFNO|HFO2|[Hh]igh[- ]?[Ff]low\s+(?:[Nn]asal\s+[Cc]annula|NC|HFNC)|"
    r"[Hh]eated\s+high[- ]flow(?:\s+nasal\s+cannula)?|Optiflow|Vapotherm|Airvo)"
    r"|(?P<nrb>NRBM?|[Nn]on-?\s?[Rr]ebreather(?:\s+(?:face\s*)?mask)?)"
    r"|(?P<venturi>[Vv]enturi(?:\s+(?:face\s*)?mask)?|[Vv]enti[- ]?mask)"
    r"|(?P<nc>[Nn]asal\s+[Cc]annula|N/C|NC|[Nn]asal\s+prongs)"
    r"|(?P<face_mask>(?:[Ss]imple\s+)?[Ff]ace\s*[Mm]ask|[Ss]imple\s+mask|[Oo]xygen\s+mask|"
    r"O2\s+mask)"
    r"|(?P<blow_by>[Bb]low[- ]?by(?:\s+(?:O2|oxygen))?)"
    r"|(?P<bipap>Bi-?PAP|BIPAP|BiPap|bipap|BPAP|NIPPV|"
    r"[Nn]on-?invasive\s+(?:positive[- ]pressure\s+)?ventilation)"
    r"|(?P<cpap>CPAP|[Cc]ontinuous\s+positive\s+airway\s+pressure)"
    r"|(?P<intubation>(?:[Rr]e-?)?[Ii]ntubat(?:ed|ion))"
    r"|(?P<ventilation>[Mm]echanical(?:ly)?\s+ventilat(?:ion|ed|or)|"
    r"(?<=on\s)(?:the\s+|a\s+)?(?:ventilator|vent)\b)"
)
OXYGEN = re.compile(
    r"(?:"
    + _FLOW.format(name="flow_before")
    + r"\s*(?:(?:of\s+)?(?:supplemental\s+)?(?:O2|oxygen)\s*)?"
    r"(?:(?:via|by|per|through|on|with|of)\s+)?(?:an?\s+|the\s+)?)?"
    r"(?<![A-Za-z])(?:" + _DEVICES + r")(?![A-Za-z])"
    r"(?:[ \t]*(?:at|@|of|on|with|,|:|-|=)?[ \t]*" + _FLOW.format(name="flow_after") + r")?"
)
_DEVICE_GROUPS = {
    "hfnc": OxygenDevice.HIGH_FLOW_NASAL_CANNULA,
    "nrb": OxygenDevice.NONREBREATHER_MASK,
    "venturi": OxygenDevice.VENTURI_MASK,
    "nc": OxygenDevice.NASAL_CANNULA,
    "face_mask": OxygenDevice.FACE_MASK,
    "blow_by": OxygenDevice.BLOW_BY,
    "bipap": OxygenDevice.BIPAP,
    "cpap": OxygenDevice.CPAP,
    "intubation": OxygenDevice.INTUBATION,
    "ventilation": OxygenDevice.MECHANICAL_VENTILATION,
}
_OXYGEN_LEAD = re.compile(r"(?:O2|oxygen)\s+(?:via|by|per|on)\s+$|\bon\s+$", re.IGNORECASE)
_OXYGEN_WORD = re.compile(r"\b(?:O2|oxygen|FiO2|L/min|LPM|sat\w*|SpO2|hypox\w*)", re.IGNORECASE)
# Home CPAP or BiPAP for sleep apnoea is not respiratory support for CRS.
_SLEEP_APNEA = re.compile(
    r"\bOSA\b|sleep|apn(?:o)?ea|nightly|at\s+night|\bqhs\b|\bhs\b|nocturnal|\bhome\b|"
    r"machine|compliance|titration|mask\s+fit",
    re.IGNORECASE,
)
# Operative notes intubate and mask-ventilate for anaesthesia.
_ANESTHESIA = re.compile(
    r"\b(?:general|endotracheal|monitored|regional|spinal)\s+an(?:a)?esthesia\b|"
    r"^\s*AN(?:A)?ESTHESIA\s*:|\bOPERATIVE\s+(?:REPORT|NOTE|PROCEDURE)|\bPROCEDURE\s+PERFORMED|"
    r"\bPRE-?OPERATIVE\s+DIAGNOSIS|\bpre-?oxygenat|\bLMA\b|laryngeal\s+mask|"
    r"induction\s+of\s+(?:general\s+)?an(?:a)?esthesia|\bextubated\s+in\s+the\s+(?:OR|operating)|"
    r"\boperating\s+room\b|DESCRIPTION\s+OF\s+(?:THE\s+)?(?:OPERATION|PROCEDURE)",
    re.IGNORECASE | re.MULTILINE,
)
_AIRWAY_DEVICES = frozenset(
    {OxygenDevice.INTUBATION, OxygenDevice.MECHANICAL_VENTILATION, OxygenDevice.FACE_MASK}
)
_SCOPED_ORGAN = re.compile(
    r"valve|ileum|cecum|orifice|\bducts?\b|papilla|ostium|esophag\w*|pylorus|duodenum|"
    r"colonoscop\w*|endoscop\w*|ureter\w*|cannulat\w*",
    re.IGNORECASE,
)

# --- stated CRS grade ------------------------------------------------------------------------

_GRADE = r"(?:[Gg]rade|GRADE|[Gg]r\.?|G)\s*(?P<{name}>[1-4]|IV|I{{1,3}})(?![\d\w])"
_NO_RANGE = r"(?!\s*(?:[-–/]|to|or)\s*(?:[1-4]|I))"
_CRS = r"(?:CRS|[Cc]ytokine[- ]release\s+syndrome|CYTOKINE\s+RELEASE\s+SYNDROME)"
CRS_GRADE = re.compile(
    r"(?:(?:ASTCT|ASBMT|Lee|CTCAE|Penn|CARTOX)\s+)?"
    + _GRADE.format(name="before")
    + _NO_RANGE
    + r"\s*(?:\(\s*(?:ASTCT|ASBMT|Lee|CTCAE)\s*\)\s*)?"
    + _CRS
    + r"|"
    + _CRS
    + r"\s*[,:(\-–]?\s*(?:\(\s*)?(?:(?:ASTCT|ASBMT|Lee|CTCAE|max(?:imum)?)\s+)?"
    + _GRADE.format(name="after")
    + _NO_RANGE
)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}

PATTERNS = {
    "crs_fever": FEVER,
    "crs_bare_temperature": BARE_TEMPERATURE,
    "crs_hypotension": HYPOTENSION,
    "crs_low_pressure": LOW_PRESSURE,
    "crs_bp_drop": BP_DROP,
    "crs_norepinephrine_abbreviation": NOREPINEPHRINE_ABBREVIATION,
    "crs_angiotensin": ANGIOTENSIN,
    "crs_oxygen": OXYGEN,
    "crs_grade": CRS_GRADE,
}


def find(page: PageText) -> Iterator[Mention]:
    yield from _fevers(page)
    yield from _hypotension(page)
    yield from _vasopressors(page)
    yield from _oxygen(page)
    yield from _grades(page)


def _mention(
    page: PageText,
    name: str,
    value: dict[str, object],
    term: Term,
    confidence: float = 0.9,
    *,
    reading: bool = False,
) -> Mention:
    context = clause_context(page, term, reading=reading)
    return mention_at(page, name, value, term.start, term.end, context, confidence)


# --- fever ---------------------------------------------------------------------------------


def _celsius(number: str, unit: str | None) -> float | None:
    """Degrees Celsius from a reading, by its unit or (unitless) by its range."""
    value = float(number)
    letter = (unit or "").strip().upper()
    fahrenheit = letter.endswith("F") or "℉" in letter
    celsius = letter.endswith("C") or "℃" in letter
    if not fahrenheit and not celsius:
        if 34.0 <= value <= 43.0:
            celsius = True
        elif 93.0 <= value <= 110.0:
            fahrenheit = True
        else:
            return None
    if fahrenheit:
        if not 93.0 <= value <= 110.0:
            return None
        value = (value - 32.0) * 5.0 / 9.0
    if not 34.0 <= value <= 43.0:
        return None
    return round(value + 1e-9, 1)


def _is_threshold(page: PageText, start: int, number_start: int) -> bool:
    line_start = page.line(start)[0]
    before = page.text[max(line_start, start - 30) : number_start]
    return _THRESHOLD.search(before) is not None


def _fevers(page: PageText) -> Iterator[Mention]:
    seen: set[tuple[int, float]] = set()
    for name, pattern in (("crs_fever", FEVER), ("crs_bare_temperature", BARE_TEMPERATURE)):
        for term in page.matches(name):
            match = pattern.match(page.text, term.start)
            if match is None:
                continue
            unit = match.group("unit")
            if not unit and _NOT_A_TEMPERATURE_AFTER.match(page.text, match.end()):
                continue
            if _is_threshold(page, term.start, match.start("num")):
                continue
            celsius = _celsius(match.group("num"), unit)
            high = match.groupdict().get("high")
            if high is not None:
                # "T 100.9-102.7": the range's top is the maximum temperature.
                top = _celsius(high, unit)
                celsius = top if top is not None and (celsius is None or top > celsius) else celsius
            if celsius is None or celsius < FEVER_MIN_C:
                continue
            key = (match.start("num"), celsius)
            if key in seen:
                continue
            seen.add(key)
            yield _mention(page, "fever", {"temperature_c": celsius}, term, reading=True)
    yield from _flowsheet_fevers(page, {start for start, _ in seen})


def _flowsheet_fevers(page: PageText, seen: set[int]) -> Iterator[Mention]:
    """Temperatures in the rows under a vital-signs header ("| Time | T (C) | HR | BP |"):
    one reading in the temperature range per row, the row being the quote."""
    text = page.text
    for header in _VITALS_HEADER.finditer(text):
        if re.search(r"\d", _OXYGEN_LABELS.sub("", header.group(0))):
            continue  # a line of readings ("T 36.8  HR 78  BP 134/82"), not column names
        fahrenheit = _HEADER_FAHRENHEIT.search(header.group(0)) is not None
        position = header.end() + 1
        while position < len(text):
            line_end = text.find("\n", position)
            line_end = len(text) if line_end < 0 else line_end
            row = text[position:line_end]
            if len(re.findall(r"\d+(?:[.:/]\d+)?", row)) < 3:
                break
            readings = [
                m
                for m in _CELL_TEMPERATURE.finditer(row)
                if _celsius(m.group("num"), m.group("unit") or ("F" if fahrenheit else None))
                is not None
            ]
            if len(readings) == 1:
                reading = readings[0]
                start = position + reading.start("num")
                unit = reading.group("unit") or ("F" if fahrenheit else "C")
                celsius = _celsius(reading.group("num"), unit)
                if celsius is not None and celsius >= FEVER_MIN_C and start not in seen:
                    seen.add(start)
                    quote = quote_span(text, position, line_end)
                    yield Mention(
                        name="fever",
                        value={"temperature_c": celsius},
                        start=quote[0],
                        end=quote[1],
                        date=page.date_near(start, start + 1),
                        confidence=0.8,
                    )
            position = line_end + 1


# --- hypotension -----------------------------------------------------------------------------


def _hypotension(page: PageText) -> Iterator[Mention]:
    for term in page.matches("crs_hypotension"):
        yield _mention(page, "hypotension", {"present": True}, term)
    for term in page.matches("crs_low_pressure"):
        match = LOW_PRESSURE.match(page.text, term.start)
        if match is None:
            continue
        lead = page.text[max(0, term.start - 30) : term.start]
        if _NOT_SYSTEMIC.search(lead):
            continue  # "estimated PA systolic pressure is 46": an echo's pulmonary pressure
        value = int(match.group("value"))
        limit = 65 if match.group("map_label") else 90
        if not 40 <= value < limit:
            continue
        yield _mention(page, "hypotension", {"present": True}, term, 0.8, reading=True)
    for term in page.matches("crs_bp_drop"):
        match = BP_DROP.match(page.text, term.start)
        if match is None:
            continue
        systolic = int(match.group("value") or match.group("value2"))
        if 40 <= systolic < 90:
            yield _mention(page, "hypotension", {"present": True}, term, 0.8, reading=True)


# --- vasopressors ----------------------------------------------------------------------------


def _sentence_text(page: PageText, term: Term) -> str:
    sentence = page.sentence(term.start, term.end)
    line_start, line_end = page.line(term.start)
    start = max(sentence.start_char, line_start)
    end = min(sentence.end_char, line_end)
    return page.text[start:end]


_ON_NOW = re.compile(r"(?<!started )(?<!start )(?<!placed )(?<!put )\bon\s+$", re.IGNORECASE)


def _pressor_context(page: PageText, start: int, end: int, context: Context) -> Context | None:
    """The drug's context, or None when the mention is not a vasopressor being given."""
    after = page.text[end : end + 60]
    if _THRESHOLD_AFTER.match(after):
        return None
    if context.hypothetical and _ON_NOW.search(page.text[max(0, start - 12) : start]):
        # "if NE > 0.2 mcg/kg/min on vasopressin, add epinephrine": the condition is
        # hypothetical, being on vasopressin is not.
        context = context.model_copy(update={"hypothetical": False})
    if not context.negated and _NEGATED_AFTER.match(after):
        context = context.model_copy(update={"negated": True})
    return context


def _vasopressors(page: PageText) -> Iterator[Mention]:
    for term in page.terms_of("drug"):
        if page.lexicon.roles.get(term.key) != "vasopressor" or term.section == "allergies":
            continue
        if term.key == "vasopressin" and page.text[term.end : term.end + 1] == "-":
            continue  # "vaso-occlusive", "vaso-vagal"
        guard = _NOT_A_PRESSOR.get(term.key)
        window = page.text[max(0, term.start - 40) : term.end + 40]
        if guard is not None and (guard.search(window) or guard.search(_sentence_text(page, term))):
            continue
        context = _pressor_context(page, term.start, term.end, clause_context(page, term))
        if context is None:
            continue
        yield _pressor(page, term, term.key, context)
    for term in page.matches("crs_norepinephrine_abbreviation"):
        match = NOREPINEPHRINE_ABBREVIATION.match(page.text, term.start)
        if match is None or not (match.group("lead") or match.group("tail")):
            continue
        abbreviation_end = match.end() if not match.group("tail") else match.start("tail")
        context = _pressor_context(
            page, term.start, abbreviation_end, clause_context(page, term, reading=True)
        )
        if context is None:
            continue
        yield _pressor(page, term, "norepinephrine", context)
    for term in page.matches("crs_angiotensin"):
        yield _pressor(page, term, "angiotensin ii", clause_context(page, term))


def _pressor(page: PageText, term: Term, agent: str, context: Context) -> Mention:
    start, end = line_quote(page, term.start, term.end)
    return Mention(
        name="vasopressor",
        value={"agent": agent},
        start=start,
        end=end,
        context=context,
        date=page.date_near(term.start, term.end),
        confidence=0.85,
    )


# --- oxygen ----------------------------------------------------------------------------------


def _oxygen(page: PageText) -> Iterator[Mention]:
    found = list(_oxygen_mentions(page))
    # "requiring HFNC" beside "HFNC 40 L/min" on the same page is the same support, not a
    # second one of unknown flow.
    with_flow = {
        (m.value["device"], assertion(m.context))
        for m in found
        if m.value.get("flow_l_min") is not None
    }
    for mention in found:
        if mention.value.get("flow_l_min") is None and (
            (mention.value["device"], assertion(mention.context)) in with_flow
        ):
            continue
        yield mention


def _oxygen_mentions(page: PageText) -> Iterator[Mention]:
    procedure_note = _ANESTHESIA.search(page.text) is not None
    for term in page.matches("crs_oxygen"):
        match = OXYGEN.match(page.text, term.start)
        if match is None:
            continue
        group = next(g for g in _DEVICE_GROUPS if match.group(g))
        device = _DEVICE_GROUPS[group]
        flow_text = match.group("flow_before") or match.group("flow_after")
        flow = float(flow_text) if flow_text else None
        if group == "nc" and match.group("nc") in ("NC", "N/C") and flow is None:
            # "NC" alone is "normocephalic" (HEENT: NC/AT) as often as a cannula.
            lead = page.text[max(0, match.start("nc") - 20) : match.start("nc")]
            if not _OXYGEN_LEAD.search(lead):
                continue
        airway = device in _AIRWAY_DEVICES
        if airway and procedure_note:
            continue  # the anaesthetist's airway, not respiratory failure
        sentence = _sentence_text(page, term)
        if device is OxygenDevice.INTUBATION and _SCOPED_ORGAN.search(sentence):
            continue  # "the ileocecal valve was intubated" with a colonoscope
        if (
            device is OxygenDevice.FACE_MASK
            and flow is None
            and not _OXYGEN_WORD.search(clause_text(page, term.start, term.end))
        ):
            continue  # a face mask in a supply list or for infection control
        if device in (OxygenDevice.CPAP, OxygenDevice.BIPAP) and _SLEEP_APNEA.search(sentence):
            continue
        if flow is not None and not _plausible_flow(device, flow):
            flow = None
        value: dict[str, object] = {"device": device.value}
        if flow is not None:
            value["flow_l_min"] = flow
        yield _mention(page, "oxygen_support", value, term, reading=flow is not None)


def _plausible_flow(device: OxygenDevice, flow: float) -> bool:
    if device is OxygenDevice.HIGH_FLOW_NASAL_CANNULA:
        return 5.0 <= flow <= 80.0
    if device in (OxygenDevice.NASAL_CANNULA, OxygenDevice.BLOW_BY):
        return 0.1 <= flow <= 15.0
    return 0.1 <= flow <= 60.0


# --- stated grade ----------------------------------------------------------------------------


def _grades(page: PageText) -> Iterator[Mention]:
    for term in page.matches("crs_grade"):
        match = CRS_GRADE.match(page.text, term.start)
        if match is None:
            continue
        raw = match.group("before") or match.group("after")
        grade = _ROMAN.get(raw) or int(raw)
        yield _mention(page, "crs_grade", {"grade": grade}, term)
