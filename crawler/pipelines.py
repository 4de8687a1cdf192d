"""Item pipeline: write fetched pages to the raw store and the crawl-run ledger.

Settings read:

- ``PANTAU_RAW_STORE``: path of the raw store SQLite file.

Stats set: ``pantau/pages/new``, ``pantau/pages/changed``, ``pantau/pages/unchanged``,
``pantau/pages/off_topic``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.items import PageItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RawStorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        spider = self.crawler.spider
        store = spider.store  # type: ignore[union-attr]
        outcome = store.put(
            url=item.url,
            final_url=item.final_url,
            source=item.source,
            status=item.status,
            headers=item.headers,
            body=item.body,
            run_id=spider.run_id,  # type: ignore[union-attr]
            on_topic=item.on_topic,
            topic_hits=item.topic_hits,
            fetched_at=item.fetched_at,
            parts=item.parts,
        )
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"pantau/pages/{outcome}")
        if not item.on_topic:
            stats.inc_value("pantau/pages/off_topic")
        spider.ledger.stored(item.url, item.source, outcome)  # type: ignore[union-attr]
        return item
