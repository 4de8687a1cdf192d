"""Cleaning stage: one raw HTML page -> one :class:`CleanedArticle` (or a :class:`CleanError`).

Pipeline, in order:

1. size cap and robust decoding (BOM, declared charset, windows-1252 mislabelled as UTF-8);
2. lxml parse (``huge_tree`` off, so hostile nesting is truncated rather than followed);
3. metadata from the full tree: canonical URL, dates (meta > visible byline > dateline), bylines,
   outlet, section, tags, image, advertorial labels;
4. page-type classification (URL and host shapes, link density, visible prose without inline
   scripts, "FOTO:"/"VIDEO :" headline kickers and gallery controls); non-articles are rejected
   with ``CleanError("not_article:<type>")`` before any expensive work;
5. structural pruning of short hidden elements (summaries no reader sees), cross-link blocks,
   related lists and photo captions (recorded); a lead written as loose text before the first
   ``<p>`` gets a paragraph of its own;
6. trafilatura ``bare_extraction`` for the main text;
7. paragraph-level furniture removal driven by ``extract/data/boilerplate.yaml`` (recorded),
   dateline prefix and sign-off stripping; an initials sign-off on its own line ends the story
   (what follows is calls to action and pagination); button labels after the text are dropped.

This module never touches a database and never does HTTP: it is a pure function of its inputs.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import json
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar, Token
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree as etree
import lxml.html
import yaml

from extract.dates import (
    DEFAULT_TZ,
    ParsedDate,
    iter_id_datetimes,
    local_zone,
    parse_id_datetime,
)

__all__ = [
    "DEFAULT_TZ",
    "MAX_HTML_BYTES",
    "Byline",
    "CleanError",
    "CleanedArticle",
    "Dateline",
    "clean_html",
    "parse_byline",
    "parse_dateline",
]

CLEANER_VERSION = "0.6.4"  # bump when cleaned text changes: stored articles get re-extracted

# --- tuning constants -----------------------------------------------------------------------------

# Real article pages are 30-300 KiB; 5 MiB leaves room for inlined scripts/SVG while refusing
# data dumps and runaway responses that would make lxml and trafilatura slow.
MAX_HTML_BYTES = 5 * 1024 * 1024
# Below this much cleaned text there is nothing to extract facts from (a short ANTARA photo story
# is ~400 characters; a bare "read more" stub is < 100).
MIN_TEXT_CHARS = 120
# Decoded text with more than this share of U+FFFD / control characters is binary or in an
# unknown encoding (real HTML has ~0; a few corrupt bytes in a 30 KiB page are ~0.1%).
MAX_GARBAGE_RATIO = 0.02
# Charset sniffing only reads the head of the document, like browsers do.
CHARSET_SNIFF_BYTES = 4096
# A block with a date-ish class whose text is longer than this is a container, not a date label.
DATE_LABEL_MAX_CHARS = 120
# Elements whose text is this short and mostly a date are date labels even without a class.
BARE_DATE_MAX_CHARS = 80
# Byline candidate elements longer than this are prose, not bylines.
BYLINE_MAX_CHARS = 200
# A block holding cross-links is furniture only if its own non-link text is at most this long.
RELATED_MAX_PROSE = 200
# A caption block longer than this is probably article text mislabelled by the theme.
CAPTION_MAX_CHARS = 600
# Any small block starting with a furniture phrase is pruned structurally if at most this long.
FURNITURE_BLOCK_MAX_CHARS = 400
# Page-type heuristics (measured on national outlets and the NTT templates in the fixtures):
# - a "headline link" is an <a> whose text reads like a headline;
HEADLINE_LINK_MIN_CHARS, HEADLINE_LINK_MIN_WORDS = 24, 4
# - a leaf block counts as prose when its non-link text is at least this long;
PROSE_BLOCK_MIN_CHARS = 40
# - an article has one container holding at least this much prose; index pages spread short
#   teasers over many containers, so their best container stays below it;
ARTICLE_MIN_PROSE = 400
# - ...unless strong article markup (JSON-LD NewsArticle, articleBody, published_time) is present;
ARTICLE_MIN_PROSE_MARKED = 150
# - pages with this many headline links and little prose are indexes (a gallery with a few
#   "related" links stays a gallery up to this count);
LISTING_MIN_HEADLINE_LINKS = 8
# - with no article prose at all, even a short index page (a 6-item page of a paginated index)
#   has at least this many headline links;
LISTING_MIN_HEADLINE_LINKS_NO_PROSE = 3
# - a page with this many <article> elements is an archive of teasers;
LISTING_MIN_ARTICLE_ELEMENTS = 5
# - photo pages: at least this many images and less prose than ARTICLE_MIN_PROSE.
GALLERY_MIN_IMAGES = 4
# - a slide strip (thumbnails linking to numbered slides of the same page, "...-1" … "...-5")
#   makes a photo page whatever markup claims, but only below ARTICLE_MIN_PROSE: a photo story
#   ("In Picture: …") whose text holds a lead of its own (who, where, when) is news the KB keeps.
# - gallery UI labels ("Klik gambar untuk perbesar", slide counter "1 / 5") are short blocks; a
#   block longer than this is text that merely mentions a photo;
GALLERY_MARKER_MAX_CHARS = 60
# - a slide counter belongs to a gallery when it or one of this many ancestors has a gallery-ish
#   class (a bare "5/11" elsewhere may be a date);
GALLERY_COUNTER_ANCESTORS = 3
# A published date later than fetched_at by more than this is a template/default date.
FUTURE_TOLERANCE = timedelta(days=2)
# The dateline and the "when" of the story sit in the first paragraphs (after a summary line
# and a photo caption on Tribun-style pages).
LEAD_PARAGRAPHS = 3
# Short lines before the first body paragraph are breadcrumbs/kickers, not text.
LEADING_CRUMB_MAX_CHARS = 25
# A hidden element (hide class, ``hidden``, ``display:none``) up to this long and without <p>
# inside is a summary or teaser no reader sees; longer hidden blocks with paragraphs are the other
# pages of a paginated article shipped in one document, which are text.
HIDDEN_MAX_CHARS = 600
# Loose text before the first <p>/<br> of a container is a lead (and is given a <p> of its own)
# from this length on; shorter runs are labels and kickers.
LOOSE_LEAD_MIN_CHARS, LOOSE_LEAD_MIN_WORDS = 80, 10
# Tags beyond this many are site-wide keyword soup.
MAX_TAGS = 30
# Share of Indonesian function words in the text that marks the language as Indonesian.
LANG_STOPWORD_SHARE = 0.04

DATA_DIR = Path(__file__).parent / "data"
BOILERPLATE_YAML = DATA_DIR / "boilerplate.yaml"
PAGETYPE_YAML = DATA_DIR / "clean_pagetype.yaml"

PAGE_TYPES = ("article", "listing", "homepage", "gallery", "other")

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_BLOCK_TAGS_WORDS = (
    "p div li ul ol section aside blockquote h1 h2 h3 h4 h5 h6 figure figcaption table tr td "
    "center article header footer dl dd dt"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAGS_WORDS.split())
_LEAF_PROSE_TAGS_WORDS = "p div li td blockquote dd section article"
_LEAF_PROSE_TAGS = frozenset(_LEAF_PROSE_TAGS_WORDS.split())
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object", "embed")
_EMBED_CLASS = re.compile(r"twitter-tweet|instagram-media|tiktok-embed|fb-post|twitter-timeline")
_DASH = r"\s*(?:-{1,2}|–|—|―)\s*"


# --- public types ---------------------------------------------------------------------------------


class CleanError(Exception):
    """The page was rejected. ``reason`` is short and machine-readable (e.g. ``too_large``,
    ``no_text``, ``undecodable``, ``not_html``, ``unparseable``, ``not_article:listing``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class CleanedArticle:
    """A cleaned article: main text without furniture, plus what the page says about itself."""

    url: str
    title: str
    text: str
    published: datetime | None = None
    published_source: str | None = None  # "meta" | "byline" | "dateline" | None
    modified: datetime | None = None
    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    reporter: str | None = None
    dateline: str | None = None
    outlet: str | None = None
    language: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    page_type: str = "article"
    advertorial: bool = False
    weekday_mismatch: bool = False
    boilerplate: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict; datetimes as ISO 8601 with offset."""
        out = asdict(self)
        for key in ("published", "modified"):
            value = out[key]
            out[key] = value.isoformat() if isinstance(value, datetime) else None
        return out


@dataclass
class Byline:
    """People named in a byline string."""

    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    reporter: str | None = None

    def merge(self, other: Byline) -> None:
        for name in other.authors:
            if name not in self.authors:
                self.authors.append(name)
        self.editor = self.editor or other.editor
        self.reporter = self.reporter or other.reporter


@dataclass
class Dateline:
    """A dateline prefix found at the start of a lead paragraph."""

    place: str | None
    prefix: str  # the exact furniture prefix to strip ("POS-KUPANG.COM, KEFAMENANU - ")
    outlet: str | None = None
    date: ParsedDate | None = None


# --- rules (YAML) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ParagraphRule:
    kind: str
    pattern: re.Pattern[str]
    max_len: int
    truncate: bool


@dataclass(frozen=True)
class _Rules:
    paragraphs: tuple[_ParagraphRule, ...]
    related_blocks: tuple[tuple[str, str], ...]  # (kind, class fragment)
    caption_blocks: tuple[str, ...]
    signoff: re.Pattern[str]
    advertorial: tuple[re.Pattern[str], ...]
    org_authors: tuple[re.Pattern[str], ...]
    generic_keywords: frozenset[str]
    url_gallery: tuple[re.Pattern[str], ...]
    url_other: tuple[re.Pattern[str], ...]
    url_listing: tuple[re.Pattern[str], ...]
    non_article_og_types: frozenset[str]
    title_kickers: tuple[tuple[str, re.Pattern[str]], ...]  # (page type, headline kicker)
    gallery_markers: tuple[re.Pattern[str], ...]
    gallery_counter: re.Pattern[str]
    gallery_classes: tuple[str, ...]


def _compile(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    bp = yaml.safe_load(BOILERPLATE_YAML.read_text(encoding="utf-8"))
    pt = yaml.safe_load(PAGETYPE_YAML.read_text(encoding="utf-8"))
    paragraphs = tuple(
        _ParagraphRule(
            kind=r["kind"],
            pattern=re.compile(r["pattern"], re.IGNORECASE),
            max_len=int(r.get("max_len", 300)),
            truncate=bool(r.get("truncate", False)),
        )
        for r in bp["paragraphs"]
    )
    related = tuple(
        (kind, frag.lower()) for kind, frags in bp["related_blocks"].items() for frag in frags
    )
    return _Rules(
        paragraphs=paragraphs,
        related_blocks=related,
        caption_blocks=tuple(c.lower() for c in bp["caption_blocks"]),
        signoff=re.compile(bp["signoff"], re.IGNORECASE),
        advertorial=_compile(bp["advertorial"]),
        org_authors=_compile(bp["organisation_authors"]),
        generic_keywords=frozenset(k.lower() for k in bp["generic_keywords"]),
        url_gallery=_compile(pt["gallery"]),
        url_other=_compile(pt["other"]),
        url_listing=_compile(pt["listing"]),
        non_article_og_types=frozenset(t.lower() for t in pt["non_article_og_types"]),
        title_kickers=tuple(
            (kind, re.compile(p, re.IGNORECASE))
            for kind, pats in pt["title_kickers"].items()
            for p in pats
        ),
        gallery_markers=_compile(pt["gallery_markers"]),
        gallery_counter=re.compile(pt["gallery_counter"], re.IGNORECASE),
        gallery_classes=tuple(c.lower() for c in pt["gallery_classes"]),
    )


# --- small helpers --------------------------------------------------------------------------------


def _norm(text: str | None) -> str:
    # Same result as _WS.sub(" ", text).strip() (str.split and the regex \s both use Unicode
    # whitespace, checked over every code point), about 8x faster on page-sized strings.
    return " ".join(text.split()) if text else ""


# While the tree is read but not yet changed (page type, dates, bylines), each element's
# normalised text is computed once and remembered: these passes ask for the same elements'
# text many times. Pruning changes the tree, so the memo ends before it.
_TEXT_MEMO: ContextVar[dict[Any, str] | None] = ContextVar("_TEXT_MEMO", default=None)


def _text(el: Any) -> str:
    memo = _TEXT_MEMO.get()
    if memo is not None:
        found = memo.get(el)
        if found is None:
            found = memo[el] = _text_now(el)
        return found
    return _text_now(el)


def _text_now(el: Any) -> str:
    try:
        return _norm(el.text_content())
    except (ValueError, RecursionError):
        return ""


def _classid(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def _iter_elements(root: Any) -> Iterator[Any]:
    """Elements only (no comments or processing instructions), in document order."""
    return iter(root.iter(etree.Element))


def _link_text_len(el: Any) -> int:
    return sum(len(_text(a)) for a in el.iter("a"))


# Text a reader sees: inline <script>/<style>/... code is not prose. Page-type features are measured
# on the intact tree (before pruning), where ad scripts (googletag, jQuery) inside a <div> would
# otherwise count as hundreds of characters of "prose" on galleries and home pages.
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(" + " or ".join(f"ancestor::{t}" for t in _DROP_TAGS) + ")]"
)


def _visible_text(el: Any) -> str:
    try:
        return _norm("".join(_VISIBLE_TEXT(el)))
    except (ValueError, RecursionError, etree.XPathError):
        return ""


def _abs_url(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "#", "tel:", "data:")):
        return None
    try:
        out = urljoin(base, href)
    except ValueError:
        return None
    return out if out.startswith(("http://", "https://")) else None


# --- decoding -------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
# File signatures of things crawlers fetch by mistake: PNG, JPEG, GIF, PDF, ZIP/DOCX, gzip, WebP.
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
# Single-byte Western codecs a page may declare by mistake on UTF-8 bytes (latin-1 reads as cp1252).
_WESTERN_SINGLE_BYTE = frozenset({"cp1252", "iso8859-15"})


def _lookup_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except (LookupError, ValueError):
        return None
    # Browsers treat latin-1/ascii labels as windows-1252 (WHATWG); so do we.
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def _decode(data: bytes, content_type: str | None) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    declared: str | None = None
    if content_type:
        m = _CHARSET_RE.search(content_type.encode("ascii", errors="ignore"))
        declared = _lookup_codec(m.group(1).decode("ascii")) if m else None
    if declared is None:
        m = _CHARSET_RE.search(data[:CHARSET_SNIFF_BYTES])
        declared = _lookup_codec(m.group(1).decode("ascii", errors="ignore")) if m else None
    if declared in (None, "utf-8") or (declared and declared.startswith("utf-16")):
        # UTF-16 declared in a meta tag of a byte stream without BOM is almost always a lie.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        # Not valid UTF-8: mostly-valid multibyte sequences mean a few corrupt bytes; none mean
        # windows-1252 text mislabelled as UTF-8 (the classic CMS misconfiguration).
        good = len(_UTF8_MULTIBYTE.findall(data))
        bad = len(re.findall(rb"[\x80-\xff]", data)) - sum(
            len(s) for s in _UTF8_MULTIBYTE.findall(data)
        )
        if good > bad:
            return data.decode("utf-8", errors="replace")
        return data.decode("cp1252", errors="replace")
    if declared in _WESTERN_SINGLE_BYTE and _UTF8_MULTIBYTE.search(data):
        # A Western single-byte label on bytes that are valid UTF-8 with multibyte characters in
        # them is a stale label ('charset=iso-8859-1' on a UTF-8 page: 'KapanLagi.comÂ®'):
        # text really written in windows-1252 almost never forms valid UTF-8 sequences.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(declared, errors="replace")
    except (LookupError, ValueError):
        return data.decode("utf-8", errors="replace")


# --- parsing --------------------------------------------------------------------------------------


def _parse(text: str) -> Any:
    text = _CONTROL.sub("", _XML_DECL.sub("", text, count=1))
    if not text.strip():
        raise CleanError("no_text", "empty document")
    parser = lxml.html.HTMLParser(
        huge_tree=False, remove_comments=True, remove_pis=True, recover=True, no_network=True
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, RecursionError) as exc:
        raise CleanError("unparseable", str(exc)[:200]) from None
    if root is None:
        raise CleanError("unparseable", "no root")
    return root


# --- metadata -------------------------------------------------------------------------------------


@dataclass
class _Meta:
    metas: dict[str, list[str]]
    jsonld: list[dict[str, Any]]
    lang: str | None


def _collect_meta(root: Any) -> _Meta:
    metas: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and content.strip():
            metas.setdefault(key, []).append(content.strip())
        equiv = (el.get("http-equiv") or "").lower()
        if equiv and content:
            metas.setdefault(f"http-equiv:{equiv}", []).append(content.strip())
    jsonld: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"))
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        while stack and len(jsonld) < 50:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                jsonld.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    return _Meta(metas=metas, jsonld=jsonld, lang=lang)


def _meta_first(meta: _Meta, *keys: str) -> str | None:
    for key in keys:
        for value in meta.metas.get(key, []):
            if value:
                return value
    return None


def _jsonld_articles(meta: _Meta) -> list[dict[str, Any]]:
    out = []
    for item in meta.jsonld:
        types = item.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and ("Article" in t or t == "BlogPosting") for t in types):
            out.append(item)
    return out


def _jsonld_value(meta: _Meta, key: str) -> Any:
    for item in _jsonld_articles(meta) + meta.jsonld:
        if item.get(key):
            return item[key]
    return None


def _names_from_jsonld(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in _names_from_jsonld(v)]
    return []


def _canonical_url(root: Any, meta: _Meta, url: str) -> str:
    candidates = [
        el.get("href")
        for el in root.iter("link")
        if "canonical" in (el.get("rel") or "").lower().split()
    ]
    candidates.append(_meta_first(meta, "og:url"))
    given_path = urlsplit(url).path.strip("/") if url else ""
    for cand in candidates:
        absolute = _abs_url(url, cand)
        if not absolute:
            continue
        # Some CMSs point every page's canonical at the homepage; do not believe that.
        if not urlsplit(absolute).path.strip("/") and given_path:
            continue
        return absolute
    return url


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _outlet(meta: _Meta, url: str) -> str | None:
    publisher = _jsonld_value(meta, "publisher")
    candidates = [
        _meta_first(meta, "og:site_name"),
        *_names_from_jsonld(publisher),
        _meta_first(meta, "application-name", "publisher"),
    ]
    for cand in candidates:
        cand = _norm(cand)
        if cand and not re.match(r"https?://", cand) and len(cand) <= 60:
            return cand
    return _host(url) or None


def _looks_like_site(part: str, outlet: str | None, host: str) -> bool:
    """A title segment that names the site ("KapanLagi.com", "Okezone", "Pos Kupang")."""
    last = part.strip().lower()
    keys = {k for k in (outlet or "").lower().split() if len(k) > 2}
    host_key = host.split(".")[0] if host else ""
    return bool(
        re.search(r"\.(?:com|co\.id|id|net|org|co|test)\b", last)
        or (outlet and last == outlet.lower())
        or (host_key and host_key in last.replace(" ", "").replace("-", ""))
        or (keys and any(k in last for k in keys) and len(last.split()) <= 3)
    )


def _strip_title_suffix(title: str, outlet: str | None, host: str) -> str:
    """Drop the site's name after the headline ("… - Kompas.com") or before it
    ("KapanLagi.com: …")."""
    prefix = re.match(r"^(?P<site>[^|:–—]{2,40}?)\s*(?:[|:]|\s[-–—])\s+(?P<rest>\S.*)$", title)
    if prefix and _looks_like_site(prefix.group("site"), outlet, host):
        rest = prefix.group("rest")
        if len(rest) >= 10:
            title = rest
    parts = re.split(r"\s+[|\-–—:]\s+", title)
    if len(parts) < 2:
        return title
    return " | ".join(parts[:-1]).strip() if _looks_like_site(parts[-1], outlet, host) else title


def _same_words(a: str, b: str) -> bool:
    return re.sub(r"[\W_]+", "", a).lower() == re.sub(r"[\W_]+", "", b).lower()


# A metadata title may wrap the headline in a channel or site label that readers do not see
# above the story ("Kapanlagi.com: Musik - <headline>", "<headline> | Hot Gossip"): the label is a
# short run of words, at most this many, cut off from the headline by a separator.
TITLE_LABEL_MAX_WORDS = 4
_LABEL_BEFORE = re.compile(r"^\s*(?P<label>\S.*?)\s*[|\-–—:»]\s+$")
_LABEL_AFTER = re.compile(r"^\s+[|\-–—:«]\s*(?P<label>.*\S)\s*$")


def _label_around(title: str, shown: str) -> bool:
    """``title`` is the headline ``shown`` with only a short label before or after it, cut off by
    a separator (the label is the channel's or the site's name, not part of the headline)."""
    if len(shown) < 10 or shown == title:
        return False
    if title.endswith(shown):
        label = _LABEL_BEFORE.match(title[: -len(shown)])
    elif title.startswith(shown):
        label = _LABEL_AFTER.match(title[len(shown) :])
    else:
        return False
    return label is not None and len(label.group("label").split()) <= TITLE_LABEL_MAX_WORDS


def _title(
    root: Any, meta: _Meta, trafilatura_title: str | None, outlet: str | None, host: str
) -> str:
    h1 = next((t for t in (_text(h) for h in root.iter("h1")) if len(t) >= 10), None)
    title_tag = next((_text(t) for t in root.iter("title")), None)
    for cand in (_meta_first(meta, "og:title", "twitter:title"), h1, trafilatura_title, title_tag):
        cand = _norm(cand)
        if cand:
            title = _strip_title_suffix(cand, outlet, host)
            # The headline as readers see it keeps its punctuation ('!', '?', quotes) when the
            # metadata title is the same words written plainer.
            shown = _strip_title_suffix(_norm(h1), outlet, host) if h1 else ""
            if shown and shown != title and _same_words(shown, title):
                return shown
            # ... and without a channel label the metadata title adds around it.
            if shown and _label_around(title, shown):
                return shown
            return title
    return ""


# --- bylines --------------------------------------------------------------------------------------

_BYLINE_LABELS = {
    "penulis": "author",
    "pewarta": "reporter",
    "reporter": "reporter",
    "wartawan": "reporter",
    "kontributor": "reporter",
    "jurnalis": "reporter",
    "oleh": "author",
    "by": "author",
    "author": "author",
    "editor": "editor",
    "redaktur": "editor",
    "penyunting": "editor",
    "editing": "editor",
}
_LABEL_ALT = "|".join(sorted(_BYLINE_LABELS, key=len, reverse=True))
# Labels that end a byline value without being a role themselves ("Editor: X Sumber: Y").
_STOP_LABELS = r"sumber|source|foto|fotografer|video|copyright|dibaca|views"
_LABEL_SEGMENT = re.compile(
    rf"\b(?P<label>{_LABEL_ALT})\b\s*:\s*(?P<value>.*?)"
    rf"(?=\s*(?:[|•·/;]|\b(?:{_LABEL_ALT}|{_STOP_LABELS})\b\s*:|$))",
    re.IGNORECASE,
)
_LAPORAN = re.compile(
    r"\blaporan\s+(?:reporter|wartawan|koresponden|jurnalis|kontributor)\s+(?P<outlet>.+?)\s*,\s*"
    r"(?P<name>[^,|()]+?)\s*(?:[|,(]|$)",
    re.IGNORECASE,
)
_NAME_TRIM = re.compile(r"^[\s:,\-–—|/]+|[\s:,\-–—|/.]+$")
# Regional staff are credited by role and base: "Kontributor Lhokseumawe, Nama", "Koresponden
# Kupang". The role word followed by a place is a role, never a name.
_ROLE_WORDS = r"kontributor|koresponden|wartawan|reporter|jurnalis|fotografer|pewarta"
_ROLE_PLACE = re.compile(
    rf"^(?:{_ROLE_WORDS})\s+(?P<place>[^\W\d_][^,|()]{{1,40}}?)\s*,\s*"
    r"(?P<name>[^,|()]+?)\s*(?:[|,(]|$)",
    re.IGNORECASE,
)
_ROLE_NAME = re.compile(rf"^(?:{_ROLE_WORDS})\b", re.IGNORECASE)
# A sign-off that is a person's name in capitals, alone on the last line: "(NAMA PENULIS)".
_SIGNOFF_NAME = re.compile(r"^\(?\s*([A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+){1,3})\s*\)?$")


def _is_org(name: str, outlet: str | None = None, host: str | None = None) -> bool:
    low = name.lower()
    if any(p.search(low) for p in _rules().org_authors):
        return True
    squash = re.sub(r"[^a-z0-9]", "", low)
    for site in (outlet, host):
        site_squash = re.sub(r"[^a-z0-9]", "", (site or "").lower())
        if site_squash and (squash == site_squash or squash in site_squash and len(squash) > 4):
            return True
    return False


def _clean_person(
    raw: str | None, outlet: str | None = None, host: str | None = None
) -> str | None:
    """Normalise one person name; None when it is not a plausible person."""
    name = _NAME_TRIM.sub("", _norm(raw))
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()
    if not name or len(name) > 60 or len(name.split()) > 6 or re.search(r"\d|@|https?:", name):
        return None
    if len(name) < 3 or (name.islower() and len(name) <= 5):  # sign-off initials like "aln"
        return None
    if _ROLE_NAME.match(name):
        return None  # "Kontributor Lhokseumawe": a role and a place
    if _is_org(name, outlet, host):
        return None
    if name.isupper() and len(name) > 4:
        name = name.title()
    return name


def _split_people(value: str) -> list[str]:
    return [p for p in re.split(r"\s*(?:,|&|\bdan\b|\band\b)\s*", value) if p.strip()]


def parse_byline(text: str, *, outlet: str | None = None, host: str | None = None) -> Byline:
    """Parse "Penulis: X | Editor: Y", "Pewarta: X", "Laporan Reporter OUTLET, X" and the like."""
    out = Byline()
    text = _norm(text)
    if not text:
        return out
    m = _LAPORAN.search(text) or _ROLE_PLACE.match(text)
    if m:
        name = _clean_person(m.group("name"), outlet, host)
        if name:
            out.reporter = name
            out.authors.append(name)
    for seg in _LABEL_SEGMENT.finditer(text):
        role = _BYLINE_LABELS[seg.group("label").lower()]
        people = [
            p
            for p in (_clean_person(v, outlet, host) for v in _split_people(seg.group("value")))
            if p
        ]
        if not people:
            continue
        if role == "editor":
            out.editor = out.editor or people[0]
            continue
        for person in people:
            if person not in out.authors:
                out.authors.append(person)
        if role == "reporter" or out.reporter is None:
            out.reporter = out.reporter if role != "reporter" and out.reporter else people[0]
    return out


def _strip_role_label(value: str) -> str:
    """ "Penulis: X" / "By X" -> "X"; "Kontributor Atambua" stays whole (a role and a place, which
    :func:`_clean_person` rejects)."""
    if _ROLE_NAME.match(value) and not re.match(rf"^(?:{_ROLE_WORDS})\s*:", value, re.I):
        return value
    return re.sub(rf"^(?:{_LABEL_ALT})\s*:?\s*", "", value, flags=re.IGNORECASE)


# A bare role label's element holds at most this many child elements (<li><span>Author</span>).
ROLE_LABEL_MAX_CHILDREN = 2
# Role labels that stand alone in an element ("Jurnalis", "Author"); "oleh"/"by" never do.
_BARE_ROLE_LABELS = {k: v for k, v in _BYLINE_LABELS.items() if k not in ("oleh", "by")}
_NAME_PARTICLES = frozenset(["bin", "binti", "van", "von", "de", "da", "di", "al", "el"])


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 5 and all(
        w[0].isupper() or w.lower() in _NAME_PARTICLES for w in words if w[0].isalpha()
    )


def _bylines_from_role_labels(root: Any, result: Byline, outlet: str | None, host: str) -> None:
    """Credits written as a bare role label beside the names: the name first and its role under
    it (``<div>Nama</div><span>Jurnalis</span>``), or a credits list where each role heads the
    names that follow it (``<li>Author</li><li>Nama</li><li>Nama</li><li>Editor</li>…``)."""

    def role_of(el: Any) -> str | None:
        if len(el) > ROLE_LABEL_MAX_CHILDREN:
            return None  # a label is a word in an element, not a block of them
        return _BARE_ROLE_LABELS.get(_norm(_text(el)).rstrip(":").strip().lower())

    def person(el: Any) -> str | None:
        txt = _norm(_text(el))
        if not isinstance(el.tag, str) or not txt or len(txt) > 60 or role_of(el):
            return None
        return _clean_person(txt, outlet, host) if _looks_like_name(txt) else None

    seen: set[int] = set()
    for el in root.iter("span", "li", "div", "p", "strong", "b", "dt", "dd", "td", "small"):
        role = role_of(el)
        if role is None or _in_excluded_zone(el):
            continue
        while el.getparent() is not None and role_of(el.getparent()) == role:
            el = el.getparent()  # <li><span>Author</span></li>: the list item is the label
        if id(el) in seen:
            continue
        seen.add(id(el))
        names: list[str] = []
        for sib in el.itersiblings():
            name = person(sib)
            if name is None:
                break
            names.append(name)
        if not names:
            prev = el.getprevious()
            name = person(prev) if prev is not None else None
            names = [name] if name else []
        for name in names:
            if role == "editor":
                result.editor = result.editor or name
            elif name not in result.authors and name != result.editor:
                result.authors.append(name)


def _bylines_from_tree(root: Any, meta: _Meta, outlet: str | None, host: str) -> Byline:
    result = Byline()
    # 1. visible byline text: labelled segments in small elements.
    for el in _iter_elements(root):
        if el.tag in ("script", "style", "a", "title", "head"):
            continue
        txt = _text(el)
        if not txt or len(txt) > BYLINE_MAX_CHARS:
            continue
        if (
            _LABEL_SEGMENT.search(txt) or _LAPORAN.search(txt) or _ROLE_PLACE.match(txt)
        ) and not _in_excluded_zone(el):
            result.merge(parse_byline(txt, outlet=outlet, host=host))
    # 1b. a bare role label in an element of its own beside the names.
    _bylines_from_role_labels(root, result, outlet, host)
    # 2. microdata / meta / JSON-LD.
    for el in root.xpath('//*[@itemprop="author" or @rel="author"]'):
        value = el.get("content") or _text(el)
        value = _strip_role_label(value)
        for person in _split_people(value):
            name = _clean_person(person, outlet, host)
            if name and name not in result.authors:
                result.authors.append(name)
    if result.editor is None:
        for el in root.xpath('//*[@itemprop="editor"]'):
            result.editor = _clean_person(el.get("content") or _text(el), outlet, host)
            if result.editor:
                break
    meta_people = meta.metas.get("author", []) + meta.metas.get("article:author", [])
    meta_people += _names_from_jsonld(_jsonld_value(meta, "author"))
    if result.authors:
        # The byline readers see names the writer; templates fill the metadata author with the
        # account that published the page, often the editor (JSON-LD on Tribun-engine pages).
        meta_people = []
    for raw in meta_people:
        raw = _strip_role_label(raw)
        for person in _split_people(raw):
            name = _clean_person(person, outlet, host)
            if name and name not in result.authors:
                result.authors.append(name)
    if result.editor and result.editor in result.authors and len(result.authors) > 1:
        result.authors.remove(result.editor)
    return result


# --- dates ----------------------------------------------------------------------------------------

_DATE_CLASS = re.compile(
    r"date|time|tgl|tanggal|publish|posted|waktu|jam|byline|meta|info|author|penulis", re.I
)
# Class/id words of page zones whose dates and bylines belong to other articles. Matched as whole
# class tokens or hyphen/underscore-delimited parts ("abmenu" is not a menu; "side-menu" is).
_EXCLUDED_ZONE = re.compile(
    r"(?:^|[\s_-])(?:related|relatedposts|terkait|sidebar|populer|terpopuler|popular|footer"
    r"|widget|recommend|rekomendasi|comments?|komentar|latest|terbaru|trending|menu|navbar"
    r"|breaking|ticker)(?=$|[\s_\d-])",
    re.I,
)


def _in_excluded_zone(el: Any) -> bool:
    for anc in el.iterancestors():
        if anc.tag in ("nav", "footer", "aside", "a"):
            return True
        if _EXCLUDED_ZONE.search(_classid(anc)):
            return True
    return False


def _sane(parsed: ParsedDate | None, fetched_at: datetime | None) -> bool:
    if parsed is None:
        return False
    if fetched_at is not None and fetched_at.tzinfo is not None:
        when = parsed.as_datetime(DEFAULT_TZ)
        if when > fetched_at + FUTURE_TOLERANCE:
            return False
    return True


# Date labels as pages really write them, made parseable: markup escaped into an attribute
# ('18 Jun 2015 at &lt;span&gt;06:25 WIB&lt;/span&gt;'), an English ' at ' between day and time, and
# an ISO time written with hyphens ('2022-12-10T13-19-56Z': read as a bare day, it gave midnight).
_LABEL_TAGS = re.compile(r"<[^>]{0,80}>")
_LABEL_AT = re.compile(r"(?<=\d{4})\s*,?\s+(?:at|on)\s+(?=\d{1,2}[:.]\d{2}\b)", re.IGNORECASE)
_ISO_HYPHEN_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})\s*T(\d{2})-(\d{2})(?:-(\d{2}))?")
# A zone written on the label itself (else the time is read in the outlet's zone).
_LABEL_ZONE = re.compile(r"\b(?:WIB|WITA|WIT|GMT|UTC)\b|\d(?:Z|[+-]\d{2}:?\d{2})\b", re.IGNORECASE)
# Offsets Indonesian outlets really publish in (WIB, WITA, WIT).
_INDONESIAN_OFFSETS = frozenset(timedelta(hours=h) for h in (7, 8, 9))


def _repair_label(value: str) -> str:
    value = _LABEL_TAGS.sub(" ", value)
    value = _LABEL_AT.sub(", ", value)
    return _ISO_HYPHEN_TIME.sub(
        lambda m: f"{m.group(1)}T{m.group(2)}:{m.group(3)}:{m.group(4) or '00'}", value
    )


def _parse_label(value: str, fetched_at: datetime | None, **kw: Any) -> ParsedDate | None:
    return parse_id_datetime(
        _repair_label(value)[:DATE_LABEL_MAX_CHARS], relative_to=fetched_at, **kw
    )


def _cross_check(
    meta_date: ParsedDate | None, visible: ParsedDate | None
) -> tuple[ParsedDate | None, str | None]:
    """Metadata against the date shown to readers. The visible label wins when it gives the time
    the metadata lacks on the same day (a malformed meta time read as midnight), or when both
    show the same clock time with different zones and the label states its zone or the metadata's
    offset is not an Indonesian one: '…T10:08:58Z' or '…-07:00' written on a WIB clock."""
    if meta_date is None:
        return (visible, "byline") if visible is not None else (None, None)
    if visible is None or not visible.has_time or not isinstance(visible.value, datetime):
        return meta_date, "meta"
    shown = visible.value
    if not meta_date.has_time or not isinstance(meta_date.value, datetime):
        same_day = meta_date.value == shown.date()
        return (visible, "byline") if same_day else (meta_date, "meta")
    meta_value = meta_date.value
    same_clock = meta_value.replace(tzinfo=None, second=0, microsecond=0) == shown.replace(
        tzinfo=None, second=0, microsecond=0
    )
    if same_clock and meta_value.utcoffset() != shown.utcoffset():
        label_zone = bool(_LABEL_ZONE.search(visible.matched))
        if label_zone or meta_value.utcoffset() not in _INDONESIAN_OFFSETS:
            return visible, "byline"
    return meta_date, "meta"


def _date_from_meta(
    meta: _Meta,
    root: Any,
    keys: tuple[str, ...],
    ld_key: str,
    itemprop: str,
    fetched_at: datetime | None,
) -> ParsedDate | None:
    values: list[str] = []
    for key in keys:
        values.extend(meta.metas.get(key, []))
    ld = _jsonld_value(meta, ld_key)
    if isinstance(ld, str):
        values.append(ld)
    for el in root.xpath(f'//*[@itemprop="{itemprop}"]'):
        values.append(el.get("content") or el.get("datetime") or _text(el))
    if itemprop == "datePublished":
        for el in root.iter("time"):
            if el.get("datetime") and not _in_excluded_zone(el):
                values.append(el.get("datetime"))
                break
    for value in values:
        parsed = _parse_label(value, fetched_at)
        if _sane(parsed, fetched_at):
            return parsed
    return None


_PUBLISHED_KEYS = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "content_publisheddate",
    "parsely-pub-date",
    "sailthru.date",
    "datepublished",
    "article.published",
    "published_time",
)
_MODIFIED_KEYS = (
    "article:modified_time",
    "og:updated_time",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "datemodified",
    "article.updated",
)


def _date_from_byline(root: Any, fetched_at: datetime | None) -> ParsedDate | None:
    best: tuple[int, ParsedDate] | None = None
    timed: tuple[int, ParsedDate] | None = None
    for el in _iter_elements(root):
        if el.tag in ("script", "style", "head", "title", "meta", "a", "option"):
            continue
        is_time = el.tag == "time"
        classed = is_time or bool(_DATE_CLASS.search(_classid(el)))
        txt = _text(el)
        if not txt or len(txt) > (DATE_LABEL_MAX_CHARS if classed else BARE_DATE_MAX_CHARS):
            continue
        if not classed and len(el):
            continue  # unclassed: only leaves
        if not any(ch.isdigit() for ch in txt):
            continue  # cheap check first: every date label has a number in it
        parsed = _parse_label(txt, fetched_at, fallback=False)
        if not _sane(parsed, fetched_at) or parsed is None:
            continue
        if not classed and len(parsed.matched) < 0.5 * len(txt):
            continue
        if _in_excluded_zone(el):
            continue
        score = 2 * parsed.has_time + 2 * classed + (not parsed.year_inferred) * 2
        if best is None or score > best[0]:
            best = (score, parsed)
        if parsed.has_time and (timed is None or score > timed[0]):
            timed = (score, parsed)
    if best is None:
        return None
    if not best[1].has_time and timed is not None:
        # A bare day label (a header's 'Jumat, 19 Juni 2015') completed by a timed label of the
        # same day elsewhere ('Jumat, 19 Juni 2015 12:58 WIB' above the story).
        day = best[1].value
        if isinstance(timed[1].value, datetime) and timed[1].value.date() == day:
            return timed[1]
    return best[1]


# --- datelines ------------------------------------------------------------------------------------

_OUTLET_TOKEN = r"[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z]{2,}){1,2}"
_PLACE_TOKEN = r"[^\W\d_][^\W\d_.'’\-]*(?:[ '’\-][^\W\d_][^\W\d_.'’\-]*){0,3}"
_DATELINE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # "POS-KUPANG.COM, KEFAMENANU - ", "REPUBLIKA.CO.ID, JAKARTA -- "
    re.compile(rf"^(?P<outlet>{_OUTLET_TOKEN})\s*,\s*(?P<place>{_PLACE_TOKEN})(?P<rest>){_DASH}"),
    # "KUPANG, NTTOnlinenow.com - ", "JAKARTA, KOMPAS.com — "
    re.compile(rf"^(?P<place>{_PLACE_TOKEN})\s*,\s*(?P<outlet>{_OUTLET_TOKEN})(?P<rest>){_DASH}"),
    # "Jakarta, KompasOtomotif – ", "Ende, FloresBangkit - " (a one-word camel-case brand)
    re.compile(
        rf"^(?P<place>{_PLACE_TOKEN})\s*,\s*(?P<outlet>[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*)(?P<rest>)"
        rf"{_DASH}"
    ),
    # "Labuan Bajo (ANTARA) - ", "Mataram, NTB (ANTARA News) -", "Kupang (Kabar Sasando) - ",
    # "ISTANBUL, 23 Februari 2016 (Antara/PRNewswire) --"
    re.compile(
        rf"^(?P<place>{_PLACE_TOKEN})(?P<rest>\s*,\s*[^()\n]{{1,40}}?)?\s*"
        rf"\((?P<outlet>[^()\n]{{2,40}})\)\s*(?:-{{1,2}}|–|—|―)\s*"
    ),
    # "POS-KUPANG.COM - " (outlet only)
    re.compile(rf"^(?P<outlet>{_OUTLET_TOKEN})(?P<place>)(?P<rest>){_DASH}"),
    # "Kupang - ", "Labuan Bajo -- " (government releases: title-case place only)
    re.compile(
        r"^(?P<place>[A-Z][a-z]{2,}(?:\s[A-Z][a-z]{2,}){0,2})(?P<outlet>)(?P<rest>)"
        r"\s+(?:-{1,2}|–|—|―)\s+"
    ),
    # "JAKARTA - ", "LABUAN BAJO -- " (upper-case place only)
    re.compile(
        r"^(?P<place>[A-Z][A-Z'’.]{2,}(?:\s[A-Z][A-Z'’.]{1,}){0,3})(?P<outlet>)(?P<rest>)"
        r"\s*(?:-{1,2}|–|—|―)\s+"
    ),
)


# A dateline with no dash after it, set apart by bold type instead ("<b>Liputan6.com, Kupang</b>
# Warga ..."): the whole bold run is outlet and place, in either order.
_MARKED_DATELINE: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^(?P<outlet>{_OUTLET_TOKEN})\s*,\s*(?P<place>{_PLACE_TOKEN})$"),
    re.compile(rf"^(?P<place>{_PLACE_TOKEN})\s*,\s*(?P<outlet>{_OUTLET_TOKEN})$"),
)
# A bold run longer than this is a lead-in sentence, not a dateline.
MARKED_DATELINE_MAX_CHARS = 60


def _marked_match(text: str) -> re.Match[str] | None:
    return next((m for m in (p.match(text) for p in _MARKED_DATELINE) if m), None)


def _marked_datelines(root: Any) -> list[str]:
    """Bold runs that open a block and read as a dashless dateline ("Liputan6.com, Jakarta")."""
    found: list[str] = []
    for el in root.iter("b", "strong"):
        parent = el.getparent()
        if parent is None or (parent.text or "").strip() or parent.index(el) != 0:
            continue  # not the first thing in its block
        text = _norm(_text(el))
        if len(text) <= MARKED_DATELINE_MAX_CHARS and _marked_match(text):
            found.append(text)
    return found


def parse_dateline(
    paragraph: str, *, relative_to: datetime | None = None, marked: Iterable[str] = ()
) -> Dateline | None:
    """Recognise a dateline prefix at the start of ``paragraph``; ``marked`` are the page's bold
    dashless datelines (:func:`_marked_datelines`), a prefix only where the paragraph opens with one
    followed by more words."""
    head = paragraph[:160]
    for pattern in _DATELINE_PATTERNS:
        m = pattern.match(head)
        if not m:
            continue
        place = _norm(m.group("place")) or None
        rest = m.group("rest") or ""
        parsed = parse_id_datetime(rest, relative_to=relative_to, fallback=False) if rest else None
        # with no date in it, the rest is a region ("Mataram, NTB (ANTARA)"): the place stays first
        if m.group(0).strip() == paragraph.strip() and not m.group("outlet"):
            return None  # "JAKARTA -" alone on a line is a heading, not a dateline
        return Dateline(
            place=place, prefix=m.group(0), outlet=_norm(m.group("outlet")) or None, date=parsed
        )
    # no dash: only a bold run that reads as one, followed by the story
    for text in marked:
        found = _marked_match(text)
        if found and head.startswith(text) and head[len(text) : len(text) + 1].isspace():
            return Dateline(
                place=_norm(found.group("place")), prefix=text, outlet=found.group("outlet")
            )
    return None


# --- page type ------------------------------------------------------------------------------------


@dataclass
class _PageFeatures:
    headline_links: int
    best_prose: int
    images: int
    article_elements: int
    marked_article: bool
    og_type: str | None
    paginated: bool
    kicker: tuple[str, str] | None  # (page type, headline) when the headline names its medium
    gallery_ui: str | None  # the gallery label or slide counter found, if any
    slides: int = 0  # thumbnails linking to numbered slides of one page


_SLIDE_HREF = re.compile(r"^(?P<stem>.+?)[-_/](?P<n>\d{1,2})/?$")


def _slide_strip(root: Any) -> int:
    """The number of numbered slides (1…n, one stem) linked from image thumbnails inside a
    gallery-classed block."""
    classes = _rules().gallery_classes
    best = 0
    for el in root.iter("div", "ul", "section", "nav"):
        cid = _classid(el).lower()
        if not any(c in cid for c in classes):
            continue
        stems: set[str] = set()
        numbers: set[int] = set()
        for a in el.iter("a"):
            m = _SLIDE_HREF.match(a.get("href") or "")
            if m and a.find(".//img") is not None:
                stems.add(m.group("stem"))
                numbers.add(int(m.group("n")))
        if len(stems) == 1 and set(range(1, GALLERY_MIN_IMAGES + 1)) <= numbers:
            best = max(best, len(numbers))
    return best


def _media_kicker(root: Any, meta: _Meta) -> tuple[str, str] | None:
    """("gallery"|"other", headline) when the page's headline starts with a medium kicker
    ("FOTO: …", "VIDEO : …")."""
    rules = _rules()
    heads = [_meta_first(meta, "og:title"), _meta_first(meta, "twitter:title")]
    heads += [_text(el) for el in root.iter("title", "h1")]
    for head in heads:
        head = _norm(head)
        for kind, pattern in rules.title_kickers:
            if head and pattern.search(head):
                return kind, head
    return None


def _gallery_ui(el: Any, text: str) -> str | None:
    """The gallery label or in-gallery slide counter ``el`` (whose visible text is ``text``) is."""
    rules = _rules()
    if any(p.search(text) for p in rules.gallery_markers):
        return text
    m = rules.gallery_counter.search(text)
    if m and 1 <= int(m.group("n")) <= int(m.group("of")) and int(m.group("of")) >= 2:
        chain = [el, *list(el.iterancestors())[:GALLERY_COUNTER_ANCESTORS]]
        if any(frag in _classid(a) for a in chain for frag in rules.gallery_classes):
            return text
    return None


_HEADINGS = ("h1", "h2", "h3", "h4")
# The link that closes a teaser: "Baca selengkapnya", "Selengkapnya »", "Read more".
_READ_MORE = re.compile(
    r"^(?:baca|lihat)?\s*(?:selengkapnya|lanjutannya)\b|^read\s+more\b|^continue\s+reading\b",
    re.IGNORECASE,
)


def _url_path(url: str | None) -> str:
    parts = urlsplit(url or "")
    return parts.path.rstrip("/") or "/"


def _is_teaser(el: Any, own_paths: set[str]) -> bool:
    """A prose block that presents another page: it follows a heading that links elsewhere
    (home pages, indexes: '<h2><a href=…>Judul</a></h2><p>ringkasan</p>') or ends with a
    "Baca selengkapnya" link (newsletters). A heading linking to the page itself (WordPress
    permalinks) is the article's own."""
    links = [a for a in el.iter("a") if _text(a)]
    if links and _READ_MORE.match(_text(links[-1])):
        return True
    prev = el.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    if prev is None or prev.tag not in _HEADINGS:
        return False
    hrefs = [a.get("href") for a in prev.iter("a") if a.get("href")]
    return any(_url_path(h) not in own_paths for h in hrefs if not h.startswith("#"))


def _page_features(root: Any, meta: _Meta, urls: Iterable[str] = ()) -> _PageFeatures:
    own_paths = {_url_path(u) for u in urls} | {_url_path(_meta_first(meta, "og:url"))}
    # Only elements around inline code (<script> … inside them, or they inside it) need the
    # slower visible-text walk; elsewhere the visible text is the (memoised) text.
    near_code: set[Any] = set()
    for code in root.iter(*_DROP_TAGS):
        near_code.add(code)
        near_code.update(code.iterancestors())
        near_code.update(code.iterdescendants())

    def visible(el: Any) -> str:
        return _visible_text(el) if el in near_code else _text(el)

    hrefs: set[str] = set()
    for a in root.iter("a"):
        t = _text(a)
        if len(t) >= HEADLINE_LINK_MIN_CHARS and len(t.split()) >= HEADLINE_LINK_MIN_WORDS:
            hrefs.add(a.get("href") or t)
    prose_by_parent: dict[Any, int] = {}
    gallery_ui: str | None = None
    for el in _iter_elements(root):
        if el.tag in _DROP_TAGS or el.tag in ("a", "head", "title"):
            continue
        # labels are small blocks (few children); cheap length check before the visible text,
        # with room for a small script inside the label block
        if (
            gallery_ui is None
            and el.tag not in ("html", "body")
            and len(el) <= 8
            and len(_text(el)) <= 4 * GALLERY_MARKER_MAX_CHARS
        ):
            label = visible(el)
            if label and len(label) <= GALLERY_MARKER_MAX_CHARS:
                gallery_ui = _gallery_ui(el, label)
        own = sum(
            len((c.tail or "").strip()) for c in el if isinstance(c.tag, str) and c.tag != "a"
        ) + len((el.text or "").strip())
        if el.tag in _LEAF_PROSE_TAGS and not any(
            isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el
        ):
            # cheap bound first: the visible text is never longer than the whole text
            n = (
                len(visible(el)) - _link_text_len(el)
                if len(_text(el)) >= PROSE_BLOCK_MIN_CHARS
                else 0
            )
            if n >= PROSE_BLOCK_MIN_CHARS and _is_teaser(el, own_paths):
                continue  # it presents another page
            if n >= PROSE_BLOCK_MIN_CHARS:
                parent = el.getparent()
                if parent is not None:
                    prose_by_parent[parent] = prose_by_parent.get(parent, 0) + n
                continue
        if own >= PROSE_BLOCK_MIN_CHARS:
            prose_by_parent[el] = prose_by_parent.get(el, 0) + own
    marked = bool(
        _jsonld_articles(meta)
        or root.xpath('//*[@itemprop="articleBody"]')
        or _meta_first(meta, "article:published_time")
    )
    og_type = _meta_first(meta, "og:type")
    return _PageFeatures(
        headline_links=len(hrefs),
        best_prose=max(prose_by_parent.values(), default=0),
        images=sum(1 for _ in root.iter("img")),
        article_elements=sum(1 for _ in root.iter("article")),
        marked_article=marked,
        og_type=og_type.lower() if og_type else None,
        paginated=any(
            (el.get("rel") or "").lower() in ("next", "prev") for el in root.iter("link")
        ),
        kicker=_media_kicker(root, meta),
        gallery_ui=gallery_ui,
        slides=_slide_strip(root),
    )


def _is_homepage_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path.strip("/").lower()
    return not parts.query and path in (
        "",
        "index.html",
        "index.htm",
        "index.php",
        "home",
        "beranda",
    )


def _classify(root: Any, meta: _Meta, url: str, canonical: str) -> tuple[str, str]:
    """Return (page_type, why)."""
    rules = _rules()
    urls = [u for u in dict.fromkeys([url, canonical]) if u]
    if urls and all(_is_homepage_url(u) for u in urls):
        return "homepage", "url is site root"
    for u in urls:
        for pattern in rules.url_gallery:
            if pattern.search(u):
                return "gallery", f"url matches {pattern.pattern}"
        for pattern in rules.url_other:
            if pattern.search(u):
                return "other", f"url matches {pattern.pattern}"
    if urls and all(any(p.search(u) for p in rules.url_listing) for u in urls):
        return "listing", "url shape"
    f = _page_features(root, meta, urls)
    min_prose = ARTICLE_MIN_PROSE_MARKED if f.marked_article else ARTICLE_MIN_PROSE
    if f.og_type in rules.non_article_og_types:
        min_prose = ARTICLE_MIN_PROSE
    if f.article_elements >= LISTING_MIN_ARTICLE_ELEMENTS and f.best_prose < 2 * ARTICLE_MIN_PROSE:
        return "listing", f"{f.article_elements} <article> teasers"
    # Photo and video pages: galleries (KLY, merdeka.com) carry NewsArticle markup and related
    # lists, so neither the lower bar for marked pages nor the headline-link cap applies once the
    # page names its medium or shows gallery controls. Their prose is a lead and one caption.
    if f.slides >= GALLERY_MIN_IMAGES and f.best_prose < ARTICLE_MIN_PROSE:
        return "gallery", f"slide strip of {f.slides} photos, prose {f.best_prose}"
    if f.best_prose < ARTICLE_MIN_PROSE:
        if f.kicker is not None:
            return f.kicker[0], f"headline kicker {f.kicker[1][:40]!r}, prose {f.best_prose}"
        if f.gallery_ui is not None and f.images >= GALLERY_MIN_IMAGES:
            return "gallery", f"gallery markup {f.gallery_ui!r}, prose {f.best_prose}"
    if f.best_prose < min_prose:
        if f.images >= GALLERY_MIN_IMAGES and f.headline_links < LISTING_MIN_HEADLINE_LINKS:
            return "gallery", f"{f.images} images, prose {f.best_prose}"
        if (
            f.headline_links >= LISTING_MIN_HEADLINE_LINKS_NO_PROSE
            or (f.paginated and f.headline_links)
            or f.og_type in rules.non_article_og_types
            and f.headline_links
        ):
            return "listing", f"{f.headline_links} headline links, prose {f.best_prose}"
        return "other", f"prose {f.best_prose}"
    return "article", f"prose {f.best_prose}"


# --- structural pruning ---------------------------------------------------------------------------


def _record(records: list[dict[str, Any]], kind: str, text: str, url: str | None) -> None:
    text = _norm(text)
    if text:
        records.append({"kind": kind, "text": text, "url": url})


def _strip_label(text: str) -> str:
    return re.sub(
        r"^(?:baca|simak|lihat)(?:\s+(?:juga|pula))?\s*[:>»|\-–—]?\s*", "", text, flags=re.I
    )


def _drop(el: Any) -> None:
    parent = el.getparent()
    if parent is not None:
        el.drop_tree()


_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:hide|hidden|d-none|sr-only|visually-hidden)(?:$|\s)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")


