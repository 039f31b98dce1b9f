"""``priorauth extract``, ``decide`` and ``eval`` on real packets: outputs, bad documents listed
not fatal, bad input as one line with exit status 2, and eval thresholds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from priorauth.workbench.cli import main

PACKETS = Path(__file__).parents[2] / "samples" / "packets"
NSV = PACKETS / "nsv-approve"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_extract_table_lists_facts_with_their_pages(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "extract", str(NSV / "packet"))
    assert status == 0
    assert "crisaborole topical unknown [negated]" in out
    assert "adalimumab current [family]" in out
    assert 'derm-progress-note.pdf p1: "- Pt denies prior Eucrisa use."' in out


def test_extract_json_gives_facts_with_grounded_evidence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "extract", str(NSV / "packet"), "--json")
    document = json.loads(out)
    assert status == 0
    assert [d["document"] for d in document["documents"]] == sorted(
        p.name for p in (NSV / "packet").glob("*.pdf")
    )
    trials = [f for f in document["facts"] if f["name"] == "therapy_trial"]
    assert trials
    for fact in trials:
        assert fact["source"] == {"kind": "rules", "name": "priorauth-rules", "version": "1"}
        evidence = fact["evidence"][0]
        assert {"document", "page", "quote", "char_start", "char_end", "bbox"} <= set(evidence)


def test_decide_lists_unreadable_documents_and_still_decides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packet = tmp_path / "packet"
    shutil.copytree(NSV / "packet", packet)
    (packet / "zz-scan.pdf").write_bytes(b"%PDF-1.7\n garbage")
    status, out, err = run(capsys, "decide", str(NSV / "request.json"), str(packet), "--json")
    document = json.loads(out)
    assert status == 0
    assert document["decision"] == "approve"
    assert document["criteria_set"] == "I.J"
    assert document["approval"] == {"duration_value": 6, "duration_unit": "months"}
    assert document["unreadable"] == [
        {
            "document": "zz-scan.pdf",
            "page": None,
            "reason": "corrupt or not a PDF (its structure cannot be parsed)",
        }
    ]
    assert err == (
        "priorauth: unreadable: zz-scan.pdf: corrupt or not a PDF (its structure cannot be "
        "parsed)\n"
    )


def test_decide_table_names_the_decision(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "decide", str(NSV / "request.json"), str(NSV / "packet"))
    assert status == 0
    assert out.rstrip().splitlines()[-1].startswith("Decision: APPROVE")


def test_decide_bad_request_is_one_line_before_reading_the_packet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = json.loads((NSV / "request.json").read_text())
    request["medication"]["days_supply"] = 0
    bad = tmp_path / "request.json"
    bad.write_text(json.dumps(request))
    status, out, err = run(capsys, "decide", str(bad), str(tmp_path / "no-packet-here"))
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "medication.days_supply" in err


def test_decide_missing_packet_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "decide", str(NSV / "request.json"), "/nonexistent/packet")
    assert status == 2
    assert err == "priorauth: /nonexistent/packet: no such file or folder\n"


def _one_case(tmp_path: Path, facts_edit: str | None = None) -> Path:
    root = tmp_path / "samples"
    shutil.copytree(NSV, root / NSV.name, ignore=shutil.ignore_patterns("decision.json"))
    if facts_edit is not None:
        case_file = root / NSV.name / "case.yaml"
        data = yaml.safe_load(case_file.read_text())
        data["expected"]["facts"].append({"name": "bsa_involvement", "value": {"percent": 55}})
        data["expected"]["decision"] = facts_edit
        case_file.write_text(yaml.safe_dump(data))
    return root


def test_eval_reports_metrics_and_passes_its_thresholds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "eval", str(_one_case(tmp_path)), "--json", "--min-f1", "0.5")
    metrics = json.loads(out)
    assert status == 0
    assert metrics["cases"] == 1
    assert metrics["decision_agreement"] == 1.0
    assert metrics["facts"]["diagnosis"]["f1"] == 1.0


def test_eval_fails_below_threshold_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "eval", str(_one_case(tmp_path, "deny")), "--min-f1", "0.99")
    assert status == 1
    assert "DIFF nsv-approve" in out
    assert "below threshold: decision agreement 0% is under 100%" in err
    assert "bsa_involvement: F1" in err
