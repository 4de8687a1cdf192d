"""Named queries on the knowledge base for the stages outside ``kb`` (the daily job, its
digest): the CLI package asks for what it needs by name and never builds SQL on KB tables.

Every function takes an SQLAlchemy :class:`~sqlalchemy.engine.Engine` and returns plain data
(dataclasses, tuples, dicts), never ORM objects tied to a session. URL lists of any length are
queried in chunks of :data:`IN_CHUNK` (bounded ``IN`` lists).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Table, delete, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import wilayah
from kb.models import (
    Amount,
    Article,
    Mention,
    Outlet,
    Percentage,
    ProcessedPage,
    Quote,
    WorkerCount,
)

IN_CHUNK = 500  # values per IN list: well under SQLite's 32,766 parameters and PG's limits

T = TypeVar("T")


def _chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


# -- processed pages -------------------------------------------------------------------------
def page_outcomes(engine: Engine, urls: Sequence[str]) -> dict[str, str]:
    """``{url: outcome}`` (article | rejected | off_topic | error) of the processed pages among
    ``urls``; a page never processed is absent."""
    pp = _table(ProcessedPage)
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for chunk in _chunks(list(urls)):
            query = select(pp.c.url, pp.c.outcome).where(pp.c.url.in_(chunk))
            out.update({url: outcome for url, outcome in conn.execute(query)})
    return out


def article_ids_of_pages(engine: Engine, urls: Sequence[str]) -> list[int]:
    """The ids of the articles the pages at ``urls`` became (pages that did not are left out)."""
    pp = _table(ProcessedPage)
    ids: list[int] = []
    with engine.connect() as conn:
        for chunk in _chunks(list(urls)):
            query = select(pp.c.article_id).where(pp.c.url.in_(chunk))
            ids += [int(i) for (i,) in conn.execute(query) if i is not None]
    return ids


def forget_errors(engine: Engine, urls: Sequence[str]) -> int:
    """Delete the ``error`` outcomes of the pages at ``urls`` (they are processed again next
    run); return how many were deleted."""
    pp = _table(ProcessedPage)
    deleted = 0
    with engine.begin() as conn:
        for chunk in _chunks(list(urls)):
            done = conn.execute(delete(pp).where(pp.c.url.in_(chunk), pp.c.outcome == "error"))
            deleted += done.rowcount or 0
    return deleted


# -- articles with their facts, for reports -------------------------------------------------
@dataclass
class Figure:
    """A number printed in an article: ``kind`` worker_count | amount | percentage."""

    kind: str
    text: str
    value: float
    role: str | None = None


@dataclass
class ArticleSummary:
    """An article with its outlet, the officials named, quotes and figures (in text order)."""

    id: int
    url: str
    title: str
    outlet: str
    outlet_title: str
    zone: dt.tzinfo  # the outlet's (wilayah.zone_of its region; the default zone without one)
    published: dt.datetime | None  # aware, UTC
    story_id: int | None
    officials: list[tuple[str, str | None]] = field(default_factory=list)  # (name, title)
    quotes: list[tuple[str | None, str]] = field(default_factory=list)  # (speaker, text)
    figures: list[Figure] = field(default_factory=list)

    @property
    def published_local(self) -> dt.datetime | None:
        """The publication time in the outlet's zone."""
        return self.published.astimezone(self.zone) if self.published else None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def article_summaries(engine: Engine, ids: Iterable[int]) -> list[ArticleSummary]:
    """The articles ``ids`` (those that exist) with their facts, by id."""
    wanted = sorted(set(ids))
    out: dict[int, ArticleSummary] = {}
    at, ot = _table(Article), _table(Outlet)
    with engine.connect() as conn:
        for chunk in _chunks(wanted):
            query = (
                select(at.c.id, at.c.url, at.c.title, at.c.published, at.c.story_id, ot.c.name,
                       ot.c.title.label("outlet_title"), ot.c.region_code)
                .select_from(at.outerjoin(ot, at.c.outlet_id == ot.c.id))
                .where(at.c.id.in_(chunk))
            )  # fmt: skip
            for r in conn.execute(query):
                out[r.id] = ArticleSummary(
                    id=r.id, url=r.url, title=r.title, outlet=r.name or "",
                    outlet_title=r.outlet_title or "",
                    zone=wilayah.zone_of(r.region_code) if r.region_code else wilayah.DEFAULT_ZONE,
                    published=_utc(r.published), story_id=r.story_id,
                )  # fmt: skip
        present = sorted(out)
        for chunk in _chunks(present):
            mt = _table(Mention)
            rows = conn.execute(
                select(mt.c.article_id, mt.c.name, mt.c.title)
                .where(mt.c.article_id.in_(chunk)).order_by(mt.c.start, mt.c.id)
            )  # fmt: skip
            for aid, name, title in rows:
                out[aid].officials.append((name, title))
            qt = _table(Quote)
            rows = conn.execute(
                select(qt.c.article_id, qt.c.speaker, qt.c.text)
                .where(qt.c.article_id.in_(chunk)).order_by(qt.c.start, qt.c.id)
            )  # fmt: skip
            for aid, speaker, text in rows:
                out[aid].quotes.append((speaker, text))
            for kind, model in (("worker_count", WorkerCount), ("amount", Amount),
                                ("percentage", Percentage)):  # fmt: skip
                t = _table(model)
                role = t.c.role if "role" in t.c else None
                cols = [t.c.article_id, t.c.text, t.c.value] + ([role] if role is not None else [])
                for row in conn.execute(
                    select(*cols).where(t.c.article_id.in_(chunk)).order_by(t.c.start, t.c.id)
                ):
                    out[row[0]].figures.append(
                        Figure(kind, row[1], row[2], row[3] if role is not None else None)
                    )
    return [out[i] for i in sorted(out)]
