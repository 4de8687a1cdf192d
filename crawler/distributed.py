"""Crawling on several machines: one shared frontier in Redis, one shared raw store.

Each worker (``pantau worker crawl``) is an ordinary Pantau crawl (:func:`crawler.run.run_crawl`:
the same spider, components and ledger) with two engines swapped in:

- the **frontier** is `scrapy-redis <https://github.com/rmax/scrapy-redis>`_'s scheduler: the
  request queue and the dupefilter (request fingerprints) live in Redis under a key prefix, so an
  article one worker discovered is fetched by whichever worker is free, once;
- the **raw store and its ledger** are a PostgreSQL database (:class:`kb.raw.RawStore` with a
  URL), so every worker's pages and ledger rows land in one place.

scrapy-redis is at-most-once: a request popped by a worker that is then killed is gone from the
queue while its fingerprint stays in the dupefilter, so no worker would fetch it again. The
ledger closes that gap: every URL is ``failed(unfinished, retryable)`` from the moment it is
scheduled, so :mod:`crawler.reconcile` finds the lost ones and queues them again unfiltered.

Politeness: Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` hold per process.
A worker therefore runs with ``PANTAU_HOST_CONCURRENCY`` (the total a host may see from the whole
cluster) divided by the number of workers (``PANTAU_CLUSTER_WORKERS``), at least 1 — so N workers
never send a host more than ``max(PANTAU_HOST_CONCURRENCY, N)`` requests at once.

The total per host defaults to what one crawl would use (``CONCURRENT_REQUESTS_PER_DOMAIN``: 2
for the outlets' small shared hosting, 8 with ``--fast``).

Component: :class:`LiveRunFilter`, a spider middleware (settings read: ``PANTAU_RAW_STORE``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_to_future
from twisted.internet import threads

from crawler import settings as default_settings
from crawler.ledger import CrawlRun
from crawler.run import FAST_SETTINGS, run_crawl
from crawler.sources import SourcesConfig
from kb.ledger import Outcome
from kb.raw import RawStore, process_alive

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

ENV_REDIS = "PANTAU_REDIS"  # Redis URL of the shared frontier
ENV_PREFIX = "PANTAU_REDIS_PREFIX"  # key prefix: one cluster (or one test) per prefix
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "pantau"
SPIDER = "pantau"  # NewsSpider.name: part of the Redis keys
SETTLED_DETAIL = "stored by another crawler of the cluster"
# Scrapy 2.19 on the asyncio reactor starts a slot's downloads as tasks that mark themselves
# "transferring" only once they run, so with DOWNLOAD_DELAY 0 one pass of the slot's queue sends
# everything queued and CONCURRENT_REQUESTS_PER_DOMAIN does not hold (measured: 8 requests at once
# to a host with a limit of 1). Any delay makes the slot send one request per pass; 5 ms costs
# at most 200 requests/s per host and worker, far above what a newsroom's server should get.
MIN_DOWNLOAD_DELAY_S = 0.005
# A worker whose frontier is momentarily empty while another is still parsing a sitemap would
# stop with nothing done (seen in bench/scaleout.py: 1000 articles, one of 2 workers fetched 0).
# It stays up at most this long after going idle while another live crawl run has URLs in hand
# (scheduled, unanswered): enough for a sitemap of thousands of links to be parsed and queued.
IDLE_GRACE_S = 10.0
# A worker that loses Redis keeps what it discovers in memory and tries Redis again after
# REDIS_RETRY_FIRST_S, doubling up to REDIS_RETRY_MAX_S between tries (each try is one PING: a
# refused connection costs nothing, an unreachable host up to the connect timeout, and the
# reactor waits meanwhile, so tries stay rare). A restart or failover takes seconds; after
# REDIS_OUTAGE_S (setting PANTAU_REDIS_OUTAGE_S) the worker stops with finish_reason
# REDIS_LOST: what it had queued is in the ledger, for `pantau cluster reconcile`.
REDIS_RETRY_FIRST_S = 0.5
REDIS_RETRY_MAX_S = 10.0
REDIS_OUTAGE_S = 300.0
REDIS_LOST = "redis_lost"
INCOMPLETE = "pantau/cluster/incomplete"  # stats: the run's end is not in the ledger
# A try to reach a Redis that is down blocks the crawl's reactor while it connects: a refused
# connection returns at once, an unreachable host after this many seconds (scrapy-redis's
# default, 30 s, would stall every download that long at each try).
REDIS_CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class Frontier:
    """Where a cluster's shared frontier lives: a Redis URL and a key prefix."""

    redis_url: str = DEFAULT_REDIS
    prefix: str = DEFAULT_PREFIX

    @classmethod
    def from_env(cls, redis_url: str | None = None, prefix: str | None = None) -> Frontier:
        return cls(redis_url or os.environ.get(ENV_REDIS) or DEFAULT_REDIS,
                   prefix or os.environ.get(ENV_PREFIX) or DEFAULT_PREFIX)

    @property
    def queue_key(self) -> str:
        return f"{self.prefix}:{SPIDER}:requests"

    @property
    def dupefilter_key(self) -> str:
        return f"{self.prefix}:{SPIDER}:dupefilter"

    @property
    def epoch_key(self) -> str:
        """A token the first worker writes: gone after a Redis restart that kept nothing."""
        return f"{self.prefix}:epoch"

    @property
    def shown(self) -> str:
        """The Redis URL fit for a message (no password)."""
        return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", self.redis_url)

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.redis_url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S)

    def depths(self) -> dict[str, int]:
        """Requests waiting in the shared queue and fingerprints in the dupefilter."""
        r = self.client()
        return {"queued": int(r.zcard(self.queue_key)),
                "seen": int(r.scard(self.dupefilter_key))}

    def clear(self) -> None:
        """Forget the queue and the dupefilter (a new crawl round starts from the ledger)."""
        self.client().delete(self.queue_key, self.dupefilter_key)


