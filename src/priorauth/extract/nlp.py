"""The spaCy pipeline: blank English, line-aware sentences, term matching, medspaCy ConText
and sections.

No statistical model: tokenizer, rules and phrase lists only, so it runs offline and the same
everywhere. spaCy's sentencizer is used, not medspaCy's PyRuSH (eight times slower here, and
it logs every token, which would put packet text in logs).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from priorauth.adjudicate.facts import Context
from priorauth.adjudicate.policy import Policy
from priorauth.extract.lexicon import Lexicon, is_abbreviation, load_lexicon

SPAN_GROUP = "terms"

_NOT_FOR_DRUGS = frozenset({"prophylaxis", ": no", ": none"})
"""medspaCy default modifiers that misread treatment notes: "DVT prophylaxis" means no DVT,
but "tacrolimus for GVHD prophylaxis" means tacrolimus is taken; ": no" negates everything
before it in the sentence ("clobetasol to hands: no improvement" is a trial, not a denial)."""


@dataclass(frozen=True, slots=True)
class Term:
    """A lexicon term found in a page: what it is, where, and in what context."""

    kind: str
    """``drug``, ``condition``, ``subtype``, or ``pattern`` (a finder's regular expression)."""
    key: str
    """The drug's generic name, the condition id, ``condition:subtype``, the pattern's name."""
    start: int
    end: int
    text: str
    context: Context
    section: str | None


class Pipeline:
    """Turns page text into a spaCy Doc with matched terms in context."""

    def __init__(self, policy: Policy, patterns: Mapping[str, re.Pattern[str]]) -> None:
        # medspaCy imports PyRuSH, whose loguru sink would echo tokens; keep it silent.
        try:
            from loguru import logger

            logger.disable("PyRuSH")
        except ImportError:  # loguru comes with medspaCy; without it nothing logs
            pass
        logging.getLogger("medspacy").setLevel(logging.ERROR)
        self.lexicon = load_lexicon(policy)
        self.patterns = dict(patterns)
        self.nlp = self._build(self.lexicon)

    def _build(self, lexicon: Lexicon) -> Language:
        import medspacy  # registers the medspacy_* factories

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        context: Any = nlp.add_pipe(
            "medspacy_context",
            config={"rules": None, "input_span_type": "group", "span_group_name": SPAN_GROUP},
        )
        from medspacy.context import ConTextRule

        defaults = Path(medspacy.__file__).parent.parent / "resources" / "en" / "context_rules.json"
        context.add(
            [
                rule
                for rule in ConTextRule.from_json(str(defaults))
                if rule.literal.lower() not in _NOT_FOR_DRUGS
            ]
            + [
                ConTextRule(literal=word, category=category, direction=direction)
                for category, by_direction in lexicon.context.items()
                for direction, words in by_direction.items()
                for word in words
            ]
        )
        sectionizer: Any = nlp.add_pipe(
            "medspacy_sectionizer",
            config={
                "rules": None,
                "require_start_line": True,
                "input_span_type": "group",
                "span_group_name": SPAN_GROUP,
            },
        )
        from medspacy.section_detection import SectionRule

        sectionizer.add(
            [
                SectionRule(literal=f"{header}:", category=category)
                for category, headers in lexicon.sections.items()
                for header in headers
                if not header.endswith(":")
            ]
            + [
                SectionRule(literal=header.rstrip(":"), category=category)
                for category, headers in lexicon.sections.items()
                for header in headers
                # A header of two words or more needs no colon ("CURRENT MEDICATIONS" on its
                # own line); one word does ("Plan:"), or every "plan" would open a section.
                if header.endswith(":") or " " in header
            ]
            # Token patterns: "Home/Current/Active meds:" and "Medications (reconciled
            # 03/10/2026):". (They also keep the sectionizer's token matcher from being empty,
            # which spaCy warns about on every page.)
            + [
                SectionRule(
                    literal="<adjective> meds:",
                    category="medications",
                    pattern=[
                        {"LOWER": {"IN": [*_MED_ADJECTIVES]}},
                        {"LOWER": {"IN": ["meds", "medications", "medication"]}},
                        {"ORTH": ":"},
                    ],
                ),
                SectionRule(
                    literal="<adjective> medications (...):",
                    category="medications",
                    pattern=[
                        {"LOWER": {"IN": [*_MED_ADJECTIVES]}, "OP": "?"},
                        {"LOWER": {"IN": ["meds", "medications", "medication"]}},
                        {"ORTH": "("},
                        {"ORTH": {"NOT_IN": [")", "):", "\n"]}, "OP": "*"},
                        {"ORTH": {"IN": [")", "):"]}},
                    ],
                ),
            ]
        )
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._payload: dict[str, tuple[str, str]] = {}
        self._add_terms(nlp, "drug", ((f, d.agent) for f, d in lexicon.drugs.items()))
        self._add_terms(
            nlp,
            "condition",
            ((form, cid) for cid, forms in lexicon.conditions.items() for form in forms),
        )
        self._add_terms(
            nlp,
            "subtype",
            (
                (form, f"{cid}:{sub}")
                for cid, subs in lexicon.subtypes.items()
                for sub, forms in subs.items()
                for form in forms
            ),
        )
        return nlp

    def _add_terms(self, nlp: Language, kind: str, forms: Iterable[tuple[str, str]]) -> None:
        for form, key in forms:
            label = f"{kind}|{key}"
            self._payload[label] = (kind, key)
            if is_abbreviation(form):
                self._exact.add(label, [nlp.make_doc(form)])
            elif kind == "condition" and len(form) <= 3 and form.isalpha():
                # The policy writes "pv", "et", "ad" in lower case; as words they are "et al."
                # and "ad lib". Clinicians write the diagnoses in capitals.
                self._exact.add(label, [nlp.make_doc(form.upper())])
            else:
                self._lower.add(label, [nlp.make_doc(form)])

    def read(self, text: str) -> tuple[Doc, list[Term]]:
        doc = self.nlp.make_doc(text)
        matches = [*self._lower(doc), *self._exact(doc)]
        spans = _longest([Span(doc, start, end, label=key) for key, start, end in matches])
        # Regular-expression findings go through ConText too, as targets like the terms; the
        # term keeps the match's own characters, the span is widened to whole tokens.
        exact_bounds: dict[tuple[str, int, int], tuple[int, int]] = {}
        for name, pattern in self.patterns.items():
            label = f"pattern|{name}"
            self._payload.setdefault(label, ("pattern", name))
            for match in pattern.finditer(text):
                span = doc.char_span(
                    match.start(), match.end(), label=label, alignment_mode="expand"
                )
                if span is not None:
                    exact_bounds[label, span.start, span.end] = match.span()
                    spans.append(span)
        doc.spans[SPAN_GROUP] = spans
        for name, component in self.nlp.pipeline:
            doc = component(doc)
            if name == "sentencizer":
                _line_sentences(doc)
        terms = []
        for span in doc.spans[SPAN_GROUP]:
            kind, key = self._payload[span.label_]
            start, end = exact_bounds.get(
                (span.label_, span.start, span.end), (span.start_char, span.end_char)
            )
            terms.append(
                Term(
                    kind=kind,
                    key=key,
                    start=start,
                    end=end,
                    text=text[start:end],
                    context=context_of(span),
                    section=span._.section_category,
                )
            )
        return doc, terms


def context_of(span: Span) -> Context:
    family = bool(span._.is_family) or span._.section_category == "family_history"
    return Context(
        negated=bool(span._.is_negated),
        historical=bool(span._.is_historical),
        hypothetical=bool(span._.is_hypothetical),
        family=family,
        uncertain=bool(span._.is_uncertain),
    )


def _longest(spans: list[Span]) -> list[Span]:
    """Overlapping matches keep the longest ("post-PV myelofibrosis" over "myelofibrosis"),
    except subtype words, which annotate the term they sit in."""
    subtypes = [s for s in spans if s.label_.startswith("subtype|")]
    others = spacy.util.filter_spans([s for s in spans if not s.label_.startswith("subtype|")])
    # "PV" inside "post-PV" is the myelofibrosis subtype, not polycythemia vera.
    others = [
        s
        for s in others
        if not any(
            t.start <= s.start
            and s.end <= t.end
            and not t.label_.startswith(f"subtype|{s.label_[10:]}:")
            for t in subtypes
            if s.label_.startswith("condition|")
        )
    ]
    return sorted([*others, *subtypes], key=lambda s: (s.start, s.end))


_MED_ADJECTIVES = ("home", "current", "active", "discharge", "admission", "outpatient")
_JOINERS = frozenset({"and", "or", "with", "to", "of", "for", "then", "after", "on"})


def _line_sentences(doc: Doc) -> None:
    """A line break starts a sentence unless the next line continues in lower case.

    Notes are lists and templates as much as prose: "Medications:" lines and lab rows
    have no full stops, and a negation must not reach across them.
    """
    for token in doc[:-1]:
        if "\n" not in token.text and not token.whitespace_.count("\n"):
            continue
        following = doc[token.i + 1]
        if following.is_space:
            continue
        previous = doc[token.i - 1] if token.is_space and token.i else token
        # A list item wrapped after a comma or an open parenthesis goes on.
        continues = previous.text in {",", "(", "/", "&", "+"} or previous.lower_ in _JOINERS
        if not following.text[:1].islower() and not continues:
            following.is_sent_start = True
