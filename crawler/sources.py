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
          - url: https://kupang.tribunnews.com/index-news?date={date}&page={page}
            pages: 3                    # walk at most this many pages (rel=next / template)
            days: 2                     # {date}: today and yesterday (WITA) on a daily run;
                                        # every day of --since/--until on a backfill
        article_patterns: ['^https://kupang\\.tribunnews\\.com/\\d{4}/\\d{2}/\\d{2}/[\\w-]+$']
        page_param: page                # multi-page articles: ?page=2 …, ?page=all (null: off)
        user_agent: null                # null: Pantau's own; "compatible": Mozilla-compatible
                                        # form still naming Pantau and its contact; or a string
        css: {body: .txt-article}       # optional hints; ``body`` joins multi-page articles

Loading validates every key by type and raises :class:`SourcesError` naming the bad one, e.g.
``sources.yaml: sources[2].feeds[0]: not an http(s) URL: 'ftp://x'``. Unknown keys, duplicate
keys (YAML would silently keep the last), quoted booleans (``enabled: "false"``), a ``topic``
that is not a mapping of keywords, and files that cannot be read or are not UTF-8 text are all
refused. (A hand-written validator rather than pydantic: its messages name the key as written
in the file, and it needs no schema layer beside the dataclasses.)
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

import wilayah

SOURCE_KEYS = {
    "name", "title", "homepage", "region", "feeds", "sitemaps", "listings",
    "article_patterns", "css", "enabled", "page_param", "user_agent", "issuer",
}
LISTING_KEYS = {"url", "pages", "days"}
MAX_LISTING_PAGES = 50  # a typo like `pages: 5000` must not turn a daily crawl into a backfill
MAX_LISTING_DAYS = 31  # `days` is the daily look-back of a {date} listing; backfills use --since
LISTING_FIELDS = {"page", "date"}  # the placeholders a listing URL template may use
SITE_TZ = wilayah.DEFAULT_ZONE  # the default outlet's clock: "today" of a daily index


def site_today(tz: tzinfo = SITE_TZ) -> date:
    """Today in an outlet's zone (default WITA): the day a daily index page is about."""
    return datetime.now(tz).date()
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class SourcesError(ValueError):
    """The sources file is invalid; the message names the file and the bad key."""


@dataclass(frozen=True)
class Listing:
    url: str
    pages: int = 1
    days: int = 2

    @property
    def paginated(self) -> bool:
        return "{page}" in self.url

    @property
    def dated(self) -> bool:
        return "{date" in self.url

    def page_url(self, page: int, day: date | None = None) -> str:
        """The URL of page ``page`` (of the index of ``day`` for a dated listing)."""
        return self.url.format(page=page, date=day or site_today())


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
    page_param: str | None = "page"
    user_agent: str | None = None
    issuer: bool = False  # an agency's press releases: announcements whose pickup is tracked

    def is_article(self, url: str) -> bool:
        return any(p.search(url) for p in self.article_patterns)

    @property
    def zone(self) -> tzinfo:
        """The outlet's time zone, from its region (WIB/WITA/WIT by province)."""
        return wilayah.zone_of(self.region)


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

    def zones(self) -> dict[str, str]:
        """Source name -> the zone name of its region ("WIB", "WITA", "WIT")."""
        return {s.name: str(s.zone.tzname(None)) for s in self.sources}

    def topic_hits(self, text: str) -> list[str]:
        """The topic keywords found in ``text`` (case-insensitive)."""
        low = text.lower()
        return [k for k in self.keywords if k.lower() in low]


