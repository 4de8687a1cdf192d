"""Downloader middleware: robots.txt with an explicit policy for an unreachable robots.txt.

Scrapy's own ``RobotsTxtMiddleware`` allows everything when robots.txt cannot be fetched, and
parses whatever body a 5xx answer has. RFC 9309 §2.3.1 distinguishes:

- **unavailable** (a 4xx answer, e.g. 404 or 403): the crawler may access any resource;
- **unreachable** (a 5xx answer after retries, a timeout, a refused or dropped connection): the
  crawler must assume complete disallow.

:class:`PoliteRobotsTxtMiddleware` follows the RFC by default: requests to a host whose
robots.txt is unreachable are refused with ``IgnoreRequest("robots.txt unreachable")``, which the
spider records as ``failed(robots_unreachable, retryable)`` so the next run tries again.

It is a middleware of its own (it replaces Scrapy's ``RobotsTxtMiddleware`` in
``DOWNLOADER_MIDDLEWARES``) built on public API only: robots.txt is downloaded with
``crawler.engine.download_async`` (through the downloader middlewares: retries, redirects) and
parsed by the configured ``ROBOTSTXT_PARSER``; the ``robots_parsed`` signal is sent as Scrapy's
middleware sends it.

Settings read:

- ``ROBOTSTXT_OBEY`` (must be on), ``ROBOTSTXT_PARSER``, ``ROBOTSTXT_USER_AGENT``,
  ``USER_AGENT`` (Scrapy's).
- ``PANTAU_ROBOTSTXT_UNREACHABLE``: ``"disallow"`` (default, RFC 9309) or ``"allow"``
  (Scrapy's behaviour).

Stats: ``robotstxt/request_count``, ``robotstxt/response_count``,
``robotstxt/response_status_count/{status}``, ``robotstxt/forbidden``,
``pantau/robots/unreachable`` (hosts), ``pantau/robots/refused`` (requests refused because
robots.txt was unreachable).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser
    from scrapy.statscollectors import StatsCollector

log = logging.getLogger(__name__)

UNREACHABLE_POLICIES = ("disallow", "allow")
UNREACHABLE_MESSAGE = "robots.txt unreachable"
ROBOTS_PRIORITY = 1000  # robots.txt goes before the host's queued pages (Scrapy's value)
UNAVAILABLE = 400  # 4xx: no robots.txt, everything allowed (RFC 9309 §2.3.1.3)
UNREACHABLE = 500  # 5xx (after the retry middleware's retries): complete disallow (§2.3.1.4)


class PoliteRobotsTxtMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        policy = settings.get("PANTAU_ROBOTSTXT_UNREACHABLE", "disallow")
        if policy not in UNREACHABLE_POLICIES:
            raise NotConfigured(
                f"PANTAU_ROBOTSTXT_UNREACHABLE must be one of {UNREACHABLE_POLICIES}: {policy!r}"
            )
        self.crawler = crawler
        self.policy: str = policy
        self.default_agent: str = settings["USER_AGENT"]
        self.robots_agent: str | None = settings["ROBOTSTXT_USER_AGENT"]
        self.parser_class: Any = load_object(settings.get("ROBOTSTXT_PARSER"))
        build_from_crawler(self.parser_class, crawler, b"")  # fails now if its library is missing
        self.parsers: dict[str, asyncio.Future[RobotParser | None]] = {}
        self.unreachable: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRobotsTxtMiddleware:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        netloc = urlparse_cached(request).netloc
        parser = await self.parser(request)
        if netloc in self.unreachable and self.policy == "disallow":
            self.stats.inc_value("pantau/robots/refused")
            raise IgnoreRequest(UNREACHABLE_MESSAGE)
        if parser is None:
            return
        agent = self.robots_agent or request.headers.get(b"User-Agent") or self.default_agent
        if not parser.allowed(request.url, agent):
            self.stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest("Forbidden by robots.txt")

    async def parser(self, request: Request) -> RobotParser | None:
        """The parsed robots.txt of the request's host (fetched once per run); None when
        everything is allowed or the host's robots.txt is unreachable."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self.parsers:
            future: asyncio.Future[RobotParser | None] = asyncio.get_running_loop().create_future()
            self.parsers[netloc] = future  # the host's other requests wait for this one
            parser = None
            try:
                parser = await self._fetch(f"{url.scheme}://{netloc}/robots.txt", netloc, request)
            finally:
                future.set_result(parser)
        return await asyncio.shield(self.parsers[netloc])

    async def _fetch(self, robots_url: str, netloc: str, request: Request) -> RobotParser | None:
        robots = Request(robots_url, priority=ROBOTS_PRIORITY,
                         meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
        self.stats.inc_value("robotstxt/request_count")
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(robots)
        except Exception as exc:  # timeout, refused, dropped: unreachable
            if not isinstance(exc, IgnoreRequest):
                self.stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
                log.warning("robots.txt of %s unreachable: %s", netloc, exc)
            self._mark_unreachable(netloc)
            return None
        self.stats.inc_value("robotstxt/response_count")
        self.stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if response.status >= UNREACHABLE:
            self._mark_unreachable(netloc)
            return None
        body = b"" if response.status >= UNAVAILABLE else response.body  # no error page parsed
        parser: RobotParser = build_from_crawler(self.parser_class, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        return parser

    def _mark_unreachable(self, netloc: str) -> None:
        if netloc not in self.unreachable:
            self.unreachable.add(netloc)
            self.stats.inc_value("pantau/robots/unreachable")
