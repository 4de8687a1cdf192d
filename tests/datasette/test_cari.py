"""/cari's word search on the ordered index, and the table pages' local-time cells without a
query per row.

- ``text_hits`` reads ``search_fts`` (keyed by ``coverage.published_order``) newest first and
  stops after the listed rows: the same articles in the same order as the query it replaced
  (``article_fts``, ``ORDER BY published DESC``), on the demo snapshot and on a generated one
  (copies with equal and shifted times, one without a time); a snapshot published before
  ``search_fts`` falls back to that query.
- The ``published`` cells of ``article`` and the ``first_published``/``last_published`` cells of
  ``story`` run no query per row: Datasette's trace (``?_trace=1``) counts as many statements
  for a page of 50 rows as for a page of 5, and the times shown are ``coverage``'s own.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from kb.publish import publish
from pantau.config import datasette_dir
from tests.datasette.conftest import enlarge, fetch, load_plugin, make_datasette, rows

pages = load_plugin("pantau_pages.py", "pantau_pages_cari")

QUERIES = ["pekerja", "Kupang", "santunan ahli waris", "Rp10,08 miliar", "iuran", "BPJS", "desa"]
WIB_OUTLET, WIB_REGION = "suara-lontar", "35.78"  # Kota Surabaya: UTC+7 (the rest NTT, UTC+8)


def old_hits(db: Path, query: str, ties: str = ", c.article_id DESC") -> list[int]:
    """The article ids /cari listed before search_fts: article_fts, every match sorted (the
    old query left equal times in no set order: ``ties`` orders them as published_order does,
    the newest id first)."""
    return [a for a, _ in old_rows(db, query, ties)]


def old_rows(db: Path, query: str, ties: str = "") -> list[tuple[int, str]]:
    return [
        (a, p)
        for a, p in rows(
            db,
            "SELECT c.article_id, c.published FROM coverage c JOIN article a"
            " ON a.id = c.article_id"
            " WHERE c.article_id IN (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)"
            f" ORDER BY c.published DESC{ties} LIMIT ?",
            pages.fts_query(query),
            pages.TEXT_ROWS,
        )
    ]


def published(db: Path, ids: list[int]) -> list[str]:
    return [rows(db, "SELECT published FROM coverage WHERE article_id = ?", i)[0][0] for i in ids]


def hits(db: Path, query: str) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        ds = make_datasette(db)
        return await pages.text_hits(ds.get_database(db.stem), query)

    return asyncio.run(run())


@pytest.fixture(scope="module")
def generated(demo_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo KB with 6 copies of each article: two at the same time as the original (ties),
    the others days earlier, one article without a time, one outlet in WIB; the copies keep
    their rupiah amounts, worker counts and percentages; published."""
    folder = tmp_path_factory.mktemp("cari")
    kb = folder / "kb.db"
    shutil.copy(demo_kb, kb)
    con = sqlite3.connect(kb)
    last = con.execute("SELECT max(id) FROM article").fetchone()[0]
    con.close()
    enlarge(kb, 6)
    con = sqlite3.connect(kb)
    with con:
        for table in ("amount", "worker_count", "percentage"):  # the copies' figures
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
            picked = ", ".join("c.id" if col == "article_id" else f"f.{col}" for col in cols)
            con.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) SELECT {picked} FROM {table} f"
                " JOIN article a ON a.id = f.article_id"
                " JOIN article c ON c.url LIKE a.url || '#salinan-%' WHERE a.id <= ?",
                (last,),
            )
        con.execute(
            "UPDATE article SET published = datetime(published, '-' || ((id - ?) % 5) || ' days',"
            " '+' || (id % 3) || ' minutes') WHERE id > ? + ? * 2",
            (last, last, last),
        )
        con.execute("UPDATE article SET published = NULL WHERE id = ?", (last + 1,))
        con.execute("UPDATE outlet SET region_code = ? WHERE name = ?", (WIB_REGION, WIB_OUTLET))
    con.close()
    snap = publish(kb, folder / "published" / "pantau.db", datasette_dir())
    assert not snap.warnings, snap.warnings
    return folder / "published" / "pantau.db"


