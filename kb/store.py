"""Storage: open a KB at any SQLAlchemy URL and ingest articles with their facts.

SQLite is the default (WAL, busy timeout, foreign keys on). Each article is written in one
transaction together with all its facts, its persons/positions and its ``processed_page`` row:
an article is stored with all its facts or not at all.

Ingest is idempotent: a page already processed from the same raw body by the same extractor
version is left alone; a changed body or a new extractor version replaces the article's facts
(and keeps the previous content hash in ``article.previous_sha256``).

Numbers are range-checked twice: the extractors leave implausible values out (listed under the
facts' ``rejected``, which ingest notes in the page's ``processed_page.reason``), and ingest
itself refuses an integer its column cannot hold (32 bits; 64 for amounts) or a non-finite
float with a one-line
:class:`FactValueError` — the article's transaction is rolled back, and the caller records the
page as an error — instead of the driver's ``OverflowError``.

Opening a KB brings its schema to the latest Alembic revision (:mod:`kb.migrations`) and seeds
the reference regions (:mod:`wilayah`). After a batch of ingests, :meth:`KB.resolve`
re-derives positions, resolves persons (:mod:`kb.resolve`) and clusters stories
(:mod:`kb.stories`), each in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, delete, select

import kb.health  # noqa: F401  (registers the source_health table in SQLModel.metadata)
import wilayah
from kb.migrations import ensure_schema
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

LOCAL_TZ = wilayah.DEFAULT_ZONE  # for dates written without a zone

SQLITE_BUSY_TIMEOUT_MS = 30_000  # `pantau publish` may read while `process` writes
# Integer columns are INTEGER (32 bits on PostgreSQL, 64 on SQLite: the KB keeps to 32) except
# amount.value, a BIGINT (64 bits on both).
INTEGER_BITS, BIGINT_BITS = 32, 64
MAX_REASON_CHARS = 300  # processed_page.reason stays one readable line
NOTE_TEXT_CHARS = 40  # of each rejected number's text quoted in that note


class FactValueError(ValueError):
    """A fact value the KB cannot store: an integer outside 64 bits, a non-finite number."""


def _short(value: Any) -> str:
    try:
        text = str(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return "(a number of thousands of digits)"
    if len(text) <= NOTE_TEXT_CHARS:
        return text
    return f"{text[:NOTE_TEXT_CHARS]}… ({len(text)} characters)"


def _int(value: Any, what: str, bits: int = INTEGER_BITS) -> int:
    try:
        number = int(value)
    except (OverflowError, TypeError, ValueError):
        raise FactValueError(f"{what} {_short(value)} is not an integer") from None
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise FactValueError(f"{what} {_short(number)} does not fit a {bits}-bit integer")
    return number


def _finite(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        raise FactValueError(f"{what} {_short(value)} is not a finite number") from None
    if not math.isfinite(number):
        raise FactValueError(f"{what} {_short(value)} is not a finite number")
    return number


def rejected_note(facts: Mapping[str, Any]) -> str | None:
    """One line for ``processed_page.reason``: the numbers the extractors rejected, and why."""
    items = facts.get("rejected") or []
    if not items:
        return None
    parts = [f"{_short(i.get('text') or '')!r} ({i.get('reason')})" for i in items]
    note = f"rejected {len(items)} implausible number(s): " + "; ".join(parts)
    return " ".join(note.split())[:MAX_REASON_CHARS]


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _datetime(value: Any) -> dt.datetime | None:
    if not value:
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


def _evidence(item: Mapping[str, Any], article_id: int) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "text": item.get("text") or "",
        "start": _int(item.get("start") or 0, "start"),
        "end": _int(item.get("end") or 0, "end"),
        "sentence": item.get("sentence") or "",
        "extractor": item.get("extractor") or "",
        "version": item.get("version") or "",
        "confidence": _finite(item.get("confidence") or 0.0, "confidence"),
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
        seeded before 0.3 held BPS-ordered codes for NTT under Kemendagri's name)."""
        touched = 0
        with Session(self.engine) as s:
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

    def _outcome(self, s: Session, **values: Any) -> None:
        row = s.exec(select(ProcessedPage).where(ProcessedPage.url == values["url"])).first()
        row = row or ProcessedPage(**values, processed_at=utcnow())
        for key, value in values.items():
            setattr(row, key, value)
        row.processed_at = utcnow()
        s.add(row)

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
        with Session(self.engine) as s:
            self._outcome(
                s,
                url=url,
                source=source,
                page_sha256=page_sha256,
                extractor_version=extractor_version,
                outcome=outcome,
                reason=reason,
                article_id=None,
            )
            s.commit()

    def start_extraction_run(self, version: str) -> ExtractionRun:
        with Session(self.engine) as s:
            run = ExtractionRun(extractor_version=version, started_at=utcnow())
            s.add(run)
            s.commit()
            s.refresh(run)
            return run

    def finish_extraction_run(self, run: ExtractionRun) -> None:
        with Session(self.engine) as s:
            run.finished_at = utcnow()
            s.add(run)
            s.commit()

    # -- ingest ------------------------------------------------------------------------------
    def ingest(
        self,
        *,
        page_url: str | None = None,
        source: str,
        page_sha256: str,
        fetched_at: str | None,
        article: Mapping[str, Any],
        facts: Mapping[str, Any],
        extractor_version: str,
    ) -> str:
        """Store one cleaned article and its facts in one transaction.

        ``page_url`` is the raw page's URL when it differs from the article's canonical URL.
        Returns ``"new"``, ``"updated"`` or ``"unchanged"``.
        """
        url = article["url"]
        content = f"{article.get('title') or ''}\n\n{article.get('text') or ''}"
        content_sha = hashlib.sha256(content.encode("utf-8")).hexdigest()
        with Session(self.engine) as s:
            row = s.exec(select(Article).where(Article.url == url)).first()
            outcome = {
                "url": page_url or url,
                "source": source,
                "page_sha256": page_sha256,
                "extractor_version": extractor_version,
                "outcome": "article",
                "reason": rejected_note(facts),
            }
            if (
                row is not None
                and row.page_sha256 == page_sha256
                and row.extractor_version == extractor_version
            ):
                self._outcome(s, **outcome, article_id=row.id)
                s.commit()
                return "unchanged"
            status = "updated" if row is not None else "new"
            outlet = s.exec(select(Outlet).where(Outlet.name == source)).first()
            if outlet is None:
                outlet = Outlet(name=source, title=article.get("outlet") or source)
                s.add(outlet)
                s.flush()
            if row is None:
                row = Article(
                    url=url,
                    title="",
                    text="",
                    content_sha256=content_sha,
                    page_sha256=page_sha256,
                    extractor_version=extractor_version,
                    processed_at=utcnow(),
                )
            elif row.content_sha256 != content_sha:
                earlier = json.loads(row.previous_sha256) + [row.content_sha256]
                row.previous_sha256 = json.dumps(earlier)
            published = _datetime(article.get("published"))
            row.outlet_id = outlet.id
            row.title = article.get("title") or ""
            row.text = article.get("text") or ""
            row.published = published
            row.published_source = article.get("published_source")
            row.modified = _datetime(article.get("modified"))
            row.month = published.strftime("%Y-%m") if published else None
            row.authors = json.dumps(article.get("authors") or [], ensure_ascii=False)
            row.editor = article.get("editor")
            row.reporter = article.get("reporter")
            row.dateline = article.get("dateline")
            row.section = article.get("section")
            row.tags = json.dumps(article.get("tags") or [], ensure_ascii=False)
            row.image = article.get("image")
            row.language = article.get("language")
            row.advertorial = bool(article.get("advertorial"))
            row.boilerplate = json.dumps(article.get("boilerplate") or [], ensure_ascii=False)
            row.content_sha256 = content_sha
            row.page_sha256 = page_sha256
            row.extractor_version = extractor_version
            row.fetched_at = fetched_at
            row.processed_at = utcnow()
            s.add(row)
            s.flush()
            assert row.id is not None
            for table in FACT_TABLES:
                s.exec(delete(table).where(table.article_id == row.id))  # type: ignore[attr-defined]
            self._add_facts(s, row.id, published.date() if published else None, facts)
            self._outcome(s, **outcome, article_id=row.id)
            s.commit()
            return status

    def _person(self, s: Session, name: str, aliases: Iterable[str]) -> Person:
        person = s.exec(select(Person).where(Person.name == name)).first()
        if person is None:
            person = Person(name=name, aliases="[]")
            s.add(person)
            s.flush()
        known = set(json.loads(person.aliases))
        new = {a for a in aliases if a and a != name} - known
        if new:
            person.aliases = json.dumps(sorted(known | new), ensure_ascii=False)
            s.add(person)
        return person

    def _organization(self, s: Session, item: Mapping[str, Any]) -> Organization | None:
        name = item.get("organization")
        if not name:
            return None
        org = s.exec(select(Organization).where(Organization.name == name)).first()
        if org is None:
            org = Organization(name=name, aliases="[]", region=item.get("organization_region"))
            s.add(org)
            s.flush()
        written = item.get("organization_text")  # the form in the article, when the extractor says
        known = set(json.loads(org.aliases))
        if written and written != name and written not in known:
            org.aliases = json.dumps(sorted(known | {written}), ensure_ascii=False)
            s.add(org)
        return org

    def _position(
        self,
        s: Session,
        person: Person,
        item: Mapping[str, Any],
        seen: dt.date | None,
        org: Organization | None,
    ) -> None:
        title = item.get("title")
        if not title:
            return
        pos = s.exec(
            select(Position).where(Position.person_id == person.id, Position.title == title)
        ).first()
        if pos is None:
            pos = Position(
                person_id=person.id or 0,
                title=title,
                organization=item.get("organization"),
                region=item.get("region"),
                organization_id=org.id if org else None,
            )
        if seen:
            pos.first_seen = min(filter(None, (pos.first_seen, seen)))
            pos.last_seen = max(filter(None, (pos.last_seen, seen)))
        s.add(pos)

    def _add_facts(
        self, s: Session, article_id: int, seen: dt.date | None, facts: Mapping[str, Any]
    ) -> None:
        persons: dict[str, Person] = {}
        for item in facts.get("officials") or []:
            name = item.get("name")
            if not name:
                continue
            person = self._person(s, name, item.get("aliases") or [])
            persons[name] = person
            org = self._organization(s, item)
            self._position(s, person, item, seen, org)
            s.add(
                Mention(
                    **_evidence(item, article_id),
                    person_id=person.id or 0,
                    name=name,
                    title=item.get("title"),
                    organization=item.get("organization"),
                    region=item.get("region"),
                    organization_id=org.id if org else None,
                )
            )
        for item in facts.get("worker_counts") or []:
            s.add(
                WorkerCount(
                    **_evidence(item, article_id),
                    value=_int(item["value"], "worker_count value"),
                    noun=item.get("noun") or "",
                    qualifier=item.get("qualifier"),
                )
            )
        for item in facts.get("amounts") or []:
            s.add(
                Amount(
                    **_evidence(item, article_id),
                    value=_int(item["value"], "amount value", BIGINT_BITS),
                    currency=item.get("currency") or "IDR",
                    role=item.get("role"),
                    per=item.get("per"),
                )
            )
        for item in facts.get("percentages") or []:
            value = _finite(item["value"], "percentage value")
            s.add(Percentage(**_evidence(item, article_id), value=value))
        for item in facts.get("events") or []:
            s.add(
                Event(
                    **_evidence(item, article_id),
                    type=item.get("type") or "other",
                    date=_date(item.get("date")),
                    place=item.get("place"),
                )
            )
        for item in facts.get("quotes") or []:
            speaker = item.get("speaker")
            person = persons.get(speaker) if speaker else None
            s.add(
                Quote(
                    **_evidence(item, article_id),
                    speaker=speaker,
                    person_id=person.id if person else None,
                )
            )
        seen_codes: set[str] = set()
        for item in facts.get("regions") or []:
            code = item.get("code")
            if not code or code in seen_codes:
                continue
            seen_codes.add(code)
            if s.get(Region, code) is None:
                s.add(
                    Region(
                        code=code,
                        name=item.get("name") or code,
                        kind=item.get("kind"),
                        parent=item.get("parent"),
                        latitude=item.get("latitude"),
                        longitude=item.get("longitude"),
                    )
                )
                s.flush()
            s.add(
                ArticleRegion(
                    article_id=article_id,
                    region_code=code,
                    start=item.get("start"),
                    end=item.get("end"),
                )
            )

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
        tables = (
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
        with Session(self.engine) as s:
            for table in tables:
                out[table.__tablename__] = s.exec(select(func.count()).select_from(table)).one()
        return out


__all__ = [
    "KB",
    "Amount",
    "Article",
    "Event",
    "Percentage",
    "Quote",
    "WorkerCount",
    "make_engine",
    "sqlite_url",
]
