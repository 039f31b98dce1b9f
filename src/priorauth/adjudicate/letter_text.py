"""The wording of letters: dates, periods, policy text as quoted, what to send, and the
standing paragraphs (appeal rights, sign-off).

Apart from :mod:`priorauth.adjudicate.letters`, which decides what a letter says, so that how
it is worded can be read, reviewed and changed in one place.
"""

from __future__ import annotations

import datetime as dt
import re

# Month names spelled out here, not by strftime("%B"), which follows the process's locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_text(day: dt.date) -> str:
    """``March 5, 2026``: how a letter to a member writes a date, whatever the locale."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def duration_text(value: int, unit: str) -> str:
    """``6 months``, ``1 month``, ``up to 2 doses`` (the policy: "up to 2 total doses")."""
    word = unit[:-1] if value == 1 else unit
    return f"up to {value} {word}" if unit == "doses" else f"{value} {word}"


# A footnote the policy file keeps after an item's text ("... (a or b): * For Illinois HIM
# requests ..."), and a footnote mark on a word ("inhibitor*", "(a, b, or c):*"); "10^9/L" is
# not a mark. The letter quotes the requirement, not the policy's footnotes.
_FOOTNOTE = re.compile(r"\s+[*^]\s.*$")
_MARK = re.compile(r"(?<=\S)[*^](?=\s|$|[),.;:])")
_LIST_END = re.compile(r"\s*;(?:\s*(?:or|and))?$")


def plain(text: str) -> str:
    """An item's policy text as a letter quotes it: no footnotes, ending as a sentence."""
    text = _MARK.sub("", _FOOTNOTE.sub("", text)).strip()
    return _LIST_END.sub(".", text)


def _lower_first(phrase: str) -> str:
    """Drop a sentence-initial capital ("Response to therapy"), keep acronyms ("CAR T")."""
    if len(phrase) > 1 and phrase[0].isupper() and phrase[1].islower():
        return phrase[0].lower() + phrase[1:]
    return phrase


# The engine's "not documented" reasons, each turned into what the prescriber should send.
# Order matters: the specific forms before the general "X is not documented".
_ASKS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"^No current medication list documents (?P<x>.+)\.$", "a current medication list ({x})"),
        (r"^No diagnosis of (?P<x>.+) is documented\.$", "chart notes with the diagnosis of {x}"),
        (
            r"^No trial of an? (?P<x>.+) is documented\.$",
            "records of any trial of {x}: the drug, strength, dates of use and outcome",
        ),
        (r"^No testing for (?P<x>.+) is documented\.$", "the results of testing for {x}"),
        (
            (
                r"^(?:No|The most recent) (?P<x>.+?)(?: \(.+\) is \d+ days before receipt; none)? "
                r"within (?P<d>\d+) days is documented\.$"
            ),
            "a {x} from within {d} days before the request was received",
        ),
        (r"^No (?P<x>.+) (?:is|are) documented\.$", "documentation of any {x}"),
        (
            r"^(?P<x>.+) is documented without saying whether it is (?P<y>.+)\.$",
            "documentation of whether the {x} is {y}",
        ),
        (
            r"^(?P<x>.+) documented without its target \((?P<y>.+)\?\)\.$",
            "documentation of the target of the {x} (whether it is {y}-directed)",
        ),
        (
            r"^.* no specialty and no consultation with an? (?P<x>.+) is documented\.$",
            "the prescriber's specialty, or documentation of a consultation with a {x}",
        ),
        (
            r"^Needs \d+ qualifying (?P<x>.+) trial\(s\); still to document: (?P<y>.+)\.$",
            "the missing details of the {x} trial(s) on file: {y}",
        ),
        (r"^The step would be excused by (?P<x>.+); still to document\.$", "the details of {x}"),
        (
            r"^Conflicting (?P<x>.+?); a reviewer must say which holds\.$",
            "documentation that settles the conflicting {x}",
        ),
        (r"^(?P<x>.+?) not yet shown \((?P<y>.+)\)\.$", "documentation of {x} ({y})"),
        (r"^(?P<x>.+?) (?:is |are )?not documented(?:\.|, .+\.)$", "documentation of {x}"),
    )
)


