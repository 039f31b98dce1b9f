"""Predicates over what the chart documents: diagnosis, extent, labs, genetics, history."""

from __future__ import annotations

from priorauth.adjudicate.facts import (
    BsaInvolvement,
    CellTherapy,
    Diagnosis,
    ImmuneStatus,
    Intent,
    Mutation,
    PlateletCount,
    TransplantKind,
    TreatmentPlan,
    TreatmentSite,
)
from priorauth.adjudicate.facts import Transplant as TransplantFact
from priorauth.adjudicate.policy import Policy
from priorauth.adjudicate.predicates.base import (
    Params,
    asserted,
    day,
    latest,
    listing,
    num,
    register,
)
from priorauth.adjudicate.trace import MET, NOT_MET, UNKNOWN, Case, Leaf, Verdict


class DiagnosisParams(Params):
    condition: str
    subtypes: tuple[str, ...] = ()
    """Any of these subtypes; empty means any subtype, or none stated."""
    risks: tuple[str, ...] = ()


def _label(subtype: str | None) -> str:
    return subtype.replace("_", "-") if subtype else "unspecified"


@register("diagnosis", DiagnosisParams, reads=("diagnosis",))
def diagnosis(params: DiagnosisParams, policy: Policy) -> Leaf:
    """The chart documents ``condition`` (with one of ``subtypes`` / ``risks`` if given)."""
    label = policy.conditions[params.condition].label
    wanted = listing(_label(s) for s in params.subtypes)

    def run(case: Case) -> Verdict:
        affirmed, negated = asserted(case, Diagnosis)
        mine = [f for f in affirmed if f.value.condition == params.condition]
        denied = [f for f in negated if f.value.condition == params.condition]
        if not mine:
            if denied:
                return NOT_MET, f"The chart states the member does not have {label}.", tuple(denied)
            return UNKNOWN, f"No diagnosis of {label} is documented.", ()
        if params.subtypes:
            fitting = [f for f in mine if f.value.subtype in params.subtypes]
            if fitting:
                subtype = _label(fitting[0].value.subtype)
                return MET, f"Diagnosis of {label} ({subtype}) is documented.", tuple(fitting)
            if any(f.value.subtype is None for f in mine):
                return (
                    UNKNOWN,
                    f"{label} is documented without saying whether it is {wanted}.",
                    tuple(mine),
                )
            found = listing(_label(f.value.subtype) for f in mine)
            return NOT_MET, f"The documented {label} is {found}, not {wanted}.", tuple(mine)
        if params.risks:
            risky = [f for f in mine if f.value.risk in params.risks]
            if risky:
                return MET, f"{label} documented as {risky[0].value.risk} risk.", tuple(risky)
            if any(f.value.risk is None for f in mine):
                return UNKNOWN, f"The risk category of {label} is not documented.", tuple(mine)
            return (
                NOT_MET,
                f"{label} is not documented as {listing(params.risks)} risk.",
                tuple(mine),
            )
        return MET, f"Diagnosis of {label} is documented.", tuple(mine)

    return run


class PercentParams(Params):
    percent: float


@register("bsa_at_most", PercentParams, reads=("bsa_involvement",))
def bsa_at_most(params: PercentParams, policy: Policy) -> Leaf:
    """The most recent documented BSA involvement is at most ``percent``."""
    limit = params.percent

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, BsaInvolvement)
        if not affirmed:
            return UNKNOWN, "Body surface area involvement (%) is not documented.", ()
        current = latest(affirmed)
        values = sorted({f.value.percent for f in current})
        shown = listing((f"{num(v)}%" for v in values), "and")
        when = f" on {day(current[0].date)}" if current[0].date else ""
        if all(v <= limit for v in values):
            return MET, f"BSA involvement is {shown}{when} (at most {num(limit)}%).", tuple(current)
        if all(v > limit for v in values):
            return NOT_MET, f"BSA involvement is {shown}{when}, over {num(limit)}%.", tuple(current)
        return (
            UNKNOWN,
            f"Conflicting BSA involvement {shown}{when}; a reviewer must say which holds.",
            tuple(current),
        )

    return run


