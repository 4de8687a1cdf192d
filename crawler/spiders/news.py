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

Every URL the run touches ends in exactly one ledger state: ``stored`` (new/changed/unchanged),
``skipped`` (reason) or ``failed`` (reason, retryable). The ledger is written to the raw store as
the run goes (:class:`Ledger`: a URL is ``failed(unfinished, retryable)`` from the moment it is
scheduled until it is answered), so a run killed with ``kill -9`` leaves its URLs accounted; the
next run closes the killed ``crawl_run`` as ``killed`` and requests its unfinished URLs again,
unfiltered (see :mod:`crawler.jobs`). Scrapy's stats are saved when the spider closes.

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
``pantau_bodies`` / ``pantau_remaining`` / ``pantau_first`` (multi-page articles).

Stats: ``pantau/discovered``, ``pantau/articles/requested``, ``pantau/articles/already_stored``,
``pantau/articles/changed_at_source``, ``pantau/articles/not_modified``,
``pantau/articles/out_of_window``, ``pantau/articles/retried``, ``pantau/articles/amp``,
``pantau/articles/canonical``, ``pantau/articles/duplicate``, ``pantau/articles/multipage``,
``pantau/discovery/not_modified``, ``pantau/sitemaps/invalid``, ``pantau/sitemaps/stale``,
``pantau/skipped/robots``, ``pantau/failed``, ``pantau/failed/retryable``,
``pantau/ledger/{stored,skipped,failed}``, ``pantau/crawl_run``, ``pantau/runs/killed`` (earlier
runs found ``running`` with their process gone, closed as ``killed``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawler.discovery import Link, parse_feed, parse_sitemap
from crawler.items import PageItem
from crawler.middlewares import UNREACHABLE_MESSAGE
from crawler.pages import declared_canonical, join_pages, own_text, page_links, with_param
from crawler.pages import without_param as _without_param
from crawler.sources import SITE_TZ, Source, SourcesConfig, site_today
from crawler.urls import canonical_url, fetch_url
from kb.raw import UNFINISHED, RawStore, RetryCandidate

RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504, 522, 524}
NOT_MODIFIED = 304


def browser_compatible_ua(product: str, contact: str) -> str:
    """The ``user_agent: compatible`` form: browser-shaped, still naming Pantau and a contact."""
    return f"Mozilla/5.0 (compatible; {product}; +{contact})"


@dataclass
class Entry:
    source: str
    state: str  # pending | stored | skipped | failed
    reason: str | None = None
    retryable: bool = False


class Ledger:
    """Every URL the run touched, ending in exactly one state.

    With a store, every change is written as it happens (one small transaction each): a URL is
    recorded ``failed(unfinished, retryable)`` when it is first scheduled and takes its final
    state when it is answered. A run killed with ``kill -9`` thus leaves its URLs accounted, and
    the next run retries its unfinished ones (:meth:`kb.raw.RawStore.retry_candidates`).
    :meth:`flush` writes the whole ledger once more when the spider closes.
    """

    def __init__(self, store: RawStore | None = None, run_id: int = 0) -> None:
        self.entries: dict[str, Entry] = {}
        self.store, self.run_id = store, run_id

    def _set(self, url: str, entry: Entry) -> None:
        self.entries[url] = entry
        if self.store is not None:
            if entry.state == "pending":
                entry = Entry(entry.source, "failed", UNFINISHED, True)
            self.store.record(self.run_id, url, entry.state, entry.reason,
                              source=entry.source, retryable=entry.retryable)

    def pending(self, url: str, source: str) -> None:
        if url not in self.entries:
            self._set(url, Entry(source, "pending"))

    def stored(self, url: str, source: str, outcome: str) -> None:
        self._set(url, Entry(source, "stored", outcome))

    def skipped(self, url: str, source: str, reason: str) -> None:
        current = self.entries.get(url)
        if current is None or current.state == "pending":
            self._set(url, Entry(source, "skipped", reason))

    def failed(self, url: str, source: str, reason: str, retryable: bool) -> None:
        current = self.entries.get(url)
        if current is None or current.state != "stored":
            self._set(url, Entry(source, "failed", reason, retryable))

    def flush(
        self, store: RawStore, run_id: int, reached: set[str] | frozenset[str] = frozenset()
    ) -> dict[str, int]:
        """Write every entry; a URL still pending was cut off by the end of the run:
        ``interrupted`` when its request had reached the downloader, else ``unfinished``
        (still queued — in a job folder, a resumed run finds it there)."""
        counts: dict[str, int] = {}
        rows = []
        for url, e in self.entries.items():
            if e.state == "pending":
                reason = "interrupted" if url in reached else UNFINISHED
                e = Entry(e.source, "failed", reason, True)
            rows.append((url, e.source, e.state, e.reason, e.retryable))
            counts[e.state] = counts.get(e.state, 0) + 1
        store.record_many(run_id, rows)
        return counts


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=SITE_TZ)


