"""Search speed in Datasette against raw SQLite FTS, on a generated KB (run by hand).

    .venv/bin/python -m bench.search [--articles N] [--rounds N] [--keep DIR] [--no-faceted]

``--keep DIR`` keeps the KB and its snapshot; run again with the same DIR, the snapshot there is
timed again (not rebuilt: delete DIR for a new one).

The KB: the bundled demo articles processed by the real pipeline, then copied (new ids, URLs
and publication days, one copy a day earlier than the last) until it holds ``--articles``
articles, with their facts; published with `pantau publish`'s code. Timed for each query, best
of ``--rounds`` (in-process, no HTTP):

- raw FTS: the newest 50 matches as /cari asked SQLite for them before search_fts (article_fts,
  every match sorted by ``published``; sqlite3, no Datasette): the baseline of every ratio;
- raw new: the same 50 as /cari asks for them now (search_fts newest first, ``ORDER BY rowid
  DESC LIMIT 50``: FTS5 stops after them);
- /cari: Pantau's search page (figures + words with their snippets, no facets, no count);
- table: Datasette's ``/pantau/coverage?_search=…`` as a browser opens it (the count; no facet
  runs unless asked: metadata.yml's ``pantau-facets`` are links). Its FTS table is
  ``search_fts``, keyed by ``published_order``, the table's default order;
- old: the same page searched as before that index (``_fts_table=article_fts``,
  ``_fts_pk=article_id``, ``_sort_desc=published``: every match sorted), same file, same run;
- slim: the table with ``_nocount=1&_nofacet=1``;
- faceted: the table with every facet link followed (what /cari's "open in the table" asks for;
  the table search before facets became links);
- article: Datasette's ``/pantau/article?_search=…`` (search_fts too);
- article old: the same as before (``_fts_table=article_fts``, ``_fts_pk=id``,
  ``_sort_desc=published``).

Prints each query's best time and its ratio to raw FTS, then for each column p50 and p95 over
every timed round of every query, and the ratio of the p50s and p95s to raw FTS's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

QUERIES = ["pekerja rentan", "iuran", "Kupang", "santunan ahli waris", "Rp10,08 miliar"]
NEWEST = 50  # matches a search page lists
FAILED: set[str] = set()  # pages that did not answer 200 (a query past the time limit)
FACT_TABLES = ("amount", "worker_count", "percentage", "mention", "event", "quote")


def build_kb(folder: Path, articles: int) -> Path:
    """The demo KB (pipeline) grown to ``articles`` articles by dated copies with their facts."""
    from tests.datasette.conftest import build_demo_kb

    kb = build_demo_kb(folder / "kb.db")
    con = sqlite3.connect(kb)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(article)") if r[1] != "id"]
        base = con.execute("SELECT max(id) FROM article").fetchone()[0]
        have = con.execute("SELECT count(*) FROM article").fetchone()[0]
        copy = 0
        while have < articles:
            copy += 1
            shifted = {
                "url": "url || '#salinan-' || :n",
                "published": "datetime(published, '-' || :n || ' days')",
                "story_id": "NULL",
                "syndicated_of": "NULL",
            }
            picked = ", ".join(shifted.get(c, c) for c in cols)
            with con:
                start = con.execute("SELECT max(id) FROM article").fetchone()[0]
                con.execute(
                    f"INSERT INTO article ({', '.join(cols)}) SELECT {picked} FROM article"
                    " WHERE id <= :base ORDER BY id",
                    {"n": copy, "base": base},
                )
                offset = start  # new id = old id + offset (ids were 1..base, inserted in order)
                for table in (*FACT_TABLES, "article_region"):
                    tcols = [r[1] for r in con.execute(f"PRAGMA table_info([{table}])")]
                    keep = [c for c in tcols if c != "id"]
                    sel = ", ".join(
                        "article_id + :o" if c == "article_id" else f"[{c}]" for c in keep
                    )
                    con.execute(
                        f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in keep)})"
                        f" SELECT {sel} FROM [{table}] WHERE article_id <= :base",
                        {"o": offset, "base": base},
                    )
            have = con.execute("SELECT count(*) FROM article").fetchone()[0]
    finally:
        con.close()
    return kb


def _timed(db: Path, sql: str, query: str) -> float:
    """Seconds one read of ``sql`` takes for the full-text ``query`` (the newest NEWEST)."""
    from datasette.utils import escape_fts

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        t0 = time.perf_counter()
        con.execute(sql, [escape_fts(query), NEWEST]).fetchall()
        return time.perf_counter() - t0
    finally:
        con.close()


def raw_fts(db: Path, query: str) -> float:
    """The baseline: /cari's query before search_fts (every match sorted)."""
    return _timed(db, "SELECT c.article_id FROM coverage c WHERE c.article_id IN"
                      " (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)"
                      " ORDER BY c.published DESC LIMIT ?", query)


def raw_new(db: Path, query: str) -> float:
    """/cari's query now: search_fts walked newest first, stopping at NEWEST."""
    return _timed(db, "SELECT c.article_id FROM (SELECT rowid AS n FROM search_fts"
                      " WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?) s"
                      " JOIN coverage c ON c.published_order = s.n ORDER BY s.n DESC", query)