def default_sources_path() -> Path:
    return Path(str(resources.files("crawler") / "sources.yaml"))


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        raise SourcesError(f"{where}: not an http(s) URL: {value!r}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a bad port)
        if not parts.hostname:
            raise ValueError("no host")
    except ValueError as exc:  # "http://[::1/rss": Invalid IPv6 URL
        raise SourcesError(f"{where}: not a valid URL: {value!r} ({exc})") from exc
    return value


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys in a mapping."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line: "not valid YAML at line 6, column 5: duplicate key 'feeds'"."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"not valid YAML{where}: {problem}"


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506  (a SafeLoader)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _template(url: str, where: str) -> str:
    """Check a listing URL template: only {page} and {date} (or {date:%d-%m-%Y}) placeholders."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(url) if f is not None}
    except ValueError as exc:
        raise SourcesError(f"{where}: bad URL template {url!r}: {exc}") from exc
    unknown = sorted(fields - LISTING_FIELDS)
    if unknown:
        raise SourcesError(
            f"{where}: unknown placeholder {{{unknown[0]}}} (allowed: {{page}}, {{date}})"
        )
    try:
        url.format(page=1, date=date(2025, 7, 1))
    except (ValueError, IndexError, KeyError) as exc:
        raise SourcesError(f"{where}: bad URL template {url!r}: {exc}") from exc
    return url


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
        if not _int_in(pages, 1, MAX_LISTING_PAGES):
            raise SourcesError(f"{lw}.pages: expected an integer 1..{MAX_LISTING_PAGES}: {pages!r}")
        days = item.get("days", 2)
        if not _int_in(days, 1, MAX_LISTING_DAYS):
            raise SourcesError(f"{lw}.days: expected an integer 1..{MAX_LISTING_DAYS}: {days!r}")
        url = _template(_url(item.get("url"), f"{lw}.url"), f"{lw}.url")
        listings.append(Listing(url, pages, days))
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
    if region is not None and wilayah.get(str(region)) is None:
        raise SourcesError(
            f"{where}.region: {region!r} is not a Kemendagri province or kabupaten/kota code"
            ' (e.g. "53", "53.71")'
        )
    page_param = raw.get("page_param", "page")
    if page_param is not None and not (isinstance(page_param, str) and page_param.isidentifier()):
        raise SourcesError(f"{where}.page_param: expected a query parameter name or null")
    user_agent = raw.get("user_agent")
    if user_agent is not None and not (isinstance(user_agent, str) and user_agent.strip()):
        raise SourcesError(f"{where}.user_agent: expected a string, 'compatible' or null")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SourcesError(f"{where}.enabled: expected true or false (unquoted): {enabled!r}")
    issuer = raw.get("issuer", False)
    if not isinstance(issuer, bool):
        raise SourcesError(f"{where}.issuer: expected true or false (unquoted): {issuer!r}")
    title = raw.get("title")
    if title is not None and not isinstance(title, str):
        raise SourcesError(f"{where}.title: expected a string: {title!r}")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in css.items()):
        raise SourcesError(f"{where}.css: expected a mapping of strings")
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
        enabled=enabled,
        page_param=page_param,
        user_agent=user_agent,
        issuer=issuer,
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
    if not isinstance(topic, dict) or set(topic) - {"keywords"}:
        raise SourcesError(f"{path}: topic: expected a mapping with 'keywords' (a list of words)")
    keywords = topic.get("keywords")
    if keywords is not None and (
        not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords)
    ):
        raise SourcesError(f"{path}: topic.keywords: expected a list of non-empty strings")
    return SourcesConfig(tuple(sources), tuple(keywords or ()), path)


def load_sources(path: str | Path | None = None) -> SourcesConfig:
    """Load and validate a sources file (the shipped one when ``path`` is None)."""
    p = Path(path) if path else default_sources_path()
    try:
        data = _load_yaml(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"{p}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{p}: not a UTF-8 text file ({exc.reason})") from exc
    except OSError as exc:
        raise SourcesError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise SourcesError(f"{p}: {_yaml_problem(exc)}") from exc
    return parse_sources(data, str(p))


# -- editing a sources file (`pantau sources add`) ---------------------------------------------
def load_presets() -> dict[str, dict[str, Any]]:
    """The URL shapes of common site engines (``crawler/presets.yaml``)."""
    path = Path(str(resources.files("crawler") / "presets.yaml"))
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def _fill(value: Any, home: str) -> Any:
    if isinstance(value, str):
        return value.replace("{home_re}", re.escape(home)).replace("{home}", home)
    if isinstance(value, list):
        return [_fill(v, home) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, home) for k, v in value.items()}
    return value


def source_entry(
    name: str, homepage: str, *, preset: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A source mapping for the sources file: the preset's shapes, then the given fields
    (empty values are left out; list fields extend the preset's)."""
    home = homepage if homepage.endswith("/") else homepage + "/"
    entry: dict[str, Any] = {"name": name, "homepage": home}
    if preset:
        presets = load_presets()
        if preset not in presets:
            raise SourcesError(f"unknown preset {preset!r} (known: {', '.join(sorted(presets))})")
        entry.update(_fill(presets[preset], home))
    for key, value in fields.items():
        if value in (None, (), [], {}):
            continue
        if isinstance(value, list | tuple) and isinstance(entry.get(key), list):
            entry[key] = [*entry[key], *(v for v in value if v not in entry[key])]
        else:
            entry[key] = list(value) if isinstance(value, tuple) else value
    order = ["name", "title", "homepage", "region", "feeds", "sitemaps", "listings"]
    return dict(sorted(entry.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))


def add_source(path: Path, entry: dict[str, Any], template: Path | None = None) -> SourcesConfig:
    """Append ``entry`` to the sources file ``path`` (created from ``template``, by default the
    shipped file, when missing), keeping the file's comments; validated before it is written."""
    text = (
        path.read_text(encoding="utf-8")
        if path.exists()
        else (template or default_sources_path()).read_text(encoding="utf-8")
    )
    old = parse_sources(_load_yaml(text), str(path))
    items = re.findall(r"^([ \t]*)- name:", text, re.M)
    indent = items[-1] if items else "  "
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=1000)
    block = "".join(indent + line for line in block.splitlines(keepends=True))
    new_text = text.rstrip("\n") + "\n" + block
    try:
        data = _load_yaml(new_text)
        appended = isinstance(data, dict) and len(data.get("sources") or []) == len(old.sources) + 1
    except yaml.YAMLError:
        appended = False
    if not appended:  # `sources:` is not the file's last block: rewrite it (comments are lost)
        data = _load_yaml(text)
        data["sources"].append(entry)
        new_text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    config = parse_sources(data, str(path))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(path)
    return config
