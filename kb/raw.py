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
  ``stored`` | ``skipped`` | ``failed`` (retryable or not), with an ``outcome`` code
  (:class:`kb.ledger.Outcome`: ``new``, ``amp_copy``, ``http_blocked`` …) and the crawler's
  free-text ``detail`` (``"http 403"``, ``"amp copy of …"``). The crawler writes rows as it
  goes: a URL is recorded ``failed(unfinished, retryable)`` when it is first scheduled and takes
  its final state when it is answered, so a crawl killed with ``kill -9`` leaves every URL it
  had scheduled accounted for.

Killed crawls: a ``crawl_run`` still ``running`` whose process is gone (:func:`process_alive`)
is closed as ``killed`` by the next crawl (:meth:`RawStore.close_dead_runs`); its pages stored
without their ``stored`` row get one, and its unanswered URLs are already
``failed(unfinished, retryable)``, which :meth:`RawStore.retry_candidates` hands to that crawl.

The store knows nothing of HTTP libraries: it takes plain values.

Schema versions (``PRAGMA user_version``): 1 — ``ledger.outcome`` added and ``ledger.reason``
renamed ``detail``; the rows of older crawlers get their code once, from their words
(:func:`legacy_outcome`), when a store is first opened by this version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kb.ledger import Outcome, State

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
    outcome TEXT,
    detail TEXT,
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
SCHEMA_VERSION = 1  # PRAGMA user_version once the migrations below have run
KILLED = "killed"  # crawl_run.status of a run whose process died without closing it
LOOKUP_CHUNK = 500  # URLs per IN (…) list: far below SQLite's 32766 bound variables

