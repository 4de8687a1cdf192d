"""Two processing workers over 240 stored pages; one is killed with ``kill -9`` at a random
moment (10-80 % of the pages processed). Its unacknowledged tasks come back to the queue once
its heartbeat is late (pantau.tasks.HEARTBEAT_TIMEOUT_MS) and the other worker runs them: every
page ends with exactly one outcome, and the KB (row counts and content hashes of articles,
outcomes and facts; the articles' story columns included) and its stories (as groups of
article URLs) are the ones a one-process ``pantau process`` builds from the same raw store,
although the two workers stored the pages in another order.
``PANTAU_PROCESS_TRIALS`` (default 1) sets how many kills are tried; seed, moment and times are
printed (``pytest -s``)."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from tests.cluster.processing import fill_raw, fingerprint, schemas, stories
from tests.cluster.test_process import common, one_process, pantau, start_worker

pytest.importorskip("dramatiq")
PAGES = 240
DEADLINE_S = 300.0
TRIALS = int(os.environ.get("PANTAU_PROCESS_TRIALS", "1"))


def outcomes(kb: str) -> int:
    engine = sqlalchemy.create_engine(kb)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sqlalchemy.text("SELECT count(*) FROM processed_page"))
                       .scalar() or 0)
    except sqlalchemy.exc.ProgrammingError:  # tables not created yet
        return 0
    finally:
        engine.dispose()


def test_kill_one_of_two_workers(raw_db: str, frontier: Any, tmp_path: Path) -> None:
    fill_raw(raw_db, PAGES)
    with schemas(1) as (single,):
        one_process(raw_db, single, tmp_path)
        want, want_stories = fingerprint(single), stories(single)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    for trial in range(TRIALS):
        with schemas(1) as (shared,):
            args = common(raw_db, shared, frontier, tmp_path)
            args[args.index("--prefix") + 1] = f"{frontier.prefix}-{trial}"
            sent = pantau("cluster", "enqueue", *args)
            assert json.loads(sent.stdout)["enqueued"] == PAGES, sent.output
            workers = [start_worker(args, tmp_path, i) for i in range(2)]
            at = int(PAGES * rng.uniform(0.1, 0.8))
            deadline = time.monotonic() + DEADLINE_S
            while outcomes(shared) < at and time.monotonic() < deadline:
                time.sleep(0.05)
            victim = rng.randrange(2)
            done_at_kill = outcomes(shared)
            os.kill(workers[victim].pid, signal.SIGKILL)
            killed = time.monotonic()
            survivor = workers[1 - victim]
            assert survivor.wait(DEADLINE_S) == 0, (tmp_path / f"process-{1 - victim}.log"
                                                    ).read_text()
            workers[victim].wait()
            took = time.monotonic() - killed
            report = json.loads((tmp_path / f"process-{1 - victim}.json").read_text())
            print(f"seed {seed} trial {trial}: worker {victim} killed at {done_at_kill}/{PAGES}"
                  f" outcomes; the other finished {took:.1f} s later, {report['pages']} tasks"
                  f" ({report['unchanged']} found current)")
            assert pantau("cluster", "resolve", *args).exit_code == 0
            got = fingerprint(shared)
            assert got["processed_page"][0] == PAGES  # every page once
            got_stories = stories(shared)
            print(f"  stories as in one process: {got_stories == want_stories}"
                  f" ({len(got_stories)} stories)")
            assert got == want  # story columns included: original, syndicated_of (as URL) …
            assert got_stories == want_stories  # ties broken by URL, not by store order
