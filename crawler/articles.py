"""Spider middleware: an article's identity (canonicalisation) and multi-page joins.

The spider turns each fetched article page into a :class:`~crawler.items.PageItem` under the
URL it requested; :class:`ArticlePages` decides what that page is before it is stored:

- **Canonicalisation.** A page whose same-site ``rel=canonical`` (or redirect target) is another
  article URL is an alias of that article (remembered, so it is not fetched again): an AMP copy
  is not stored — its canonical page is requested instead (``skipped(amp_copy)``); a page whose
  canonical article this run already has, or the raw store holds, is ``skipped(duplicate)``;
  otherwise the page is stored under the canonical URL (``skipped(canonical)`` for the alias).
- **Multi-page joins.** An article of a source with a ``page_param`` whose page links to its
  other pages (``?page=2`` … or ``?page=all``) is fetched whole: the parts are requested one
  after the other (carried in ``meta``, so a job folder can persist them) and the joined page
  (:func:`crawler.pages.join_pages`, the source's body CSS) is stored as one record listing the
  URLs of its parts.

It asks the spider (:class:`ArticleSpider`) for what only the spider knows: the sources, the
article URL of a link, the requests for an article or a part, the topic filter. The lookup of
a canonical URL in the raw store runs in a thread (:func:`crawler.refetch.stored_pages`).

Settings read: ``PANTAU_RAW_STORE``.

Stats: ``pantau/articles/amp``, ``pantau/articles/duplicate``, ``pantau/articles/canonical``,
``pantau/articles/multipage``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse

from crawler.discovery import Link
from crawler.items import PageItem
from crawler.ledger import CrawlRun
from crawler.pages import declared_canonical, join_pages, page_links, with_param
from crawler.refetch import stored_pages
from crawler.sources import Source
from kb.ledger import Outcome

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class ArticleSpider(Protocol):
    by_name: dict[str, Source]

    def article_url(self, source: Source, raw: str) -> str | None: ...

    def article_requests(self, source: Source, link: Link) -> Iterator[Request]: ...

    def part_request(self, source: Source, url: str, meta: dict[str, Any]) -> Request: ...

    def topic(self, sel: Selector) -> dict[str, Any]: ...


def response_headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }


class ArticlePages:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.raw_path: str = crawler.settings["PANTAU_RAW_STORE"]  # a file or a PostgreSQL URL

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticlePages:
        return cls(crawler)

    @property
    def spider(self) -> ArticleSpider:
        return cast(ArticleSpider, self.crawler.spider)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        kind = response.meta.get("pantau_kind")
        async for item in result:
            if not isinstance(item, PageItem) or not isinstance(response, TextResponse):
                yield item
            elif kind == "article":
                async for out in self._article(response, item):
                    yield out
            elif kind == "article_part":
                yield self._part(response, item)
            else:
                yield item

    async def _article(self, response: TextResponse, item: PageItem) -> AsyncIterator[Any]:
        spider, run = self.spider, CrawlRun.of(self.crawler)
        source = spider.by_name[item.source]
        url = item.url
        sel = response.selector
        canon = declared_canonical(sel, response.url, response.text)
        target = canon.url if canon.url and spider.article_url(source, canon.url) else None
        if target is None:
            target = spider.article_url(source, response.url)  # where a redirect ended
        if target and target != url:
            run.alias(url, target, source.name)
            if canon.amp:  # an AMP copy: fetch (or skip, if stored) the canonical page
                self.stats.inc_value("pantau/articles/amp")
                run.ledger.skipped(url, source.name, Outcome.AMP_COPY, f"amp copy of {target}")
                for request in spider.article_requests(source, Link(target)):
                    yield request
                return
            found = target in run.ledger or (
                (await stored_pages(self.raw_path, [target])).get(target, ("",))[0] == target
            )
            if found:
                self.stats.inc_value("pantau/articles/duplicate")
                run.ledger.skipped(url, source.name, Outcome.DUPLICATE, f"duplicate of {target}")
                return
            self.stats.inc_value("pantau/articles/canonical")
            run.ledger.skipped(url, source.name, Outcome.CANONICAL, f"canonical is {target}")
            run.ledger.pending(target, source.name)
            item.url = target
        if source.page_param:
            has_all, numbers = page_links(sel, response.url, item.url, source.page_param)
            if has_all or numbers:
                self.stats.inc_value("pantau/articles/multipage")
                meta = {
                    "pantau_source": source.name,
                    "pantau_kind": "article_part",
                    "pantau_url": item.url,
                    "pantau_parts": [response.url],
                    "pantau_bodies": [] if has_all else [response.text],
                    "pantau_first": {"status": response.status,
                                     "headers": response_headers(response)},
                    "pantau_remaining": [] if has_all else numbers[1:],
                }
                value = "all" if has_all else str(numbers[0])
                yield spider.part_request(
                    source, with_param(item.url, source.page_param, value), meta
                )
                return
        yield item

    def _part(self, response: TextResponse, item: PageItem) -> PageItem | Request:
        """One more part of a multi-page article: the next part's request, or the whole."""
        spider = self.spider
        source = spider.by_name[item.source]
        meta = response.meta
        parts = [*meta["pantau_parts"], response.url]
        if not meta["pantau_bodies"]:  # ?page=all: this one page is the whole article
            item.parts = parts
            return item
        bodies = [*meta["pantau_bodies"], response.text]
        remaining: list[int] = meta["pantau_remaining"]
        if remaining:
            assert source.page_param
            return spider.part_request(
                source,
                with_param(item.url, source.page_param, str(remaining[0])),
                {**meta, "pantau_parts": parts, "pantau_bodies": bodies,
                 "pantau_remaining": remaining[1:]},
            )
        body = join_pages(bodies, source.css.get("body"))
        first = meta["pantau_first"]
        headers = {k: v for k, v in first["headers"].items() if k.lower() != "content-type"}
        headers["Content-Type"] = "text/html; charset=utf-8"
        return PageItem(
            url=item.url,
            final_url=parts[0],
            source=source.name,
            status=first["status"],
            headers=headers,
            body=body,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            parts=parts,
            **spider.topic(Selector(text=body.decode("utf-8"))),
        )
