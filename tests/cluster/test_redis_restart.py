"""Redis restarted mid-run, keeping nothing (issue 16): a PRIVATE ``redis-server`` (no RDB, no
AOF, started and killed here; the shared one at 6379 is never touched) is killed while workers
use it and started again empty a few seconds later.

- crawl: two ``pantau worker crawl`` over a slow local site each say the outage in one line,
  wait, say Redis came back empty, and finish; ``pantau cluster reconcile`` then fetches what
  the lost frontier held: every article stored exactly once.
- processing: a waiting ``pantau worker process`` says it in one line (no traceback, none of
  Dramatiq's own lines), and when Redis is back that it came back empty; ``pantau cluster
  enqueue`` queues again only what the KB still owes, the same worker runs it, and the KB is
  the one a one-process ``pantau process`` builds.

Wall time: 55-70 s on the shared 2-core machine (load 6).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from crawler.distributed import Frontier
from kb.raw import RawStore
from tests.cluster.processing import fill_raw, fingerprint, schemas
from tests.cluster.test_kill import stored
from tests.cluster.test_process import common, env, one_process, pantau
from tests.cluster.test_process_kill import outcomes
from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml

REDIS_SERVER = "/usr/bin/redis-server"
DOWN_S = 2.0  # how long Redis stays away: a restart
DEADLINE_S = 120.0
ARTICLES = 80
DELAY_S = 0.1  # per article; 2 in flight for the cluster → ~20 articles/s
PAGES = 120

pytestmark = pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="no redis-server")
pytest.importorskip("scrapy_redis")
pytest.importorskip("dramatiq")


class PrivateRedis:
    """A redis-server of this test only, on a free port, keeping nothing on disk."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def restart_when(server: PrivateRedis, reached: Callable[[], bool], procs: list[subprocess.Popen[bytes]]) -> None:
    """Kill ``server`` once ``reached()`` is true, start it again empty after DOWN_S."""
    deadline = time.monotonic() + DEADLINE_S
    while not reached():
        assert any(p.poll() is None for p in procs), "the workers ended before the restart"
        assert time.monotonic() < deadline, "too slow"
        time.sleep(0.05)
    server.kill()
    time.sleep(DOWN_S)
    server.start()


def said(log: str) -> list[str]:
    """The worker's lines about Redis (one when lost, one when back)."""
    return [line for line in log.splitlines() if "Redis at" in line]