def _is_hidden(el: Any) -> bool:
    """Hidden from readers by the page itself: ``hidden``, a hide class, ``display:none``."""
    if el.tag in ("html", "body", "head"):
        return False
    return (
        el.get("hidden") is not None
        or bool(_HIDDEN_CLASS.search((el.get("class") or "").lower()))
        or bool(_HIDDEN_STYLE.search((el.get("style") or "").lower()))
    )


def _wrap_loose_leads(root: Any) -> None:
    """Wrap loose runs of text (text and inline elements between ``<br>``/block children) before
    the first ``<p>`` of their container in a ``<p>`` of their own: trafilatura keeps the
    ``<p>``/``<div>`` paragraphs but drops such runs (a lead before the first ``<p>``, two leads
    joined by ``<br><br>`` above the ``<p>`` paragraphs, a lead before ``<div>`` paragraphs).
    Without a ``<p>`` only the first run is a lead. Runs too short or mostly links stay."""
    body = root.find("body")
    for el in list(_iter_elements(root if body is None else body)):
        if el.tag in _DROP_TAGS or el.tag in ("a", "p", "head", "title", "html", "body"):
            continue
        kids = list(el)
        if not any(
            isinstance(c.tag, str) and (c.tag in _BLOCK_TAGS or c.tag == "br") for c in kids
        ):
            continue
        # (the element whose text/tail opens the run: None for el.text, its inline children)
        runs: list[tuple[Any, list[Any]]] = [(None, [])]
        for c in kids:
            if isinstance(c.tag, str) and (c.tag in _BLOCK_TAGS or c.tag == "br"):
                runs.append((c, []))
            else:
                runs[-1][1].append(c)
        first_p = next((i for i, c in enumerate(kids) if c.tag == "p"), None)
        if first_p is None:
            runs = runs[:1]  # text and <br> lines only: just a loose lead before the first break
        else:
            runs = [r for r in runs if r[0] is None or kids.index(r[0]) < first_p]
        for opener, run in runs:
            lead = el.text if opener is None else opener.tail
            inline = [c for c in run if isinstance(c.tag, str)]
            text = _norm((lead or "") + "".join(_text(c) + " " + (c.tail or "") for c in inline))
            link_chars = sum(len(_text(a)) for c in inline for a in c.iter("a"))
            if (
                len(text) < LOOSE_LEAD_MIN_CHARS
                or len(text.split()) < LOOSE_LEAD_MIN_WORDS
                or link_chars > 0.2 * len(text)
            ):
                continue
            para = lxml.html.Element("p")
            para.text = lead
            if opener is None:
                el.text = None
            else:
                opener.tail = None
            for c in run:
                para.append(c)  # moves the child (and its tail) into the new paragraph
            el.insert(0 if opener is None else el.index(opener) + 1, para)