REDIS_DOWN: tuple[type[Exception], ...] = ()  # redis's connection errors, once redis is imported


def redis_down() -> tuple[type[Exception], ...]:
    """The exceptions of a Redis that cannot be reached (refused, reset, timed out, loading)."""
    global REDIS_DOWN
    if not REDIS_DOWN:
        import redis

        REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
    return REDIS_DOWN


class RedisWatch:
    """A worker's view of the Redis it shares: an outage is said once, in one line (what is
    lost if Redis restarts empty, and the ``remedy``); tries to reach it again are paced
    (:data:`REDIS_RETRY_FIRST_S`, doubling); when it answers again, whether it kept the
    cluster's state is told by an epoch token the first worker wrote (:attr:`Frontier.epoch_key`
    or the task queue's): gone or changed means Redis restarted empty. Used by the crawl
    workers' scheduler (:class:`ResilientScheduler`) and the processing workers
    (:func:`pantau.tasks.run_worker`)."""

    def __init__(self, client: Any, shown: str, epoch_key: str, *, lost: str, remedy: str,
                 outage_s: float = REDIS_OUTAGE_S) -> None:
        self.client, self.shown, self.epoch_key = client, shown, epoch_key
        self.lost_what, self.remedy, self.outage_s = lost, remedy, outage_s
        self.down_since: float | None = None
        self.next_try = 0.0
        self.wait = REDIS_RETRY_FIRST_S
        self.outages = 0
        self.emptied = False  # Redis came back without the cluster's state (at least once)
        self.epoch: Any = None

    def claim(self) -> None:
        """Read (or, first of the cluster, write) the epoch token."""
        self.client.set(self.epoch_key, uuid.uuid4().hex, nx=True)
        self.epoch = self.client.get(self.epoch_key)

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def lost(self, exc: BaseException) -> None:
        """Redis failed a command: the first failure of an outage is said, once."""
        if self.down_since is None:
            self.down_since = time.monotonic()
            self.outages += 1
            self.wait = REDIS_RETRY_FIRST_S
            self.next_try = self.down_since + self.wait
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            log.warning("Redis at %s: connection lost (%s); waiting (%s lost if it restarts"
                        " empty: %s)", self.shown, reason, self.lost_what, self.remedy)

    @property
    def expired(self) -> bool:
        """Down longer than ``outage_s``: the worker gives up."""
        return self.down_since is not None and time.monotonic() - self.down_since > self.outage_s

    def give_up(self) -> None:
        """Say, once, that the worker stops: Redis stayed away longer than ``outage_s``."""
        log.warning("Redis at %s: still unreachable after %g s; stopping (%s)",
                    self.shown, self.outage_s, self.remedy)
        self.down_since = None

    def back(self) -> bool:
        """Is Redis reachable again? (Tried at most once per paced wait while it is down; says
        when it is back and whether it restarted empty.)"""
        if self.down_since is None:
            return True
        now = time.monotonic()
        if now < self.next_try:
            return False
        try:
            self.client.ping()
            before = self.epoch
            self.claim()
        except redis_down():
            self.wait = min(self.wait * 2, REDIS_RETRY_MAX_S)
            self.next_try = time.monotonic() + self.wait
            return False
        emptied = before is not None and self.epoch != before
        self.emptied |= emptied
        log.warning("Redis at %s: back after %.1f s%s", self.shown, now - self.down_since,
                    f"; it restarted empty: {self.lost_what} lost, {self.remedy}" if emptied
                    else ", nothing lost")
        self.down_since = None
        return True


