"""Local fixture sites for real Scrapy crawls: a small HTTP server on 127.0.0.1 with routes
built in memory, plus builders for a Tribun-like outlet, a WordPress-like outlet and a fault
server. The articles are our own short Indonesian texts.

The server records every request (path and headers), answers conditional GETs for routes that
have an ETag, and can misbehave on purpose: hang, drop the connection, truncate the body. A
per-request ``delay`` (for paths under ``delay_prefix``) makes a crawl slow enough to be killed
part-way (tests/crawler/test_kill_resume.py).
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from crawler.sources import site_today

HANG_LIMIT_S = 60.0  # a hanging response gives up after this, or when the server stops

PLACES = ["Kefamenanu", "Atambua", "Soe", "Kalabahi", "Larantuka", "Maumere", "Ende", "Bajawa",
          "Ruteng", "Labuan Bajo", "Waingapu", "Waikabubak", "Ba'a", "Seba", "Betun", "Oelamasi"]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = "normal"  # normal | hang | drop | truncate
    etag: str | None = None


class _Handler(BaseHTTPRequestHandler):
    server: FixtureServerHTTP
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        site = self.server.site
        with site.lock:  # requests in flight, and their peak (the politeness tests read it)
            site.in_flight += 1
            site.peak = max(site.peak, site.in_flight)
        try:
            self._answer(site)
        finally:
            with site.lock:
                site.in_flight -= 1

    def _answer(self, site: FixtureSite) -> None:
        with site.lock:
            site.hits[self.path] += 1
            site.log.append((self.path, dict(self.headers.items())))
            route = site.routes.get(self.path)
        if site.delay and self.path.startswith(site.delay_prefix):
            site.stopping.wait(site.delay)
        if route is None:
            self._send(404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404</h1>")
            return
        if route.behaviour == "hang":
            site.stopping.wait(HANG_LIMIT_S)
            return
        if route.behaviour == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            self._send(304, {"ETag": route.etag}, b"")
            return
        headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.behaviour == "truncate":
            self.send_response(route.status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(route.body) * 4))
            self.end_headers()
            self.wfile.write(route.body)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._send(route.status, headers, route.body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FixtureServerHTTP(ThreadingHTTPServer):
    daemon_threads = True
    site: FixtureSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up (timeouts, size caps) are part of the tests


class FixtureSite:
    """Routes served on 127.0.0.1 (free port); use as a context manager. Each request for a path
    under ``delay_prefix`` waits ``delay`` seconds before it is answered."""

    def __init__(self, delay: float = 0.0, delay_prefix: str = "/") -> None:
        self.delay, self.delay_prefix = delay, delay_prefix
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.log: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.in_flight = self.peak = 0  # requests being answered now, and the most at once
        self.stopping = threading.Event()
        self.httpd = FixtureServerHTTP(("127.0.0.1", 0), _Handler)
        self.httpd.site = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: str | bytes, **kwargs: Any) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **kwargs)

    def fetched(self, prefix: str = "/") -> int:
        """How many requests asked for paths starting with ``prefix``."""
        with self.lock:
            return sum(n for p, n in self.hits.items() if p.startswith(prefix))

    def __enter__(self) -> FixtureSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


# -- page builders ---------------------------------------------------------------------------
def paragraphs(n: int, on_topic: bool = True) -> list[str]:
    place = PLACES[n % len(PLACES)]
    if not on_topic:
        return [f"Ratusan penenun memamerkan kain tenun ikat dalam festival budaya di {place}.",
                "Pengunjung datang dari berbagai kecamatan untuk menonton tarian adat."]
    return [
        f"Pemerintah daerah bersama BPJS Ketenagakerjaan mendaftarkan {1000 + n} pekerja rentan"
        f" di {place} sebagai peserta jaminan sosial ketenagakerjaan.",
        f"Iuran para pekerja dibayar dari APBD dengan anggaran Rp{n},5 miliar, kata petugas.",
        "Program serupa akan diperluas ke desa lain pada tahun depan.",
    ]


def article_html(
    title: str, canonical: str, paras: list[str], *, amp: bool = False, extra: str = "",
    charset: str = "utf-8",
) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (
        f"<!DOCTYPE html><html{' amp' if amp else ''} lang=\"id\"><head>"
        f"<meta charset=\"{charset}\"><title>{escape(title)}</title>"
        f"<link rel=\"canonical\" href=\"{canonical}\"></head><body>"
        f"<nav><a href=\"/\">Beranda</a></nav><article><h1>{escape(title)}</h1>"
        f"<div class=\"txt-article\">{body}</div>{extra}</article>"
        f"<aside><a href=\"/\">Berita lain tentang BPJS Ketenagakerjaan</a></aside></body></html>"
    )


def rss(items: list[tuple[str, datetime | None]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Uji</title>']
    for url, when in items:
        pub = f"<pubDate>{format_datetime(when)}</pubDate>" if when else ""
        out.append(f"<item><title>Berita</title><link>{escape(url)}</link>{pub}</item>")
    return "".join(out) + "</channel></rss>"


def atom(items: list[tuple[str, datetime]]) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
           "<title>Uji</title>"]
    for url, when in items:
        out.append(f'<entry><title>Berita</title><link rel="alternate" href="{escape(url)}"/>'
                   f"<published>{when.isoformat()}</published></entry>")
    return "".join(out) + "</feed>"


def urlset(items: Sequence[tuple[str, datetime | None]], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>'
           f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>']
    for url, when in items:
        extra = ""
        if when and news:
            extra = (f"<news:news><news:publication_date>{when.isoformat()}"
                     "</news:publication_date></news:news>")
        elif when:
            extra = f"<lastmod>{when.isoformat()}</lastmod>"
        out.append(f"<url><loc>{escape(url)}</loc>{extra}</url>")
    return "".join(out) + "</urlset>"


def sitemap_index(items: list[tuple[str, datetime | None]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>'
           '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, when in items:
        lastmod = f"<lastmod>{when.isoformat()}</lastmod>" if when else ""
        out.append(f"<sitemap><loc>{escape(url)}</loc>{lastmod}</sitemap>")
    return "".join(out) + "</sitemapindex>"


def listing_html(links: list[str], next_url: str | None = None) -> str:
    nxt = f'<link rel="next" href="{next_url}">' if next_url else ""
    items = "".join(f'<li><a href="{escape(u)}">Judul berita</a></li>' for u in links)
    return f"<!DOCTYPE html><html><head>{nxt}</head><body><ul>{items}</ul></body></html>"


# -- outlets ---------------------------------------------------------------------------------
@dataclass
class Outlet:
    """A built fixture outlet: its sources.yaml entry and what a crawl should store."""

    entry: dict[str, Any]
    expected: set[str] = field(default_factory=set)  # canonical URLs that must be stored
    off_topic: set[str] = field(default_factory=set)
    notes: dict[str, Any] = field(default_factory=dict)


def _wita(day: int, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"2025-08-{day:02d}T{hour:02d}:00:00+08:00")


def tribun_outlet(site: FixtureSite, name: str = "tribun-uji", per_day: int = 3,
                  days: int = 5) -> Outlet:
    """Tribun-like: dated article URLs and /provinsi-ntt/NNNNNN/ aliases, AMP copies, a daily
    index ?date=&page=, RSS, a sitemap index with a gzipped child and a news sitemap, multi-page
    articles (?page=2, ?page=3 and ?page=all), one off-topic page and one robots-disallowed page.
    """
    b = site.base
    out = Outlet({})
    arts: list[tuple[str, datetime]] = []
    n = 0
    for d in range(1, days + 1):
        for k in range(per_day):
            n += 1
            path = f"/2025/08/{d:02d}/berita-uji-{n}"
            url, when = b + path, _wita(d, 8 + k)
            arts.append((url, when))
            paras = paragraphs(n, on_topic=(n != 4))
            extra = ""
            if n == 1:  # three pages, numbered links
                extra = f'<div class="paging"><a href="{path}?page=2">2</a> <a href="{path}?page=3">3</a></div>'
                for p in (2, 3):
                    site.add(f"{path}?page={p}", article_html(
                        f"Berita {n} halaman {p}", url, [f"Bagian halaman {p} dari berita {n}."]))
            if n == 2:  # Tribun's "Tampilkan Semua"
                extra = f'<a href="{path}?page=2">2</a> <a href="{path}?page=all">Tampilkan Semua</a>'
                site.add(f"{path}?page=all", article_html(
                    f"Berita {n}", url, [*paras, "Paragraf penutup dari halaman lengkap."]))
            site.add(path, article_html(f"Berita {n}", url, paras, extra=extra))
            # The AMP copy and the /provinsi-ntt/ alias of every article.
            site.add(f"/amp{path}", article_html(f"Berita {n}", url, paras, amp=True))
            site.add(f"/provinsi-ntt/{700000 + n}/berita-uji-{n}",
                     article_html(f"Berita {n}", url, paras, extra=extra))
            if n == 4:
                out.off_topic.add(url)
            out.expected.add(url)
    secret = "/2025/08/03/rahasia-redaksi"
    site.add(secret, article_html("Rahasia", b + secret, paragraphs(99)))
    site.add("/robots.txt", f"User-agent: *\nDisallow: {secret}\nDisallow: /cari\n",
             headers={"Content-Type": "text/plain"})
    out.notes["disallowed"] = b + secret
    out.notes["multipage"] = arts[0][0]
    out.notes["all_page"] = arts[1][0]
    # A mobile AMP copy that URL rules cannot recognise: its rel=canonical leads home.
    mobile = "/m/2025/08/05/berita-uji-1"
    site.add(mobile, article_html("Berita 1", arts[0][0], paragraphs(1), amp=True))
    out.notes["amp_only"] = b + mobile
    # RSS: the newest half (utm-tagged), and the AMP copy of one; the secret page.
    feed_items: list[tuple[str, datetime | None]] = [
        (u + "?utm_source=rss&utm_medium=feed", w) for u, w in arts[len(arts) // 2:]]
    feed_items += [(b + "/amp" + arts[0][0][len(b):], arts[0][1]), (b + secret, _wita(3)),
                   (b + mobile, _wita(5))]
    site.add("/rss", rss(feed_items), headers={"Content-Type": "application/rss+xml"},
             etag='"rss-1"')
    # Sitemaps: an index → a gzipped urlset (served raw) and a news sitemap (plain).
    now = datetime.now(UTC)
    first, second = arts[: len(arts) // 2], arts[len(arts) // 2:]
    site.add("/sitemap.xml", sitemap_index([(b + "/sitemap-1.xml.gz", now),
                                            (b + "/sitemap-news.xml", now)]),
             headers={"Content-Type": "application/xml"}, etag='"idx-1"')
    site.add("/sitemap-1.xml.gz", gzip.compress(urlset([(u, None) for u, _ in first]).encode()),
             headers={"Content-Type": "application/x-gzip"}, etag='"s1-1"')
    site.add("/sitemap-news.xml", urlset(second, news=True),
             headers={"Content-Type": "application/xml"}, etag='"news-1"')
    # Daily index: 2 articles per page (provinsi-ntt aliases), rel=next while more remain.
    for d in range(1, days + 1):
        day_arts = [i for i, (_, w) in enumerate(arts) if w.day == d]
        chunks = [day_arts[i:i + 2] for i in range(0, len(day_arts), 2)]
        for p, chunk in enumerate(chunks, 1):
            links = [f"/provinsi-ntt/{700001 + i}/berita-uji-{i + 1}" for i in chunk]
            nxt = f"{b}/index-news?date=2025-08-{d:02d}&page={p + 1}" if p < len(chunks) else None
            site.add(f"/index-news?date=2025-08-{d:02d}&page={p}", listing_html(links, nxt))
    today = site_today()
    site.add(f"/index-news?date={today.isoformat()}&page=1",
             listing_html(["/provinsi-ntt/700001/berita-uji-1", "/provinsi-ntt/700002/berita-uji-2"]))
    out.entry = {
        "name": name,
        "title": "Tribun Uji",
        "homepage": b + "/",
        "region": "53",
        "feeds": [b + "/rss"],
        "sitemaps": [b + "/sitemap.xml"],
        "listings": [{"url": b + "/index-news?date={date}&page={page}", "pages": 5, "days": 2}],
        "article_patterns": [rf"^{_re(b)}/(m/)?\d{{4}}/\d{{2}}/\d{{2}}/[\w-]+$",
                             rf"^{_re(b)}/provinsi-ntt/\d+/[\w-]+$"],
        "page_param": "page",
        "css": {"body": ".txt-article"},
    }
    return out


def _re(base: str) -> str:
    return base.replace(".", r"\.")


def wordpress_outlet(site: FixtureSite, name: str = "wp-uji", count: int = 8) -> Outlet:
    """WordPress-like: /YYYY/MM/slug/ permalinks, ?p=NNN short links that redirect to them,
    an Atom feed at /feed/, /wp-sitemap.xml → posts sitemap, /category/berita/page/N/."""
    b = site.base
    out = Outlet({})
    posts = []
    for n in range(1, count + 1):
        path = f"/2025/08/kabar-desa-{n}/"
        url = b + path.rstrip("/")
        site.add(path, article_html(f"Kabar desa {n}", b + path, paragraphs(20 + n)))
        site.add(f"/?p={100 + n}", b"", status=301, headers={"Location": b + path})
        site.add(path.rstrip("/"), b"", status=301, headers={"Location": b + path})
        posts.append((url, _wita(1 + n % 5)))
        out.expected.add(url)
    site.add("/robots.txt", "User-agent: *\nDisallow: /wp-admin/\n",
             headers={"Content-Type": "text/plain"})
    site.add("/feed/", atom([(f"{b}/?p={100 + n}", w) for n, (_, w) in enumerate(posts, 1)][:4]),
             headers={"Content-Type": "application/atom+xml"}, etag='"feed-1"')
    site.add("/wp-sitemap.xml", sitemap_index([(b + "/wp-sitemap-posts-post-1.xml", None)]),
             headers={"Content-Type": "application/xml"})
    site.add("/wp-sitemap-posts-post-1.xml", urlset([(u + "/", w) for u, w in posts[4:6]]),
             headers={"Content-Type": "application/xml"}, etag='"wp-s-1"')
    pages = [posts[6:7], posts[7:]]
    for p, chunk in enumerate(pages, 1):
        nxt = f"{b}/category/berita/page/{p + 1}/" if p < len(pages) else None
        site.add(f"/category/berita/page/{p}/", listing_html([u + "/" for u, _ in chunk], nxt))
    out.entry = {
        "name": name,
        "title": "WP Uji",
        "homepage": b + "/",
        "region": "53.71",
        "feeds": [b + "/feed/"],
        "sitemaps": [b + "/wp-sitemap.xml"],
        "listings": [{"url": b + "/category/berita/page/{page}/", "pages": 4}],
        "article_patterns": [rf"^{_re(b)}/\d{{4}}/\d{{2}}/[\w-]+$", rf"^{_re(b)}/\?p=\d+$"],
        "page_param": None,
    }
    return out


# -- hostile input -----------------------------------------------------------------------------
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/2025/08/01/&lol9;</loc></url></urlset>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/2025/08/01/x&xxe;</loc></url></urlset>"""

