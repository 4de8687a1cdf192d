"""Storage: open a KB at any SQLAlchemy URL and ingest articles with their facts.

SQLite is the default (WAL, busy timeout, foreign keys on). Each article is written atomically
together with all its facts, its persons/positions and its ``processed_page`` row: an article is
stored with all its facts or not at all. Facts arrive as typed records
(:class:`extract.facts.Facts`; the JSON form is read with :meth:`~extract.facts.Facts.from_dict`,
which refuses an item without offsets).

Ingest is idempotent: a page already processed from the same raw body by the same extractor
version is left alone; a changed body or a new extractor version replaces the article's facts
(and keeps the previous content hash in ``article.previous_sha256``).

Ingest is written for batches (:meth:`KB.batch`, :class:`IngestBatch`): facts go in with
SQLAlchemy Core bulk inserts, outlets, persons, organisations, positions and regions are looked
up once per batch and cached, and several articles share one transaction, each in its own
savepoint — a bad article is rolled back alone, a crash loses at most the uncommitted articles
(never part of one). :meth:`KB.ingest` is a batch of one.

Local time: an article's ``month`` and the dates positions are seen on are taken in its outlet's
zone (``outlet.region_code`` through :func:`wilayah.zone_of`; :data:`wilayah.DEFAULT_ZONE` for an
outlet without a region), and a time written without a zone is read in that zone; ``published``
is stored in UTC.

Numbers are range-checked twice: the extractors leave implausible values out (listed under the
facts' ``rejected``, which ingest notes in the page's ``processed_page.reason``), and ingest
itself refuses an integer its column cannot hold (32 bits; 64 for amounts) or a non-finite
float with a one-line :class:`FactValueError` — the article's savepoint is rolled back, and
the caller records the page as an error — instead of the driver's ``OverflowError``.

Opening a KB brings its schema to the latest Alembic revision (:mod:`kb.migrations`) and seeds
the reference regions (:mod:`wilayah`). After a batch of ingests, :meth:`KB.resolve`
re-derives positions, resolves persons (:mod:`kb.resolve`) and clusters stories
(:mod:`kb.stories`), each in one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import math
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import (
    Delete,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    event,
    func,
    insert,
    text,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session, SQLModel, create_engine, select

import kb.health  # noqa: F401  (registers the source_health table in SQLModel.metadata)
import wilayah
from extract import facts as ef
from extract.facts import FactValueError
from kb.migrations import ensure_schema, lock_schema
from kb.models import (
    FACT_TABLES,
    Amount,
    Article,
    ArticleRegion,
    CrawlRun,
    Event,
    ExtractionRun,
    Mention,
    Organization,
    Outlet,
    Percentage,
    Person,
    PersonMerge,
    Position,
    ProcessedPage,
    Quote,
    Region,
    Story,
    WorkerCount,
)

LOCAL_TZ = wilayah.DEFAULT_ZONE  # for an outlet without a region

SQLITE_BUSY_TIMEOUT_MS = 30_000  # `pantau publish` may read while `process` writes
# Integer columns are INTEGER (32 bits on PostgreSQL, 64 on SQLite: the KB keeps to 32) except
# amount.value, a BIGINT (64 bits on both).
INTEGER_BITS, BIGINT_BITS = 32, 64
MAX_REASON_CHARS = 300  # processed_page.reason stays one readable line
# Articles per transaction in a batch: a COMMIT (an fsync) per article was a third of ingest
# time; 50 keeps what a crash or a stop signal loses (to be redone next run) small, and the
# write lock is released every few seconds at most.
ARTICLES_PER_TRANSACTION = 50
# ... or after this many seconds, whichever comes first: with slow workers a transaction never
# holds the write lock (publish and Datasette read meanwhile) or unsaved work for long.
MAX_TRANSACTION_S = 2.0
# Pages whose processed state is looked up in one SELECT (their decompressed bodies are held
# meanwhile: 64 pages are a few MB).
LOOKUP_CHUNK = 64
# Storing failures that are the database's, not the article's (locked, disk full, connection
# lost): a batch rolls back and re-raises them instead of committing.
DATABASE_FAILURES = (OperationalError, InterfaceError)

__all__ = [
    "KB",
    "Amount",
    "Article",
    "Event",
    "FactValueError",
    "IngestBatch",
    "Percentage",
    "Quote",
    "WorkerCount",
    "make_engine",
    "sqlite_url",
]


def _int(value: int, what: str, bits: int = INTEGER_BITS) -> int:
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise FactValueError(f"{what} {ef.short(value)} does not fit a {bits}-bit integer")
    return value


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise FactValueError(f"{what} {ef.short(value)} is not a finite number")
    return value


def as_records(facts: ef.Facts | Mapping[str, Any]) -> ef.Facts:
    """Typed records; the JSON form is read (and checked) by ``Facts.from_dict``."""
    return facts if isinstance(facts, ef.Facts) else ef.Facts.from_dict(facts)


def rejected_note(facts: ef.Facts | Mapping[str, Any]) -> str | None:
    """One line for ``processed_page.reason``: the numbers the extractors rejected, and why."""
    items = as_records(facts).rejected
    if not items:
        return None
    parts = [f"{ef.short(i.text)!r} ({i.reason or None})" for i in items]
    note = f"rejected {len(items)} implausible number(s): " + "; ".join(parts)
    return " ".join(note.split())[:MAX_REASON_CHARS]


def utcnow(timespec: str = "seconds") -> str:
    """The UTC time, ISO 8601. Processing bookkeeping (``processed_at``, extraction runs) uses
    microseconds: story clustering compares them to tell the pages of a batch (processed after
    its run started) from those a moment before it; ISO strings of either precision sort in
    time order."""
    return dt.datetime.now(dt.UTC).isoformat(timespec=timespec)


def _stamp() -> str:
    return utcnow("microseconds")


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def outlet_zone(region_code: str | None) -> dt.tzinfo:
    """The zone an outlet's times are local to: its region's, else :data:`LOCAL_TZ`."""
    return wilayah.zone_of(region_code) if region_code else LOCAL_TZ


def _datetime(value: Any, zone: dt.tzinfo) -> dt.datetime | None:
    """An aware time from an ISO string or datetime; one without a zone is read in ``zone``."""
    if not value:
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


# Statements built once and executed with parameters: building an INSERT with .values(…) or a
# WHERE with a literal for every row made SQLAlchemy compute a cache key per statement (half
# the ingest time). KEY is the bound parameter of the WHERE.
KEY = "key_value"


@functools.cache
def _insert(name: str) -> Insert:
    return insert(SQLModel.metadata.tables[name])


@functools.cache
def _update_where(name: str, column: str) -> Update:
    table = SQLModel.metadata.tables[name]
    return update(table).where(table.c[column] == bindparam(KEY))


@functools.cache
def _delete_where(name: str, column: str) -> Delete:
    table = SQLModel.metadata.tables[name]
    return delete(table).where(table.c[column] == bindparam(KEY))


@functools.cache
def _select_where(name: str, columns: tuple[str, ...], *where: str) -> Select[Any]:
    table = SQLModel.metadata.tables[name]
    query = core_select(*(table.c[c] for c in columns))
    for column in where:
        query = query.where(table.c[column] == bindparam(column))
    return query


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT made."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# The counters of an extraction run a worker or enqueue adds to (kb.models.ExtractionRun).
RUN_COUNTERS = ("pages", "articles_new", "articles_updated", "unchanged", "rejected", "errors")
PAGE_LOCK_NAMESPACE = 0x70616765  # "page": first key of the per-page advisory lock


def _bump_run(conn: Connection, run_id: int, counts: Mapping[str, int]) -> None:
    wanted = {k: int(v) for k, v in counts.items() if v}
    unknown = set(wanted) - set(RUN_COUNTERS)
    if unknown:
        raise ValueError(f"not extraction-run counters: {sorted(unknown)}")
    if not wanted:
        return
    run = _table(ExtractionRun)
    conn.execute(update(run).where(run.c.id == run_id)
                 .values({run.c[k]: run.c[k] + v for k, v in wanted.items()}))


def _evidence(item: ef.Fact, article_id: int) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "text": item.text,
        "start": _int(item.start, "start"),
        "end": _int(item.end, "end"),
        "sentence": item.sentence,
        "extractor": item.extractor,
        "version": item.version,
        "confidence": _finite(item.confidence, "confidence"),
    }


class KB:
    """A knowledge base at a SQLAlchemy URL, migrated to the latest schema on open."""

    def __init__(self, url: str, *, seed: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.migration = ensure_schema(self.engine)
        if seed:
            self.seed_regions()

    def close(self) -> None:
        self.engine.dispose()

    def seed_regions(self) -> int:
        """Make the ``region`` table hold the 38 provinces and 514 kabupaten/kota of
        :mod:`wilayah` (Kemendagri codes, seat coordinates); return rows added or corrected.
        Reference data wins: a row whose name, kind, parent or seat differs is corrected (KBs
        seeded before 0.3 held BPS-ordered codes for NTT under Kemendagri's name).

        KBs opened at once (workers starting together): on PostgreSQL one seeds under the
        schema lock while the others wait; on SQLite a process that lost the race to insert
        reads what the winner wrote and finds nothing left to do."""
        try:
            return self._seed_regions()
        except IntegrityError:  # another process seeded between our read and our insert
            return self._seed_regions()

    def _seed_regions(self) -> int:
        touched = 0
        with Session(self.engine) as s:
            if self.engine.dialect.name == "postgresql":
                lock_schema(s.connection())
            rows = {r.code: r for r in s.exec(select(Region)).all()}
            for reg in wilayah.regions():
                want = {"name": reg.name, "kind": reg.kind, "parent": reg.parent,
                        "latitude": reg.lat, "longitude": reg.lon, "scheme": wilayah.SCHEME,
                        "seat": reg.seat, "utc_offset": reg.utc_offset}  # fmt: skip
                row = rows.get(reg.code) or Region(code=reg.code, name=reg.name)
                if reg.code in rows and all(getattr(row, k) == v for k, v in want.items()):
                    continue
                for key, value in want.items():
                    setattr(row, key, value)
                s.add(row)
                touched += 1
            s.commit()
        return touched

    # -- reference data ---------------------------------------------------------------------
    def upsert_outlets(self, outlets: Iterable[Mapping[str, Any]]) -> None:
        with Session(self.engine) as s:
            for o in outlets:
                row = s.exec(select(Outlet).where(Outlet.name == o["name"])).first()
                row = row or Outlet(name=o["name"], title=o.get("title") or o["name"])
                row.title = o.get("title") or row.title
                row.homepage = o.get("homepage")
                row.region_code = o.get("region_code")
                s.add(row)
            s.commit()

    def sync_crawl_runs(self, runs: Iterable[Mapping[str, Any]]) -> None:
        with Session(self.engine) as s:
            for r in runs:
                row = s.get(CrawlRun, r["id"]) or CrawlRun(
                    id=r["id"], started_at=r["started_at"], status=r["status"]
                )
                row.finished_at = r.get("finished_at")
                row.status = r["status"]
                row.sources = json.dumps(r.get("sources") or [])
                row.stats = json.dumps(r.get("stats") or {}, sort_keys=True, default=str)
                s.add(row)
            s.commit()

    # -- processing bookkeeping -------------------------------------------------------------
    def processed(self, url: str) -> ProcessedPage | None:
        with Session(self.engine) as s:
            return s.exec(select(ProcessedPage).where(ProcessedPage.url == url)).first()

    def is_current(self, url: str, page_sha256: str, version: str) -> bool:
        row = self.processed(url)
        return bool(row and row.page_sha256 == page_sha256 and row.extractor_version == version)

    def current_pages(self, pages: Iterable[tuple[str, str]], version: str) -> set[str]:
        """Of ``(url, page_sha256)`` pairs, the URLs already processed from that body by
        ``version`` — one SELECT (callers pass at most :data:`LOOKUP_CHUNK` pages)."""
        wanted = dict(pages)
        if not wanted:
            return set()
        pp = _table(ProcessedPage)
        query = (
            core_select(pp.c.url, pp.c.page_sha256)
            .where(pp.c.url.in_(list(wanted)))
            .where(pp.c.extractor_version == version)
        )
        with self.engine.connect() as conn:
            return {url for url, sha in conn.execute(query) if wanted.get(url) == sha}

    def record_outcome(
        self,
        *,
        url: str,
        source: str,
        page_sha256: str,
        extractor_version: str,
        outcome: str,
        reason: str | None = None,
    ) -> None:
        """Record a page that did not become an article (rejected, off_topic, error)."""
        with self.batch(1) as batch:
            batch.record_outcome(
                url=url, source=source, page_sha256=page_sha256,
                extractor_version=extractor_version, outcome=outcome, reason=reason,
            )  # fmt: skip

    def start_extraction_run(self, version: str) -> ExtractionRun:
        with Session(self.engine) as s:
            run = ExtractionRun(extractor_version=version, started_at=_stamp())
            s.add(run)
            s.commit()
            s.refresh(run)
            return run

    def finish_extraction_run(self, run: ExtractionRun) -> None:
        with Session(self.engine) as s:
            run.finished_at = _stamp()
            s.add(run)
            s.commit()

    def count_extraction_run(self, run_id: int, counts: Mapping[str, int]) -> None:
        """Add ``counts`` (column -> number, of :data:`RUN_COUNTERS`) to extraction run
        ``run_id`` in one UPDATE (``pantau cluster enqueue``: the pages it found current)."""
        with self.engine.begin() as conn:
            _bump_run(conn, run_id, counts)

    # -- ingest ------------------------------------------------------------------------------
    def batch(self, articles_per_transaction: int = ARTICLES_PER_TRANSACTION) -> IngestBatch:
        """A writer storing several articles per transaction, each in its own savepoint (a
        context manager: see :class:`IngestBatch`)."""
        return IngestBatch(self, articles_per_transaction)

    def ingest(
        self,
        *,
        page_url: str | None = None,
        source: str,
        page_sha256: str,
        fetched_at: str | None,
        article: Mapping[str, Any],
        facts: ef.Facts | Mapping[str, Any],
        extractor_version: str,
    ) -> str:
        """Store one cleaned article and its facts in one transaction (see
        :meth:`IngestBatch.ingest`). Returns ``"new"``, ``"updated"`` or ``"unchanged"``."""
        with self.batch(1) as batch:
            return batch.ingest(
                page_url=page_url, source=source, page_sha256=page_sha256, fetched_at=fetched_at,
                article=article, facts=facts, extractor_version=extractor_version,
            )  # fmt: skip

    # -- after a batch: derived data ---------------------------------------------------------
    def resolve(self, overrides: Any = None) -> dict[str, Any]:
        """Re-derive positions, resolve persons and cluster stories (see kb.resolve, kb.stories).

        ``overrides`` is an :class:`kb.resolve.Overrides` (or None). Deterministic: running it
        twice on the same data changes nothing.
        """
        from kb.resolve import Overrides, resolve_persons
        from kb.stories import cluster_stories

        overrides = overrides or Overrides()
        persons = resolve_persons(self.engine, overrides)
        stories = cluster_stories(self.engine, overrides)
        return {"persons": persons, "stories": stories}

    # -- queries -----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        tables: tuple[type[SQLModel], ...] = (
            Article,
            Person,
            PersonMerge,
            Position,
            Organization,
            Story,
            *FACT_TABLES,
            ProcessedPage,
            Outlet,
            Region,
        )
        out = {}
        with self.engine.connect() as conn:
            for model in tables:
                table = _table(model)
                count = conn.execute(core_select(func.count()).select_from(table)).scalar()
                out[table.name] = int(count or 0)
        return out


class IngestBatch:
    """Articles stored several per transaction, each in a savepoint of its own.

    Use as ``with kb.batch() as batch: batch.ingest(...)``. The transaction is committed every
    ``articles_per_transaction`` stored pages (articles or outcomes) or after
    :data:`MAX_TRANSACTION_S`; leaving the block commits the rest, also when an exception
    leaves it (a stop signal, a bug in the caller: every article in it is complete), except a
    failure of the database itself (:data:`DATABASE_FAILURES`), which rolls back. A page whose
    article or facts the KB refuses (:class:`FactValueError`, a constraint) rolls back its own
    savepoint and raises; the batch goes on. Outlets, persons, organisations, positions and
    region codes are cached for the batch (and forgotten when a savepoint rolls back).
    """

    def __init__(self, kb: KB, articles_per_transaction: int = ARTICLES_PER_TRANSACTION) -> None:
        self.kb = kb
        self.size = max(1, articles_per_transaction)
        self.conn: Connection | None = None
        self.pending = 0
        self.started = time.monotonic()
        self._forget()

    # transaction handling
    def __enter__(self) -> IngestBatch:
        self.conn = self.kb.engine.connect()
        self._begin()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self.conn
        self.conn = None
        if conn is None:
            return
        try:
            if isinstance(exc, DATABASE_FAILURES):
                conn.rollback()
            else:
                conn.commit()
        finally:
            conn.close()

    def _begin(self) -> None:
        conn = self._conn()
        if conn.dialect.name == "sqlite":
            # pysqlite begins a transaction only at the first INSERT/UPDATE/DELETE, so a
            # SAVEPOINT issued first would start (and its RELEASE commit) the transaction:
            # begin it explicitly for the savepoints to nest.
            conn.exec_driver_sql("BEGIN")
        self.started = time.monotonic()

    def commit(self) -> None:
        """Commit what is stored so far and begin the next transaction."""
        conn = self._conn()
        conn.commit()
        self.pending = 0
        self._begin()

    def _conn(self) -> Connection:
        if self.conn is None:
            raise RuntimeError("IngestBatch used outside its with block")
        return self.conn

    def _forget(self) -> None:
        self.outlets: dict[str, tuple[int, dt.tzinfo]] = {}
        self.persons: dict[str, tuple[int, set[str]]] = {}
        self.orgs: dict[str, tuple[int, set[str]]] = {}
        self.positions: dict[tuple[int, str], list[Any]] = {}
        self.region_codes: set[str] | None = None

    def _atomic(self, write: Any, *args: Any, **kwargs: Any) -> Any:
        """``write(conn, …)`` in a savepoint: rolled back alone when it raises."""
        conn = self._conn()
        savepoint = conn.begin_nested()
        try:
            result = write(conn, *args, **kwargs)
        except BaseException:
            if savepoint.is_active:
                # when the database failed, the caller's error says so and the batch rolls back
                with contextlib.suppress(*DATABASE_FAILURES):
                    savepoint.rollback()
            self._forget()
            raise
        savepoint.commit()
        self.pending += 1
        if self.pending >= self.size or time.monotonic() - self.started >= MAX_TRANSACTION_S:
            self.commit()
        return result

    # writes
    def record_outcome(
        self,
        *,
        url: str,
        source: str,
        page_sha256: str,
        extractor_version: str,
        outcome: str,
        reason: str | None = None,
    ) -> None:
        """Record a page that did not become an article (rejected, off_topic, error)."""
        values = {"url": url, "source": source, "page_sha256": page_sha256,
                  "extractor_version": extractor_version, "outcome": outcome, "reason": reason,
                  "article_id": None}  # fmt: skip
        self._atomic(self._outcome, values)

    def ingest(
        self,
        *,
        page_url: str | None = None,
        source: str,
        page_sha256: str,
        fetched_at: str | None,
        article: Mapping[str, Any],
        facts: ef.Facts | Mapping[str, Any],
        extractor_version: str,
    ) -> str:
        """Store one cleaned article and its facts atomically (in a savepoint).

        ``page_url`` is the raw page's URL when it differs from the article's canonical URL.
        Returns ``"new"``, ``"updated"`` or ``"unchanged"``.
        """
        status: str = self._atomic(
            self._ingest, page_url=page_url, source=source, page_sha256=page_sha256,
            fetched_at=fetched_at, article=article, facts=facts,
            extractor_version=extractor_version,
        )  # fmt: skip
        return status

    def claim_page(self, url: str, page_sha256: str, version: str) -> bool:
        """Serialise this transaction with any other storing page ``url`` and say whether the
        page is already processed from ``page_sha256`` by ``version`` (read after the lock, so
        a concurrent writer's outcome is seen once it committed). On PostgreSQL a transaction
        advisory lock on the URL's hash (released at commit); on SQLite the database's write
        lock, taken by an empty write. A task run twice at once thus stores (and counts) once."""
        conn = self._conn()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:ns, hashtext(:url))"),
                         {"ns": PAGE_LOCK_NAMESPACE, "url": url})
        else:
            conn.execute(text("UPDATE processed_page SET url = url WHERE 0 = 1"))
        pp = _table(ProcessedPage)
        row = conn.execute(core_select(pp.c.page_sha256, pp.c.extractor_version)
                           .where(pp.c.url == url)).first()
        return row is not None and (row[0], row[1]) == (page_sha256, version)

    def count_extraction_run(self, run_id: int, counts: Mapping[str, int]) -> None:
        """Add ``counts`` to extraction run ``run_id`` in this batch's transaction (committed
        with the page it counts). Call it last before the commit: the run's row stays locked
        from this UPDATE to the commit, and every worker counts into the same row."""
        _bump_run(self._conn(), run_id, counts)

    def _outcome(self, conn: Connection, values: Mapping[str, Any]) -> None:
        row = {**values, "processed_at": _stamp()}
        done = conn.execute(_update_where("processed_page", "url"), {KEY: row["url"], **row})
        if not done.rowcount:
            conn.execute(_insert("processed_page"), row)

    def _ingest(
        self,
        conn: Connection,
        *,
        page_url: str | None,
        source: str,
        page_sha256: str,
        fetched_at: str | None,
        article: Mapping[str, Any],
        facts: ef.Facts | Mapping[str, Any],
        extractor_version: str,
    ) -> str:
        records = as_records(facts)
        url = str(article["url"])
        content = f"{article.get('title') or ''}\n\n{article.get('text') or ''}"
        content_sha = hashlib.sha256(content.encode("utf-8")).hexdigest()
        outcome = {"url": page_url or url, "source": source, "page_sha256": page_sha256,
                   "extractor_version": extractor_version, "outcome": "article",
                   "reason": rejected_note(records)}  # fmt: skip
        columns = ("id", "page_sha256", "extractor_version", "content_sha256", "previous_sha256")
        row = conn.execute(_select_where("article", columns, "url"), {"url": url}).first()
        if row is not None and (row.page_sha256, row.extractor_version) == (
            page_sha256,
            extractor_version,
        ):
            self._outcome(conn, {**outcome, "article_id": row.id})
            return "unchanged"
        outlet_id, zone = self._outlet(conn, source, article.get("outlet"))
        published = _datetime(article.get("published"), zone)
        local = published.astimezone(zone) if published else None
        values = {
            "outlet_id": outlet_id,
            "title": article.get("title") or "",
            "text": article.get("text") or "",
            "published": published.astimezone(dt.UTC) if published else None,
            "published_source": article.get("published_source"),
            "modified": _datetime(article.get("modified"), zone),
            "month": local.strftime("%Y-%m") if local else None,
            "authors": json.dumps(article.get("authors") or [], ensure_ascii=False),
            "editor": article.get("editor"),
            "reporter": article.get("reporter"),
            "dateline": article.get("dateline"),
            "section": article.get("section"),
            "tags": json.dumps(article.get("tags") or [], ensure_ascii=False),
            "image": article.get("image"),
            "language": article.get("language"),
            "advertorial": bool(article.get("advertorial")),
            "boilerplate": json.dumps(article.get("boilerplate") or [], ensure_ascii=False),
            "content_sha256": content_sha,
            "page_sha256": page_sha256,
            "extractor_version": extractor_version,
            "fetched_at": fetched_at,
            "processed_at": _stamp(),
        }
        if row is None:
            article_id = _new_id(conn.execute(_insert("article"), {"url": url, **values}))
            status = "new"
        else:
            article_id = int(row.id)
            if row.content_sha256 != content_sha:
                earlier = json.loads(row.previous_sha256) + [row.content_sha256]
                values["previous_sha256"] = json.dumps(earlier)
            conn.execute(_update_where("article", "id"), {KEY: article_id, **values})
            for model in FACT_TABLES:
                conn.execute(_delete_where(_table(model).name, "article_id"), {KEY: article_id})
            status = "updated"
        self._add_facts(conn, article_id, local.date() if local else None, records)
        self._outcome(conn, {**outcome, "article_id": article_id})
        return status

    # cached reference rows
    def _outlet(self, conn: Connection, name: str, title: Any) -> tuple[int, dt.tzinfo]:
        if name not in self.outlets:
            query = _select_where("outlet", ("id", "region_code"), "name")
            row = conn.execute(query, {"name": name}).first()
            if row is None:
                new = conn.execute(_insert("outlet"), {"name": name, "title": title or name})
                self.outlets[name] = (_new_id(new), LOCAL_TZ)
            else:
                self.outlets[name] = (int(row.id), outlet_zone(row.region_code))
        return self.outlets[name]

    def _named(
        self,
        conn: Connection,
        model: type[SQLModel],
        cache: dict[str, tuple[int, set[str]]],
        name: str,
        aliases: Iterable[str],
        **create: Any,
    ) -> int:
        """The id of the person/organisation row ``name`` (created when missing), with
        ``aliases`` added to its JSON list."""
        table = _table(model).name
        if name not in cache:
            query = _select_where(table, ("id", "aliases"), "name")
            row = conn.execute(query, {"name": name}).first()
            if row is None:
                new = conn.execute(_insert(table), {"name": name, "aliases": "[]", **create})
                cache[name] = (_new_id(new), set())
            else:
                cache[name] = (int(row.id), set(json.loads(row.aliases)))
        row_id, known = cache[name]
        new_aliases = {a for a in aliases if a and a != name} - known
        if new_aliases:
            known |= new_aliases
            aliases_json = json.dumps(sorted(known), ensure_ascii=False)
            conn.execute(_update_where(table, "id"), {KEY: row_id, "aliases": aliases_json})
        return row_id

    def _position(
        self,
        conn: Connection,
        person_id: int,
        item: ef.Official,
        seen: dt.date | None,
        org_id: int | None,
    ) -> None:
        if not item.title:
            return
        key = (person_id, item.title)
        if key not in self.positions:
            query = _select_where(
                "position", ("id", "first_seen", "last_seen"), "person_id", "title"
            )
            row = conn.execute(query, {"person_id": person_id, "title": item.title}).first()
            if row is None:
                new = conn.execute(
                    _insert("position"),
                    {"person_id": person_id, "title": item.title,
                     "organization": item.organization, "region": item.region,
                     "organization_id": org_id, "first_seen": seen, "last_seen": seen},
                )  # fmt: skip
                self.positions[key] = [_new_id(new), seen, seen]
                return
            self.positions[key] = [int(row.id), row.first_seen, row.last_seen]
        cached = self.positions[key]
        if seen is None:
            return
        first = min(d for d in (cached[1], seen) if d is not None)
        last = max(d for d in (cached[2], seen) if d is not None)
        if (first, last) != (cached[1], cached[2]):
            change = {KEY: cached[0], "first_seen": first, "last_seen": last}
            conn.execute(_update_where("position", "id"), change)
            cached[1], cached[2] = first, last

    def _known_regions(self, conn: Connection) -> set[str]:
        if self.region_codes is None:
            rt = _table(Region)
            self.region_codes = {code for (code,) in conn.execute(core_select(rt.c.code))}
        return self.region_codes

    # facts, in bulk
    def _add_facts(
        self, conn: Connection, article_id: int, seen: dt.date | None, facts: ef.Facts
    ) -> None:
        persons: dict[str, int] = {}
        mentions: list[dict[str, Any]] = []
        for o in facts.officials:
            if not o.name:
                continue
            person_id = self._named(conn, Person, self.persons, o.name, o.aliases)
            persons[o.name] = person_id
            org_id = None
            if o.organization:
                written = [o.organization_text] if o.organization_text else []
                org_id = self._named(conn, Organization, self.orgs, o.organization, written,
                                     region=o.organization_region)  # fmt: skip
            self._position(conn, person_id, o, seen, org_id)
            mentions.append({**_evidence(o, article_id), "person_id": person_id, "name": o.name,
                             "title": o.title, "organization": o.organization,
                             "region": o.region, "organization_id": org_id})  # fmt: skip
        rows: list[tuple[type[SQLModel], list[dict[str, Any]]]] = [
            (Mention, mentions),
            (WorkerCount, [
                {**_evidence(c, article_id), "value": _int(c.value, "worker_count value"),
                 "noun": c.noun, "qualifier": c.qualifier}
                for c in facts.worker_counts
            ]),
            (Amount, [
                {**_evidence(a, article_id),
                 "value": _int(a.value, "amount value", BIGINT_BITS),
                 "currency": a.currency or "IDR", "role": a.role, "per": a.per}
                for a in facts.amounts
            ]),
            (Percentage, [
                {**_evidence(p, article_id), "value": _finite(p.value, "percentage value")}
                for p in facts.percentages
            ]),
            (Event, [
                {**_evidence(e, article_id), "type": e.type or "other", "date": e.date,
                 "place": e.place}
                for e in facts.events
            ]),
            (Quote, [
                {**_evidence(q, article_id), "speaker": q.speaker,
                 "person_id": persons.get(q.speaker) if q.speaker else None}
                for q in facts.quotes
            ]),
            (ArticleRegion, self._regions(conn, article_id, facts.regions)),
        ]  # fmt: skip
        for model, values in rows:
            if values:
                conn.execute(_insert(_table(model).name), values)

    def _regions(
        self, conn: Connection, article_id: int, regions: list[ef.RegionMention]
    ) -> list[dict[str, Any]]:
        known = self._known_regions(conn)
        out: list[dict[str, Any]] = []
        seen_codes: set[str] = set()
        for r in regions:
            if not r.code or r.code in seen_codes:
                continue
            seen_codes.add(r.code)
            if r.code not in known:
                region = {"code": r.code, "name": r.name or r.code, "kind": r.kind}
                conn.execute(_insert("region"), region)
                known.add(r.code)
            out.append({"article_id": article_id, "region_code": r.code,
                        "start": _int(r.start, "start"), "end": _int(r.end, "end")})  # fmt: skip
        return out