def _headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }


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
        self.since, self.until = since, until
        self.resumed = resumed
        self.ledger = Ledger()
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.reached: set[str] = set()  # URLs whose request reached the downloader
        self.aliases: dict[str, tuple[str, str]] = {}  # alias URL → (canonical URL, source)
        self.store: RawStore
        self.run_id = 0
        self.killed_runs: list[int] = []
        self.compatible_ua = ""
        self.sitemap_max_age = timedelta(0)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.store = RawStore(settings["PANTAU_RAW_STORE"])
        spider.run_id = spider.store.start_run([s.name for s in spider.sources])
        spider.ledger = Ledger(spider.store, spider.run_id)
        spider.killed_runs = spider.store.close_dead_runs(exclude=spider.run_id)
        if spider.killed_runs:
            spider.logger.warning("closed crawl runs %s as killed (their process is gone)",
                                  spider.killed_runs)
        product = str(settings.get("USER_AGENT", "Pantau")).split(" ", 1)[0]
        spider.compatible_ua = browser_compatible_ua(product, settings.get("PANTAU_CONTACT", ""))
        spider.sitemap_max_age = timedelta(days=settings.getint("PANTAU_SITEMAP_MAX_AGE_DAYS", 0))
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.request_reached, signal=signals.request_reached_downloader)
        return spider

    def request_reached(self, request: scrapy.Request) -> None:
        self.reached.add(request.meta.get("pantau_url", request.url))

    def request_dropped(self, request: scrapy.Request) -> None:
        """The scheduler dropped a duplicate. A redirect back to a URL already requested is a
        loop; any other duplicate is already queued (a resumed job) and is left pending."""
        meta = request.meta
        if meta.get("redirect_urls") and meta.get("pantau_source"):
            url = meta.get("pantau_url", request.url)
            self._fail(url, meta["pantau_source"], "redirect loop", retryable=False)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def backfill(self) -> bool:
        return self.since is not None or self.until is not None

    # -- discovery ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for candidate in self.store.retry_candidates():
            source = self.by_name.get(candidate.source)
            if source is not None:
                for req in self._article(source, Link(candidate.url), retry=candidate):
                    yield req
        for s in self.sources:
            for url in s.feeds:
                yield self._discovery(url, s, "feed", self.parse_feed)
            for url in s.sitemaps:
                yield self._discovery(url, s, "sitemap", self.parse_sitemap)
            for i, listing in enumerate(s.listings):
                days = list(self._days(listing.days)) if listing.dated else [None]
                for day in days:
                    yield self._listing_page(s, i, 1, day)

    def _days(self, lookback: int) -> Iterator[date]:
        """Days a ``{date}`` listing walks, newest first: the window, else the last few days."""
        today = site_today()
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
        ua = self.compatible_ua if source.user_agent == "compatible" else source.user_agent
        return {"User-Agent": ua}

    def _discovery(
        self, url: str, source: Source, kind: str, callback: Any, **meta: Any
    ) -> scrapy.Request:
        self.ledger.pending(url, source.name)
        headers = self._ua(source)
        # Conditional GET for feeds and for the sitemaps an index lists; a configured sitemap may
        # be an index whose bytes stay the same while its children change: always fetched.
        conditional = kind == "feed" or (kind == "sitemap" and meta.get("pantau_child"))
        if conditional and not self.backfill:
            etag, last_modified = self.store.validators(url)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=headers,
            dont_filter=True,
            meta={
                "pantau_source": source.name,
                "pantau_kind": kind,
                "handle_httpstatus_list": [NOT_MODIFIED],
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
            self.ledger.skipped(url, source, f"{kind} not modified")
            return False
        self.ledger.skipped(url, source, kind)
        if kind in ("feed", "sitemap"):
            self.validators[url] = (
                response.headers.get("ETag", b"").decode("latin-1") or None,
                response.headers.get("Last-Modified", b"").decode("latin-1") or None,
            )
        return True

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        if not self._done_discovery(response):
            return
        source = self._source(response)
        try:
            links = parse_feed(response.body)
        except Exception as exc:  # a hostile feed must not stop the run (gzip bomb, bad gzip)
            self._fail(response.url, source.name, f"feed: {exc}"[:200], retryable=False)
            return
        for link in links:
            yield from self._article(source, link)

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        if not self._done_discovery(response):
            return
        source = self._source(response)
        try:
            kind, links = parse_sitemap(response.body)
        except Exception as exc:  # gzip bomb and friends
            self._fail(response.url, source.name, f"sitemap: {exc}"[:200], retryable=False)
            return
        if kind == "invalid":
            self.stats.inc_value("pantau/sitemaps/invalid")
        if kind != "index":
            for link in links:
                yield from self._article(source, link)
            return
        oldest = datetime.now(UTC) - self.sitemap_max_age
        for link in links:
            if link.url in self.ledger.entries or not link.url.startswith(("http:", "https:")):
                continue
            if self.since and link.modified and _aware(link.modified).date() < self.since:
                # unchanged since before the window: it lists nothing the window wants
                self.ledger.skipped(link.url, source.name, "sitemap out of window")
            elif (
                not self.backfill
                and self.sitemap_max_age
                and link.modified
                and _aware(link.modified) < oldest
            ):  # an old monthly sitemap: its articles are archive, for a --since backfill
                self.stats.inc_value("pantau/sitemaps/stale")
                self.ledger.skipped(link.url, source.name, "sitemap not modified recently")
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
            if self._article_url(source, link.url):
                articles += 1
                yield from self._article(source, link)
        # Walk the pagination: rel=next when the page has it, else the URL template while
        # pages keep listing articles; never past the configured maximum.
        index: int = response.meta["pantau_listing"]
        listing = source.listings[index]
        page: int = response.meta["pantau_page"]
        day_iso: str | None = response.meta.get("pantau_day")
        day = date.fromisoformat(day_iso) if day_iso else None
        has_next = response.css("link[rel=next], a[rel=next]").get() is not None
        more = page < listing.pages and listing.paginated and (has_next or articles > 0)
        if more and listing.page_url(page + 1, day) not in self.ledger.entries:  # no page loops
            yield self._listing_page(source, index, page + 1, day)

    def _in_window(self, link: Link) -> bool:
        if link.date is None:
            return True
        day = _aware(link.date).astimezone(SITE_TZ).date()
        return not (self.since and day < self.since) and not (self.until and day > self.until)

    def _article_url(self, source: Source, raw: str) -> str | None:
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

    def _article(
        self, source: Source, link: Link, retry: RetryCandidate | None = None
    ) -> Iterator[scrapy.Request]:
        url = self._article_url(source, link.url)
        if url is None or url in self.ledger.entries:
            return
        stats = self.stats
        stats.inc_value("pantau/discovered")
        if retry is None and not self._in_window(link):
            stats.inc_value("pantau/articles/out_of_window")
            self.ledger.skipped(url, source.name, "out_of_window")
            return
        headers = self._ua(source)
        meta: dict[str, Any] = {}
        stored = self.store.stored(url)
        known = self.store.stored_alias(url) if stored is None else None
        if known is not None:  # an AMP copy, alias or short link of a stored article
            stored = known[1]
        if stored is not None:
            fetched = datetime.fromisoformat(stored.fetched_at)
            if not (link.modified and _aware(link.modified) > _aware(fetched)):
                stats.inc_value("pantau/articles/already_stored")
                self.ledger.skipped(url, source.name, "already_stored")
                return
            stats.inc_value("pantau/articles/changed_at_source")
            if stored.etag:
                headers["If-None-Match"] = stored.etag
            if stored.last_modified:
                headers["If-Modified-Since"] = stored.last_modified
            meta["handle_httpstatus_list"] = [NOT_MODIFIED]
        if retry is not None:
            stats.inc_value("pantau/articles/retried")
        self.ledger.pending(url, source.name)
        stats.inc_value("pantau/articles/requested")
        try:  # fetch the link as the site wrote it (no redirect); its identity is `url`
            target = fetch_url(link.url) if canonical_url(link.url) == url else url
        except ValueError:
            target = url
        # A resumed job's queue (intact: Scrapy closed it, see crawler.jobs) holds what the
        # interrupted run had scheduled and not yet sent: let the job's dupefilter drop our copy
        # of an `unfinished` URL. Anything else a retry names — `interrupted` (sent, never
        # answered), a killed run's `unfinished` (its job folder was discarded), a failure — is
        # requested unfiltered: no persisted seen-set may drop it.
        unfinished_in_queue = self.resumed and retry is not None and retry.reason == UNFINISHED
        yield scrapy.Request(
            target,
            callback=self.parse_article,
            errback=self.on_error,
            headers=headers,
            dont_filter=retry is not None and not unfinished_in_queue,
            meta={
                "pantau_source": source.name,
                "pantau_kind": "article",
                "pantau_url": url,
                **meta,
            },
        )

    # -- fetching ----------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        source = self._source(response)
        url: str = response.meta["pantau_url"]
        if response.status == NOT_MODIFIED:
            self.stats.inc_value("pantau/articles/not_modified")
            self.ledger.skipped(url, source.name, "not modified")
            return
        if not isinstance(response, TextResponse):  # kept as fetched; processing rejects it
            yield self._item(source, url, response, response.body)
            return
        sel = response.selector
        canon = declared_canonical(sel, response.url, response.text)
        target = canon.url if canon.url and self._article_url(source, canon.url) else None
        if target is None:
            target = self._article_url(source, response.url)  # where a redirect ended
        identity = url
        if target and target != url:
            self.aliases[url] = (target, source.name)
            if canon.amp:  # an AMP copy: fetch (or skip, if stored) the canonical page
                self.stats.inc_value("pantau/articles/amp")
                self.ledger.skipped(url, source.name, f"amp copy of {target}")
                yield from self._article(source, Link(target))
                return
            if target in self.ledger.entries or self.store.has(target):
                self.stats.inc_value("pantau/articles/duplicate")
                self.ledger.skipped(url, source.name, f"duplicate of {target}")
                return
            self.stats.inc_value("pantau/articles/canonical")
            self.ledger.skipped(url, source.name, f"canonical is {target}")
            self.ledger.pending(target, source.name)
            identity = target
        if source.page_param:
            has_all, numbers = page_links(sel, response.url, identity, source.page_param)
            if has_all or numbers:
                self.stats.inc_value("pantau/articles/multipage")
                meta = {
                    "pantau_source": source.name,
                    "pantau_kind": "article_part",
                    "pantau_url": identity,
                    "pantau_parts": [response.url],
                    "pantau_bodies": [] if has_all else [response.text],
                    "pantau_first": {"status": response.status, "headers": _headers(response)},
                    "pantau_remaining": [] if has_all else numbers[1:],
                }
                value = "all" if has_all else str(numbers[0])
                yield self._part_request(source, with_param(identity, source.page_param, value),
                                         meta)
                return
        yield self._item(source, identity, response, response.body, sel=sel)

    def _part_request(self, source: Source, url: str, meta: dict[str, Any]) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article_part,
            errback=self.on_error,
            headers=self._ua(source),
            dont_filter=True,
            meta=meta,
        )

    def parse_article_part(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        source = self._source(response)
        meta = response.meta
        url: str = meta["pantau_url"]
        if not isinstance(response, TextResponse):
            self._fail(url, source.name, f"part {response.url}: not a text page", retryable=False)
            return
        parts = [*meta["pantau_parts"], response.url]
        if not meta["pantau_bodies"]:  # ?page=all: this one page is the whole article
            yield self._item(source, url, response, response.body, parts=parts)
            return
        bodies = [*meta["pantau_bodies"], response.text]
        remaining: list[int] = meta["pantau_remaining"]
        if remaining:
            assert source.page_param
            nxt = with_param(url, source.page_param, str(remaining[0]))
            yield self._part_request(
                source,
                nxt,
                {**meta, "pantau_parts": parts, "pantau_bodies": bodies,
                 "pantau_remaining": remaining[1:]},
            )
            return
        body = join_pages(bodies, source.css.get("body"))
        first = meta["pantau_first"]
        headers = {k: v for k, v in first["headers"].items() if k.lower() != "content-type"}
        headers["Content-Type"] = "text/html; charset=utf-8"
        yield PageItem(
            url=url,
            final_url=parts[0],
            source=source.name,
            status=first["status"],
            headers=headers,
            body=body,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            parts=parts,
            **self._topic(Selector(text=body.decode("utf-8"))),
        )

    def _topic(self, sel: Selector) -> dict[str, Any]:
        if not self.config.keywords:
            return {"on_topic": True, "topic_hits": []}
        hits = self.config.topic_hits(own_text(sel))
        return {"on_topic": bool(hits), "topic_hits": hits}

    def _item(
        self,
        source: Source,
        url: str,
        response: Response,
        body: bytes,
        *,
        sel: Selector | None = None,
        parts: list[str] | None = None,
    ) -> PageItem:
        if sel is None and isinstance(response, TextResponse):
            sel = response.selector
        topic = self._topic(sel) if sel is not None else {"on_topic": False, "topic_hits": []}
        return PageItem(
            url=url,
            final_url=response.url,
            source=source.name,
            status=response.status,
            headers=_headers(response),
            body=body,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            parts=parts or [],
            **topic,
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        url = meta.get("pantau_url", request.url)
        source = meta.get("pantau_source", "")
        part = f"part {request.url}: " if meta.get("pantau_kind") == "article_part" else ""
        if failure.check(HttpError):
            status = failure.value.response.status
            if status == 404 and meta.get("pantau_page", 1) > 1:
                self.ledger.skipped(url, source, "end of listing")
                return
            retryable = status in RETRYABLE_STATUSES
            self._fail(url, source, f"{part}http {status}", retryable=retryable)
            return
        if failure.check(IgnoreRequest):
            message = str(failure.value) or "ignored"
            if message == UNREACHABLE_MESSAGE:
                self._fail(url, source, message, retryable=True)
            elif "robots.txt" in message:
                self.stats.inc_value("pantau/skipped/robots")
                self.ledger.skipped(url, source, "robots.txt")
            else:  # redirect loop, decompression bomb …: the same next time
                self._fail(url, source, f"{part}{message}"[:200], retryable=False)
            return
        if failure.check(DownloadCancelledError):  # over DOWNLOAD_MAXSIZE
            self._fail(url, source, f"{part}too large: {failure.value}"[:200], retryable=False)
            return
        reason = failure.type.__name__ if failure.type else "error"
        detail = str(failure.value)[:200]
        text = f"{reason}: {detail}" if detail else reason
        self._fail(url, source, f"{part}{text}", retryable=True)  # timeouts, dropped connections

    def _fail(self, url: str, source: str, reason: str, *, retryable: bool) -> None:
        self.stats.inc_value("pantau/failed")
        if retryable:
            self.stats.inc_value("pantau/failed/retryable")
        self.ledger.failed(url, source, reason, retryable)

    def closed(self, reason: str) -> None:
        counts = self.ledger.flush(self.store, self.run_id, self.reached)
        stats = self.stats
        for state in ("stored", "skipped", "failed"):
            stats.set_value(f"pantau/ledger/{state}", counts.get(state, 0))
        stats.set_value("pantau/crawl_run", self.run_id)
        stats.set_value("pantau/runs/killed", len(self.killed_runs))
        self.store.save_aliases([(u, c, s) for u, (c, s) in self.aliases.items()])
        if reason == "finished":  # every article a feed listed is accounted for
            self.store.save_validators([(u, e, m) for u, (e, m) in self.validators.items()])
        self.store.finish_run(self.run_id, reason, stats.get_stats())
        self.store.close()
