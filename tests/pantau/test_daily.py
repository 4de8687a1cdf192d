"""`pantau daily`: lock, exit codes, signals and resume, source health, digest.

The end-to-end tests run the real command in subprocesses against the fixture site on
127.0.0.1, directly or behind a fault-injecting proxy (tests/pantau/faultsite.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.health import (
    OutletRun,
    SourceHealth,
    assess,
    daily_new_pages,
    expected_volume,
    health_rows,
    outlet_runs,
)
from kb.ledger import Outcome
from kb.raw import RawStore
from pantau import daily as d
from pantau.config import Paths
from pantau.demosite import DemoSite
from pantau.digest import (
    Digest,
    DigestArticle,
    HealthLine,
    Story,
    group_stories,
    md,
    render_html,
    render_markdown,
)
from tests.conftest import run_pantau
from tests.pantau.faultsite import FaultServer

ARTICLE_URL = r"\.test/(\d{4}/\d{2}/\d{2}|berita/\d+|\d{4}/\d{2})/[\w-]+/?$"  # all 3 outlets
CONTENT_TABLES = ["article", "mention", "worker_count", "amount", "percentage", "event", "quote",
                  "person", "processed_page", "outlet"]


# -- helpers ----------------------------------------------------------------------------------
def rows(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def daily_args(home: Path, site: DemoSite, *extra: str) -> list[str]:
    return ["daily", "--home", str(home), "--sources", str(site.root / "sources.yaml"), "--fast",
            "--workers", "0", *extra]


def run_daily(home: Path, site: DemoSite, proxy: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_pantau(*daily_args(home, site, *extra), env={"http_proxy": proxy})


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.stdout, result.stderr[-3000:]
    return json.loads(result.stdout)


def health(home: Path) -> dict[str, tuple[str, list[str]]]:
    """{outlet: (status, flags)} of the last check."""
    last = rows(home / "kb.db", "SELECT max(checked_at) FROM source_health")[0][0]
    return {
        outlet: (status, json.loads(flags))
        for outlet, status, flags in rows(
            home / "kb.db",
            "SELECT outlet, status, flags FROM source_health WHERE checked_at = ?", last,
        )
    }


@pytest.fixture
def faults(fixture_site: DemoSite) -> Iterator[FaultServer]:
    with FaultServer(fixture_site) as server:
        yield server


# -- exit codes from stats --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("crawl", "process", "code"),
    [
        (d.CrawlCounts(stored=12, discovery_answered=9, entries=21), {"pages": 12, "errors": 0}, 0),
        (d.CrawlCounts(discovery_answered=9, entries=21), {"pages": 12, "unchanged": 12}, 0),
        (d.CrawlCounts(stored=10, discovery_answered=9, failed=2, articles_failed=2, entries=21), None, 0),
        (d.CrawlCounts(stored=8, discovery_answered=9, failed=6, articles_failed=6, entries=23), None, 1),
        (d.CrawlCounts(stored=12, discovery_answered=9, entries=21), {"pages": 12, "errors": 5}, 1),
        (d.CrawlCounts(failed=9, entries=9), None, 3),
        (d.CrawlCounts(blocked=9, entries=9), None, 3),
        (d.CrawlCounts(discovery_answered=9, failed=12, articles_failed=12, entries=21), None, 3),
        (d.CrawlCounts(), None, 3),
    ],
)
def test_exit_code_from_stats(crawl: d.CrawlCounts, process: dict[str, int] | None, code: int) -> None:
    got, reasons = d.decide(crawl, process, max_failure_ratio=0.2)
    assert got == code, reasons
    assert bool(reasons) == (code != 0)


def test_failure_threshold_is_configurable() -> None:
    crawl = d.CrawlCounts(stored=18, discovery_answered=0, failed=2, articles_failed=2, entries=20)
    assert d.decide(crawl, None, max_failure_ratio=0.2)[0] == d.EXIT_OK
    assert d.decide(crawl, None, max_failure_ratio=0.05)[0] == d.EXIT_PARTIAL


def test_crawl_counts_read_the_ledger() -> None:
    ledger = [
        {"url": "http://a.test/1", "source": "a", "outcome": "new"},
        {"url": "http://a.test/rss", "source": "a", "outcome": "feed"},
        {"url": "http://a.test/atom", "source": "a", "outcome": "not_modified"},
        {"url": "http://a.test/5", "source": "a", "outcome": "not_modified"},
        {"url": "http://a.test/2", "source": "a", "outcome": "already_stored"},
        {"url": "http://a.test/3", "source": "a", "outcome": "http_blocked"},
        {"url": "http://a.test/4", "source": "a", "outcome": "robots_disallowed"},
        {"url": "http://a.test/sitemap.xml", "source": "a", "outcome": "http_error"},
    ]
    c = d.crawl_counts(ledger, lambda source, url: "sitemap" not in url)
    assert (c.stored, c.discovery_answered, c.failed, c.articles_failed, c.blocked) == (1, 3, 2, 1, 2)


# -- lock ---------------------------------------------------------------------------------------
def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    with d.daily_lock(tmp_path) as path:
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(d.AlreadyRunning, match=f"pid {os.getpid()}"), d.daily_lock(tmp_path):
            pass
    with d.daily_lock(tmp_path):  # released on exit
        pass


def test_second_run_exits_at_once_while_locked(tmp_path: Path, fixture_site: DemoSite) -> None:
    with d.daily_lock(tmp_path):
        result = run_pantau(*daily_args(tmp_path, fixture_site), env={"http_proxy": "http://127.0.0.1:9"})
    assert result.returncode == d.EXIT_RUNNING, result.stderr[-2000:]
    assert "already_running" in result.stderr and "another run holds the lock" in result.stderr
    assert not (tmp_path / "raw.db").exists()  # it did not start crawling
    assert "already_running" in (tmp_path / "logs" / "pantau.log").read_text(encoding="utf-8")


# -- config errors --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sources", "extra", "message"),
    [
        ("sources:\n  - name: Bad Name\n    homepage: http://x.test/\n", (), "sources[0].name"),
        (None, ("--source", "tidak-ada"), "unknown source: tidak-ada"),
    ],
)
def test_config_error_exit_code(
    tmp_path: Path, fixture_site: DemoSite, sources: str | None, extra: tuple[str, ...], message: str
) -> None:
    args = daily_args(tmp_path, fixture_site, *extra)
    if sources is not None:
        bad = tmp_path / "bad.yaml"
        bad.write_text(sources, encoding="utf-8")
        args[args.index("--sources") + 1] = str(bad)
    result = run_pantau(*args, "--quiet")
    assert result.returncode == d.EXIT_CONFIG, result.stderr[-2000:]
    assert result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


# -- end to end ------------------------------------------------------------------------------
def test_daily_run_then_idempotent_second_run(
    tmp_path: Path, fixture_site: DemoSite, site_proxy: str
) -> None:
    first = run_daily(tmp_path, fixture_site, site_proxy)
    assert first.returncode == d.EXIT_OK, first.stderr[-3000:]
    data = report(first)
    on_topic = [a for a in fixture_site.articles if a.meta.get("topic") != "off"]
    assert data["status"] == "ok" and data["process"]["new"] == len(on_topic)
    assert data["digest"]["new_articles"] == len(on_topic)
    assert {h["outlet"]: h["status"] for h in data["health"]} == {
        "flobamora-pos": "ok", "kabar-sasando": "ok", "suara-lontar": "ok"}
    kb = tmp_path / "kb.db"
    before = {t: rows(kb, f"SELECT count(*) FROM {t}")[0][0] for t in CONTENT_TABLES}
    assert before["article"] == len(on_topic)

    # the digest: Markdown and HTML, with each story's outlets and links to Datasette
    day = dt.datetime.now().astimezone().date().isoformat()
    markdown = (tmp_path / "digests" / f"{day}.md").read_text(encoding="utf-8")
    html = (tmp_path / "digests" / f"{day}.html").read_text(encoding="utf-8")
    for a in on_topic:
        assert md(a.title) in markdown
    assert "Flobamora Pos" in markdown and "1001 pekerja rentan = 1.001" in markdown
    assert "Rp1,5 miliar \\(anggaran\\) = Rp1.500.000.000" in markdown
    assert "http://127.0.0.1:8001/article/" in markdown and "Source health" in markdown
    assert html.startswith("<!DOCTYPE html>") and "http://127.0.0.1:8001/article/" in html
    log = (tmp_path / "logs" / "pantau.log").read_text(encoding="utf-8")
    assert "pantau daily: ok (exit 0)" in log and "scrapy" in log  # Scrapy's log is in the file

    # source health is published: Datasette shows it
    from datasette.app import Datasette

    async def fetch() -> list[dict[str, Any]]:
        ds = Datasette(immutables=[str(tmp_path / "published" / "pantau.db")])
        return (await ds.client.get("/pantau/source_health.json?_shape=array")).json()

    published = asyncio.run(fetch())
    assert sorted(r["outlet"] for r in published) == ["flobamora-pos", "kabar-sasando", "suara-lontar"]

    # a second run: nothing new, quiet, and the day's digest still lists the day's coverage
    second = run_daily(tmp_path, fixture_site, site_proxy, "--quiet", "--digest-stdout")
    assert second.returncode == d.EXIT_OK, second.stderr[-3000:]
    assert second.stderr == ""
    assert second.stdout.startswith(f"# Pantau digest — {day}")
    assert md(on_topic[0].title) in second.stdout
    assert {t: rows(kb, f"SELECT count(*) FROM {t}")[0][0] for t in CONTENT_TABLES} == before
    assert rows(kb, "SELECT count(DISTINCT checked_at) FROM source_health")[0][0] == 2


def test_nothing_fetched_exit_3(tmp_path: Path, fixture_site: DemoSite, faults: FaultServer) -> None:
    faults.fault(r".", "500")
    result = run_daily(tmp_path, fixture_site, faults.proxy, "--quiet")
    assert result.returncode == d.EXIT_NOTHING, result.stderr[-3000:]
    assert result.stdout == ""
    assert result.stderr.startswith("pantau daily: nothing_fetched (exit 3): nothing fetched")


def test_outlet_faults_partial_exit_and_health(
    tmp_path: Path, fixture_site: DemoSite, faults: FaultServer
) -> None:
    faults.fault(r"flobamorapos\.test/\d{4}/", "500")  # one outlet's articles break,
    faults.fault(r"suaralontar\.test/robots\.txt$", "deny")  # one refuses us,
    faults.fault(r"kabarsasando\.test/berita/", "junk")  # one serves pages with no article
    result = run_daily(tmp_path, fixture_site, faults.proxy, "--max-failure-ratio", "0.1")
    assert result.returncode == d.EXIT_PARTIAL, result.stderr[-3000:]
    data = report(result)
    assert data["status"] == "partial" and "fetches failed" in data["reasons"][0]
    assert health(tmp_path) == {
        "flobamora-pos": ("warning", ["failing"]),
        "kabar-sasando": ("warning", ["all_failed_cleaning"]),
        "suara-lontar": ("warning", ["blocked"]),
    }
    day = dt.datetime.now().astimezone().date().isoformat()
    markdown = (tmp_path / "digests" / f"{day}.md").read_text(encoding="utf-8")
    assert "outlets to check: flobamora-pos, kabar-sasando, suara-lontar" in markdown
    assert "| blocked: " in markdown and "| all_failed_cleaning: none of 4 fetched pages" in markdown


def test_sigterm_stops_cleanly_and_next_run_resumes(
    tmp_path: Path, fixture_site: DemoSite, faults: FaultServer
) -> None:
    faults.fault(ARTICLE_URL, "hang")
    args = daily_args(tmp_path, fixture_site, "--set", "DOWNLOAD_TIMEOUT=3",
                      "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    env = {**os.environ, "http_proxy": faults.proxy}
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    proc = subprocess.Popen([sys.executable, "-m", "pantau.cli", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while faults.hits["hang"] == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[1][-3000:]
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == d.EXIT_INTERRUPTED, err[-3000:]
    assert json.loads(out)["status"] == "interrupted"
    with RawStore(tmp_path / "raw.db") as raw:
        ledger = raw.ledger(1)
    articles = {a.url for a in fixture_site.articles}
    left = {e["url"] for e in ledger if e["state"] == "failed" and e["retryable"]}
    assert left & articles  # unanswered URLs (articles, a listing page …) wait for the next run
    assert not (tmp_path / "published" / "pantau.db").exists()  # later stages were skipped

    faults.clear()
    again = run_daily(tmp_path, fixture_site, faults.proxy)
    assert again.returncode == d.EXIT_OK, again.stderr[-3000:]
    with RawStore(tmp_path / "raw.db") as raw:
        assert {p.url for p in raw.pages()} == articles
    on_topic = [a for a in fixture_site.articles if a.meta.get("topic") != "off"]
    assert rows(tmp_path / "kb.db", "SELECT count(*) FROM article")[0][0] == len(on_topic)


# -- processing stops between pages --------------------------------------------------------
class StopAfter(d.StopFlag):
    """Behaves as if SIGTERM arrived after ``n`` pages were processed."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def __bool__(self) -> bool:
        self.n -= 1
        return self.n <= 0


