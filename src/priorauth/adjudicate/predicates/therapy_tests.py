"""Predicates over treatment history: trials and failures, concurrent drugs, prior lines."""

from __future__ import annotations

from typing import Literal

from priorauth.adjudicate.appendices import (
    AgentIndex,
    Fit,
    Selector,
    normalize_name,
    prednisone_mg_per_kg,
)
from priorauth.adjudicate.facts import (
    EXCEPTION_OUTCOMES,
    FAILURE_OUTCOMES,
    Medication,
    MedicationList,
    MedicationStatus,
    Outcome,
    Potency,
    Route,
    SystemicTherapyLines,
    TherapyTrial,
    TreatmentPlan,
)
from priorauth.adjudicate.policy import Policy
from priorauth.adjudicate.predicates.base import (
    Params,
    asserted,
    listing,
    months_before,
    num,
    register,
)
from priorauth.adjudicate.trace import MET, NOT_MET, UNKNOWN, Case, Leaf, Verdict


class TrialParams(Params):
    classes: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    what: str
    """How the reason names the therapy: "medium-to-very high potency topical corticosteroid"."""
    count: int = 1
    """Distinct agents (agent and strength) needed."""
    min_potency: Potency | None = None
    min_days: int | None = None
    within_months: int | None = None
    failure_required: bool = True
    """False where the policy asks only that the agents were used ("in the previous 6 months")."""
    exceptions: Literal["any", "all_contraindicated", "none"] = "any"
    """``any``: intolerance or contraindication to one agent excuses the step;
    ``all_contraindicated``: intolerance to one, or contraindication to every option."""
    options: tuple[str, ...] = ()
    """With ``all_contraindicated``: the classes that must all be contraindicated."""


def _describe(fact: TherapyTrial, potency: Potency | None) -> str:
    value = fact.value
    parts = [value.agent]
    if value.strength:
        parts.append(value.strength)
    if potency is not None:
        parts.append(f"({potency.value.replace('_', ' ')})")
    if value.duration_days is not None:
        parts.append(f"for {value.duration_days} days")
    parts.append(f"- {value.outcome.value.replace('_', ' ')}")
    return " ".join(parts)


def _worst(checks: list[Fit]) -> Fit:
    return "no" if "no" in checks else "maybe" if "maybe" in checks else "yes"


