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
import json
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


def queued_key(prefix: str) -> str:
    """The Redis set of the pages whose task is owed ("PAGE_ID:BODY_SHA256"): added by
    ``enqueue`` before it sends the task, removed when the task finishes (done, or dead-lettered
    after its retries). A killed worker's task goes back to the queue and stays in the set; a
    Redis restart empties the set with the queue."""
    return f"{namespace(prefix)}:queued"


def runs_key(prefix: str) -> str:
    """The Redis hash extraction run id -> JSON {"enqueued", "current"}: what each ``enqueue``
    sent and found current, for ``pantau cluster status``'s progress."""
    return f"{namespace(prefix)}:runs"


def member(page_id: int, body_sha256: str) -> str:
    return f"{page_id}:{body_sha256}"


def make_broker(redis_url: str, prefix: str) -> Any:
    """A Dramatiq Redis broker with the tuned heartbeat and maintenance, the page actor, and
    the middleware that takes a dead-lettered task's page out of the queued set."""
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url, namespace=namespace(prefix),  # type: ignore[no-untyped-call]
                         heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
                         maintenance_chance=MAINTENANCE_CHANCE)
    broker.add_middleware(_DeadLettered(queued_key(prefix)))
    page_actor(broker)
    return broker


def _DeadLettered(key: str) -> Any:  # noqa: N802  (a class made on demand: dramatiq is optional)
    """Middleware: a task that failed for good (nacked: its retries spent) is no longer owed a
    place in the queued set, so the next ``enqueue`` sends it again if the KB still owes it."""
    from dramatiq import Middleware

    class DeadLettered(Middleware):
        def after_nack(self, broker: Any, message: Any) -> None:
            if message.actor_name == "process_page" and len(message.args) >= 2:
                _forget(broker.client, key, member(message.args[0], message.args[1]))

    return DeadLettered()


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
    redis: Any = None  # the broker's client: the queued set
    queued: str = ""  # its key


_context: _Context | None = None


def _run_task(page_id: int, body_sha256: str, run_id: int | None = None) -> None:
    """Process page ``page_id`` if its body is still ``body_sha256``, counting it in extraction
    run ``run_id`` (tasks sent before runs were counted carry none); then the page is no longer
    owed a place in the queued set (an exception leaves it there: the task is retried)."""
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
    if page is not None and page.body_sha256 == body_sha256:  # else deleted, or refetched
        # since: the new body has (or gets) a task of its own. A dropped KB connection: the
        # pool opens a new one when Dramatiq runs the task again.
        context.processor.process_page(page, run_id)
    if context.redis is not None:
        _forget(context.redis, context.queued, member(page_id, body_sha256))


def _forget(client: Any, key: str, owed: str) -> None:
    """Take a finished task's page out of the queued set: before its acknowledgement (killed in
    between, the task runs again, finds the page current and removes it then). Redis away: left
    in (a restart empties the set; else the next enqueue finds no message holds it and drops
    it, :func:`forget_stale`) — the task is done, not to be failed for that."""
    from crawler.distributed import redis_down

    with contextlib.suppress(*redis_down()):
        client.srem(key, owed)


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
    _context = _Context(raw, processor, broker.client, queued_key(prefix))
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


def forget_stale(broker: Any, prefix: str) -> int:
    """Take out of the queued set the pages no task message holds (queued, delayed for a retry
    or held by a worker, alive or dead: Dramatiq keeps a message in the queue's hashes until it
    is acknowledged): left by an ``enqueue`` that died between adding a page and sending its
    task, or a worker that died between acknowledging and removing. Return how many."""
    from dramatiq import Message

    client, key = broker.client, queued_key(prefix)
    if not client.scard(key):
        return 0
    members = {m.decode() if isinstance(m, bytes) else str(m) for m in client.smembers(key)}
    live: set[str] = set()
    for table in (f"{broker.namespace}:{QUEUE}.msgs", f"{broker.namespace}:{QUEUE}.DQ.msgs"):
        for _id, data in client.hscan_iter(table, count=1_000):
            with contextlib.suppress(Exception):  # not a page task: not ours to judge
                args = Message.decode(data).args
                live.add(member(int(args[0]), str(args[1])))
    stale = members - live
    if stale:
        client.srem(key, *stale)
    return len(stale)


