"""Publish: build a read-only SQLite snapshot of the KB for Datasette.

The served file is never the one being written: the KB is copied with ``VACUUM INTO`` to a
temporary file beside the target, full-text search and indexes are added, ``PRAGMA
integrity_check`` must answer ``ok``, and only then is the file atomically moved into place.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

FTS_TABLES = {"article": ["title", "text"], "quote": ["text", "speaker"]}


class PublishError(RuntimeError):
    """The snapshot could not be built; the previously published file is untouched."""


@dataclass
class Snapshot:
    path: Path
    tables: dict[str, int]
    size: int


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise PublishError(f"publishing needs a SQLite KB, got {url.split(':', 1)[0]}")
    return Path(url.removeprefix("sqlite:///"))


def publish(kb_path: str | Path, target: str | Path) -> Snapshot:
    """Snapshot ``kb_path`` into ``target`` (atomic replace) and return what it holds."""
    kb_path, target = Path(kb_path), Path(target)
    if not kb_path.exists():
        raise PublishError(f"{kb_path}: no knowledge base yet (run `pantau process` first)")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(kb_path)
        try:
            src.execute("VACUUM INTO ?", (str(tmp),))
        finally:
            src.close()
        db = sqlite_utils.Database(tmp)
        for table, columns in FTS_TABLES.items():
            if db[table].exists():
                db[table].enable_fts(columns, create_triggers=False, replace=True)
        db.execute("PRAGMA journal_mode=DELETE")  # a read-only copy needs no -wal/-shm files
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise PublishError(f"integrity check failed: {check}")
        tables = {
            name: db[name].count for name in db.table_names() if not name.startswith("_")
            and "_fts" not in name
        }
        db.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Snapshot(target, tables, target.stat().st_size)
