"""Administration from the command line: the database, users and tokens, the audit chain."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from priorauth.adjudicate.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ROLES = ("intake", "reviewer", "pharmacist", "admin")
"""The store's roles (``models.Role``), named here so the CLI starts without SQLAlchemy."""

ACTOR = "cli"
"""Who the audit trail names for changes made from the command line."""


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database, migrated to the current schema first."""
    from priorauth.workbench.store import db

    url = db.database_url()
    db.upgrade(url)
    engine = db.engine_for(url)
    try:
        with db.session_factory(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def db_upgrade(args: argparse.Namespace) -> int:  # noqa: ARG001 - the subcommand's signature
    from priorauth.workbench.store import db

    url = db.database_url()
    db.upgrade(url)
    sys.stdout.write(f"database {_where(url)}: schema up to date\n")
    return 0


def users_add(args: argparse.Namespace) -> int:
    from priorauth.workbench.store import users

    with _session() as session:
        user = users.add_user(session, args.name, args.role, args.password, ACTOR)
        sys.stdout.write(f"user {user.name} added ({user.role.value})\n")
    return 0


def users_token(args: argparse.Namespace) -> int:
    from priorauth.workbench.store import users

    with _session() as session:
        token = users.issue_token(session, args.name, ACTOR)
    sys.stdout.write(f"API token for {args.name} (shown once; a new one replaces it):\n{token}\n")
    return 0


def audit_verify(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from priorauth.workbench.store import audit
    from priorauth.workbench.store.models import AuditEvent

    anchor = _anchor(args.anchor) if args.anchor else None
    with _session() as session:
        broken = audit.verify(session)
        count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        last = audit.head(session)
        kept = anchor is None or audit.holds(session, *anchor)
    if broken is not None:
        sys.stdout.write(f"audit: chain broken at record {broken} (of {count})\n")
        return 1
    if not kept:
        assert anchor is not None
        sys.stdout.write(
            f"audit: record {anchor[0]} no longer has the anchored hash "
            "(records were removed from the end, or the chain was rewritten)\n"
        )
        return 1
    sys.stdout.write(f"audit: {count} records, chain intact\n")
    if last is not None:
        sys.stdout.write(f"anchor (keep it elsewhere, pass it as --anchor): {last[0]}:{last[1]}\n")
    return 0


def _anchor(text: str) -> tuple[int, str]:
    number, _, digest = text.partition(":")
    if not number.isdigit() or len(digest) != 64:
        raise InputError("--anchor", "", f"{text!r} is not RECORD:SHA256 as verify printed it")
    return int(number), digest


def serve(args: argparse.Namespace) -> int:
    """The workbench (screens and JSON API) on the configured database (SQLite by default,
    migrated on start)."""
    import uvicorn

    from priorauth.workbench.api.app import create_app

    sys.stderr.write(f"priorauth: serving on http://{args.host}:{args.port} (Ctrl-C stops)\n")
    # Access logs stay off: a URL can carry a member's name (the queue's search).
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = commands.add_parser("serve", help="serve the workbench (screens and JSON API)")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    server.set_defaults(run=serve)

    database = commands.add_parser("db", help="the workbench database")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the schema migrations").set_defaults(
        run=db_upgrade
    )

    people = commands.add_parser("users", help="workbench users and API tokens")
    user_commands = people.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password", required=True)
    add.set_defaults(run=users_add)
    token = user_commands.add_parser("token", help="issue an API token (printed last)")
    token.add_argument("name")
    token.set_defaults(run=users_token)

    trail = commands.add_parser("audit", help="the audit trail")
    audit_commands = trail.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="check the hash chain")
    verify.add_argument(
        "--anchor",
        metavar="RECORD:SHA256",
        help="an anchor an earlier verify printed: fails if later records were removed",
    )
    verify.set_defaults(run=audit_verify)
