"""What the spider reads in a fetched article page, without Scrapy: plain bytes/str in and out.

- :func:`own_text`: the page's own prose for the topic filter (no links, navigation, sidebars);
- :func:`declared_canonical`: ``<link rel=canonical>`` and whether the page is an AMP page;
- :func:`page_links`: the other pages of a multi-page article (``?page=2`` …, ``?page=all``);
- :func:`join_pages`: several pages of one article joined into one HTML document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree
from parsel import Selector

from crawler.urls import canonical_url

MAX_ARTICLE_PAGES = 20  # Tribun splits long stories into 2–6 pages; 20 bounds a pagination trap
ALL_PAGES = "all"  # Tribun's "Tampilkan Semua": ?page=all serves every page at once
# The topic filter reads the page's own prose: link text (sidebars, "Baca juga", related lists)
# names other articles, and would mark an off-topic page relevant.
OWN_TEXT_XPATH = (
    "//title//text() | //body//text()[not(ancestor::a or ancestor::script or ancestor::style"
    " or ancestor::nav or ancestor::aside or ancestor::header or ancestor::footer)]"
)
CHARSET_META = re.compile(r"charset", re.I)
AMP_HTML = re.compile(r"<html\b[^>]*?\s(?:amp|\u26a1)(?=[\s=>/])", re.I)


def own_text(sel: Selector) -> str:
    """Title and body text of a page without links, navigation, scripts and side panels."""
    return " ".join(sel.xpath(OWN_TEXT_XPATH).getall())


@dataclass(frozen=True)
class Canonical:
    url: str | None  # the declared canonical, canonicalised; None when absent or off-host
    amp: bool  # the page is an AMP page (<html amp> / <html ⚡>)


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def declared_canonical(sel: Selector, page_url: str, html: str) -> Canonical:
    """The page's rel=canonical when it is on the same site (a syndicated copy pointing at
    another outlet is not followed: that would merge two outlets' coverage into one row)."""
    amp = bool(AMP_HTML.search(html[:4096]))
    href = sel.xpath("//head/link[@rel='canonical']/@href").get()
    if not href:
        return Canonical(None, amp)
    url = canonical_url(urljoin(page_url, href.strip()))
    if _host(url) != _host(page_url) or not url.startswith(("http://", "https://")):
        return Canonical(None, amp)
    return Canonical(url, amp)


def without_param(url: str, param: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    return urlunsplit(parts._replace(query=urlencode(query)))


def with_param(url: str, param: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    return urlunsplit(parts._replace(query=urlencode(sorted([*query, (param, value)]))))


def page_links(
    sel: Selector, base_url: str, article_url: str, param: str
) -> tuple[bool, list[int]]:
    """(has a ``?param=all`` link, sorted page numbers > 1) linking to ``article_url``."""
    has_all = False
    numbers: set[int] = set()
    for href in sel.css("a::attr(href)").getall():
        url = canonical_url(urljoin(base_url, href.strip()))
        values = [v for k, v in parse_qsl(urlsplit(url).query) if k == param]
        if not values or without_param(url, param) != article_url:
            continue
        if values[0] == ALL_PAGES:
            has_all = True
        elif values[0].isdigit() and 1 < int(values[0]) <= MAX_ARTICLE_PAGES:
            numbers.add(int(values[0]))
    return has_all, sorted(numbers)


def _container(doc: lxml.html.HtmlElement, css_hint: str | None) -> lxml.html.HtmlElement:
    for selector in (css_hint, "article", "body"):
        if not selector:
            continue
        try:
            found = doc.cssselect(selector)
        except Exception:  # a bad css hint must not lose the article (cssselect errors vary)
            continue
        if found:
            return found[0]
    return doc


def join_pages(pages: list[str], css_hint: str | None = None) -> bytes:
    """Join the pages of one article (decoded HTML, in order) into one UTF-8 HTML document.

    The first page is kept whole; the article container of every further page (the source's
    ``css.body`` hint, else ``<article>``, else ``<body>``) is appended to the first page's
    container, each part in a ``<div data-pantau-part="N">``.
    """
    first = lxml.html.document_fromstring(pages[0])
    target = _container(first, css_hint)
    for n, html in enumerate(pages[1:], 2):
        part = _container(lxml.html.document_fromstring(html), css_hint)
        wrapper = etree.SubElement(target, "div")
        wrapper.set("data-pantau-part", str(n))
        wrapper.text = part.text
        for child in list(part):
            wrapper.append(child)
    head = first.find("head")
    if head is not None:  # the joined document is UTF-8 whatever the pages declared
        for meta in head.findall("meta"):
            if meta.get("charset") or CHARSET_META.search(meta.get("content") or ""):
                head.remove(meta)
        charset = etree.Element("meta")
        charset.set("charset", "utf-8")
        head.insert(0, charset)
    joined: bytes = lxml.html.tostring(first, encoding="utf-8")
    return b"<!DOCTYPE html>\n" + joined
