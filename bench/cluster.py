"""Processing scale-out (issue 16): pages/s of 1, 2, 3 ``pantau worker process`` processes
(Dramatiq tasks on Redis, raw store and KB on PostgreSQL) beside one-process
``pantau process --workers 0`` on the same stored pages, and the projected throughput per added
machine.

The raw store holds ``--pages`` local articles (tests/cluster/processing.py: regents handing over
cards, every 10th off topic, every 25th a listing). Each measurement uses a fresh KB schema and
Redis prefix: ``pantau cluster enqueue``, then the workers with ``--drain`` until the queue is
empty. Figures per measurement:

- ``wall_pages_s``: first worker started to last one exited (interpreter and spaCy start and the
  drain's 1.5 s of empty checks included);
- ``steady_pages_s``: outcomes per second between the first and the last
  ``processed_page.processed_at`` (the rate once the workers run);
- ``cpu_ms_per_page``: CPU time of the command's processes (user + system, start-up included)
  per page: what a page costs a core, whatever else the shared machine runs;
- ``load``: the 1-minute load average before and after.

Then, once, one worker run in this process with its calls to the shared servers counted and
timed at the drivers (psycopg statements and commits of the KB and the raw store, Redis commands
and pipelines), and the median round trip of each server timed (``SELECT 1``, ``PING``): the
``projection`` gives one worker's steady rate per added core (the unit a machine adds, one
worker per core), the same from its CPU cost alone, and what a page spends waiting on
PostgreSQL and Redis (round trips × network latency, and the time in the calls: server work and
commit fsync included).

    .venv/bin/python -m bench.cluster [--pages 800] [--workers 1 2 3] [--cores-per-machine 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy  # noqa: E402

from tests.cluster.processing import fill_raw, schemas, sources  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"
RTT_SAMPLES = 500  # round trips timed per server: the median of 500 is stable to ~0.01 ms


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PANTAU_") and k.lower() != "no_proxy"}


def pantau(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pantau.cli", *args], env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def steady(kb: str) -> tuple[int, float]:
    """(outcomes, outcomes per second between the first and the last one)."""
    engine = sqlalchemy.create_engine(kb)
    with engine.connect() as conn:
        n, first, last = conn.execute(sqlalchemy.text(
            "SELECT count(*), min(processed_at), max(processed_at) FROM processed_page")).one()
    engine.dispose()
    span = (dt.datetime.fromisoformat(last) - dt.datetime.fromisoformat(first)).total_seconds()
    return int(n), (n - 1) / span if span > 0 else 0.0


def processing_args(raw: str, kb: str, home: Path) -> list[str]:
    return ["--raw-db", raw, "--db", kb, "--redis", REDIS, "--sources", str(sources(home)),
            "--home", str(home), "--prefix", f"bench-{uuid.uuid4().hex[:10]}"]


def forget(prefix: str) -> None:
    """Delete the Redis keys of a measurement's prefix (its queue, heartbeats, epoch)."""
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def measure(raw: str, kb: str, home: Path, workers: int) -> dict[str, Any]:
    """One-process ``pantau process`` (``workers`` 0) or ``workers`` drain workers."""
    load = os.getloadavg()[0]
    if workers == 0:
        cpu, started = children_cpu(), time.monotonic()
        code = pantau("process", "--workers", "0", "--raw-db", raw, "--db", kb,
                      "--sources", str(sources(home)), "--home", str(home)).wait()
    else:
        common = processing_args(raw, kb, home)
        if pantau("cluster", "enqueue", *common).wait():
            raise SystemExit("bench.cluster: pantau cluster enqueue failed")
        cpu, started = children_cpu(), time.monotonic()
        procs = [pantau("worker", "process", "--drain", *common) for _ in range(workers)]
        code = max(p.wait() for p in procs)
        forget(common[common.index("--prefix") + 1])
    wall = time.monotonic() - started
    cpu = children_cpu() - cpu
    n, rate = steady(kb)
    return {"workers": workers or "pantau process", "exit": code, "outcomes": n,
            "wall_s": round(wall, 1), "wall_pages_s": round(n / wall, 1),
            "steady_pages_s": round(rate, 1), "cpu_ms_per_page": round(1000 * cpu / n, 1),
            "load": [round(load, 1), round(os.getloadavg()[0], 1)]}


def median_ms(call: Callable[[], object]) -> float:
    times = []
    for _ in range(RTT_SAMPLES):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return round(1000 * statistics.median(times), 3)


def round_trip_times(kb: str) -> dict[str, float]:
    """Median ms of one ``SELECT 1`` (PostgreSQL) and one ``PING`` (Redis) from this machine."""
    import redis

    engine = sqlalchemy.create_engine(kb)
    try:
        with engine.connect() as conn:
            select = sqlalchemy.text("SELECT 1")
            postgres = median_ms(lambda: conn.execute(select).scalar())
    finally:
        engine.dispose()
    client = redis.Redis.from_url(REDIS)
    try:
        return {"postgres": postgres, "redis": median_ms(client.ping)}
    finally:
        client.close()


