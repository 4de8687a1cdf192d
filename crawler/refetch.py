"""Spider middleware: the refetch policy — what is fetched again, and how.

- An article request (``meta["pantau_kind"] == "article"``) for a page already in the raw
  store, under its URL or as a known alias (an AMP copy, a short link …), is dropped and recorded
  ``skipped(already_stored)`` — unless the source says it changed since our fetch
  (``meta["pantau_modified"]``, a sitemap ``lastmod`` or Atom ``updated``, newer than the stored
  fetch time): then it is a conditional GET with the stored ETag / Last-Modified, and a 304 is
  handed to the callback. Every article request let through is recorded pending in the ledger
  (``failed(unfinished, retryable)`` until answered).
- A discovery request marked ``meta["pantau_conditional"]`` (feeds and child sitemaps, not in a
  backfill) carries the validators the last finished run saved for its URL.

Lookups never block the reactor: the stored pages of all the article requests one callback
yields are looked up in one batch (:meth:`kb.raw.RawStore.stored_many`) in a thread, on a
read-only connection of its own; the validators (one row per feed or sitemap) are read once.
The ledger rows a callback's output brings (its skips, the pending rows of the requests let
through) are written in one transaction (:meth:`crawler.ledger.Ledger.batch`) before the
requests go on.

Settings read: ``PANTAU_RAW_STORE``.

Stats: ``pantau/articles/already_stored``, ``pantau/articles/changed_at_source``,
``pantau/articles/requested``, ``pantau/articles/retried``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.utils.defer import deferred_to_future
from twisted.internet import threads

from crawler.ledger import CrawlRun
from crawler.sources import SITE_TZ
from kb.ledger import Outcome
from kb.raw import RawStore, StoredPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

NOT_MODIFIED = 304


def aware(value: datetime) -> datetime:
    """A naive time from a feed or sitemap is the outlets' local time."""
    return value if value.tzinfo else value.replace(tzinfo=SITE_TZ)


def _lookup(path: str | Path, urls: list[str]) -> dict[str, tuple[str, StoredPage]]:
    with RawStore(path, readonly=True) as raw:
        return raw.stored_many(urls)


async def stored_pages(path: str | Path, urls: list[str]) -> dict[str, tuple[str, StoredPage]]:
    """``url → (canonical URL, stored page)`` for the stored ones of ``urls``, looked up in a
    thread (the reactor goes on meanwhile)."""
    if not urls:
        return {}
    result: dict[str, tuple[str, StoredPage]] = await deferred_to_future(
        threads.deferToThread(_lookup, path, urls)
    )
    return result


class RefetchPolicy:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path: str = crawler.settings["PANTAU_RAW_STORE"]  # a file or a PostgreSQL URL
        self._validators: dict[str, tuple[str | None, str | None]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RefetchPolicy:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        if self._validators is None:  # after CrawlRun created the store; read once
            self._validators = CrawlRun.of(self.crawler).store.all_validators()
        return self._validators

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            with CrawlRun.of(self.crawler).ledger.batch():
                decided = await self._decide([item])
            for out in decided:
                yield out

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        # One ledger transaction for what the callback and this policy record (skips, pending
        # rows), written before the requests go on to the scheduler.
        with CrawlRun.of(self.crawler).ledger.batch():
            decided = await self._decide([item async for item in result])
        for out in decided:
            yield out

    async def _decide(self, items: list[Any]) -> list[Any]:
        articles = [
            i for i in items
            if isinstance(i, Request) and i.meta.get("pantau_kind") == "article"
            and "pantau_modified" in i.meta  # a first request, not a fetch we already decided
        ]
        stored = await stored_pages(self.path, [r.meta["pantau_url"] for r in articles])
        out = []
        for item in items:
            if not isinstance(item, Request):
                out.append(item)
            elif item.meta.pop("pantau_conditional", False):
                out.append(self._conditional(item))
            elif "pantau_modified" in item.meta and item.meta.get("pantau_kind") == "article":
                if self._wanted(item, stored.get(item.meta["pantau_url"])):
                    out.append(item)
            else:
                out.append(item)
        return out

    def _conditional(self, request: Request) -> Request:
        etag, last_modified = self.validators().get(request.url, (None, None))
        if etag:
            request.headers["If-None-Match"] = etag
        if last_modified:
            request.headers["If-Modified-Since"] = last_modified
        return request

    def _wanted(self, request: Request, found: tuple[str, StoredPage] | None) -> bool:
        """Decide one article request: False when it is dropped (already stored)."""
        meta = request.meta
        url, source = meta["pantau_url"], meta["pantau_source"]
        modified = meta.pop("pantau_modified")
        ledger = CrawlRun.of(self.crawler).ledger
        if found is not None:
            stored = found[1]
            fetched = datetime.fromisoformat(stored.fetched_at)
            if not (modified and aware(datetime.fromisoformat(modified)) > aware(fetched)):
                self.stats.inc_value("pantau/articles/already_stored")
                ledger.skipped(url, source, Outcome.ALREADY_STORED)
                return False
            self.stats.inc_value("pantau/articles/changed_at_source")
            if stored.etag:
                request.headers["If-None-Match"] = stored.etag
            if stored.last_modified:
                request.headers["If-Modified-Since"] = stored.last_modified
            meta["handle_httpstatus_list"] = [NOT_MODIFIED]
        if meta.get("pantau_retry"):
            self.stats.inc_value("pantau/articles/retried")
        ledger.pending(url, source)
        self.stats.inc_value("pantau/articles/requested")
        return True