# Teasers of the printed edition placed above the article (Tribun-engine "Headline" / e-paper
# boxes): a block whose class names the e-paper, or whose first line is such a label alone.
_EDITION_CLASS = re.compile(r"e-?paper|edisi-?cetak|koran-?hari", re.IGNORECASE)
_EDITION_LABEL = re.compile(
    r"^(?:headline(?:\s+hari\s+ini)?|e-?paper|koran\s+hari\s+ini|edisi\s+cetak)$", re.IGNORECASE
)
# Such a box holds one teaser or a few; a longer block is content.
EDITION_TEASER_MAX_CHARS = 800
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]\s*$")
# A wrapped line of prose is long; short lines between <br>s are list items or addresses.
SOFT_BREAK_MIN_LINE = 40
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•*–])\s")


def _is_edition_teaser(el: Any) -> bool:
    if el.tag in ("html", "body", "article", "main"):
        return False
    # cheap checks first: the class, or a short label as the first child; the text last
    if not _EDITION_CLASS.search(_classid(el)):
        if len(el) < 2:
            return False
        first = next((c for c in el if isinstance(c.tag, str)), None)
        if first is None or len(first) > 2 or not _EDITION_LABEL.match(_text(first)):
            return False
    txt = _text(el)
    return bool(txt) and len(txt) <= EDITION_TEASER_MAX_CHARS


