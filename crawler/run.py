"""Run one crawl in this process and return its stats.

Twisted's reactor cannot be restarted, so a process runs at most one crawl: the CLI runs one
per invocation, and tests run ``pantau crawl`` as a subprocess.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.sources import SourcesConfig
from crawler.spiders.news import NewsSpider

FAST_SETTINGS = {  # for local sites (demo, tests, benchmarks): no politeness delays
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def crawl_settings(raw_store: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("PANTAU_RAW_STORE", str(raw_store), priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    config: SourcesConfig,
    raw_store: str | Path,
    *,
    only: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl the configured sources into ``raw_store``; return Scrapy's stats for the run."""
    settings = crawl_settings(raw_store, {"LOG_INSTALL_ROOT_HANDLER": False, **(overrides or {})})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, config=config, only=only, since=since, until=until)
    process.start()
    logging.getLogger(__name__).debug("crawl finished")
    assert crawler.stats is not None
    return dict(crawler.stats.get_stats())