def test_processing_stops_between_pages_and_resumes(tmp_path: Path, fixture_site: DemoSite) -> None:
    from kb.store import KB

    with RawStore(tmp_path / "raw.db") as raw:
        for a in fixture_site.articles:
            if a.meta.get("topic") == "off":
                continue
            status, ctype, body = fixture_site.render(a.outlet.host, a.path)
            raw.put(url=a.url, final_url=a.url, source=a.outlet.name, status=status,
                    headers={"Content-Type": ctype}, body=body.encode("utf-8"))
        total = raw.count()
    options = d.DailyOptions(paths=Paths.from_options(tmp_path), workers=0)
    kb = KB(options.paths.db_url)
    try:
        first = d.DailyRun(options, StopAfter(3)).process(kb)
        assert first["interrupted"] and first["new"] == 3
        assert rows(tmp_path / "kb.db", "SELECT count(*) FROM processed_page")[0][0] == 3
        second = d.DailyRun(options, d.StopFlag()).process(kb)
        assert second["new"] == total - 3 and second["unchanged"] == 3
    finally:
        kb.close()


# -- source health ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("run", "expected", "collected", "flags"),
    [
        (OutletRun("a", answered=10, stored_urls=["u"] * 8, cleaned=8), 10.0, 9, []),
        (OutletRun("a", answered=10, stored_urls=["u"] * 2, cleaned=2), 10.0, 2, ["drop"]),
        (OutletRun("a", answered=3), 2.0, 0, []),  # a quiet outlet has quiet days
        (OutletRun("a", answered=3), None, 0, []),  # no history: no expectation
        (OutletRun("a", answered=5, stored_urls=["u"] * 4, rejected=4), None, 4, ["all_failed_cleaning"]),
        (OutletRun("a", answered=5, blocked=2), None, 3, ["blocked"]),
        (OutletRun("a", answered=2, failed=4), None, 2, ["failing"]),
        (OutletRun("a", failed=3, blocked=3), 10.0, 0, ["drop", "blocked", "failing"]),
    ],
)
def test_assess(run: OutletRun, expected: float | None, collected: int, flags: list[str]) -> None:
    got, detail = assess(run, expected=expected, collected=collected)
    assert got == flags
    assert (detail is None) == (not flags)


