"""Drugs in the chart: therapy trials, the medication list, and the requested drug's course.

A drug mention becomes
- a ``medication`` when it sits on a medication list (current, or past when the line says it
  was stopped) or the sentence says it is taken now, was stopped, or is to be started;
- a ``therapy_trial`` when the sentence says it was tried, failed, not tolerated or is
  contraindicated, with the outcome, duration, strength and route written beside it;
- for ruxolitinib (the drug requested), ``therapy_status``, ``response_to_therapy`` and
  ``dose_increase`` when a continuation note states them.

Cues are read in the drug's own stretch of the sentence (up to the next drug), falling back
to a lead-in before the first drug ("Failed clobetasol, triamcinolone and tacrolimus").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from priorauth.adjudicate.facts import Context, MedicationStatus, Outcome, Route
from priorauth.extract.dates import UNIT_DAYS, find_dates
from priorauth.extract.mentions import Mention, PageText, quote_span
from priorauth.extract.nlp import Term

REQUESTED = "ruxolitinib"

# Ordered: the first that matches a stretch of text names the outcome.
_OUTCOMES: tuple[tuple[Outcome, re.Pattern[str]], ...] = tuple(
    # Written with single spaces; a line break or a run of spaces between words also matches.
    (outcome, re.compile(pattern.replace(" ", r"\s+"), re.IGNORECASE))
    for outcome, pattern in (
        (
            Outcome.CONTRAINDICATION,
            (
                r"contraindicat\w*|not a (?:good )?candidate|cannot (?:use|take|receive)|"
                r"should not (?:use|take|receive)|precluded"
            ),
        ),
        (
            Outcome.INTOLERANCE,
            (
                r"intoleran\w*|(?:could|did) ?n[o']t tolerate|not tolerated|poorly tolerated|"
                r"side[- ]effects?|adverse (?:effects?|events?|reactions?)|allergic reaction|"
                r"(?:stopped|discontinued|d/c'?d|held) (?:due to|because of|for) (?!lack|no |"
                r"inadequate|insufficient|poor response|failure)"
            ),
        ),
        (
            Outcome.PROGRESSION,
            r"progress(?:ion|ed|ing)|disease progression|worsen(?:ed|ing)|flared|relaps\w*",
        ),
        (
            Outcome.NO_IMPROVEMENT,
            (
                r"no (?:significant |meaningful |appreciable |clinical )?(?:improvement|response|"
                r"benefit|repigmentation|change)|without (?:improvement|response|benefit|"
                r"repigmentation)|did ?n[o']t (?:respond|help|improve|work)|not improv\w+|"
                r"(?:has|have|had) not responded|not respond(?:ed|ing)|failed to respond|"
                r"unresponsive|non-?responsive|ineffective|not effective"
            ),
        ),
        (
            Outcome.INADEQUATE_RESPONSE,
            (
                r"inadequate|insufficient|suboptimal|partial (?:response|improvement)|"
                r"(?:minimal|little|limited|modest|slight|partial|some|patchy) (?:improvement|"
                r"response|benefit|repigmentation)|"
                r"persist\w*|despite|incomplete (?:response|repigmentation)"
            ),
        ),
        (Outcome.FAILURE, r"fail(?:ed|ure|s|ing)?\b|refractory|unsuccessful|not successful"),
        (
            Outcome.RESPONSE,
            (
                r"responded|good response|(?:significant|marked|excellent) improvement|cleared|"
                r"\bC?CR\d?\b|\bPR\b|complete (?:response|remission)|partial response|"
                r"in remission|\bremission\b|\bresolved\b"
            ),
        ),
        (
            Outcome.INTOLERANCE,
            (
                r"burning|stinging|skin atrophy|striae|leg ulcers?|cytopenias?|\brash\b|nausea|"
                r"gi upset|headaches?|conjunctivitis|infections?"
            ),
        ),
    )
)
_DECISIVE = frozenset({Outcome.CONTRAINDICATION, Outcome.INTOLERANCE})
"""Outcomes whose explicit words ("intolerant", "contraindicated") win wherever they stand;
the others, and symptoms, go by which is written first."""
_TRIAL = re.compile(
    r"\b(?:tried|trials?|trialed|used|was (?:using|on|taking)|had been (?:on|using)|"
    r"treated with|tx with|s/p|prior|previous(?:ly)?|"
    r"history of|hx of|course of|completed|received|x\s?\d|for \d+\s?(?:days?|d|wks?|weeks?|"
    r"mos?|months?)|\d+[- ](?:week|wk|month|day)s?\b|since|until|through)",
    re.IGNORECASE,
)
_STOPPED = re.compile(
    r"\b(?:discontinued|stopped|d/c'?d|dc'?d|held|off (?:of )?|no longer (?:on|taking)|"
    r"completed|finished|ceased)\b",
    re.IGNORECASE,
)
_CURRENT = re.compile(
    r"\b(?:currently (?:on|taking|using|receiving)|continues?(?: on)?|continuing|"
    r"remains on|maintained on|(?<!was )(?<!were )(?:taking|using)|is on|on (?=\S+ \d))\b",
    re.IGNORECASE,
)
_ON = re.compile(r"\bon\s*$", re.IGNORECASE)
"""A drug right after "on" ("mother ... on Humira") is being taken."""
_PLANNED = re.compile(
    r"\b(?:will (?:start|begin|initiate|add|prescribe)|plan(?:s|ned)? (?:to )?(?:start|begin|"
    r"initiate|add)|start(?:ing)?|initiat(?:e|ing)|begin|add(?:ing)?|requesting|request for|"
    r"prescrib(?:e|ing))\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"(?:\bx\s?|\bfor\s+(?:about\s+|approximately\s+|~\s?)?|\b)(?P<n>\d{1,3})\s?[- ]?"
    r"(?P<unit>days?|d|wks?|weeks?|mos?|months?|yrs?|years?)\b",
    re.IGNORECASE,
)
_STRENGTH = re.compile(
    r"\b(?P<value>\d+(?:\.\d+)?)\s?(?P<unit>%|(?:mg|mcg|g)\b(?!/kg))", re.IGNORECASE
)
_MG_PER_KG = re.compile(
    r"(?P<dose>\d+(?:\.\d+)?)\s?mg/kg(?:/d(?:ay)?|/24 ?h| daily| per day)?", re.IGNORECASE
)
_SCORE = re.compile(r"\s*(?:score\b|\(?\d{1,2}\s*/\s*(?:10|30|100)\b(?![/\d]))", re.IGNORECASE)
"""A "drug" followed by a score is a scale: "ICE 10/10" (encephalopathy), not the regimen."""
_CHECKBOX = re.compile(
    # OCR turns boxes and quotes into stray marks: allow a few between "?" and the boxes.
    r"\?[^\[\n]{0,8}(?:\[\s*\]\s*Yes\s*\[\s*[xX✓]\s*\]\s*(?P<no>No)|"
    r"\[\s*[xX✓]\s*\]\s*(?P<yes>Yes))",
    re.IGNORECASE,
)
_DURATION_BEFORE = re.compile(
    r"(?P<n>\d{1,3})\s?[- ]?(?P<unit>days?|d|wks?|weeks?|mos?|months?)\s+(?:of|on)\s+\S*\s*$",
    re.IGNORECASE,
)
"""A duration written before the drug: "after 4 days of methylprednisolone"."""
_SINCE = re.compile(r"\b(?:since|started|start(?:ed)? on|began|initiated|from)\b", re.IGNORECASE)

_MEDICATION_LIST_HEADER = re.compile(
    # A header on its own line or before a colon, after OCR's stray marks (not a "- " item:
    # "- medication reconciliation (procedure)" is a billed procedure, not a list).
    r"^[ \t_|.,'‘\"]*(?:current |active |home |outpatient )?(?:medications?|meds|med list|"
    r"medication list|medication reconciliation)(?: list)?(?:[ \t]*\([^)\n]{0,40}\))?"
    r"[ \t]*(?::|$)",
    re.IGNORECASE | re.MULTILINE,
)
PATTERNS = {"medication_list": _MEDICATION_LIST_HEADER}


def _units_to_days(count: int, unit: str) -> int:
    key = unit.lower().rstrip("s")
    key = {"d": "day", "wk": "week", "mo": "month", "yr": "year"}.get(key, key)
    return count * UNIT_DAYS[key]


def outcome_in(text: str) -> Outcome | None:
    """The result a piece of text states for a trial, by the words clinicians use for it."""
    found: list[tuple[int, Outcome]] = []
    for index, (outcome, pattern) in enumerate(_OUTCOMES):
        match = pattern.search(text)
        if match is None:
            continue
        if outcome in _DECISIVE and index < 2:
            return outcome
        found.append((match.start(), outcome))
    if not found:
        return None
    found.sort()
    # "CHOP x 6, partial response, progression 10/2024": how the trial ended is what counts.
    if found[0][1] is Outcome.RESPONSE:
        later = [outcome for _at, outcome in found if outcome is not Outcome.RESPONSE]
        if later:
            return later[-1]
    return found[0][1]


def _route(page: PageText, term: Term, stretch: str) -> Route | None:
    form = page.lexicon.drugs.get(term.text) or next(
        (d for f, d in page.lexicon.drugs.items() if f.lower() == term.text.lower()), None
    )
    if form is not None and form.route is not None:
        return form.route
    lowered = stretch.lower()
    # A percent strength right after the drug ("tacrolimus 0.1%") is a topical; one further on
    # belongs to something else ("Depo-Medrol 40 mg, 1 cc of 1% lidocaine").
    if re.search(r"^\W*[^\d%]{0,14}\d+(?:\.\d+)?\s?%", lowered[len(term.text) :]):
        return Route.TOPICAL
    words = set(re.findall(r"[a-z./'-]+", lowered))
    for word, route in page.lexicon.route_words.items():
        if (" " in word and word in lowered) or word in words:
            return route
    return None


@dataclass(frozen=True, slots=True)
class _Span:
    """A drug mention and the text around it that speaks about it."""

    term: Term
    clause: str
    """Its clause: between the neighbouring commas/semicolons and drugs."""
    stretch: str
    """From the drug to the next drug in the sentence (outcomes written after a list item)."""
    lead: str
    """The sentence before its first drug ("Failed clobetasol, triamcinolone and ...")."""
    before: str
    """Its clause up to the drug ("After 4 days of")."""
    gap: str
    """The text since the previous drug of the sentence (", " in a list, "; " between)."""
    quote_start: int
    quote_end: int


_CLAUSE_BREAK = re.compile(r"[,;]|\s-\s|\s->\s")


def _same_drug(page: PageText, first: Term, second: Term) -> bool:
    """ "Protopic (tacrolimus)", "Opzelura (ruxolitinib) cream": one drug written twice."""
    between = page.text[first.end : second.start]
    return first.key == second.key and len(between) <= 3 and not between.strip(" ()/[]-")


def _spans(page: PageText, drugs: list[Term]) -> Iterator[_Span]:
    by_sentence: dict[int, list[Term]] = {}
    for term in drugs:
        terms = by_sentence.setdefault(page.sentence(term.start, term.end).start_char, [])
        if terms and _same_drug(page, terms[-1], term):
            continue
        terms.append(term)
    text = page.text
    for sentence_start, terms in by_sentence.items():
        sentence_end = page.sentence(terms[0].start, terms[0].end).end_char
        lead = text[sentence_start : terms[0].start]
        for index, term in enumerate(terms):
            previous_end = terms[index - 1].end if index else sentence_start
            next_start = terms[index + 1].start if index + 1 < len(terms) else sentence_end
            before = text[previous_end : term.start]
            breaks = list(_CLAUSE_BREAK.finditer(before))
            clause_start = previous_end + breaks[-1].end() if breaks else previous_end
            after = _CLAUSE_BREAK.search(text, term.end, next_start)
            clause_end = after.start() if after else next_start
            yield _Span(
                term=term,
                clause=text[clause_start : term.start] + " " + text[term.end : clause_end],
                stretch=text[term.end : next_start],
                lead=lead,
                before=text[clause_start : term.start],
                gap=text[previous_end : term.start],
                quote_start=sentence_start if index == 0 else clause_start,
                quote_end=next_start,
            )


def find(page: PageText) -> Iterator[Mention]:
    yield from _medication_lists(page)
    # Only the policy's agents (and the requested drug) are trials and medications;
    # vasopressors, CAR T products and chemotherapy serve other findings.
    wanted = page.lexicon.policy_agents
    drugs = [
        t
        for t in page.terms_of("drug")
        if (t.key in wanted or t.key == REQUESTED) and not _SCORE.match(page.text, t.end)
    ]
    for span in _spans(page, drugs):
        yield from _drug(page, span)
    if any(t.key == REQUESTED for t in drugs):
        yield from _dose_changes(page)


def _dose_changes(page: PageText) -> Iterator[Mention]:
    """On a page about the requested drug, a stated dose increase or an unchanged dose."""
    for pattern, increase in ((_INCREASE, True), (_SAME_DOSE, False)):
        for match in pattern.finditer(page.text):
            # "No dose increase", "not requesting an increase in dose": the same dose.
            denied = _NOT_BEFORE.search(page.text, max(0, match.start() - 12), match.start())
            says = increase and denied is None
            sentence = page.sentence(match.start(), match.end())
            context = page.context_at(match.start())
            start, end = quote_span(page.text, sentence.start_char, sentence.end_char)
            yield Mention("dose_increase", {"increase": says}, start, end, context, page.date)


def _medication_lists(page: PageText) -> Iterator[Mention]:
    for term in page.matches("medication_list"):
        if page.section(term.start) in {"past_medications", "allergies", "family_history"}:
            continue
        start, end = quote_span(page.text, *page.line(term.start))
        yield Mention(
            name="medication_list",
            value={"documented": True},
            start=start,
            end=end,
            context=Context(),
            date=page.date,
        )


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the text around one drug says about it, and where to quote it."""

    page: PageText
    span: _Span
    outcome: Outcome | None
    route: Route | None
    start: int
    end: int
    context: Context

    def trial(self, outcome: Outcome | None) -> Mention:
        span = self.span
        return _trial(
            self.page,
            span.term,
            span.stretch,
            span.before,
            self.route,
            outcome,
            self.start,
            self.end,
            self.context,
        )

    def medication(self, status: MedicationStatus) -> Mention:
        return _medication(
            self.span.term,
            status,
            self.route,
            self.start,
            self.end,
            self.context,
            self.page.date,
        )


