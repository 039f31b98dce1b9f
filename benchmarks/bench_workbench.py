"""The workbench's API under load: reviewers reading cases and their facts, measured with wrk,
on SQLite and on PostgreSQL.

Run: .venv/bin/python benchmarks/bench_workbench.py [--duration 20] [--connections 50]
     [--cases 200] [--only sqlite|postgresql]

For each store, the server users run (``priorauth serve``: one uvicorn process) starts in a
child process on a fresh database, seeded through the store beforehand: a reviewer with an
API token, and ``--cases`` ready cases, each with the three PDFs of the ad-deny-low-potency
sample and the facts its rules extraction finds (``priorauth decide --json``, run once).
wrk (2 threads) then keeps ``--connections`` connections busy alternating
``GET /api/cases/{id}`` and ``GET /api/cases/{id}/facts`` round-robin over the cases, after
a 2 s warm-up whose figures are discarded and a 2 s pause for the server to finish the
warm-up's last requests.

SQLite is a file in a temporary folder. PostgreSQL is the server at
``PRIORAUTH_BENCH_POSTGRES_URL`` (default: the local ``test`` database, trust auth), in a
schema made for the run and dropped after it; when the server is not reachable, that store
is skipped with a message. wrk is Debian's (``scripts/setup-system`` installs it); it and
the server share the machine's CPUs.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from priorauth.workbench.store import db, users
from priorauth.workbench.store.cases import (
    create_case,
    finish_run,
    save_facts,
    set_status,
    start_run,
)
from priorauth.workbench.store.models import CaseStatus, Role

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "packets" / "ad-deny-low-potency"
PACKET = sorted(SAMPLE.glob("packet/*.pdf"))
PRIORAUTH = Path(sys.executable).parent / "priorauth"
POSTGRES_ENV = "PRIORAUTH_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STORES = ("sqlite", "postgresql")
ACTOR = "bench"
REVIEWER = "bench-reviewer"
THREADS = 2
WARMUP_SECONDS = 2
# wrk stops without waiting for the answers it still expects, and the server finishes those
# requests anyway; measuring before they are done would put up to twice --connections
# requests in flight, which is not the load measured (and over 55 in flight stall the
# server as it is: its 40 worker threads and 15 database connections wait on each other).
SETTLE_SECONDS = 2.0
# wrk counts a response slower than its timeout (default 2 s) as a timeout and leaves it out
# of the percentiles; a longer one keeps slow answers in the latency figures.
WRK_TIMEOUT = "10s"
START_SECONDS = 60.0
STOP_SECONDS = 10.0
LOG_TAIL = 20
MARK = "bench:"
"""The prefix of the Lua script's result lines (wrk prints its own report around them)."""

# Arguments after wrk's "--": the bearer token, then the case ids separated by commas.
LUA = r"""
local ids = {}
local counter = 0

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  for id in string.gmatch(args[2], "%d+") do
    ids[#ids + 1] = id
  end
end

-- A reviewer opens a case, then its facts; the next request moves on to the next case.
function request()
  local path = "/api/cases/" .. ids[math.floor(counter / 2) % #ids + 1]
  if counter % 2 == 1 then
    path = path .. "/facts"
  end
  counter = counter + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local function line(name, value)
    io.write(string.format("bench: %s %.0f\n", name, value))
  end
  line("requests", summary.requests)
  line("duration_us", summary.duration)
  -- errors.status counts responses with a status of 400 or more.
  for _, kind in ipairs({"connect", "read", "write", "status", "timeout"}) do
    line("errors_" .. kind, summary.errors[kind])
  end
  for _, p in ipairs({50, 95, 99}) do
    line("p" .. p .. "_us", latency:percentile(p))
  end
  line("max_us", latency.max)
end
"""


class StoreUnavailableError(Exception):
    """The store cannot be measured on this machine (the message says why, in one line)."""


class RunError(Exception):
    """The server did not start or answer as expected, or wrk failed (the message says how)."""


@dataclass(frozen=True)
class Load:
    """What wrk measured in one run."""

    requests: int
    seconds: float
    errors: dict[str, int]
    latency_ms: dict[str, float]

    @classmethod
    def parse(cls, output: str) -> Load:
        figures = {
            name: float(value)
            for name, value in (
                line.removeprefix(MARK).split() for line in output.splitlines() if MARK in line
            )
        }
        return cls(
            requests=int(figures["requests"]),
            seconds=figures["duration_us"] / 1e6,
            errors={
                kind: int(figures[f"errors_{kind}"])
                for kind in ("connect", "read", "write", "timeout", "status")
            },
            latency_ms={
                name: figures[f"{name}_us"] / 1000 for name in ("p50", "p95", "p99", "max")
            },
        )