def test_outlet_runs_from_ledger_and_outcomes() -> None:
    ledger = [
        {"url": "http://a.test/1", "source": "a", "outcome": "new"},
        {"url": "http://a.test/2", "source": "a", "outcome": "changed"},
        {"url": "http://a.test/3", "source": "a", "outcome": "unchanged"},
        {"url": "http://a.test/rss", "source": "a", "outcome": "feed"},
        {"url": "http://b.test/", "source": "b", "outcome": "robots_disallowed"},
        {"url": "http://b.test/x", "source": "b", "outcome": "http_blocked"},
    ]
    runs = outlet_runs(["a", "b", "c"], ledger, {"http://a.test/1": "article",
                                                "http://a.test/2": "rejected"})
    assert (runs["a"].answered, runs["a"].cleaned, runs["a"].rejected) == (4, 1, 1)
    assert (runs["b"].blocked, runs["b"].failed, runs["c"].attempted) == (2, 1, 0)


def test_expected_volume_is_the_median_of_recent_days() -> None:
    today = dt.date(2025, 9, 15)
    days = {today - dt.timedelta(days=k): n for k, n in [(1, 10), (2, 12), (3, 0), (4, 11),
                                                           (30, 500), (0, 3)]}
    assert expected_volume(days, today) == 10.5  # today and a month ago are left out
    assert expected_volume({today - dt.timedelta(days=1): 9}, today) is None