_scheduler: type | None = None


def __getattr__(name: str) -> Any:
    """``crawler.distributed.ResilientScheduler`` (the ``SCHEDULER`` setting), built on first
    use: scrapy-redis is the ``cluster`` extra, not needed to import this module."""
    global _scheduler
    if name != "ResilientScheduler":
        raise AttributeError(name)
    if _scheduler is None:
        _scheduler = _resilient_scheduler()
    return _scheduler


def _resilient_scheduler() -> type:
    from scrapy.exceptions import ScrapyDeprecationWarning
    from scrapy_redis.scheduler import Scheduler

    # scrapy-redis 0.9.1 passes spider= to the stats (deprecated by Scrapy 2.19): two warnings
    # on every worker's stderr, about a library call the worker cannot change
    warnings.filterwarnings("ignore", "Passing a 'spider' argument to StatsCollector",
                            ScrapyDeprecationWarning)

    class ResilientScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis is untyped
        """scrapy-redis's scheduler that survives a Redis outage (a restart, a failover): while
        Redis cannot be reached the requests the spider discovers wait in memory, the spider stays
        open (requests are pending), and Redis is tried again at a paced interval
        (:class:`RedisWatch`); when it is back they go to the shared queue and the crawl goes on.
        What a Redis that restarted empty lost (the queue, the dupefilter) is in the ledger as
        ``unfinished``, for ``pantau cluster reconcile``. An outage longer than
        ``PANTAU_REDIS_OUTAGE_S`` closes the spider with finish_reason :data:`REDIS_LOST`.

        Settings read: ``REDIS_URL``, ``PANTAU_REDIS_PREFIX``, ``PANTAU_REDIS_OUTAGE_S``."""

        watch: RedisWatch
        held: list[Any]
        crawler: Crawler

        @classmethod
        def from_crawler(cls, crawler: Crawler) -> Any:
            instance = super().from_crawler(crawler)
            settings = crawler.settings
            front = Frontier(settings["REDIS_URL"], settings["PANTAU_REDIS_PREFIX"])
            instance.crawler = crawler
            instance.held = []
            instance.watch = RedisWatch(
                instance.server, front.shown, front.epoch_key, lost="the queued URLs are",
                remedy="run `pantau cluster reconcile` once the workers are done",
                outage_s=settings.getfloat("PANTAU_REDIS_OUTAGE_S", REDIS_OUTAGE_S))
            instance.watch.claim()
            return instance

        def _failed(self, exc: BaseException) -> None:
            self.watch.lost(exc)
            if self.stats is not None:
                self.stats.set_value("pantau/cluster/redis_outages", self.watch.outages)

        def _usable(self) -> bool:
            """Is Redis up (after a paced try when it was down)? Held requests are queued first;
            an outage past its limit closes the spider."""
            if not self.watch.down:
                return True
            if not self.watch.back():
                if self.watch.expired and self.crawler.engine is not None:
                    from scrapy.utils.defer import deferred_from_coro

                    self.watch.give_up()  # the spider is closed once
                    deferred_from_coro(self.crawler.engine.close_spider_async(reason=REDIS_LOST))
                return False
            if self.stats is not None and self.watch.emptied:
                self.stats.set_value("pantau/cluster/frontier_lost", True)
            held, self.held = self.held, []
            for n, request in enumerate(held):
                try:
                    super().enqueue_request(request)
                except redis_down() as exc:
                    self.held = held[n:]
                    self._failed(exc)
                    return False
            return True

        def enqueue_request(self, request: Any) -> bool:
            if self._usable():
                try:
                    return bool(super().enqueue_request(request))
                except redis_down() as exc:
                    self._failed(exc)
            self.held.append(request)  # queued when Redis is back (the ledger has it meanwhile)
            return True

        def next_request(self) -> Any:
            if not self._usable():
                return None
            try:
                return super().next_request()
            except redis_down() as exc:
                self._failed(exc)
                return None

        def has_pending_requests(self) -> bool:
            if self.watch.down or self.held:
                return True  # keeps the spider open while Redis is away
            try:
                return bool(super().has_pending_requests())
            except redis_down() as exc:
                self._failed(exc)
                return True

    return ResilientScheduler


