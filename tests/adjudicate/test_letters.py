"""Determination letters: each sample packet's letter equals its golden file, and a letter
follows the outcome a person recorded, naming exactly the policy items that outcome rests on.

Rewrite the golden files only on purpose (``scripts/test --update-golden``) and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from priorauth.adjudicate import InputError, Policy, Request
from priorauth.adjudicate.inputs import parse_request
from priorauth.adjudicate.letter_text import needed_for, plain
from priorauth.adjudicate.letters import Letter, draft_letter, render_text
from priorauth.adjudicate.report import to_json
from tests.adjudicate.policy_cases import load_cases

PACKETS = Path(__file__).parents[2] / "samples" / "packets"
CASES = sorted(p.parent for p in PACKETS.glob("*/decision.json"))
DATE = dt.date(2026, 9, 1)
COMMENT = "Reviewed the packet; agree with the recommendation."


def _sample(name: str) -> tuple[dict[str, Any], Request]:
    folder = PACKETS / name
    decision = json.loads((folder / "decision.json").read_text(encoding="utf-8"))
    request = parse_request((folder / "request.json").read_text(encoding="utf-8"), name)
    return decision, request


def _draft(
    decision: dict[str, Any],
    request: Request,
    policy: Policy,
    outcome: str | None = None,
    comment: str = COMMENT,
) -> Letter:
    chosen = decision["decision"] if outcome is None else outcome
    return draft_letter(decision, request, policy, outcome=chosen, comment=comment, date=DATE)


def _cited(letter: Letter, heading: str | None = None) -> list[str]:
    return [
        citation.id
        for section in letter.sections
        if heading is None or section.heading == heading
        for citation in section.citations
    ]


def _words(letter: Letter) -> str:
    """Everything the letter says, unwrapped, so that a check never depends on line breaks."""
    parts = [letter.subject, *(value for _, value in letter.fields)]
    for section in letter.sections:
        parts += [section.heading, *section.paragraphs]
        for c in section.citations:
            parts += [c.id, c.requirement, *(k.text for k in c.clauses), c.finding, c.needed]
    return "\n".join(parts)


def _with(decision: dict[str, Any], status: str) -> list[str]:
    return [c["id"] for c in decision["criteria"] if c["status"] == status]


@pytest.fixture(scope="module")
def policy_decisions(policy: Policy) -> list[tuple[dict[str, Any], Request]]:
    """Every policy case's decision as CONTRACT.md's object: each set, each outcome."""
    return [(to_json(case.decide(policy)), case.request) for case in load_cases()]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_letter_matches_golden(case: Path, policy: Policy, update_golden: bool) -> None:
    decision, request = _sample(case.name)
    text = render_text(_draft(decision, request, policy))
    golden = case / "letter.txt"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_goldens_cover_every_kind_and_fit_the_page() -> None:
    subjects = (
        "Re: Prior authorization approved: ",
        "Re: Prior authorization denied: ",
        "Re: Information needed for the prior authorization of ",
        "Re: Prior authorization request referred for review under ",
    )
    seen = set()
    for case in CASES:
        lines = (case / "letter.txt").read_text(encoding="utf-8").splitlines()
        seen |= {s for s in subjects for line in lines if line.startswith(s)}
        assert max(len(line) for line in lines) <= 90, case.name
    assert seen == set(subjects)


def test_denial_names_exactly_the_unmet_items(
    policy: Policy, policy_decisions: list[tuple[dict[str, Any], Request]]
) -> None:
    denials = [(d, r) for d, r in policy_decisions if d["decision"] == "deny"]
    assert len(denials) > 20
    for decision, request in denials:
        letter = _draft(decision, request, policy)
        assert letter.kind == "denial"
        assert _cited(letter, "Reason for this decision") == _with(decision, "not_met")
        assert set(_cited(letter)).isdisjoint(_with(decision, "met"))


def test_denial_quotes_the_policy_text_and_the_engine_reason(policy: Policy) -> None:
    decision, request = _sample("mf-deny-platelets-fax")
    letter = _draft(decision, request, policy)
    (citation,) = (c for s in letter.sections for c in s.citations)
    assert citation.id == "I.A.5"
    assert citation.requirement == (
        "Documentation of a recent (within the last 30 days) platelet count of ≥ 50 × 10^9/L."
    )
    assert citation.finding == "Platelet count 38 x10^9/L on 2026-03-30, under 50."
    words = _words(letter)
    assert "I.A.1" not in words
    assert "enclosed appeal rights notice" in words
    assert "peer-to-peer review" in words


def test_denial_drops_the_files_own_sub_item_tags(policy: Policy) -> None:
    decision, request = _sample("crs-grade2-deny")
    (citation,) = _draft(decision, request, policy).sections[2].citations
    assert citation.finding.startswith("(a) Grade 2 CRS by Appendix E")
    assert "(grade-4)" not in citation.finding
    assert [(c.number, c.depth) for c in citation.clauses] == [
        ("a", 1),
        ("b", 1),
        ("c", 1),
        ("i", 2),
        ("ii", 2),
    ]


def test_override_denial_states_the_reviewers_comment(policy: Policy) -> None:
    decision, request = _sample("nsv-pend-no-bsa")
    comment = "Photos show involvement well above 10% BSA;\nthe note's estimate is not credible"
    letter = _draft(decision, request, policy, "deny", comment)
    assert letter.kind == "denial"
    (reason,) = (s for s in letter.sections if s.heading == "Reason for this decision")
    assert reason.citations == ()
    assert reason.paragraphs == (
        (
            "Reason given by the clinical reviewer: Photos show involvement well above 10% BSA; "
            "the note's estimate is not credible."
        ),
    )
    assert _cited(letter, "Also not documented") == ["I.J.2"]


def test_override_without_a_comment_is_refused(policy: Policy) -> None:
    decision, request = _sample("mf-approve")
    for outcome in ("deny", "pend", "refer"):
        with pytest.raises(InputError, match="comment"):
            _draft(decision, request, policy, outcome, "  ")


def test_approval_over_a_pend_lists_no_unmet_item(policy: Policy) -> None:
    decision, request = _sample("nsv-pend-no-bsa")
    letter = _draft(decision, request, policy, "approve", "BSA estimated from photos at 6%.")
    text = _words(letter)
    assert letter.kind == "approval"
    assert _cited(letter) == []
    assert "I.J.2" not in text
    assert "not documented" not in text
    assert "meets the" not in text
    assert "BSA estimated" not in text
    assert "for 6 months." in text


def test_approval_over_a_denial_takes_the_policys_period_for_the_branch(policy: Policy) -> None:
    decision, request = _sample("crs-grade3-deny")
    text = _words(_draft(decision, request, policy, "approve", "Clinically grade 4."))
    assert "for 1 month." in text
    assert "I.K.1" not in text
    assert "not met" not in text


def test_pend_lists_every_unknown_item_and_what_to_send(
    policy: Policy, policy_decisions: list[tuple[dict[str, Any], Request]]
) -> None:
    pends = [(d, r) for d, r in policy_decisions if d["decision"] == "pend"]
    assert len(pends) > 10
    for decision, request in pends:
        letter = _draft(decision, request, policy)
        assert letter.kind == "request_for_information"
        assert _cited(letter) == _with(decision, "unknown")
        for section in letter.sections:
            for citation in section.citations:
                assert citation.needed, citation.id
    decision, request = _sample("nsv-pend-no-bsa")
    (citation,) = (c for s in _draft(decision, request, policy).sections for c in s.citations)
    assert citation.needed == "documentation of body surface area involvement (%)"


def test_pend_over_a_denial_asks_about_the_unmet_items(policy: Policy) -> None:
    decision, request = _sample("ad-deny-low-potency")
    letter = _draft(decision, request, policy, "pend", "Ask for the steroid history.")
    assert letter.kind == "request_for_information"
    assert _cited(letter) == ["I.I.7", "I.I.9"]


def test_refer_names_the_policy_referred_to(
    policy: Policy, policy_decisions: list[tuple[dict[str, Any], Request]]
) -> None:
    refers = [_sample(n) for n in ("segmental-vitiligo-refer", "alopecia-continuation-refer")]
    refers += [(d, r) for d, r in policy_decisions if d["decision"] == "refer"]
    for decision, request in refers:
        letter = _draft(decision, request, policy)
        assert letter.kind == "referral"
        assert decision["refer_to"]
        for target in decision["refer_to"]:
            assert target in letter.subject
            assert f"reviewed under clinical policy {target}" in _words(letter)
    decision, request = _sample("segmental-vitiligo-refer")
    assert _cited(_draft(decision, request, policy)) == ["I.L.2"]


def test_a_referral_the_reviewer_chose_uses_the_off_label_policy_of_the_line(
    policy: Policy,
) -> None:
    decision, request = _sample("mf-approve")
    letter = _draft(decision, request, policy, "refer", "Use is outside the policy")
    text = _words(letter)
    assert request.line_of_business == "commercial"
    assert "CP.CPA.09" in letter.subject
    assert "Reason given by the clinical reviewer: Use is outside the policy." in text


def _broken(edit: str) -> dict[str, Any]:
    decision, _ = _sample("nsv-continuation-deny")
    if edit == "no criteria":
        del decision["criteria"]
    elif edit == "bad status":
        decision["criteria"][0]["status"] = "maybe"
    elif edit == "bad decision":
        decision["decision"] = "approved"
    elif edit == "other version":
        decision["policy_version"] = 2
    elif edit == "other request":
        decision["request_id"] = "SOMEONE-ELSE"
    elif edit == "unknown set":
        decision["criteria_set"] = "I.Z"
    elif edit == "item of another set":
        decision["criteria"][0]["id"] = "I.J.1"
    return decision


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("no criteria", "decision: criteria: Field required"),
        ("bad status", "decision: criteria[0].status: Input should be"),
        ("bad decision", "decision: decision: Input should be"),
        ("other version", "decision: policy: decided under CP.PHAR.98 v2"),
        ("other request", "decision: request_id: 'SOMEONE-ELSE' is not the request's"),
        ("unknown set", "decision: criteria_set: 'I.Z' is not a set of CP.PHAR.98"),
        ("item of another set", "decision: criteria[0].id: 'I.J.1' is not an item of II.A"),
    ],
)
def test_malformed_decision_is_an_input_error(edit: str, message: str, policy: Policy) -> None:
    _, request = _sample("nsv-continuation-deny")
    with pytest.raises(InputError) as caught:
        _draft(_broken(edit), request, policy, "deny")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_bad_outcome_date_or_shape_is_an_input_error(policy: Policy) -> None:
    decision, request = _sample("nsv-continuation-deny")
    with pytest.raises(InputError, match=r"^letter: outcome: must be one of .*'approved'"):
        _draft(decision, request, policy, "approved")
    with pytest.raises(InputError, match=r"^letter: date: 2026-07-01 is before"):
        draft_letter(
            decision, request, policy, outcome="deny", comment="", date=dt.date(2026, 7, 1)
        )
    with pytest.raises(InputError, match=r"^decision: "):
        draft_letter([], request, policy, outcome="deny", comment="", date=DATE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reason", "needed"),
    [
        (
            "Body surface area involvement (%) is not documented.",
            "documentation of body surface area involvement (%)",
        ),
        (
            "No trial of a anti-IL-6 therapy is documented.",
            (
                "records of any trial of anti-IL-6 therapy: the drug, strength, dates of use and "
                "outcome"
            ),
        ),
        (
            (
                "The most recent platelet count (2026-02-13) is 31 days before receipt; none "
                "within 30 days is documented."
            ),
            "a platelet count from within 30 days before the request was received",
        ),
        (
            (
                "Whether this applies is not documented: graft-versus-host disease is documented "
                "without saying whether it is acute."
            ),
            "documentation of whether the graft-versus-host disease is acute",
        ),
        (
            "CAR T-cell therapy documented without its target (BCMA?).",
            "documentation of the target of the CAR T-cell therapy (whether it is BCMA-directed)",
        ),
        (
            (
                "'NP' names no specialty and no consultation with a hematologist or oncologist is "
                "documented."
            ),
            (
                "the prescriber's specialty, or documentation of a consultation with a "
                "hematologist or oncologist"
            ),
        ),
        ("Something new.", "documentation that shows whether this requirement is met"),
    ],
)
def test_what_to_send_follows_from_the_reason(reason: str, needed: str) -> None:
    assert needed_for(reason) == needed


def test_policy_text_is_quoted_without_footnotes() -> None:
    assert plain(
        "Member meets one of the following (a or b): * For Illinois HIM requests, the step "
        "therapy requirements below do not apply as of 1/1/2026 per IL HB 5395"
    ) == ("Member meets one of the following (a or b):")
    assert plain("Failure of a topical calcineurin inhibitor* used for ≥ 4 weeks; ^ For IL") == (
        "Failure of a topical calcineurin inhibitor used for ≥ 4 weeks."
    )
    assert plain("Request meets one of the following (a, b, or c):*") == (
        "Request meets one of the following (a, b, or c):"
    )
    assert plain("A platelet count of ≥ 50 × 10^9/L;") == "A platelet count of ≥ 50 × 10^9/L."
