"""``pantau cluster enqueue`` sends no second task for a page whose task is still owed (issue
16: run from cron while the workers are busy, it used to send one per waiting page each time).
The queued set (:func:`pantau.tasks.queued_key`) holds the owed pages: added at send, removed
when the task finishes or is dead-lettered; a Redis restart empties it with the queue, and
enqueue then sends what the KB still owes. Also: a task counts its page into its extraction
run once, however often it is delivered (:meth:`pantau.pipeline.Processor.process_page`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from kb.raw import RawStore
from kb.store import KB
from tests.cluster.processing import fill_raw, schemas
from tests.cluster.test_process import common, pantau, start_worker

pytest.importorskip("dramatiq")
PAGES = 30
DEADLINE_S = 300


def enqueue(args: list[str], *extra: str) -> dict[str, Any]:
    result = pantau("cluster", "enqueue", *args, *extra)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def run_counts(kb: str) -> list[tuple[int, ...]]:
    engine = sqlalchemy.create_engine(kb)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sqlalchemy.text(
                "SELECT pages, articles_new, articles_updated, unchanged, rejected, errors"
                " FROM extraction_run ORDER BY id"))]
    finally:
        engine.dispose()


def test_enqueue_sends_no_task_twice(raw_db: str, frontier: Any, tmp_path: Path) -> None:
    from pantau.tasks import make_broker, pending, queued_key, runs_key

    fill_raw(raw_db, PAGES)
    client = frontier.client()
    key = queued_key(frontier.prefix)
    with schemas(1) as (kb,):
        args = common(raw_db, kb, frontier, tmp_path)
        first = enqueue(args)
        assert (first["enqueued"], first["current"], first["queued"]) == (PAGES, 0, 0)
        assert client.scard(key) == PAGES
        # nothing processed yet: the second enqueue finds every page owed, and sends nothing
        second = enqueue(args)
        assert (second["enqueued"], second["queued"], second["pending"]) == (0, PAGES, PAGES)
        assert second["extraction_run"] is None  # no task: no run opened
        # --reprocess sends every page, current or not, but none whose task is queued
        assert enqueue(args, "--reprocess")["enqueued"] == 0

        # a page in the set whose task no message holds (an enqueue died between adding it
        # and sending): dropped, and its task sent
        broker = make_broker(frontier.redis_url, frontier.prefix)
        try:
            client.delete(f"{broker.namespace}:pages", f"{broker.namespace}:pages.msgs")
            assert pending(broker) == 0 and client.scard(key) == PAGES
        finally:
            broker.close()
        healed = enqueue(args)
        assert (healed["stale"], healed["enqueued"]) == (PAGES, PAGES)

        # a drained queue: the workers took every page out of the set; nothing owed
        worker = start_worker(args, tmp_path, 0)
        assert worker.wait(DEADLINE_S) == 0, (tmp_path / "process-0.log").read_text()
        assert client.scard(key) == 0
        drained = enqueue(args)
        assert (drained["enqueued"], drained["current"], drained["queued"]) == (0, PAGES, 0)
        # the per-run figures of status live while their run is open; resolve closes the runs,
        # and the next enqueue that opens one forgets the closed ones
        runs = client.hkeys(runs_key(frontier.prefix))
        assert len(runs) == 2  # the first enqueue's run and the healing one's
        assert pantau("cluster", "resolve", *args).exit_code == 0

        # a Redis restart (every key of the cluster gone): enqueue sends what the KB owes
        engine = sqlalchemy.create_engine(kb)
        with engine.begin() as conn:
            owed = conn.execute(sqlalchemy.text(
                "DELETE FROM processed_page WHERE url IN (SELECT url FROM processed_page"
                " WHERE outcome <> 'article' ORDER BY url LIMIT 3) RETURNING url")).all()
        engine.dispose()
        assert len(owed) == 3
        client.delete(*client.scan_iter(f"{frontier.prefix}:*"))
        restarted = enqueue(args)
        assert (restarted["enqueued"], restarted["current"]) == (3, PAGES - 3)
        assert client.hkeys(runs_key(frontier.prefix)) == [str(restarted["extraction_run"]).encode()]
        assert client.scard(key) == 3
        assert enqueue(args)["enqueued"] == 0


def test_a_dead_lettered_task_is_owed_again(frontier: Any) -> None:
    """A task whose retries are spent is nacked (dead-lettered): its page leaves the set, so
    the next enqueue sends it again if the KB still owes it."""
    from dramatiq import Message

    from pantau.tasks import make_broker, member, queued_key

    client, key = frontier.client(), queued_key(frontier.prefix)
    broker = make_broker(frontier.redis_url, frontier.prefix)
    try:
        client.sadd(key, member(7, "ab"), member(8, "cd"))
        message: Message[Any] = Message(queue_name="pages", actor_name="process_page",
                                        args=(7, "ab", 1), kwargs={}, options={})
        broker.emit_after("nack", message)
        assert {m.decode() for m in client.smembers(key)} == {member(8, "cd")}
    finally:
        broker.close()


def test_a_page_counts_once_in_its_run(raw_db: str, tmp_path: Path) -> None:
    """Delivered twice (its worker killed after the commit, before the acknowledgement), a
    task finds its page current and adds nothing to the run; each outcome counts where
    ``pantau process`` counts it."""
    from pantau.pipeline import Processor, pipeline_version
    from pantau.tasks import page_by_id

    fill_raw(raw_db, 25)  # page 10 and 20 off topic, page 25 a listing (rejected)
    with schemas(1) as (url,), RawStore(raw_db) as raw:
        kb = KB(url)
        try:
            run = kb.start_extraction_run(pipeline_version()).id
            assert run is not None
            processor = Processor(raw, kb, workers=0)
            ids = [r[0] for r in raw.db.execute("SELECT id FROM page ORDER BY id").fetchall()]
            kinds = []
            for page_id in ids:
                got = page_by_id(raw, page_id)
                assert got is not None
                kinds.append(processor.process_page(got, run))
            page = page_by_id(raw, ids[-1])
            assert page is not None
            assert processor.process_page(page, run) == "current"  # delivered again
            # the outer look passed, the page committed meanwhile by another worker: the look
            # under the lock finds it current
            processor.kb.current_pages = lambda *a, **k: set()  # type: ignore[method-assign]
            assert processor.process_page(page, run) == "current"
            assert kinds.count("new") == 22 and kinds.count("off_topic") == 2
            assert kinds.count("rejected") == 1
            assert run_counts(url) == [(25, 22, 0, 0, 3, 0)]
        finally:
            kb.close()


def test_two_deliveries_at_once_count_once(raw_db: str) -> None:
    """The same task on two workers at the same moment (a heartbeat late on a loaded machine):
    both find the page owed and extract it; the per-page lock lets one store and count it, and
    the other then finds it current. The page was processed before by another extractor
    version, so both would otherwise update the same rows and count ``updated`` twice."""
    import threading

    from pantau.pipeline import Processor, pipeline_version
    from pantau.tasks import page_by_id

    fill_raw(raw_db, 1)
    with schemas(1) as (url,), RawStore(raw_db) as raw:
        kbs = [KB(url), KB(url)]
        try:
            old = Processor(raw, kbs[0], workers=0)
            old.report.version = "older"
            page = page_by_id(raw, 1)
            assert page is not None
            assert old.process_page(page) == "new"
            run = kbs[0].start_extraction_run(pipeline_version()).id
            assert run is not None
            start = threading.Barrier(2)
            kinds: list[str] = []

            def deliver(kb: KB) -> None:
                processor = Processor(RawStore(raw_db), kb, workers=0)
                start.wait()
                kinds.append(processor.process_page(page, run))
                processor.raw.close()

            threads = [threading.Thread(target=deliver, args=(kb,)) for kb in kbs]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(kinds) == ["current", "updated"]
            assert run_counts(url)[-1] == (1, 0, 1, 0, 0, 0)
        finally:
            for kb in kbs:
                kb.close()
