"""`pantau coverage RELEASE` and `pantau report`: coverage of a press release, clipping reports.

RELEASE is an article id of the KB (an issuer's release already crawled), an http(s) URL (an
article of the KB with that URL, or else the agency page, fetched once with
:data:`FETCH_TIMEOUT` and :data:`FETCH_MAX_BYTES`), or a file: an HTML page (cleaned with the
project's ``clean_html``) or plain text (first line: the title). The release's facts come from
``extract_facts``; :mod:`kb.coverage` finds and compares the covering articles.

Data on stdout (a readable Indonesian listing, or JSON with ``--json``), messages on stderr;
bad input is one line, exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from pantau.config import Paths, open_kb
from pantau.options import home_options
from pantau.options import say as _say

FETCH_TIMEOUT = 20.0  # seconds: an agency page answers in a few; a dead host must not hang
FETCH_MAX_BYTES = 5 * 1024 * 1024  # the cleaner's own page limit (too_large above it)
USER_AGENT = "Pantau (news monitoring; pantau coverage)"


def open_existing_kb(paths: Paths) -> Any:
    """The KB, which must exist already (these commands only read it)."""
    if paths.db_url.startswith("sqlite:///"):
        file = Path(paths.db_url.removeprefix("sqlite:///"))
        if not file.exists():
            raise click.ClickException(
                f"{file}: belum ada basis pengetahuan (jalankan `pantau demo` atau `pantau daily`)"
            )
    return open_kb(paths.db_url)


# -- the release ---------------------------------------------------------------------------------
def fetch(url: str, timeout: float = FETCH_TIMEOUT) -> tuple[bytes, str | None]:
    """(body, content type) of ``url``; any failure is one ClickException line."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only)
            body = response.read(FETCH_MAX_BYTES + 1)
            ctype = response.headers.get("Content-Type")
    except urllib.error.HTTPError as exc:
        raise click.ClickException(f"rilis {url}: tidak dapat diambil (HTTP {exc.code})") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(f"rilis {url}: tidak dapat diambil ({reason})") from exc
    if len(body) > FETCH_MAX_BYTES:
        raise click.ClickException(f"rilis {url}: halaman lebih dari {FETCH_MAX_BYTES} byte")
    return body, ctype


def document_from_page(
    body: bytes, url: str, ctype: str | None = None, published: dt.datetime | None = None
) -> Any:
    """A :class:`kb.coverage.Document` of an HTML page: cleaned, then its facts extracted."""
    from extract.clean import CleanError, clean_html
    from extract.facts import extract_facts
    from kb.coverage import Document, facts_from_extracted, quotes_from_extracted

    try:
        cleaned = clean_html(body, url, content_type=ctype)
    except CleanError as exc:
        raise click.ClickException(f"rilis {url}: halaman ditolak ({exc.reason})") from exc
    when = published or cleaned.published
    facts = extract_facts(cleaned.text, published=when, title=cleaned.title)
    host = urlsplit(url).hostname
    return Document(
        title=cleaned.title or "", text=cleaned.text,
        facts=facts_from_extracted(facts, cleaned.text), published=when,
        url=url if host else None, outlet_title=host or Path(url).name,
        quotes=quotes_from_extracted(facts),
    )  # fmt: skip


def document_from_text(text: str, name: str, published: dt.datetime | None) -> Any:
    from extract.facts import extract_facts
    from kb.coverage import Document, facts_from_extracted, quotes_from_extracted

    lines = text.strip().splitlines()
    if not lines:
        raise click.ClickException(f"rilis {name}: berkas kosong")
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip() or lines[0]
    facts = extract_facts(body, published=published, title=title)
    return Document(
        title=title, text=body, facts=facts_from_extracted(facts, body), published=published,
        outlet_title=name, quotes=quotes_from_extracted(facts),
    )  # fmt: skip


def load_release(kb: Any, release: str, published: dt.datetime | None) -> Any:
    """The release as a :class:`kb.coverage.Document` (see the module docstring)."""
    from sqlmodel import Session, select

    from kb.coverage import load_document
    from kb.models import Article

    if release.isdigit():
        if int(release) >= 2**63:
            raise click.ClickException(f"artikel {release} tidak ada di basis pengetahuan")
        doc = load_document(kb.engine, int(release))
        if doc is None:
            raise click.ClickException(f"artikel {release} tidak ada di basis pengetahuan")
        return doc
    if urlsplit(release).scheme in ("http", "https"):
        with Session(kb.engine) as s:
            known = s.exec(select(Article.id).where(Article.url == release)).first()
        if known is not None:
            return load_document(kb.engine, known)
        body, ctype = fetch(release)
        return document_from_page(body, release, ctype, published)  # not in the KB
    if "://" in release:
        raise click.ClickException(f"rilis {release}: hanya URL http(s), berkas atau id artikel")
    path = Path(release)
    if not path.is_file():
        raise click.ClickException(f"rilis {release}: bukan id artikel, URL atau berkas yang ada")
    data = path.read_bytes()
    head = data[:2048].lstrip().lower()
    if path.suffix.lower() in (".html", ".htm") or head.startswith((b"<!doctype", b"<html")):
        return document_from_page(data, path.resolve().as_uri(), "text/html", published)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"rilis {release}: bukan teks UTF-8 atau HTML") from exc
    return document_from_text(text, path.name, published)


