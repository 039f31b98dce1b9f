"""Predicates over the request itself: product, age, prescriber, dose, state, routing."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from priorauth.adjudicate.facts import (
    Consultation,
    DoseIncrease,
    DoseLiterature,
    Outcome,
    TherapyTrial,
)
from priorauth.adjudicate.policy import Policy
from priorauth.adjudicate.predicates.base import (
    Params,
    asserted,
    listing,
    num,
    register,
    word_match,
)
from priorauth.adjudicate.request import LineOfBusiness
from priorauth.adjudicate.trace import MET, NOT_APPLICABLE, NOT_MET, UNKNOWN, Case, Leaf, Verdict


class ProductsParams(Params):
    products: tuple[str, ...]


@register("product_in", ProductsParams)
def product_in(params: ProductsParams, policy: Policy) -> Leaf:
    """The requested product is one of ``products``."""
    wanted = listing(params.products)

    def run(case: Case) -> Verdict:
        spec = policy.product(case.request.medication.product)
        name = spec.name if spec else case.request.medication.product
        if name in params.products:
            return MET, f"Request is for {name}.", ()
        return NOT_MET, f"Request is for {name}, not {wanted}.", ()

    return run


class YearsParams(Params):
    years: int


@register("age_at_least", YearsParams)
def age_at_least(params: YearsParams, policy: Policy) -> Leaf:
    """The member's age on the received date is at least ``years``."""

    def run(case: Case) -> Verdict:
        age = case.request.age_years
        if age >= params.years:
            return MET, f"Member is {age} years old (at least {params.years}).", ()
        return NOT_MET, f"Member is {age} years old, under {params.years}.", ()

    return run


@register("age_below", YearsParams)
def age_below(params: YearsParams, policy: Policy) -> Leaf:
    """The member's age on the received date is under ``years``."""

    def run(case: Case) -> Verdict:
        age = case.request.age_years
        if age < params.years:
            return MET, f"Member is {age} years old (under {params.years}).", ()
        return NOT_MET, f"Member is {age} years old, not under {params.years}.", ()

    return run


class SpecialtyParams(Params):
    specialties: tuple[str, ...]


@register("prescriber_specialty", SpecialtyParams, reads=("consultation",))
def prescriber_specialty(params: SpecialtyParams, policy: Policy) -> Leaf:
    """Prescribed by, or in documented consultation with, one of ``specialties``."""
    synonyms = [
        (name, phrase) for name in params.specialties for phrase in policy.specialties[name]
    ]
    wanted = listing(name.replace("_", " ") for name in params.specialties)

    memo: dict[str, str | None] = {}

    def matches(text: str) -> str | None:
        if text not in memo:
            memo[text] = next((name for name, phrase in synonyms if word_match(phrase, text)), None)
        return memo[text]

    def run(case: Case) -> Verdict:
        stated = case.request.prescriber.specialty.strip()
        if stated and matches(stated):
            return MET, f"Prescriber specialty is {stated!r}.", ()
        affirmed, _ = asserted(case, Consultation)
        for fact in affirmed:
            specialty = fact.value.specialty
            if matches(specialty):
                return MET, f"Prescribed in consultation with {specialty}.", (fact,)
        unnamed = not stated or any(word_match(t, stated) for t in policy.unspecified_specialties)
        if unnamed:
            shown = f"{stated!r} names" if stated else "The request gives"
            return (
                UNKNOWN,
                f"{shown} no specialty and no consultation with a {wanted} is documented.",
                (),
            )
        return (
            NOT_MET,
            f"Prescriber specialty is {stated!r}; no consultation with a {wanted} is documented.",
            (),
        )

    return run


class GenericParams(Params):
    generic: str
    setting: str


@register("generic_not_required", GenericParams, reads=("therapy_trial",))
def generic_not_required(params: GenericParams, policy: Policy) -> Leaf:
    """The generic is unavailable (a plan setting), or contraindicated or not tolerated."""
    generic = params.generic

    def run(case: Case) -> Verdict:
        if not getattr(case.settings, params.setting):
            return MET, f"Generic {generic} is not available (plan setting {params.setting}).", ()
        affirmed, _ = asserted(case, TherapyTrial)
        for fact in affirmed:
            value = fact.value
            if value.agent.casefold() == generic.casefold() and value.outcome in {
                Outcome.INTOLERANCE,
                Outcome.CONTRAINDICATION,
            }:
                why = (
                    "contraindicated"
                    if value.outcome is Outcome.CONTRAINDICATION
                    else "not tolerated"
                )
                return MET, f"Generic {generic} is available but {why}.", (fact,)
        return (
            NOT_MET,
            (
                f"Generic {generic} is available and no contraindication or clinically "
                "significant adverse effect to it is documented."
            ),
            (),
        )

    return run


class LimitParams(Params):
    limit: float


@register("max_mg_per_day", LimitParams)
def max_mg_per_day(params: LimitParams, policy: Policy) -> Leaf:
    """The requested mg per day (strength x quantity / days supply) is at most ``limit``."""
    limit = Fraction(str(params.limit))

    def run(case: Case) -> Verdict:
        per_day = case.request.mg_per_day
        if per_day is None:
            return NOT_MET, "The request is not for a tablet in mg.", ()
        shown = f"{num(per_day)} mg/day"
        if per_day <= limit:
            return MET, f"Requested dose is {shown} (at most {num(limit)}).", ()
        return NOT_MET, f"Requested dose is {shown}, over {num(limit)} mg/day.", ()

    return run