class SitesParams(Params):
    sites: tuple[str, ...]


@register("treatment_site_in", SitesParams, reads=("treatment_site",))
def treatment_site_in(params: SitesParams, policy: Policy) -> Leaf:
    """Treatment is for at least one of ``sites`` (face, intertriginous areas, ...)."""

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, TreatmentSite)
        if not affirmed:
            return UNKNOWN, "The treatment sites are not documented.", ()
        fitting = [f for f in affirmed if f.value.site in params.sites]
        if fitting:
            found = listing(sorted({f.value.site for f in fitting}), "and")
            return MET, f"Treatment is for {found}.", tuple(fitting)
        found = listing(sorted({f.value.site for f in affirmed}), "and")
        return NOT_MET, f"Treatment sites are {found}: not face or intertriginous.", tuple(affirmed)

    return run


class NoParams(Params):
    pass


@register("not_immunocompromised", NoParams, reads=("immune_status",))
def not_immunocompromised(params: NoParams, policy: Policy) -> Leaf:
    """The chart does not show an immunocompromised status (and says what it is)."""

    def run(case: Case) -> Verdict:
        affirmed, negated = asserted(case, ImmuneStatus)
        compromised = [f for f in affirmed if f.value.immunocompromised]
        if compromised:
            why = compromised[0].value.reason
            detail = f" ({why})" if why else ""
            return NOT_MET, f"Member is immunocompromised{detail}.", tuple(compromised)
        competent = [f for f in affirmed if not f.value.immunocompromised] + [
            f for f in negated if f.value.immunocompromised
        ]
        if competent:
            return MET, "The chart documents the member is not immunocompromised.", tuple(competent)
        return UNKNOWN, "Immune status is not documented.", ()

    return run


class PlateletParams(Params):
    at_least: float
    """In 10^9/L."""
    within_days: int


@register("platelets_recent_at_least", PlateletParams, reads=("platelet_count",))
def platelets_recent_at_least(params: PlateletParams, policy: Policy) -> Leaf:
    """The most recent platelet count within ``within_days`` of receipt is >= ``at_least``."""
    floor = params.at_least

    def run(case: Case) -> Verdict:
        received = case.request.received_date
        affirmed, _ = asserted(case, PlateletCount)
        ages = {f.id: (received - f.date).days for f in affirmed if f.date is not None}
        dated = [f for f in affirmed if ages.get(f.id, -1) >= 0]
        recent = [f for f in dated if ages[f.id] <= params.within_days]
        if not recent:
            if dated:
                newest = max(f.date for f in dated if f.date is not None)
                age = (received - newest).days
                return (
                    UNKNOWN,
                    (
                        f"The most recent platelet count ({day(newest)}) is {age} days before "
                        f"receipt; none within {params.within_days} days is documented."
                    ),
                    tuple(f for f in dated if f.date == newest),
                )
            if affirmed:
                return UNKNOWN, "Platelet counts are documented without a usable date.", ()
            return UNKNOWN, f"No platelet count within {params.within_days} days is documented.", ()
        current = latest(recent)
        # Two results on the same day that disagree: the lower one decides, and is named.
        lowest = min(current, key=lambda f: (f.value.per_nanolitre, f.id))
        count = lowest.value.per_nanolitre
        when = day(lowest.date) if lowest.date else ""
        if count >= floor:
            return (
                MET,
                f"Platelet count {num(count)} x10^9/L on {when} (at least {num(floor)}).",
                tuple(current),
            )
        return (
            NOT_MET,
            f"Platelet count {num(count)} x10^9/L on {when}, under {num(floor)}.",
            tuple(current),
        )

    return run


class MutationParams(Params):
    genes: tuple[str, ...]
    """Gene names, or ``*`` for any JAK-STAT pathway alteration named in ``pathway``."""
    pathway: tuple[str, ...] = ()


