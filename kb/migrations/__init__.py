"""Versioned schema migrations of the knowledge base (Alembic, revisions in ``versions/``).

:func:`ensure_schema` runs whenever a :class:`kb.store.KB` is opened:

- a new, empty database is upgraded to the head revision;
- a database made before migrations existed (the skeleton's ``create_all``: tables but no
  ``alembic_version``) is stamped at :data:`FIRST_REVISION` — its schema is exactly that
  revision — and then upgraded;
- an older revision is upgraded to head. A SQLite file is first copied (SQLite backup API) to
  ``kb.db.bak-<revision>`` beside it, so an interrupted upgrade never loses data.

Revision 0001 is the first schema exactly; every later change to the models is a new revision
(``tests/kb/test_migrations.py`` fails when autogenerate finds a difference). To write one::

    .venv/bin/python -m kb.migrations revision "what changed"
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

FIRST_REVISION = "0001"
SKELETON_TABLE = "article"  # present in every KB the skeleton created
HERE = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_path_separator", "os")
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    path = Path(database)
    return path if path.exists() and path.stat().st_size > 0 else None


def _backup(engine: Engine, revision: str) -> Path | None:
    path = _sqlite_file(engine)
    if path is None:
        return None
    target = path.with_name(f"{path.name}.bak-{revision}")
    src, dst = sqlite3.connect(path), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def migrate(engine: Engine, action: str, revision: str) -> None:
    """Run ``upgrade``/``downgrade``/``stamp`` to ``revision`` on ``engine``.

    On SQLite, foreign keys are off while batch mode rebuilds tables (a rebuilt table is
    dropped and recreated, which the checks would refuse), then checked.
    """
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            getattr(command, action)(alembic_config(conn), revision)
            conn.commit()
            if sqlite:
                bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if bad:
                    raise RuntimeError(f"foreign key violations after migration: {bad[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def ensure_schema(engine: Engine) -> dict[str, Any]:
    """Bring the database at ``engine`` to the head revision; report what was done."""
    head = head_revision()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(inspect(conn).get_table_names())
    report: dict[str, Any] = {"from": current, "to": head, "stamped": False, "backup": None}
    if current is None and SKELETON_TABLE in tables:
        migrate(engine, "stamp", FIRST_REVISION)
        current = report["from"] = FIRST_REVISION
        report["stamped"] = True
    if current == head:
        return report
    if current is not None:
        backup = _backup(engine, current)
        report["backup"] = str(backup) if backup else None
    migrate(engine, "upgrade", "head")
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