def test_drop_found_from_crawl_history(tmp_path: Path) -> None:
    today = dt.date.today()
    with RawStore(tmp_path / "raw.db") as raw:
        for back in range(5, -1, -1):
            run = raw.start_run(["besar", "kecil"])
            n = {"besar": 20 if back else 2, "kecil": 3}
            for source, count in n.items():
                for i in range(count):
                    raw.record(run, f"http://{source}.test/{back}/{i}", Outcome.NEW,
                               source=source)
            raw.finish_run(run, "finished", {})
            started = dt.datetime.combine(today - dt.timedelta(days=back), dt.time(1),
                                          tzinfo=dt.UTC).astimezone()
            con = sqlite3.connect(tmp_path / "raw.db")
            with con:
                con.execute("UPDATE crawl_run SET started_at = ? WHERE id = ?",
                            (started.isoformat(), run))
            con.close()
    history = daily_new_pages(tmp_path / "raw.db", tz=dt.UTC)
    assert history["besar"][today] == 2 and len(history["besar"]) == 6
    got = health_rows({"besar": OutletRun("besar", answered=2), "kecil": OutletRun("kecil", answered=3)},
                      history, today=today, crawl_run_id=6, checked_at="x")
    assert [(r.outlet, r.status, json.loads(r.flags), r.expected) for r in got] == [
        ("besar", "warning", ["drop"], 20.0), ("kecil", "ok", [], 3.0)]
    assert isinstance(got[0], SourceHealth) and "usually 20" in (got[0].detail or "")