@register("mutation_detected", MutationParams, reads=("mutation",))
def mutation_detected(params: MutationParams, policy: Policy) -> Leaf:
    """Positive for an alteration of one of ``genes`` (or of the ``pathway`` genes)."""
    genes = {g.upper() for g in (*params.genes, *params.pathway) if g != "*"}
    shown = listing(params.genes)

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, Mutation)
        mine = [f for f in affirmed if f.value.gene.upper() in genes]
        positive = [f for f in mine if f.value.detected]
        if positive:
            found = listing(
                sorted(
                    {f"{f.value.gene} {f.value.detail or f.value.alteration}" for f in positive}
                ),
                "and",
            )
            return MET, f"Positive for {found}.", tuple(positive)
        if mine:
            tested = listing(sorted({f.value.gene for f in mine}), "and")
            return NOT_MET, f"Testing of {tested} was negative.", tuple(mine)
        return UNKNOWN, f"No testing for {shown} is documented.", ()

    return run


class TransplantParams(Params):
    kinds: tuple[TransplantKind, ...]


@register("transplant", TransplantParams, reads=("transplant",))
def transplant(params: TransplantParams, policy: Policy) -> Leaf:
    """A hematopoietic cell transplant of one of ``kinds`` is documented."""

    def run(case: Case) -> Verdict:
        affirmed, negated = asserted(case, TransplantFact)
        fitting = [f for f in affirmed if f.value.kind in params.kinds]
        if fitting:
            kind = fitting[0].value.kind
            shown = "" if kind is TransplantKind.UNSPECIFIED else f"{kind.value} "
            return MET, f"Member is post {shown}hematopoietic cell transplant.", tuple(fitting)
        if affirmed:
            return NOT_MET, "Only an autologous transplant is documented.", tuple(affirmed)
        if negated:
            return NOT_MET, "The chart states no transplant.", tuple(negated)
        return UNKNOWN, "No hematopoietic cell transplant is documented.", ()

    return run


class CellTherapyParams(Params):
    targets: tuple[str, ...] = ()


@register("cell_therapy", CellTherapyParams, reads=("cell_therapy",))
def cell_therapy(params: CellTherapyParams, policy: Policy) -> Leaf:
    """The member received CAR T-cell therapy (directed at one of ``targets`` if given)."""
    wanted = listing(t.upper() for t in params.targets)

    def run(case: Case) -> Verdict:
        affirmed, negated = asserted(case, CellTherapy)
        if not affirmed:
            if negated:
                return NOT_MET, "The chart states no CAR T-cell therapy.", tuple(negated)
            return UNKNOWN, "No CAR T-cell therapy is documented.", ()
        if not params.targets:
            return MET, "CAR T-cell therapy is documented.", tuple(affirmed)
        fitting = [f for f in affirmed if f.value.target in params.targets]
        if fitting:
            return MET, f"{wanted}-directed CAR T-cell therapy is documented.", tuple(fitting)
        if any(f.value.target is None for f in affirmed):
            return (
                UNKNOWN,
                f"CAR T-cell therapy documented without its target ({wanted}?).",
                tuple(affirmed),
            )
        found = listing(sorted({(f.value.target or "").upper() for f in affirmed}))
        return NOT_MET, f"CAR T-cell therapy was {found}-directed, not {wanted}.", tuple(affirmed)

    return run


class IntentParams(Params):
    intents: tuple[Intent, ...]


@register("treatment_intent", IntentParams, reads=("treatment_plan",))
def treatment_intent(params: IntentParams, policy: Policy) -> Leaf:
    """The plan documents one of ``intents`` (induction, consolidation, palliative, ...)."""
    wanted = listing(i.value for i in params.intents)

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, TreatmentPlan)
        fitting = [f for f in affirmed if f.value.intent in params.intents]
        if fitting:
            return MET, f"Prescribed as {fitting[0].value.intent.value} therapy.", tuple(fitting)
        if affirmed:
            found = listing(sorted({f.value.intent.value for f in affirmed}))
            return NOT_MET, f"The documented intent is {found}, not {wanted}.", tuple(affirmed)
        return UNKNOWN, f"The treatment plan ({wanted}) is not documented.", ()

    return run
