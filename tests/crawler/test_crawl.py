"""A real Scrapy crawl (the `pantau crawl` command) of a local fixture site on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from kb.raw import RawStore
from pantau.demosite import DemoSite
from tests.conftest import run_pantau


def test_crawl_stores_every_article_once(
    tmp_path: Path, fixture_site: DemoSite, site_proxy: str
) -> None:
    sources = str(fixture_site.root / "sources.yaml")
    args = ["crawl", "--home", str(tmp_path), "--sources", sources, "--fast"]
    first = run_pantau(*args, env={"http_proxy": site_proxy})
    assert first.returncode == 0, first.stderr
    stats = json.loads(first.stdout)
    expected = {a.url for a in fixture_site.articles}
    with RawStore(tmp_path / "raw.db") as raw:
        stored = {p.url for p in raw.pages()}
        assert stored == expected  # N/N, one row each although feeds, sitemaps, listings overlap
        off_topic = {p.url for p in raw.pages() if not p.on_topic}
        assert off_topic == {a.url for a in fixture_site.articles if a.meta.get("topic") == "off"}
        ledger = raw.ledger(stats["pantau/crawl_run"])
    assert stats["pantau/pages/new"] == len(expected)
    assert {e["state"] for e in ledger} <= {"stored", "skipped"}
    assert {e["url"] for e in ledger if e["state"] == "stored"} == expected

    second = run_pantau(*args, env={"http_proxy": site_proxy})
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again.get("pantau/articles/requested", 0) == 0  # nothing already stored is refetched
    assert again["pantau/articles/already_stored"] == len(expected)


def test_unknown_source_is_a_user_error(tmp_path: Path) -> None:
    result = run_pantau("crawl", "--home", str(tmp_path), "--source", "nope")
    assert result.returncode == 1
    assert "unknown source: nope" in result.stderr