# -- digest -------------------------------------------------------------------------------------
EVIL = '<script>alert(1)</script> [klik](javascript:alert(1)) *tebal* "kutip"'


def digest_with(title: str) -> Digest:
    article = DigestArticle(
        id=7, url="http://kabarsasando.test/berita/1/x", title=title, outlet="kabar-sasando",
        outlet_title="Kabar Sasando", published="2025-09-15",
        datasette="http://127.0.0.1:8001/pantau/article/7",
        officials=[{"name": "Yosep Falentinus Delasalle Kebo", "title": "Bupati TTU"}],
        quotes=[{"speaker": "Yosep", "text": EVIL}], figures=["14.880 pekerja rentan = 14.880"],
    )
    line = HealthLine("kabar-sasando", "warning", "10", 2, 5, 0, 0, 2, ["drop"], EVIL)
    return Digest("2025-09-15", [Story(title, [article])], 0, [line], "http://x/pantau/source_health")


def test_digest_html_escapes_everything() -> None:
    html = render_html(digest_with(EVIL))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    assert "Bupati TTU" in html and "14.880 pekerja rentan" in html


def test_digest_markdown_escapes_markup() -> None:
    markdown = render_markdown(digest_with(EVIL))
    assert "<script>" not in markdown and "](javascript" not in markdown
    assert "\\*tebal\\*" in markdown and "\\<script\\>" in markdown
    assert "[in Pantau](http://127.0.0.1:8001/pantau/article/7)" in markdown


