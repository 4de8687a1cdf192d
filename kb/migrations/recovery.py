"""Recovery of a SQLite KB left half-changed by an interrupted upgrade.

Upgrades are atomic now (:mod:`kb.migrations`), but a KB upgraded by an older Pantau that was
killed mid-way — or copied while an upgrade ran — can hold half a schema. On open,
:func:`recover` looks for the marks of one:

- a leftover ``_alembic_tmp_*`` table (a batch-mode table rebuild cut short);
- a version stamp whose schema is not that revision's: one of its tables or columns missing,
  or a table or column that only a later revision adds present ("table organization already
  exists"); tables without a stamp are compared with the first revision (the skeleton KB);
- a file SQLite cannot read.

Such a KB is restored from the newest complete ``kb.db.bak-REV`` that has none of these marks
(SQLite backup API into the KB file: one write transaction, so a kill during the restore leaves
the KB as it was and the next open restores again), with a one-line warning on stderr; then it
is upgraded as usual. Rules that keep a restore from losing data:

- an *unreadable* KB is restored only from a backup newer than it (else rows written since that
  backup would silently be lost); otherwise opening stops and names the backup;
- a half-migrated KB that holds no rows at all (a fresh KB whose first migration was cut short)
  is emptied and migrated afresh rather than restored;
- with no usable backup, opening stops with a one-line :class:`kb.migrations.SchemaError`.

The expected schema of each revision comes from migrating a scratch in-memory database to it
(cached per process), so it cannot drift from the revisions themselves. PostgreSQL needs none
of this: its DDL is transactional, and its KB has no backup files.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from functools import lru_cache
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import NullPool, StaticPool

from kb.migrations import (
    FIRST_REVISION,
    MIGRATION_BUSY_TIMEOUT_MS,
    SKELETON_TABLE,
    SchemaError,
    head_revision,
    make_atomic,
    migrate,
    migration_connection,
    revisions,
)

log = logging.getLogger(__name__)

VERSION_TABLE = "alembic_version"
TMP_PREFIX = "_alembic_tmp_"  # Alembic's batch mode builds the new table under this name

Schema = dict[str, frozenset[str]]


def schema(conn: Connection) -> Schema:
    """{table: column names} of the database, the version table left out."""
    insp = inspect(conn)
    return {
        t: frozenset(c["name"] for c in insp.get_columns(t))
        for t in insp.get_table_names()
        if t != VERSION_TABLE
    }


@lru_cache(maxsize=8)
def schema_at(revision: str) -> Schema:
    """The schema a database has at ``revision`` (a scratch in-memory migration)."""
    engine = make_atomic(create_engine("sqlite://", poolclass=StaticPool))
    try:
        migrate(engine, "upgrade", revision)
        with engine.connect() as conn:
            return schema(conn)
    finally:
        engine.dispose()


def _has_every_model_table(tables: Schema) -> bool:
    """Fast path at head: the models are the head schema (``tests/kb/test_migrations.py``), so
    a KB holding every model table and column is whole. When it is not (or a model was added
    without a revision), :func:`problem` decides from the scratch migration instead."""
    from sqlmodel import SQLModel

    models = SQLModel.metadata.tables.values()
    return bool(models) and all(
        t.name in tables and {c.name for c in t.columns} <= tables[t.name] for t in models
    )


def problem(conn: Connection) -> str | None:
    """What marks the database as left mid-upgrade, or None."""
    tables = schema(conn)
    leftovers = sorted(t for t in tables if t.startswith(TMP_PREFIX))
    if leftovers:
        return f"leftover table {leftovers[0]} of an interrupted upgrade"
    stamp = MigrationContext.configure(conn).get_current_revision()
    if stamp is None:
        if not tables:
            return None  # a new, empty KB
        if SKELETON_TABLE not in tables:
            return f"tables but no version stamp (an interrupted first migration): {min(tables)}"
        stamp_name, stamp = "no stamp (skeleton KB)", FIRST_REVISION
    elif stamp not in revisions():
        return None  # written by a newer Pantau: ensure_schema says so
    elif stamp == head_revision() and _has_every_model_table(tables):
        return None  # the common case, without a scratch migration
    else:
        stamp_name = f"stamped {stamp}"
    expected, head = schema_at(stamp), schema_at(head_revision())
    for table, columns in expected.items():
        if table not in tables:
            return f"{stamp_name} but table {table} is missing"
        if missing := columns - tables[table]:
            return f"{stamp_name} but column {table}.{min(missing)} is missing"
    for table, columns in head.items():
        if table not in expected and table in tables:
            return f"{stamp_name} but has table {table} of a later revision"
        later = (tables.get(table, frozenset()) & columns) - expected.get(table, columns)
        if table in expected and later:
            return f"{stamp_name} but has column {table}.{min(later)} of a later revision"
    return None


def _file_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}", poolclass=NullPool)


def _usable(path: Path) -> bool:
    engine = _file_engine(path)
    try:
        with engine.connect() as conn:
            return problem(conn) is None and bool(schema(conn))
    except DatabaseError:
        return False
    finally:
        engine.dispose()


def backups(path: Path) -> list[Path]:
    """The KB's complete backups (``NAME.bak-REV``), newest first."""
    found = [p for p in path.parent.glob(f"{path.name}.bak-*") if not p.name.endswith(".partial")]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _modified(path: Path) -> float:
    """When the KB last changed: the file or its write-ahead log."""
    wal = path.with_name(path.name + "-wal")
    return max(p.stat().st_mtime for p in (path, wal) if p.exists())


