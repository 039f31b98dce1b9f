"""What a model is asked to return, and the check that a claim says what its quote says.

Claims are structured output (pydantic, derived from the fact vocabulary): the fact's name,
its value fields, a verbatim quote with the document and page it came from, and the context
flags. A claim whose quote is found on its page can still put words in the page's mouth ("BSA
5%" citing "BSA 45%", "failure" citing "good response"); ``supported`` checks the values
against the quote's own words, so a model cannot make the system say what the packet does
not.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from priorauth.adjudicate.facts import (
    EXCEPTION_OUTCOMES,
    FACT_TYPES,
    FAILURE_OUTCOMES,
    Outcome,
)
from priorauth.extract.lexicon import Lexicon

NAMES = tuple(FACT_TYPES)


class Claim(BaseModel):
    """One fact a page states."""

    fact: str = Field(
        description="The fact's name, from the vocabulary",
        json_schema_extra={"enum": list(NAMES)},
    )
    value: dict[str, Any] = Field(description="The fact's value fields (see the vocabulary)")
    quote: str = Field(description="Words copied exactly from the page that state the fact")
    document: str = Field(description="The document the quote is from, as named in the marker")
    page: int = Field(description="The page number the quote is from, as in the marker")
    date: str | None = Field(default=None, description="YYYY-MM-DD the fact refers to")
    negated: bool = False
    family: bool = False
    hypothetical: bool = False


class Claims(BaseModel):
    """Every fact the pages state, in the vocabulary."""

    claims: list[Claim] = Field(default_factory=list)


def vocabulary() -> str:
    """The fact kinds and their value fields, for the prompt."""
    lines = []
    for name, model in FACT_TYPES.items():
        value_model = model.model_fields["value"].annotation
        fields = getattr(value_model, "model_fields", {})
        described = []
        for field, info in fields.items():
            kind = getattr(info.annotation, "__name__", str(info.annotation))
            described.append(f"{field} ({kind.replace('typing.', '')})")
        lines.append(f"- {name}: {', '.join(described)}")
    return "\n".join(lines)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMERIC_FIELDS = (
    "percent",
    "count",
    "temperature_c",
    "flow_l_min",
    "grade",
    "duration_days",
    "days_on_therapy",
)


def _numbers(text: str) -> set[float]:
    found = set()
    for raw in _NUMBER.findall(text):
        try:
            found.add(float(raw.replace(",", "")))
        except ValueError:
            continue
    return found


def _number_stated(field: str, value: float, quote: str) -> bool:
    numbers = _numbers(quote)
    if field == "temperature_c":
        fahrenheit = round(value * 9 / 5 + 32, 1)
        return any(abs(n - value) < 0.15 or abs(n - fahrenheit) < 0.25 for n in numbers)
    if field == "count":
        # 92, 92K, 92,000/uL are one count
        return any(n in (value, value * 1000, value / 1000) for n in numbers)
    if field in ("duration_days", "days_on_therapy"):
        # "x 8 weeks" is 56 days, "3 months" about 90
        return any(n * unit == value for n in numbers for unit in (1, 7, 30, 31, 365))
    return value in numbers


def _has_words(words: str, quote: str) -> bool:
    """``words`` in ``quote`` as whole words ("epinephrine" is not in "norepinephrine")."""
    return re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", quote, re.IGNORECASE) is not None


def _mentions_drug(agent: str, quote: str, lexicon: Lexicon) -> bool:
    forms = [form for form, drug in lexicon.drugs.items() if drug.agent == agent.lower()]
    return any(_has_words(form, quote) for form in [agent, *forms])


def _mentions_condition(condition: str, quote: str, lexicon: Lexicon) -> bool:
    return any(_has_words(form, quote) for form in lexicon.conditions.get(condition, ()))


_KIND_WORDS: dict[str, str] = {
    "immune_status": r"immun",
    "hypotension": r"hypotens|\bSBP\b|\bMAP\b|\bBP\b|pressure",
    "medication_list": r"\bmed(?:s\b|ication)",
    "transplant": r"transplant|\bHCT\b|\bSCT\b|\bBMT\b|HSCT|\ballo|\bauto",
    "cell_therapy": r"\bCAR\b|CAR-?T|-cel\b|leucel|cabtagene",
    "crs_grade": r"\bgr(?:ade)?\b|\bG[1-4]\b",
    "oxygen_support": r"\bO2\b|oxygen|cannula|\bNC\b|HFNC|mask|\bNRB\b|CPAP|BiPAP|BIPAP|"
    r"intubat|ventilat",
    "dose_increase": r"dose|dosing|titrat|increas|escalat|same|unchanged",
    "dose_literature": r"et al|\d{4}|guideline|NCCN",
}
"""Words without which a quote cannot state a fact of that kind."""

_SITE_WORDS: dict[str, str] = {
    "face": r"face(?!\s*sheet)|facial|eyelid|perioral|periorbital|cheek|forehead|\blips?\b|"
    r"chin|nose",
    "intertriginous": r"axill|groin|inguinal|inframammary|intertrigin|fold",
    "genitals": r"genital|vulv|scrot|penile|penis",
    "hands": r"hand|finger|palm",
    "feet": r"\bfoot\b|feet|\btoes?\b|sole",
    "neck": r"neck",
    "scalp": r"scalp",
    "trunk": r"trunk|chest|back|abdom",
    "arms": r"\barms?\b|elbow|forearm",
    "forearm": r"forearm",
    "legs": r"\blegs?\b|knee|shin|thigh|calf|calves",
}


_RESPONSE_WORDS = {
    "positive": r"respond|response|improv|better|repigment|reduc|decreas|resolv|smaller|"
    r"regress|clear",
    "none": r"\bno\b|not|without|unchanged|stable|lack|fail",
    "worsening": r"wors|progress(?:ed|ion)|increas|enlarg|new",
}
_CLAIMS_PAID = r"paid|fill|claim|dispens|refill"


def _words_for(name: str, value: dict[str, Any], quote: str) -> bool:
    words = _KIND_WORDS.get(name)
    if words is not None and not re.search(words, quote, re.IGNORECASE):
        return False
    response = value.get("response")
    if (
        name == "response_to_therapy"
        and isinstance(response, str)
        and not re.search(_RESPONSE_WORDS.get(response, "$^"), quote, re.IGNORECASE)
    ):
        return False
    if value.get("via_plan_benefit") is True and not re.search(_CLAIMS_PAID, quote, re.I):
        return False
    percent = value.get("percent")
    if isinstance(percent, int | float) and not re.search(r"%|percent", quote, re.I):
        return False
    site = value.get("site")
    if name == "treatment_site" and isinstance(site, str):
        pattern = _SITE_WORDS.get(site, re.escape(site))
        if not re.search(pattern, quote, re.IGNORECASE):
            return False
    for field in ("intent", "specialty"):
        said = value.get(field)
        if isinstance(said, str):
            parts = said.replace("_", " ").split()
            if not parts or parts[0][:5].lower() not in quote.lower():
                return False
    return True


def supported(name: str, value: dict[str, Any], quote: str, lexicon: Lexicon) -> bool:
    """Whether the quote's own words carry the claimed values: its numbers, its drug, its
    condition, its gene, site or intent, words of its kind, and for a trial, a result of the
    same kind."""
    if not _words_for(name, value, quote):
        return False
    for field in _NUMERIC_FIELDS:
        number = value.get(field)
        if isinstance(number, int | float) and not _number_stated(field, float(number), quote):
            return False
    agent = value.get("agent")
    if isinstance(agent, str) and not _mentions_drug(agent, quote, lexicon):
        return False
    condition = value.get("condition")
    if isinstance(condition, str) and not _mentions_condition(condition, quote, lexicon):
        return False
    subtype = value.get("subtype")
    if isinstance(condition, str) and isinstance(subtype, str):
        forms = lexicon.subtypes.get(condition, {}).get(subtype, (subtype,))
        if not any(form.lower() in quote.lower() for form in forms):
            return False
    gene = value.get("gene")
    if isinstance(gene, str) and gene.lower() not in quote.lower():
        return False
    outcome = value.get("outcome")
    if name == "therapy_trial" and outcome not in (None, Outcome.UNKNOWN.value):
        return _outcome_stated(str(outcome), quote)
    if name in ("therapy_status", "response_to_therapy", "dose_increase"):
        # The requested drug's course: the quote must name it.
        return _mentions_drug("ruxolitinib", quote, lexicon)
    return True


def _outcome_stated(outcome: str, quote: str) -> bool:
    from priorauth.extract.find_therapies import outcome_in

    stated = outcome_in(quote)
    if stated is None:
        return False
    failures = {o.value for o in FAILURE_OUTCOMES}
    exceptions = {o.value for o in EXCEPTION_OUTCOMES}
    for group in (failures, exceptions):
        if outcome in group:
            return stated.value in group
    return stated.value == outcome