class _Trials:
    """The ``trial`` predicate: which documented trials count, and why the others do not."""

    def __init__(self, params: TrialParams, policy: Policy) -> None:
        self.params = params
        self.index = AgentIndex(policy.appendix_b)
        self.selector = Selector(self.index, params.agents, params.classes)

    def relevant(self, fact: TherapyTrial) -> Fit:
        value = fact.value
        return self.selector.fit(value.agent, value.route, value.drug_class, value.strength)

    def potency(self, fact: TherapyTrial) -> Potency | None:
        value = fact.value
        return self.index.potency(value.agent, value.strength, value.potency)

    def fit(self, fact: TherapyTrial, case: Case, *, as_exception: bool = False) -> tuple[Fit, str]:
        """Whether one trial qualifies: potency, duration, recency and outcome. An intolerance
        or contraindication (``as_exception``) must be to an agent that would qualify, but
        needs no duration and no failure."""
        params, value = self.params, fact.value
        checks: list[tuple[Fit, str]] = []
        potency = self.potency(fact)
        if params.min_potency is not None:
            if potency is None:
                checks.append(("maybe", "potency not documented"))
            elif potency.rank < params.min_potency.rank:
                checks.append(("no", f"{potency.value.replace('_', ' ')} potency"))
        if params.min_days is not None and not as_exception:
            if value.duration_days is None:
                checks.append(("maybe", "duration not documented"))
            elif value.duration_days < params.min_days:
                checks.append(("no", f"used {value.duration_days} of {params.min_days} days"))
        if params.within_months is not None:
            when = value.end_date or fact.date or value.start_date
            since = months_before(case.request.received_date, params.within_months)
            if when is None:
                checks.append(("maybe", "date not documented"))
            elif when < since:
                checks.append(("no", f"before the previous {params.within_months} months"))
        if not as_exception:
            checks += self._outcome(value.outcome)
        return _worst([fit for fit, _ in checks]), "; ".join(note for _, note in checks if note)

    def _outcome(self, outcome: Outcome) -> list[tuple[Fit, str]]:
        if not self.params.failure_required:
            return [("no", "contraindicated")] if outcome is Outcome.CONTRAINDICATION else []
        if outcome in FAILURE_OUTCOMES:
            return []
        if outcome in {Outcome.UNKNOWN, Outcome.ONGOING}:
            return [("maybe", "outcome not documented")]
        return [("no", outcome.value.replace("_", " "))]

    def excused(
        self, mine: list[TherapyTrial], everything: list[TherapyTrial]
    ) -> list[TherapyTrial]:
        """Trials whose intolerance or contraindication excuses the step.

        "Unless ... all are contraindicated" looks at every option, not only this item's class.
        """
        params = self.params
        if params.exceptions == "none":
            return []
        excused = [f for f in mine if f.value.outcome is Outcome.INTOLERANCE]
        contra = [f for f in mine if f.value.outcome is Outcome.CONTRAINDICATION]
        if params.exceptions == "any":
            return excused + contra
        options = set(params.options)
        covering = [
            (f, classes)
            for f in everything
            if f.value.outcome is Outcome.CONTRAINDICATION
            and (
                classes := self.index.classify(
                    f.value.agent, f.value.route, f.value.drug_class, f.value.strength
                ).classes
                & options
            )
        ]
        if options <= {c for _, classes in covering for c in classes}:
            return excused + [f for f, _ in covering]
        return excused

    def _sort_exceptions(
        self, excusing: list[TherapyTrial], case: Case
    ) -> tuple[list[TherapyTrial], list[tuple[TherapyTrial, str]], list[str]]:
        """Intolerances and contraindications that excuse the step (to an agent that would
        qualify), those that might (potency or date not documented), and those that do not."""
        excused: list[TherapyTrial] = []
        maybe: list[tuple[TherapyTrial, str]] = []
        rejected: list[str] = []
        for fact in excusing:
            status, note = self.fit(fact, case, as_exception=True)
            if status == "yes":
                excused.append(fact)
            elif status == "maybe":
                maybe.append((fact, note))
            else:
                rejected.append(f"{fact.value.agent} ({fact.value.outcome.value}; {note})")
        return excused, maybe, rejected

    def run(self, case: Case) -> Verdict:
        params = self.params
        affirmed, negated = asserted(case, TherapyTrial)
        mine = [(f, r) for f in affirmed if (r := self.relevant(f)) != "no"]
        denied = [f for f in negated if self.relevant(f) != "no"]
        good: dict[tuple[str, str], TherapyTrial] = {}
        maybe: dict[tuple[str, str], TherapyTrial] = {}
        excusing = self.excused([f for f, r in mine if r == "yes"], affirmed)
        excused, maybe_excused, rejected = self._sort_exceptions(excusing, case)
        if excused:
            why = listing(f"{f.value.agent} ({f.value.outcome.value})" for f in excused)
            return MET, f"Step excused: {why}.", tuple(excused)
        for fact, rel in mine:
            if fact in excusing:
                continue
            status, note = self.fit(fact, case)
            key = (normalize_name(fact.value.agent), (fact.value.strength or "").casefold())
            if status == "yes" and rel == "yes":
                good.setdefault(key, fact)
            elif status != "no":
                maybe.setdefault(key, fact)
            else:
                rejected.append(f"{fact.value.agent} ({note})")
        need = params.count
        if len(good) >= need:
            tried = listing((_describe(f, self.potency(f)) for f in good.values()), "and")
            return MET, f"Documented: {tried}.", tuple(good.values())
        if maybe_excused:
            # One qualifying intolerance would excuse the whole step: say what is missing.
            pending = listing(
                sorted(
                    f"{f.value.agent} {f.value.outcome.value} ({note})" for f, note in maybe_excused
                ),
                "and",
            )
            return (
                UNKNOWN,
                f"The step would be excused by {pending}; still to document.",
                tuple(f for f, _ in maybe_excused),
            )
        candidates = {**maybe, **good}
        if len(candidates) >= need:
            pending = listing(
                sorted(
                    f"{f.value.agent} ({self.fit(f, case)[1] or 'class unclear'})"
                    for f in maybe.values()
                ),
                "and",
            )
            return (
                UNKNOWN,
                f"Needs {need} qualifying {params.what} trial(s); still to document: {pending}.",
                tuple(candidates.values()),
            )
        if mine or denied:
            shown = [*rejected, *(f"{f.value.agent} (not tried)" for f in denied)]
            counted = f"{len(good)} of {need} qualifying" if need > 1 else "no qualifying"
            extra = f" Not counted: {listing(shown, 'and')}." if shown else ""
            return (
                NOT_MET,
                f"{counted.capitalize()} {params.what} trial documented.{extra}",
                tuple(f for f, _ in mine) + tuple(denied),
            )
        return UNKNOWN, f"No trial of a {params.what} is documented.", ()


