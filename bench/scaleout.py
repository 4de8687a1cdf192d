"""Crawl scale-out: pages/s with 1, 2 and 3 `pantau worker crawl` processes sharing one frontier
(Redis) and one raw store (PostgreSQL), and optionally kill trials at bench size.

The site (tests/crawler/sites.py `big_outlet`, 1,000 articles behind one sitemap) answers each
article after ``--delay`` seconds, standing in for a remote newsroom's server (on 127.0.0.1 a
page costs nothing to serve, and the figure would only measure this machine's 2 cores). Each run
uses a fresh PostgreSQL schema and Redis key prefix; the workers share a per-host total of
``--host-concurrency`` (each keeps ``total // workers``, see crawler/distributed.py), so by
default every worker count gets the same total concurrency per host and the figure shows what
more processes buy on top of that: the parsing, storing and ledger CPU spread over processes.
With ``--per-worker`` each worker keeps ``--host-concurrency`` to itself (N times the load on the
host: what scaling out buys across many hosts). Wall time includes interpreter start and
Scrapy's shutdown (the pages/s figure is a floor). ``--kill-trials N`` then runs N kill -9
trials with 3 workers + reconcile and reports lost / duplicates.

    .venv/bin/python -m bench.scaleout [--articles 1000] [--delay 0.05] [--workers 1 2 3]
        [--host-concurrency 6] [--per-worker] [--kill-trials 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.distributed import Frontier  # noqa: E402
from kb.raw import RawStore  # noqa: E402
from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"


class Round:
    """A fresh PostgreSQL schema and Redis prefix for one measurement."""

    def __enter__(self) -> Round:
        import psycopg

        self.admin = psycopg.connect(POSTGRES, autocommit=True)
        self.schema = f"bench_{uuid.uuid4().hex[:10]}"
        self.admin.execute(f"CREATE SCHEMA {self.schema}")
        self.raw_db = (POSTGRES.replace("postgresql://", "postgresql+psycopg://")
                       + f"?options=-csearch_path%3D{self.schema}")
        self.frontier = Frontier(REDIS, f"bench-{uuid.uuid4().hex[:10]}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.admin.execute(f"DROP SCHEMA {self.schema} CASCADE")
        self.admin.close()
        client = self.frontier.client()
        keys = list(client.scan_iter(f"{self.frontier.prefix}:*"))
        if keys:
            client.delete(*keys)


def args_for(r: Round, sources: Path, home: Path, workers: int, total: int) -> list[str]:
    return ["--raw-db", r.raw_db, "--redis", REDIS, "--prefix", r.frontier.prefix,
            "--sources", str(sources), "--home", str(home), "--fast", "--workers", str(workers),
            "--host-concurrency", str(total)]


def start(args: list[str], n: int) -> list[subprocess.Popen[str]]:
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    return [subprocess.Popen([sys.executable, "-m", "pantau.cli", "worker", "crawl", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=env) for _ in range(n)]


def throughput(sources: Path, home: Path, workers: int, total: int) -> dict[str, object]:
    with Round() as r:
        started = time.perf_counter()
        procs = start(args_for(r, sources, home, workers, total), workers)
        outs = [p.communicate(timeout=1800)[0] for p in procs]
        wall = time.perf_counter() - started
        with RawStore(r.raw_db, readonly=True) as raw:
            stored = raw.count()
    per = [json.loads(o).get("pantau/pages/new", 0) for o in outs if o.strip()]
    return {"workers": workers, "stored": stored, "wall_s": round(wall, 1),
            "pages_per_s": round(stored / wall, 1), "per_worker_new": per}


def kill_trial(sources: Path, home: Path, articles: int, rng: random.Random) -> dict[str, object]:
    with Round() as r:
        args = args_for(r, sources, home, 3, 6)
        procs = start(args, 3)
        share = rng.uniform(0.1, 0.9)
        while True:
            try:
                with RawStore(r.raw_db, readonly=True) as raw:
                    if raw.count() >= articles * share:
                        break
            except Exception:  # noqa: BLE001 (tables not created yet)
                pass
            time.sleep(0.05)
        victim = rng.choice([p for p in procs if p.poll() is None])
        os.kill(victim.pid, signal.SIGKILL)
        for p in procs:
            p.communicate(timeout=1800)
        with RawStore(r.raw_db, readonly=True) as raw:
            before = raw.count()
        env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
        subprocess.run([sys.executable, "-m", "pantau.cli", "cluster", "reconcile", *args],
                       capture_output=True, text=True, env=env, check=True, timeout=1800)
        with RawStore(r.raw_db, readonly=True) as raw:
            after = raw.count()
            new_rows = raw.db.execute(
                "SELECT count(*) - count(DISTINCT url) FROM ledger WHERE outcome = 'new'"
            ).fetchone()[0]
    return {"kill_at": f"{share:.0%}", "stored_before_reconcile": before,
            "stored_after": after, "lost": articles - after, "duplicates": int(new_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per article answer")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--host-concurrency", type=int, default=6)
    parser.add_argument("--per-worker", action="store_true",
                        help="each worker keeps --host-concurrency (N times the host's load)")
    parser.add_argument("--kill-trials", type=int, default=0)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            FixtureSite(delay=args.delay, delay_prefix="/2025/") as site:
        home = Path(tmp)
        outlet = big_outlet(site, args.articles)
        sources = home / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        print(f"{args.articles} articles, {args.delay * 1000:.0f} ms per article answer,"
              f" host concurrency {args.host_concurrency}"
              f" {'per worker' if args.per_worker else 'for the whole cluster'}; cores:"
              f" {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
        for n in args.workers:
            total = args.host_concurrency * (n if args.per_worker else 1)
            print(json.dumps(throughput(sources, home, n, total)))
        rng = random.Random(args.seed)
        for _ in range(args.kill_trials):
            print(json.dumps(kill_trial(sources, home, args.articles, rng)))


if __name__ == "__main__":
    main()