def enqueue(broker: Any, raw: RawStore, kb: KB, *, outlets: list[dict[str, Any]] | None = None,
            reprocess: bool = False, prefix: str | None = None) -> dict[str, Any]:
    """Send a task for each raw page the KB has not processed from its body with the current
    extractor version and that has no task owed yet (the queued set, :func:`queued_key`);
    open an extraction run (the batch ``resolve`` closes), which the tasks carry and count
    into; it starts with the pages found current (``pages`` and ``unchanged``). Outlets and
    crawl runs go to the KB here, once, not from each worker. ``reprocess``: a task for every
    page, current or not, that has none owed.

    Run again while tasks wait (from cron), it sends none for them: a page is added to the
    queued set before its task is sent (an atomic SADD per page, so two enqueues at once send
    one task), and taken out when the task finishes or is dead-lettered; members no task
    message holds any more are dropped first (:func:`forget_stale`). A Redis restart empties
    the queue and the set together, so enqueue then sends what the KB still owes.

    Each database step is run again when its connection drops
    (:func:`pantau.config.retry_dropped`; the raw store's is opened again): the writes are
    upserts, and a chunk's tasks are sent only after its lookup succeeded, so none twice."""
    from pantau.config import retry_dropped
    from pantau.pipeline import pipeline_version

    store = [raw]  # the raw store, opened again when its connection drops

    def reopen() -> None:
        store[0] = reopened(store[0])

    prefix = prefix if prefix is not None else broker.namespace.removesuffix(":tasks")
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
    client, key = broker.client, queued_key(prefix)
    stale = forget_stale(broker, prefix)
    pages = sent = current_count = queued = 0
    run_id: int | None = None
    for chunk in _chunks(rows):
        pages += len(chunk)
        current = set() if reprocess else retry_dropped(
            partial(kb.current_pages, [(u, s) for _, u, s in chunk], version),
            "enqueue: processed pages")
        current_count += sum(1 for _, u, _ in chunk if u in current)
        todo = [(i, s) for i, u, s in chunk if u not in current]
        if not todo:
            continue
        with client.pipeline(transaction=False) as pipe:
            for page_id, sha in todo:
                pipe.sadd(key, member(page_id, sha))
            added = pipe.execute()
        fresh = [task for task, new in zip(todo, added, strict=True) if new]
        queued += len(todo) - len(fresh)
        if fresh and run_id is None:
            run_id = retry_dropped(lambda: kb.start_extraction_run(version).id,
                                   "enqueue: extraction run")
        for page_id, sha in fresh:
            actor.send(page_id, sha, run_id)
        sent += len(fresh)
    if run_id is not None:
        retry_dropped(partial(kb.count_extraction_run, run_id,
                              {"pages": current_count, "unchanged": current_count}),
                      "enqueue: extraction run counts")
        client.hset(runs_key(prefix), str(run_id),
                    json.dumps({"enqueued": sent, "current": current_count}))
        forget_closed_runs(client, prefix, retry_dropped(
            lambda: open_run_ids(kb), "enqueue: open extraction runs"))
    return {"version": version, "pages": pages, "current": current_count, "queued": queued,
            "stale": stale, "enqueued": sent, "extraction_run": run_id,
            "pending": pending(broker)}


def open_run_ids(kb: KB) -> set[int]:
    """The ids of the extraction runs not closed yet (by ``pantau cluster resolve``)."""
    from sqlmodel import Session, select

    from kb.models import ExtractionRun

    with Session(kb.engine) as s:
        return {run_id for run_id in s.exec(select(ExtractionRun.id).where(
            ExtractionRun.finished_at.is_(None))).all() if run_id is not None}  # type: ignore[union-attr]


def forget_closed_runs(client: Any, prefix: str, open_ids: set[int]) -> None:
    """Drop the per-run enqueue figures (:func:`runs_key`) of runs resolve has closed: they
    only serve ``status``'s progress of open runs, and would otherwise grow one entry per
    enqueue forever."""
    closed = [k for k in client.hkeys(runs_key(prefix)) if int(k) not in open_ids]
    if closed:
        client.hdel(runs_key(prefix), *closed)


def progress(broker: Any, kb: KB, prefix: str) -> dict[str, Any]:
    """The processing side of ``pantau cluster status``: tasks owed (the queued set) and
    pending (Dramatiq's count), and each open extraction run's counters with the pages done of
    those its enqueue sent."""
    from sqlmodel import Session, select

    from kb.models import ExtractionRun

    with Session(kb.engine) as s:
        runs = list(s.exec(select(ExtractionRun).where(
            ExtractionRun.finished_at.is_(None))).all())  # type: ignore[union-attr]
    forget_closed_runs(broker.client, prefix, {run.id for run in runs if run.id is not None})
    sent = broker.client.hgetall(runs_key(prefix))
    sent = {int(k): json.loads(v) for k, v in sent.items()}
    open_runs = []
    for run in runs:
        row: dict[str, Any] = {"id": run.id, "started_at": run.started_at, "pages": run.pages,
                               "articles_new": run.articles_new,
                               "articles_updated": run.articles_updated,
                               "unchanged": run.unchanged, "rejected": run.rejected,
                               "errors": run.errors}
        if run.id in sent:
            row["enqueued"] = sent[run.id]["enqueued"]
            row["done"] = run.pages - sent[run.id]["current"]
        open_runs.append(row)
    return {"queued": int(broker.client.scard(queued_key(prefix))),
            "pending": pending(broker), "open_extraction_runs": open_runs}


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