def _drug(page: PageText, span: _Span) -> Iterator[Mention]:
    term = span.term
    section = page.section(term.start)
    if section == "allergies":
        return
    line_start, line_end = page.line(term.start)
    answer = _CHECKBOX.search(page.text, term.end, line_end)
    if answer is not None:
        # A form: "Hydroxyurea tried?  [ ] Yes  [X] No"
        context = term.context.model_copy(update={"negated": answer.group("no") is not None})
        start, end = quote_span(page.text, line_start, line_end)
        yield _trial(page, term, "", "", None, None, start, end, context)
        return
    start, end = quote_span(page.text, span.quote_start, span.quote_end)
    line = page.text[line_start:line_end]
    if term.key == REQUESTED:
        yield from _requested(page, term, span.stretch, line, start, end)
        return
    # A result before a semicolon is the trial's: "R-CHOP x6 -> CR; relapse 06/2025" was a
    # CR; without one, what follows says it ("09/2024 - 03/2025; d/c'd for leg ulcer").
    outcome = (
        outcome_in(span.clause)
        or outcome_in(span.stretch.split(";")[0])
        or outcome_in(span.stretch)
        or outcome_in(span.lead)
    )
    context = _own_negation(span)
    if not context.hypothetical and outcome not in _DECISIVE and _CONDITIONAL.search(span.clause):
        # "will add anakinra if febrile > 24 h": a drug that may be given, not one given;
        # but "Besremi considered - contraindicated" is a finding.
        context = context.model_copy(update={"hypothetical": True})
    reading = _Reading(
        page=page,
        span=span,
        outcome=outcome,
        route=_route(page, term, page.text[term.start : span.quote_end]),
        start=start,
        end=end,
        context=context,
    )
    on_list = section == "medications" or (
        section is None and _MEDICATION_LIST_HEADER.match(line) is not None
    )
    if context.hypothetical:
        # "will consider Eucrisa if no improvement": a trial that may come, never one made.
        yield reading.trial(None)
    elif on_list:
        yield from _listed(reading)
    elif context.negated:
        yield _denied(reading)
    else:
        yield from _narrated(reading, section)