def _art(i: int, outlet: str, title: str, story: int | None = None) -> DigestArticle:
    return DigestArticle(id=i, url=f"http://{outlet}.test/{i}", title=title, outlet=outlet,
                         outlet_title=outlet, published=None, datasette="", story_id=story)


def test_stories_follow_the_kb_clustering() -> None:
    articles = [
        _art(1, "fp", "BPJS Ketenagakerjaan dan Pemkab TTU Luncurkan Perlindungan 14.880 Pekerja Rentan", 8),
        _art(2, "ks", "Pemkab TTU tanggung iuran jaminan sosial 14.880 pekerja rentan", 8),
        _art(3, "sl", "Festival Tenun Ikat di Prailiu Hadirkan Motif-Motif Tua"),
        _art(4, "sl", "Pemprov NTT alokasikan Rp10,08 miliar untuk iuran pekerja rentan", 9),
        _art(5, "ks", "Pergub Nomor 18 Tahun 2025 Terbit", 9),
        # no story in the KB: reported apart although both print the Rp42 juta death benefit
        _art(6, "sl", "Santunan Rp42 juta untuk ahli waris nelayan Alor"),
        _art(7, "fp", "Santunan Rp42 juta untuk ahli waris petani TTS"),
    ]
    stories = group_stories(articles)
    assert sorted(sorted(a.id for a in s.articles) for s in stories) == [[1, 2], [3], [4, 5], [6], [7]]


# -- digest from the KB: local time, Indonesian figures --------------------------------------------
@pytest.mark.parametrize(
    ("region", "shown"),
    [
        ("91", "2025-08-01 00.30 WIT"),  # Papua: already the next day
        ("53", "2025-07-31 23.30 WITA"),  # NTT
        ("31", "2025-07-31 22.30 WIB"),  # DKI Jakarta
        (None, "2025-07-31 23.30 WITA"),  # an outlet without a region: the default zone
    ],
)
def test_digest_shows_the_outlets_local_time_and_indonesian_figures(
    tmp_path: Path, region: str | None, shown: str
) -> None:
    from kb.store import KB, sqlite_url
    from pantau.digest import build_digest
    from tests.kb.factory import add, official

    kb = KB(sqlite_url(tmp_path / "kb.db"), seed=False)
    try:
        kb.upsert_outlets([{"name": "uji", "title": "Kabar Uji", "region_code": region}])
        add(kb, "https://uji.test/berita/1", "Iuran 14.880 pekerja rentan ditanggung daerah.",
            published="2025-07-31T15:30:00+00:00", title="Iuran pekerja rentan",
            officials=[official("Maria Seran", "Kepala Dinas Sosial")], counts=(14880,),
            amounts=(10_080_000_000,), percents=(45.5,))
        digest = build_digest(kb.engine, day="2025-08-01", new_ids=[1])
    finally:
        kb.close()
    (article,) = digest.stories[0].articles
    assert article.published == shown
    assert article.outlet_title == "Kabar Uji"
    assert article.officials == [{"name": "Maria Seran", "title": "Kepala Dinas Sosial"}]
    assert article.figures == ["14880 = 14.880", "Rp10080000000 = Rp10.080.000.000", "45.5 persen"]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(14880, 0, "14.880"), (10_080_000_000, 0, "10.080.000.000"), (45.833, 2, "45,83"),
     (-1_500_000, 0, "-1.500.000"), (999, 0, "999"), (1234.5, 1, "1.234,5")],
)
def test_numbers_are_printed_the_indonesian_way(value: float, decimals: int, text: str) -> None:
    from extract.numbers import format_number, format_rupiah

    assert format_number(value, decimals) == text
    assert format_rupiah(10_080_000_000) == "Rp10.080.000.000"
