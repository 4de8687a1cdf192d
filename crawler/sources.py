"""The sources file: which outlets to crawl and how to find their articles.

A YAML file with two top-level keys::

    topic:
      keywords: [BPJS Ketenagakerjaan, BPJAMSOSTEK, ...]   # case-insensitive substrings
    sources:
      - name: pos-kupang                # unique slug, used everywhere as the outlet key
        title: Pos-Kupang
        homepage: https://kupang.tribunnews.com/
        region: "53"                    # province or kabupaten/kota code (Kemendagri)
        feeds: [https://kupang.tribunnews.com/rss]
        sitemaps: [https://kupang.tribunnews.com/sitemap.xml]
        listings:
          - url: https://kupang.tribunnews.com/index-news?page={page}
            pages: 3                    # walk at most this many pages (rel=next / template)
        article_patterns: ['^https://kupang\\.tribunnews\\.com/\\d{4}/\\d{2}/\\d{2}/[\\w-]+$']
        css: {}                         # optional hints for the cleaner, passed through

Loading validates every key and raises :class:`SourcesError` naming the bad one, e.g.
``sources.yaml: sources[2].feeds[0]: not an http(s) URL: 'ftp://x'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

SOURCE_KEYS = {
    "name", "title", "homepage", "region", "feeds", "sitemaps", "listings",
    "article_patterns", "css", "enabled",
}
LISTING_KEYS = {"url", "pages"}
MAX_LISTING_PAGES = 50  # a typo like `pages: 5000` must not turn a daily crawl into a backfill
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class SourcesError(ValueError):
    """The sources file is invalid; the message names the file and the bad key."""


@dataclass(frozen=True)
class Listing:
    url: str
    pages: int = 1

    @property
    def paginated(self) -> bool:
        return "{page}" in self.url

    def page_url(self, page: int) -> str:
        return self.url.format(page=page) if self.paginated else self.url


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    homepage: str
    region: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    article_patterns: tuple[re.Pattern[str], ...] = ()
    css: dict[str, str] = field(default_factory=dict)
    enabled: bool = True

    def is_article(self, url: str) -> bool:
        return any(p.search(url) for p in self.article_patterns)


@dataclass(frozen=True)
class SourcesConfig:
    sources: tuple[Source, ...]
    keywords: tuple[str, ...]
    path: str = "<memory>"

    def get(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise SourcesError(f"{self.path}: no source named {name!r}")

    def topic_hits(self, text: str) -> list[str]:
        """The topic keywords found in ``text`` (case-insensitive)."""
        low = text.lower()
        return [k for k in self.keywords if k.lower() in low]


def default_sources_path() -> Path:
    return Path(str(resources.files("crawler") / "sources.yaml"))


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        raise SourcesError(f"{where}: not an http(s) URL: {value!r}")
    return value


def _url_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise SourcesError(f"{where}: expected a list of URLs, got {type(value).__name__}")
    return tuple(_url(v, f"{where}[{i}]") for i, v in enumerate(value))


def _source(raw: Any, where: str) -> Source:
    if not isinstance(raw, dict):
        raise SourcesError(f"{where}: expected a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - SOURCE_KEYS)
    if unknown:
        raise SourcesError(f"{where}.{unknown[0]}: unknown key (allowed: {sorted(SOURCE_KEYS)})")
    for key in ("name", "homepage"):
        if key not in raw:
            raise SourcesError(f"{where}.{key}: missing")
    name = raw["name"]
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SourcesError(f"{where}.name: must be a lowercase slug like 'pos-kupang': {name!r}")
    listings = []
    for i, item in enumerate(raw.get("listings") or []):
        lw = f"{where}.listings[{i}]"
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict):
            raise SourcesError(f"{lw}: expected a URL or a mapping with url/pages")
        bad = sorted(set(item) - LISTING_KEYS)
        if bad:
            raise SourcesError(f"{lw}.{bad[0]}: unknown key (allowed: {sorted(LISTING_KEYS)})")
        pages = item.get("pages", 1)
        if not isinstance(pages, int) or not 1 <= pages <= MAX_LISTING_PAGES:
            raise SourcesError(f"{lw}.pages: expected an integer 1..{MAX_LISTING_PAGES}: {pages!r}")
        listings.append(Listing(_url(item.get("url"), f"{lw}.url"), pages))
    patterns = []
    for i, pat in enumerate(raw.get("article_patterns") or []):
        try:
            patterns.append(re.compile(pat))
        except (re.error, TypeError) as exc:
            raise SourcesError(f"{where}.article_patterns[{i}]: bad regex {pat!r}: {exc}") from exc
    if not patterns:
        raise SourcesError(f"{where}.article_patterns: at least one pattern is required")
    css = raw.get("css") or {}
    if not isinstance(css, dict):
        raise SourcesError(f"{where}.css: expected a mapping")
    region = raw.get("region")
    return Source(
        name=name,
        title=str(raw.get("title") or name),
        homepage=_url(raw["homepage"], f"{where}.homepage"),
        region=None if region is None else str(region),
        feeds=_url_list(raw.get("feeds"), f"{where}.feeds"),
        sitemaps=_url_list(raw.get("sitemaps"), f"{where}.sitemaps"),
        listings=tuple(listings),
        article_patterns=tuple(patterns),
        css={str(k): str(v) for k, v in css.items()},
        enabled=bool(raw.get("enabled", True)),
    )


def parse_sources(data: Any, path: str = "<memory>") -> SourcesConfig:
    if not isinstance(data, dict):
        raise SourcesError(f"{path}: expected a mapping with 'sources' (and 'topic')")
    unknown = sorted(set(data) - {"sources", "topic"})
    if unknown:
        raise SourcesError(f"{path}: {unknown[0]}: unknown top-level key")
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise SourcesError(f"{path}: sources: expected a non-empty list")
    sources = [_source(s, f"{path}: sources[{i}]") for i, s in enumerate(raw_sources)]
    seen: set[str] = set()
    for i, s in enumerate(sources):
        if s.name in seen:
            raise SourcesError(f"{path}: sources[{i}].name: duplicate name {s.name!r}")
        seen.add(s.name)
    topic = data.get("topic") or {}
    keywords = topic.get("keywords") if isinstance(topic, dict) else None
    if keywords is not None and (
        not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords)
    ):
        raise SourcesError(f"{path}: topic.keywords: expected a list of non-empty strings")
    return SourcesConfig(tuple(sources), tuple(keywords or ()), path)


def load_sources(path: str | Path | None = None) -> SourcesConfig:
    """Load and validate a sources file (the shipped one when ``path`` is None)."""
    p = Path(path) if path else default_sources_path()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"{p}: no such file") from exc
    except yaml.YAMLError as exc:
        raise SourcesError(f"{p}: not valid YAML: {exc}") from exc
    return parse_sources(data, str(p))
