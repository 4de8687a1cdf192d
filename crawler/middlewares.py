"""Downloader middleware: robots.txt with an explicit policy for an unreachable robots.txt.

Scrapy's own ``RobotsTxtMiddleware`` allows everything when robots.txt cannot be fetched, and
parses whatever body a 5xx answer has. RFC 9309 §2.3.1 distinguishes:

- **unavailable** (a 4xx answer, e.g. 404 or 403): the crawler may access any resource;
- **unreachable** (a 5xx answer after retries, a timeout, a refused or dropped connection): the
  crawler must assume complete disallow.

:class:`PoliteRobotsTxtMiddleware` follows the RFC by default: requests to a host whose
robots.txt is unreachable are refused with ``IgnoreRequest("robots.txt unreachable")``, which the
spider records as ``failed(robots.txt unreachable, retryable)`` so the next run tries again.

Settings read:

- ``ROBOTSTXT_OBEY`` (must be on), ``ROBOTSTXT_PARSER``, ``ROBOTSTXT_USER_AGENT`` (Scrapy's).
- ``PANTAU_ROBOTSTXT_UNREACHABLE``: ``"disallow"`` (default, RFC 9309) or ``"allow"``
  (Scrapy's behaviour).

Stats: ``pantau/robots/unreachable`` (hosts), ``pantau/robots/refused`` (requests refused
because robots.txt was unreachable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

UNREACHABLE_POLICIES = ("disallow", "allow")
UNREACHABLE_MESSAGE = "robots.txt unreachable"


class PoliteRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        policy = crawler.settings.get("PANTAU_ROBOTSTXT_UNREACHABLE", "disallow")
        if policy not in UNREACHABLE_POLICIES:
            raise NotConfigured(
                f"PANTAU_ROBOTSTXT_UNREACHABLE must be one of {UNREACHABLE_POLICIES}: {policy!r}"
            )
        self.policy: str = policy
        self.unreachable: set[str] = set()

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        rp = await self.robot_parser(request)
        if self.policy == "disallow" and urlparse_cached(request).netloc in self.unreachable:
            self._stats.inc_value("pantau/robots/refused")
            raise IgnoreRequest(UNREACHABLE_MESSAGE)
        self.process_request_2(rp, request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:  # the retry middleware has already retried it
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._mark_unreachable(netloc)
            self._robots_error(IgnoreRequest(f"robots.txt: http {response.status}"), netloc)
            return
        if response.status >= 400:  # unavailable: allowed, but do not parse an error page
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._mark_unreachable(netloc)
        super()._robots_error(exc, netloc)

    def _mark_unreachable(self, netloc: str) -> None:
        if netloc not in self.unreachable:
            self.unreachable.add(netloc)
            self._stats.inc_value("pantau/robots/unreachable")