def _listed(reading: _Reading) -> Iterator[Mention]:
    """A medication-list entry: taken now, or stopped; a result written on the entry
    ("STOPPED 11/2025 (cytopenias)") makes it a trial too."""
    span = reading.span
    stopped = _STOPPED.search(span.stretch) or _STOPPED.search(span.lead)
    yield reading.medication(MedicationStatus.PAST if stopped else MedicationStatus.CURRENT)
    if reading.outcome is not None:
        yield reading.trial(reading.outcome)


def _denied(reading: _Reading) -> Mention:
    """ "denies prior Eucrisa use", "declined hydroxyurea": never tried; "not on biologics",
    "is not taking ibrutinib": not taken now."""
    span = reading.span
    before = span.lead + span.before if _LIST_ONLY.match(span.gap) else span.before
    if _CURRENT.search(before) or re.search(r"\bon\b", before):
        return reading.medication(MedicationStatus.CURRENT)
    return reading.trial(reading.outcome)


def _narrated(reading: _Reading, section: str | None) -> Iterator[Mention]:
    """A drug in running text: tried (with its result), stopped, taken now, or to start."""
    span = reading.span
    before = span.before or span.lead
    stopped = _STOPPED.search(span.stretch) or _STOPPED.search(span.lead)
    current = _CURRENT.search(before) or _ON.search(before)
    tried = (
        reading.outcome is not None
        or section == "past_medications"
        or _TRIAL.search(span.stretch)
        or _TRIAL.search(span.lead)
    )
    if tried and (reading.outcome is not None or not (stopped or current)):
        yield reading.trial(reading.outcome)
    elif stopped:
        yield reading.medication(MedicationStatus.PAST)
    elif current or _CURRENT.search(span.clause):
        yield reading.medication(MedicationStatus.CURRENT)
    elif _PLANNED.search(before) or _PLANNED.search(span.clause):
        yield reading.medication(MedicationStatus.PLANNED)


