"""Determination letters: the outcome a person recorded, written to the member and prescriber.

The engine recommends; a person decides, and may decide otherwise (a pharmacist approving on
clinical judgement). A letter therefore follows the person's outcome, never the
recommendation, and says nothing the outcome contradicts: an approval lists no unmet items.
It reads the decision as CONTRACT.md's JSON object, the form the workbench stores, so a letter
can be drafted for any stored decision without re-running the engine, and it quotes each
requirement from the policy file by the policy's own numbering. Pure: the letter's date is an
input, never the clock.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.inputs import validate
from priorauth.adjudicate.letter_text import (
    ALSO_MISSING,
    COVERAGE_TERMS,
    DOCUMENTATION_ASKED,
    NOT_A_DENIAL_YET,
    RENEWAL,
    SIGN_OFF,
    appeal_rights,
    date_text,
    duration_text,
    how_to_send,
    needed_for,
    plain,
    referral_next,
)
from priorauth.adjudicate.policy import CriteriaSet, Item, Policy
from priorauth.adjudicate.request import Request

Outcome = Literal["approve", "deny", "pend", "refer"]
LetterKind = Literal["approval", "denial", "request_for_information", "referral"]
# The letter each outcome a person may record calls for.
KINDS: dict[str, LetterKind] = {
    "approve": "approval",
    "deny": "denial",
    "pend": "request_for_information",
    "refer": "referral",
}

# The policy's own numbering below an item: (a), (b) ... and (i), (ii) .... Other child ids
# (``grade-4``, ``jakafi-fda-max``) are the policy file's encoding of one item, not policy text.
_NUMBERED = re.compile(r"^(?:[a-z]|[ivx]+)$")


class _Record(BaseModel):
    # CONTRACT.md: "Extend it; do not break it." A reader of the decision object must accept
    # keys added later (the CLI adds the extraction and the facts), so unknown keys are
    # ignored here, unlike the parsed input elsewhere.
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Criterion(_Record):
    id: str = Field(min_length=1)
    status: Literal["met", "not_met", "unknown", "not_applicable"]
    reason: str
    children: tuple[_Criterion, ...] = ()


class _Approval(_Record):
    duration_value: int = Field(ge=1)
    duration_unit: Literal["months", "weeks", "doses"]


class _Decision(_Record):
    decision: Outcome
    policy: str
    policy_version: int | None = None
    request_id: str | None = None
    criteria_set: str
    criteria: tuple[_Criterion, ...] = Field(min_length=1)
    approval: _Approval | None = None
    refer_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clause:
    """A numbered part of a policy item, ``(a)`` or ``(ii)``, ``depth`` levels below it."""

    number: str
    text: str
    depth: int


@dataclass(frozen=True)
class Citation:
    """One policy item a letter names: its numbering, its words, and what was found.

    ``needed`` says what documentation would settle the item; empty where nothing is asked.
    """

    id: str
    requirement: str
    clauses: tuple[Clause, ...]
    finding: str
    needed: str = ""


@dataclass(frozen=True)
class Section:
    """Paragraphs, then the policy items they name; an empty heading runs on from above."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Letter:
    """A determination letter: what kind, its subject, reference lines, then its sections."""

    kind: LetterKind
    subject: str
    date: dt.date
    fields: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]


def _walk(criteria: tuple[_Criterion, ...]) -> Iterator[_Criterion]:
    for criterion in criteria:
        yield criterion
        yield from _walk(criterion.children)


def _clauses(item: Item, depth: int = 1) -> Iterator[Clause]:
    for child in item.children:
        if _NUMBERED.match(child.id):
            yield Clause(child.id, plain(child.text), depth)
            yield from _clauses(child, depth + 1)


def _finding(criterion: _Criterion) -> str:
    """The engine's reason, without the tags of the file's own sub-items (``(grade-4)``)."""
    reason = criterion.reason
    tails = {child.id.rsplit(".", 1)[-1] for child in _walk(criterion.children)}
    encoded = {tail for tail in tails if not _NUMBERED.match(tail)}
    for tag in sorted(encoded):
        reason = reason.replace(f"({tag}) ", "")
    return " ".join(reason.split())


def _needed(criterion: _Criterion, item: Item) -> str:
    """What would settle an unknown item: every unknown part of an ``all``, any of an ``any``."""
    by_id = {child.id: child for child in item.children}
    parts = [
        _needed(child, by_id[key])
        for child in criterion.children
        if child.status == "unknown" and (key := child.id.rsplit(".", 1)[-1]) in by_id
    ]
    if not parts:
        return needed_for(criterion.reason)
    return ("; or " if item.any else "; and ").join(dict.fromkeys(parts))


