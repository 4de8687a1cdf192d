"""Item pipeline: write fetched pages to the raw store and the crawl-run ledger.

The store and the ledger are the crawl run's (:class:`crawler.ledger.CrawlRun`, an extension):
the pipeline takes them from the crawler when the spider opens, never from the spider.

Settings read: none of its own (the raw store's path, ``PANTAU_RAW_STORE``, is read by
:class:`~crawler.ledger.CrawlRun`).

Stats set: ``pantau/pages/new``, ``pantau/pages/changed``, ``pantau/pages/unchanged``,
``pantau/pages/off_topic``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.items import PageItem
from crawler.ledger import CrawlRun
from kb.ledger import Outcome

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RawStorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run: CrawlRun | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.run = CrawlRun.of(self.crawler)

    def process_item(self, item: PageItem) -> PageItem:
        run = self.run or CrawlRun.of(self.crawler)
        outcome = Outcome(run.store.put(
            url=item.url,
            final_url=item.final_url,
            source=item.source,
            status=item.status,
            headers=item.headers,
            body=item.body,
            run_id=run.run_id,
            on_topic=item.on_topic,
            topic_hits=item.topic_hits,
            fetched_at=item.fetched_at,
            parts=item.parts,
        ))
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"pantau/pages/{outcome}")
        if not item.on_topic:
            stats.inc_value("pantau/pages/off_topic")
        run.ledger.stored(item.url, item.source, outcome)
        return item
