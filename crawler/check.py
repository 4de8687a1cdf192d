"""Check a configured source against the live site (``pantau sources check --fetch``).

One small, polite probe per source — robots.txt, each feed, each sitemap (and the first child of
a sitemap index), the first page of each listing — with Pantau's User-Agent, a timeout and a
size cap. It reports what a crawl would find: HTTP status, entries, and how many of them the
source's ``article_patterns`` accept (zero means the patterns no longer fit the site). It uses
the standard library's HTTP client (proxies from the environment), not Scrapy: a check is a
handful of sequential requests and must not need a reactor.
"""

from __future__ import annotations

import gzip
import io
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from protego import Protego

from crawler.discovery import parse_feed, parse_sitemap
from crawler.sources import Source
from crawler.urls import canonical_url

CHECK_TIMEOUT_S = 15.0  # a probe, not a crawl: a site slower than this has a problem to report
CHECK_MAX_BYTES = 16 * 1024 * 1024  # as DOWNLOAD_MAXSIZE
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Fetched:
    url: str
    status: int | None  # None: no HTTP answer (timeout, refused, DNS)
    body: bytes = b""
    error: str | None = None


def fetch(url: str, user_agent: str, timeout: float = CHECK_TIMEOUT_S) -> Fetched:
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent, "Accept-Encoding": "gzip"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 (http only)
            body = resp.read(CHECK_MAX_BYTES + 1)
            if len(body) > CHECK_MAX_BYTES:
                return Fetched(url, resp.status, b"", f"larger than {CHECK_MAX_BYTES} bytes")
            if resp.headers.get("Content-Encoding", "").lower() == "gzip":
                with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
                    body = f.read(CHECK_MAX_BYTES + 1)
            return Fetched(url, resp.status, body)
    except urllib.error.HTTPError as exc:
        return Fetched(url, exc.code, b"", f"http {exc.code}")
    except (urllib.error.URLError, OSError, ValueError, EOFError) as exc:
        reason = getattr(exc, "reason", exc)
        return Fetched(url, None, b"", f"{type(exc).__name__}: {reason}"[:200])


@dataclass
class SourceReport:
    name: str
    problems: list[str] = field(default_factory=list)
    robots: dict[str, Any] = field(default_factory=dict)
    feeds: list[dict[str, Any]] = field(default_factory=list)
    sitemaps: list[dict[str, Any]] = field(default_factory=list)
    listings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, **{k: v for k, v in self.__dict__.items()
                                                       if k != "name"}}


def _articles(source: Source, urls: list[str]) -> int:
    n = 0
    for url in urls:
        try:
            n += source.is_article(canonical_url(url))
        except ValueError:
            continue
    return n


def check_source(
    source: Source, user_agent: str, timeout: float = CHECK_TIMEOUT_S
) -> SourceReport:
    """Probe ``source``'s robots.txt, feeds, sitemaps and listings; report what a crawl finds."""
    report = SourceReport(source.name)
    home = urlsplit(source.homepage)
    robots_url = f"{home.scheme}://{home.netloc}/robots.txt"
    got = fetch(robots_url, user_agent, timeout)
    robots: Protego | None = None
    report.robots = {"url": robots_url, "status": got.status, "error": got.error}
    if got.status is None or got.status >= 500:
        report.problems.append(
            f"robots.txt unreachable ({got.error}): the crawl will not fetch from this host"
        )
    elif got.status < 400:
        robots = Protego.parse(got.body.decode("utf-8", errors="replace"))
        report.robots["sitemaps"] = list(robots.sitemaps)
    configured = [source.homepage, *source.feeds, *source.sitemaps]
    configured += [lst.page_url(1) for lst in source.listings]
    if robots is not None:
        for url in configured:
            if not robots.can_fetch(url, user_agent):
                report.problems.append(f"robots.txt disallows {url}")
    for url in source.feeds:
        got = fetch(url, user_agent, timeout)
        entry: dict[str, Any] = {"url": url, "status": got.status, "error": got.error}
        if got.error is None:
            links = parse_feed(got.body)
            entry.update(items=len(links), articles=_articles(source, [x.url for x in links]))
        report.feeds.append(entry)
        _judge(report, "feed", entry)
    for url in source.sitemaps:
        entry = _check_sitemap(source, url, user_agent, timeout)
        report.sitemaps.append(entry)
        _judge(report, "sitemap", entry)
    for listing in source.listings:
        url = listing.page_url(1)
        got = fetch(url, user_agent, timeout)
        entry = {"url": url, "status": got.status, "error": got.error}
        if got.error is None:
            sel = Selector(text=got.body.decode("utf-8", errors="replace"))
            hrefs = [urljoin(url, h) for h in sel.css("a::attr(href)").getall()]
            entry.update(items=len(hrefs), articles=_articles(source, hrefs))
        report.listings.append(entry)
        _judge(report, "listing", entry)
    return report


def _check_sitemap(source: Source, url: str, user_agent: str, timeout: float) -> dict[str, Any]:
    got = fetch(url, user_agent, timeout)
    entry: dict[str, Any] = {"url": url, "status": got.status, "error": got.error}
    if got.error is not None:
        return entry
    try:
        kind, links = parse_sitemap(got.body)
    except (ValueError, OSError, EOFError) as exc:
        entry["error"] = f"sitemap: {exc}"[:200]
        return entry
    entry.update(kind=kind, items=len(links))
    if kind == "index" and links:
        child = fetch(links[0].url, user_agent, timeout)
        entry["first_child"] = {"url": links[0].url, "status": child.status, "error": child.error}
        if child.error is None:
            try:
                _, links = parse_sitemap(child.body)
            except (ValueError, OSError, EOFError) as exc:
                entry["first_child"]["error"] = f"sitemap: {exc}"[:200]
                links = []
    entry["articles"] = _articles(source, [x.url for x in links])
    return entry


def _judge(report: SourceReport, kind: str, entry: dict[str, Any]) -> None:
    if entry.get("error"):
        report.problems.append(f"{kind} {entry['url']}: {entry['error']}")
    elif entry.get("kind") == "invalid":
        report.problems.append(f"{kind} {entry['url']}: not a sitemap")
    elif not entry.get("articles"):
        report.problems.append(
            f"{kind} {entry['url']}: {entry.get('items', 0)} links, none matches article_patterns"
        )