@dataclass(frozen=True)
class _Draft:
    """Everything one letter is written from, checked to belong together."""

    record: _Decision
    request: Request
    policy: Policy
    criteria_set: CriteriaSet
    items: Mapping[str, Item]
    outcome: str
    comment: str

    @property
    def agrees(self) -> bool:
        return self.outcome == self.record.decision

    def cite(self, criterion: _Criterion, ask: bool = False) -> Citation:
        item = self.items[criterion.id]
        needed = ""
        if ask:
            needed = (
                _needed(criterion, item)
                if criterion.status == "unknown"
                else "any records that show this requirement is met"
            )
        return Citation(
            criterion.id, plain(item.text), tuple(_clauses(item)), _finding(criterion), needed
        )

    def with_status(self, *statuses: str) -> tuple[_Criterion, ...]:
        return tuple(c for c in self.record.criteria if c.status in statuses)

    def reviewer_says(self, label: str) -> str:
        if not self.comment.strip():
            raise InputError(
                "letter",
                "comment",
                f"no policy item supports this {KINDS[self.outcome].replace('_', ' ')}; "
                "the reviewer's comment must give the reason",
            )
        said = " ".join(self.comment.split())
        return f"{label}: {said}" + ("" if said.endswith((".", "!", "?")) else ".")

    @property
    def drug(self) -> str:
        medication = self.request.medication
        return f"{medication.product} {medication.strength}"

    @property
    def supply(self) -> str:
        medication = self.request.medication
        quantity = f"{medication.quantity:g}"
        unit = "g" if medication.unit == "g" else "tablet" if quantity == "1" else "tablets"
        return f"{quantity} {unit} per {medication.days_supply} days"

    @property
    def member(self) -> str:
        return self.request.member.name.strip() or "the member"

    @property
    def prescriber(self) -> str:
        return self.request.prescriber.name.strip() or "the prescriber"

    @property
    def criteria_name(self) -> str:
        """``the initial approval criteria of clinical policy CP.PHAR.98 (version 1), section
        I.J, Nonsegmental Vitiligo``: the set's title last, as it may hold parentheses."""
        kind = "initial approval" if self.criteria_set.section == "initial" else "continued therapy"
        return (
            f"the {kind} criteria of clinical policy {self.policy.id} (version "
            f"{self.policy.version}), section {self.criteria_set.id}, {self.criteria_set.title}"
        )

    @property
    def opening(self) -> str:
        return (
            f"We have reviewed the prior authorization request for {self.drug} for "
            f"{self.member}, received on {date_text(self.request.received_date)}"
        )

    def fields(self) -> tuple[tuple[str, str], ...]:
        request, npi = self.request, self.request.prescriber.npi
        kind = "initial request" if request.request_type == "initial" else "continued therapy"
        diagnoses = "; ".join(
            " ".join(filter(None, (d.description, f"({d.icd10})" if d.icd10 else "")))
            for d in request.diagnoses
        )
        return (
            ("Member", f"{self.member} (member ID {request.member.id})"),
            ("Prescriber", self.prescriber + (f" (NPI {npi})" if npi else "")),
            (
                "Request",
                f"{request.request_id}, {kind}, received {date_text(request.received_date)}",
            ),
            ("Medication", f"{self.drug}, {self.supply}"),
            ("Diagnosis", diagnoses),
            ("Policy", f"{self.policy.id} {self.policy.title}, version {self.policy.version}"),
        )


def _section(heading: str, *paragraphs: str, citations: Iterable[Citation] = ()) -> Section:
    return Section(heading, paragraphs, tuple(citations))


def _period(draft: _Draft) -> tuple[int, str] | None:
    """The approval period: the engine's, else the policy's own for the set."""
    record, spec = draft.record, draft.criteria_set.approval
    if record.approval is not None:
        return record.approval.duration_value, record.approval.duration_unit
    if spec is None:
        return None
    # The engine states no period when it did not recommend approval. By branch (I.K): the met
    # branch, else the branch the request is about (the one that applies).
    status = {c.id: c.status for c in _walk(record.criteria)}
    branch = next((b for b in spec.by_branch if status.get(b) == "met"), None) or next(
        (b for b in spec.by_branch if status.get(b, "not_applicable") != "not_applicable"), None
    )
    duration = spec.by_branch[branch] if branch else spec.for_line(draft.request.line_of_business)
    if duration is None:
        return None
    value, requested = duration.value, draft.request.requested_duration_months
    if duration.or_requested and requested is not None:
        value = min(value, requested)
    return value, duration.unit