_CONDITIONAL = re.compile(
    r"\b(?:if|should|unless|in case|discuss(?:ed|ion)?|consider\w*)\b",
    re.IGNORECASE,
)
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|never|denie[sd]|deny|declined?|refused?|without|w/o|negative for|"
    r"no (?:prior|previous|hx of|history of))\b",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(
    r"^[^,;.]{0,40}?\b(?:not (?:been )?(?:tried|used|given|started|taken|needed|required|"
    r"received)|never (?:been )?(?:tried|used|taken|started|given|received)|was declined|"
    r"were declined|declined|refused)\b",
    re.IGNORECASE,
)
_LIST_ONLY = re.compile(r"^[\s,/&()\-]*(?:and|or|nor)?[\s,/&()\-]*$", re.IGNORECASE)


def _own_negation(span: _Span) -> Context:
    """ConText's negation runs to the end of the sentence: in "clobetasol x 8 wks, no
    improvement; triamcinolone 0.1% ..." its "no" reaches triamcinolone. A drug stays negated
    only when its own clause denies it, before ("denies prior Eucrisa", "never tried X, Y or
    Z" for a list) or after ("Anagrelide has not been tried")."""
    context = span.term.context
    if not context.negated:
        return context
    before = span.before
    if _LIST_ONLY.match(span.gap):
        # "never tried X, Y or Z": the list's lead-in speaks for each of them.
        before = span.lead + before
    after = span.clause[len(span.before) + 1 :]
    # "no meaningful benefit from mometasone": the "no" belongs to the outcome.
    for _outcome_kind, pattern in _OUTCOMES:
        before = pattern.sub(" ", before)
    if _NEGATION_BEFORE.search(before) or _NEGATION_AFTER.search(after):
        return context
    return context.model_copy(update={"negated": False})