def test_crawl_workers_wait_then_reconcile_completes(
    tmp_path: Path, raw_db: str, private_redis: PrivateRedis
) -> None:
    front = Frontier(private_redis.url, "pantau-restart")
    with FixtureSite(delay=DELAY_S, delay_prefix="/2025/") as site:
        outlet = big_outlet(site, ARTICLES)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        args = ["--raw-db", raw_db, "--redis", front.redis_url, "--prefix", front.prefix,
                "--sources", str(sources), "--home", str(tmp_path), "--fast",
                "--host-concurrency", "2"]
        procs = [subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "worker", "crawl", *args, "--workers", "2"],
            stdout=(tmp_path / f"crawl-{i}.json").open("wb"),
            stderr=(tmp_path / f"crawl-{i}.log").open("wb"), env=env()) for i in range(2)]
        try:
            restart_when(private_redis, lambda: stored(raw_db) >= ARTICLES // 5, procs)
            codes = [p.wait(DEADLINE_S) for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
        logs = [(tmp_path / f"crawl-{i}.log").read_text() for i in range(2)]
        assert codes == [0, 0], logs[0][-3000:]
        for log in logs:
            assert "Traceback" not in log, log[-3000:]
            lost, back = said(log)  # exactly two lines: lost, then back (restarted empty)
            assert "connection lost" in lost and "pantau cluster reconcile" in lost
            assert "back after" in back and "restarted empty" in back
        stats = [json.loads((tmp_path / f"crawl-{i}.json").read_text()) for i in range(2)]
        assert all(s["pantau/cluster/frontier_lost"] for s in stats)
        before = stored(raw_db)
        done = subprocess.run(
            [sys.executable, "-m", "pantau.cli", "cluster", "reconcile", *args, "--workers", "1"],
            capture_output=True, text=True, timeout=DEADLINE_S, env=env(), check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        report = json.loads(done.stdout)
    with RawStore(raw_db, readonly=True) as raw:
        urls = {p.url for p in raw.pages()}
        news = raw.db.execute(
            "SELECT count(*), count(DISTINCT url) FROM ledger WHERE outcome = 'new'").fetchone()
        left = len(raw.retry_candidates())
    print({"stored before reconcile": before, "reconcile lost": report["lost"],
           "stored after": len(urls), "expected": ARTICLES})
    assert report["lost"] > 0  # the restart lost queued URLs: the ledger had them
    assert urls == outlet.expected
    assert tuple(news) == (ARTICLES, ARTICLES)  # each stored exactly once
    assert left == 0


def test_processing_worker_waits_then_enqueue_completes(
    tmp_path: Path, raw_db: str, private_redis: PrivateRedis
) -> None:
    import signal

    fill_raw(raw_db, PAGES)
    front = Frontier(private_redis.url, "pantau-restart")
    with schemas(2) as (single, shared):
        args = common(raw_db, shared, front, tmp_path)
        sent = pantau("cluster", "enqueue", *args)
        assert json.loads(sent.stdout)["enqueued"] == PAGES, sent.output
        log_path = tmp_path / "process.log"
        worker = subprocess.Popen(  # no --drain: it waits for tasks, through the restart too
            [sys.executable, "-m", "pantau.cli", "worker", "process", *args],
            stdout=(tmp_path / "process.json").open("wb"), stderr=log_path.open("wb"), env=env())
        try:
            restart_when(private_redis, lambda: outcomes(shared) >= PAGES // 10, [worker])
            deadline = time.monotonic() + DEADLINE_S
            while "back after" not in log_path.read_text():
                assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            before = outcomes(shared)
            owed = json.loads(pantau("cluster", "enqueue", *args).stdout)["enqueued"]
            after = outcomes(shared)  # the worker may finish a page it held meanwhile
            while outcomes(shared) < PAGES:
                assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(DEADLINE_S) == 0, log_path.read_text()[-3000:]
        finally:
            if worker.poll() is None:
                worker.kill()
        log = log_path.read_text()
        assert "Traceback" not in log and "connection error" not in log, log[-3000:]
        lost, back = said(log)
        assert "connection lost" in lost and "pantau cluster enqueue" in lost
        assert "restarted empty" in back
        report = json.loads((tmp_path / "process.json").read_text())
        assert (report["redis_outages"], report["queue_lost"]) == (1, True)
        print({"outcomes at the second enqueue": before, "queued again": owed})
        assert 0 < PAGES - after <= owed <= PAGES - before  # only what the KB still owes
        assert pantau("cluster", "resolve", *args).exit_code == 0
        one_process(raw_db, single, tmp_path)
        got = fingerprint(shared)
        assert got["processed_page"][0] == PAGES
        assert got == fingerprint(single)


def test_crawl_worker_gives_up_when_redis_stays_away(
    tmp_path: Path, raw_db: str, private_redis: PrivateRedis
) -> None:
    """Past PANTAU_REDIS_OUTAGE_S the worker stops: its stats (finish_reason ``redis_lost``) on
    stdout, one line and exit 2; what it had not fetched is owed in the ledger."""
    front = Frontier(private_redis.url, "pantau-away")
    with FixtureSite(delay=DELAY_S, delay_prefix="/2025/") as site:
        outlet = big_outlet(site, 40)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        worker = subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "worker", "crawl", "--raw-db", raw_db,
             "--redis", front.redis_url, "--prefix", front.prefix, "--sources", str(sources),
             "--home", str(tmp_path), "--fast", "--host-concurrency", "1",
             "--set", "PANTAU_REDIS_OUTAGE_S=1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
        deadline = time.monotonic() + DEADLINE_S
        while stored(raw_db) < 5:
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        private_redis.kill()  # and it stays away
        out, err = worker.communicate(timeout=DEADLINE_S)
    text = err.decode()
    assert worker.returncode == 2, text[-3000:]
    assert "Traceback" not in text
    lost, stopping, error = said(text)
    assert "connection lost" in lost and "still unreachable after 1 s; stopping" in stopping
    assert error.startswith("Error: Redis at redis://127.0.0.1:") and error == text.strip(
        ).splitlines()[-1] and "`pantau cluster reconcile` once Redis is back" in error
    assert json.loads(out)["finish_reason"] == "redis_lost"
    with RawStore(raw_db, readonly=True) as raw:
        owed = {c.url for c in raw.retry_candidates()} | {p.url for p in raw.pages()}
    assert outlet.expected <= owed  # nothing lost: stored, or owed to the next reconcile