def timed(ds: Any, path: str) -> float:
    async def get() -> float:
        t0 = time.perf_counter()
        response = await ds.client.get(path)
        elapsed = time.perf_counter() - t0
        if response.status_code != 200 and path not in FAILED:  # past sql_time_limit_ms: its
            FAILED.add(path)  # time counts, said once
            print(f"  {path}: HTTP {response.status_code} after {elapsed * 1000:.0f} ms")
        return elapsed

    return asyncio.get_event_loop().run_until_complete(get())


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) of ``times``."""
    ordered = sorted(times)
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered)) - 1))
    return statistics.median(ordered), ordered[rank]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the KB here and keep it")
    parser.add_argument(
        "--no-faceted", action="store_true", help="leave the faceted table out (slow on big KBs)"
    )
    args = parser.parse_args()

    from datasette.app import Datasette

    from kb.publish import metadata_path, publish
    from pantau.cli import MAX_RETURNED_ROWS, SQL_TIME_LIMIT_MS
    from pantau.config import datasette_dir

    folder = args.keep or Path(tempfile.mkdtemp(prefix="pantau-bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        published = folder / "published" / "pantau.db"
        if args.keep and published.exists():  # kept from an earlier run: timed again
            db = published.resolve()
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            count = con.execute("SELECT count(*) FROM article").fetchone()[0]
            con.close()
            print(f"{count} articles, snapshot {db.stat().st_size / 1e6:.0f} MB, kept in {folder}")
        else:
            kb = build_kb(folder, args.articles)
            snap = publish(kb, published, datasette_dir())
            db = snap.version.db if snap.version else snap.path
            print(f"{snap.tables['article']} articles, snapshot {snap.size / 1e6:.0f} MB,"
                  f" built in {time.perf_counter() - t0:.0f} s")  # fmt: skip
        config = datasette_dir()
        ds = Datasette(
            immutables=[str(db)],
            metadata=json.loads(metadata_path(published).read_text(encoding="utf-8")),
            template_dir=str(config / "templates"),
            plugins_dir=str(config / "plugins"),
            settings={
                "sql_time_limit_ms": SQL_TIME_LIMIT_MS,
                "max_returned_rows": MAX_RETURNED_ROWS,
                "suggest_facets": False,
            },
        )
        name = db.stem
        from datasette.app import pm

        pages = pm.get_plugin("pantau_pages.py")  # datasette/plugins/: registered by file name
        facets = urlencode(pages.facet_params(ds, "coverage"))
        old = "_fts_table=article_fts&_fts_pk=article_id&_sort_desc=published"
        art_old = "_fts_table=article_fts&_fts_pk=id&_sort_desc=published"
        kinds: tuple[str, ...] = ("cari", "table", "old", "slim", "faceted", "article", "art_old")
        if args.no_faceted:
            kinds = tuple(k for k in kinds if k != "faceted")
        print(f"{'query':22} {'raw FTS':>8} {'raw new':>8}" + "".join(f" {k:>8}" for k in kinds)
              + "   best, ratios to raw FTS")  # fmt: skip
        ratios: list[tuple[float, ...]] = []
        every: dict[str, list[float]] = {k: [] for k in ("raw", "raw_new", *kinds)}
        for q in QUERIES:
            paths = {
                "cari": f"/cari?q={quote(q)}",
                "table": f"/{name}/coverage?_search={quote(q)}",
                "old": f"/{name}/coverage?_search={quote(q)}&{old}",
                "slim": f"/{name}/coverage?_search={quote(q)}&_nocount=1&_nofacet=1",
                "faceted": f"/{name}/coverage?_search={quote(q)}&{facets}",
                "article": f"/{name}/article?_search={quote(q)}",
                "art_old": f"/{name}/article?_search={quote(q)}&{art_old}",
            }
            paths = {k: p for k, p in paths.items() if k in kinds}
            for path in paths.values():
                timed(ds, path)  # warm: first use of each page
            every["raw"] += [raw_fts(db, q) for _ in range(args.rounds)]
            every["raw_new"] += [raw_new(db, q) for _ in range(args.rounds)]
            for _ in range(args.rounds):  # interleaved: a busy moment hits every column
                for k, p in paths.items():
                    every[k].append(timed(ds, p))
            raw = min(every["raw"][-args.rounds :])
            best = {k: min(every[k][-args.rounds :]) for k in paths}
            r = tuple(best[k] / raw for k in paths)
            ratios.append(r)
            new = min(every["raw_new"][-args.rounds :])
            print(f"{q:22} {raw * 1000:6.1f}ms {new * 1000:6.1f}ms"
                  + "".join(f" {best[k] * 1000:6.1f}ms" for k in paths)
                  + "   " + " ".join(f"{x:5.1f}x" for x in r))  # fmt: skip
        med = [statistics.median(r[i] for r in ratios) for i in range(len(kinds))]
        print("median of the best-time ratios: "
              + ", ".join(f"{k} {m:.1f}x" for k, m in zip(kinds, med, strict=True)))  # fmt: skip
        pct = {k: percentiles(v) for k, v in every.items()}
        print(f"over {len(QUERIES)} queries x {args.rounds} rounds:")
        for k, (p50, p95) in pct.items():
            r50, r95 = p50 / pct["raw"][0], p95 / pct["raw"][1]
            print(f"  {k:8} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
                  f"   ratio to raw FTS p50 {r50:5.1f}x  p95 {r95:5.1f}x")  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