def _medication(
    term: Term,
    status: MedicationStatus,
    route: Route | None,
    start: int,
    end: int,
    context: Context,
    when: date | None,
) -> Mention:
    value: dict[str, object] = {"agent": term.key, "status": status.value}
    if route is not None:
        value["route"] = route.value
    return Mention("medication", value, start, end, context, when)


def _trial(
    page: PageText,
    term: Term,
    stretch: str,
    lead_in: str,
    route: Route | None,
    outcome: Outcome | None,
    start: int,
    end: int,
    context: Context,
) -> Mention:
    value: dict[str, object] = {
        "agent": term.key,
        "outcome": (outcome or Outcome.UNKNOWN).value,
    }
    if route is not None:
        value["route"] = route.value
    strength = _STRENGTH.search(stretch[:40])
    if strength is not None:
        value["strength"] = f"{strength.group('value')}{strength.group('unit').lower()}"
    duration = _DURATION.search(stretch) or _DURATION_BEFORE.search(lead_in)
    if duration is not None:
        value["duration_days"] = _units_to_days(int(duration.group("n")), duration.group("unit"))
    per_kg = _MG_PER_KG.search(stretch)
    if per_kg is not None:
        value["dose_mg_per_kg_day"] = float(per_kg.group("dose"))
    dates = [(d, exact) for _s, _e, d, exact in find_dates(stretch)]
    if len(dates) >= 2:
        (first, first_exact), (last, last_exact) = min(dates), max(dates)
        value["start_date"], value["end_date"] = first, last
        if "duration_days" not in value and first_exact and last_exact:
            # "11/03/25-11/17/25": the trial's length is what the dates say.
            value["duration_days"] = (last - first).days
    elif dates:
        key = "start_date" if _SINCE.search(stretch) else "end_date"
        value[key] = dates[0][0]
    return Mention("therapy_trial", value, start, end, context, page.date)


