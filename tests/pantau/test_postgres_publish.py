"""Issue 16: publishing from a KB on PostgreSQL. The demo run with its raw store and KB on
PostgreSQL publishes a snapshot equal to the SQLite path's (schema, foreign keys, indexes, FTS;
every table's rows, ids read as the rows they point at) and Datasette serves it."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from kb.publish import PublishError, copy_server_kb
from tests.conftest import run_pantau
from tests.pantau.test_postgres_raw import pg_schema  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow

# id columns read as the row they point at (ids depend on the order pages were crawled)
POINTS_TO = {
    "article_id": ("article", "url"), "original_article_id": ("article", "url"),
    "syndicated_of": ("article", "url"), "person_id": ("person", "name"),
    "canonical_id": ("person", "name"), "other_id": ("person", "name"),
    "organization_id": ("organization", "name"),
}
RUN_COLUMNS = ("id", "story_id", "stats")  # and every *_at: when the run happened, not content
UNORDERED = {"person_merge": ("person_id", "other_id")}  # the pair's order follows the ids


def content(db: Path) -> dict[str, list[str]]:
    """Every table's rows, sorted, with ids replaced by what they point at."""
    con = sqlite3.connect(db)
    try:
        names = {t: dict(con.execute(f"SELECT id, {col} FROM {t}").fetchall())
                 for t, col in set(POINTS_TO.values())}
        out: dict[str, list[str]] = {}
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE '%_fts%'")]
        for table in tables:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info([{table}])")]
            rows = []
            for row in con.execute(f"SELECT * FROM [{table}]"):
                kept: list[Any] = []
                values = dict(zip(cols, row, strict=True))
                if table in UNORDERED:  # the two persons' names, in name order
                    kept.append(sorted(names["person"].get(values.pop(c)) or ""
                                       for c in UNORDERED[table]))
                for col, value in values.items():
                    if col in POINTS_TO:
                        target, _ = POINTS_TO[col]
                        kept.append(names[target].get(value))
                    elif col not in RUN_COLUMNS and not col.endswith("_at"):
                        kept.append(value)
                rows.append(repr(kept))
            out[table] = sorted(rows)
        return out
    finally:
        con.close()


def schema(db: Path) -> dict[str, Any]:
    """Each table's columns, foreign keys and indexes (as sets: the order of a table's foreign
    keys in its SQL follows Alembic's batch migrations, which do not keep it)."""
    con = sqlite3.connect(db)
    try:
        out: dict[str, Any] = {}
        for name, kind in con.execute(
            "SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            " AND type IN ('table', 'view')"
        ).fetchall():
            out[name] = (
                kind,
                con.execute(f"PRAGMA table_info([{name}])").fetchall(),
                sorted(r[2:] for r in con.execute(f"PRAGMA foreign_key_list([{name}])")),
                sorted(
                    (i[1], i[2], tuple(c[2] for c in con.execute(f"PRAGMA index_info([{i[1]}])")))
                    for i in con.execute(f"PRAGMA index_list([{name}])")
                ),
            )
        return out
    finally:
        con.close()


def test_demo_on_postgresql_publishes_the_sqlite_snapshot(
    tmp_path: Path, pg_schema: Any  # noqa: F811 (the fixture imported above)
) -> None:
    raw_url, kb_url = pg_schema("raw"), pg_schema("kb")
    lite, server = tmp_path / "sqlite", tmp_path / "postgresql"
    demo = ("demo", "--no-serve", "--workers", "0")
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda args: run_pantau(*args, timeout=400), [
            (*demo, "--home", str(lite)),
            (*demo, "--home", str(server), "--db", kb_url, "--raw-db", raw_url),
        ]))
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    assert not (server / "kb.db").exists() and not (server / "raw.db").exists()
    ours, theirs = lite / "published" / "pantau.db", server / "published" / "pantau.db"
    assert schema(theirs) == schema(ours)  # tables, foreign keys, indexes, FTS, views
    expected = content(ours)
    assert expected["article"] and expected["quote"] and expected["coverage"]
    assert content(theirs) == expected

    # a second publish straight from PostgreSQL: the same again, and Datasette serves it
    again = run_pantau("publish", "--home", str(server), "--db", kb_url)
    assert again.returncode == 0, again.stderr[-3000:]
    assert content(theirs) == expected
    from datasette.app import Datasette

    async def fetch() -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
        ds = Datasette(immutables=[str(theirs)])
        count = (await ds.client.get("/pantau/article.json?_shape=array&_size=max")).json()
        found = (await ds.client.get("/pantau/article.json?_search=pekerja&_shape=array")).json()
        local = (await ds.client.get("/pantau/coverage.json?_shape=array&_size=1")).json()
        return len(count), found, local

    articles, found, local = asyncio.run(fetch())
    assert articles == len(expected["article"]) and found
    assert local[0]["zone"] in {"WIB", "WITA", "WIT"}


def test_copy_from_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="^copying the KB from the server failed: .*") as info:
        copy_server_kb("postgresql+psycopg://pantau:rahasia@127.0.0.1:9/berita", tmp_path / "s.db")
    assert "\n" not in str(info.value) and "rahasia" not in str(info.value)
