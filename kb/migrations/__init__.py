"""Versioned schema migrations of the knowledge base (Alembic, revisions in ``versions/``).

:func:`ensure_schema` runs whenever a :class:`kb.store.KB` is opened:

- a new, empty database is upgraded to the head revision;
- a database made before migrations existed (the skeleton's ``create_all``: tables but no
  ``alembic_version``) is stamped at :data:`FIRST_REVISION` — its schema is exactly that
  revision — and then upgraded;
- an older revision is upgraded to head. A SQLite file is first copied (SQLite backup API) to
  ``kb.db.bak-<revision>`` beside it (written under a temporary name and renamed, so a backup
  file is always complete).

**Atomic upgrades (SQLite).** SQLite has transactional DDL, but Python's sqlite3 driver opens
transactions by itself only before INSERT/UPDATE/DELETE: CREATE, DROP and the table rebuilds
of Alembic's batch mode ran outside any transaction, and a process killed mid-upgrade left half
a schema (measured: 36 of 208 kill points of a fresh-KB migration and 159 of 167 of a
0001 -> head upgrade left a KB that would not open). Now a migration runs on its own
connection with the driver's transaction handling off (``isolation_level = None``) and our own
``BEGIN IMMEDIATE`` (SQLAlchemy's recipe for pysqlite), foreign keys switched off before it
(the pragma is a no-op inside a transaction), and every pending revision, the stamp
and the foreign-key check run in that ONE transaction (Alembic sees an external transaction;
``transaction_per_migration=False``). A kill at any statement leaves the KB exactly as it was:
SQLite's journal rolls the transaction back when the file is next opened. The write lock is
taken before the revision is read, so two processes opening an old KB upgrade it once.

This was chosen over migrating a copy and swapping it in with ``os.replace``: no second copy of
a large KB on disk, no moment where a reader still holds the replaced inode, and no risk of the
old file's ``-wal``/``-shm`` meeting the new file. PostgreSQL has transactional DDL natively;
there the upgrade is one transaction on the KB's own engine, as before.

**Recovery on open** (:mod:`kb.migrations.recovery`). Before anything else a SQLite KB is
checked for the marks of an upgrade interrupted by an older Pantau (leftover ``_alembic_tmp_*``
tables, a version stamp whose tables and columns are not that revision's) or for being
unreadable; such a KB is restored from its newest complete ``kb.db.bak-REV`` with a one-line
warning on stderr and upgraded again (see that module for the exact rules).

Revision 0001 is the first schema exactly; every later change to the models is a new revision
(``tests/kb/test_migrations.py`` fails when autogenerate finds a difference). To write one::

    .venv/bin/python -m kb.migrations revision "what changed"
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

FIRST_REVISION = "0001"
SKELETON_TABLE = "article"  # present in every KB the skeleton created
HERE = Path(__file__).resolve().parent
# A migration waits this long for a writer (`pantau process`) to finish its transaction.
MIGRATION_BUSY_TIMEOUT_MS = 60_000


class SchemaError(RuntimeError):
    """The KB's schema cannot be brought to the head revision (one-line message)."""


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_path_separator", "os")
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def revisions() -> tuple[str, ...]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([r.revision for r in script.walk_revisions()]))


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a file-backed SQLite engine (which may not exist yet), else None."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_file(engine: Engine) -> Path | None:
    path = sqlite_path(engine)
    return path if path is not None and path.exists() and path.stat().st_size > 0 else None


