"""The pieces of a cluster crawl: per-host shares, ledger settling, reconciliation's sources,
the CLI's one-line errors, and politeness across three workers seen by a recording server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawler.distributed import Frontier, cluster_settings, per_worker_concurrency, settle
from crawler.reconcile import discovery_free, lost_urls
from crawler.sources import load_sources
from kb.ledger import Outcome
from kb.raw import RawStore, RetryCandidate
from tests.conftest import run_pantau
from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml


@pytest.mark.parametrize(("total", "workers", "each"), [
    (8, 1, 8), (8, 2, 4), (8, 3, 2), (2, 3, 1), (1, 5, 1),
])
def test_each_worker_gets_its_share_of_a_host(total: int, workers: int, each: int) -> None:
    assert per_worker_concurrency(total, workers) == each
    settings = cluster_settings(Frontier(prefix="uji"), workers=workers, host_concurrency=total)
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == each
    assert settings["SCHEDULER_QUEUE_KEY"] == "uji:pantau:requests"


def test_settle_marks_pages_another_worker_stored(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.db") as raw:
        one, two = raw.start_run(["x"]), raw.start_run(["x"])
        raw.put(url="https://x.test/berita/1", final_url="https://x.test/berita/1", source="x",
                status=200, headers={}, body=b"<p>satu</p>", run_id=one)
        raw.record(one, "https://x.test/berita/1", Outcome.NEW, source="x")
        for url in ("https://x.test/berita/1", "https://x.test/berita/2"):  # 2: never answered
            raw.record(two, url, Outcome.UNFINISHED, source="x", retryable=True)
        assert settle(raw, two) == 1
        assert {e["url"]: e["outcome"] for e in raw.ledger(two)} == {
            "https://x.test/berita/1": Outcome.ALREADY_STORED,
            "https://x.test/berita/2": Outcome.UNFINISHED,
        }
        raw.finish_run(one, "finished", {})
        raw.finish_run(two, "finished", {})
        assert [c.url for c in lost_urls(raw, queue_empty=False)] == ["https://x.test/berita/2"]


def test_reconcile_rediscovers_only_sources_that_lost_a_discovery_page(tmp_path: Path) -> None:
    with FixtureSite() as site:
        a, b = big_outlet(site, 3, name="satu-uji"), big_outlet(site, 3, name="dua-uji")
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(sources_yaml(a, b)), encoding="utf-8")
        config = load_sources(path)
        lost = [RetryCandidate(site.url("/sitemap.xml"), "dua-uji", Outcome.UNFINISHED),
                RetryCandidate(site.url("/2025/08/02/berita-besar-1"), "satu-uji",
                               Outcome.UNFINISHED)]
        kept = {s.name: bool(s.sitemaps) for s in discovery_free(config, lost).sources}
    assert kept == {"satu-uji": False, "dua-uji": True}


@pytest.mark.parametrize(("args", "says"), [
    (["--raw-db", "postgresql+psycopg://nobody@127.0.0.1:1/pantau"], "PostgreSQL unusable"),
    (["--raw-db", "mysql://nobody@127.0.0.1/pantau"], "expected a PostgreSQL URL"),
    (["--redis", "redis://127.0.0.1:1/0"], "Redis unusable"),
])
def test_unusable_engines_are_one_line(tmp_path: Path, args: list[str], says: str) -> None:
    done = run_pantau("worker", "crawl", "--home", str(tmp_path), *args, timeout=60)
    assert done.returncode == 2
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1



@pytest.mark.parametrize("host_total", [3, 6])
def test_three_workers_stay_within_the_host_concurrency(
    tmp_path: Path, raw_db: str, frontier: Frontier, host_total: int
) -> None:
    """A recording server sees at most ``--host-concurrency`` requests at once from three
    workers (each keeps ``total // 3`` in flight; Scrapy's limit holds per process)."""
    articles = 60
    with FixtureSite(delay=0.15, delay_prefix="/2025/") as site:
        outlet = big_outlet(site, articles)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
        args = [sys.executable, "-m", "pantau.cli", "worker", "crawl", "--raw-db", raw_db,
                "--redis", frontier.redis_url, "--prefix", frontier.prefix,
                "--sources", str(sources), "--home", str(tmp_path), "--fast",
                "--workers", "3", "--host-concurrency", str(host_total)]
        procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                 for _ in range(3)]
        outs = [p.communicate(timeout=240) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], outs[0][1][-2000:]
        with RawStore(raw_db, readonly=True) as raw:
            assert {p.url for p in raw.pages()} == outlet.expected
        responses = sum(json.loads(o)["downloader/response_count"] for o, _ in outs)
        print({"host concurrency": host_total, "peak in flight": site.peak,
               "responses": responses})
        assert 1 <= site.peak <= host_total


def test_redis_frontier_depths_and_clear(frontier: Frontier) -> None:
    client = frontier.client()
    client.zadd(frontier.queue_key, {b"permintaan": 0})
    client.sadd(frontier.dupefilter_key, "sidik-jari")
    assert frontier.depths() == {"queued": 1, "seen": 1}
    frontier.clear()
    assert frontier.depths() == {"queued": 0, "seen": 0}



def test_cluster_status_reports_queue_workers_leases_and_sources(
    tmp_path: Path, raw_db: str, frontier: Frontier
) -> None:
    with RawStore(raw_db) as raw:
        dead = raw.start_run(["kota-uji"])
        raw.db.execute("UPDATE crawl_run SET owner = ? WHERE id = ?",
                       ('{"host": null, "pid": 0}', dead))
        raw.record(dead, "https://kota.test/berita/hilang", Outcome.UNFINISHED, source="kota-uji",
                   retryable=True)
        raw.close_dead_runs()
        live = raw.start_run(["kota-uji"])  # this process: alive
        raw.put(url="https://kota.test/berita/ada", final_url="https://kota.test/berita/ada",
                source="kota-uji", status=200, headers={}, body=b"<p>ada</p>", run_id=live)
        raw.record(live, "https://kota.test/berita/ada", Outcome.NEW, source="kota-uji")
        raw.record(live, "https://kota.test/berita/antre", Outcome.UNFINISHED,
                   source="kota-uji", retryable=True)
    frontier.client().zadd(frontier.queue_key, {b"permintaan": 0})
    done = run_pantau("cluster", "status", "--raw-db", raw_db, "--redis", frontier.redis_url,
                      "--prefix", frontier.prefix, timeout=60)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["frontier"] == {"queued": 1, "seen": 0}
    assert [(w["run"], w["alive"]) for w in status["workers"]] == [(live, True)]
    assert status["leases"] == {"held": 1, "lost": 1}
    assert status["sources"] == {"kota-uji": {"pages": 1, "stored": 1, "failed": 2}}
