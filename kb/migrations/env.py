"""Alembic environment of the knowledge base.

Run programmatically by :func:`kb.migrations.migrate` / :func:`kb.migrations.ensure_schema`
(``KB()`` does it on open) with the open connection in ``config.attributes["connection"]``;
there is no alembic.ini. That connection is already in a transaction, which Alembic treats as
external: every revision and the version stamp run in it and the caller commits once
(``transaction_per_migration=False``), so an upgrade is atomic (see :mod:`kb.migrations`). On
SQLite, foreign keys are off while tables are rebuilt (batch mode: ``render_as_batch=True``)
and checked with ``PRAGMA foreign_key_check`` before the commit.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import kb.store  # noqa: F401  (imports every model module into SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("kb migrations run through kb.migrations with an open connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