_CLAIM = re.compile(r"\b(?:paid|filled|dispensed|claims?|fill date|refill(?:ed)?)\b", re.I)
_APPROVED = re.compile(
    r"\b(?:previously approved|prior auth(?:orization)? approved|pa approved|approved (?:by|"
    r"through) (?:the )?(?:plan|insurance)|authorization on file)\b",
    re.IGNORECASE,
)
_OUTSIDE_BENEFIT = re.compile(
    r"\b(?:samples?|free drug|patient assistance|manufacturer assistance|copay card only)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(?:improv(?:ed|ement|ing)|respond(?:ing|ed)|(?:good|positive|favorable|partial|"
    r"clinical|excellent|durable|ongoing) response|response to|"
    r"repigment\w*|reduc(?:ed|tion) in|decreas(?:ed|e) in|smaller|resolved|better|"
    r"(?:spleen|splenomegaly) (?:has )?(?:decreased|regressed|reduced))",
    re.IGNORECASE,
)
_GENERAL = re.compile(
    r"\b(?:trials?|studies|study|literature|patients|proportion of|label(?:ed|ing)?|"
    r"guidelines?|et al)\b",
    re.IGNORECASE,
)
_NO_RESPONSE = re.compile(
    r"\b(?:no (?:significant |meaningful |appreciable |clinical |further )?(?:improvement|"
    r"response|repigmentation|benefit)|not (?:responding|improved|improving)|without "
    r"(?:improvement|response|repigmentation)|unchanged|lack of (?:response|efficacy))",
    re.IGNORECASE,
)
_WORSE = re.compile(
    r"\b(?:worsen(?:ed|ing)|progress(?:ed|ion|ing) (?:on|despite|while)|disease progression)",
    re.IGNORECASE,
)
_NOT_BEFORE = re.compile(r"\b(?:no|not|without|nor)\b[^.;\n]*$", re.IGNORECASE)
_INCREASE = re.compile(
    r"\b(?:increas(?:e|ed|ing)\s+(?:the\s+)?(?:dose|dosing)|dose\s+(?:increase|escalation)|"
    r"titrat(?:e|ed|ing)\s+up|up-?titrat\w*|escalat(?:e|ed|ing)\s+(?:the\s+)?dose|"
    r"increase\s+to\s+\d)",
    re.IGNORECASE,
)
_SAME_DOSE = re.compile(
    r"\b(?:same\s+dose|no\s+(?:dose\s+)?changes?\s+(?:in|to)\s+(?:the\s+)?dos\w*|"
    r"no\s+dose\s+change|continue\s+(?:at\s+)?(?:the\s+)?(?:current|same)\s+dose|"
    r"same\s+quantity|dose\s+unchanged|without\s+dose\s+change)",
    re.IGNORECASE,
)