# PostgreSQL: the same tables with its types. URLs compare byte-wise (COLLATE "C") as in SQLite,
# so ``ORDER BY url`` and the btree indexes agree on both engines.
PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS raw_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS page (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    url TEXT COLLATE "C" NOT NULL UNIQUE,
    final_url TEXT,
    source TEXT,
    status INTEGER,
    headers TEXT,
    fetched_at TEXT,
    body BYTEA,
    body_sha256 TEXT,
    previous_sha256 TEXT NOT NULL DEFAULT '[]',
    on_topic INTEGER NOT NULL DEFAULT 1,
    topic_hits TEXT NOT NULL DEFAULT '[]',
    etag TEXT,
    last_modified TEXT,
    crawl_run_id BIGINT,
    parts TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS validator (
    url TEXT COLLATE "C" PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alias (
    url TEXT COLLATE "C" PRIMARY KEY,
    canonical TEXT COLLATE "C" NOT NULL,
    source TEXT,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_run (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    sources TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'running',
    stats TEXT NOT NULL DEFAULT '{}',
    owner TEXT
);
CREATE TABLE IF NOT EXISTS ledger (
    crawl_run_id BIGINT NOT NULL,
    url TEXT COLLATE "C" NOT NULL,
    source TEXT,
    state TEXT NOT NULL CHECK (state IN ('stored', 'skipped', 'failed')),
    outcome TEXT,
    detail TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (crawl_run_id, url)
);
CREATE INDEX IF NOT EXISTS ledger_url ON ledger(url);
"""
# Any number will do as long as it is Pantau's alone: schema work on PostgreSQL is serialised by
# this transaction-level advisory lock, so workers starting together do not race on CREATE TABLE.
PG_SCHEMA_LOCK = 0x70616E7461  # "panta"
ENV_RAW_DB = "PANTAU_RAW_DB"  # a PostgreSQL URL for the raw store shared by several machines


def is_url(location: str | Path) -> bool:
    """Is ``location`` a database URL (PostgreSQL) rather than a SQLite file path?"""
    return isinstance(location, str) and location.startswith(("postgresql:", "postgresql+"))


def shown(location: str | Path) -> str:
    """``location`` fit for a message: a URL without its password."""
    if not is_url(location):
        return str(location)
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", str(location))


def _libpq_dsn(url: str) -> str:
    """The libpq connection string of a SQLAlchemy-style URL (``postgresql+psycopg://…``)."""
    return re.sub(r"^postgresql\+[a-z0-9_]+://", "postgresql://", url)


class _Cursor:
    """What the store reads from a psycopg cursor, under sqlite3's names."""

    def __init__(self, cur: Any, lastrowid: int | None = None) -> None:
        self.cur = cur
        self.lastrowid = lastrowid

    def fetchone(self) -> Any:
        return self.cur.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self.cur.fetchall())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.cur)


class PgConnection:
    """A psycopg connection speaking the part of :class:`sqlite3.Connection` the store uses:
    ``execute`` / ``executemany`` with ``?`` placeholders, and ``with conn:`` as one transaction
    (committed, or rolled back on an error). Outside ``with`` each statement commits alone."""

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.url, self.readonly = url, readonly
        self._tx: list[Any] = []
        self.conn = self._connect()

    def _connect(self) -> Any:
        import psycopg  # the optional driver: imported only for a PostgreSQL store

        conn = psycopg.connect(_libpq_dsn(self.url), autocommit=True)
        if self.readonly:
            conn.execute("SET default_transaction_read_only = on")
        return conn

    def _live(self) -> Any:
        """The connection, opened again when the server dropped it (a restart, a terminated
        backend): the statement that met the drop failed, the next ones run. Never inside a
        transaction: its earlier statements are gone with the old connection."""
        if self.conn.closed and not self._tx:
            self.conn = self._connect()
        return self.conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, args: Sequence[object] = ()) -> _Cursor:
        return _Cursor(self._live().execute(self._sql(sql), tuple(args)))

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        with self._live().cursor() as cur:
            cur.executemany(self._sql(sql), [tuple(r) for r in rows])

    def __enter__(self) -> PgConnection:
        tx = self._live().transaction()
        tx.__enter__()
        self._tx.append(tx)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._tx.pop().__exit__(*exc)

    def close(self) -> None:
        self.conn.close()


def legacy_outcome(state: str, reason: str | None) -> Outcome:
    """The code of a ledger row an older crawler wrote with free-text reasons only (used once,
    by the migration to schema version 1)."""
    text = reason or ""
    if state == State.STORED:
        return Outcome(text) if text in ("new", "changed", "unchanged") else Outcome.NEW
    if state == State.SKIPPED:
        words = {
            "feed": Outcome.FEED, "sitemap": Outcome.SITEMAP, "listing": Outcome.LISTING,
            "end of listing": Outcome.END_OF_LISTING, "not modified": Outcome.NOT_MODIFIED,
            "already_stored": Outcome.ALREADY_STORED, "out_of_window": Outcome.OUT_OF_WINDOW,
            "sitemap out of window": Outcome.SITEMAP_SKIPPED,
            "sitemap not modified recently": Outcome.SITEMAP_SKIPPED,
            "robots.txt": Outcome.ROBOTS_DISALLOWED,
        }
        prefixes = {"amp copy of ": Outcome.AMP_COPY, "duplicate of ": Outcome.DUPLICATE,
                    "canonical is ": Outcome.CANONICAL}
        if text in words:
            return words[text]
        if text.endswith(" not modified"):  # "feed not modified", "sitemap not modified"
            return Outcome.NOT_MODIFIED
        return next((o for p, o in prefixes.items() if text.startswith(p)), Outcome.SKIPPED)
    status = re.match(r"^(?:part \S+: )?http (\d{3})\b", text)
    if status:
        code = int(status.group(1))
        return (Outcome.HTTP_BLOCKED if code in (401, 403, 451)
                else Outcome.NOT_FOUND if code in (404, 410) else Outcome.HTTP_ERROR)
    words = {"unfinished": Outcome.UNFINISHED, "interrupted": Outcome.INTERRUPTED,
             "robots.txt unreachable": Outcome.ROBOTS_UNREACHABLE,
             "redirect loop": Outcome.REDIRECT_LOOP}
    if text in words:
        return words[text]
    if "TimeoutError" in text:
        return Outcome.TIMEOUT
    if text.startswith(("feed: ", "sitemap: ")) or text.endswith("not a text page"):
        return Outcome.MALFORMED
    if "too large: " in text:
        return Outcome.TOO_LARGE
    return Outcome.ERROR


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
    outcome: Outcome


@dataclass(frozen=True)
class LedgerRow:
    """One URL's state in one run, as the crawler records it."""

    url: str
    source: str | None
    outcome: Outcome
    detail: str | None = None
    retryable: bool = False


class RawStore:
    """A raw store: a SQLite file at ``path`` (created on first use), or, when ``path`` is a
    PostgreSQL URL (``postgresql+psycopg://user@host/db``, :func:`is_url`), the same tables in
    that database, shared by crawlers on several machines."""

    db: sqlite3.Connection | PgConnection

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """Open (creating and migrating it when needed) the store at ``path``. ``readonly``
        opens an existing store for lookups only: no schema work, usable from any thread that
        opened it (the crawler looks pages up off the reactor thread)."""
        self.url = str(path) if is_url(path) else None
        self.path = Path(path) if self.url is None else Path()
        if self.url is not None:
            self.db = PgConnection(self.url, readonly=readonly)
            if not readonly:
                self._create_pg_schema(self.db)
            return
        if readonly:
            self.db = sqlite3.connect(
                f"file:{self.path.resolve()}?mode=ro", uri=True,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: no fsync per page; a power cut may lose the last pages, never corrupt
        # the file — and a lost page is refetched by the next run (it is not in the store).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        fresh = not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ledger'").fetchone()
        self.db.executescript(SCHEMA)
        for table, column, definition in ADDED_COLUMNS:
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                with self.db:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        if fresh:
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        elif self.db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            self._migrate_ledger_outcomes()

    @staticmethod
    def _create_pg_schema(db: PgConnection) -> None:
        """Create the tables on PostgreSQL (one process at a time: an advisory lock). The
        schema version lives in ``raw_schema``; a PostgreSQL store starts at
        :data:`SCHEMA_VERSION` (there are no older ones to migrate)."""
        with db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (PG_SCHEMA_LOCK,))
            for statement in PG_SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            if db.execute("SELECT version FROM raw_schema").fetchone() is None:
                db.execute("INSERT INTO raw_schema (version) VALUES (?)", (SCHEMA_VERSION,))

    def schema_version(self) -> int:
        """The store's schema version (``PRAGMA user_version`` on SQLite)."""
        sql = "PRAGMA user_version" if self.url is None else "SELECT version FROM raw_schema"
        row = self.db.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def _migrate_ledger_outcomes(self) -> None:
        """Schema 1: ``ledger.reason`` becomes ``detail`` and every row gets its outcome code,
        derived once from the words older crawlers wrote (one transaction)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")  # a second process waits, then finds it done
            if self.db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            have = {r[1] for r in self.db.execute("PRAGMA table_info(ledger)")}
            if "reason" in have and "detail" not in have:
                self.db.execute("ALTER TABLE ledger RENAME COLUMN reason TO detail")
            if "outcome" not in have:
                self.db.execute("ALTER TABLE ledger ADD COLUMN outcome TEXT")
            kinds = self.db.execute(
                "SELECT DISTINCT state, detail FROM ledger WHERE outcome IS NULL"
            ).fetchall()
            self.db.executemany(
                "UPDATE ledger SET outcome = ? WHERE outcome IS NULL AND state = ?"
                " AND detail IS ?",
                [(legacy_outcome(state, detail).value, state, detail) for state, detail in kinds],
            )
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

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
            row = self.db.execute(
                "INSERT INTO crawl_run (started_at, sources, owner) VALUES (?, ?, ?)"
                " RETURNING id",
                (utcnow(), json.dumps(sources), json.dumps(process_identity())),
            ).fetchone()
        return int(row[0])

    def close_dead_runs(self, exclude: int | None = None) -> list[int]:
        """Close every ``running`` crawl run whose process is gone as ``killed``; return their ids.

        A killed run's URLs were recorded as they were scheduled, so its unanswered ones are
        already ``failed(unfinished, retryable)``; a page it stored without writing the ``stored``
        row (killed between the two) gets that row here. Its stats are the ledger's counts.
        """
        rows = self.db.execute(
            "SELECT id, owner FROM crawl_run WHERE status = 'running'"
            + (" AND id <> ?" if exclude is not None else ""),
            (exclude,) if exclude is not None else (),
        ).fetchall()
        dead = [run for run, owner in rows if not process_alive(json.loads(owner or "{}"))]
        with self.db:
            for run in dead:
                self.db.execute(
                    "INSERT INTO ledger"
                    " (crawl_run_id, url, source, state, outcome, detail, retryable)"
                    " SELECT ?, p.url, p.source, 'stored',"
                    " CASE p.previous_sha256 WHEN '[]' THEN 'new' ELSE 'changed' END, NULL, 0"
                    " FROM page p WHERE p.crawl_run_id = ? AND NOT EXISTS (SELECT 1 FROM ledger l"
                    " WHERE l.crawl_run_id = ? AND l.url = p.url AND l.state = 'stored')"
                    " ON CONFLICT (crawl_run_id, url) DO UPDATE SET source = excluded.source,"
                    " state = excluded.state, outcome = excluded.outcome,"
                    " detail = excluded.detail, retryable = excluded.retryable",
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
        outcome: Outcome,
        detail: str | None = None,
        *,
        source: str | None = None,
        retryable: bool = False,
    ) -> None:
        """Record the state of ``url`` in run ``run_id`` (last word wins); the state is the
        outcome's."""
        self.record_many(run_id, [LedgerRow(url, source, outcome, detail, retryable)])

    def record_many(self, run_id: int, rows: list[LedgerRow]) -> None:
        """Record many rows in one transaction (last word wins)."""
        with self.db:
            self.db.executemany(
                "INSERT INTO ledger"
                " (crawl_run_id, url, source, state, outcome, detail, retryable)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (crawl_run_id, url) DO UPDATE SET source = excluded.source,"
                " state = excluded.state, outcome = excluded.outcome,"
                " detail = excluded.detail, retryable = excluded.retryable",
                [(run_id, r.url, r.source, r.outcome.state.value, r.outcome.value, r.detail,
                  int(r.retryable)) for r in rows],
            )

    def retry_candidates(self) -> list[RetryCandidate]:
        """URLs whose latest run left them failed and retryable, and not stored since — among
        them the ``unfinished`` ones of interrupted and killed runs."""
        sql = """
            SELECT l.url, l.source, l.outcome FROM ledger l
            JOIN (SELECT url, max(crawl_run_id) AS run FROM ledger GROUP BY url) last
              ON last.url = l.url AND last.run = l.crawl_run_id
            WHERE l.state = 'failed' AND l.retryable = 1
              AND NOT EXISTS (SELECT 1 FROM page p WHERE p.url = l.url)
            ORDER BY l.url
        """
        rows = self.db.execute(sql).fetchall()
        return [RetryCandidate(u, src or "", Outcome(o)) for u, src, o in rows]

    def ledger(self, run_id: int) -> list[dict[str, object]]:
        """The rows of one run: ``url``, ``source``, ``state``, ``outcome`` (an
        :class:`~kb.ledger.Outcome`), ``detail``, ``retryable``."""
        rows = self.db.execute(
            "SELECT url, source, state, outcome, detail, retryable FROM ledger"
            " WHERE crawl_run_id = ? ORDER BY url",
            (run_id,),
        ).fetchall()
        keys = ("url", "source", "state", "outcome", "detail", "retryable")
        return [dict(zip(keys, (*r[:3], Outcome(r[3]), *r[4:]), strict=True)) for r in rows]

    def new_pages_per_run(self) -> list[tuple[int, str | None, int]]:
        """``(crawl run, source, pages stored new)`` for every run that stored new pages."""
        rows = self.db.execute(
            "SELECT crawl_run_id, source, count(*) FROM ledger WHERE outcome = ?"
            " GROUP BY crawl_run_id, source",
            (Outcome.NEW.value,),
        ).fetchall()
        return [(int(run), src, int(n)) for run, src, n in rows]

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

    def stored_many(self, urls: list[str]) -> dict[str, tuple[str, StoredPage]]:
        """For each of ``urls`` that is stored, or a known alias of a stored page:
        ``url → (canonical URL, its stored page)``. A few queries per :data:`LOOKUP_CHUNK`
        URLs, however many there are."""
        found: dict[str, tuple[str, StoredPage]] = {}
        unique = list(dict.fromkeys(urls))
        for start in range(0, len(unique), LOOKUP_CHUNK):
            chunk = unique[start:start + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for url, *page in self.db.execute(
                f"SELECT url, fetched_at, etag, last_modified FROM page WHERE url IN ({marks})",
                chunk,
            ):
                found[url] = (url, StoredPage(*page))
            for url, canonical, *page in self.db.execute(
                "SELECT a.url, a.canonical, p.fetched_at, p.etag, p.last_modified FROM alias a"
                f" JOIN page p ON p.url = a.canonical WHERE a.url IN ({marks})",
                chunk,
            ):
                found.setdefault(url, (canonical, StoredPage(*page)))
        return found

    def all_validators(self) -> dict[str, tuple[str | None, str | None]]:
        """Every saved ``url → (ETag, Last-Modified)`` (one row per feed or sitemap)."""
        return {u: (e, m) for u, e, m in
                self.db.execute("SELECT url, etag, last_modified FROM validator")}

    def save_aliases(self, items: list[tuple[str, str, str]]) -> None:
        """Remember ``(alias url, canonical url, source)``."""
        now = utcnow()
        with self.db:
            self.db.executemany(
                "INSERT INTO alias (url, canonical, source, seen_at) VALUES (?,?,?,?)"
                " ON CONFLICT (url) DO UPDATE SET canonical = excluded.canonical,"
                " source = excluded.source, seen_at = excluded.seen_at",
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
                        "INSERT INTO validator (url, etag, last_modified, saved_at)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                        " etag = excluded.etag, last_modified = excluded.last_modified,"
                        " saved_at = excluded.saved_at",
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
                # ON CONFLICT: another crawler (a shared PostgreSQL store) may have stored the
                # same URL since the SELECT above: its row is kept, and this fetch is "unchanged".
                inserted = self.db.execute(
                    "INSERT INTO page (final_url, source, status, headers, fetched_at, body,"
                    " body_sha256, previous_sha256, on_topic, topic_hits, etag, last_modified,"
                    " crawl_run_id, parts, url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (url) DO NOTHING RETURNING id",
                    (*values, url),
                ).fetchone()
                if inserted is None:
                    return "unchanged"
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
                body=zlib.decompress(bytes(r[7])),
                body_sha256=r[8],
                on_topic=bool(r[9]),
                topic_hits=json.loads(r[10]),
                parts=json.loads(r[11] or "[]"),
            )