@register("trial", TrialParams, reads=("therapy_trial",))
def trial(params: TrialParams, policy: Policy) -> Leaf:
    """Failure (or use) of ``count`` agents of ``classes``/``agents``, with exceptions."""
    return _Trials(params, policy).run


class ConcurrentParams(Params):
    classes: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    what: str


@register("not_concurrent", ConcurrentParams, reads=("medication", "medication_list"))
def not_concurrent(params: ConcurrentParams, policy: Policy) -> Leaf:
    """No current or planned medication of ``classes``/``agents``; needs a medication list."""
    selector = Selector(AgentIndex(policy.appendix_b), params.agents, params.classes)

    def fit(fact: Medication) -> Fit:
        return selector.fit(fact.value.agent, fact.value.route, fact.value.drug_class)

    def run(case: Case) -> Verdict:
        affirmed, negated = asserted(case, Medication)
        clashing: list[Medication] = []
        unclear: list[Medication] = []
        for fact in affirmed:
            if fact.value.status is MedicationStatus.PAST:
                continue
            match = fit(fact)
            if match == "yes":
                clashing.append(fact)
            elif match == "maybe":
                unclear.append(fact)
        if clashing:
            shown = listing(f"{f.value.agent} ({f.value.status.value})" for f in clashing)
            return NOT_MET, f"Prescribed concurrently with {shown}.", tuple(clashing)
        if unclear:
            shown = listing(f.value.agent for f in unclear)
            return (
                UNKNOWN,
                f"Route of {shown} not documented (topical or systemic?).",
                tuple(unclear),
            )
        lists, _ = asserted(case, MedicationList)
        documented = [f for f in lists if f.value.documented]
        # "Not on any biologic" documents absence; "not on aspirin" says nothing about it.
        denied = [f for f in negated if fit(f) != "no"]
        if documented or denied:
            basis = (*documented, *denied)
            return MET, f"The documented medications include no {params.what}.", basis
        return UNKNOWN, f"No current medication list documents the absence of {params.what}.", ()

    return run


class LinesParams(Params):
    count: int
    classes: tuple[str, ...]


@register("prior_systemic_lines", LinesParams, reads=("systemic_therapy_lines", "therapy_trial"))
def prior_systemic_lines(params: LinesParams, policy: Policy) -> Leaf:
    """At least ``count`` prior lines of systemic therapy (stated, or trials of ``classes``)."""
    index = AgentIndex(policy.appendix_b)
    classes = set(params.classes)

    def run(case: Case) -> Verdict:
        stated, _ = asserted(case, SystemicTherapyLines)
        enough = [f for f in stated if f.value.count >= params.count]
        if enough:
            return (
                MET,
                f"{enough[0].value.count} prior line(s) of systemic therapy documented.",
                (enough[0],),
            )
        trials, _ = asserted(case, TherapyTrial)
        received = [
            f
            for f in trials
            if f.value.outcome is not Outcome.CONTRAINDICATION
            and index.classify(
                f.value.agent, f.value.route, f.value.drug_class, f.value.strength
            ).classes
            & classes
        ]
        distinct = sorted({normalize_name(f.value.agent) for f in received})
        if len(distinct) >= params.count:
            return MET, f"Prior systemic therapy: {listing(distinct, 'and')}.", tuple(received)
        if stated:
            return (
                NOT_MET,
                f"{stated[0].value.count} prior line(s) of systemic therapy documented.",
                (stated[0],),
            )
        return UNKNOWN, "No prior line of systemic therapy is documented.", ()

    return run


class SteroidParams(Params):
    drug_class: str