Retry = Callable[[Callable[[], Any], str], Any]  # (step, what) -> the step's result


def once(step: Callable[[], Any], what: str) -> Any:
    """The default :data:`Retry`: run the step once (the CLI passes
    :func:`pantau.config.retry_dropped`, which runs it again when the connection drops)."""
    return step()


def on_raw(raw_store: str | Path, work: Callable[[RawStore], Any], *,
           readonly: bool = False) -> Callable[[], Any]:
    """A step that opens the raw store, does ``work`` and closes it: safe to run again on a
    new connection when the last one dropped."""
    def step() -> Any:
        with RawStore(raw_store, readonly=readonly) as raw:
            return work(raw)
    return step


def settle(raw: RawStore, run_id: int | None = None) -> int:
    """Settle the ``unfinished`` rows another worker answered; return how many.

    Every worker reads the same feeds and sitemaps and records each article it discovers as
    ``failed(unfinished)`` before the shared dupefilter tells it another worker has it: at the
    end of its run those rows say *unfinished* of pages that are stored. They become
    ``skipped(already_stored)`` — for one finished run (``run_id``) or every run no longer
    running — so source health counts real failures only."""
    where = "crawl_run_id = ?" if run_id is not None else (
        "crawl_run_id IN (SELECT id FROM crawl_run WHERE status <> 'running')")
    args: tuple[object, ...] = (run_id,) if run_id is not None else ()
    with raw.db:
        before = raw.db.execute(
            f"SELECT count(*) FROM ledger WHERE outcome = ? AND {where}"
            " AND EXISTS (SELECT 1 FROM page p WHERE p.url = ledger.url)",
            (Outcome.UNFINISHED.value, *args),
        ).fetchone()[0]
        raw.db.execute(
            "UPDATE ledger SET state = ?, outcome = ?, detail = ?, retryable = 0"
            f" WHERE outcome = ? AND {where}"
            " AND EXISTS (SELECT 1 FROM page p WHERE p.url = ledger.url)",
            (Outcome.ALREADY_STORED.state.value, Outcome.ALREADY_STORED.value, SETTLED_DETAIL,
             Outcome.UNFINISHED.value, *args),
        )
    return int(before)


