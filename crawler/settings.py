"""Scrapy settings for Pantau's crawler: polite and bounded by default.

Pantau-specific settings (override with ``-s`` or :func:`crawler.run.run_crawl`):

- ``PANTAU_RAW_STORE``: path of the raw store SQLite file (required).
- ``PANTAU_CONTACT``: contact put in the User-Agent so site owners can reach us.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    _VERSION = version("pantau")
except PackageNotFoundError:  # running from a checkout that was not installed
    _VERSION = "0"

BOT_NAME = "pantau"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

PANTAU_CONTACT = "https://github.com/pantau-news/pantau"
USER_AGENT = f"Pantau/{_VERSION} (news monitoring; +{PANTAU_CONTACT})"

# Politeness. robots.txt is obeyed; when it is unreachable (timeout, 5xx) Scrapy's robots
# middleware lets the site be crawled, as the robots.txt standard (RFC 9309 §2.3.1.4) advises
# for an unavailable file only after retries, and we keep per-domain concurrency low.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # regional outlets run on small shared hosting
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Bounds.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is < 1 MiB; anything over 16 MiB is a trap
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
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
