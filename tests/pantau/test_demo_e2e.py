"""End to end: `pantau demo --no-serve` crawls the bundled site, builds the KB, publishes it,
and the snapshot opens in Datasette with the planted facts in it. A second run adds nothing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from pantau.config import datasette_dir
from pantau.demosite import DemoSite
from tests.conftest import run_pantau

pytestmark = pytest.mark.slow
PLANTED_RECALL_FLOOR = 0.9  # the eval gate pins per-field quality; this checks the plumbing


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    home = tmp_path_factory.mktemp("demo")
    result = run_pantau("demo", "--no-serve", "--home", str(home))
    assert result.returncode == 0, result.stderr[-3000:]
    return home, json.loads(result.stdout)


def rows(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_every_demo_article_is_in_the_kb(demo_home: tuple[Path, dict[str, Any]]) -> None:
    home, report = demo_home
    site = DemoSite()
    on_topic = {a.url for a in site.articles if a.meta.get("topic") != "off"}
    off_topic = {a.url for a in site.articles if a.meta.get("topic") == "off"}
    kb = home / "kb.db"
    assert {r[0] for r in rows(kb, "SELECT url FROM article")} == on_topic
    outcomes = dict(rows(kb, "SELECT url, outcome FROM processed_page"))
    assert {u for u, o in outcomes.items() if o == "off_topic"} == off_topic
    assert report["crawl"]["pantau/pages/new"] == len(site.articles)
    assert report["process"]["errors"] == 0
    assert report["publish"]["tables"]["article"] == len(on_topic)


def test_planted_facts_reach_the_kb(demo_home: tuple[Path, dict[str, Any]]) -> None:
    home, _ = demo_home
    kb = home / "kb.db"
    found = total = 0
    missing = []
    for a in DemoSite().articles:
        facts = a.facts
        checks = [
            ("mention", "name", [o["name"] for o in facts.get("officials") or []]),
            ("worker_count", "value", [c["value"] for c in facts.get("worker_counts") or []]),
            ("amount", "value", list(facts.get("amounts_idr") or [])),
        ]
        for table, column, expected in checks:
            got = {
                r[0]
                for r in rows(
                    kb,
                    f"SELECT t.{column} FROM {table} t JOIN article a ON a.id = t.article_id"
                    " WHERE a.url = ?",
                    a.url,
                )
            }
            for value in expected:
                total += 1
                if value in got:
                    found += 1
                else:
                    missing.append((a.id, table, value))
    assert total > 50  # the demo site really plants facts
    assert found / total >= PLANTED_RECALL_FLOOR, missing
    # the headline facts of the demo, by name
    names = {r[0] for r in rows(kb, "SELECT name FROM person")}
    assert "Yosep Falentinus Delasalle Kebo" in names
    assert rows(kb, "SELECT count(*) FROM worker_count WHERE value = 14880")[0][0] >= 1


def test_second_run_adds_nothing(demo_home: tuple[Path, dict[str, Any]]) -> None:
    home, _ = demo_home
    kb = home / "kb.db"
    tables = ["article", "mention", "worker_count", "amount", "percentage", "event", "quote",
              "person", "processed_page"]
    before = {t: rows(kb, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    hashes = rows(kb, "SELECT url, content_sha256 FROM article ORDER BY url")
    again = run_pantau("demo", "--no-serve", "--home", str(home))
    assert again.returncode == 0, again.stderr[-3000:]
    report = json.loads(again.stdout)
    assert report["crawl"].get("pantau/articles/requested", 0) == 0
    assert report["process"]["new"] == 0 and report["process"]["updated"] == 0
    assert {t: rows(kb, f"SELECT count(*) FROM {t}")[0][0] for t in tables} == before
    assert rows(kb, "SELECT url, content_sha256 FROM article ORDER BY url") == hashes


def test_snapshot_opens_in_datasette(demo_home: tuple[Path, dict[str, Any]]) -> None:
    from datasette.app import Datasette

    home, _ = demo_home
    snapshot = home / "published" / "pantau.db"
    metadata = yaml.safe_load((datasette_dir() / "metadata.yml").read_text(encoding="utf-8"))

    async def fetch() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        ds = Datasette(immutables=[str(snapshot)], metadata=metadata)
        articles = (await ds.client.get("/pantau/article.json?_shape=array&_size=max")).json()
        search = await ds.client.get("/pantau/article.json?_search=pekerja&_shape=array")
        home_page = await ds.client.get("/")
        return articles, search.json(), home_page.status_code

    articles, hits, status = asyncio.run(fetch())
    assert status == 200
    assert len(articles) == rows(home / "kb.db", "SELECT count(*) FROM article")[0][0]
    assert hits  # full-text search works on the snapshot
