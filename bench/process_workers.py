"""Processing scale-out: pages/s with 1, 2 … ``pantau worker process`` processes (Dramatiq tasks on
Redis, raw store and KB on PostgreSQL), beside one-process ``pantau process --workers 0``.

The raw store holds ``--pages`` local articles (tests/cluster/processing.py: officials handing
over cards, every 10th off topic, every 25th a listing). Each measurement uses a fresh KB schema
and Redis prefix: ``pantau cluster enqueue``, then the workers with ``--drain`` until the queue is
empty. Two figures: ``wall`` (first worker started to last one exited: includes interpreter and
spaCy start, and the drain's 1.5 s of empty checks) and ``steady`` (outcomes per second between
the first and the last ``processed_page.processed_at``: the rate once the workers run).

    .venv/bin/python -m bench.process_workers [--pages 600] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy  # noqa: E402

from tests.cluster.processing import fill_raw, schemas, sources  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PANTAU_") and k.lower() != "no_proxy"}


def pantau(*args: str, stdout: int | None = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pantau.cli", *args], env=env(),
                            stdout=stdout, stderr=subprocess.DEVNULL)


def steady(kb: str) -> tuple[int, float]:
    """(outcomes, outcomes per second between the first and the last one)."""
    engine = sqlalchemy.create_engine(kb)
    with engine.connect() as conn:
        n, first, last = conn.execute(sqlalchemy.text(
            "SELECT count(*), min(processed_at), max(processed_at) FROM processed_page")).one()
    engine.dispose()
    span = (dt.datetime.fromisoformat(last) - dt.datetime.fromisoformat(first)).total_seconds()
    return int(n), (n - 1) / span if span > 0 else 0.0


def measure(raw: str, kb: str, home: Path, workers: int) -> dict[str, object]:
    src = str(sources(home))
    if workers == 0:
        started = time.monotonic()
        code = pantau("process", "--workers", "0", "--raw-db", raw, "--db", kb,
                      "--sources", src, "--home", str(home)).wait()
    else:
        common = ["--raw-db", raw, "--db", kb, "--redis", REDIS, "--sources", src,
                  "--home", str(home), "--prefix", f"bench-{uuid.uuid4().hex[:10]}"]
        if pantau("cluster", "enqueue", *common).wait():
            raise SystemExit("enqueue failed")
        started = time.monotonic()
        procs = [pantau("worker", "process", "--drain", *common) for _ in range(workers)]
        code = max(p.wait() for p in procs)
    wall = time.monotonic() - started
    n, rate = steady(kb)
    return {"workers": workers or "pantau process", "exit": code, "outcomes": n,
            "wall_s": round(wall, 1), "wall_pages_s": round(n / wall, 1),
            "steady_pages_s": round(rate, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, schemas(1 + 1 + len(opts.workers)) as urls:
        home = Path(tmp)
        raw, *kbs = urls
        fill_raw(raw, opts.pages)
        for count, kb in zip([0, *opts.workers], kbs, strict=True):
            print(json.dumps(measure(raw, kb, home, count)), flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)


if __name__ == "__main__":
    main()
