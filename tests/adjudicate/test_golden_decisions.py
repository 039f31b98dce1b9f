"""Each sample's decision JSON equals its golden file, byte for byte.

Rewrite the golden files only on purpose (``scripts/test --update-golden``) and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from priorauth.adjudicate import Engine, Policy
from priorauth.adjudicate.inputs import parse_facts, parse_request
from priorauth.adjudicate.report import to_json_text

SAMPLES = sorted((Path(__file__).parents[2] / "samples" / "facts").iterdir())


@pytest.mark.parametrize("folder", SAMPLES, ids=[p.name for p in SAMPLES])
def test_decision_matches_golden(folder: Path, policy: Policy, update_golden: bool) -> None:
    request = parse_request((folder / "request.json").read_text(), "request.json")
    facts = parse_facts((folder / "facts.json").read_text(), "facts.json")
    text = to_json_text(Engine(policy).decide(request, facts.facts))
    golden = folder / "decision.json"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_goldens_cover_each_decision_in_both_sections() -> None:
    seen = set()
    for folder in SAMPLES:
        decision = json.loads((folder / "decision.json").read_text())
        seen.add((decision["criteria_set"].split(".")[0], decision["decision"]))
    wanted = {(section, d) for section in ("I", "II") for d in ("approve", "deny", "pend", "refer")}
    assert wanted - seen == set()
