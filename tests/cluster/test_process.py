"""Processing on several workers (issue 16): ``pantau cluster enqueue`` queues a task per raw
page not yet processed, ``pantau worker process`` runs them (Dramatiq on the local Redis, KB on
PostgreSQL), ``pantau cluster resolve`` clusters once under an advisory lock. The KB they build
is the one ``pantau process`` builds in one process; tasks sent twice change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner

from pantau.cli import cli
from tests.cluster.processing import fill_raw, fingerprint, schemas, sources

pytest.importorskip("dramatiq")
WORKER_DEADLINE_S = 300


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PANTAU_") and k.lower() != "no_proxy"}


def common(raw_db: str, kb: str, front: Any, tmp: Path) -> list[str]:
    return ["--raw-db", raw_db, "--db", kb, "--redis", front.redis_url, "--prefix", front.prefix,
            "--sources", str(sources(tmp)), "--home", str(tmp)]


def pantau(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), env={"PANTAU_DB": None, "PANTAU_RAW_DB": None})
    return result


def start_worker(args: list[str], tmp: Path, i: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pantau.cli", "worker", "process", "--drain",
                             *args], stdout=(tmp / f"process-{i}.json").open("wb"),
                            stderr=(tmp / f"process-{i}.log").open("wb"), env=env())


def one_process(raw_db: str, kb: str, tmp: Path) -> None:
    subprocess.run([sys.executable, "-m", "pantau.cli", "process", "--workers", "0",
                    "--raw-db", raw_db, "--db", kb, "--sources", str(sources(tmp)),
                    "--home", str(tmp / "single")], check=True, env=env(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_two_workers_build_the_one_process_kb(raw_db: str, frontier: Any, tmp_path: Path) -> None:
    fill_raw(raw_db, 40)
    with schemas(2) as (single, shared):
        one_process(raw_db, single, tmp_path)
        args = common(raw_db, shared, frontier, tmp_path)
        first = pantau("cluster", "enqueue", *args)
        assert first.exit_code == 0, first.output
        again = json.loads(pantau("cluster", "enqueue", *args).stdout)  # none twice
        sent = json.loads(first.stdout)
        assert (sent["pages"], sent["enqueued"]) == (40, 40)
        assert (again["enqueued"], again["queued"], again["pending"]) == (0, 40, 40)
        workers = [start_worker(args, tmp_path, i) for i in range(2)]
        for w in workers:
            assert w.wait(WORKER_DEADLINE_S) == 0, (tmp_path / "process-0.log").read_text()
        reports = [json.loads((tmp_path / f"process-{i}.json").read_text()) for i in range(2)]
        # 40 tasks, or a few more: a worker silent for HEARTBEAT_TIMEOUT_MS on a loaded machine
        # counts as dead, and the tasks it holds run again elsewhere (harmless: found current)
        assert sum(r["pages"] for r in reports) >= 40
        assert sum(r["new"] for r in reports) == fingerprint(single)["article"][0]
        resolved = pantau("cluster", "resolve", *args)
        assert resolved.exit_code == 0, resolved.output
        assert json.loads(resolved.stdout)["extraction_runs"]  # the enqueue's run, closed
        assert fingerprint(shared) == fingerprint(single)
        after = json.loads(pantau("cluster", "enqueue", *args).stdout)
        assert (after["enqueued"], after["current"]) == (0, 40)


def test_resolve_waits_for_the_lock_holder(raw_db: str, frontier: Any, tmp_path: Path) -> None:
    from pantau.tasks import RESOLVE_LOCK

    with schemas(1) as (kb,):
        engine = sqlalchemy.create_engine(kb)
        with engine.connect() as holder:
            holder.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": RESOLVE_LOCK})
            busy = pantau("cluster", "resolve", "--wait", "0",
                          *common(raw_db, kb, frontier, tmp_path))
            holder.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": RESOLVE_LOCK})
        engine.dispose()
        assert (busy.exit_code, busy.output.count("\n")) == (4, 1), busy.output
        assert "another pantau cluster resolve" in busy.output
        done = pantau("cluster", "resolve", "--wait", "0", *common(raw_db, kb, frontier, tmp_path))
        assert done.exit_code == 0, done.output


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--redis", "redis://127.0.0.1:1/0", "Redis unusable"),
    ("--db", "mysql://pantau@127.0.0.1/kb", "expected a PostgreSQL URL"),
    ("--raw-db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "PostgreSQL unusable"),
    ("--db", "RAW", "PostgreSQL unusable"),  # the KB in the raw store's schema: crawl_run clash
])
def test_unusable_shared_state_is_one_line(raw_db: str, frontier: Any, tmp_path: Path,
                                           option: str, value: str, says: str) -> None:
    with schemas(1) as (kb,):
        args = common(raw_db, kb, frontier, tmp_path)
        args[args.index(option) + 1] = value.replace("RAW", raw_db)
        for command in (["worker", "process", "--drain"], ["cluster", "enqueue"]):
            result = pantau(*command, *args)
            assert result.exit_code == 2, result.output
            assert says in result.output and result.output.count("\n") == 1, result.output


def test_sigterm_stops_a_waiting_worker(raw_db: str, frontier: Any, tmp_path: Path) -> None:
    """Without --drain a worker waits for tasks; SIGTERM ends it cleanly with its report."""
    import signal
    import time

    from pantau.tasks import namespace

    with schemas(1) as (kb,):
        args = [sys.executable, "-m", "pantau.cli", "worker", "process",
                *common(raw_db, kb, frontier, tmp_path)]
        worker = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
        beats = f"{namespace(frontier.prefix)}:__heartbeats__"
        deadline = time.monotonic() + WORKER_DEADLINE_S
        while not frontier.client().exists(beats) and time.monotonic() < deadline:
            time.sleep(0.2)  # consuming: the signal handler is in place
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        assert json.loads(out)["pages"] == 0
        assert b"Traceback" not in err
