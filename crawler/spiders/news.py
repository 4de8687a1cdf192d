"""The news spider: discovers article URLs of the configured outlets and fetches them.

Discovery: each source's RSS/Atom feeds, sitemaps (indexes followed, gzipped or not) and listing
pages (``{page}`` pagination, ``{date}`` daily indexes such as Tribun's
``/index-news?date=YYYY-MM-DD&page=N``). Article URLs are recognised by the source's
``article_patterns`` and canonicalised (one article = one row).

Incremental: a stored article is not fetched again unless the source says it changed (a sitemap
``lastmod`` or Atom ``updated`` newer than our fetch; the refetch is a conditional GET with the
stored ETag / Last-Modified). Feeds and sitemaps are conditional GETs too, with the validators
of the last finished run (not during a ``--since``/``--until`` backfill, which must see
everything). A URL that failed retryably in an earlier run is tried again.

At fetch time: an AMP page is not stored — its rel=canonical page is fetched instead; a page whose
same-site rel=canonical (or redirect target) is another article URL is stored under that URL;
a multi-page article (``?page=2`` … or ``?page=all`` links, the source's ``page_param``) is
fetched whole and joined into one record.

Every URL the run touches ends in exactly one ledger state, with an outcome code
(:class:`kb.ledger.Outcome`) and a free-text detail.

The spider is the discovery and parsing part of the crawl; the rest are Scrapy components
(enabled in :mod:`crawler.settings`), each built ``from_crawler``:

- :class:`crawler.ledger.CrawlRun` (extension): the crawl run in the raw store, the ledger,
  failure classification, aliases and validators; the spider records outcomes through it;
- :class:`crawler.articles.ArticlePages` (spider middleware): a fetched page's identity
  (AMP copies, aliases, canonical URLs) and multi-page joins;
- :class:`crawler.refetch.RefetchPolicy` (spider middleware): drops articles already stored,
  turns refetches and feed/sitemap fetches into conditional GETs (lookups off the reactor);
- :class:`crawler.pipelines.RawStorePipeline` (item pipeline): stores the pages;
- :class:`crawler.middlewares.PoliteRobotsTxtMiddleware` (downloader middleware): robots.txt.

Spider arguments: ``config`` (:class:`~crawler.sources.SourcesConfig`), ``only`` (source names),
``since`` / ``until`` (dates: entries dated outside are skipped; ``{date}`` listings walk every
day of the window), ``resumed`` (the run continues an interrupted job: see :mod:`crawler.run`).
Requests carry only plain values in ``meta`` and name their callbacks, so a ``JOBDIR`` can
persist them.

Settings read: ``PANTAU_RAW_STORE``, ``PANTAU_CONTACT``, ``USER_AGENT``,
``PANTAU_SITEMAP_MAX_AGE_DAYS``.

Per-request ``meta`` keys: ``pantau_source`` (source name), ``pantau_kind`` (feed, sitemap,
listing, article, article_part), ``pantau_url`` (the article's canonical URL), ``pantau_listing``
/ ``pantau_page`` / ``pantau_day`` (listing index, page number, ISO day), ``pantau_parts`` /
``pantau_bodies`` / ``pantau_remaining`` / ``pantau_first`` (multi-page articles); for
:class:`~crawler.refetch.RefetchPolicy`: ``pantau_modified`` (the link's date of change, ISO, or
None), ``pantau_retry`` (a retry candidate), ``pantau_conditional`` (send saved validators).

Stats: ``pantau/discovered``, ``pantau/articles/not_modified``,
``pantau/articles/out_of_window``, ``pantau/articles/amp``,
``pantau/articles/canonical``, ``pantau/articles/duplicate``, ``pantau/articles/multipage``,
``pantau/discovery/not_modified``, ``pantau/sitemaps/invalid``, ``pantau/sitemaps/stale``; the
components add theirs (see their docstrings).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawler.articles import response_headers
from crawler.discovery import Link, parse_feed, parse_sitemap
from crawler.items import PageItem
from crawler.ledger import CrawlRun, Ledger
from crawler.pages import own_text
from crawler.pages import without_param as _without_param
from crawler.refetch import NOT_MODIFIED, aware
from crawler.settings import source_user_agent
from crawler.sources import SITE_TZ, Source, SourcesConfig, site_today
from crawler.urls import canonical_url, fetch_url
from kb.ledger import Outcome
from kb.raw import RetryCandidate


class NewsSpider(scrapy.Spider):
    name = "pantau"

    def __init__(
        self,
        config: SourcesConfig,
        only: Iterable[str] = (),
        since: date | None = None,
        until: date | None = None,
        resumed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        wanted = set(only)
        self.sources = [
            s for s in config.sources if (s.enabled or s.name in wanted)
            and (not wanted or s.name in wanted)
        ]
        self.by_name = {s.name: s for s in self.sources}
        self.source_names = [s.name for s in self.sources]  # for the crawl run's row
        self.since, self.until = since, until
        self.resumed = resumed
        self.sitemap_max_age = timedelta(0)
        self.contact = ""
        self.default_ua: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.sitemap_max_age = timedelta(days=settings.getint("PANTAU_SITEMAP_MAX_AGE_DAYS", 0))
        spider.contact = str(settings.get("PANTAU_CONTACT", ""))
        spider.default_ua = settings.get("USER_AGENT")
        return spider

    @property
    def run(self) -> CrawlRun:
        return CrawlRun.of(self.crawler)

    @property
    def ledger(self) -> Ledger:
        return self.run.ledger

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def backfill(self) -> bool:
        return self.since is not None or self.until is not None

    # -- discovery ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for candidate in self.run.store.retry_candidates():
            source = self.by_name.get(candidate.source)
            if source is not None:
                for req in self.article_requests(source, Link(candidate.url), retry=candidate):
                    yield req
        for s in self.sources:
            for url in s.feeds:
                yield self._discovery(url, s, "feed", self.parse_feed)
            for url in s.sitemaps:
                yield self._discovery(url, s, "sitemap", self.parse_sitemap)
            for i, listing in enumerate(s.listings):
                days = list(self._days(listing.days, s.zone)) if listing.dated else [None]
                for day in days:
                    yield self._listing_page(s, i, 1, day)

    def _days(self, lookback: int, tz: tzinfo = SITE_TZ) -> Iterator[date]:
        """Days a ``{date}`` listing walks, newest first: the window, else the last few days.

        "Today" is the outlet's own (``tz``): a WIB outlet's index of today starts an hour later
        than a WITA one's.
        """
        today = site_today(tz)
        if self.backfill:
            end = min(self.until or today, today)
            start = self.since or end
        else:
            end, start = today, today - timedelta(days=lookback - 1)
        day = end
        while day >= start:
            yield day
            day -= timedelta(days=1)

    def _ua(self, source: Source) -> dict[str, str]:
        if not source.user_agent:
            return {}
        return {"User-Agent": source_user_agent(source.user_agent, self.contact, self.default_ua)}

    def _discovery(
        self, url: str, source: Source, kind: str, callback: Any, **meta: Any
    ) -> scrapy.Request:
        self.ledger.pending(url, source.name)
        # Conditional GET for feeds and for the sitemaps an index lists; a configured sitemap may
        # be an index whose bytes stay the same while its children change: always fetched.
        conditional = kind == "feed" or (kind == "sitemap" and meta.get("pantau_child"))
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=self._ua(source),
            dont_filter=True,
            meta={
                "pantau_source": source.name,
                "pantau_kind": kind,
                "handle_httpstatus_list": [NOT_MODIFIED],
                "pantau_conditional": bool(conditional and not self.backfill),
                **meta,
            },
        )

    def _listing_page(
        self, source: Source, index: int, page: int, day: date | None
    ) -> scrapy.Request:
        listing = source.listings[index]
        return self._discovery(
            listing.page_url(page, day),
            source,
            "listing",
            self.parse_listing,
            pantau_listing=index,
            pantau_page=page,
            pantau_day=day.isoformat() if day else None,
        )

    def _source(self, response: Response) -> Source:
        return self.by_name[response.meta["pantau_source"]]

    def _done_discovery(self, response: Response) -> bool:
        """Record a discovery page as answered; False when it was not modified (304)."""
        url = response.request.url if response.request else response.url
        source, kind = response.meta["pantau_source"], response.meta["pantau_kind"]
        if response.status == NOT_MODIFIED:
            self.stats.inc_value("pantau/discovery/not_modified")
            self.ledger.skipped(url, source, Outcome.NOT_MODIFIED, f"{kind} not modified")
            return False
        self.ledger.skipped(url, source, Outcome(kind), kind)
        if kind in ("feed", "sitemap"):
            self.run.validated(
                url,
                (response.headers.get("ETag") or b"").decode("latin-1") or None,
                (response.headers.get("Last-Modified") or b"").decode("latin-1") or None,
            )
        return True

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        if not self._done_discovery(response):
            return
        source = self._source(response)
        try:
            links = parse_feed(response.body)
        except Exception as exc:  # a hostile feed must not stop the run (gzip bomb, bad gzip)
            self.run.fail(response.url, source.name, Outcome.MALFORMED, f"feed: {exc}"[:200],
                          retryable=False)
            return
        for link in links:
            yield from self.article_requests(source, link)

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        if not self._done_discovery(response):
            return
        source = self._source(response)
        try:
            kind, links = parse_sitemap(response.body)
        except Exception as exc:  # gzip bomb and friends
            self.run.fail(response.url, source.name, Outcome.MALFORMED, f"sitemap: {exc}"[:200],
                          retryable=False)
            return
        if kind == "invalid":
            self.stats.inc_value("pantau/sitemaps/invalid")
        if kind != "index":
            for link in links:
                yield from self.article_requests(source, link)
            return
        oldest = datetime.now(UTC) - self.sitemap_max_age
        for link in links:
            if link.url in self.ledger or not link.url.startswith(("http:", "https:")):
                continue
            if self.since and link.modified and aware(link.modified).date() < self.since:
                # unchanged since before the window: it lists nothing the window wants
                self.ledger.skipped(link.url, source.name, Outcome.SITEMAP_SKIPPED,
                                    "sitemap out of window")
            elif (
                not self.backfill
                and self.sitemap_max_age
                and link.modified
                and aware(link.modified) < oldest
            ):  # an old monthly sitemap: its articles are archive, for a --since backfill
                self.stats.inc_value("pantau/sitemaps/stale")
                self.ledger.skipped(link.url, source.name, Outcome.SITEMAP_SKIPPED,
                                    "sitemap not modified recently")
            else:
                yield self._discovery(
                    link.url, source, "sitemap", self.parse_sitemap, pantau_child=True
                )

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        if not self._done_discovery(response) or not isinstance(response, TextResponse):
            return
        source = self._source(response)
        articles = 0
        for href in response.css("a::attr(href)").getall():
            link = Link(response.urljoin(href.strip()))
            if self.article_url(source, link.url):
                articles += 1
                yield from self.article_requests(source, link)
        # Walk the pagination: rel=next when the page has it, else the URL template while
        # pages keep listing articles; never past the configured maximum.
        index: int = response.meta["pantau_listing"]
        listing = source.listings[index]
        page: int = response.meta["pantau_page"]
        day_iso: str | None = response.meta.get("pantau_day")
        day = date.fromisoformat(day_iso) if day_iso else None
        has_next = response.css("link[rel=next], a[rel=next]").get() is not None
        more = page < listing.pages and listing.paginated and (has_next or articles > 0)
        if more and listing.page_url(page + 1, day) not in self.ledger:  # no page loops
            yield self._listing_page(source, index, page + 1, day)

    def _in_window(self, link: Link) -> bool:
        if link.date is None:
            return True
        day = aware(link.date).astimezone(SITE_TZ).date()
        return not (self.since and day < self.since) and not (self.until and day > self.until)

    def article_url(self, source: Source, raw: str) -> str | None:
        """The canonical article URL of a link, or None when it is not an article of source."""
        try:
            url = canonical_url(raw)
        except ValueError:  # e.g. a non-numeric port
            return None
        if source.is_article(url):
            return url
        if source.page_param:  # page 2 of an article is the article
            whole = _without_param(url, source.page_param)
            if whole != url and source.is_article(whole):
                return whole
        return None

    def article_requests(
        self, source: Source, link: Link, retry: RetryCandidate | None = None
    ) -> Iterator[scrapy.Request]:
        """The request for the article a link names (none when it is not an article of
        ``source``, the run already has it, or it is dated outside the window)."""
        url = self.article_url(source, link.url)
        if url is None or not self.ledger.claim(url, source.name):
            return
        self.stats.inc_value("pantau/discovered")
        if retry is None and not self._in_window(link):
            self.stats.inc_value("pantau/articles/out_of_window")
            self.ledger.skipped(url, source.name, Outcome.OUT_OF_WINDOW)
            return
        # Whether a stored page is fetched again, and how, is the refetch policy's call
        # (crawler.refetch): it sees pantau_modified.
        try:  # fetch the link as the site wrote it (no redirect); its identity is `url`
            target = fetch_url(link.url) if canonical_url(link.url) == url else url
        except ValueError:
            target = url
        # A resumed job's queue (intact: Scrapy closed it, see crawler.jobs) holds what the
        # interrupted run had scheduled and not yet sent: let the job's dupefilter drop our copy
        # of an `unfinished` URL. Anything else a retry names — `interrupted` (sent, never
        # answered), a killed run's `unfinished` (its job folder was discarded), a failure — is
        # requested unfiltered: no persisted seen-set may drop it.
        unfinished_in_queue = (
            self.resumed and retry is not None and retry.outcome is Outcome.UNFINISHED
        )
        yield scrapy.Request(
            target,
            callback=self.parse_article,
            errback=self.on_error,
            headers=self._ua(source),
            dont_filter=retry is not None and not unfinished_in_queue,
            meta={
                "pantau_source": source.name,
                "pantau_kind": "article",
                "pantau_url": url,
                "pantau_modified": link.modified.isoformat() if link.modified else None,
                "pantau_retry": retry is not None,
            },
        )

    # -- fetching ----------------------------------------------------------------------------
    # A fetched article page becomes an item under the URL requested; what it is (an AMP copy,
    # an alias, part of a multi-page article) is crawler.articles.ArticlePages's call.
    def parse_article(self, response: Response) -> Iterator[PageItem]:
        source = self._source(response)
        url: str = response.meta["pantau_url"]
        if response.status == NOT_MODIFIED:
            self.stats.inc_value("pantau/articles/not_modified")
            self.ledger.skipped(url, source.name, Outcome.NOT_MODIFIED, "not modified")
            return
        yield self._item(source, url, response)  # not text: kept as fetched; processing rejects it

    def parse_article_part(self, response: Response) -> Iterator[PageItem]:
        source = self._source(response)
        url: str = response.meta["pantau_url"]
        if not isinstance(response, TextResponse):
            self.run.fail(url, source.name, Outcome.MALFORMED,
                          f"part {response.url}: not a text page", retryable=False)
            return
        yield self._item(source, url, response)

    def part_request(self, source: Source, url: str, meta: dict[str, Any]) -> scrapy.Request:
        """The request for one more part of a multi-page article (meta: see the module)."""
        return scrapy.Request(
            url,
            callback=self.parse_article_part,
            errback=self.on_error,
            headers=self._ua(source),
            dont_filter=True,
            meta=meta,
        )

    def topic(self, sel: Selector) -> dict[str, Any]:
        """The topic filter's verdict on a page: ``on_topic`` and the keywords it matched."""
        if not self.config.keywords:
            return {"on_topic": True, "topic_hits": []}
        hits = self.config.topic_hits(own_text(sel))
        return {"on_topic": bool(hits), "topic_hits": hits}

    def _item(self, source: Source, url: str, response: Response) -> PageItem:
        topic = (self.topic(response.selector) if isinstance(response, TextResponse)
                 else {"on_topic": False, "topic_hits": []})
        return PageItem(
            url=url,
            final_url=response.url,
            source=source.name,
            status=response.status,
            headers=response_headers(response),
            body=response.body,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            **topic,
        )

    def on_error(self, failure: Failure) -> None:
        """Every request's errback: the crawl run classifies and records the failure."""
        self.run.request_failed(failure)