def _approval(draft: _Draft) -> tuple[str, list[Section]]:
    if draft.agrees:
        basis = f"The request meets {draft.criteria_name}, and it is approved."
    else:
        # Approved against the recommendation: nothing here may say the criteria were met.
        basis = f"After clinical review under {draft.criteria_name}, the request is approved."
    period = _period(draft)
    covers = f"This approval covers {draft.drug}, {draft.supply}, as requested"
    details = [f"{covers}, for {duration_text(*period)}." if period else f"{covers}."]
    if period:
        details.append(RENEWAL)
    return f"Prior authorization approved: {draft.drug}", [
        _section("", f"{draft.opening}. {basis}"),
        _section("What is approved", *details, COVERAGE_TERMS),
    ]


def _denial(draft: _Draft) -> tuple[str, list[Section]]:
    unmet, unknown = draft.with_status("not_met"), draft.with_status("unknown")
    if unmet:
        which = "requirement is" if len(unmet) == 1 else "requirements are"
        basis = (
            f"The policy requires every criterion of section {draft.criteria_set.id} to be met. "
            f"The information we received shows that the following {which} not met."
        )
        reason = _section(
            "Reason for this decision", basis, citations=(draft.cite(c) for c in unmet)
        )
    else:
        reason = _section(
            "Reason for this decision", draft.reviewer_says("Reason given by the clinical reviewer")
        )
    opening = f"{draft.opening}, under {draft.criteria_name}. The request is denied."
    sections = [_section("", opening), reason]
    if unknown:
        asks = (draft.cite(c, ask=True) for c in unknown)
        sections.append(_section("Also not documented", ALSO_MISSING, citations=asks))
    rights = appeal_rights(draft.policy.id, draft.request.line_of_business)
    sections.append(_section("Your right to appeal", *rights))
    return f"Prior authorization denied: {draft.drug}", sections


def _information(draft: _Draft) -> tuple[str, list[Section]]:
    open_items = draft.with_status("unknown", "not_met")
    if open_items:
        asks = (draft.cite(c, ask=True) for c in open_items)
        needed = _section("Information needed", DOCUMENTATION_ASKED, citations=asks)
    else:
        asked = draft.reviewer_says("Information requested by the clinical reviewer")
        needed = _section("Information needed", asked)
    opening = f"{draft.opening}, under {draft.criteria_name}."
    return f"Information needed for the prior authorization of {draft.drug}", [
        _section("", f"{opening} {NOT_A_DENIAL_YET}"),
        needed,
        _section("How to send it", how_to_send(draft.request.request_id)),
    ]


def _referral(draft: _Draft) -> tuple[str, list[Section]]:
    section = draft.criteria_set.section
    targets = draft.record.refer_to
    if not targets:
        # The "other" set's own top-level referral (I.L.2, II.D.2) is the policy's default;
        # the label-change referrals sit on branches and hinge on a plan setting.
        other = next(s for s in draft.policy.sets if s.section == section and s.must == "one")
        line = draft.request.line_of_business
        targets = tuple(t for item in other.criteria if (t := item.refer_to.get(line)))
    names = " and ".join(targets)
    if draft.agrees:
        covered = [s.id for s in draft.policy.sets if s.section == section and s.must == "all"]
        diagnoses = "; ".join(d.description or d.icd10 for d in draft.request.diagnoses)
        kind = "initial approval" if section == "initial" else "continued therapy"
        why = (
            f"The diagnosis on the request ({diagnoses}) is not covered by any of sections "
            f"{covered[0]} to {covered[-1]} of the {kind} criteria of clinical policy "
            f"{draft.policy.id} (version {draft.policy.version}). Such requests fall under "
            f"section {draft.criteria_set.id}, {draft.criteria_set.title}, which directs that "
            f"the request be reviewed under clinical policy {names}:"
        )
        cited = (draft.cite(c) for c in draft.with_status("met"))
        reason = _section("Why the request is referred", why, citations=cited)
    else:
        why = (
            f"After clinical review, the request will be reviewed under clinical policy {names} "
            f"instead of {draft.policy.id}."
        )
        said = draft.reviewer_says("Reason given by the clinical reviewer")
        reason = _section("Why the request is referred", why, said)
    return f"Prior authorization request referred for review under {names}: {draft.drug}", [
        _section("", f"{draft.opening}."),
        reason,
        _section("What happens next", referral_next(names)),
    ]


