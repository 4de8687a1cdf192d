"""Three crawler processes share one frontier (Redis) and one raw store (PostgreSQL); one is
killed with ``kill -9`` part-way; ``pantau cluster reconcile`` then fetches what it took with it.

The local site answers each article slowly (a per-request delay) so the kill lands while the
killed worker has requests in flight — the ones scrapy-redis alone would lose (their
fingerprints are in the shared dupefilter). Every article must end stored exactly once: one page
row, one ``stored(new)`` ledger row, no retry candidate left, the killed run closed as
``killed``. ``PANTAU_CLUSTER_TRIALS`` (default 2) sets how many kills are tried; the moment
(share of articles stored) and the victim are random, from a seed printed with the figures.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from crawler.distributed import Frontier
from kb.raw import RawStore
from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml

ARTICLES = 300
WORKERS = 3
DELAY_S = 0.1  # per article request: 3 workers × 2 in flight → ~60 articles/s at most
DEADLINE_S = 180.0
TRIALS = int(os.environ.get("PANTAU_CLUSTER_TRIALS", "2"))


def stored(raw_db: str) -> int:
    try:
        with RawStore(raw_db, readonly=True) as raw:
            return raw.count()
    except Exception:  # noqa: BLE001 (the first worker is still creating the tables)
        return 0


def worker_args(raw_db: str, front: Frontier, sources: Path, home: Path) -> list[str]:
    return ["--raw-db", raw_db, "--redis", front.redis_url, "--prefix", front.prefix,
            "--sources", str(sources), "--home", str(home), "--fast", "--workers", str(WORKERS)]


def start_workers(args: list[str], home: Path) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    return [subprocess.Popen([sys.executable, "-m", "pantau.cli", "worker", "crawl", *args],
                             stdout=(home / f"worker-{i}.json").open("wb"),
                             stderr=(home / f"worker-{i}.log").open("wb"), env=env)
            for i in range(WORKERS)]


def kill_one(procs: list[subprocess.Popen[bytes]], raw_db: str, at: int,
             rng: random.Random) -> tuple[int, int]:
    """SIGKILL a random still-running worker once ``at`` articles are stored; return (its
    index, articles stored then)."""
    deadline = time.monotonic() + DEADLINE_S
    while stored(raw_db) < at:
        assert any(p.poll() is None for p in procs), "the workers ended before the kill"
        assert time.monotonic() < deadline, "the crawl is too slow"
        time.sleep(0.02)
    running = [i for i, p in enumerate(procs) if p.poll() is None]
    victim = rng.choice(running)
    os.kill(procs[victim].pid, signal.SIGKILL)
    return victim, stored(raw_db)


def ledger_figures(raw_db: str) -> dict[str, Any]:
    with RawStore(raw_db, readonly=True) as raw:
        db = raw.db
        news = dict(db.execute(
            "SELECT url, count(*) FROM ledger WHERE outcome = 'new' GROUP BY url").fetchall())
        return {
            "pages": raw.count(),
            "urls": db.execute("SELECT count(DISTINCT url) FROM page").fetchone()[0],
            "stored_new_rows": news,
            "retry_candidates": len(raw.retry_candidates()),
            "runs": [r["status"] for r in raw.runs()],
        }


def test_kill_9_one_of_three_crawlers_then_reconcile(
    tmp_path: Path, raw_db: str, frontier: Frontier
) -> None:
    seed = int(os.environ.get("PANTAU_CLUSTER_SEED", str(random.SystemRandom().randrange(10**6))))
    rng = random.Random(seed)
    figures = []
    with FixtureSite(delay=DELAY_S, delay_prefix="/2025/") as site:
        outlet = big_outlet(site, ARTICLES)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        for trial in range(TRIALS):
            # each trial: its own schema-less store reset and its own key prefix
            front = Frontier(frontier.redis_url, f"{frontier.prefix}-{trial}")
            with RawStore(raw_db) as raw:
                for table in ("page", "ledger", "crawl_run", "alias", "validator"):
                    raw.db.execute(f"DELETE FROM {table}")
            with site.lock:
                site.hits.clear()
            home = tmp_path / f"trial-{trial}"
            home.mkdir()
            args = worker_args(raw_db, front, sources, home)
            share = rng.uniform(0.1, 0.9)
            procs = start_workers(args, home)
            try:
                victim, at_kill = kill_one(procs, raw_db, int(ARTICLES * share), rng)
                codes = [p.wait(timeout=DEADLINE_S) for p in procs]
            finally:
                for p in procs:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
            survivors = [c for i, c in enumerate(codes) if i != victim]
            assert survivors == [0] * (WORKERS - 1), (home / "worker-0.log").read_text()[-3000:]
            before = ledger_figures(raw_db)
            env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
            done = subprocess.run(
                [sys.executable, "-m", "pantau.cli", "cluster", "reconcile", *args],
                capture_output=True, text=True, timeout=DEADLINE_S, env=env, check=False,
            )
            assert done.returncode == 0, done.stderr[-3000:]
            report = json.loads(done.stdout)
            after = ledger_figures(raw_db)
            with site.lock:
                fetches = [n for path, n in site.hits.items() if path.startswith("/2025/")]
            with RawStore(raw_db, readonly=True) as raw:
                urls = {p.url for p in raw.pages()}
            figures.append({
                "trial": trial, "seed": seed, "kill at": f"{share:.0%}", "stored at kill": at_kill,
                "stored before reconcile": before["pages"],
                "lost before reconcile": len(outlet.expected - {u for u in before["stored_new_rows"]}),
                "reconcile": {k: report[k] for k in ("killed_runs", "settled", "lost")},
                "stored after": len(urls & outlet.expected), "expected": len(outlet.expected),
                "duplicates": sum(n - 1 for n in after["stored_new_rows"].values()),
                "article fetches": sum(fetches), "most fetches of one": max(fetches),
                "runs": after["runs"],
            })
            print(figures[-1])
            assert urls == outlet.expected  # 0 lost, nothing else
            assert after["pages"] == after["urls"] == ARTICLES
            assert set(after["stored_new_rows"].values()) == {1}  # stored exactly once
            assert after["retry_candidates"] == 0
            assert "killed" in after["runs"] and "running" not in after["runs"]
