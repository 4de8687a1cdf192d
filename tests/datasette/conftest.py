"""A real KB of the demo articles, published, and a Datasette configured like `pantau serve`.

The KB is built in this process without crawling (the end-to-end test covers the crawl): each
demo article page is rendered by the demo site, cleaned and extracted by the real pipeline
(:func:`pantau.pipeline.process_one`), ingested, then persons are resolved and stories
clustered — the same steps `pantau process` takes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.publish import metadata_path, publish
from kb.store import KB, sqlite_url
from pantau.cli import MAX_RETURNED_ROWS, SQL_TIME_LIMIT_MS
from pantau.config import datasette_dir
from pantau.demosite import DemoSite
from pantau.pipeline import process_one

STATIC_METADATA = yaml.safe_load((datasette_dir() / "metadata.yml").read_text(encoding="utf-8"))
QUERIES: dict[str, dict[str, Any]] = STATIC_METADATA["databases"]["pantau"]["queries"]


def build_demo_kb(path: Path) -> Path:
    site = DemoSite()
    kb = KB(sqlite_url(path))
    try:
        kb.upsert_outlets(
            {"name": o.name, "title": o.title, "homepage": o.base} for o in site.outlets.values()
        )
        for article in site.articles:
            if article.meta.get("topic") == "off":
                continue
            status, ctype, body = site.render(article.outlet.host, article.path)
            assert status == 200, article.url
            result = process_one(article.url, body.encode("utf-8"), ctype)
            assert result["outcome"] == "article", (article.url, result)
            kb.ingest(
                source=article.outlet.name,
                page_sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
                fetched_at=None,
                article={**result["article"], "url": article.url},
                facts=result["facts"],
                extractor_version="uji",
            )
        if hasattr(kb, "resolve"):
            kb.resolve()
    finally:
        kb.close()
    return path


@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_kb(tmp_path_factory.mktemp("kb") / "kb.db")


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory, demo_kb: Path) -> Path:
    """A pantau home with the published snapshot (published/pantau.db + its metadata)."""
    home = tmp_path_factory.mktemp("home")
    snap = publish(demo_kb, home / "published" / "pantau.db", datasette_dir())
    assert not snap.warnings, snap.warnings
    return home


@pytest.fixture(scope="session")
def snapshot(published_home: Path) -> Path:
    return published_home / "published" / "pantau.db"


def make_datasette(snapshot: Path) -> Any:
    """The Datasette `pantau serve` runs (see pantau.cli.datasette_command), in-process."""
    from datasette.app import Datasette

    config = datasette_dir()
    return Datasette(
        immutables=[str(snapshot)],
        metadata=json.loads(metadata_path(snapshot).read_text(encoding="utf-8")),
        template_dir=str(config / "templates"),
        plugins_dir=str(config / "plugins"),
        settings={"sql_time_limit_ms": SQL_TIME_LIMIT_MS, "max_returned_rows": MAX_RETURNED_ROWS},
    )


def fetch(snapshot: Path, paths: Iterable[str]) -> dict[str, Any]:
    """GET each path from a fresh Datasette on ``snapshot``; returns path → httpx response."""

    async def run() -> dict[str, Any]:
        ds = make_datasette(snapshot)
        return {p: await ds.client.get(p) for p in paths}

    return asyncio.run(run())


def rows(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()
