"""Scoring the extractor against annotated sample cases (``samples/packets/*/case.yaml``).

Facts are compared per kind on the fields that say what a fact states (the README's table:
a trial's agent and outcome, a count and its date, ...) and on its assertion context, as
sets per case: mentioning a fact twice is not two findings. Decisions are compared on the
outcome and the criteria set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from priorauth.adjudicate.engine import Engine
from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.facts import FACT_TYPES, FAILURE_OUTCOMES, PlateletCountValue
from priorauth.adjudicate.inputs import parse_request
from priorauth.adjudicate.policy import Policy
from priorauth.extract import guard
from priorauth.extract.pipeline import Extraction, Extractor

COMPARED: dict[str, tuple[str, ...]] = {
    "diagnosis": ("condition", "subtype"),
    "bsa_involvement": ("percent",),
    "treatment_site": ("site",),
    "immune_status": ("immunocompromised",),
    "platelet_count": ("count",),
    "therapy_trial": ("agent", "outcome"),
    "medication": ("agent", "status"),
    "medication_list": ("documented",),
    "mutation": ("gene", "detected"),
    "treatment_plan": ("intent",),
    "systemic_therapy_lines": ("count",),
    "transplant": ("kind",),
    "cell_therapy": ("target",),
    "fever": ("temperature_c",),
    "hypotension": ("present",),
    "vasopressor": ("agent",),
    "oxygen_support": ("device", "flow_l_min"),
    "crs_grade": ("grade",),
    "response_to_therapy": ("response",),
    "therapy_status": ("currently_receiving",),
    "dose_increase": ("increase",),
    "dose_literature": (),
    "consultation": ("specialty",),
}

Key = tuple[Any, ...]
_FAILURES = frozenset(outcome.value for outcome in FAILURE_OUTCOMES)


def fact_key(name: str, value: dict[str, Any], context: dict[str, Any], date: Any) -> Key:
    """What a fact states, for comparison: kind, compared fields, context, and for platelet
    counts the date (a count is a count on a day)."""
    defaults = FACT_TYPES[name].model_fields["value"].default
    base = defaults.model_dump(mode="json") if hasattr(defaults, "model_dump") else {}
    merged = {**base, **value}
    if name == "platelet_count":
        count = PlateletCountValue.model_validate(merged).per_nanolitre
        merged = {"count": round(count, 1)}
    if name == "therapy_trial" and merged.get("outcome") in _FAILURES:
        # The policy reads "failure" in all its words (inadequate response, no improvement,
        # progression); annotators pick among them freely. Appendix D's finer distinctions
        # are checked by the decisions and by the finder's own tests.
        merged["outcome"] = "failure"
    fields = []
    for field_name in COMPARED[name]:
        item = merged.get(field_name)
        if isinstance(item, float):
            item = round(item, 1)
        if isinstance(item, str):
            item = item.strip().lower()
        fields.append(item)
    flags = (
        bool(context.get("negated")),
        bool(context.get("family")),
        bool(context.get("hypothetical") or context.get("uncertain")),
    )
    if name == "therapy_trial" and flags[0]:
        # A drug never tried has no result: "no contraindication to HU", "declined HU" and
        # "HU tried? [X] No" all say the member did not take it.
        return ("therapy_trial", merged.get("agent"), "not taken", flags, None)
    if name in ("therapy_trial", "medication") and flags[2]:
        # A drug only considered ("will consider X if ...") is one statement whether it is
        # written down as a possible trial or a planned medication; the policy reads neither.
        return ("therapy_trial", merged.get("agent"), "considered", flags, None)
    when = str(date) if name == "platelet_count" and date else None
    return (name, *fields, flags, when)


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class CaseResult:
    name: str
    expected_decision: str
    decision: str
    expected_set: str | None
    criteria_set: str
    missed: list[Key] = field(default_factory=list)
    extra: list[Key] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return self.decision == self.expected_decision and (
            self.expected_set is None or self.expected_set == self.criteria_set
        )


@dataclass(slots=True)
class Evaluation:
    cases: list[CaseResult] = field(default_factory=list)
    by_kind: dict[str, Counts] = field(default_factory=dict)
    model: dict[str, int] = field(default_factory=dict)
    """With a model: calls, cache hits, tokens and claims, summed over the cases."""

    @property
    def agreement(self) -> float:
        return sum(c.agrees for c in self.cases) / len(self.cases) if self.cases else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            **({"model": self.model} if self.model else {}),
            "cases": len(self.cases),
            "decision_agreement": round(self.agreement, 4),
            "facts": {
                kind: {
                    "tp": c.tp,
                    "fp": c.fp,
                    "fn": c.fn,
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                }
                for kind, c in sorted(self.by_kind.items())
            },
            "disagreements": [
                {
                    "case": c.name,
                    "expected": c.expected_decision,
                    "decided": c.decision,
                    "expected_set": c.expected_set,
                    "criteria_set": c.criteria_set,
                }
                for c in self.cases
                if not c.agrees
            ],
        }


def sample_dirs(root: Path) -> list[Path]:
    if (root / "case.yaml").is_file():
        return [root]
    found = sorted(p.parent for p in root.glob("*/case.yaml"))
    if not found:
        raise InputError(str(root), "", "no sample cases (folders with case.yaml) here")
    return found


def _expected(case_file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InputError(str(case_file), "", f"cannot be read as YAML ({error})") from None
    expected = data.get("expected") if isinstance(data, dict) else None
    if not isinstance(expected, dict) or "decision" not in expected:
        raise InputError(str(case_file), "expected", "missing (decision and facts)")
    return expected


def _keys(facts: Iterable[dict[str, Any]]) -> set[Key]:
    return {
        fact_key(f["name"], f.get("value") or {}, f.get("context") or {}, f.get("date"))
        for f in facts
    }


def evaluate(root: Path, policy: Policy, extractor: Extractor | None = None) -> Evaluation:
    extractor = extractor or Extractor(policy)
    engine = Engine(policy)
    result = Evaluation()
    for case_dir in sample_dirs(root):
        expected = _expected(case_dir / "case.yaml")
        request_file = case_dir / "request.json"
        request = parse_request(request_file.read_text(encoding="utf-8"), str(request_file))
        extraction = extractor.extract([case_dir / "packet"])
        decision = guard.decide(engine, request, extraction.facts)
        predicted = _keys(_as_dicts(extraction))
        wanted = _keys(expected.get("facts") or [])
        case = CaseResult(
            name=case_dir.name,
            expected_decision=str(expected["decision"]),
            decision=decision.decision,
            expected_set=expected.get("criteria_set"),
            criteria_set=decision.criteria_set.id,
            missed=sorted(wanted - predicted, key=repr),
            extra=sorted(predicted - wanted, key=repr),
            unreadable=[str(p) for p in extraction.problems],
        )
        result.cases.append(case)
        if extraction.llm is not None:
            usage = extraction.llm
            for name, count in (
                ("calls", usage.calls),
                ("cache_hits", usage.cache_hits),
                ("input_tokens", usage.input_tokens),
                ("output_tokens", usage.output_tokens),
                ("grounded", usage.grounded),
                ("ungrounded", usage.ungrounded),
                ("failures", len(usage.failures)),
            ):
                result.model[name] = result.model.get(name, 0) + count
        for key in predicted | wanted:
            counts = result.by_kind.setdefault(key[0], Counts())
            if key in predicted and key in wanted:
                counts.tp += 1
            elif key in predicted:
                counts.fp += 1
            else:
                counts.fn += 1
    return result


def _as_dicts(extraction: Extraction) -> list[dict[str, Any]]:
    return [json.loads(fact.model_dump_json()) for fact in extraction.facts]


def failures(evaluation: Evaluation, min_f1: float, min_agreement: float) -> list[str]:
    """Why the evaluation is below its thresholds; empty when it passes."""
    problems = []
    if evaluation.agreement < min_agreement:
        problems.append(
            f"decision agreement {evaluation.agreement:.0%} is under {min_agreement:.0%}"
        )
    problems.extend(
        f"{kind}: F1 {counts.f1:.2f} is under {min_f1:.2f}"
        for kind, counts in sorted(evaluation.by_kind.items())
        if counts.f1 < min_f1
    )
    return problems


def to_table(evaluation: Evaluation, verbose: bool = False) -> str:
    lines = [f"{'fact kind':<24} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn"]
    for kind, c in sorted(evaluation.by_kind.items()):
        lines.append(
            f"{kind:<24} {c.precision:6.2f} {c.recall:6.2f} {c.f1:6.2f} {c.tp:4} {c.fp:3} {c.fn:3}"
        )
    agreeing = sum(c.agrees for c in evaluation.cases)
    lines += ["", f"decision agreement: {agreeing}/{len(evaluation.cases)}"]
    if evaluation.model:
        lines.append("model: " + ", ".join(f"{k} {v}" for k, v in evaluation.model.items()))
    for case in evaluation.cases:
        mark = "ok  " if case.agrees else "DIFF"
        lines.append(
            f"  {mark} {case.name:<36} expected {case.expected_decision}"
            f" ({case.expected_set}), decided {case.decision} ({case.criteria_set})"
        )
        if verbose:
            lines += [f"         missed {key}" for key in case.missed]
            lines += [f"         extra  {key}" for key in case.extra]
            lines += [f"         unreadable {text}" for text in case.unreadable]
    return "\n".join(lines) + "\n"
