"""The ``priorauth`` command. Library errors become one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from priorauth.adjudicate import Engine, PlanSettings, Policy, PriorauthError
from priorauth.adjudicate.errors import InputError
from priorauth.adjudicate.inputs import parse_facts, parse_json, parse_request, validate
from priorauth.adjudicate.policy_file import bundled_policy, lint_policy, load_policy
from priorauth.adjudicate.report import to_json_text, to_table
from priorauth.adjudicate.request import Request
from priorauth.adjudicate.validity import check_request

if TYPE_CHECKING:
    from priorauth.extract.pipeline import Extraction, Extractor

EXIT_BAD_INPUT = 2


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "", "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "", "is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot read: {exc.strerror}") from None


def _policy(path: str | None) -> Policy:
    return bundled_policy() if path is None else load_policy(_read(path), path)


def _settings(policy: Policy, path: str | None) -> PlanSettings:
    if path is None:
        return policy.settings
    data = parse_json(_read(path), path)
    if not isinstance(data, dict):
        raise InputError(path, "", "settings must be a JSON object")
    merged = {**policy.settings.model_dump(), **data}
    return validate(PlanSettings, merged, path)


def _policy_show(args: argparse.Namespace) -> int:
    policy = _policy(args.policy)
    criteria = [
        {"id": item.id, "text": item.text, "set": criteria_set.id}
        for criteria_set in policy.sets
        for item in criteria_set.criteria
    ]
    if args.json:
        document = {
            "id": policy.id,
            "version": policy.version,
            "title": policy.title,
            "effective_date": policy.effective_date.isoformat(),
            "criteria": criteria,
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return 0
    out = [f"{policy.id} v{policy.version}: {policy.title} (effective {policy.effective_date})"]
    for criteria_set in policy.sets:
        out += ["", f"{criteria_set.id} {criteria_set.title} (must meet {criteria_set.must})"]
        out += [f"  {item.id:<8} {item.text}" for item in criteria_set.criteria]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _policy_lint(args: argparse.Namespace) -> int:
    issues = lint_policy(_read(args.file), args.file)
    for issue in issues:
        sys.stdout.write(f"{issue}\n")
    if issues:
        sys.stderr.write(f"{args.file}: {len(issues)} problem(s)\n")
        return 1
    sys.stderr.write(f"{args.file}: ok\n")
    return 0


def _request_inputs(args: argparse.Namespace) -> tuple[Policy, Engine, Request]:
    """The policy, an engine with the plan's settings, and the checked request: all bad
    input is reported before any packet is read."""
    policy = _policy(args.policy)
    settings = _settings(policy, args.settings)
    request = parse_request(_read(args.request), args.request)
    check_request(policy, request, args.request)
    return policy, Engine(policy, settings), request


def _adjudicate(args: argparse.Namespace) -> int:
    _policy_used, engine, request = _request_inputs(args)
    facts = parse_facts(_read(args.facts), args.facts)
    decision = engine.decide(request, facts.facts)
    sys.stdout.write(to_json_text(decision) if args.json else to_table(decision))
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr, for packets long enough to wait for."""

    MIN_PAGES = 10

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.MIN_PAGES or not sys.stderr.isatty():
            return
        filled = round(30 * done / total)
        bar = "#" * filled + "." * (30 - filled)
        sys.stderr.write(f"\rreading [{bar}] {done}/{total} pages")
        self.shown = True
        if done == total:
            sys.stderr.write("\n")


def _extractor(policy: Policy, mode: str | None) -> Extractor:
    """Rules alone unless a model is configured (then hybrid), or as ``--extractor`` says."""
    from priorauth.extract.llm_model import configured_model, configured_name
    from priorauth.extract.pipeline import Extractor, Mode

    chosen = Mode(mode) if mode else (Mode.HYBRID if configured_name() else Mode.RULES)
    chat = None if chosen is Mode.RULES else configured_model()
    return Extractor(policy, chosen, chat)


def _extract_packet(policy: Policy, args: argparse.Namespace) -> Extraction:
    extractor = _extractor(policy, args.extractor)
    return extractor.extract([Path(p) for p in args.packet], progress=_ProgressBar())


def _warn_unreadable(extraction: Extraction) -> None:
    for problem in extraction.problems:
        sys.stderr.write(f"priorauth: unreadable: {problem}\n")
    for warning in extraction.warnings:
        sys.stderr.write(f"priorauth: model: {warning}; the rules' facts stand for it\n")
    if extraction.llm is not None:
        usage = extraction.llm
        sys.stderr.write(
            f"priorauth: model {usage.model}: {usage.calls} calls, {usage.cache_hits} cached, "
            f"{usage.input_tokens} + {usage.output_tokens} tokens, {usage.grounded} claims "
            f"grounded, {usage.ungrounded} not\n"
        )


