"""Assertion context narrowed to the finding's own clause.

ConText's modifiers reach to the end of the sentence, so a negation or a condition in one
clause ("has not needed vasopressors and remains on 2 L nasal cannula") flags every finding
after it. The helpers here keep a flag only when the finding's own clause has a word that says
it, add the conditionals ConText's rules lack, and give the flags that make two statements of
one value different facts.
"""

from __future__ import annotations

import re

from priorauth.adjudicate.facts import Context
from priorauth.extract.mentions import PageText
from priorauth.extract.nlp import Term

_CUES = {
    "negated": re.compile(
        r"\b(?:no|not|never|without|w/o|denie[sd]|deny|declined?|negative|none|free\s+of|"
        r"absence\s+of|lack\s+of|resolved|rather\s+than|ruled\s+out|off)\b|n't\b",
        re.IGNORECASE,
    ),
    "hypothetical": re.compile(
        r"\b(?:if|consider\w*|would|could|may|might|should|will|plan\w*|discuss\w*|candidate|"
        r"options?|potential\w*|future|prn|as\s+needed|in\s+case|risks?|return|possibl[ey]|"
        r"evaluat\w*|refer\w*|unless|when)\b",
        re.IGNORECASE,
    ),
    "family": re.compile(
        r"\b(?:family|mother|father|mom|dad|sisters?|brothers?|siblings?|sons?|daughters?|aunt|"
        r"uncle|grand\w+|cousins?|fhx|fh|parents?|relatives?)\b|(?:mother|father|sister|"
        r"brother)'s",
        re.IGNORECASE,
    ),
}
_CONDITIONAL = re.compile(
    r"\b(?:would|could|might|should|if|unless|in\s+case\s+of|risk\s+of|at\s+risk\s+for|"
    r"prepare[ds]?\s+for|anticipat\w*|may\s+(?:need|require|benefit))\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"[;.](?:\s|$)|\n\s*\n|\bbut\b|->|→|\band\s+(?=(?:is|was|remains?|remained|has|had|now|"
    r"currently|stayed|still|on|then)\b)",
    re.IGNORECASE,
)
_LIST_BREAK = re.compile(r",|\(|\)|:\s|" + _CLAUSE_BREAK.pattern, re.IGNORECASE)


def assertion(context: Context) -> tuple[bool, bool, bool, bool]:
    """The flags that make two statements of one value different facts (not "historical")."""
    return (context.negated, context.family, context.hypothetical, context.uncertain)


def clause_text(page: PageText, start: int, end: int, *, reading: bool = False) -> str:
    """The clause holding ``start:end`` within its sentence; a reading with a number ("2 L
    NC") is its own clause even in a comma list."""
    breaks = _LIST_BREAK if reading else _CLAUSE_BREAK
    sentence = page.sentence(start, end)
    left = page.text[min(sentence.start_char, start) : start]
    right = page.text[end : max(end, sentence.end_char)]
    cut = 0
    for found in breaks.finditer(left):
        cut = found.end()
    stop = breaks.search(right)
    return left[cut:] + page.text[start:end] + (right[: stop.start()] if stop else right)


def clause_context(page: PageText, term: Term, *, reading: bool = False) -> Context:
    """ConText's modifiers reach to the end of the sentence ("has not needed vasopressors and
    remains on 2 L nasal cannula", "goals of care reviewed with pt and wife: intent is
    palliative"); a flag stays only when the finding's own clause has a word that says it.
    Conditionals its rules lack ("any surgery would certainly require intubation") are
    added."""
    context = term.context
    clause = clause_text(page, term.start, term.end, reading=reading)
    update = {
        name: False
        for name in _CUES
        if getattr(context, name)
        and not _CUES[name].search(clause)
        and not (name == "family" and term.section == "family_history")
    }
    if not (context.hypothetical or context.negated):
        before = clause[: max(0, clause.rfind(term.text))] if term.text else clause
        if _CONDITIONAL.search(before):
            update["hypothetical"] = True
    return context.model_copy(update=update) if update else context
