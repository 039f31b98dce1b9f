"""The case queue's columns (request id, member, expedited, failure reason), browser
sessions, and the letter kept with each recorded decision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill() -> None:
    """Copy the queue's columns out of each existing case's stored request."""
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer()),
        sa.column("request_json", sa.Text()),
        sa.column("request_id", sa.String()),
        sa.column("member_id", sa.String()),
        sa.column("member_name", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(cases.c.id, cases.c.request_json)).all()
    for case_id, request_json in rows:
        request = json.loads(request_json)
        member = request.get("member") or {}
        bind.execute(
            cases.update()
            .where(cases.c.id == case_id)
            .values(
                request_id=str(request.get("request_id", ""))[:120],
                member_id=str(member.get("id", ""))[:120],
                member_name=str(member.get("name", ""))[:200],
            )
        )


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("member_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("member_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("expedited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _backfill()
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("request_id", existing_type=sa.String(length=120), nullable=False)
        batch.alter_column("member_id", existing_type=sa.String(length=120), nullable=False)
        batch.alter_column("member_name", existing_type=sa.String(length=200), nullable=False)
        batch.alter_column("expedited", existing_type=sa.Boolean(), server_default=None)
        batch.create_index(op.f("ix_cases_request_id"), ["request_id"])
    with op.batch_alter_table("decision_records") as batch:
        batch.add_column(sa.Column("letter_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("letter_text", sa.Text(), nullable=True))
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"])
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    with op.batch_alter_table("decision_records") as batch:
        batch.drop_column("letter_text")
        batch.drop_column("letter_kind")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(op.f("ix_cases_request_id"))
        for column in ("expedited", "failure_reason", "member_name", "member_id", "request_id"):
            batch.drop_column(column)