def _closing(kind: LetterKind) -> tuple[Section, ...]:
    sign_off = _section("", *SIGN_OFF)
    if kind == "denial":
        return sign_off, _section("", "Enclosure: appeal rights notice")
    return (sign_off,)


_WRITERS = {"approve": _approval, "deny": _denial, "pend": _information, "refer": _referral}


def draft_letter(
    decision: Mapping[str, Any],
    request: Request,
    policy: Policy,
    *,
    outcome: str,
    comment: str,
    date: dt.date,
) -> Letter:
    """Draft the letter for the outcome a person recorded on ``decision``.

    ``decision`` is CONTRACT.md's object (``report.to_json``); ``policy`` must be the policy
    and version it was decided under, because the letter quotes that version's text. The
    reviewer's ``comment`` becomes the stated reason only where no policy item supports the
    outcome (a denial with no item not met); otherwise it stays internal. Raises
    :class:`InputError` when the inputs are malformed or do not belong together.
    """
    record = validate(_Decision, decision, "decision")
    if outcome not in KINDS:
        raise InputError(
            "letter", "outcome", f"must be one of approve, deny, pend, refer (got {outcome!r})"
        )
    if record.policy != policy.id or record.policy_version not in (None, policy.version):
        raise InputError(
            "decision",
            "policy",
            f"decided under {record.policy} v{record.policy_version}, but the letter's policy "
            f"is {policy.id} v{policy.version}; load that version",
        )
    if record.request_id not in (None, request.request_id):
        raise InputError(
            "decision",
            "request_id",
            f"{record.request_id!r} is not the request's {request.request_id!r}",
        )
    if date < request.received_date:
        raise InputError(
            "letter", "date", f"{date} is before the request was received ({request.received_date})"
        )
    try:
        criteria_set = policy.set_by_id(record.criteria_set)
    except KeyError:
        raise InputError(
            "decision", "criteria_set", f"{record.criteria_set!r} is not a set of {policy.id}"
        ) from None
    items = {item.id: item for item in criteria_set.criteria}
    for index, criterion in enumerate(record.criteria):
        if criterion.id not in items:
            raise InputError(
                "decision",
                f"criteria[{index}].id",
                f"{criterion.id!r} is not an item of {criteria_set.id}",
            )
    draft = _Draft(record, request, policy, criteria_set, items, outcome, comment)
    subject, sections = _WRITERS[outcome](draft)
    salutation = Section("", (f"Dear {draft.member} and {draft.prescriber}:",))
    return Letter(
        KINDS[outcome],
        subject,
        date,
        draft.fields(),
        (salutation, *sections, *_closing(KINDS[outcome])),
    )


# A limit reads wrong split over two lines ("≥ 50 ×" / "10^9/L"): these spaces are made
# non-breaking while wrapping (textwrap only breaks at ASCII whitespace).
_KEEP_TOGETHER = re.compile(r"(?<=[≥≤<>]) (?=\d)|(?<=\d) (?=[×x] 10\^)|(?<=[×x]) (?=10\^)")


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    lines = textwrap.wrap(
        _KEEP_TOGETHER.sub("\u00a0", text),
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]
    return [line.replace("\u00a0", " ") for line in lines]


def _citation(citation: Citation, pad: int, width: int) -> list[str]:
    margin = " " * pad
    lines = _wrap(citation.requirement, width, citation.id.ljust(pad), margin)
    for clause in citation.clauses:
        label = margin + "  " * clause.depth + f"({clause.number}) "
        lines += _wrap(clause.text, width, label, " " * len(label))
    lines += _wrap(f"Finding: {citation.finding}", width, margin, margin + "  ")
    if citation.needed:
        lines += _wrap(f"Please send: {citation.needed}.", width, margin, margin + "  ")
    return lines


def render_text(letter: Letter, width: int = 90) -> str:
    """The letter as plain text, wrapped at ``width`` columns: same letter, same bytes."""
    label_width = max(len(label) for label, _ in letter.fields) + 3
    lines = [date_text(letter.date), ""]
    for label, value in letter.fields:
        lines += _wrap(value, width, f"{label}:".ljust(label_width), " " * label_width)
    lines += ["", *_wrap(letter.subject, width, "Re: ", "    ")]
    for section in letter.sections:
        lines.append("")
        if section.heading:
            lines += [section.heading, "-" * len(section.heading)]
        for index, paragraph in enumerate(section.paragraphs):
            lines += [""] * (index > 0) + _wrap(paragraph, width, "", "")
        pad = max((len(c.id) for c in section.citations), default=0) + 3
        for citation in section.citations:
            lines += ["", *_citation(citation, pad, width)]
    return "\n".join(lines) + "\n"
