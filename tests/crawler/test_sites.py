"""Real crawls (`pantau crawl` in a subprocess) of fixture sites on 127.0.0.1: a Tribun-like
outlet (dated and /provinsi-ntt/ URLs, AMP copies, daily index with pagination, RSS, sitemap
index with a gzipped child and a news sitemap, multi-page articles, robots.txt disallow) and a
WordPress-like one (?p= short links, Atom feed, wp-sitemap, paginated category listing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.sources import site_today
from kb.raw import RawStore
from tests.conftest import run_pantau
from tests.crawler.sites import (
    FixtureSite,
    Outlet,
    big_outlet,
    listing_html,
    sources_yaml,
    tribun_outlet,
    urlset,
    wordpress_outlet,
)

WINDOW = ["--since", "2025-08-01", "--until", "2025-08-05"]


@dataclass
class Crawl:
    home: Path
    sources: Path
    tribun: FixtureSite
    wp: FixtureSite
    outlets: tuple[Outlet, Outlet]
    runs: list[dict[str, Any]]

    def run(self, *extra: str) -> dict[str, Any]:
        result = run_pantau("crawl", "--home", str(self.home), "--sources", str(self.sources),
                            "--fast", *extra)
        assert result.returncode == 0, result.stderr[-3000:]
        stats = json.loads(result.stdout)
        self.runs.append(stats)
        return stats

    def ledger(self, stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
        with RawStore(self.home / "raw.db") as raw:
            return {e["url"]: e for e in raw.ledger(stats["pantau/crawl_run"])}

    def article_fetches(self) -> int:
        return self.tribun.fetched("/2025/") + self.tribun.fetched("/provinsi-ntt/") + \
            self.wp.fetched("/2025/") + self.wp.fetched("/?p=")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    home = tmp_path_factory.mktemp("crawl")
    with FixtureSite() as tribun, FixtureSite() as wp:
        outlets = (tribun_outlet(tribun), wordpress_outlet(wp))
        yesterday = (site_today() - timedelta(days=1)).isoformat()
        tribun.add(f"/index-news?date={yesterday}&page=1", listing_html([]))
        sources = home / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(*outlets)), encoding="utf-8")
        c = Crawl(home, sources, tribun, wp, outlets, [])
        c.run(*WINDOW)
        yield c


def test_backfill_stores_every_article_once(crawl: Crawl) -> None:
    stats = crawl.runs[0]
    tribun, wp = crawl.outlets
    expected = tribun.expected | wp.expected
    with RawStore(crawl.home / "raw.db") as raw:
        pages = {p.url: p for p in raw.pages()}
    assert set(pages) == expected  # one row per article: AMP, aliases, ?p= and utm all merged
    assert {u for u, p in pages.items() if not p.on_topic} == tribun.off_topic
    ledger = crawl.ledger(stats)
    assert {e["state"] for e in ledger.values()} == {"stored", "skipped"}
    assert ledger[tribun.notes["disallowed"]]["outcome"] == "robots_disallowed"
    assert ledger[tribun.notes["amp_only"]]["outcome"] == "amp_copy"
    assert ledger[tribun.notes["amp_only"]]["detail"].startswith("amp copy of ")
    assert crawl.tribun.hits["/2025/08/03/rahasia-redaksi"] == 0
    assert crawl.tribun.fetched("/amp/") == 0  # /amp/ URLs are canonicalised before fetching
    assert stats["pantau/pages/new"] == len(expected)


def test_multipage_articles_are_joined(crawl: Crawl) -> None:
    tribun, _ = crawl.outlets
    with RawStore(crawl.home / "raw.db") as raw:
        pages = {p.url: p for p in raw.pages()}
    three = pages[tribun.notes["multipage"]]
    assert len(three.parts) == 3 and three.parts[1].endswith("?page=2")
    text = three.body.decode("utf-8")
    assert "Bagian halaman 2" in text and "Bagian halaman 3" in text
    assert text.index("Bagian halaman 2") < text.index("Bagian halaman 3")
    assert text.count("<title>") == 1  # one document
    whole = pages[tribun.notes["all_page"]]
    assert whole.parts[-1].endswith("?page=all")
    assert "Paragraf penutup" in whole.body.decode("utf-8")


def test_second_run_fetches_no_stored_article(crawl: Crawl) -> None:
    before = crawl.article_fetches()
    stats = crawl.run(*WINDOW)
    assert crawl.article_fetches() == before
    # only the robots.txt-disallowed page is asked for again, and refused before any fetch
    assert stats.get("pantau/articles/requested", 0) == stats["pantau/skipped/robots"] == 1
    assert stats["pantau/articles/already_stored"] >= len(crawl.outlets[0].expected)


def test_daily_run_uses_conditional_get_and_refetches_what_changed(crawl: Crawl) -> None:
    tribun, _ = crawl.outlets
    stats = crawl.run()  # daily: feeds and sitemaps carry the validators of the last run
    assert stats["pantau/discovery/not_modified"] >= 4  # 2 feeds, 3 child sitemaps
    assert stats.get("pantau/articles/requested", 0) == 0  # robots' page: not in the feed's 304
    rss_requests = [h for p, h in crawl.tribun.log if p == "/rss"]
    assert rss_requests[-1].get("If-None-Match") == '"rss-1"'

    # The outlet edits article 13 and says so in its news sitemap (new lastmod, new ETag).
    changed = crawl.tribun.url("/2025/08/05/berita-uji-13")
    route = crawl.tribun.routes["/2025/08/05/berita-uji-13"]
    route.body = route.body.replace(b"</article>", b"<p>Ralat: angka diperbarui.</p></article>")
    crawl.tribun.add("/sitemap-news.xml", urlset([(changed, datetime.now(UTC) + timedelta(hours=1))]),
                     headers={"Content-Type": "application/xml"}, etag='"news-2"')
    before = crawl.article_fetches()
    stats = crawl.run()
    assert crawl.article_fetches() == before + 1
    assert stats["pantau/articles/changed_at_source"] == 1
    assert crawl.ledger(stats)[changed] == {
        "url": changed, "source": "tribun-uji", "state": "stored", "outcome": "changed",
        "detail": None, "retryable": 0,
    }
    with RawStore(crawl.home / "raw.db") as raw:
        page = next(p for p in raw.pages() if p.url == changed)
    assert b"Ralat" in page.body


def test_interrupted_crawl_resumes(tmp_path: Path) -> None:
    with FixtureSite() as site:
        outlet = big_outlet(site, 40)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        args = ["crawl", "--home", str(tmp_path), "--sources", str(sources), "--fast"]
        first = run_pantau(*args, "--set", "CLOSESPIDER_PAGECOUNT=12",
                           "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
        assert first.returncode == 0, first.stderr[-3000:]
        assert json.loads(first.stdout)["finish_reason"] == "closespider_pagecount"
        assert "run the same command to resume" in first.stderr
        assert list((tmp_path / "jobs").iterdir())  # the job folder is kept
        second = run_pantau(*args)
        assert second.returncode == 0, second.stderr[-3000:]
        stats = json.loads(second.stdout)
        fetches = {p: n for p, n in site.hits.items() if p.startswith("/2025/")}
    assert stats["pantau/resumed"] is True and stats["finish_reason"] == "finished"
    with RawStore(tmp_path / "raw.db") as raw:
        assert {p.url for p in raw.pages()} == outlet.expected
        full = raw.runs()[-1]["stats"]
    print({k: v for k, v in full.items() if k.startswith(("scheduler/", "pantau/"))}, fetches)
    assert full.get("scheduler/dequeued/disk", 0) > 0  # requests came back from the job folder
    assert len(fetches) == 40 and max(fetches.values()) <= 2
    assert sum(fetches.values()) <= 40 + 2  # at most the in-flight pair is fetched again
    assert not list((tmp_path / "jobs").iterdir())  # finished: the job folder is gone


def test_unreachable_robots_txt_disallows_the_host(tmp_path: Path) -> None:
    with FixtureSite() as site:
        outlet = big_outlet(site, 3)
        site.add("/robots.txt", "Service Unavailable", status=503)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        result = run_pantau("crawl", "--home", str(tmp_path), "--sources", str(sources), "--fast",
                            "--set", "RETRY_TIMES=0")
        assert result.returncode == 0, result.stderr[-3000:]
        assert site.fetched("/2025/") == 0 and site.hits["/sitemap.xml"] == 0
    stats = json.loads(result.stdout)
    with RawStore(tmp_path / "raw.db") as raw:
        (entry,) = raw.ledger(stats["pantau/crawl_run"])
    assert entry["state"] == "failed" and entry["outcome"] == "robots_unreachable"
    assert entry["detail"] == "robots.txt unreachable"
    assert entry["retryable"] == 1
    assert stats["pantau/robots/unreachable"] == 1


def test_bad_crawl_arguments_are_user_errors(tmp_path: Path) -> None:
    result = run_pantau("crawl", "--home", str(tmp_path), "--since", "2025-08-05",
                        "--until", "2025-08-01")
    assert result.returncode == 1 and "is after --until" in result.stderr
    result = run_pantau("crawl", "--home", str(tmp_path), "--set", "lowercase=1")
    assert result.returncode == 1 and "--set: expected NAME=VALUE" in result.stderr
