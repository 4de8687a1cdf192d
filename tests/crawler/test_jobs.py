"""Job folders and killed crawl runs: what the next crawl trusts, discards and closes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.jobs import MARKER, JobBusy, JobFolder, JobState
from kb.raw import KILLED, RawStore, RetryCandidate, process_alive, process_identity


def scrapy_files(path: Path) -> None:
    """What Scrapy leaves in a job folder: a seen-set and a disk queue."""
    (path / "requests.seen").write_bytes(b"\x00\x02ab")
    (path / "requests.queue").mkdir()
    (path / "requests.queue" / "active.json").write_text("[]", encoding="utf-8")


def test_a_cleanly_stopped_job_is_resumed(tmp_path: Path) -> None:
    job = JobFolder(tmp_path / "job")
    assert job.open() is JobState.NEW
    scrapy_files(job.path)
    job.stopped(spider=None, reason="shutdown")  # Scrapy's spider_closed
    job.close()
    again = JobFolder(tmp_path / "job")
    assert again.open() is JobState.RESUMED
    assert (again.path / "requests.seen").exists()
    assert json.loads((again.path / MARKER).read_text(encoding="utf-8"))["state"] == "running"
    again.remove()
    assert not again.path.exists()


def test_a_killed_job_is_discarded_whole(tmp_path: Path) -> None:
    job = JobFolder(tmp_path / "job")
    job.open()
    scrapy_files(job.path)
    job.close()  # never told `stopped`: the process died with Scrapy's files half-written
    again = JobFolder(tmp_path / "job")
    assert again.open() is JobState.DISCARDED
    assert sorted(p.name for p in again.path.iterdir()) == ["pantau-job.json", "pantau-job.lock"]
    again.close()


def test_scrapy_files_without_a_marker_are_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "job").mkdir()
    scrapy_files(tmp_path / "job")  # e.g. left by a Pantau that wrote no marker
    job = JobFolder(tmp_path / "job")
    assert job.open() is JobState.DISCARDED
    assert not (job.path / "requests.seen").exists()
    job.close()


def test_fresh_discards_a_stopped_job(tmp_path: Path) -> None:
    job = JobFolder(tmp_path / "job")
    job.open()
    scrapy_files(job.path)
    job.stopped()
    job.close()
    again = JobFolder(tmp_path / "job")
    assert again.open(fresh=True) is JobState.NEW
    assert not (again.path / "requests.queue").exists()
    again.close()


def test_a_live_crawl_holds_its_job_folder(tmp_path: Path) -> None:
    first = JobFolder(tmp_path / "job")
    first.open()
    scrapy_files(first.path)
    with pytest.raises(JobBusy, match="used by a running crawl"):
        JobFolder(tmp_path / "job").open()
    assert (first.path / "requests.seen").exists()  # the second one touched nothing
    first.close()
    assert JobFolder(tmp_path / "job").open() is JobState.DISCARDED  # lock gone: owner dead


KILLED_CRAWL = """
import sys
from kb.ledger import Outcome
from kb.raw import RawStore
raw = RawStore(sys.argv[1])
run = raw.start_run(["x"])
raw.record(run, "https://x.test/a", Outcome.UNFINISHED, source="x", retryable=True)
raw.record(run, "https://x.test/b", Outcome.UNFINISHED, source="x", retryable=True)
raw.record(run, "https://x.test/c", Outcome.NEW, source="x")
raw.put(url="https://x.test/c", final_url="https://x.test/c", source="x", status=200,
        headers={}, body=b"<p>c</p>", run_id=run)
raw.put(url="https://x.test/b", final_url="https://x.test/b", source="x", status=200,
        headers={}, body=b"<p>b</p>", run_id=run)  # killed before its ledger row
"""


def test_a_dead_running_crawl_is_closed_as_killed(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    # A crawl process that ends without closing its run, as `kill -9` leaves it.
    subprocess.run([sys.executable, "-c", KILLED_CRAWL, str(path)], check=True,
                   cwd=Path(__file__).resolve().parents[2])
    with RawStore(path) as raw:
        live = raw.start_run(["x"])  # this process: alive, left alone
        assert raw.close_dead_runs(exclude=None) == [1]
        assert raw.close_dead_runs(exclude=None) == []  # once
        runs = {r["id"]: r for r in raw.runs()}
        ledger = {e["url"]: (e["state"], e["outcome"], e["retryable"]) for e in raw.ledger(1)}
        candidates = raw.retry_candidates()
    assert runs[1]["status"] == KILLED and runs[1]["finished_at"]
    assert runs[1]["stats"] == {"finish_reason": KILLED, "pantau/ledger/failed": 1,
                                "pantau/ledger/stored": 2}
    assert runs[live]["status"] == "running"
    assert ledger == {
        "https://x.test/a": ("failed", "unfinished", 1),  # retried by the next crawl
        "https://x.test/b": ("stored", "new", 0),  # its page was stored: accounted as such
        "https://x.test/c": ("stored", "new", 0),
    }
    assert candidates == [RetryCandidate("https://x.test/a", "x", "unfinished")]


def test_process_alive() -> None:
    me = process_identity()
    assert process_alive(me)
    assert not process_alive({**me, "start": "1"})  # a reused pid: another process
    assert not process_alive({})  # a run from before owners were recorded
    assert process_alive({**me, "host": "elsewhere.invalid"})  # cannot be checked: alive
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    assert not process_alive({**me, "pid": int(done.stdout)})
