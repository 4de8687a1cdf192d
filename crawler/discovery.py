"""Finding article URLs: RSS/Atom feeds, sitemaps (index, urlset, gzipped) and listing pages.

XML is parsed with entity resolution, DTD loading and network access off, so a billion-laughs
sitemap or an external entity (``file:///etc/passwd``) expands to nothing.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed sitemap
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Link:
    url: str
    date: datetime | None = None  # publication date (news:publication_date, pubDate) or lastmod
    modified: datetime | None = None  # lastmod / Atom updated: "the source says it changed"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _gunzip(body: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
        data = f.read(MAX_SITEMAP_BYTES + 1)
    if len(data) > MAX_SITEMAP_BYTES:
        raise ValueError(f"gzipped sitemap expands past {MAX_SITEMAP_BYTES} bytes")
    return data


def _root(body: bytes) -> etree._Element | None:
    if body[:2] == GZIP_MAGIC:
        body = _gunzip(body)
    body = body.lstrip()
    if not body:
        return None
    try:
        return etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError:
        return None


def parse_sitemap(body: bytes) -> tuple[str, list[Link]]:
    """Return ``("index", sitemaps)`` or ``("urlset", pages)``; ``("invalid", [])`` otherwise."""
    root = _root(body)
    if root is None:
        return "invalid", []
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        return "invalid", []
    links = []
    for entry in root:
        loc = lastmod = published = None
        for child in entry.iter():
            name = _local(child.tag)
            if name == "loc" and child.text and loc is None:  # image:loc comes after
                loc = child.text.strip()
            elif name == "lastmod" and child.text:
                lastmod = lastmod or _date(child.text)
            elif name == "publication_date" and child.text:
                published = published or _date(child.text)
        if loc:
            links.append(Link(loc, published or lastmod, lastmod))
    return ("index" if kind == "sitemapindex" else "urlset"), links


def parse_feed(body: bytes) -> list[Link]:
    """Items of an RSS 2.0 or Atom feed (an unparseable feed gives an empty list)."""
    root = _root(body)
    if root is None:
        return []
    links = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        url = published = updated = None
        for child in item:
            cname = _local(child.tag)
            if cname == "link" and child.get("rel", "alternate") == "alternate":
                url = url or (child.get("href") or (child.text or "")).strip() or None
            elif cname in ("pubdate", "published", "date") and child.text:
                published = published or _date(child.text)
            elif cname == "updated" and child.text:
                updated = updated or _date(child.text)
        if url:
            links.append(Link(url, published or updated, updated))
    return links