class LiveRunFilter:
    """Spider middleware of a cluster worker: the retry requests its spider starts with (the
    ledger's unfinished URLs) are dropped when their latest ledger row belongs to another crawl
    run still ``running`` — a live worker has them queued or in flight, and re-requesting them
    unfiltered would fetch them twice. Lost ones (their run died) are left to the spider, and
    :mod:`crawler.reconcile` handles the rest. An idle worker waits :data:`IDLE_GRACE_S` for
    the others before it stops.

    Settings read: ``PANTAU_RAW_STORE``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store: str = crawler.settings["PANTAU_RAW_STORE"]
        self.idle_since: float | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.busy, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LiveRunFilter:
        return cls(crawler)

    def busy(self, **_: Any) -> None:
        self.idle_since = None

    def spider_idle(self, **_: Any) -> None:
        """Stay up (at most :data:`IDLE_GRACE_S` after going idle) while another live crawl run
        has URLs scheduled that nobody answered yet: it may be about to fill the frontier."""
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since >= IDLE_GRACE_S:
            return
        own = CrawlRun.of(self.crawler).run_id
        with RawStore(self.store, readonly=True) as raw:
            alive = [run for run, owner in raw.db.execute(
                "SELECT id, owner FROM crawl_run WHERE status = 'running' AND id <> ?", (own,)
            ).fetchall() if process_alive(json.loads(owner or "{}"))]
            if not alive:
                return
            held = raw.db.execute(  # a URL another live run scheduled that nobody answered yet
                "SELECT 1 FROM ledger l WHERE l.crawl_run_id IN"
                f" ({','.join('?' * len(alive))}) AND l.outcome = ?"
                " AND NOT EXISTS (SELECT 1 FROM page p WHERE p.url = l.url)"
                " AND NOT EXISTS (SELECT 1 FROM ledger o WHERE o.url = l.url"
                "   AND o.outcome NOT IN (?, ?)) LIMIT 1",
                (*alive, Outcome.UNFINISHED.value, Outcome.UNFINISHED.value,
                 Outcome.INTERRUPTED.value),
            ).fetchone()
        if held:
            raise DontCloseSpider("other crawlers of the cluster have URLs in hand")

    def _live_urls(self, own: int) -> set[str]:
        with RawStore(self.store, readonly=True) as raw:
            rows = raw.db.execute(
                "SELECT l.url FROM ledger l"
                " JOIN (SELECT url, max(crawl_run_id) AS run FROM ledger"
                "       WHERE crawl_run_id <> ? GROUP BY url) last"
                "   ON last.url = l.url AND last.run = l.crawl_run_id"
                " JOIN crawl_run r ON r.id = l.crawl_run_id"
                " WHERE r.status = 'running' AND l.state = 'failed'",
                (own,),
            ).fetchall()
        return {str(r[0]) for r in rows}

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        own = CrawlRun.of(self.crawler).run_id
        live: set[str] = await deferred_to_future(threads.deferToThread(self._live_urls, own))
        stats = self.crawler.stats
        async for item in start:
            if (isinstance(item, Request) and item.meta.get("pantau_retry")
                    and item.meta.get("pantau_url") in live):
                if stats is not None:
                    stats.inc_value("pantau/cluster/left_to_live_run")
                continue
            yield item

    def process_spider_output(self, response: Any, result: Any) -> Any:
        return result

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            yield item


def per_worker_concurrency(host_total: int, workers: int) -> int:
    """Requests one worker may have in flight to one host so that ``workers`` of them send at
    most ``host_total`` together (never below 1: a worker must make progress)."""
    return max(1, host_total // max(1, workers))


def cluster_settings(
    frontier: Frontier, *, workers: int = 1, host_concurrency: int | None = None
) -> dict[str, Any]:
    """The Scrapy settings that make a Pantau crawl one worker of a cluster
    (``host_concurrency``: requests in flight to one host from all ``workers`` together;
    default: one crawl's ``CONCURRENT_REQUESTS_PER_DOMAIN``)."""
    if host_concurrency is None:
        host_concurrency = default_settings.CONCURRENT_REQUESTS_PER_DOMAIN
    return {
        "SPIDER_MIDDLEWARES": {**default_settings.SPIDER_MIDDLEWARES,
                               "crawler.distributed.LiveRunFilter": 50},
        "SCHEDULER": "crawler.distributed.ResilientScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_PERSIST": True,  # a worker that finishes must not wipe the others' queue
        "SCHEDULER_QUEUE_KEY": frontier.queue_key,
        "SCHEDULER_DUPEFILTER_KEY": frontier.dupefilter_key,
        "REDIS_URL": frontier.redis_url,
        "REDIS_PARAMS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S},  # merged with
        "PANTAU_REDIS_PREFIX": frontier.prefix,  # scrapy-redis's defaults
        "PANTAU_HOST_CONCURRENCY": host_concurrency,
        "PANTAU_CLUSTER_WORKERS": workers,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_worker_concurrency(host_concurrency, workers),
    }


def worker_crawl(
    config: SourcesConfig,
    raw_store: str | Path,
    frontier: Frontier,
    *,
    only: tuple[str, ...] = (),
    workers: int = 1,
    host_concurrency: int | None = None,
    fast: bool = False,
    overrides: Mapping[str, Any] | None = None,
    retry: Retry = once,
) -> dict[str, Any]:
    """Run one crawler of a cluster until the shared frontier is empty; return its stats
    (``pantau/*``, ``finish_reason``, ``downloader/response_count``). ``retry`` runs the
    settling of the finished run (see :func:`once`).

    ``fast`` drops politeness delays (local test sites) but keeps the per-host share. No job
    folder: the queue and the dupefilter are Redis's; the ledger is the raw store's."""
    settings: dict[str, Any] = dict(FAST_SETTINGS) if fast else {}
    if host_concurrency is None:  # one crawl's per-host limit, now for the whole cluster
        host_concurrency = int((overrides or {}).get(
            "CONCURRENT_REQUESTS_PER_DOMAIN", settings.get(
                "CONCURRENT_REQUESTS_PER_DOMAIN", default_settings.CONCURRENT_REQUESTS_PER_DOMAIN)))
    settings.update(cluster_settings(frontier, workers=workers, host_concurrency=host_concurrency))
    overrides = {k: v for k, v in (overrides or {}).items()
                 if k != "CONCURRENT_REQUESTS_PER_DOMAIN"}  # the cluster's total, shared out
    settings.update(overrides)
    delay = float(settings.get("DOWNLOAD_DELAY", default_settings.DOWNLOAD_DELAY))
    settings["DOWNLOAD_DELAY"] = max(delay, MIN_DOWNLOAD_DELAY_S)
    stats = run_crawl(config, raw_store, only=only, overrides=settings, jobdir=None)
    summary = {k: v for k, v in stats.items() if k.startswith(("pantau/", "finish_reason"))}
    summary["downloader/response_count"] = stats.get("downloader/response_count", 0)
    run_id = stats.get("pantau/crawl_run")
    if isinstance(run_id, int):
        summary["pantau/ledger/settled"] = retry(
            on_raw(raw_store, lambda raw: settle(raw, run_id)), "settling the crawl run")
    else:  # the ledger's closing failed (the raw store's connection dropped mid-crawl: the
        summary[INCOMPLETE] = True  # crawl's own store connection is not opened again)
    return summary


def cluster_status(raw_store: str | Path, frontier: Frontier) -> dict[str, Any]:
    """What a cluster is doing, for ``pantau cluster status``:

    - ``frontier``: requests waiting in the shared queue, fingerprints in the dupefilter;
    - ``workers``: the crawl runs still ``running`` (host, pid, start, whether the process is
      alive: a process on another host is reported ``null``, unknown);
    - ``leases``: URLs scheduled and not yet answered (latest ledger row ``unfinished`` or
      ``interrupted``, not stored), split by whether their run is still running (``held``) or
      not (``lost``: the next reconcile fetches them);
    - ``sources``: per source, pages stored and the URLs in each latest ledger state."""
    report: dict[str, Any] = {"frontier": frontier.depths()}
    with RawStore(raw_store, readonly=True) as raw:
        db = raw.db
        workers = []
        for run, started, owner_text in db.execute(
            "SELECT id, started_at, owner FROM crawl_run WHERE status = 'running' ORDER BY id"
        ).fetchall():
            owner = json.loads(owner_text or "{}")
            local = owner.get("host") in (None, socket.gethostname())
            workers.append({"run": run, "host": owner.get("host"), "pid": owner.get("pid"),
                            "started_at": started,
                            "alive": process_alive(owner) if local else None})
        report["workers"] = workers
        latest = (" FROM ledger l JOIN (SELECT url, max(crawl_run_id) AS run FROM ledger"
                  " GROUP BY url) last ON last.url = l.url AND last.run = l.crawl_run_id")
        held = lost = 0
        for status, n in db.execute(
            "SELECT r.status, count(*)" + latest + " JOIN crawl_run r ON r.id = l.crawl_run_id"
            " WHERE l.outcome IN (?, ?)"
            " AND NOT EXISTS (SELECT 1 FROM page p WHERE p.url = l.url) GROUP BY r.status",
            (Outcome.UNFINISHED.value, Outcome.INTERRUPTED.value),
        ).fetchall():
            if status == "running":
                held += int(n)
            else:
                lost += int(n)
        report["leases"] = {"held": held, "lost": lost}
        sources: dict[str, dict[str, int]] = {}
        for source, n in db.execute(
            "SELECT source, count(*) FROM page GROUP BY source"
        ).fetchall():
            sources.setdefault(source or "", {})["pages"] = int(n)
        for source, state, n in db.execute(
            "SELECT l.source, l.state, count(*)" + latest + " GROUP BY l.source, l.state"
        ).fetchall():
            sources.setdefault(source or "", {})[str(state)] = int(n)
        report["sources"] = dict(sorted(sources.items()))
    return report