def _join_soft_breaks(root: Any) -> None:
    """A single ``<br>`` inside a ``<p>`` after words that do not end a sentence is a line wrap,
    not a new paragraph: it becomes a space (trafilatura split such lines into fragments)."""
    for br in list(root.iter("br")):
        parent = br.getparent()
        if parent is None or parent.tag != "p":
            continue
        prev, nxt = br.getprevious(), br.getnext()
        if prev is not None and prev.tag == "br" and not (prev.tail or "").strip():
            continue
        if nxt is not None and nxt.tag == "br" and not (br.tail or "").strip():
            continue
        before = (prev.tail if prev is not None else parent.text) or ""
        if not before.strip() and prev is not None:
            before = _text(prev)
        if len(before.strip()) < SOFT_BREAK_MIN_LINE or _SENTENCE_END.search(before):
            continue
        if not (br.tail or "").strip() and nxt is None or _LIST_MARKER.match(br.tail or ""):
            continue
        br.tail = " " + (br.tail or "")
        br.drop_tag()


def _prune(root: Any, base_url: str, records: list[dict[str, Any]]) -> None:
    for el in list(root.iter(*_DROP_TAGS)):
        _drop(el)
    _join_soft_breaks(root)
    for el in list(_iter_elements(root)):
        if el.getparent() is None:
            continue  # inside a block dropped above
        if _EMBED_CLASS.search(_classid(el)) and el.getparent() is not None:
            _drop(el)  # embedded tweets/posts quote other people, not the article
        elif _is_edition_teaser(el):
            _record(records, "promo", _text(el), None)
            _drop(el)
        elif _is_hidden(el) and el.getparent() is not None:
            txt = _text(el)
            if len(txt) <= HIDDEN_MAX_CHARS and not any(True for _ in el.iterdescendants("p")):
                _record(records, "hidden", txt, None)
                _drop(el)  # a summary/teaser no reader sees, not the lead
    _wrap_loose_leads(root)
    # From here the passes only mark blocks for removal (dropped together at the end): the tree
    # does not change, so each element's text is computed once.
    token = _TEXT_MEMO.set({})
    try:
        _mark_and_drop(root, base_url, records)
    finally:
        _TEXT_MEMO.reset(token)


