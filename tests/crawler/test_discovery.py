"""Feeds and sitemaps, including hostile XML: entities must never expand."""

from __future__ import annotations

import gzip

import pytest

from crawler.discovery import MAX_SITEMAP_BYTES, parse_feed, parse_sitemap

RSS = b"""
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Uji</title>
<item><title>Satu</title><link>https://x.test/berita/1/satu</link>
<pubDate>Mon, 07 Jul 2025 14:30:00 +0800</pubDate></item>
<item><title>Dua</title><link> https://x.test/berita/2/dua </link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><link href="https://x.test/2025/07/satu/"/><updated>2025-07-07T10:00:00+08:00</updated></entry>
</feed>"""

URLSET = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://x.test/a</loc><lastmod>2025-07-01</lastmod></url>
<url><loc>https://x.test/b</loc></url></urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://x.test/sitemap-1.xml.gz</loc></sitemap></sitemapindex>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.test/&lol4;</loc></url></urlset>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.test/&xxe;</loc></url></urlset>"""


def test_rss_and_atom() -> None:
    links = parse_feed(RSS)
    assert [link.url for link in links] == ["https://x.test/berita/1/satu", "https://x.test/berita/2/dua"]
    assert links[0].date is not None and links[0].date.isoformat() == "2025-07-07T14:30:00+08:00"
    assert [link.url for link in parse_feed(ATOM)] == ["https://x.test/2025/07/satu/"]
    assert parse_feed(b"<html>not a feed") == []
    assert parse_feed(b"") == []


def test_sitemaps_plain_gzipped_and_index() -> None:
    kind, links = parse_sitemap(URLSET)
    assert kind == "urlset" and [link.url for link in links] == ["https://x.test/a", "https://x.test/b"]
    assert links[0].date is not None and links[0].date.day == 1
    assert parse_sitemap(gzip.compress(URLSET))[0] == "urlset"
    kind, links = parse_sitemap(INDEX)
    assert kind == "index" and links[0].url.endswith(".xml.gz")
    assert parse_sitemap(b"<html></html>") == ("invalid", [])


@pytest.mark.parametrize("body", [LAUGHS, XXE])
def test_entities_never_expand(body: bytes) -> None:
    kind, links = parse_sitemap(body)
    text = " ".join(link.url for link in links)
    assert "lollol" not in text
    assert "root:" not in text


def test_gzip_bomb_refused() -> None:
    bomb = gzip.compress(b"<" + b"a" * (MAX_SITEMAP_BYTES + 10))
    with pytest.raises(ValueError, match="expands past"):
        parse_sitemap(bomb)