# -- atomic SQLite migrations -----------------------------------------------------------------
def _no_implicit_transactions(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # pysqlite: no BEGIN/COMMIT of its own; we emit BEGIN
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={MIGRATION_BUSY_TIMEOUT_MS}")
    # Batch mode rebuilds tables (create copy, drop, rename), which the checks would refuse;
    # checked with PRAGMA foreign_key_check before COMMIT instead. Outside any transaction:
    # inside one, SQLite ignores this pragma.
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.close()


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: nobody changes what we read


def make_atomic(engine: Engine) -> Engine:
    """Make a SQLite ``engine`` run each SQLAlchemy transaction, DDL included, as one SQLite
    transaction (``BEGIN IMMEDIATE`` … ``COMMIT``), foreign keys off. Only for migrations."""
    event.listen(engine, "connect", _no_implicit_transactions)
    event.listen(engine, "begin", _begin_immediate)
    return engine


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction, for migrating ``engine``'s database.

    SQLite files get a connection of their own (:func:`make_atomic`); PostgreSQL (transactional
    DDL natively) and in-memory SQLite use ``engine`` itself. The caller commits.
    """
    path = sqlite_path(engine)
    own = make_atomic(create_engine(engine.url, poolclass=NullPool)) if path else None
    try:
        with (own or engine).connect() as conn:
            if engine.dialect.name == "sqlite" and own is None:  # in-memory: not atomic
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            conn.begin()
            if engine.dialect.name == "postgresql":  # workers starting together on a new KB:
                lock_schema(conn)  # one migrates, the others find it done (no duplicate types)
            yield conn
    finally:
        if own is not None:
            own.dispose()


# The PostgreSQL advisory lock key of KB schema changes and region seeding ("pantk"; the raw
# store's is kb.raw.PG_SCHEMA_LOCK): held to the end of the transaction that takes it.
KB_SCHEMA_LOCK = 0x70616E746B


def lock_schema(conn: Connection) -> None:
    """Wait for the KB's schema lock in ``conn``'s transaction (PostgreSQL only)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": KB_SCHEMA_LOCK})


def _check_foreign_keys(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise SchemaError(f"foreign key violations after migration: {bad[:5]}")


def migrate(engine: Engine, action: str, revision: str) -> None:
    """Run ``upgrade``/``downgrade``/``stamp`` to ``revision`` on ``engine``, in one transaction."""
    with migration_connection(engine) as conn:
        getattr(command, action)(alembic_config(conn), revision)
        _check_foreign_keys(conn)
        conn.commit()


def backup(path: Path, revision: str) -> Path:
    """Copy the SQLite KB at ``path`` to ``NAME.bak-REVISION`` (complete or not at all)."""
    target = path.with_name(f"{path.name}.bak-{revision}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src, dst = sqlite3.connect(path), sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return target


def _state(conn: Connection) -> tuple[str | None, set[str]]:
    current = MigrationContext.configure(conn).get_current_revision()
    return current, set(inspect(conn).get_table_names())


def ensure_schema(engine: Engine) -> dict[str, Any]:
    """Bring the database at ``engine`` to the head revision; report what was done.

    A SQLite KB left mid-upgrade is first restored from its backup (``restored`` in the report).
    """
    from kb.migrations.recovery import recover

    head = head_revision()
    path = _sqlite_file(engine)
    restored = recover(engine, path) if path is not None else None
    with engine.connect() as conn:
        current, tables = _state(conn)
    report: dict[str, Any] = {"from": current, "to": head, "stamped": False, "backup": None}
    if restored:
        report["restored"] = restored
    if current == head:
        return report
    if current is not None and current not in revisions():
        raise SchemaError(
            f"the KB is at schema revision {current}, which this Pantau does not know (head"
            f" {head}): it was written by a newer Pantau"
        )
    with migration_connection(engine) as conn:
        current, tables = _state(conn)  # again, under the write lock
        if current is None and SKELETON_TABLE in tables:
            command.stamp(alembic_config(conn), FIRST_REVISION)  # its own transaction, so
            conn.commit()  # that the backup below is of a stamped KB
            conn.begin()
            current, tables = _state(conn)
            report["stamped"] = True
        report["from"] = current
        if current != head:
            if current is not None and path is not None:
                report["backup"] = str(backup(path, current))
            command.upgrade(alembic_config(conn), "head")
        _check_foreign_keys(conn)
        conn.commit()
    return report


def _main(argv: list[str]) -> int:  # pragma: no cover - developer tool
    """``python -m kb.migrations revision MESSAGE``: autogenerate a revision (SQLite scratch)."""
    if len(argv) != 2 or argv[0] != "revision":
        print(__doc__, file=sys.stderr)
        return 2
    import tempfile

    from kb.store import make_engine, sqlite_url

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(sqlite_url(Path(tmp) / "scratch.db"))
        migrate(engine, "upgrade", "head")
        rev_id = f"{int(head_revision()) + 1:04d}"
        with engine.connect() as conn:
            command.revision(
                alembic_config(conn), message=argv[1], autogenerate=True, rev_id=rev_id
            )
        engine.dispose()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))