def _mark_and_drop(root: Any, base_url: str, records: list[dict[str, Any]]) -> None:
    rules = _rules()
    removed: set[Any] = set()
    dead: set[Any] = set()  # removed blocks and everything inside them: skipped by later passes

    def alive(el: Any) -> bool:
        return el not in dead

    def remove(el: Any) -> None:
        removed.add(el)
        dead.add(el)
        dead.update(el.iterdescendants())

    # captions
    for el in list(_iter_elements(root)):
        if not alive(el):
            continue
        cid = _classid(el)
        is_caption = el.tag == "figcaption" or (
            cid and any(frag in cid for frag in rules.caption_blocks)
        )
        if is_caption and el.tag not in ("body", "html", "article", "main"):
            txt = _text(el)
            if len(txt) <= CAPTION_MAX_CHARS:
                rule = _match_rule(txt)  # themes also put "Penulis: X" in a .credit block
                found = "byline" if rule is not None and rule.kind == "byline" else "caption"
                _record(records, found, txt, None)
                remove(el)
    # related / cross-link blocks by class
    for el in list(_iter_elements(root)):
        if not alive(el) or el.tag in ("body", "html", "main"):
            continue
        cid = _classid(el)
        if not cid.strip():
            continue
        kind = next((k for k, frag in rules.related_blocks if frag in cid), None)
        if kind is None:
            continue
        links = [a for a in el.iter("a") if _text(a)]
        prose = len(_text(el)) - _link_text_len(el)
        if links and prose <= RELATED_MAX_PROSE:
            for a in links:
                _record(records, kind, _text(a), _abs_url(base_url, a.get("href")))
            remove(el)
    # small blocks whose whole text is a furniture phrase (innermost matching block wins)
    for el in list(_iter_elements(root)):
        if el.tag not in _BLOCK_TAGS or not alive(el):
            continue
        txt = _text(el)
        if not txt or len(txt) > FURNITURE_BLOCK_MAX_CHARS:
            continue
        rule = _match_rule(txt)
        if rule is None or rule.truncate:
            continue
        if rule.kind == "signoff" and rules.signoff.fullmatch(txt):
            continue  # left in the text: _filter_paragraphs ends the story there
        if any(
            isinstance(c.tag, str) and c.tag in _BLOCK_TAGS and _match_rule(_text(c)) is not None
            for c in el.iterdescendants()
        ):
            continue  # a smaller block inside carries it
        links = [a for a in el.iter("a") if _text(a)]
        if rule.kind == "baca_juga" and links:
            for a in links:
                _record(records, "baca_juga", _text(a), _abs_url(base_url, a.get("href")))
        else:
            href = _abs_url(base_url, links[0].get("href")) if links else None
            _record(
                records, rule.kind, _strip_label(txt) if rule.kind == "baca_juga" else txt, href
            )
        remove(el)
    for el in sorted(removed, key=lambda e: -len(list(e.iterancestors()))):
        _drop(el)