@register("steroid_refractory_acute_gvhd", SteroidParams, reads=("therapy_trial",))
def steroid_refractory_acute_gvhd(params: SteroidParams, policy: Policy) -> Leaf:
    """Appendix D: systemic corticosteroid failure in acute GVHD, unless not tolerated."""
    index = AgentIndex(policy.appendix_b)
    rules = policy.appendix_d

    def judge(fact: TherapyTrial) -> tuple[Fit, str]:
        value = fact.value
        days = value.duration_days
        outcome = value.outcome
        if outcome is Outcome.PROGRESSION:
            dose = prednisone_mg_per_kg(rules, value.agent, value.dose_mg_per_kg_day)
            if dose is None or days is None:
                return "maybe", "progression; dose (mg/kg/day) or days not documented"
            if (
                dose >= rules.progression_min_dose_mg_per_kg_day
                and days >= rules.progression_min_days
            ):
                return (
                    "yes",
                    f"progression after {days} days at {num(dose)} mg/kg/day prednisone-equivalent",
                )
            return (
                "no",
                f"progression after {days} days at {num(dose)} mg/kg/day prednisone-equivalent",
            )
        if outcome is Outcome.INCOMPLETE_RESPONSE:
            if days is None:
                return "maybe", "incomplete response; days not documented"
            if days > rules.incomplete_response_more_than_days:
                return "yes", f"incomplete response after {days} days"
            return "no", f"incomplete response after only {days} days"
        if outcome in FAILURE_OUTCOMES:
            if days is None:
                return "maybe", "failure; days of treatment not documented"
            if days >= rules.no_improvement_min_days:
                return "yes", f"no improvement after {days} days"
            return "no", f"only {days} days of treatment"
        if outcome in {Outcome.UNKNOWN, Outcome.ONGOING}:
            return "maybe", "outcome not documented"
        return "no", outcome.value.replace("_", " ")

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, TherapyTrial)
        steroids = [
            f
            for f in affirmed
            if params.drug_class
            in index.classify(
                f.value.agent, f.value.route, f.value.drug_class, f.value.strength
            ).classes
        ]
        excused = [f for f in steroids if f.value.outcome in EXCEPTION_OUTCOMES]
        if excused:
            return (
                MET,
                (
                    f"Systemic corticosteroids excused: {excused[0].value.agent} "
                    f"({excused[0].value.outcome.value})."
                ),
                (excused[0],),
            )
        judged = [(f, *judge(f)) for f in steroids]
        for fact, fit, note in judged:
            if fit == "yes":
                return MET, f"Steroid-refractory (Appendix D): {fact.value.agent}, {note}.", (fact,)
        notes = listing((f"{f.value.agent}: {note}" for f, _, note in judged), "and")
        if any(fit == "maybe" for _, fit, _ in judged):
            return UNKNOWN, f"Steroid refractoriness not yet shown ({notes}).", tuple(steroids)
        if judged:
            return (
                NOT_MET,
                f"Steroid refractoriness per Appendix D not met ({notes}).",
                tuple(steroids),
            )
        return UNKNOWN, "No systemic corticosteroid course is documented.", ()

    return run


class ExposureParams(Params):
    classes: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    what: str


@register("exposure", ExposureParams, reads=("therapy_trial", "medication"))
def exposure(params: ExposureParams, policy: Policy) -> Leaf:
    """The member received (or receives) ``classes``/``agents``, whatever the outcome."""
    selector = Selector(AgentIndex(policy.appendix_b), params.agents, params.classes)

    def hit(agent: str, route: Route | None, drug_class: str | None) -> bool:
        return selector.fit(agent, route, drug_class) != "no"

    def run(case: Case) -> Verdict:
        trials, _ = asserted(case, TherapyTrial)
        meds, _ = asserted(case, Medication)
        found: list[TherapyTrial | Medication] = [
            *(
                f
                for f in trials
                if f.value.outcome is not Outcome.CONTRAINDICATION
                and hit(f.value.agent, f.value.route, f.value.drug_class)
            ),
            *(
                f
                for f in meds
                if f.value.status is not MedicationStatus.PLANNED
                and hit(f.value.agent, f.value.route, f.value.drug_class)
            ),
        ]
        if found:
            names = listing(sorted({f.value.agent for f in found}), "and")
            return MET, f"Received {params.what}: {names}.", tuple(found)
        return UNKNOWN, f"No {params.what} is documented.", ()

    return run


class CombinationParams(Params):
    agents: tuple[str, ...]


@register("in_combination_with", CombinationParams, reads=("medication", "treatment_plan"))
def in_combination_with(params: CombinationParams, policy: Policy) -> Leaf:
    """Prescribed together with one of ``agents`` (current or planned, or in the plan)."""
    agents = {normalize_name(a) for a in params.agents}
    wanted = listing(params.agents)

    def run(case: Case) -> Verdict:
        meds, _ = asserted(case, Medication)
        plans, _ = asserted(case, TreatmentPlan)
        found = [
            *(
                f
                for f in meds
                if f.value.status is not MedicationStatus.PAST
                and normalize_name(f.value.agent) in agents
            ),
            *(f for f in plans if {normalize_name(a) for a in f.value.combined_with} & agents),
        ]
        if found:
            return MET, f"Prescribed in combination with {wanted}.", tuple(found)
        return UNKNOWN, f"Combination with {wanted} is not documented.", ()

    return run