_CONDITION = "Whether this applies is not documented: "


def needed_for(reason: str) -> str:
    """What documentation would settle an item the engine found not documented."""
    reason = reason.strip()
    if reason.startswith(_CONDITION):
        # A conditional item whose condition is undocumented: what settles the condition does.
        rest = reason.removeprefix(_CONDITION)
        reason = rest[:1].upper() + rest[1:]
    for pattern, template in _ASKS:
        match = pattern.match(reason)
        if match is None:
            continue
        parts = {
            name: _lower_first(value) if match.start(name) == 0 else value
            for name, value in match.groupdict().items()
        }
        return template.format(**parts)
    return "documentation that shows whether this requirement is met"


def appeal_rights(policy_id: str, line_of_business: str) -> tuple[str, ...]:
    """How to appeal, without plan contact details: the enclosed notice carries those."""
    further = (
        "a state fair hearing"
        if line_of_business == "medicaid"
        else "an independent external review"
    )
    return (
        (
            "You, or the prescriber on your behalf, may appeal this decision. Send the appeal, "
            "with any information that shows the requirements above are met (for example office "
            "chart notes, lab results or a letter of medical necessity), to the address and "
            "within the deadline given on the enclosed appeal rights notice."
        ),
        (
            "If waiting for a standard appeal could seriously harm the member's life, health or "
            "ability to regain maximum function, you may ask for an expedited appeal, as the "
            "enclosed notice explains. The notice also describes any further review that applies, "
            f"such as {further}."
        ),
        (
            "The prescriber may ask for a peer-to-peer review to discuss this decision with a "
            "clinical reviewer."
        ),
        (
            f"You may ask for a free copy of clinical policy {policy_id} and of the records used "
            "to make this decision. You and the prescriber may still decide to use this "
            "medication; this decision is about whether the plan pays for it."
        ),
    )


ALSO_MISSING = (
    "The records we received also do not document the following. If you appeal or send a new "
    "request, please include documentation for these as well."
)
DOCUMENTATION_ASKED = (
    "The policy asks the prescriber to submit documentation, such as office chart notes, lab "
    "results or other clinical information, showing that the member meets every approval "
    "criterion. Please send documentation for each item below."
)
NOT_A_DENIAL_YET = (
    "We need more information before we can make a decision. This letter is not a denial."
)
COVERAGE_TERMS = (
    "Coverage is subject to the member's eligibility and the terms of the member's pharmacy "
    "benefit on the date the medication is dispensed."
)
RENEWAL = (
    "To continue treatment after this period, the prescriber will need to submit a new request, "
    "which is reviewed under the continued therapy criteria (section II) of the policy."
)
SIGN_OFF = (
    (
        "If you have questions about this letter, please call the Member Services number on the "
        "member's ID card. Prescribers may call the provider services number for pharmacy prior "
        "authorization."
    ),
    "Sincerely,",
    "Pharmacy Prior Authorization, Utilization Management",
)


def how_to_send(request_id: str) -> str:
    """Where and how soon, without inventing a fax number or a deadline the plan sets."""
    return (
        f"Please send the information with the request number {request_id}, the same way prior "
        "authorization requests are submitted, as soon as possible. If we do not receive it "
        "within the time allowed for this review, we will decide the request on the information "
        "we have."
    )


def referral_next(targets: str) -> str:
    """A referral is not a decision: say so, and that the decision comes separately."""
    return (
        f"This letter is not a denial. We will send a separate notice with the decision under "
        f"{targets}. The prescriber may send any information that supports the requested use, "
        "such as published studies, to help that review."
    )
