"""Source health: one row per outlet per daily run (kb/health.py).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.String(), nullable=False),
        sa.Column("day", sa.String(), nullable=False),
        sa.Column("outlet", sa.String(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("collected", sa.Integer(), nullable=False),
        sa.Column("attempted", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("cleaned", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("flags", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("source_health", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_health_checked_at"), ["checked_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_source_health_crawl_run_id"), ["crawl_run_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_source_health_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_source_health_outlet"), ["outlet"], unique=False)
        batch_op.create_index(batch_op.f("ix_source_health_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source_health", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_health_status"))
        batch_op.drop_index(batch_op.f("ix_source_health_outlet"))
        batch_op.drop_index(batch_op.f("ix_source_health_day"))
        batch_op.drop_index(batch_op.f("ix_source_health_crawl_run_id"))
        batch_op.drop_index(batch_op.f("ix_source_health_checked_at"))

    op.drop_table("source_health")
