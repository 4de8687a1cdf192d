"""The raw store: every fetched page, compressed, with its fetch metadata.

The crawler writes here; the processing stage reads from here, so cleaning and extraction can be
re-run without refetching. It is a SQLite file of its own (``raw.db``), separate from the
knowledge base, so the published KB stays small.

Tables:

- ``page``: one row per canonical URL — final URL, HTTP status, headers (JSON), fetch time,
  body (zlib), body SHA-256, source name, whether the topic filter matched, and the validators
  (ETag / Last-Modified) for conditional GET. A changed body replaces the row's body and the
  previous hash is appended to ``previous_sha256``. ``parts`` lists the URLs fetched for a
  multi-page article that was joined into this one record (``[]`` for a single page).
- ``validator``: per feed/sitemap URL, the ETag / Last-Modified of its last complete fetch, sent
  back as ``If-None-Match`` / ``If-Modified-Since`` (conditional GET) by the next run.
- ``alias``: URLs that are another URL's article (an AMP copy, a ``/provinsi-ntt/`` alias, a
  ``?p=`` short link, a redirect): known aliases of a stored page are not fetched again.
- ``crawl_run``: one row per crawl, with Scrapy's stats (JSON), the outcome, and ``owner``: the
  host, pid and process start time of the crawl (JSON), so a later run can tell a live crawl
  from a killed one.
- ``ledger``: per crawl run, every discovered URL in exactly one state:
  ``stored`` | ``skipped`` (reason) | ``failed`` (reason, retryable). The crawler writes rows as
  it goes: a URL is recorded ``failed(unfinished, retryable)`` when it is first scheduled and
  takes its final state when it is answered, so a crawl killed with ``kill -9`` leaves every URL
  it had scheduled accounted for.

Killed crawls: a ``crawl_run`` still ``running`` whose process is gone (:func:`process_alive`)
is closed as ``killed`` by the next crawl (:meth:`RawStore.close_dead_runs`); its pages stored
without their ``stored`` row get one, and its unanswered URLs are already
``failed(unfinished, retryable)``, which :meth:`RawStore.retry_candidates` hands to that crawl.

The store knows nothing of HTTP libraries: it takes plain values.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000  # the crawler and `pantau process` may overlap in a daily run
ZLIB_LEVEL = 6  # zlib's default: ~5x on news HTML at a fraction of level 9's CPU

SCHEMA = """
CREATE TABLE IF NOT EXISTS page (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    final_url TEXT,
    source TEXT,
    status INTEGER,
    headers TEXT,
    fetched_at TEXT,
    body BLOB,
    body_sha256 TEXT,
    previous_sha256 TEXT NOT NULL DEFAULT '[]',
    on_topic INTEGER NOT NULL DEFAULT 1,
    topic_hits TEXT NOT NULL DEFAULT '[]',
    etag TEXT,
    last_modified TEXT,
    crawl_run_id INTEGER,
    parts TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS validator (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alias (
    url TEXT PRIMARY KEY,
    canonical TEXT NOT NULL,
    source TEXT,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_run (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    sources TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'running',
    stats TEXT NOT NULL DEFAULT '{}',
    owner TEXT
);
CREATE TABLE IF NOT EXISTS ledger (
    crawl_run_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    source TEXT,
    state TEXT NOT NULL CHECK (state IN ('stored', 'skipped', 'failed')),
    reason TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (crawl_run_id, url)
);
CREATE INDEX IF NOT EXISTS ledger_url ON ledger(url);
"""
# Columns added after the first release: (table, column, definition) for ALTER TABLE.
ADDED_COLUMNS = [
    ("page", "parts", "TEXT NOT NULL DEFAULT '[]'"),
    ("crawl_run", "owner", "TEXT"),
]
KILLED = "killed"  # crawl_run.status of a run whose process died without closing it
UNFINISHED = "unfinished"  # ledger reason of a URL scheduled but not answered (yet)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of ``pid`` from ``/proc``; None when there
    is no such process or no ``/proc``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) ": field 3 onwards
    return (fields[0], fields[19]) if len(fields) > 19 else None


def process_identity(pid: int | None = None) -> dict[str, object]:
    """Who runs a crawl: host, pid and the process's start time (a reused pid differs in it)."""
    pid = os.getpid() if pid is None else pid
    stat = _proc_stat(pid)
    return {"host": socket.gethostname(), "pid": pid, "start": stat[1] if stat else None}


def process_alive(owner: dict[str, object]) -> bool:
    """Is the process ``owner`` (from :func:`process_identity`) still running?

    A process on another host cannot be checked: it counts as alive. A row written before
    owners were recorded (no pid) counts as gone. On Linux a zombie is gone, and a pid now held
    by a process started at another time is not the owner."""
    if owner.get("host") not in (None, socket.gethostname()):
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    stat = _proc_stat(pid)
    if stat is not None:
        state, start = stat
        return state not in ("Z", "X") and owner.get("start") in (None, start)
    if Path("/proc/self/stat").exists():  # /proc works, and has no such pid
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@dataclass
class RawPage:
    """One stored page, body decompressed."""

    id: int
    url: str
    final_url: str
    source: str
    status: int
    headers: dict[str, str]
    fetched_at: str
    body: bytes
    body_sha256: str
    on_topic: bool
    topic_hits: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoredPage:
    """What the crawler needs to know about a stored page to decide whether to refetch it."""

    fetched_at: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class RetryCandidate:
    url: str
    source: str
    reason: str


class RawStore:
    """A SQLite raw store at ``path`` (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: no fsync per page; a power cut may lose the last pages, never corrupt
        # the file — and a lost page is refetched by the next run (it is not in the store).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.db.executescript(SCHEMA)
        for table, column, definition in ADDED_COLUMNS:
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                with self.db:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- crawl runs -------------------------------------------------------------------------
    def start_run(self, sources: list[str]) -> int:
        """A new ``running`` crawl run owned by this process; returns its id."""
        with self.db:
            cur = self.db.execute(
                "INSERT INTO crawl_run (started_at, sources, owner) VALUES (?, ?, ?)",
                (utcnow(), json.dumps(sources), json.dumps(process_identity())),
            )
        return int(cur.lastrowid or 0)

    def close_dead_runs(self, exclude: int | None = None) -> list[int]:
        """Close every ``running`` crawl run whose process is gone as ``killed``; return their ids.

        A killed run's URLs were recorded as they were scheduled, so its unanswered ones are
        already ``failed(unfinished, retryable)``; a page it stored without writing the ``stored``
        row (killed between the two) gets that row here. Its stats are the ledger's counts.
        """
        rows = self.db.execute(
            "SELECT id, owner FROM crawl_run WHERE status = 'running' AND id IS NOT ?", (exclude,)
        ).fetchall()
        dead = [run for run, owner in rows if not process_alive(json.loads(owner or "{}"))]
        with self.db:
            for run in dead:
                self.db.execute(
                    "INSERT OR REPLACE INTO ledger"
                    " (crawl_run_id, url, source, state, reason, retryable)"
                    " SELECT ?, p.url, p.source, 'stored',"
                    " CASE p.previous_sha256 WHEN '[]' THEN 'new' ELSE 'changed' END, 0"
                    " FROM page p WHERE p.crawl_run_id = ? AND NOT EXISTS (SELECT 1 FROM ledger l"
                    " WHERE l.crawl_run_id = ? AND l.url = p.url AND l.state = 'stored')",
                    (run, run, run),
                )
                stats: dict[str, object] = {"finish_reason": KILLED}
                for state, n in self.db.execute(
                    "SELECT state, count(*) FROM ledger WHERE crawl_run_id = ? GROUP BY state",
                    (run,),
                ):
                    stats[f"pantau/ledger/{state}"] = n
                self.db.execute(
                    "UPDATE crawl_run SET status = ?, finished_at = ?, stats = ?"
                    " WHERE id = ? AND status = 'running'",
                    (KILLED, utcnow(), json.dumps(stats, sort_keys=True), run),
                )
        return dead

    def finish_run(self, run_id: int, status: str, stats: dict[str, object]) -> None:
        with self.db:
            self.db.execute(
                "UPDATE crawl_run SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (utcnow(), status, json.dumps(stats, default=str, sort_keys=True), run_id),
            )

    def runs(self) -> list[dict[str, object]]:
        rows = self.db.execute(
            "SELECT id, started_at, finished_at, sources, status, stats FROM crawl_run ORDER BY id"
        ).fetchall()
        return [
            {
                "id": r[0],
                "started_at": r[1],
                "finished_at": r[2],
                "sources": json.loads(r[3]),
                "status": r[4],
                "stats": json.loads(r[5]),
            }
            for r in rows
        ]

    def record(
        self,
        run_id: int,
        url: str,
        state: str,
        reason: str | None = None,
        *,
        source: str | None = None,
        retryable: bool = False,
    ) -> None:
        """Record the final state of ``url`` in run ``run_id`` (last word wins)."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO ledger"
                " (crawl_run_id, url, source, state, reason, retryable) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, url, source, state, reason, int(retryable)),
            )

    def record_many(
        self, run_id: int, entries: list[tuple[str, str | None, str, str | None, bool]]
    ) -> None:
        """Record many ``(url, source, state, reason, retryable)`` in one transaction."""
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO ledger"
                " (crawl_run_id, url, source, state, reason, retryable) VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, u, src, st, r, int(rt)) for u, src, st, r, rt in entries],
            )

    def retry_candidates(self) -> list[RetryCandidate]:
        """URLs whose latest run left them failed and retryable, and not stored since — among
        them the ``unfinished`` ones of interrupted and killed runs."""
        sql = """
            SELECT l.url, l.source, l.reason FROM ledger l
            JOIN (SELECT url, max(crawl_run_id) AS run FROM ledger GROUP BY url) last
              ON last.url = l.url AND last.run = l.crawl_run_id
            WHERE l.state = 'failed' AND l.retryable = 1
              AND NOT EXISTS (SELECT 1 FROM page p WHERE p.url = l.url)
            ORDER BY l.url
        """
        rows = self.db.execute(sql).fetchall()
        return [RetryCandidate(u, src or "", reason or "") for u, src, reason in rows]

    def ledger(self, run_id: int) -> list[dict[str, object]]:
        rows = self.db.execute(
            "SELECT url, source, state, reason, retryable FROM ledger WHERE crawl_run_id = ?"
            " ORDER BY url",
            (run_id,),
        ).fetchall()
        keys = ("url", "source", "state", "reason", "retryable")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- pages ------------------------------------------------------------------------------
    def has(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM page WHERE url = ?", (url,)).fetchone() is not None

    def stored(self, url: str) -> StoredPage | None:
        """Fetch time and validators of the stored page ``url``; None when not stored."""
        row = self.db.execute(
            "SELECT fetched_at, etag, last_modified FROM page WHERE url = ?", (url,)
        ).fetchone()
        return StoredPage(*row) if row else None

    def stored_alias(self, url: str) -> tuple[str, StoredPage] | None:
        """(canonical URL, its stored page) when ``url`` is a known alias of a stored page."""
        row = self.db.execute(
            "SELECT a.canonical, p.fetched_at, p.etag, p.last_modified FROM alias a"
            " JOIN page p ON p.url = a.canonical WHERE a.url = ?",
            (url,),
        ).fetchone()
        return (row[0], StoredPage(*row[1:])) if row else None

    def save_aliases(self, items: list[tuple[str, str, str]]) -> None:
        """Remember ``(alias url, canonical url, source)``."""
        now = utcnow()
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO alias (url, canonical, source, seen_at) VALUES (?,?,?,?)",
                [(u, c, s, now) for u, c, s in items],
            )

    # -- conditional GET validators for feeds and sitemaps ---------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) saved for ``url``; (None, None) when there are none."""
        row = self.db.execute(
            "SELECT etag, last_modified FROM validator WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, items: list[tuple[str, str | None, str | None]]) -> None:
        """Save ``(url, etag, last_modified)``; a URL with neither forgets its validators."""
        now = utcnow()
        with self.db:
            for url, etag, last_modified in items:
                if etag or last_modified:
                    self.db.execute(
                        "INSERT OR REPLACE INTO validator (url, etag, last_modified, saved_at)"
                        " VALUES (?, ?, ?, ?)",
                        (url, etag, last_modified, now),
                    )
                else:
                    self.db.execute("DELETE FROM validator WHERE url = ?", (url,))

    def put(
        self,
        *,
        url: str,
        final_url: str,
        source: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
        run_id: int | None = None,
        on_topic: bool = True,
        topic_hits: list[str] | None = None,
        fetched_at: str | None = None,
        parts: list[str] | None = None,
    ) -> str:
        """Store a page; returns ``"new"``, ``"changed"`` or ``"unchanged"``.

        An unchanged body still updates the fetch time and validators, so "changed at the
        source since we fetched it" compares against the latest fetch.
        """
        sha = hashlib.sha256(body).hexdigest()
        old = self.db.execute(
            "SELECT body_sha256, previous_sha256 FROM page WHERE url = ?", (url,)
        ).fetchone()
        lower = {k.lower(): v for k, v in headers.items()}
        if old and old[0] == sha:
            with self.db:
                self.db.execute(
                    "UPDATE page SET fetched_at = ?, etag = ?, last_modified = ? WHERE url = ?",
                    (fetched_at or utcnow(), lower.get("etag"), lower.get("last-modified"), url),
                )
            return "unchanged"
        previous = json.loads(old[1]) + [old[0]] if old else []
        values = (
            final_url,
            source,
            status,
            json.dumps(headers, sort_keys=True),
            fetched_at or utcnow(),
            zlib.compress(body, ZLIB_LEVEL),
            sha,
            json.dumps(previous),
            int(on_topic),
            json.dumps(topic_hits or []),
            lower.get("etag"),
            lower.get("last-modified"),
            run_id,
            json.dumps(parts or []),
        )
        with self.db:
            if old:
                self.db.execute(
                    "UPDATE page SET final_url=?, source=?, status=?, headers=?, fetched_at=?,"
                    " body=?, body_sha256=?, previous_sha256=?, on_topic=?, topic_hits=?, etag=?,"
                    " last_modified=?, crawl_run_id=?, parts=? WHERE url = ?",
                    (*values, url),
                )
            else:
                self.db.execute(
                    "INSERT INTO page (final_url, source, status, headers, fetched_at, body,"
                    " body_sha256, previous_sha256, on_topic, topic_hits, etag, last_modified,"
                    " crawl_run_id, parts, url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*values, url),
                )
        return "changed" if old else "new"

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM page").fetchone()[0])

    def pages(self, *, source: str | None = None) -> Iterator[RawPage]:
        """Every stored page, oldest first, body decompressed (streamed: one row at a time)."""
        sql = (
            "SELECT id, url, final_url, source, status, headers, fetched_at, body, body_sha256,"
            " on_topic, topic_hits, parts FROM page"
        )
        args: tuple[object, ...] = ()
        if source:
            sql += " WHERE source = ?"
            args = (source,)
        for r in self.db.execute(sql + " ORDER BY id", args):
            yield RawPage(
                id=r[0],
                url=r[1],
                final_url=r[2],
                source=r[3],
                status=r[4],
                headers=json.loads(r[5] or "{}"),
                fetched_at=r[6],
                body=zlib.decompress(r[7]),
                body_sha256=r[8],
                on_topic=bool(r[9]),
                topic_hits=json.loads(r[10]),
                parts=json.loads(r[11] or "[]"),
            )
