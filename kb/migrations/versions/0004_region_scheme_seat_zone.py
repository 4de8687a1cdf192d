"""Regions say which code scheme their code is in, their seat and their UTC offset (wilayah).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheme", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("seat", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("utc_offset", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_column("utc_offset")
        batch_op.drop_column("seat")
        batch_op.drop_column("scheme")