@register("max_tablets_per_day", LimitParams)
def max_tablets_per_day(params: LimitParams, policy: Policy) -> Leaf:
    """The requested tablets per day (quantity / days supply) is at most ``limit``."""
    limit = Fraction(str(params.limit))

    def run(case: Case) -> Verdict:
        per_day = case.request.tablets_per_day
        if per_day is None:
            return NOT_MET, "The request is not for tablets.", ()
        shown = f"{num(per_day)} tablets/day"
        if per_day <= limit:
            return MET, f"Requested quantity is {shown} (at most {num(limit)}).", ()
        return NOT_MET, f"Requested quantity is {shown}, over {num(limit)} a day.", ()

    return run


class GramsParams(Params):
    grams: int
    days: int


@register("max_grams", GramsParams)
def max_grams(params: GramsParams, policy: Policy) -> Leaf:
    """The requested grams per ``days`` days is at most ``grams``."""
    limit = Fraction(params.grams)
    period = "week" if params.days == 7 else f"{params.days} days"

    def run(case: Case) -> Verdict:
        grams = case.request.grams_per(params.days)
        if grams is None:
            return NOT_MET, "The request is not for a topical in grams.", ()
        shown = f"{num(grams)} g per {period}"
        if grams <= limit:
            return MET, f"Requested supply is {shown} (at most {params.grams} g).", ()
        return NOT_MET, f"Requested supply is {shown}, over {params.grams} g.", ()

    return run


class NoParams(Params):
    pass


@register("dose_literature_submitted", NoParams, reads=("dose_literature",))
def dose_literature_submitted(params: NoParams, policy: Policy) -> Leaf:
    """The prescriber submitted practice guidelines or literature supporting the dose."""

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, DoseLiterature)
        if affirmed:
            cites = "; ".join(f.value.citation for f in affirmed)
            return MET, f"Supporting literature submitted: {cites}.", tuple(affirmed)
        # "Prescriber must submit supporting evidence": a request without it does not meet this.
        return NOT_MET, "No practice guideline or literature supporting the dose was submitted.", ()

    return run


class ExemptionParams(Params):
    states: tuple[str, ...]
    lines_of_business: tuple[LineOfBusiness, ...]
    effective: dt.date
    authority: str


@register("step_therapy_exemption", ExemptionParams)
def step_therapy_exemption(params: ExemptionParams, policy: Policy) -> Leaf:
    """A state law exempts the request from step therapy (state, line of business, date)."""

    def run(case: Case) -> Verdict:
        request = case.request
        if (
            request.state in params.states
            and request.line_of_business in params.lines_of_business
            and request.received_date >= params.effective
        ):
            return (
                MET,
                (
                    f"Step therapy does not apply to {request.state} {request.line_of_business} "
                    f"requests received from {params.effective} ({params.authority})."
                ),
                (),
            )
        return (
            NOT_MET,
            f"The {params.authority} step-therapy exemption does not apply to this request.",
            (),
        )

    return run


@register("dose_increase", NoParams, reads=("dose_increase",))
def dose_increase(params: NoParams, policy: Policy) -> Leaf:
    """The request is for a dose increase (no documented increase means it is not)."""

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, DoseIncrease)
        increases = [f for f in affirmed if f.value.increase]
        if increases:
            return MET, "The request is for a dose increase.", tuple(increases)
        return NOT_MET, "The request is not for a dose increase.", tuple(affirmed)

    return run


class ConditionsParams(Params):
    conditions: tuple[str, ...]


@register("request_condition_in", ConditionsParams)
def request_condition_in(params: ConditionsParams, policy: Policy) -> Leaf:
    """The request was routed by one of ``conditions``."""
    labels = listing(policy.conditions[c].label for c in params.conditions)

    def run(case: Case) -> Verdict:
        if case.condition in params.conditions:
            return MET, f"The request is for {policy.conditions[case.condition].label}.", ()
        return NOT_MET, f"The request is not for {labels}.", ()

    return run


class ReasonParams(Params):
    reason: str


@register("not_permitted", ReasonParams)
def not_permitted(params: ReasonParams, policy: Policy) -> Leaf:
    """Never met: the policy does not permit what is requested."""

    def run(case: Case) -> Verdict:
        return NOT_MET, params.reason, ()

    return run


class ReferralParams(Params):
    formulary: bool


@register("label_change_referral", ReferralParams)
def label_change_referral(params: ReferralParams, policy: Policy) -> Leaf:
    """A recent label change not yet in the policy (a plan setting), on or off formulary."""

    def run(case: Case) -> Verdict:
        settings = case.settings
        if not settings.recent_label_change:
            return NOT_APPLICABLE, "No label change of the last 6 months awaits this policy.", ()
        if settings.on_formulary != params.formulary:
            where = "on" if settings.on_formulary else "not on"
            return NOT_APPLICABLE, f"The drug is {where} the formulary/PDL.", ()
        where = "on" if params.formulary else "not on"
        return (
            MET,
            (
                f"A recent label change is not yet in the policy; the drug is {where} "
                "the formulary/PDL."
            ),
            (),
        )

    return run


@register("no_label_change", NoParams)
def no_label_change(params: NoParams, policy: Policy) -> Leaf:
    """No recent label change applies, so the off-label policy does."""

    def run(case: Case) -> Verdict:
        if case.settings.recent_label_change:
            return NOT_APPLICABLE, "A recent label change applies (criterion 1).", ()
        return (
            MET,
            "The requested use is not covered by this policy and no recent label change applies.",
            (),
        )

    return run
