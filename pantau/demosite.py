"""The bundled demo site: fictional NTT outlets served from ``pantau/demo_site/``.

Articles are Markdown-like files with YAML front matter (``articles/<outlet>/NN-slug.md``),
rendered through per-outlet templates (Tribun-like, ANTARA-like, WordPress-like). Each outlet
has robots.txt, a sitemap, an RSS feed and a paginated listing.

The server listens on 127.0.0.1 on a free port and answers as an HTTP proxy for the outlets'
``.test`` hosts (it routes on the absolute URL or the Host header), so article URLs are the same
on every run whatever the port — which is what makes a second demo run add nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

import wilayah

LISTING_PAGE_SIZE = 6  # small, so every outlet's listing really paginates
HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
]
TZ_NAMES = wilayah.ZONE_BY_OFFSET


def site_dir() -> Path:
    return Path(str(resources.files("pantau") / "demo_site"))


def tanggal(value: dt.datetime, *, time: bool = True) -> str:
    """'Senin, 7 Juli 2025 14:30 WITA'."""
    text = f"{HARI[value.weekday()]}, {value.day} {BULAN[value.month - 1]} {value.year}"
    if time:
        offset = value.utcoffset()
        hours = int(offset.total_seconds() // 3600) if offset else 0
        text += f" {value:%H:%M} {TZ_NAMES.get(hours, 'WIB')}"
    return text


@dataclass
class Outlet:
    name: str
    title: str
    host: str
    style: str
    region: str | None = None
    articles: list[DemoArticle] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://{self.host}"


@dataclass
class DemoArticle:
    meta: dict[str, Any]
    paragraphs: list[str]
    number: int  # position within its outlet, 1-based
    outlet: Outlet

    @property
    def id(self) -> str:
        return str(self.meta["id"])

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    @cached_property
    def published(self) -> dt.datetime:
        value = self.meta["published"]
        return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))

    @property
    def slug(self) -> str:
        return str(self.meta["_slug"])

    @property
    def path(self) -> str:
        p = self.published
        if self.outlet.style == "tribun":
            return f"/{p:%Y/%m/%d}/{self.slug}"
        if self.outlet.style == "antara":
            return f"/berita/{41000 + self.number * 7}/{self.slug}"
        return f"/{p:%Y/%m}/{self.slug}"

    @property
    def url(self) -> str:
        return self.outlet.base + self.path

    @property
    def facts(self) -> dict[str, Any]:
        return self.meta.get("facts") or {}


def _read_article(path: Path) -> tuple[dict[str, Any], list[str]]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    meta = yaml.safe_load(front)
    meta["_slug"] = path.stem.split("-", 1)[1] if "-" in path.stem else path.stem
    paragraphs = [p.strip().replace("\n", " ") for p in body.strip().split("\n\n") if p.strip()]
    return meta, paragraphs


class DemoSite:
    """The outlets and their articles, and every page of the site rendered on demand."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or site_dir()
        self.outlets: dict[str, Outlet] = {}
        for o in yaml.safe_load((self.root / "outlets.yaml").read_text(encoding="utf-8")):
            self.outlets[o["host"]] = Outlet(**o)
        by_name = {o.name: o for o in self.outlets.values()}
        for outlet in by_name.values():
            files = sorted((self.root / "articles" / outlet.name).glob("*.md"))
            for n, f in enumerate(files, 1):
                meta, paragraphs = _read_article(f)
                outlet.articles.append(DemoArticle(meta, paragraphs, n, outlet))
            outlet.articles.sort(key=lambda a: a.published, reverse=True)
        self.by_id = {a.id: a for o in self.outlets.values() for a in o.articles}
        self.env = Environment(
            loader=FileSystemLoader(self.root / "templates"),
            autoescape=select_autoescape(["html", "xml"]),
        )
        self.env.filters["tanggal"] = tanggal
        self.env.filters["rfc822"] = format_datetime

    @property
    def articles(self) -> list[DemoArticle]:
        return [a for o in self.outlets.values() for a in o.articles]

    def render(self, host: str, target: str) -> tuple[int, str, str]:
        """(status, content type, body) for a GET of ``target`` on ``host``."""
        outlet = self.outlets.get(host.split(":")[0].lower())
        if outlet is None:
            return 404, "text/plain", f"unknown host {host}\n"
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        page = int((parse_qs(parts.query).get("page") or ["1"])[0] or 1)
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            sitemap = "/wp-sitemap.xml" if outlet.style == "wordpress" else "/sitemap.xml"
            body = "User-agent: *\nDisallow: /search\nDisallow: /wp-admin/\n\n"
            return 200, "text/plain", body + f"Sitemap: {outlet.base}{sitemap}\n"
        if path in ("/sitemap.xml", "/wp-sitemap.xml"):
            if outlet.style == "wordpress":
                return 200, "application/xml", self._tpl("sitemap_index.xml", outlet=outlet)
            return 200, "application/xml", self._tpl("sitemap.xml", outlet=outlet)
        if path == "/wp-sitemap-posts-post-1.xml" and outlet.style == "wordpress":
            return 200, "application/xml", self._tpl("sitemap.xml", outlet=outlet)
        if path in ("/rss", "/rss/terkini.xml", "/feed"):
            return 200, "application/rss+xml; charset=utf-8", self._tpl("rss.xml", outlet=outlet)
        if path.startswith("/category/berita/page/"):
            page = int(path.rsplit("/", 1)[1] or 1)
            path = "/category/berita"
        if path in ("/", "/index-news", "/terkini", "/category/berita"):
            return self._listing(outlet, path, page)
        for article in outlet.articles:
            if article.path == path:
                return 200, html, self._article(article)
        return 404, html, self._tpl("404.html", outlet=outlet)

    def _tpl(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(site=self, **context)

    def _listing(self, outlet: Outlet, path: str, page: int) -> tuple[int, str, str]:
        articles = outlet.articles
        pages = max(1, -(-len(articles) // LISTING_PAGE_SIZE))
        if not 1 <= page <= pages:
            return 404, "text/html; charset=utf-8", self._tpl("404.html", outlet=outlet)
        chunk = articles[(page - 1) * LISTING_PAGE_SIZE : page * LISTING_PAGE_SIZE]
        if outlet.style == "wordpress":
            page_url = f"{outlet.base}/category/berita/page/{{}}"
        else:
            page_url = f"{outlet.base}{'/index-news' if path == '/' else path}?page={{}}"
        body = self._tpl(
            "listing.html", outlet=outlet, articles=chunk, page=page, pages=pages,
            page_url=page_url,
        )
        return 200, "text/html; charset=utf-8", body

    def _article(self, article: DemoArticle) -> str:
        related = [self.by_id[r] for r in article.meta.get("related") or [] if r in self.by_id]
        latest = [a for a in article.outlet.articles if a is not article][:5]
        return self._tpl(
            f"article_{article.outlet.style}.html",
            outlet=article.outlet,
            a=article,
            related=related,
            latest=latest,
        )


def request_target(handler: BaseHTTPRequestHandler) -> tuple[str, str]:
    """(host, path?query) of a request: proxy-style (``GET http://host/path``) or direct."""
    parts = urlsplit(handler.path)
    if parts.scheme:
        return parts.netloc, parts._replace(scheme="", netloc="").geturl()
    return handler.headers.get("Host", ""), handler.path


def send_text(handler: BaseHTTPRequestHandler, status: int, ctype: str, body: str) -> None:
    data = body.encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class QuietHandler(BaseHTTPRequestHandler):
    server_version = "PantauDemo/1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the crawler logs
        pass


class _Handler(QuietHandler):
    site: DemoSite

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        send_text(self, *self.site.render(*request_target(self)))


class LocalServer:
    """An HTTP server on 127.0.0.1 (free port) in a background thread; crawl it as a proxy."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"  # bound to 127.0.0.1 above

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class DemoServer(LocalServer):
    """The demo site on 127.0.0.1 (free port) in a background thread."""

    def __init__(self, site: DemoSite | None = None) -> None:
        super().__init__(type("Handler", (_Handler,), {"site": site or DemoSite()}))


ISSUERS_MARK = "# -- issuers"  # in outlets.yaml and sources.yaml: press-release sites follow


def copy_site_frame(root: Path, *, issuers: bool = False) -> Path:
    """Copy the demo site's outlets, sources and templates (not its articles) into ``root``;
    the issuers (press-release sites, after :data:`ISSUERS_MARK`) only with ``issuers``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("outlets.yaml", "sources.yaml", "templates"):
        src = site_dir() / name
        if src.is_dir():
            shutil.copytree(src, root / name, dirs_exist_ok=True)
        else:
            text = src.read_text(encoding="utf-8")
            if not issuers and ISSUERS_MARK in text:
                text = text[: text.index(ISSUERS_MARK)]
            (root / name).write_text(text, encoding="utf-8")
    return root