def _match_rule(paragraph: str) -> _ParagraphRule | None:
    for rule in _rules().paragraphs:
        if len(paragraph) <= rule.max_len and rule.pattern.search(paragraph):
            return rule
    return None


# --- text extraction ------------------------------------------------------------------------------


_PROBE_HTML = (
    "<html><head><script>x()</script></head><body><nav><a href='/a'>Beranda</a></nav>"
    "<div><p>Kalimat pertama berita ini cukup panjang untuk diambil sebagai isi.</p></div>"
    "</body></html>"
)


@lru_cache(maxsize=1)
def _trafilatura_copies_input() -> bool:
    """Whether ``bare_extraction`` leaves a tree given to it untouched (trafilatura 2.3 copies it
    first): then Pantau's own deep copy of every page (~3% of cleaning) is redundant. Probed once
    on a small page with the furniture trafilatura prunes, so an older release still gets a copy."""
    from trafilatura import bare_extraction

    probe = lxml.html.document_fromstring(_PROBE_HTML)
    before = etree.tostring(probe)
    bare_extraction(probe, favor_precision=True, include_comments=False, deduplicate=False)
    return bool(etree.tostring(probe) == before)


def _trafilatura_title_author(root: Any, *, page_author: bool = True) -> dict[str, Any]:
    """The title and author ``bare_extraction(..., with_metadata=True)`` reports, by the same
    steps as trafilatura 2.x ``extract_metadata`` takes for them (meta tags, JSON-LD, then the
    page), without the rest of its metadata: htmldate's date search, categories, tags, licence
    and site name were ~25% of trafilatura's time here and Pantau reads its own. A test pins the
    result to ``extract_metadata``'s on the fixture pages. Without ``page_author``, an author
    the meta tags do not give is left for :func:`_trafilatura_page_author` (``author_in_page``):
    its search copies the whole tree, and Pantau needs it only when the page has no byline."""
    from trafilatura.metadata import Document, examine_meta, extract_meta_json, extract_title

    metadata = examine_meta(root)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # trafilatura's own guard around its JSON-LD reader
        metadata = extract_meta_json(root, metadata)
    found = Document()
    found.title = metadata.title or extract_title(root)
    found.author = metadata.author
    found.clean_and_trim()
    if not metadata.author:
        if not page_author:
            return {"title": found.title, "author": None, "author_in_page": True}
        found.author = _trafilatura_page_author(root)
    return {"title": found.title, "author": found.author}


