"""Benchmark ``pantau process`` scaling: the same real pages processed with 1 and with 2 workers.

The corpus is the real Indonesian news pages of ``../shared/realpages`` (when present) and the
demo site's article pages, stored ``--copies`` times under distinct URLs in a fresh raw store;
each run processes them all (clean + extract + ingest, person resolution and clustering left
out: they run once after the batch whatever the worker count) into a fresh SQLite KB.
Reported per worker count: wall seconds, pages/s, the parent's CPU seconds (ingest, lookups,
scheduling: the part that does not scale with workers) and the speed-up over 1 worker, beside
a pure-CPU anchor (the same fixed work in 1 and in N plain processes: on a machine shared with
other jobs it shows what N processes can get at all); first, what starting 2 workers costs
(spawned, each importing and warming, vs forked from the warm fork server). ``--in-process``
also times ``workers=0`` (no pool). Run by hand::

    .venv/bin/python -m bench.process [--copies 4] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clean import corpus

SOURCE = "bench"
HTML = "text/html; charset=utf-8"


def build_raw(path: Path, copies: int) -> int:
    """Store the corpus ``copies`` times; URLs on a host of their own, so that no page's
    declared canonical (on the outlet's host) merges two copies into one article."""
    from kb.raw import RawStore

    pages = corpus()
    with RawStore(path) as raw:
        for copy in range(copies):
            for i, (url, body) in enumerate(pages):
                page_url = f"https://salinan{copy}.bench.test/{i}/{url.rsplit('/', 1)[-1]}"
                raw.put(url=page_url, final_url=page_url, source=SOURCE, status=200,
                        headers={"Content-Type": HTML}, body=body)  # fmt: skip
    return copies * len(pages)


def worker_start_s(context: Any, workers: int = 1) -> float:
    """Seconds from creating a pool to each worker's first (empty) task's result: start method,
    imports and the pipeline warm-up each worker pays (or inherits from a fork server)."""
    from pebble import ProcessPool

    from pantau.pipeline import _warm_up

    started = time.perf_counter()
    with ProcessPool(max_workers=workers, initializer=_warm_up, context=context) as pool:
        for future in [pool.schedule(time.sleep, args=(0.5,)) for _ in range(workers)]:
            future.result()
        return time.perf_counter() - started - 0.5


ANCHOR_TASKS = 16  # CPU-only tasks of the anchor, spread over the workers
ANCHOR_LOOP = 3_000_000  # iterations per task: ~0.1-0.3 s on an idle core


def spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i & 7
    return total


def anchor_s(workers: int) -> float:
    """Wall seconds for a fixed amount of pure CPU work (no I/O, no data) in ``workers``
    processes: what this machine gives 2 processes over 1 right now, whatever Pantau does."""
    from pebble import ProcessPool

    context = multiprocessing.get_context("spawn")
    with ProcessPool(max_workers=workers, context=context) as pool:
        for warm in [pool.schedule(spin, args=(1,)) for _ in range(workers)]:
            warm.result()
        started = time.perf_counter()
        for future in [pool.schedule(spin, args=(ANCHOR_LOOP,)) for _ in range(ANCHOR_TASKS)]:
            future.result()
        return time.perf_counter() - started


def run(raw_path: Path, kb_path: Path, workers: int) -> dict[str, Any]:
    from kb.raw import RawStore
    from kb.store import KB, sqlite_url
    from pantau.pipeline import Processor

    kb = KB(sqlite_url(kb_path))
    kb.resolve = lambda *args, **kwargs: {}  # type: ignore[method-assign]
    with RawStore(raw_path) as raw:
        cpu, started = time.process_time(), time.perf_counter()
        report = Processor(raw, kb, workers=workers).run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    kb.close()
    return {
        "workers": workers,
        "pages": report.pages,
        "articles": report.new,
        "rejected": report.rejected,
        "errors": report.errors,
        "seconds": round(seconds, 2),
        "pages_per_s": round(report.pages / seconds, 2),
        "parent_cpu_s": round(cpu, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4, help="times the corpus is stored")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--in-process", action="store_true", help="also time workers=0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pantau-bench-process-") as tmp:
        work = Path(tmp)
        raw_path = work / "raw.db"
        n = build_raw(raw_path, args.copies)
        print(f"{n} pages ({args.copies} copies of the corpus), {multiprocessing.cpu_count()} CPUs")
        from pantau.pipeline import pool_context

        spawn = multiprocessing.get_context("spawn")
        print(f"start of 2 workers, spawn (each imports + warms): {worker_start_s(spawn, 2):.2f} s")
        print(f"start of 2 workers, fork server started: {worker_start_s(pool_context(), 2):.2f} s")
        print(f"start of 2 workers, fork server running: {worker_start_s(pool_context(), 2):.2f} s")
        rows = []
        for workers in ([0] if args.in_process else []) + args.workers:
            row = run(raw_path, work / f"kb-{workers}.db", workers)
            rows.append(row)
            print(
                f"workers={workers}: {row['seconds']:7.2f} s  {row['pages_per_s']:6.2f} pages/s  "
                f"parent CPU {row['parent_cpu_s']:.2f} s  ({row['articles']} articles, "
                f"{row['rejected']} rejected, {row['errors']} errors)"
            )
        one = next((r for r in rows if r["workers"] == 1), None)
        for row in rows:
            if one and row["workers"] > 1:
                n = row["workers"]
                spin_1, spin_n = anchor_s(1), anchor_s(n)
                print(
                    f"speed-up {n} workers vs 1: {one['seconds'] / row['seconds']:.2f}x; "
                    f"pure-CPU anchor, {n} processes vs 1, same run: {spin_1 / spin_n:.2f}x "
                    f"({spin_1:.2f} s vs {spin_n:.2f} s)"
                )


if __name__ == "__main__":
    main()
