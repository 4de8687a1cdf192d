"""The news spider: discovers article URLs of the configured outlets and fetches them.

Discovery: each source's feeds, sitemaps (indexes followed) and listing pages. Article URLs are
recognised by the source's ``article_patterns``, canonicalised, and fetched once: a URL already
in the raw store is skipped, and a URL that failed retryably in an earlier run is tried again.

Spider arguments: ``config`` (:class:`~crawler.sources.SourcesConfig`), ``only`` (source names),
``since`` / ``until`` (dates; entries with an older/newer lastmod or pubDate are skipped).

Settings read: ``PANTAU_RAW_STORE``.

Per-request ``meta`` keys: ``pantau_source`` (source name), ``pantau_kind`` (feed, sitemap,
listing, article).

Stats: ``pantau/discovered``, ``pantau/articles/requested``, ``pantau/articles/already_stored``,
``pantau/articles/out_of_window``, ``pantau/failed``, ``pantau/failed/retryable``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.discovery import Link, parse_feed, parse_sitemap
from crawler.items import PageItem
from crawler.sources import Listing, Source, SourcesConfig
from crawler.urls import canonical_url
from kb.raw import RawStore

RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504, 522, 524}
# The topic filter reads the page's own prose: link text (sidebars, "Baca juga", related lists)
# names other articles, and would mark an off-topic page relevant.
OWN_TEXT_XPATH = (
    "//title//text() | //body//text()[not(ancestor::a or ancestor::script or ancestor::style"
    " or ancestor::nav or ancestor::aside or ancestor::header or ancestor::footer)]"
)


def own_text(response: Response) -> str:
    """Title and body text of a page without links, navigation, scripts and side panels."""
    if not isinstance(response, TextResponse):
        return ""
    return " ".join(response.xpath(OWN_TEXT_XPATH).getall())


@dataclass
class Entry:
    source: str
    state: str  # pending | stored | skipped | failed
    reason: str | None = None
    retryable: bool = False


class Ledger:
    """Every URL the run touched, ending in exactly one state; flushed to the raw store."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def pending(self, url: str, source: str) -> None:
        self.entries.setdefault(url, Entry(source, "pending"))

    def stored(self, url: str, source: str, outcome: str) -> None:
        self.entries[url] = Entry(source, "stored", outcome)

    def skipped(self, url: str, source: str, reason: str) -> None:
        current = self.entries.get(url)
        if current is None or current.state == "pending":
            self.entries[url] = Entry(source, "skipped", reason)

    def failed(self, url: str, source: str, reason: str, retryable: bool) -> None:
        self.entries[url] = Entry(source, "failed", reason, retryable)

    def flush(self, store: RawStore, run_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for url, e in self.entries.items():
            if e.state == "pending":  # the run stopped before this URL was answered
                e = Entry(e.source, "failed", "unfinished", True)
            store.record(run_id, url, e.state, e.reason, source=e.source, retryable=e.retryable)
            counts[e.state] = counts.get(e.state, 0) + 1
        return counts


class NewsSpider(scrapy.Spider):
    name = "pantau"

    def __init__(
        self,
        config: SourcesConfig,
        only: Iterable[str] = (),
        since: date | None = None,
        until: date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        wanted = set(only)
        self.sources = [
            s for s in config.sources if s.enabled and (not wanted or s.name in wanted)
        ]
        self.since, self.until = since, until
        self.ledger = Ledger()
        self.store: RawStore
        self.run_id = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = RawStore(crawler.settings["PANTAU_RAW_STORE"])
        spider.run_id = spider.store.start_run([s.name for s in spider.sources])
        return spider

    # -- discovery ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        by_name = {s.name: s for s in self.sources}
        for url, source in self.store.retry_candidates():
            if source in by_name:
                self.crawler.stats.inc_value("pantau/articles/retried")
                for req in self._article(by_name[source], Link(url)):
                    yield req
        for s in self.sources:
            for url in s.feeds:
                yield self._discovery(url, s, "feed", self.parse_feed)
            for url in s.sitemaps:
                yield self._discovery(url, s, "sitemap", self.parse_sitemap)
            for listing in s.listings:
                yield self._listing_page(s, listing, 1)

    def _discovery(
        self, url: str, source: Source, kind: str, callback: Any, **meta: Any
    ) -> scrapy.Request:
        self.ledger.pending(url, source.name)
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
            meta={"pantau_source": source.name, "pantau_kind": kind, **meta},
        )

    def _listing_page(self, source: Source, listing: Listing, page: int) -> scrapy.Request:
        return self._discovery(
            listing.page_url(page),
            source,
            "listing",
            self.parse_listing,
            pantau_listing=listing,
            pantau_page=page,
        )

    def _source(self, response: Response) -> Source:
        return self.config.get(response.meta["pantau_source"])

    def _done_discovery(self, response: Response) -> None:
        url = response.request.url if response.request else response.url
        self.ledger.skipped(url, response.meta["pantau_source"], response.meta["pantau_kind"])

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        self._done_discovery(response)
        source = self._source(response)
        for link in parse_feed(response.body):
            yield from self._article(source, link)

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        self._done_discovery(response)
        source = self._source(response)
        try:
            kind, links = parse_sitemap(response.body)
        except ValueError as exc:  # gzip bomb and friends
            self._fail(response.url, source.name, f"sitemap: {exc}", retryable=False)
            return
        if kind == "invalid":
            self.crawler.stats.inc_value("pantau/sitemaps/invalid")
        for link in links:
            if kind == "index":
                if self._in_window(link):
                    yield self._discovery(link.url, source, "sitemap", self.parse_sitemap)
            else:
                yield from self._article(source, link)

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        self._done_discovery(response)
        if not isinstance(response, TextResponse):
            return
        source = self._source(response)
        found = 0
        for href in response.css("a::attr(href)").getall():
            for request in self._article(source, Link(response.urljoin(href))):
                found += 1
                yield request
        # Walk the pagination: rel=next when the page has it, else the URL template while
        # pages keep listing articles; never past the configured maximum.
        listing: Listing = response.meta["pantau_listing"]
        page: int = response.meta["pantau_page"]
        has_next = response.css('link[rel=next], a[rel=next]').get() is not None
        if page < listing.pages and listing.paginated and (has_next or found):
            yield self._listing_page(source, listing, page + 1)

    def _in_window(self, link: Link) -> bool:
        if link.date is None:
            return True
        day = link.date.date()
        return not (self.since and day < self.since) and not (self.until and day > self.until)

    def _article(self, source: Source, link: Link) -> Iterable[scrapy.Request]:
        url = canonical_url(link.url)
        if not source.is_article(url) or url in self.ledger.entries:
            return
        stats = self.crawler.stats
        stats.inc_value("pantau/discovered")
        if not self._in_window(link):
            stats.inc_value("pantau/articles/out_of_window")
            self.ledger.skipped(url, source.name, "out_of_window")
            return
        if self.store.has(url):
            stats.inc_value("pantau/articles/already_stored")
            self.ledger.skipped(url, source.name, "already_stored")
            return
        self.ledger.pending(url, source.name)
        stats.inc_value("pantau/articles/requested")
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            meta={"pantau_source": source.name, "pantau_kind": "article", "pantau_url": url},
        )

    # -- fetching ----------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterable[PageItem]:
        source = response.meta["pantau_source"]
        url = response.meta["pantau_url"]
        hits = self.config.topic_hits(own_text(response)) if self.config.keywords else []
        yield PageItem(
            url=url,
            final_url=response.url,
            source=source,
            status=response.status,
            headers={
                k.decode("latin-1"): b", ".join(v).decode("latin-1")
                for k, v in response.headers.items()
            },
            body=response.body,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            on_topic=bool(hits) or not self.config.keywords,
            topic_hits=hits,
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = request.meta.get("pantau_url", request.url)
        source = request.meta.get("pantau_source", "")
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            message = str(failure.value) or "ignored"
            if "robots.txt" in message:
                self.crawler.stats.inc_value("pantau/skipped/robots")
                self.ledger.skipped(url, source, "robots.txt")
                return
            self._fail(url, source, message, retryable=False)
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            if status == 404 and request.meta.get("pantau_page", 1) > 1:
                self.ledger.skipped(url, source, "end of listing")
                return
            self._fail(url, source, f"http {status}", retryable=status in RETRYABLE_STATUSES)
            return
        reason = failure.type.__name__ if failure.type else "error"
        detail = str(failure.value)[:200]
        self._fail(url, source, f"{reason}: {detail}" if detail else reason, retryable=True)

    def _fail(self, url: str, source: str, reason: str, *, retryable: bool) -> None:
        stats = self.crawler.stats
        stats.inc_value("pantau/failed")
        if retryable:
            stats.inc_value("pantau/failed/retryable")
        self.ledger.failed(url, source, reason, retryable)

    def closed(self, reason: str) -> None:
        counts = self.ledger.flush(self.store, self.run_id)
        stats = self.crawler.stats
        for state, n in counts.items():
            stats.set_value(f"pantau/ledger/{state}", n)
        stats.set_value("pantau/crawl_run", self.run_id)
        self.store.finish_run(self.run_id, reason, stats.get_stats())
        self.store.close()