def sample_facts() -> list[dict[str, Any]]:
    """The facts the rules extraction finds in the sample's packet."""
    out = subprocess.run(  # noqa: S603 - our own console script on the repository's sample
        [
            str(PRIORAUTH),
            "decide",
            str(SAMPLE / "request.json"),
            str(SAMPLE / "packet"),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    facts: list[dict[str, Any]] = json.loads(out)["facts"]
    return facts


@contextmanager
def sqlite_store(folder: Path) -> Iterator[tuple[str, str]]:
    """A SQLite file in ``folder`` (removed with it): its URL and a description."""
    yield f"sqlite:///{folder / 'priorauth.db'}", f"SQLite {sqlite3.sqlite_version}"


@contextmanager
def postgres_store() -> Iterator[tuple[str, str]]:
    """A new schema on the PostgreSQL server, dropped afterwards: its URL and a description."""
    server = os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES)
    admin = create_engine(server)
    try:
        try:
            with admin.connect() as connection:
                version = connection.scalar(text("SHOW server_version"))
        except OperationalError as error:
            shown = make_url(server).render_as_string(hide_password=True)
            reason = str(error.orig).strip().splitlines()[0]
            raise StoreUnavailableError(f"no PostgreSQL server at {shown} ({reason})") from None
        schema = f"bench_{uuid.uuid4().hex}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
            yield url.render_as_string(hide_password=False), f"PostgreSQL {version}"
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """``name`` set to ``value`` in this process until the block ends."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def seed(url: str, cases: int, facts: list[dict[str, Any]]) -> tuple[str, list[int]]:
    """Migrate ``url``; add a reviewer and ``cases`` ready cases as an extraction leaves them.

    Returns the reviewer's API token and the case ids. The documents go to the data folder
    ``PRIORAUTH_DATA_DIR`` names, which must be the server's.
    """
    db.upgrade(url)
    request = json.loads((SAMPLE / "request.json").read_text(encoding="utf-8"))
    documents = [(path.name, path.read_bytes()) for path in PACKET]
    engine = db.engine_for(url)
    try:
        with db.session_factory(engine).begin() as session:
            users.add_user(session, REVIEWER, Role.REVIEWER, secrets.token_urlsafe(16), ACTOR)
            token = users.issue_token(session, REVIEWER, ACTOR)
            ids = []
            for index in range(cases):
                varied = {**request, "request_id": f"BENCH-{index:05d}"}
                case = create_case(session, varied, documents, ACTOR)
                run = start_run(session, case.id, "rules", ACTOR)
                save_facts(session, case.id, facts, run.id, ACTOR)
                finish_run(session, run.id, "succeeded", ACTOR)
                set_status(session, case.id, CaseStatus.READY, ACTOR)
                ids.append(case.id)
    finally:
        engine.dispose()
    return token, ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL:]
    return "\n".join(f"    {line}" for line in lines) or "    (no output)"


def get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_up(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        code = process.poll()
        if code is not None:
            raise RunError(f"the server exited with status {code}; its last lines:\n{tail(log)}")
        try:
            status, _body = get(port, "/openapi.json")
        except OSError:
            status = 0
        if status == 200:
            return
        if time.monotonic() > deadline:
            raise RunError(
                f"the server did not answer within {START_SECONDS:.0f} s; its last lines:\n"
                f"{tail(log)}"
            )
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to shut down (SIGTERM), and kill it if it does not in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@contextmanager
def serving(url: str, data: Path, log: Path) -> Iterator[int]:
    """``priorauth serve`` on ``url`` until the block ends; yields its port."""
    port = free_port()
    env = {**os.environ, db.DATABASE_URL_ENV: url, db.DATA_DIR_ENV: str(data)}
    with log.open("wb") as output:
        # Its own session: a Ctrl-C reaches this process only, which then stops the server.
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(PRIORAUTH), "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(process, port, log)
        yield port
    finally:
        stop(process)


def check_reads(port: int, token: str, case_id: int) -> None:
    """Both routes answer 200 to the reviewer, so wrk measures reads and not refusals."""
    for path in (f"/api/cases/{case_id}", f"/api/cases/{case_id}/facts"):
        status, body = get(port, path, token)
        if status != 200:
            raise RunError(f"GET {path} answered {status}: {body[:300]!r}")


def run_wrk(
    wrk: str, script: Path, port: int, connections: int, seconds: int, token: str, ids: list[int]
) -> Load:
    command = [
        wrk,
        f"--threads={THREADS}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        f"--script={script}",
        f"http://127.0.0.1:{port}",
        "--",
        token,
        ",".join(str(case_id) for case_id in ids),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or MARK not in done.stdout:
        raise RunError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return Load.parse(done.stdout)


# The last line of a traceback: the exception's qualified name, then its message.
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Timeout)\w*(?::|$)")


def server_exceptions(log: Path) -> Counter[str]:
    """The exceptions the server logged (the last line of each traceback), counted."""
    found: Counter[str] = Counter()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if _EXCEPTION.match(line):
            found[line[:200]] += 1
    return found


def bench_store(
    kind: str, options: argparse.Namespace, facts: list[dict[str, Any]], wrk: str
) -> None:
    """Seed a fresh ``kind`` store, serve it, load it with wrk, and print the figures."""
    with tempfile.TemporaryDirectory(prefix=f"priorauth-bench-{kind}-") as temporary:
        folder = Path(temporary)
        data = folder / "data"
        log = folder / "server.log"
        store: AbstractContextManager[tuple[str, str]] = (
            sqlite_store(folder) if kind == "sqlite" else postgres_store()
        )
        with store as (url, version), environment(db.DATA_DIR_ENV, str(data)):
            started = time.perf_counter()
            token, ids = seed(url, options.cases, facts)
            seeded = time.perf_counter() - started
            script = folder / "reviewers.lua"
            script.write_text(LUA, encoding="utf-8")
            with serving(url, data, log) as port:
                check_reads(port, token, ids[0])
                run_wrk(wrk, script, port, options.connections, WARMUP_SECONDS, token, ids)
                time.sleep(SETTLE_SECONDS)
                load = run_wrk(wrk, script, port, options.connections, options.duration, token, ids)
            exceptions = server_exceptions(log)
    latency = load.latency_ms
    errors = load.errors
    print(
        f"{kind}: {version}; {len(ids)} cases with {len(PACKET)} documents and {len(facts)} facts"
        f" each (seeded in {seeded:.1f} s)"
    )
    print(
        f"  {options.connections} connections, {THREADS} wrk threads, {load.seconds:.1f} s: "
        f"{load.requests / load.seconds:,.0f} requests/s ({load.requests:,} requests)"
    )
    if load.requests:
        print(
            f"  latency p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, "
            f"p99 {latency['p99']:.1f} ms, max {latency['max']:.1f} ms"
        )
    else:
        # wrk counts only answers: requests still waiting when it stops appear nowhere else.
        print(f"  no request was answered in {load.seconds:.0f} s: the server stalled")
    print(
        f"  errors: connect {errors['connect']}, read {errors['read']}, write {errors['write']},"
        f" answered after more than {WRK_TIMEOUT} {errors['timeout']},"
        f" HTTP status >= 400 {errors['status']}"
    )
    for line, count in exceptions.most_common(3):
        print(f"  server log: {count} x {line}")


def machine(wrk: str) -> str:
    banner = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    wrk_version = banner.stdout.split()[1] if banner.stdout.strip() else "?"
    return (
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs (shared by wrk and the server),"
        f" python {platform.python_version()}, wrk {wrk_version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per store")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections")
    parser.add_argument("--cases", type=int, default=200, help="cases seeded per store")
    parser.add_argument("--only", choices=STORES, help="measure one store")
    options = parser.parse_args()
    if options.connections < THREADS or options.cases < 1 or options.duration < 1:
        parser.error(f"needs at least {THREADS} connections, 1 case and 1 second")
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (scripts/setup-system installs it)")
    print(machine(wrk))
    facts = sample_facts()
    failed = False
    for kind in (options.only,) if options.only else STORES:
        try:
            bench_store(kind, options, facts, wrk)
        except StoreUnavailableError as reason:
            print(f"{kind}: skipped, {reason}")
        except RunError as error:
            print(f"{kind}: {error}")
            failed = True
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # The context managers have stopped the server and removed the store by now.
        print("interrupted", file=sys.stderr)
        sys.exit(130)
