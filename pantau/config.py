"""Where Pantau keeps its files, and how to override it.

Everything lives under one home directory: ``--home`` / ``PANTAU_HOME`` (default
``./pantau-data``)::

    raw.db                  raw store: fetched pages, crawl runs, ledger
    kb.db                   knowledge base (SQLite default; ``--db`` / ``PANTAU_DB`` for any URL)
    published/pantau.db     read-only snapshot that Datasette serves
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.store import sqlite_url

DEFAULT_HOME = "pantau-data"


@dataclass(frozen=True)
class Paths:
    home: Path
    db_url: str

    @classmethod
    def from_options(cls, home: str | Path | None = None, db: str | None = None) -> Paths:
        root = Path(home or os.environ.get("PANTAU_HOME") or DEFAULT_HOME)
        url = db or os.environ.get("PANTAU_DB") or sqlite_url(root / "kb.db")
        return cls(root, url)

    @property
    def raw(self) -> Path:
        return self.home / "raw.db"

    @property
    def published(self) -> Path:
        return self.home / "published" / "pantau.db"


def datasette_dir() -> Path:
    """The ``datasette/`` configuration directory of this checkout (metadata, templates …)."""
    override = os.environ.get("PANTAU_DATASETTE_DIR")
    return Path(override) if override else Path(__file__).parent.parent / "datasette"