def own_outlets(kb: Any, url: str | None) -> list[str]:
    """Outlets of the KB whose homepage is on the release's host: the agency's own site (its
    copy of the release is not coverage)."""
    from sqlmodel import Session, select

    from kb.models import Outlet

    host = urlsplit(url).hostname if url else None
    if not host:
        return []
    with Session(kb.engine) as s:
        outlets = s.exec(select(Outlet.name, Outlet.homepage)).all()
    return [name for name, home in outlets if home and urlsplit(home).hostname == host]


# -- output ----------------------------------------------------------------------------------------
def render_text(report: dict[str, Any]) -> str:
    """The coverage report, readable, in Indonesian."""
    from kb.coverage import LABELS_ID

    r, s = report["release"], report["summary"]
    out = [f"Rilis: {r['title']}"]
    where = " · ".join(
        x for x in (r.get("outlet_title"), r.get("published_local"), r.get("url")) if x
    )
    if where:
        out.append(f"  {where}")
    out.append(f"  {len(r['facts'])} fakta kunci: " + "; ".join(f["label"] for f in r["facts"]))
    kinds = ", ".join(f"{LABELS_ID[k]} {n}" for k, n in s["by_kind"].items())
    out.append(
        f"{s['articles']} artikel dari {s['outlets']} media dalam {report['window_days']} hari"
        f" ({kinds}); {s['different']} fakta berbeda"
    )
    for n, a in enumerate(report["articles"], 1):
        out.append("")
        delay = ""
        if a["delay"]:
            after = "" if "sebelum" in a["delay"] else " setelah rilis"
            delay = f" ({a['delay']}{after})"
        out.append(
            f"{n}. {a['outlet_title']} — {a['published_local']}{delay} · {a['kind_id']}"
            f" ({round(100 * a['containment'])}% teks rilis)"
        )
        out.append(f"   {a['title']}")
        out.append(f"   {a['url']}")
        if a["officials_quoted"]:
            out.append(f"   Tokoh dikutip: {', '.join(a['officials_quoted'])}")
        f = a["facts"]
        out.append(
            f"   Fakta rilis: {f['reproduced']} dimuat, {f['different']} berbeda,"
            f" {f['missing']} tidak dimuat"
        )
        for c in a["checks"]:
            if c["status"] == "different":
                what = LABELS_ID[c["kind"]]
                out.append(f"   BERBEDA ({what}): {c['label']} → {c['article_label']}")
                out.append(f"     rilis:   {c['release_sentence']}")
                out.append(f"     artikel: {c['article_sentence']}")
        missing = [c["label"] for c in a["checks"] if c["status"] == "missing"]
        if missing:
            out.append(f"   Tidak dimuat: {'; '.join(missing)}")
    return "\n".join(out) + "\n"


@click.command()
@click.argument("release")
@home_options
@click.option(
    "--window",
    "window_days",
    type=click.IntRange(1, 365),
    default=7,
    show_default=True,
    help="Days after the release in which articles count as its coverage",
)
@click.option("--published", help="Release time, ISO 8601 (for a file or page without a date)")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
def coverage(
    release: str,
    home: Path,
    db: str | None,
    window_days: int,
    published: str | None,
    as_json: bool,
) -> None:
    """Coverage of a press release: which articles picked it up, how, and which facts differ.

    RELEASE: an article id of the KB, a URL (of the KB, or an agency page fetched now), or a
    text/HTML file.
    """
    from kb.coverage import find_coverage

    when = None
    if published:
        try:
            when = dt.datetime.fromisoformat(published)
        except ValueError as exc:
            raise click.ClickException(f"--published: bukan tanggal ISO: {published}") from exc
        if when.tzinfo is None:
            import wilayah

            when = when.replace(tzinfo=wilayah.DEFAULT_ZONE)
    kb = open_existing_kb(Paths.from_options(home, db))
    try:
        doc = load_release(kb, release, when)
        if not doc.facts:
            _say("rilis ini tidak memuat fakta kunci: hanya kemiripan teks yang dibandingkan")
        if doc.published is None:
            _say("rilis tanpa tanggal: semua artikel dibandingkan (beri --published)")
        own_site = own_outlets(kb, doc.url) if doc.id is None else []
        report = find_coverage(
            kb.engine, doc, window_days=window_days, exclude_outlets=own_site
        ).as_dict()
    finally:
        kb.close()
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(render_text(report), nl=False)
    if not report["articles"]:
        _say(f"Tidak ada artikel yang memberitakan rilis ini dalam {window_days} hari.")
