"""Decisions per second from validated facts (trace included), and the policy load time.

Run: .venv/bin/python benchmarks/bench_adjudicate.py
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from priorauth.adjudicate import Engine
from priorauth.adjudicate.inputs import parse_facts, parse_request
from priorauth.adjudicate.policy_file import bundled_policy_text, load_policy
from priorauth.adjudicate.report import to_json_text

SAMPLES = Path(__file__).parents[1] / "samples" / "facts"


def best_of(runs: int, action: Callable[[], object], repeat: int = 1) -> float:
    """Seconds for one call of ``action``: the best of ``runs`` batches of ``repeat`` calls."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(repeat):
            action()
        timings.append((time.perf_counter() - start) / repeat)
    return min(timings)


def main() -> None:
    text, name = bundled_policy_text()
    load_seconds = statistics.median(
        [best_of(1, partial(load_policy, text, name)) for _ in range(5)]
    )
    policy = load_policy(text, name)
    engine_seconds = best_of(5, partial(Engine, policy))
    engine = Engine(policy)
    print(f"machine: {platform.machine()} python {platform.python_version()}")
    print(f"policy load (parse, validate, lint): {load_seconds * 1000:.1f} ms")
    print(f"engine compile: {engine_seconds * 1000:.1f} ms")
    for sample in sorted(SAMPLES.iterdir()):
        request = parse_request((sample / "request.json").read_text(), "request.json")
        facts = parse_facts((sample / "facts.json").read_text(), "facts.json").facts
        decision = engine.decide(request, facts)
        seconds = best_of(3, partial(engine.decide, request, facts), repeat=20_000)
        json_seconds = best_of(3, partial(to_json_text, decision), repeat=2_000)
        print(
            f"{sample.name:<38} {decision.criteria_set.id:<5} {decision.decision:<8}"
            f"{len(facts):>3} facts  {1 / seconds:>9,.0f} decisions/s  "
            f"(+ JSON rendering {json_seconds * 1e6:,.0f} us)"
        )


if __name__ == "__main__":
    main()