@contextmanager
def counted() -> Iterator[defaultdict[str, float]]:
    """Count and time this process's calls to the shared servers while in the block, at the
    drivers: psycopg statements (the KB through SQLAlchemy and the raw store alike), commits and
    rollbacks (each transaction's BEGIN travels with its first statement: counted as one more
    round trip), Redis commands and pipelines. Keys ``*_calls`` and ``*_s`` (seconds waited,
    server time and fsync included; Redis calls of Dramatiq's consumer thread too, which
    overlap the page in hand)."""
    import psycopg
    import redis.client

    counts: defaultdict[str, float] = defaultdict(float)
    targets = [(psycopg.Cursor, "execute", "postgres"), (psycopg.Cursor, "executemany", "postgres"),
               (psycopg.Connection, "commit", "postgres_commit"),
               (psycopg.Connection, "rollback", "postgres_commit"),
               (redis.client.Redis, "execute_command", "redis"),
               (redis.client.Pipeline, "execute", "redis")]
    saved: dict[tuple[type, str], Any] = {(cls, name): getattr(cls, name)
                                          for cls, name, _ in targets}

    def timing(original: Any, key: str) -> Any:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                counts[f"{key}_calls"] += 1
                counts[f"{key}_s"] += time.perf_counter() - started
        return call

    for cls, name, key in targets:
        setattr(cls, name, timing(saved[(cls, name)], key))
    try:
        yield counts
    finally:
        for (cls, name), original in saved.items():
            setattr(cls, name, original)


def round_trips_per_page(raw_url: str, kb_url: str, home: Path) -> dict[str, float]:
    """One drain worker run in this process over every stored page, its round trips counted
    (heartbeats and the drain's empty checks included: they are part of a worker's cost)."""
    from crawler.distributed import Frontier
    from crawler.sources import load_sources
    from kb.raw import RawStore
    from kb.store import KB
    from pantau.pipeline import outlets_of
    from pantau.tasks import enqueue, make_broker, run_worker

    config = load_sources(sources(home))
    front = Frontier(REDIS, f"bench-{uuid.uuid4().hex[:10]}")
    broker = make_broker(front.redis_url, front.prefix)
    try:
        with RawStore(raw_url) as raw:
            kb = KB(kb_url)
            try:
                enqueue(broker, raw, kb, outlets=outlets_of(config))
                with counted() as counts:
                    report = run_worker(broker, raw, kb, zones=config.zones(), drain=True)
            finally:
                kb.close()
    finally:
        forget(front.prefix)
    pages = report["pages"]
    trips = counts["postgres_calls"] + 2 * counts["postgres_commit_calls"]  # + BEGIN, COMMIT
    waited = counts["postgres_s"] + counts["postgres_commit_s"]
    return {"pages": pages, "postgres_round_trips": round(trips / pages, 1),
            "postgres_ms": round(1000 * waited / pages, 2),
            "postgres_commit_ms": round(1000 * counts["postgres_commit_s"] / pages, 2),
            "redis_round_trips": round(counts["redis_calls"] / pages, 1),
            "redis_ms": round(1000 * counts["redis_s"] / pages, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=800)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--cores-per-machine", type=int, default=os.cpu_count() or 1,
                        help="cores of an added processing machine (one worker per core)")
    opts = parser.parse_args()
    if 1 not in opts.workers:
        parser.error("--workers must include 1 (the projection is one worker's rate)")
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"bench.cluster: {opts.pages} pages; {uptime}", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, schemas(3 + len(opts.workers)) as urls:
        home = Path(tmp)
        raw, counting_kb, *kbs = urls
        fill_raw(raw, opts.pages)
        for count, kb in zip([0, *opts.workers], kbs, strict=True):
            rows.append(measure(raw, kb, home, count))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        trips = round_trips_per_page(raw, counting_kb, home)
        rtt = round_trip_times(counting_kb)
    by = {r["workers"]: r for r in rows}
    one, single = by[1], by["pantau process"]
    wait_ms = (trips["postgres_round_trips"] * rtt["postgres"]
               + trips["redis_round_trips"] * rtt["redis"])
    projection = {
        "per_added_core_pages_s": one["steady_pages_s"],
        "per_added_machine_pages_s": round(one["steady_pages_s"] * opts.cores_per_machine, 1),
        "cores_per_machine": opts.cores_per_machine,
        "per_added_core_from_cpu_pages_s": round(1000 / one["cpu_ms_per_page"], 1),
        "per_page_in_one_worker": trips,
        "round_trip_ms": rtt,
        "network_ms_per_page": round(wait_ms, 2),
        "worker_ms_per_page": round(1000 / one["steady_pages_s"], 1),
        "one_process_ms_per_page": round(1000 / single["steady_pages_s"], 1),
        "speedup_steady": {str(r["workers"]): round(r["steady_pages_s"] / one["steady_pages_s"], 2)
                           for r in rows if r["workers"] != "pantau process"},
    }
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(json.dumps({"pages": opts.pages, "cores": os.cpu_count(), "runs": rows,
                      "projection": projection, "uptime": [uptime, uptime_after]}, indent=2))


if __name__ == "__main__":
    main()