def _requested(
    page: PageText, term: Term, stretch: str, line: str, start: int, end: int
) -> Iterator[Mention]:
    """The requested drug's own course, as continuation criteria read it. A relative's use
    ("his sister is using Opzelura") or a plan ("will start once approved") is not a course."""
    context = term.context
    someone_elses = context.family or context.hypothetical
    span = page.sentence(term.start, term.end)
    sentence = span.text
    start, end = quote_span(page.text, span.start_char, span.end_char)
    near = stretch[:120]
    if not someone_elses and (
        _CURRENT.search(sentence) or _CLAIM.search(line) or _SINCE.search(near)
    ):
        value: dict[str, object] = {"currently_receiving": True}
        if _CLAIM.search(line):
            value["via_plan_benefit"] = True
        elif _OUTSIDE_BENEFIT.search(sentence):
            value["via_plan_benefit"] = False
        if _APPROVED.search(sentence):
            value["previously_approved"] = True
        days = _days_on(page, near)
        if days is not None:
            value["days_on_therapy"] = days
        yield Mention("therapy_status", value, start, end, context, page.date)
    if _GENERAL.search(sentence):
        pass  # what trials or other patients showed is not this member's response
    elif _WORSE.search(sentence):
        yield _response(page, term, "worsening", context.model_copy(update={"negated": False}))
    elif _NO_RESPONSE.search(sentence):
        # "no response to ruxolitinib": the "no" is the finding, not a denial of the drug.
        yield _response(page, term, "none", context.model_copy(update={"negated": False}))
    elif _POSITIVE.search(sentence):
        yield _response(page, term, "positive", context)


def _response(page: PageText, term: Term, response: str, context: Context) -> Mention:
    sentence = page.sentence(term.start, term.end)
    start, end = quote_span(page.text, sentence.start_char, sentence.end_char)
    detail = page.text[start:end][:200]
    return Mention(
        "response_to_therapy",
        {"response": response, "detail": detail},
        start,
        end,
        context,
        page.date,
    )


def _days_on(page: PageText, near: str) -> int | None:
    duration = _DURATION.search(near)
    if duration is not None and _SINCE.search(near) is None:
        return _units_to_days(int(duration.group("n")), duration.group("unit"))
    if page.date is None:
        return None
    for _s, _e, since, _exact in find_dates(near):
        if since <= page.date:
            return (page.date - since).days
    return None
