"""Job folders (Scrapy ``JOBDIR``) that a ``kill -9`` cannot turn into a silent loss.

Scrapy persists a crawl in its job folder as two things written at different times: the
dupefilter's ``requests.seen`` (appended while the crawl runs) and the disk queue with its
``requests.queue/active.json`` (consistent only once the scheduler has closed). A crawl that
stops through Scrapy's shutdown (Ctrl+C once, SIGTERM, a ``CLOSESPIDER_*`` cap) leaves both
consistent and is resumed from them. A crawl killed with ``kill -9`` (OOM killer, a reboot, a
second Ctrl+C's forced shutdown) leaves a seen-set that names requests its queue no longer holds
— resuming from it dropped them as duplicates (the run stored nothing and exited 0) — or a stale
``active.json`` that makes the disk queue unreadable (the resume hung).

Choice: the job folder is trusted only when Scrapy closed it. :class:`JobFolder` keeps a
marker, ``pantau-job.json``, that says ``running`` while a crawl uses the folder and ``stopped``
once the spider has closed (:meth:`JobFolder.stopped`, connected to ``spider_closed``, which
Scrapy sends after the scheduler wrote its queue state and closed the seen-set). A folder found
``running`` — or with Scrapy files and no marker — is not intact: it is discarded whole, queue
and seen-set together, and the crawl starts from a clean folder. Nothing is lost, because the
ledger is the record of what a run still owed: the spider writes every URL to the ledger as
``failed(unfinished, retryable)`` when it schedules it and its final state when it is answered
(:mod:`crawler.spiders.news`), the killed ``crawl_run`` is closed as ``killed``
(:meth:`kb.raw.RawStore.close_dead_runs`), and its unfinished URLs come back as retry
candidates, requested with ``dont_filter=True``. Feeds, sitemaps and listings are fetched again
in any case. Repairing Scrapy's queue files instead would mean reading a half-written pickle
queue; re-deriving the pending set from the ledger needs nothing Scrapy wrote.

Two crawls with the same arguments must not share the folder: the running one holds an
exclusive ``flock`` on ``pantau-job.lock``, and a second one gets :class:`JobBusy` (see
:func:`crawler.run.run_crawl`, which then crawls without a job folder). A held lock also tells
a live crawl's ``running`` marker from a dead one's: the kernel releases the lock of a killed
process.
"""

from __future__ import annotations

import enum
import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import IO, Any

from kb.raw import process_identity, utcnow

MARKER = "pantau-job.json"
LOCK = "pantau-job.lock"
RUNNING, STOPPED = "running", "stopped"


class JobState(enum.Enum):
    NEW = "new"  # no earlier crawl in the folder
    RESUMED = "resumed"  # an earlier crawl stopped cleanly: its queue and seen-set are resumed
    DISCARDED = "discarded"  # an earlier crawl was killed: its folder was emptied


class JobBusy(RuntimeError):
    """Another live crawl holds the job folder."""


class JobFolder:
    """One crawl's hold on a Scrapy job folder: lock, marker, and the resume decision."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: IO[bytes] | None = None

    def open(self, fresh: bool = False) -> JobState:
        """Lock the folder and decide what to do with what an earlier crawl left in it.
        ``fresh`` discards it whatever it holds. Raises :class:`JobBusy` when it is locked."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock = (self.path / LOCK).open("a+b")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.close()
            holder = self._marker().get("owner", {})
            raise JobBusy(
                f"{self.path} is used by a running crawl (pid {holder.get('pid')})"
            ) from exc
        self._lock = lock
        left = [p for p in self.path.iterdir() if p.name != LOCK]
        if fresh or not left:
            state = JobState.NEW
        elif self._marker().get("state") == STOPPED:
            state = JobState.RESUMED
        else:
            state = JobState.DISCARDED
        if left and state is not JobState.RESUMED:
            self._empty()
        self._write({"state": RUNNING, "owner": process_identity(), "since": utcnow()}, sync=True)
        return state

    def stopped(self, **_: Any) -> None:
        """Scrapy closed the crawl: its queue state and seen-set are on disk and consistent."""
        self._write({"state": STOPPED, "owner": process_identity(), "since": utcnow()})

    def remove(self) -> None:
        """The crawl finished: nothing to resume; the folder goes."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.close()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def _marker(self) -> dict[str, Any]:
        try:
            data = json.loads((self.path / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any], *, sync: bool = False) -> None:
        tmp = self.path / f"{MARKER}.tmp"
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(data, f)
            if sync:  # "running" must be on disk before Scrapy writes its first queue byte
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, self.path / MARKER)

    def _empty(self) -> None:
        for p in self.path.iterdir():
            if p.name == LOCK:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