def _extract(args: argparse.Namespace) -> int:
    from priorauth.extract import report

    extraction = _extract_packet(_policy(args.policy), args)
    _warn_unreadable(extraction)
    sys.stdout.write(report.to_json_text(extraction) if args.json else report.to_table(extraction))
    return 0


def _decide(args: argparse.Namespace) -> int:
    from priorauth.extract import guard, report

    policy, engine, request = _request_inputs(args)
    extraction = _extract_packet(policy, args)
    _warn_unreadable(extraction)
    decision = guard.decide(engine, request, extraction.facts)
    if args.json:
        document = report.decision_json(decision, extraction)
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return 0
    text = to_table(decision)
    if extraction.problems:
        text += "\nUnreadable documents (not used):\n"
        text += "".join(f"  {problem}\n" for problem in extraction.problems)
    sys.stdout.write(text)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from priorauth.extract import evaluation

    policy = _policy(args.policy)
    result = evaluation.evaluate(Path(args.samples), policy, _extractor(policy, args.extractor))
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(evaluation.to_table(result, verbose=args.verbose))
    problems = evaluation.failures(result, args.min_f1, args.min_agreement)
    for problem in problems:
        sys.stderr.write(f"priorauth eval: below threshold: {problem}\n")
    return 1 if problems else 0


def _extractor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--extractor",
        choices=["rules", "llm", "hybrid"],
        help="rules (offline), llm, or hybrid (default: hybrid when PRIORAUTH_LLM is set)",
    )


def _packet_options(parser: argparse.ArgumentParser, json_help: str) -> None:
    parser.add_argument("packet", metavar="PACKET", nargs="+", help="a folder or PDF files")
    parser.add_argument("--json", action="store_true", help=json_help)
    parser.add_argument("--policy", metavar="FILE", help="a policy file (default: bundled)")
    _extractor_option(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="priorauth",
        description="Prior-authorization review: apply a clinical policy to a request's facts.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    policy = commands.add_parser("policy", help="show or lint a policy file")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    show = policy_commands.add_parser("show", help="every item of the policy with its id and text")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.add_argument(
        "--policy", metavar="FILE", help="a policy file (default: bundled CP.PHAR.98)"
    )
    show.set_defaults(run=_policy_show)
    lint = policy_commands.add_parser("lint", help="check a policy file; exit 1 on problems")
    lint.add_argument("file", metavar="FILE")
    lint.set_defaults(run=_policy_lint)

    adjudicate = commands.add_parser(
        "adjudicate", help="decide a request from structured facts (no packet reading)"
    )
    adjudicate.add_argument("request", metavar="REQUEST.json")
    adjudicate.add_argument("facts", metavar="FACTS.json")
    adjudicate.add_argument("--json", action="store_true", help="print the decision object")
    adjudicate.add_argument("--policy", metavar="FILE", help="a policy file (default: bundled)")
    adjudicate.add_argument("--settings", metavar="FILE", help="plan settings JSON")
    adjudicate.set_defaults(run=_adjudicate)

    extract = commands.add_parser(
        "extract", help="read a chart packet (folder or PDFs) and list the facts found"
    )
    _packet_options(extract, "print facts with evidence as JSON")
    extract.set_defaults(run=_extract)

    decide = commands.add_parser(
        "decide", help="read the packet and decide the request (CONTRACT.md)"
    )
    decide.add_argument("request", metavar="REQUEST.json")
    _packet_options(decide, "print the decision object")
    decide.add_argument("--settings", metavar="FILE", help="plan settings JSON")
    decide.set_defaults(run=_decide)

    evaluate = commands.add_parser(
        "eval", help="score extraction and decisions on annotated sample cases"
    )
    evaluate.add_argument("samples", metavar="SAMPLES_DIR")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument("--verbose", action="store_true", help="list missed and extra facts")
    evaluate.add_argument("--min-f1", type=float, default=0.95, help="per fact kind (default 0.95)")
    evaluate.add_argument(
        "--min-agreement", type=float, default=1.0, help="decision agreement (default 1.0)"
    )
    evaluate.add_argument("--policy", metavar="FILE", help="a policy file (default: bundled)")
    _extractor_option(evaluate)
    evaluate.set_defaults(run=_eval)

    from priorauth.workbench import admin

    admin.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except PriorauthError as exc:
        sys.stderr.write(f"priorauth: {exc}\n")
        return EXIT_BAD_INPUT
    return status


if __name__ == "__main__":
    raise SystemExit(main())