def _holds_no_rows(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not any(
            conn.exec_driver_sql(f'SELECT 1 FROM "{t}" LIMIT 1').first() for t in schema(conn)
        )


def _empty(engine: Engine) -> None:
    """Drop every table (one transaction): the KB is migrated afresh next."""
    with migration_connection(engine) as conn:
        for table in [*schema(conn), VERSION_TABLE]:
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')
        conn.commit()


def restore(source: Path, path: Path, *, readable: bool = True) -> None:
    """Copy the backup ``source`` over the KB at ``path``.

    A readable KB is overwritten through the SQLite backup API: one write transaction, so a
    kill leaves the KB as it was, and SQLite keeps its write-ahead log consistent. SQLite cannot
    write into an unreadable file, so that one is replaced: the copy is made beside it, the
    KB's stale ``-wal``/``-shm`` are removed (they must never be replayed onto the copy), then
    ``os.replace`` swaps the copy in atomically.
    """
    target = path if readable else path.with_name(path.name + ".restoring")
    if not readable:
        target.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=MIGRATION_BUSY_TIMEOUT_MS / 1000)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    if not readable:
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(target, path)


def recover(engine: Engine, path: Path) -> str | None:
    """Restore the SQLite KB at ``path`` when it was left mid-upgrade; what was done, or None."""
    readable = True
    try:
        with engine.connect() as conn:
            why = problem(conn)
    except OperationalError:
        raise  # locked, missing permissions …: not the KB's content
    except DatabaseError as exc:
        readable = False
        why = f"unreadable ({str(getattr(exc, 'orig', exc)).splitlines()[0]})"
    if why is None:
        return None
    engine.dispose()  # no pooled connection may outlive the content it was opened on
    if readable and _holds_no_rows(engine):
        _empty(engine)
        log.warning("%s: %s; it held no rows: migrating it afresh", path.name, why)
        return f"{why}; emptied (no rows)"
    newer_than = None if readable else _modified(path)
    candidates = [b for b in backups(path) if newer_than is None or b.stat().st_mtime > newer_than]
    source = next((b for b in candidates if _usable(b)), None)
    if source is None:
        older = backups(path)
        if not readable and older:
            raise SchemaError(
                f"{path.name}: {why}; its newest backup {older[0].name} is older than it:"
                " restore that by hand if losing what was written since is acceptable"
            )
        raise SchemaError(f"{path.name}: {why}, and no usable {path.name}.bak-REV to restore")
    restore(source, path, readable=readable)
    log.warning("%s: %s; restored from %s, upgrading it again", path.name, why, source.name)
    return f"{why}; restored from {source.name}"