def _trafilatura_page_author(root: Any) -> str | None:
    """trafilatura's author search in the page's markup (its ``extract_author``, trimmed)."""
    from trafilatura.metadata import Document, extract_author

    found = Document()
    found.author = extract_author(root)
    found.clean_and_trim()
    return found.author


def _trafilatura(root: Any, url: str) -> tuple[str, dict[str, Any]]:
    from trafilatura import bare_extraction  # heavy import; keep module import cheap

    copies = _trafilatura_copies_input()
    meta: dict[str, Any] = {}

    def run(precision: bool) -> tuple[str, dict[str, Any]]:
        doc = bare_extraction(
            root if copies else copy.deepcopy(root),  # older releases prune their input in place
            url=url or None,
            include_comments=False,
            favor_precision=precision,
            deduplicate=False,  # its dedup cache is process-wide and spans documents
            with_metadata=False,  # title and author only, below: not its dates, tags, licence
        )
        if doc is None:
            return "", {}
        data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
        if not meta:
            meta.update(_trafilatura_title_author(root, page_author=False))
        data.update(meta)
        return data.get("text") or "", data

    try:
        text, data = run(True)
        if len(text) < MIN_TEXT_CHARS:
            text2, data2 = run(False)
            if len(text2) > len(text):
                text, data = text2, data2
    except RecursionError:
        raise CleanError("unparseable", "nesting too deep") from None
    except CleanError:
        raise
    except Exception as exc:  # third-party extractor: never let its bugs escape as crashes
        raise CleanError("extract_failed", f"{type(exc).__name__}: {exc}"[:200]) from None
    return text, data


def _paragraphs(text: str) -> list[str]:
    return [p for p in (_norm(line) for line in text.splitlines()) if p]


# A site prefix before a repeated headline ("BeritaTest.com: ") is at most this long.
TITLE_PREFIX_MAX_CHARS = 40


def _filter_paragraphs(
    paragraphs: list[str], title: str, records: list[dict[str, Any]], anchors: dict[str, str]
) -> list[str]:
    out: list[str] = []
    title_key = _norm(title).lower()
    for i, para in enumerate(paragraphs):
        rule = _match_rule(para)
        if rule is not None:
            if (
                rule.kind == "signoff"
                and len(out) >= LEAD_PARAGRAPHS
                and _rules().signoff.fullmatch(para)
            ):
                # an initials sign-off on its own line ("(mdk/yan)") closes the story: what
                # follows is the outlet's furniture (calls to action, pagination, teasers)
                _record(records, "signoff", para, None)
                for rest in paragraphs[i + 1 :]:
                    _record(records, "related", rest, anchors.get(rest.lower()))
                break
            if rule.truncate:
                for rest in paragraphs[i:]:
                    _record(records, "related", rest, anchors.get(rest.lower()))
                break
            body = _strip_label(para) if rule.kind == "baca_juga" else para
            _record(records, rule.kind, body, anchors.get(body.lower()))
            continue
        if title_key and (
            para.lower() == title_key
            or len(para) <= len(title_key) + TITLE_PREFIX_MAX_CHARS
            and re.sub(r"[\W_]+", "", para.lower()).endswith(re.sub(r"[\W_]+", "", title_key))
        ):
            _record(records, "other", para, None)
            continue  # the headline repeated inside the body (with a site prefix, '!' or '?')
        if not re.search(r"[^\W\d_]{2}", para):
            continue  # no word at all: carousel counters, separators
        if not out and len(para) < LEADING_CRUMB_MAX_CHARS and len(para.split()) <= 3:
            _record(records, "other", para, None)
            continue  # breadcrumb / kicker lines before the first sentence ("Home >", "Berita")
        parsed = (
            parse_id_datetime(para, fallback=False) if len(para) <= BARE_DATE_MAX_CHARS else None
        )
        if parsed is not None and len(parsed.matched) >= 0.6 * len(para.strip("-–—|• ")):
            _record(records, "other", para, None)
            continue
        out.append(para)
    if out and _SIGNOFF_NAME.match(out[-1]) and len(out[-1]) <= 62:
        _record(records, "signoff", out.pop(), None)  # the writer's name as the last line
    while out and len(out[-1]) < LEADING_CRUMB_MAX_CHARS and len(out[-1].split()) <= 3:
        if re.search(r"[.!?\"”’)]$", out[-1]):
            break
        _record(records, "other", out.pop(), None)  # button labels after the text ("Daftarkan")
    return out


def _anchor_map(root: Any, base_url: str) -> dict[str, str]:
    anchors: dict[str, str] = {}
    for a in root.iter("a"):
        t = _text(a).lower()
        if len(t) < HEADLINE_LINK_MIN_CHARS or t in anchors:
            continue  # cheap checks before resolving the URL
        href = _abs_url(base_url, a.get("href"))
        if href:
            anchors[t] = href
    return anchors


# --- misc fields ----------------------------------------------------------------------------------

_ID_STOPWORDS_WORDS = (
    "yang dan di ke dari untuk dengan ini itu dalam pada tidak akan juga adalah oleh bahwa "
    "para telah sebagai kata ujar karena atau sudah bisa"
)
_ID_STOPWORDS = frozenset(_ID_STOPWORDS_WORDS.split())
_EN_STOPWORDS_WORDS = "the and of to in is that for with on was as are by this it"
_EN_STOPWORDS = frozenset(_EN_STOPWORDS_WORDS.split())


def _language(text: str, meta: _Meta) -> str | None:
    words = re.findall(r"[a-z]+", text.lower()[:5000])
    if len(words) >= 30:
        id_share = sum(w in _ID_STOPWORDS for w in words) / len(words)
        en_share = sum(w in _EN_STOPWORDS for w in words) / len(words)
        if id_share >= LANG_STOPWORD_SHARE and id_share > en_share:
            return "id"
        if en_share >= LANG_STOPWORD_SHARE:
            return "en"
    declared = meta.lang or _meta_first(meta, "og:locale", "content-language", "language")
    declared = declared or _meta_first(meta, "http-equiv:content-language")
    if declared:
        code = re.split(r"[-_]", declared.strip().lower())[0]
        if code == "in":  # legacy code for Indonesian
            code = "id"
        return code if re.fullmatch(r"[a-z]{2,3}", code) else None
    return None


def _section(root: Any, meta: _Meta, title: str) -> str | None:
    section = _meta_first(meta, "article:section", "section", "category")
    ld = _jsonld_value(meta, "articleSection")
    if not section and isinstance(ld, str):
        section = ld
    elif not section and isinstance(ld, list) and ld and isinstance(ld[0], str):
        section = ld[0]
    if not section:
        for el in root.xpath(
            '//*[contains(translate(@class,"BREADCRUMB","breadcrumb"),"breadcrumb")]'
        ):
            items = [
                _text(a)
                for a in el.iter("a")
                if _text(a) and _text(a).lower() not in ("home", "beranda", "index")
            ]
            items = [i for i in items if i.lower() != title.lower()]
            if items:
                section = items[-1]
                break
    section = _norm(section)
    return section if section and len(section) <= 60 else None


def _tags(root: Any, meta: _Meta) -> list[str]:
    """Article tags: article:tag, then JSON-LD keywords, news_keywords, the first keywords meta,
    then tag-link lists in the page (site-wide keyword soup loses to article-specific sources)."""
    rules = _rules()
    raw: list[str] = list(meta.metas.get("article:tag", []))
    if not raw:
        ld = _jsonld_value(meta, "keywords")
        if isinstance(ld, list):
            raw = [k for k in ld if isinstance(k, str)]
        elif isinstance(ld, str):
            raw = ld.split(",")
    if not raw:
        raw = [k for v in meta.metas.get("news_keywords", []) for k in v.split(",")]
    if not raw and meta.metas.get("keywords"):
        raw = meta.metas["keywords"][0].split(",")
    if not raw:
        for el in root.xpath('//*[@rel="tag"]'):
            raw.append(_text(el))
        for el in root.xpath('//*[contains(@class,"tag")]'):
            cls = (el.get("class") or "").lower()
            tag_list = re.search(r"(?:^|\s)(?:tags?|tag-list|post-tags|tags-\w+)(?:$|\s)", cls)
            if tag_list and not _in_excluded_zone(el):
                raw += [_text(a) for a in el.iter("a")]
    out: list[str] = []
    seen: set[str] = set()
    for tag in raw:
        tag = _norm(tag).lstrip("#").strip()
        key = tag.lower()
        if not tag or len(tag) > 60 or key in seen or key in rules.generic_keywords:
            continue
        seen.add(key)
        out.append(tag)
    return out[:MAX_TAGS]


