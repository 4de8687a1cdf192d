"""Reconciliation: the URLs a cluster lost are queued again, unfiltered.

The shared frontier (:mod:`crawler.distributed`) is at-most-once: a worker killed with requests
in flight takes them with it, and their fingerprints stay in the shared dupefilter. The ledger is
the record of what was promised: a URL is ``failed(unfinished, retryable)`` from the moment it is
scheduled until it is answered. :func:`reconcile`:

1. closes the ``running`` crawl runs whose process is gone as ``killed``
   (:meth:`kb.raw.RawStore.close_dead_runs`; a run on another host counts as alive), and
   settles the ``unfinished`` rows of closed runs whose page another worker stored
   (:func:`crawler.distributed.settle`);
2. finds the URLs whose latest ledger state is failed-retryable and that are not stored
   (:meth:`kb.raw.RawStore.retry_candidates`) — *lost* when their run is no longer running, or
   when the shared queue is empty (nothing is waiting to be fetched), or when their run started
   more than ``lease`` seconds ago;
3. when there are lost URLs, runs one cluster worker whose sources have no discovery pages
   (:func:`discovery_free`): its spider requests exactly the retry candidates with
   ``dont_filter`` (past the shared dupefilter) into the shared queue and fetches them with
   whatever workers are running; a source that lost a feed, sitemap or listing page is
   rediscovered.

Run it when the workers have drained the queue (``pantau cluster reconcile``), or periodically
with a lease longer than a crawl round. A URL re-queued while still queued elsewhere is fetched
twice but stored once (the raw store is keyed by canonical URL).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.distributed import Frontier, Retry, on_raw, once, settle, worker_crawl
from crawler.sources import SourcesConfig
from kb.raw import RawStore, RetryCandidate

LEASE_S = 3600.0  # a URL of a live run is lost only after this: longer than one crawl round


def discovery_free(config: SourcesConfig, lost: Iterable[RetryCandidate] = ()) -> SourcesConfig:
    """``config`` with no feeds, sitemaps or listings, so that a crawl of it fetches only what
    the ledger says is owed — except the sources one of whose ``lost`` URLs is not an article
    (a feed, sitemap or listing page a killed worker had in flight): those are rediscovered in
    full (their stored articles are not fetched again)."""
    by_name = {s.name: s for s in config.sources}
    rediscover = {c.source for c in lost
                  if c.source in by_name and not by_name[c.source].is_article(c.url)}
    return dataclasses.replace(config, sources=tuple(
        s if s.name in rediscover else dataclasses.replace(s, feeds=(), sitemaps=(), listings=())
        for s in config.sources
    ))


def lost_urls(
    raw: RawStore, *, queue_empty: bool, lease_s: float = LEASE_S
) -> list[RetryCandidate]:
    """The retry candidates no live worker will still fetch (see the module docstring)."""
    candidates = {c.url: c for c in raw.retry_candidates()}
    if not candidates or queue_empty:
        return list(candidates.values())
    cutoff = (datetime.now(UTC) - timedelta(seconds=lease_s)).isoformat(timespec="seconds")
    rows = raw.db.execute(
        "SELECT l.url, r.status, r.started_at FROM ledger l"
        " JOIN (SELECT url, max(crawl_run_id) AS run FROM ledger GROUP BY url) last"
        "   ON last.url = l.url AND last.run = l.crawl_run_id"
        " JOIN crawl_run r ON r.id = l.crawl_run_id"
        " WHERE l.state = 'failed' AND l.retryable = 1"
    ).fetchall()
    return [candidates[url] for url, status, started in sorted(rows)
            if url in candidates and (status != "running" or started < cutoff)]


def reconcile(
    config: SourcesConfig,
    raw_store: str | Path,
    frontier: Frontier,
    *,
    lease_s: float = LEASE_S,
    workers: int = 1,
    host_concurrency: int | None = None,
    fast: bool = False,
    overrides: Mapping[str, Any] | None = None,
    retry: Retry = once,
) -> dict[str, Any]:
    """Close dead runs and queue the lost URLs again; return what was done: ``killed_runs``,
    ``lost`` (how many), ``queued_before`` (requests waiting in the shared queue), and when a
    crawl ran, its ``crawl`` stats and ``stored`` (pages in the store afterwards).

    Each raw-store step opens the store itself and can be repeated (closing, settling and
    listing are idempotent), so ``retry`` (e.g. :func:`pantau.config.retry_dropped`) may run
    it again when the connection drops."""
    queued = frontier.depths()["queued"]
    killed = retry(on_raw(raw_store, lambda raw: raw.close_dead_runs()), "reconcile")
    settled = retry(on_raw(raw_store, settle), "reconcile")
    lost = retry(on_raw(raw_store, lambda raw: lost_urls(
        raw, queue_empty=queued == 0, lease_s=lease_s)), "reconcile")
    report: dict[str, Any] = {"killed_runs": killed, "settled": settled, "lost": len(lost),
                              "queued_before": queued}
    if not lost:
        return report
    report["crawl"] = worker_crawl(
        discovery_free(config, lost), raw_store, frontier, workers=workers,
        host_concurrency=host_concurrency, fast=fast, overrides=overrides, retry=retry,
    )
    report["stored"] = retry(on_raw(raw_store, RawStore.count, readonly=True), "reconcile")
    report["settled"] += retry(on_raw(raw_store, settle), "reconcile")
    report["still_lost"] = retry(
        on_raw(raw_store, lambda raw: len(raw.retry_candidates())), "reconcile")
    return report
