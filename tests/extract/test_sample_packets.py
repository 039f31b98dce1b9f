"""Every sample packet, read and decided end to end: the decision its annotator expects, the
golden decision JSON byte for byte, and every evidence quote verbatim on its page.

Rewrite the golden files only on purpose (``scripts/test --update-golden``) and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from priorauth.adjudicate import Engine, Policy
from priorauth.adjudicate.inputs import parse_request
from priorauth.extract.packet import PacketReader
from priorauth.extract.pipeline import Extractor
from priorauth.extract.report import decision_json

PACKETS = Path(__file__).resolve().parents[2] / "samples" / "packets"
CASES = sorted(p.parent for p in PACKETS.glob("*/case.yaml"))


@pytest.fixture(scope="module")
def extractor(policy: Policy) -> Extractor:
    return Extractor(policy)


def _decide(case: Path, policy: Policy, extractor: Extractor) -> dict[str, object]:
    request_file = case / "request.json"
    request = parse_request(request_file.read_text(encoding="utf-8"), str(request_file))
    extraction = extractor.extract([case / "packet"])
    decision = Engine(policy).decide(request, tuple(extraction.facts))
    return decision_json(decision, extraction)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_packet_decides_as_annotated_and_as_golden(
    case: Path, policy: Policy, extractor: Extractor, update_golden: bool
) -> None:
    document = _decide(case, policy, extractor)
    expected = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))["expected"]
    assert (document["decision"], document["criteria_set"]) == (
        expected["decision"],
        expected["criteria_set"],
    )
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    golden = case / "decision.json"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_quote_is_verbatim_on_its_page(case: Path) -> None:
    document = json.loads((case / "decision.json").read_text(encoding="utf-8"))
    pages = {(p.document, p.number): p.text for p in PacketReader([case / "packet"]).pages()}
    quotes = [e for c in document["criteria"] for e in c["evidence"]]
    quotes += [e for f in document["facts"] for e in f.get("evidence", [])]
    assert quotes, "the decision cites evidence"
    for evidence in quotes:
        page = pages[evidence["document"], evidence["page"]]
        assert page[evidence["char_start"] : evidence["char_end"]] == evidence["quote"]


def test_samples_cover_every_set_and_the_required_kinds() -> None:
    sets, decisions, image_only = set(), set(), 0
    for case in CASES:
        data = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
        sets.add(data["expected"]["criteria_set"])
        decisions.add(data["expected"]["decision"])
        image_only += all(d["kind"] == "fax" for d in data["documents"])
    wanted = {f"I.{s}" for s in "ABCDEFGHIJKL"} | {f"II.{s}" for s in "ABCD"}
    assert wanted - sets == set()
    assert decisions == {"approve", "deny", "pend", "refer"}
    assert image_only >= 3
    assert len(CASES) >= 16