def _image(meta: _Meta, root: Any, base_url: str) -> str | None:
    cand = _meta_first(meta, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    if not cand:
        ld = _jsonld_value(meta, "image")
        if isinstance(ld, dict):
            ld = ld.get("url")
        if isinstance(ld, list) and ld:
            ld = ld[0].get("url") if isinstance(ld[0], dict) else ld[0]
        cand = ld if isinstance(ld, str) else None
    if not cand:
        cand = next(
            (el.get("href") for el in root.iter("link") if (el.get("rel") or "") == "image_src"),
            None,
        )
    return _abs_url(base_url, cand) if cand else None


def _advertorial(
    root: Any, url: str, title: str, section: str | None, tags: list[str], paragraphs: list[str]
) -> bool:
    patterns = _rules().advertorial
    probes = [title, section or "", *tags, urlsplit(url).path.replace("/", " ").replace("-", " ")]
    if paragraphs:
        probes += [paragraphs[0][:200], paragraphs[-1][-200:]]
    if any(p.search(probe) for p in patterns for probe in probes if probe):
        return True
    for el in _iter_elements(root):
        if el.tag in ("a", "script", "style", "title", "option"):
            continue
        txt = _text(el)
        if not txt or len(txt) > 40 or len(el):
            continue
        if any(p.fullmatch(txt) or p.match(txt) for p in patterns[:3]) and not _in_excluded_zone(
            el
        ):
            if any(
                anc.tag in ("nav", "footer", "a")
                or (anc.tag == "header" and re.search(r"site|masthead|top|navbar", _classid(anc)))
                for anc in el.iterancestors()
            ):
                continue  # menus and site chrome link to an "Advertorial" section on every page
            return True
    return False


# --- main entry point -----------------------------------------------------------------------------


def _as_published(parsed: ParsedDate, tz: tzinfo) -> datetime:
    """The instant, aware, expressed in the outlet's zone (a bare day is local midnight there)."""
    return parsed.as_datetime(tz).astimezone(tz)


def clean_html(
    html: bytes | str,
    url: str,
    *,
    fetched_at: datetime | None = None,
    content_type: str | None = None,
    tz: tzinfo | None = None,
) -> CleanedArticle:
    """Clean one fetched page into an article record.

    Raises :class:`CleanError` when the page is too large (``too_large``), not HTML
    (``not_html``), undecodable (``undecodable``), unparseable, not an article
    (``not_article:listing`` / ``homepage`` / ``gallery`` / ``other``) or has no text (``no_text``).
    ``fetched_at`` (aware) supplies the year for year-less dates and rejects future dates.
    ``tz`` is the outlet's zone (``wilayah.zone_of(region)``): a time written without a zone is
    read in it (default :data:`extract.dates.DEFAULT_TZ`).
    """
    if fetched_at is not None and fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=DEFAULT_TZ)
    if html is None:
        raise CleanError("no_text", "no content")
    if isinstance(html, str):
        if len(html) > MAX_HTML_BYTES:  # cheap pre-check before encoding
            raise CleanError("too_large", f"{len(html)} characters > {MAX_HTML_BYTES}")
        # Round-trip through UTF-8: measures bytes and replaces lone surrogates, which lxml rejects.
        encoded = html.encode("utf-8", errors="replace")
        size, html_text = len(encoded), encoded.decode("utf-8")
    else:
        size, html_text = len(html), None
    if size > MAX_HTML_BYTES:
        raise CleanError("too_large", f"{size} > {MAX_HTML_BYTES}")
    if content_type and not re.search(r"html|xml|text/plain", content_type, re.IGNORECASE):
        raise CleanError("not_html", content_type[:100])
    if isinstance(html, bytes) and html.lstrip()[:8].startswith(_BINARY_MAGIC):
        raise CleanError("not_html", "binary file signature")
    if html_text is not None:
        text = html_text
    else:
        assert isinstance(html, bytes)  # a str input always sets html_text
        text = _decode(html, content_type)
    if not text.strip():
        raise CleanError("no_text", "empty document")
    garbage = len(_CONTROL.findall(text)) + text.count("\ufffd")
    if garbage > MAX_GARBAGE_RATIO * len(text):
        raise CleanError("undecodable", f"{garbage} garbage characters")
    head = text.lstrip()[:600].lower()
    if re.match(
        r"(?:<\?xml[^>]*>\s*(?:<\?xml-stylesheet[^>]*>\s*)?)?<(?:rss|feed|rdf:rdf)\b", head
    ):
        raise CleanError("not_article:listing", "rss/atom feed")
    if "<" not in text[:2048] and not re.search(r"<(?:html|body|p|div)\b", text[:20000], re.I):
        raise CleanError("not_html", "no markup")

    root = _parse(text)
    try:
        with local_zone(tz):
            return _clean_tree(root, url, fetched_at, tz or DEFAULT_TZ)
    except RecursionError:
        raise CleanError("unparseable", "nesting too deep") from None


def _clean_tree(
    root: Any, url: str, fetched_at: datetime | None, tz: tzinfo = DEFAULT_TZ
) -> CleanedArticle:
    token = _TEXT_MEMO.set({})
    try:
        return _clean_tree_memo(root, url, fetched_at, tz, token)
    finally:
        if _TEXT_MEMO.get() is not None:
            _TEXT_MEMO.reset(token)


def _clean_tree_memo(
    root: Any, url: str, fetched_at: datetime | None, tz: tzinfo, token: Token[Any]
) -> CleanedArticle:
    meta = _collect_meta(root)
    canonical = _canonical_url(root, meta, url)
    host = _host(canonical or url)
    outlet = _outlet(meta, canonical or url)

    page_type, why = _classify(root, meta, url, canonical)
    body_el = root.find("body")
    if page_type == "other" and len(_text(root if body_el is None else body_el)) < MIN_TEXT_CHARS:
        raise CleanError("no_text", why)
    if page_type != "article":
        raise CleanError(f"not_article:{page_type}", why)

    # Metadata from the intact tree (before pruning removes byline/caption blocks).
    published = _date_from_meta(
        meta, root, _PUBLISHED_KEYS, "datePublished", "datePublished", fetched_at
    )
    published, published_source = _cross_check(published, _date_from_byline(root, fetched_at))
    modified = _date_from_meta(meta, root, _MODIFIED_KEYS, "dateModified", "dateModified", None)
    byline = _bylines_from_tree(root, meta, outlet, host)
    section = _section(root, meta, "")
    tags = _tags(root, meta)
    image = _image(meta, root, canonical or url)
    anchors = _anchor_map(root, canonical or url)
    marked = _marked_datelines(root)

    records: list[dict[str, Any]] = []
    _TEXT_MEMO.reset(token)  # the tree changes from here on
    _prune(root, canonical or url, records)
    raw_text, traf = _trafilatura(root, canonical or url)
    title = _title(root, meta, traf.get("title"), outlet, host)
    if not byline.authors and not traf.get("author") and traf.get("author_in_page"):
        traf["author"] = _trafilatura_page_author(root)  # root is as trafilatura saw it
    if not byline.authors and traf.get("author"):
        # "Wire, PLACE, Region | Section | date": what follows a '|' is not people, and a wire or
        # organisation heads its dateline, so no person follows it.
        raw = str(traf["author"]).split("|")[0].replace(";", ",")
        for person in _split_people(raw):
            if _is_org(person, outlet, host):
                break
            name = _clean_person(_strip_role_label(person), outlet, host)
            if name and name not in byline.authors:
                byline.authors.append(name)

    paragraphs = _filter_paragraphs(_paragraphs(raw_text), title, records, anchors)

    # Dateline: the first of the lead paragraphs that carries one.
    dateline: Dateline | None = None
    lead_start = 0
    for i, para in enumerate(paragraphs[:LEAD_PARAGRAPHS]):
        dateline = parse_dateline(para, relative_to=fetched_at, marked=marked)
        if dateline is not None:
            paragraphs[i] = para[len(dateline.prefix) :].lstrip()
            lead_start = i
            break
    # Sign-off on the last paragraph: "(*/aln)".
    if paragraphs:
        m = _rules().signoff.search(paragraphs[-1])
        if m and m.start() > 0:
            _record(records, "signoff", m.group(0), None)
            paragraphs[-1] = paragraphs[-1][: m.start()].rstrip()
    paragraphs = [p for p in paragraphs if p]
    for rec in records:
        # "(NAMA PENULIS)" as the closing line credits the writer (initials never match)
        m = _SIGNOFF_NAME.match(rec["text"]) if rec["kind"] == "signoff" else None
        name = _clean_person(m.group(1), outlet, host) if m else None
        if name and name.lower() not in {a.lower() for a in byline.authors}:
            byline.authors.append(name)
    body = "\n\n".join(paragraphs)
    if len(body) < MIN_TEXT_CHARS:
        raise CleanError("no_text", f"{len(body)} characters after cleaning")

    if published is None:
        lead = " ".join(paragraphs[lead_start : lead_start + LEAD_PARAGRAPHS])
        candidates: list[ParsedDate] = []
        if dateline is not None and dateline.date is not None:
            candidates.append(dateline.date)
        candidates += [
            p
            for p in iter_id_datetimes(lead, relative_to=fetched_at)
            if not p.year_inferred or fetched_at is not None
        ]
        published = next((p for p in candidates if _sane(p, fetched_at)), None)
        published_source = "dateline" if published else None

    mismatch = bool(published and published.weekday_mismatch) or any(
        p.weekday_mismatch and not p.year_inferred for p in iter_id_datetimes(body)
    )
    section = section or _section(root, meta, title)
    return CleanedArticle(
        url=canonical or url,
        title=title,
        text=body,
        published=_as_published(published, tz) if published else None,
        published_source=published_source,
        modified=_as_published(modified, tz) if modified else None,
        authors=byline.authors,
        editor=byline.editor,
        reporter=byline.reporter,
        dateline=dateline.place if dateline else None,
        outlet=outlet,
        language=_language(body, meta),
        section=section,
        tags=tags,
        image=image,
        page_type="article",
        advertorial=_advertorial(root, canonical or url, title, section, tags, paragraphs),
        weekday_mismatch=mismatch,
        boilerplate=records,
    )