BOMB_BYTES = 64 * 1024 * 1024  # expands past DOWNLOAD_MAXSIZE (16 MiB) and the sitemap cap


def gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9)


def fault_outlet(site: FixtureSite, name: str = "rusak-uji", good: int = 6) -> Outlet:
    """Good articles mixed with every fault we know; the feed and sitemap list them all."""
    b = site.base
    out = Outlet({})
    urls: list[str] = []
    for n in range(1, good + 1):
        path = f"/2025/08/01/baik-{n}"
        site.add(path, article_html(f"Baik {n}", b + path, paragraphs(40 + n)))
        urls.append(b + path)
        out.expected.add(b + path)
    # A page whose header lies about its charset (UTF-8 bytes, declared ISO-8859-1): stored.
    path = "/2025/08/01/charset-keliru"
    site.add(path, article_html("Charset keliru: Pekerja rentan di Ba’a", b + path,
                                paragraphs(50)),
             headers={"Content-Type": "text/html; charset=iso-8859-1"})
    urls.append(b + path)
    out.expected.add(b + path)
    bomb = gzip_bomb()
    faults = {
        "/2025/08/01/galat-500": Route(b"<h1>500</h1>", status=500),
        "/2025/08/01/galat-503": Route(b"<h1>503</h1>", status=503),
        "/2025/08/01/galat-429": Route(b"<h1>429</h1>", status=429, headers={"Retry-After": "1"}),
        "/2025/08/01/macet": Route(behaviour="hang"),
        "/2025/08/01/putus": Route(behaviour="drop"),
        "/2025/08/01/terpotong": Route(b"<html><body><p>Sebagian", behaviour="truncate"),
        "/2025/08/01/putar-putar": Route(b"", status=302,
                                         headers={"Location": b + "/2025/08/01/putar-putar"}),
        "/2025/08/01/bom-gzip": Route(bomb, headers={"Content-Encoding": "gzip"}),
        "/2025/08/01/bom-mentah": Route(bomb, headers={"Content-Type": "application/x-gzip"}),
    }
    site.routes.update(faults)
    urls += [b + p for p in faults]
    out.notes["faults"] = {b + p for p in faults}
    out.notes["raw_bomb"] = b + "/2025/08/01/bom-mentah"
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
    site.add("/rss", rss([(u, _wita(1)) for u in urls]),
             headers={"Content-Type": "application/rss+xml"})
    site.add("/sitemap.xml", sitemap_index([(b + p, None) for p in (
        "/laughs.xml", "/xxe.xml", "/bomb.xml.gz", "/bomb-ce.xml", "/sitemap-ok.xml")]),
        headers={"Content-Type": "application/xml"})
    site.add("/laughs.xml", LAUGHS.replace("{base}", b), headers={"Content-Type": "application/xml"})
    site.add("/xxe.xml", XXE.replace("{base}", b), headers={"Content-Type": "application/xml"})
    site.add("/bomb.xml.gz", bomb, headers={"Content-Type": "application/x-gzip"})
    site.add("/bomb-ce.xml", bomb, headers={"Content-Type": "application/xml",
                                            "Content-Encoding": "gzip"})
    site.add("/sitemap-ok.xml", urlset([(u, None) for u in urls[:3]]),
             headers={"Content-Type": "application/xml"})
    out.entry = {
        "name": name,
        "title": "Rusak Uji",
        "homepage": b + "/",
        "feeds": [b + "/rss"],
        "sitemaps": [b + "/sitemap.xml"],
        "article_patterns": [rf"^{_re(b)}/\d{{4}}/\d{{2}}/\d{{2}}/[\w-]+$"],
        "page_param": None,
    }
    return out


def big_outlet(site: FixtureSite, count: int, name: str = "besar-uji") -> Outlet:
    """``count`` articles behind a sitemap (the benchmark's site)."""
    b = site.base
    out = Outlet({})
    urls = []
    for n in range(1, count + 1):
        path = f"/2025/08/{1 + n % 28:02d}/berita-besar-{n}"
        site.add(path, article_html(f"Berita besar {n}", b + path, paragraphs(n) * 4))
        urls.append(b + path)
        out.expected.add(b + path)
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
    site.add("/sitemap.xml", urlset([(u, None) for u in urls]),
             headers={"Content-Type": "application/xml"})
    out.entry = {
        "name": name,
        "homepage": b + "/",
        "sitemaps": [b + "/sitemap.xml"],
        "article_patterns": [rf"^{_re(b)}/\d{{4}}/\d{{2}}/\d{{2}}/[\w-]+$"],
        "page_param": None,
    }
    return out


def sources_yaml(*outlets: Outlet, keywords: list[str] | None = None) -> dict[str, Any]:
    return {
        "topic": {"keywords": keywords or ["BPJS Ketenagakerjaan", "pekerja rentan"]},
        "sources": [o.entry for o in outlets],
    }


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())
