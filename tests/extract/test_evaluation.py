"""Scoring: what makes two facts the same statement, and the arithmetic of the metrics."""

from __future__ import annotations

from priorauth.extract.evaluation import Counts, Evaluation, fact_key, failures


def test_platelets_compare_on_one_scale_and_their_date() -> None:
    per_ul = fact_key("platelet_count", {"count": 92000, "unit": "/uL"}, {}, "2026-03-01")
    per_nl = fact_key("platelet_count", {"count": 92}, {}, "2026-03-01")
    assert per_ul == per_nl
    assert per_nl != fact_key("platelet_count", {"count": 92}, {}, "2026-03-02")


def test_failure_words_are_one_outcome_but_intolerance_is_not() -> None:
    def trial(outcome: str) -> tuple[object, ...]:
        return fact_key("therapy_trial", {"agent": "hydroxyurea", "outcome": outcome}, {}, None)

    assert trial("failure") == trial("inadequate_response") == trial("progression")
    assert trial("failure") != trial("intolerance")


def test_context_counts_and_a_considered_drug_is_one_statement() -> None:
    plain = fact_key("medication", {"agent": "dupilumab", "status": "current"}, {}, None)
    family = fact_key(
        "medication", {"agent": "dupilumab", "status": "current"}, {"family": True}, None
    )
    assert plain != family
    as_trial = fact_key("therapy_trial", {"agent": "crisaborole"}, {"hypothetical": True}, None)
    as_plan = fact_key(
        "medication", {"agent": "crisaborole", "status": "planned"}, {"hypothetical": True}, None
    )
    assert as_trial == as_plan


def test_counts_and_thresholds() -> None:
    counts = Counts(tp=8, fp=2, fn=0)
    assert (counts.precision, counts.recall) == (0.8, 1.0)
    assert round(counts.f1, 4) == 0.8889
    assert Counts().f1 == 1.0  # nothing expected, nothing found
    evaluation = Evaluation(by_kind={"platelet_count": counts})
    assert failures(evaluation, min_f1=0.95, min_agreement=0.0) == [
        "platelet_count: F1 0.89 is under 0.95"
    ]
    assert failures(evaluation, min_f1=0.8, min_agreement=0.0) == []


def test_a_denied_trial_has_no_result_to_compare() -> None:
    declined = fact_key(
        "therapy_trial", {"agent": "hydroxyurea", "outcome": "unknown"}, {"negated": True}, None
    )
    no_contraindication = fact_key(
        "therapy_trial",
        {"agent": "hydroxyurea", "outcome": "contraindication"},
        {"negated": True},
        None,
    )
    assert declined == no_contraindication
