"""Scrapy settings for Pantau's crawler: polite and bounded by default.

Pantau-specific settings (override with ``pantau crawl --set NAME=VALUE`` or
:func:`crawler.run.run_crawl`):

- ``PANTAU_RAW_STORE``: path of the raw store SQLite file, or a PostgreSQL URL (required).
- ``PANTAU_CONTACT``: contact put in the User-Agent so site owners can reach us (also read from
  the ``PANTAU_CONTACT`` environment variable).
- ``PANTAU_ROBOTSTXT_UNREACHABLE``: ``disallow`` (RFC 9309) or ``allow``: what an unreachable
  robots.txt (5xx after retries, timeout, connection error) means for that host this run.
- ``PANTAU_SITEMAP_MAX_AGE_DAYS``: on a daily (non-backfill) run, child sitemaps of an index
  whose ``lastmod`` is older than this are not fetched (0: fetch all).
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version

try:
    _VERSION = version("pantau")
except PackageNotFoundError:  # running from a checkout that was not installed
    _VERSION = "0"

BOT_NAME = "pantau"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

PANTAU_CONTACT = "https://github.com/pantau-news/pantau"
PRODUCT = f"Pantau/{_VERSION}"


def user_agent(contact: str) -> str:
    return f"{PRODUCT} (news monitoring; +{contact})"


def contact() -> str:
    """Who site owners reach: the ``PANTAU_CONTACT`` environment variable, else the project."""
    return os.environ.get("PANTAU_CONTACT") or PANTAU_CONTACT


def source_user_agent(choice: str | None, contact: str, default: str | None = None) -> str:
    """The User-Agent a source is fetched with — the one owner of that choice (the crawl and
    ``pantau sources check --fetch`` both ask here). ``choice`` is the source's ``user_agent``:
    None → ``default`` (the crawl's ``USER_AGENT``; Pantau's own when None); ``"compatible"`` →
    a browser-shaped string that still names Pantau and the contact; anything else is used as
    written."""
    default = default or user_agent(contact)
    if not choice:
        return default
    if choice == "compatible":
        product = default.split(" ", 1)[0]
        return f"Mozilla/5.0 (compatible; {product}; +{contact})"
    return choice


USER_AGENT = user_agent(PANTAU_CONTACT)

# Politeness. robots.txt is obeyed (RFC 9309): a 4xx robots.txt ("unavailable") allows the
# crawl; an unreachable one (5xx after retries, timeout, refused) disallows the host for this
# run and its URLs are failed-retryable, tried again next run (crawler/middlewares.py).
ROBOTSTXT_OBEY = True
PANTAU_ROBOTSTXT_UNREACHABLE = "disallow"
PANTAU_SITEMAP_MAX_AGE_DAYS = 62  # a monthly sitemap untouched for two months is archive
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.PoliteRobotsTxtMiddleware": 100,
}
# The spider's components: the run and its ledger (an extension every other component reaches
# through crawler.get_extension); on the spider's output (highest number first) the article
# pages (canonical URL, multi-page joins), then the refetch policy, last before the scheduler.
EXTENSIONS = {"crawler.ledger.CrawlRun": 0}
SPIDER_MIDDLEWARES = {"crawler.articles.ArticlePages": 150, "crawler.refetch.RefetchPolicy": 100}
# Many small hosts: schedule by downloader slot so one slow outlet does not starve the rest.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # regional outlets run on small shared hosting
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Bounds.
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated body is a retryable failure, never stored
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is < 1 MiB; anything over 16 MiB is a trap
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
# The one list of retryable statuses: Scrapy's retry middleware retries them within a run, and
# the ledger records them as failed-retryable, tried again next run (crawler/ledger.py).
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 425, 429]
REDIRECT_MAX_TIMES = 5
CLOSESPIDER_PAGECOUNT = 5000  # a daily run sees a few hundred pages; more means a crawler trap
CLOSESPIDER_ERRORCOUNT = 0
CLOSESPIDER_TIMEOUT = 3 * 3600

# Only HTTP(S): no file://, data:, ftp:// or s3:// even if a page links to them.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
HTTPCACHE_ENABLED = False

ITEM_PIPELINES = {"crawler.pipelines.RawStorePipeline": 300}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