@pytest.fixture(scope="module")
def without_search_fts(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo snapshot as published before search_fts and published_order existed."""
    db = tmp_path_factory.mktemp("old") / "pantau.db"
    shutil.copy(snapshot, db)
    db.chmod(0o644)
    shutil.copy(pages_metadata(snapshot), db.parent / "pantau.metadata.json")
    con = sqlite3.connect(db)
    with con:
        con.execute("DROP TABLE search_fts")
        for table in ("coverage", "article"):
            con.execute(f"DROP INDEX idx_{table}_published_order")
            con.execute(f"ALTER TABLE {table} DROP COLUMN published_order")
    con.close()
    return db


def pages_metadata(snapshot: Path) -> Path:
    from kb.publish import metadata_path

    return metadata_path(snapshot)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("which", ["demo", "generated"])
def test_cari_lists_what_the_old_query_listed(
    snapshot: Path, generated: Path, which: str, query: str
) -> None:
    db = snapshot if which == "demo" else generated
    expected = old_hits(db, query)
    assert expected, query
    got = hits(db, query)
    assert [h["article_id"] for h in got] == expected
    # the old query itself (equal times in its own order): the same times, the same articles
    # but for the order among equal times
    old = old_rows(db, query)
    assert published(db, expected) == [p for _, p in old]
    assert sorted(expected) == sorted(a for a, _ in old) or len(old) == pages.TEXT_ROWS
    assert all("<mark>" in h["snippet"] for h in got), [h["snippet"] for h in got]


def test_generated_snapshot_has_more_matches_than_listed(generated: Path) -> None:
    """The comparison above covers the cut at TEXT_ROWS and ties of equal times."""
    match = pages.fts_query("pekerja")
    (count,) = rows(generated, "SELECT count(*) FROM article_fts WHERE article_fts MATCH ?", match)[
        0
    ]
    assert count > pages.TEXT_ROWS
    listed = rows(
        generated,
        "SELECT count(*), count(DISTINCT published) FROM coverage WHERE article_id IN"
        " (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)",
        match,
    )[0]
    assert listed[1] < listed[0]  # equal times among the matches


@pytest.mark.parametrize("query", QUERIES)
def test_snapshot_without_search_fts_uses_the_old_query(
    snapshot: Path, without_search_fts: Path, query: str
) -> None:
    got = hits(without_search_fts, query)
    assert [h["article_id"] for h in got] == old_hits(snapshot, query)
    page = fetch(without_search_fts, [f"/cari?q={query}"])[f"/cari?q={query}"]
    assert page.status_code == 200 and "<mark>" in page.text


def test_cari_page_lists_snippets(generated: Path) -> None:
    page = fetch(generated, ["/cari?q=pekerja+rentan"])["/cari?q=pekerja+rentan"].text
    ids = re.findall(r'href="/article/(\d+)"', page)
    expected = old_hits(generated, "pekerja rentan")
    assert [int(i) for i in dict.fromkeys(ids)][: len(expected)] == expected
    assert page.count("<mark>") >= len(expected)


def traced(db: Path, path: str) -> tuple[int, str]:
    """Statements Datasette ran for ``path`` (its trace) and the page without the trace (under
    256 KB: Datasette's tracer never ends a longer answer)."""
    page = fetch(db, [path], trace_debug=True)[path]
    assert page.status_code == 200
    body, _, trace = page.text.rpartition("<pre>")
    info = json.loads(html.unescape(trace.split("</pre>")[0]))
    return int(info["num_traces"]), body


@pytest.mark.parametrize(
    "path",
    [
        "/pantau/article?_search=pekerja&_col=title&_col=published&_col=outlet_id&_col=published_order",
        "/pantau/article?_sort=id&_col=title&_col=published&_col=outlet_id&_col=published_order",
        "/pantau/coverage?_search=pekerja",
        "/pantau/story?_col=title&_col=first_published&_col=last_published",
    ],
)
def test_table_pages_run_no_query_per_row(snapshot: Path, generated: Path, path: str) -> None:
    """A page of 50 rows runs as many statements as a page of 5: the local-time cells ask for
    nothing per row (before: two per cell, a table check and the row's local time). Stories:
    on the demo snapshot, whose outlets share one zone (with several, a story's time is still
    one query per cell)."""
    db = snapshot if "/story" in path else generated
    assert rows(db, f"SELECT count(*) FROM {path.split('/')[2].split('?')[0]}")[0][0] > 5
    few, _ = traced(db, f"{path}&_size=5&_trace=1")
    many, body = traced(db, f"{path}&_size=50&_trace=1")
    assert "UTC" in body
    assert many <= few + 2, (few, many)  # a query per row: 45 more or twice that


def shown_times(body: str, column: str) -> dict[str, str]:
    tree = lxml_html.fromstring(body)
    return {
        cell.get("title").removesuffix(" UTC"): cell.text_content()
        for cell in tree.xpath(f'//td[contains(@class, "col-{column}")]/span[@title]')
    }


def test_article_times_are_coverage_local_times(generated: Path) -> None:
    """Every article's time, computed from its outlet's zone, is coverage's (WIB and WITA)."""
    expected = {
        utc: pages.waktu(local, zone)
        for utc, local, zone in rows(
            generated,
            "SELECT published, published_local, zone FROM coverage WHERE published IS NOT NULL",
        )
    }
    assert {z for (z,) in rows(generated, "SELECT DISTINCT zone FROM coverage")} == {"WIB", "WITA"}
    _, body = traced(
        generated,
        "/pantau/article?_sort=id&_col=title&_col=published&_col=outlet_id&_col=published_order&_size=max&_trace=1",
    )
    shown = shown_times(body, "published")
    assert len(shown) > 100
    for utc, text in shown.items():
        assert text == expected[utc], utc


def test_local_from_utc_matches_publish() -> None:
    from kb.publish import local_time

    for utc in ("2025-10-27 23:50:00.000000", "2025-12-31 17:05:00", "2024-02-28T16:30:00"):
        for region, zone in (("35.78", "WIB"), ("53.71", "WITA"), ("94.71", "WIT")):
            assert pages.local_from_utc(utc, zone) == local_time(utc, region), (utc, zone)
    assert pages.local_from_utc("2025-10-27 23:50:00", "UTC") is None
    assert pages.local_from_utc("kemarin", "WITA") is None


def test_story_times_are_their_articles_local_times(generated: Path) -> None:
    """first_published / last_published: the local time of the story's first and last article
    (several zones: per row, from coverage)."""
    _, body = traced(generated, "/pantau/story?_size=max&_trace=1")
    first = shown_times(body, "first_published")
    assert first
    for utc, text in first.items():
        local = rows(
            generated,
            "SELECT c.published_local, c.zone FROM story s JOIN article a ON a.story_id = s.id"
            " JOIN coverage c ON c.article_id = a.id WHERE s.first_published = ?"
            " ORDER BY a.published, a.id LIMIT 1",
            utc,
        )
        assert text == pages.waktu(*local[0]), utc


FIGURES = ["Rp10,08 miliar", "10 miliar", "45,83 persen", "14.880", "Rp 5 juta", "100"]


def old_figure_hits(db: Path, query: str) -> list[tuple[int, list[tuple[str, int]]]]:
    """Articles and their facts as figure_hits listed them before (every fact of the value
    sorted by article.published; equal times: the newest id first, as published_order)."""
    figure = pages.figure_query(query)
    assert figure, query
    facts = []
    for table in figure.tables:
        facts += rows(
            db,
            f"SELECT '{table}', f.id, f.article_id, a.published FROM \"{table}\" f"
            " JOIN article a ON a.id = f.article_id WHERE f.value >= ? AND f.value < ?"
            " ORDER BY a.published DESC, a.id DESC LIMIT ?",
            figure.low,
            figure.high,
            pages.FIGURE_ROWS,
        )
    articles: dict[int, list[tuple[str, int]]] = {}
    for kind, fact, article, _ in sorted(
        facts, key=lambda f: (str(f[3] or ""), f[2]), reverse=True
    ):
        articles.setdefault(article, []).append((kind, fact))
    return [(a, sorted(f)) for a, f in articles.items()]


def figure_hits(db: Path, query: str) -> list[tuple[int, list[tuple[str, int]]]]:
    async def run() -> list[dict[str, Any]]:
        ds = make_datasette(db)
        figure = pages.figure_query(query)
        assert figure
        return await pages.figure_hits(ds.get_database(db.stem), figure)

    return [
        (h["article_id"], sorted((f["kind"], f["id"]) for f in h["facts"]))
        for h in asyncio.run(run())
    ]


@pytest.mark.parametrize("query", FIGURES)
@pytest.mark.parametrize("which", ["demo", "generated", "without_search_fts"])
def test_figures_list_what_they_listed(
    snapshot: Path, generated: Path, without_search_fts: Path, which: str, query: str
) -> None:
    db = {"demo": snapshot, "generated": generated, "without_search_fts": without_search_fts}[which]
    expected = old_figure_hits(db, query)
    assert figure_hits(db, query) == expected
    if which == "generated" and query == "Rp10,08 miliar":
        assert len(expected) > 5
