"""The ``priorauth`` command: output forms, and one-line errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from priorauth.workbench.cli import main

SAMPLE = Path(__file__).parents[2] / "samples" / "facts" / "nsv-approve"
POLICY = Path(__file__).parents[2] / "src/priorauth/adjudicate/policies/CP.PHAR.98/v1.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_policy_show_json_lists_all_112_items(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "policy", "show", "--json")
    document = json.loads(out)
    assert status == 0
    assert document["id"] == "CP.PHAR.98"
    assert document["version"] == 1
    ids = [c["id"] for c in document["criteria"]]
    assert len(ids) == 112 == len(set(ids))
    assert ids[:3] == ["I.A.1", "I.A.2", "I.A.3"]
    assert ids[-1] == "II.D.2"
    by_id = {c["id"]: c["text"] for c in document["criteria"]}
    assert by_id["I.J.2"] == "Documentation of member's total vitiligo involvement is ≤ 10% BSA;"


def test_policy_show_table_names_every_set(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "policy", "show")
    assert status == 0
    for set_id in ("I.A", "I.L", "II.A", "II.D"):
        assert f"\n{set_id} " in out


def test_adjudicate_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "adjudicate", str(SAMPLE / "request.json"), str(SAMPLE / "facts.json"), "--json"
    )
    decision = json.loads(out)
    assert status == 0
    assert decision["decision"] == "approve"
    assert decision["policy"] == "CP.PHAR.98"
    assert decision["criteria_set"] == "I.J"
    assert [c["id"] for c in decision["criteria"]] == [f"I.J.{n}" for n in range(1, 10)]
    assert decision["approval"] == {"duration_value": 6, "duration_unit": "months"}
    assert "refer_to" not in decision
    evidence = decision["criteria"][0]["evidence"][0]
    assert evidence["document"] == "derm_note_2026-03-02.pdf"
    assert evidence["quote"] == "Nonsegmental vitiligo, bilateral hands and perioral face"


def test_adjudicate_table_shows_each_item_and_the_decision(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(
        capsys, "adjudicate", str(SAMPLE / "request.json"), str(SAMPLE / "facts.json")
    )
    assert status == 0
    assert "I.J.2" in out
    assert "BSA involvement is 4%" in out
    assert out.rstrip().endswith("Approve under I.J for 6 months.")


def _request(**changes: object) -> dict[str, object]:
    data = json.loads((SAMPLE / "request.json").read_text())
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return dict(data)


@pytest.mark.parametrize(
    ("request_data", "expected"),
    [
        (_request(line_of_business="ppo"), "line_of_business: Input should be"),
        (
            _request(medication__days_supply=0),
            "medication.days_supply: Input should be greater than or equal to 1",
        ),
        (
            _request(member__dob="2027-01-01"),
            "member.dob 2027-01-01 is after received_date 2026-03-16",
        ),
        (_request(medication__product="Xeljanz"), "medication.product: unknown product 'Xeljanz'"),
        (
            _request(
                medication__strength="12 mg",
                medication__product="Jakafi",
                medication__unit="tablet",
            ),
            "medication.strength: '12 mg' is not a strength of Jakafi",
        ),
    ],
)
def test_bad_request_is_one_line_naming_file_and_field(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    request_data: dict[str, object],
    expected: str,
) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request_data))
    status, out, err = run(capsys, "adjudicate", str(path), str(SAMPLE / "facts.json"))
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"priorauth: {path}: ")
    assert expected in err


def test_malformed_json_names_line_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"facts": [\n  {"id": "a",}\n]}')
    status, _, err = run(capsys, "adjudicate", str(SAMPLE / "request.json"), str(path))
    assert status == 2
    assert (
        err == f"priorauth: {path}: malformed JSON at line 2 column 14: "
        "Expecting property name enclosed in double quotes\n"
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ([{"id": "a", "name": "bsa", "value": {}}], "facts[0]: unknown fact name 'bsa'"),
        (
            [{"id": "a", "name": "bsa_involvement", "value": {"percent": 140}}],
            "facts[0].bsa_involvement.value.percent",
        ),
        (
            [{"id": "a", "name": "platelet_count", "value": {"count": 90, "unit": "K/uL"}}],
            "value.unit",
        ),
        (
            [{"id": "a", "name": "medication_list"}, {"id": "a", "name": "medication_list"}],
            "duplicate fact id 'a'",
        ),
    ],
)
def test_facts_that_do_not_validate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, facts: list[object], expected: str
) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"facts": facts}))
    status, _, err = run(capsys, "adjudicate", str(SAMPLE / "request.json"), str(path))
    assert status == 2
    assert err.count("\n") == 1
    assert str(path) in err
    assert expected in err


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(
        capsys, "adjudicate", str(tmp_path / "nope.json"), str(SAMPLE / "facts.json")
    )
    assert status == 2
    assert err == f"priorauth: {tmp_path / 'nope.json'}: no such file\n"


def test_lint_clean_policy(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "policy", "lint", str(POLICY))
    assert (status, out) == (0, "")
    assert err.endswith(": ok\n")


def _lint_broken(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, edits: dict[str, str]
) -> tuple[list[str], Path, dict[str, int]]:
    """Lint the bundled policy after replacing whole lines; returns findings and line numbers."""
    lines = POLICY.read_text().splitlines()
    numbers = {}
    for old, new in edits.items():
        index = next(i for i, line in enumerate(lines) if line.strip() == old)
        numbers[old] = index + 1
        lines[index] = lines[index].replace(old, new)
    path = tmp_path / "v9.yaml"
    path.write_text("\n".join(lines) + "\n")
    status, out, _ = run(capsys, "policy", "lint", str(path))
    assert status == 1
    return out.splitlines(), path, numbers


def test_lint_names_an_unknown_key_with_its_line_and_item(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    edit = "test: platelets_recent_at_least"
    found, path, numbers = _lint_broken(capsys, tmp_path, {edit: "tset: platelets_recent_at_least"})
    assert f"{path}:{numbers[edit]} [I.A.5]: unknown key 'tset'" in found


def test_lint_names_duplicate_ids_and_undeclared_facts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    found, path, numbers = _lint_broken(
        capsys, tmp_path, {"- id: I.B.3": "- id: I.B.2", "- platelet_count": "- platelet_counts"}
    )
    assert (
        f"{path}:{numbers['- id: I.B.3']} [I.B.2]: item id I.B.2 out of sequence; "
        "expected I.B.3 (duplicate or missing id)" in found
    )
    assert any(f.startswith(f"{path}:") and "unknown fact 'platelet_counts'" in f for f in found)
    assert any(
        "[I.A.5]: platelets_recent_at_least reads fact 'platelet_count', "
        "which the policy does not declare" in f
        for f in found
    )


def test_lint_finds_a_missing_id(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    found, path, numbers = _lint_broken(capsys, tmp_path, {"- id: I.J.9": "- id: I.J.10"})
    assert (
        f"{path}:{numbers['- id: I.J.9']} [I.J.10]: item id I.J.10 out of sequence; "
        "expected I.J.9 (duplicate or missing id)" in found
    )
