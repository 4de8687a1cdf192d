"""Processing on several machines (issue 16): "process page X" tasks on a Dramatiq queue in Redis.

``pantau cluster enqueue`` sends one task per raw page whose body the KB has not processed with
the current extractor version (the task names the page by id and body hash); ``pantau worker
process`` runs the tasks: each cleans and extracts its page with :func:`pantau.pipeline.process_one`
and upserts the article into the KB (:meth:`pantau.pipeline.Processor.process_page`: keyed by
canonical URL + body hash and extractor version). Delivery is at least once — a task whose worker
dies before acknowledging it is delivered again, a task sent twice runs twice — and the effect is
once: a page already processed from that body is skipped, and a page stored by a worker killed
before its acknowledgement is found current. ``pantau cluster resolve`` then re-derives persons
and stories once, under a PostgreSQL advisory lock, over the window the new articles can change
(:func:`kb.stories.batch_scope`: the articles processed since the oldest unfinished extraction
run, which ``enqueue`` opens and ``resolve`` closes).

Why Dramatiq: it is a kept library whose Redis broker acknowledges a message only after the
actor returns and gives a dead worker's unacknowledged messages back (heartbeats), with retries
and backoff built in, no result backend or beat process to run; Celery's Redis transport
redelivers only after a visibility timeout (one hour by default) and needs far more setup, RQ
has no redelivery of a killed worker's job (it is marked failed by its registry cleaner), and
procrastinate would put the queue in PostgreSQL beside the KB (one more write load on the
database every worker already writes to).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from kb.raw import RawPage, RawStore
from kb.store import DATABASE_FAILURES, KB, LOOKUP_CHUNK

QUEUE = "pages"
# A worker is dead when it has sent no command to Redis for this long; its unacknowledged tasks
# then go back to the queue. Dramatiq's default (60 s), with its default maintenance chance,
# left a killed worker's tasks stuck for minutes (issue 16). A page cleans and extracts in well
# under a second and an idle worker polls every WORKER_TIMEOUT_MS, so a live worker is silent
# for far less than 5 s; a slower page is at worst run twice (harmless: see the module doc).
HEARTBEAT_TIMEOUT_MS = 5_000
# Of dramatiq's MAINTENANCE_SCALE (1,000,000) commands, how many also look for dead workers: 10 %
# (default 0.1 %, i.e. once in 1,000 commands, minutes on an idle queue). The check is a sorted-
# set range query, cheap beside a page's processing.
MAINTENANCE_CHANCE = 100_000
WORKER_TIMEOUT_MS = 500  # an idle worker polls Redis (and so beats its heart) at least this often
WORKER_THREADS = 1  # cleaning and extraction are CPU-bound: one worker process per core
MAX_RETRIES = 5  # a database failure or a concurrent insert: tried again, then dead-lettered
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 10_000
TIME_LIMIT_MS = 120_000  # twice pantau process's PAGE_TIMEOUT_S: a page this slow hangs
DRAIN_CHECKS = 3  # --drain: the queue empty (nothing queued, delayed or unacknowledged) this
DRAIN_INTERVAL_S = 0.5  # many times in a row, this far apart, stops the worker
RESOLVE_LOCK = 0x70616E7472  # "pantr": the advisory lock key of pantau cluster resolve
RESOLVE_POLL_S = 1.0


def namespace(prefix: str) -> str:
    """The Redis key namespace of the task queue of the cluster under ``prefix``."""
    return f"{prefix}:tasks"


def make_broker(redis_url: str, prefix: str) -> Any:
    """A Dramatiq Redis broker with the tuned heartbeat and maintenance, and the page actor."""
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url, namespace=namespace(prefix),  # type: ignore[no-untyped-call]
                         heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
                         maintenance_chance=MAINTENANCE_CHANCE)
    page_actor(broker)
    return broker


def page_actor(broker: Any) -> Any:
    """The "process page X" actor on ``broker`` (declared once per broker)."""
    import dramatiq

    if "process_page" in broker.actors:
        return broker.get_actor("process_page")
    return dramatiq.Actor(
        _run_task, broker=broker, actor_name="process_page", queue_name=QUEUE, priority=0,
        options={"max_retries": MAX_RETRIES, "min_backoff": MIN_BACKOFF_MS,
                 "max_backoff": MAX_BACKOFF_MS, "time_limit": TIME_LIMIT_MS},
    )


def pending(broker: Any) -> int:
    """Tasks not yet acknowledged: queued, delayed for a retry, or held by a worker (alive or
    dead: a dead worker's come back once its heartbeat is late)."""
    return int(broker.do_qsize(QUEUE))


# -- the worker's side --------------------------------------------------------------------------
@dataclass
class _Context:
    raw: RawStore
    processor: Any  # pantau.pipeline.Processor


_context: _Context | None = None


def _run_task(page_id: int, body_sha256: str) -> None:
    from pantau.config import connection_dropped

    context = _context
    if context is None:
        raise RuntimeError("no processing context: run tasks with pantau worker process")
    try:
        page = page_by_id(context.raw, page_id)
    except Exception as exc:
        if connection_dropped(exc):  # the raw store's own connection: open a new one, and
            context.raw = context.processor.raw = reopened(context.raw)  # Dramatiq retries
        raise
    if page is None or page.body_sha256 != body_sha256:
        return  # deleted, or refetched since: the new body has (or gets) a task of its own
    context.processor.process_page(page)  # a dropped KB connection: the pool opens a new one


def reopened(raw: RawStore) -> RawStore:
    """A new connection to the raw store ``raw`` is on (its own one dropped); a server still
    away leaves ``raw`` as it is (the next try opens it)."""
    from pantau.config import connection_dropped

    try:
        fresh = RawStore(raw.url if raw.url is not None else raw.path)
    except Exception as exc:
        if connection_dropped(exc):
            return raw
        raise
    with contextlib.suppress(Exception):
        raw.close()
    return fresh


def page_by_id(raw: RawStore, page_id: int) -> RawPage | None:
    """The stored page ``page_id``, body decompressed (None when it is gone)."""
    import json
    import zlib

    r = raw.db.execute(
        "SELECT id, url, final_url, source, status, headers, fetched_at, body, body_sha256,"
        " on_topic, topic_hits, parts FROM page WHERE id = ?", (page_id,)
    ).fetchone()
    if r is None:
        return None
    return RawPage(id=r[0], url=r[1], final_url=r[2], source=r[3], status=r[4],
                   headers=json.loads(r[5] or "{}"), fetched_at=r[6],
                   body=zlib.decompress(bytes(r[7])), body_sha256=r[8], on_topic=bool(r[9]),
                   topic_hits=json.loads(r[10]), parts=json.loads(r[11] or "[]"))


class _WorkerLog(logging.Filter):
    """Dramatiq's records of a worker, made one line each: its own records of a lost Redis (a
    CRITICAL line each time a consumer restarts, a multi-line warning per unacknowledged task)
    are dropped — the worker says it once (:class:`crawler.distributed.RedisWatch`); a task
    that failed on a dropped database connection is a warning without its traceback (Dramatiq
    runs the task again)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from pantau.config import _first_line, connection_dropped

        message = record.getMessage()
        if "connection error" in message:
            return False
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and connection_dropped(exc):
            task = message.removeprefix("Failed to process message ").split(" with unhandled")[0]
            record.msg = "%s: database connection dropped (%s); the task runs again"
            record.args = (task, _first_line(exc))
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _dramatiq_loggers() -> list[logging.Logger]:
    return [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
            if name.startswith("dramatiq")]


def epoch_key(prefix: str) -> str:
    """The task queue's epoch token (gone after a Redis restart that kept nothing)."""
    return f"{namespace(prefix)}:epoch"


def run_worker(broker: Any, raw: RawStore, kb: KB, *, zones: dict[str, str] | None = None,
               drain: bool = False, redis_url: str = "", prefix: str = "pantau",
               outage_s: float | None = None) -> dict[str, Any]:
    """Run tasks in this process until SIGTERM/SIGINT, or with ``drain`` until the queue is
    empty; return the report (pages, new, updated, unchanged, rejected, …).

    A lost Redis (``redis_url``, the broker's) is waited for: said once, tried again at paced
    intervals (Dramatiq's consumers reconnect by themselves), and when it is back the report
    counts ``redis_outages`` and says ``queue_lost`` if it restarted empty (``pantau cluster
    enqueue`` then queues again what the KB still owes). After ``outage_s`` (default
    :data:`crawler.distributed.REDIS_OUTAGE_S`) the worker stops with ``redis_lost`` in the
    report."""
    global _context
    from dramatiq import Worker
    from sqlalchemy.exc import IntegrityError

    from crawler.distributed import REDIS_LOST, REDIS_OUTAGE_S, Frontier, RedisWatch, redis_down
    from extract.nlp import build_pipeline
    from pantau.pipeline import Processor

    watch = RedisWatch(broker.client, Frontier(redis_url or "redis", prefix).shown,
                       epoch_key(prefix), lost="the queued tasks are",
                       remedy="run `pantau cluster enqueue` again",
                       outage_s=REDIS_OUTAGE_S if outage_s is None else outage_s)
    watch.claim()

    stop: list[int] = []  # SIGTERM/SIGINT: stop after the page in hand, even while starting
    previous = {sig: signal.signal(sig, lambda signum, _frame: stop.append(signum))
                for sig in (signal.SIGTERM, signal.SIGINT)}
    build_pipeline()  # the spaCy pipeline loads before the first task, not within it
    processor = Processor(raw, kb, workers=0, zones=zones)
    processor.reraise = (*DATABASE_FAILURES, IntegrityError)
    _context = _Context(raw, processor)
    broker.emit_after("process_boot")
    worker = Worker(broker, queues={QUEUE}, worker_threads=WORKER_THREADS,
                    worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    quiet = _WorkerLog()
    loggers = _dramatiq_loggers()
    for logger in loggers:
        logger.addFilter(quiet)
    gave_up = False
    try:
        empty = 0
        while not stop:
            time.sleep(DRAIN_INTERVAL_S)
            if not watch.back():  # down, and not back at this paced try
                empty = 0
                if watch.expired:
                    watch.give_up()
                    gave_up = True
                    break
                continue
            try:
                left = pending(broker)  # also how an outage is noticed
            except redis_down() as exc:
                watch.lost(exc)
                continue
            if drain:
                empty = empty + 1 if left == 0 else 0
                if empty >= DRAIN_CHECKS:
                    break
    finally:
        worker.stop()
        broker.close()
        _context = None
        for logger in loggers:
            logger.removeFilter(quiet)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    report = processor.report.as_dict()
    if watch.outages:
        report.update(redis_outages=watch.outages, queue_lost=watch.emptied)
    if gave_up:
        report["finish_reason"] = REDIS_LOST
    return report


# -- the enqueuer's side ------------------------------------------------------------------------
def _chunks(rows: list[Any]) -> Iterator[list[tuple[int, str, str]]]:
    for start in range(0, len(rows), LOOKUP_CHUNK):
        yield [(int(i), str(u), str(s)) for i, u, s in rows[start:start + LOOKUP_CHUNK]]


def enqueue(broker: Any, raw: RawStore, kb: KB, *, outlets: list[dict[str, Any]] | None = None,
            reprocess: bool = False) -> dict[str, Any]:
    """Send a task for each raw page the KB has not processed from its body with the current
    extractor version; open an extraction run (the batch ``resolve`` closes). Outlets and crawl
    runs go to the KB here, once, not from each worker.

    Each database step is run again when its connection drops
    (:func:`pantau.config.retry_dropped`; the raw store's is opened again): the writes are
    upserts, and a chunk's tasks are sent only after its lookup succeeded, so none twice."""
    from pantau.config import retry_dropped
    from pantau.pipeline import pipeline_version

    store = [raw]  # the raw store, opened again when its connection drops

    def reopen() -> None:
        store[0] = reopened(store[0])

    version = pipeline_version()
    try:
        if outlets:
            retry_dropped(lambda: kb.upsert_outlets(outlets), "enqueue: outlets")
        retry_dropped(lambda: kb.sync_crawl_runs(store[0].runs()), "enqueue: crawl runs",
                      on_drop=reopen)
        rows = retry_dropped(lambda: store[0].db.execute(
            "SELECT id, url, body_sha256 FROM page ORDER BY id").fetchall(), "enqueue: pages",
            on_drop=reopen)
    finally:
        if store[0] is not raw:
            store[0].close()
    actor = page_actor(broker)
    pages = sent = 0
    run_id: int | None = None
    for chunk in _chunks(rows):
        pages += len(chunk)
        current = set() if reprocess else retry_dropped(
            partial(kb.current_pages, [(u, s) for _, u, s in chunk], version),
            "enqueue: processed pages")
        todo = [(i, s) for i, u, s in chunk if u not in current]
        if todo and run_id is None:
            run_id = retry_dropped(lambda: kb.start_extraction_run(version).id,
                                   "enqueue: extraction run")
        for page_id, sha in todo:
            actor.send(page_id, sha)
        sent += len(todo)
    return {"version": version, "pages": pages, "current": pages - sent, "enqueued": sent,
            "extraction_run": run_id, "pending": pending(broker)}


# -- the singleton job --------------------------------------------------------------------------
class ResolveBusy(Exception):
    """Another ``pantau cluster resolve`` held the lock for the whole wait."""


@contextlib.contextmanager
def advisory_lock(kb: KB, wait_s: float) -> Iterator[None]:
    """Hold the cluster's resolve lock (a PostgreSQL session advisory lock, released when the
    session ends, so a killed holder frees it); nothing on SQLite (one machine: the KB's own
    write lock serialises)."""
    from sqlalchemy import text

    if kb.engine.dialect.name != "postgresql":
        yield
        return
    with kb.engine.connect() as conn:
        deadline = time.monotonic() + wait_s
        take = text("SELECT pg_try_advisory_lock(:k)")
        while not conn.execute(take, {"k": RESOLVE_LOCK}).scalar():
            conn.commit()
            if time.monotonic() >= deadline:
                raise ResolveBusy(f"another pantau cluster resolve still runs after {wait_s:g} s")
            time.sleep(RESOLVE_POLL_S)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RESOLVE_LOCK})
            conn.commit()


def resolve(kb: KB, overrides: Any = None, *, wait_s: float = 600.0) -> dict[str, Any]:
    """Positions, persons and stories once for the cluster (under the advisory lock), over the
    articles of the unfinished extraction runs and what they can change; those runs are then
    closed."""
    from sqlmodel import Session, select

    from kb.models import ExtractionRun

    with advisory_lock(kb, wait_s):
        with Session(kb.engine, expire_on_commit=False) as s:
            runs = list(s.exec(select(ExtractionRun).where(
                ExtractionRun.finished_at.is_(None))).all())  # type: ignore[union-attr]
        ids = [run.id for run in runs]
        report = kb.resolve(overrides)
        for run in runs:
            kb.finish_extraction_run(run)
    return {**report, "extraction_runs": ids}
