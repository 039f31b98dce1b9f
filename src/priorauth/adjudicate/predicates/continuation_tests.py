"""Predicates for continued therapy: current use, time on therapy, response."""

from __future__ import annotations

from priorauth.adjudicate.facts import Response, ResponseToTherapy, TherapyStatus
from priorauth.adjudicate.policy import Policy
from priorauth.adjudicate.predicates.base import Params, asserted, latest, register
from priorauth.adjudicate.trace import MET, NOT_MET, UNKNOWN, Case, Leaf, Verdict


class BenefitParams(Params):
    or_previously_approved: bool = False


@register("receiving_via_plan", BenefitParams, reads=("therapy_status",))
def receiving_via_plan(params: BenefitParams, policy: Policy) -> Leaf:
    """Currently receiving the drug through the plan's benefit (or previously approved)."""

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, TherapyStatus)
        for fact in affirmed:
            value = fact.value
            if value.currently_receiving and value.via_plan_benefit:
                return (
                    MET,
                    "Currently receiving the medication through the plan's benefit.",
                    (fact,),
                )
            if params.or_previously_approved and value.previously_approved:
                return MET, "Member previously met the initial approval criteria.", (fact,)
        if any(f.value.via_plan_benefit is None for f in affirmed):
            return (
                UNKNOWN,
                "Whether the medication is received through the plan is not documented.",
                tuple(affirmed),
            )
        if affirmed:
            return (
                NOT_MET,
                "The medication is not received through the plan's benefit.",
                tuple(affirmed),
            )
        return UNKNOWN, "Current therapy with the medication is not documented.", ()

    return run


class NoParams(Params):
    pass


@register("receiving_in_continuity_state", NoParams, reads=("therapy_status",))
def receiving_in_continuity_state(params: NoParams, policy: Policy) -> Leaf:
    """Currently receiving the drug, in a state with continuity-of-care rules (a setting)."""

    def run(case: Case) -> Verdict:
        state = case.request.state
        if state not in case.settings.continuity_of_care_states:
            return NOT_MET, f"{state} is not configured as a continuity-of-care state.", ()
        affirmed, _ = asserted(case, TherapyStatus)
        receiving = [f for f in affirmed if f.value.currently_receiving]
        if receiving:
            return (
                MET,
                f"Currently receiving the medication; {state} has continuity-of-care rules.",
                (receiving[0],),
            )
        return UNKNOWN, "Current therapy with the medication is not documented.", tuple(affirmed)

    return run


class DaysParams(Params):
    days: int


@register("receiving_at_least", DaysParams, reads=("therapy_status",))
def receiving_at_least(params: DaysParams, policy: Policy) -> Leaf:
    """Currently receiving the drug and has for at least ``days`` days."""

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, TherapyStatus)
        receiving = [f for f in affirmed if f.value.currently_receiving]
        long_enough = [
            f
            for f in receiving
            if f.value.days_on_therapy is not None and f.value.days_on_therapy >= params.days
        ]
        if long_enough:
            days = long_enough[0].value.days_on_therapy
            return (
                MET,
                f"Currently receiving the medication for {days} days (at least {params.days}).",
                (long_enough[0],),
            )
        if any(f.value.days_on_therapy is None for f in receiving):
            return UNKNOWN, "Time on therapy is not documented.", tuple(receiving)
        if receiving:
            days = max(f.value.days_on_therapy or 0 for f in receiving)
            return NOT_MET, f"On therapy for {days} days, under {params.days}.", tuple(receiving)
        if affirmed:
            return NOT_MET, "The member is not currently receiving the medication.", tuple(affirmed)
        return UNKNOWN, "Current therapy with the medication is not documented.", ()

    return run


@register("response_positive", NoParams, reads=("response_to_therapy",))
def response_positive(params: NoParams, policy: Policy) -> Leaf:
    """The most recent documented response to therapy is positive."""

    def run(case: Case) -> Verdict:
        affirmed, _ = asserted(case, ResponseToTherapy)
        if not affirmed:
            return UNKNOWN, "Response to therapy is not documented.", ()
        current = latest(affirmed)
        responses = {f.value.response for f in current}
        detail = next((f.value.detail for f in current if f.value.detail), None)
        shown = f" ({detail})" if detail else ""
        if responses == {Response.POSITIVE}:
            return MET, f"Member is responding positively to therapy{shown}.", tuple(current)
        if Response.POSITIVE not in responses:
            return NOT_MET, f"No positive response to therapy is documented{shown}.", tuple(current)
        return (
            UNKNOWN,
            "Conflicting notes on response to therapy; a reviewer must say which holds.",
            tuple(current),
        )

    return run
