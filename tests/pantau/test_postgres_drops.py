"""Issue 16: a dropped PostgreSQL connection is retried outside the daily path too — publishing
from a PostgreSQL KB, the cluster commands (enqueue, resolve, status, reconcile) and a
processing worker's task. The drop is real and lands inside the step: the step's table is
locked from another connection, and the first backend that waits for the lock is terminated
(``pg_terminate_backend``) — only backends this test blocks, never another test's — then the
lock is released, so the retry goes through."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from kb.publish import PublishError
from pantau.config import connection_dropped, open_kb
from tests.conftest import run_pantau
from tests.kb.conftest import POSTGRES
from tests.pantau.test_postgres_raw import pg_schema  # noqa: F401  (the fixture)

OUTLET = {"name": "warta-uji", "title": "Warta Uji", "homepage": "http://warta-uji.test/",
          "region_code": "53.10"}
DEADLINE_S = 120.0
POLL_S = 0.05


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _psycopg_error(sqlstate: str | None) -> Exception:
    import psycopg

    cls = psycopg.errors.lookup(sqlstate) if sqlstate else psycopg.OperationalError
    return cls("server closed the connection unexpectedly")  # type: ignore[no-any-return]


def _wrapped(inner: Exception) -> Exception:
    try:
        try:
            raise inner
        except Exception as exc:
            raise PublishError("copying the KB from the server failed: …") from exc
    except PublishError as outer:
        return outer


@pytest.mark.parametrize(("error", "dropped"), [
    (OperationalError("SELECT …", {}, Exception("terminating connection"),
                      connection_invalidated=True), True),
    (OperationalError("SELECT …", {}, Exception("deadlock"), connection_invalidated=False),
     False),
    (_wrapped(OperationalError("SELECT …", {}, Exception("x"), connection_invalidated=True)),
     True),  # a one-line PublishError raised from a dropped connection
    ("psycopg:57P01", True),  # admin_shutdown: pg_terminate_backend
    ("psycopg:08006", True),  # connection_failure
    ("psycopg:", True),  # the socket closed: no SQLSTATE
    ("psycopg:57014", False),  # query_canceled: a statement timeout, the connection is fine
    (ValueError("bukan koneksi"), False),
])
def test_connection_dropped(error: Any, dropped: bool) -> None:
    if isinstance(error, str):
        pytest.importorskip("psycopg")
        error = _psycopg_error(error.removeprefix("psycopg:") or None)
    assert connection_dropped(error) is dropped


# -- a real drop inside a step ------------------------------------------------------------------
def _schema(url: str) -> str:
    return url.rsplit("%3D", 1)[1]


@contextmanager
def drop_when_blocked(url: str, table: str) -> Iterator[list[int]]:
    """Hold ``table`` (of the schema of ``url``) locked; terminate the first backends that wait
    for it, then release it. Yields the pids terminated."""
    import psycopg

    locker = psycopg.connect(_libpq(POSTGRES))
    admin = psycopg.connect(_libpq(POSTGRES), autocommit=True)
    locker.execute(f"SET search_path TO {_schema(url)}")
    locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    me = locker.info.backend_pid
    killed: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + DEADLINE_S
        while not stop.is_set() and time.monotonic() < deadline:
            waiting = admin.execute("SELECT pid FROM pg_stat_activity"
                                    " WHERE %s = ANY(pg_blocking_pids(pid))", (me,)).fetchall()
            if waiting:
                for (pid,) in waiting:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    killed.append(pid)
                break
            time.sleep(POLL_S)
        locker.rollback()  # the lock goes: the retry runs through

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield killed
    finally:
        stop.set()
        thread.join()
        locker.close()
        admin.close()


def retried(stderr: str, what: str) -> bool:
    return f"{what}: database connection dropped" in stderr and "Traceback" not in stderr


def test_publish_from_postgresql_retries_a_dropped_copy(
    tmp_path: Path, pg_schema: Callable[[str], str]  # noqa: F811
) -> None:
    kb_url = pg_schema("kb")
    kb = open_kb(kb_url)
    kb.upsert_outlets([OUTLET])
    kb.close()
    with drop_when_blocked(kb_url, "outlet") as killed:
        done = run_pantau("publish", "--home", str(tmp_path), "--db", kb_url)
    assert done.returncode == 0, done.stderr[-3000:]
    assert killed and retried(done.stderr, "publish"), done.stderr[-3000:]
    con = sqlite3.connect(json.loads(done.stdout)["path"])
    try:
        assert con.execute("SELECT name FROM outlet").fetchall() == [("warta-uji",)]
    finally:
        con.close()


# -- the cluster commands and a processing worker -------------------------------------------------
PAGES = 6


@pytest.fixture
def cluster(tmp_path: Path, pg_schema: Callable[[str], str]  # noqa: F811
            ) -> Iterator[dict[str, Any]]:
    """A raw store with a few pages and a KB (PostgreSQL schemas of their own), a Redis key
    prefix of its own (keys removed afterwards), and the options every command takes."""
    pytest.importorskip("dramatiq")
    redis = pytest.importorskip("redis")
    from crawler.distributed import Frontier
    from tests.cluster.processing import fill_raw, sources

    front = Frontier("redis://127.0.0.1:6379/0", f"pantau-drops-{uuid.uuid4().hex[:12]}")
    try:
        front.client().ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at 127.0.0.1:6379: {exc}")
    raw_url, kb_url = pg_schema("raw"), pg_schema("kb")
    fill_raw(raw_url, PAGES)
    open_kb(kb_url).close()
    args = ["--raw-db", raw_url, "--db", kb_url, "--redis", front.redis_url,
            "--prefix", front.prefix, "--sources", str(sources(tmp_path)),
            "--home", str(tmp_path)]
    try:
        yield {"raw": raw_url, "kb": kb_url, "args": args, "front": front}
    finally:
        client = front.client()
        keys = list(client.scan_iter(f"{front.prefix}*"))
        if keys:
            client.delete(*keys)


def without(args: list[str], *options: str) -> list[str]:
    for option in options:
        i = args.index(option)
        args = args[:i] + args[i + 2:]
    return args


def count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(_libpq(POSTGRES), autocommit=True) as conn:
        conn.execute(f"SET search_path TO {_schema(url)}")
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize(("command", "store", "table", "what"), [
    (["cluster", "enqueue"], "kb", "processed_page", "enqueue: processed pages"),
    (["cluster", "enqueue"], "raw", "page", "enqueue: pages"),
    (["cluster", "resolve"], "kb", "extraction_run", "cluster resolve"),
    (["cluster", "status"], "raw", "page", "cluster status"),
    (["cluster", "reconcile"], "raw", "crawl_run", "reconcile"),
])
def test_cluster_command_retries_a_drop(
    cluster: dict[str, Any], command: list[str], store: str, table: str, what: str
) -> None:
    args = {"reconcile": without(cluster["args"], "--db"),  # the crawl side's options
            "status": without(cluster["args"], "--db", "--sources")}.get(command[1],
                                                                         cluster["args"])
    with drop_when_blocked(cluster[store], table) as killed:
        done = run_pantau(*command, *args, timeout=DEADLINE_S)
    assert done.returncode == 0, done.stderr[-3000:]
    assert killed and retried(done.stderr, what), done.stderr[-3000:]
    out = json.loads(done.stdout)
    if command[1] == "enqueue":
        assert out["enqueued"] == PAGES


@pytest.mark.parametrize(("store", "table"), [("kb", "processed_page"), ("raw", "page")])
def test_processing_task_survives_a_drop(cluster: dict[str, Any], store: str, table: str) -> None:
    """The task whose connection drops fails, Dramatiq runs it again (the KB's pool, or the
    raw store opened again, gives it a new connection): every page processed once, the worker
    alive to the end."""
    sent = run_pantau("cluster", "enqueue", *cluster["args"])
    assert json.loads(sent.stdout)["enqueued"] == PAGES, sent.stderr[-3000:]
    with drop_when_blocked(cluster[store], table) as killed:
        done = run_pantau("worker", "process", "--drain", *cluster["args"], timeout=DEADLINE_S)
    assert done.returncode == 0, done.stderr[-3000:]
    assert killed, done.stderr[-3000:]
    report = json.loads(done.stdout)
    print({"store": store, "report": {k: report[k] for k in ("pages", "new", "errors")},
           "stderr lines": len(done.stderr.splitlines())})
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "database connection dropped" in lines[0], done.stderr[-3000:]
    assert "the task runs again" in lines[0]
    assert report["errors"] == 0
    assert count(cluster["kb"], "processed_page") == PAGES


@contextmanager
def crawl_worker_midway(
    raw_url: str, tmp_path: Path, *, via: str | None = None, app: str = ""
) -> Iterator[tuple[subprocess.Popen[bytes], list[str], Any]]:
    """A `pantau worker crawl` over a slow local site of 40 articles, its raw store at
    ``raw_url`` (reached through ``via`` if given; ``app``: libpq's PGAPPNAME for its backends),
    yielded once 8 articles are stored, with its options and the site's outlet; its Redis keys
    are removed afterwards."""
    import redis
    import yaml

    from tests.cluster.test_kill import stored
    from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml

    prefix = f"pantau-drops-{uuid.uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    try:
        with FixtureSite(delay=0.1, delay_prefix="/2025/") as site:
            outlet = big_outlet(site, 40)
            sources = tmp_path / "sources.yaml"
            sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
            args = ["--raw-db", via or raw_url, "--prefix", prefix, "--sources", str(sources),
                    "--home", str(tmp_path), "--fast", "--host-concurrency", "2"]
            worker = subprocess.Popen(
                [sys.executable, "-m", "pantau.cli", "worker", "crawl", *args],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={**env, "PGAPPNAME": app} if app else env)
            deadline = time.monotonic() + DEADLINE_S
            while stored(raw_url) < 8:
                assert worker.poll() is None and time.monotonic() < deadline
                time.sleep(POLL_S)
            yield worker, args, outlet
    finally:
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)


def test_crawl_worker_reconnects_after_a_drop_and_reconcile_completes(
    tmp_path: Path, pg_schema: Callable[[str], str]  # noqa: F811
) -> None:
    """The crawl's raw-store connection is opened again after a drop (kb.raw.PgConnection):
    the page in hand when the backend was terminated is lost, the crawl goes on and ends, and
    reconcile fetches what is owed: every article stored once. (A server that stays away
    ends the worker with exit 2 and a line naming `pantau cluster reconcile`.)"""
    import psycopg

    from kb.raw import RawStore

    raw_url = pg_schema("raw")
    app = f"pantau-uji-{uuid.uuid4().hex[:12]}"  # libpq's PGAPPNAME: this worker's backends
    with crawl_worker_midway(raw_url, tmp_path, app=app) as (worker, args, outlet):
        with psycopg.connect(_libpq(POSTGRES), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s", (app,)).fetchall()
        _, err = worker.communicate(timeout=DEADLINE_S)
        assert killed and worker.returncode == 0, err.decode()[-3000:]
        done = run_pantau("cluster", "reconcile", *args, timeout=DEADLINE_S)
        assert done.returncode == 0, done.stderr[-3000:]
    with RawStore(raw_url, readonly=True) as raw:
        assert {p.url for p in raw.pages()} == outlet.expected
        news = raw.db.execute(
            "SELECT count(*), count(DISTINCT url) FROM ledger WHERE outcome = 'new'").fetchone()
    assert tuple(news) == (40, 40)


class Relay:
    """A TCP relay to the local PostgreSQL on a port of its own; :meth:`cut` closes it and every
    connection through it, as a server or network gone for good would (the port then refuses)."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        import socket

        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[Any] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # cut
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: Any, b: Any) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        import socket

        self.server.close()
        with self.lock:
            for s in self.sockets:  # shutdown first: close() alone would not end a blocked recv
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()


def test_crawl_worker_whose_store_stays_away_exits_2_naming_reconcile(
    tmp_path: Path, pg_schema: Callable[[str], str]  # noqa: F811
) -> None:
    """The raw store's server gone for good mid-crawl (every connection closed, the port then
    refusing): the worker does not hang or end as if finished; its last line names `pantau
    cluster reconcile` and it exits 2."""
    raw_url = pg_schema("raw")
    relay = Relay()
    via_relay = raw_url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
    try:
        with crawl_worker_midway(raw_url, tmp_path, via=via_relay) as (worker, _, _):
            relay.cut()
            _, err = worker.communicate(timeout=DEADLINE_S)
    finally:
        relay.cut()
    text = err.decode()
    assert worker.returncode == 2, text[-3000:]
    assert "pantau cluster reconcile" in text.strip().splitlines()[-1], text[-3000:]
