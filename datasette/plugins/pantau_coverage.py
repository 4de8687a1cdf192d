"""Coverage of a release and clipping reports in Datasette (issue 15; ``--plugins-dir``).

- ``/liputan`` — candidate releases (the first article of each story, newest first) and a
  form for any article id;
- ``/liputan/ID`` — the coverage of article ID taken as a release: every article that picked
  it up (outlet, local time with its zone, pickup delay, kind: salinan utuh / tulis ulang ringan
  / liputan sendiri, officials quoted) and the release's key facts each article got
  *different*, with both sentences side by side (:func:`kb.coverage.find_coverage`);
- ``/kliping`` — the clipping report of a period with filters, its summary figures, and
  download links; ``/kliping.xlsx``, ``/kliping.docx``, ``/kliping.pdf`` — the files of
  ``pantau report`` (:mod:`pantau.report`), made on request from the served snapshot.

The snapshot is read with Pantau's own code through a read-only SQLAlchemy engine
(``mode=ro``, ``immutable=1``), in a worker thread so Datasette's event loop is not blocked;
Datasette's permission checks apply as on the other Pantau pages.

The pages speak the snapshot's language (``pantau-lang``, read by ``pantau_pages.lang_of``):
their words are ``TEXT`` entries of ``pantau_pages.py`` (``t()`` in the templates); the kinds
and statuses are :func:`kb.coverage.label` (``LABELS_ID`` / ``LABELS_EN``); the report's words
are :data:`pantau.report.LABELS`. Times ("3 Nov 2025 11.40 WITA"; English "3 Nov 2025 11:40
WITA", the outlet's zone either way) and pickup delays ("2 jam 40 menit" / "2 hours 40
minutes") are made in the page's language by :mod:`kb.coverage` (``as_dict(lang)``,
``iter_clippings(..., lang)``): this module passes the language, it formats nothing. A download
follows the snapshot's language unless the URL says ``?lang=id|en``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pluggy
from datasette.utils.asgi import NotFound, Request, Response

hookimpl = pluggy.HookimplMarker("datasette")
DB_NAME = "pantau"
RELEASES_LISTED = 50  # candidate releases on /liputan: the newest stories' first articles
DEFAULT_REPORT_DAYS = 30  # /kliping without dates: the last 30 days of the snapshot
FILTERS = ("keyword", "official", "region", "outlet", "story")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_engines: dict[str, Any] = {}
PAGES_PLUGIN = "pantau_pages.py"  # Datasette registers a --plugins-dir file by its file name
LANGS = ("id", "en")


# -- language -------------------------------------------------------------------------------------
def _pages() -> Any:
    """pantau_pages.py as Datasette loaded it (a plugin file, not an importable module)."""
    from datasette.app import pm  # datasette.plugins's (mypy reads this folder for that name)

    pages = pm.get_plugin(PAGES_PLUGIN)
    if pages is None:
        raise RuntimeError(f"{PAGES_PLUGIN} is not loaded: the coverage pages need its words")
    return pages


def lang_of(datasette: Any) -> str:
    """The snapshot's interface language (``pantau_pages.lang_of``)."""
    return str(_pages().lang_of(datasette))


def translate(lang: str, key: str, **values: Any) -> str:
    return str(_pages().translate(lang, key, **values))


def counted(lang: str) -> Any:
    """``tn(n, key)`` of the templates: TEXT ``key`` with ``n``, its ``key_1`` when n is 1."""

    def tn(n: int, key: str) -> str:
        return translate(lang, f"{key}_1" if n == 1 else key, n=n)

    return tn


def _db(datasette: Any) -> Any:
    try:
        return datasette.get_database(DB_NAME)
    except KeyError:
        raise NotFound("No pantau database") from None


def engine_of(db: Any) -> Any:
    """A read-only SQLAlchemy engine on the snapshot file (one per file)."""
    from sqlalchemy import create_engine

    path = str(Path(db.path).resolve())
    if path not in _engines:
        _engines[path] = create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")
    return _engines[path]


async def _allowed(datasette: Any, request: Request, db: Any) -> None:
    for table in ("article", "outlet"):
        await datasette.ensure_permissions(
            request.actor,
            [("view-table", (db.name, table)), ("view-database", db.name), "view-instance"],
        )


def _id(request: Request) -> int:
    value = int(request.url_vars["id"])
    if value >= 2**63:
        raise NotFound("No such article")
    return value


# -- coverage -------------------------------------------------------------------------------------
async def coverage_index(datasette: Any, request: Request) -> Response:
    db = _db(datasette)
    await _allowed(datasette, request, db)
    wanted = request.args.get("id", "").strip()
    if wanted.isdigit():
        return Response.redirect(datasette.urls.path(f"/liputan/{wanted}"))
    releases: list[dict[str, Any]] = []
    if await db.table_exists("story"):
        result = await db.execute(
            "SELECT a.id, a.title, o.title AS outlet, s.articles, s.outlets, s.first_published"
            " FROM story s JOIN article a ON a.id = s.original_article_id"
            " LEFT JOIN outlet o ON o.id = a.outlet_id"
            " ORDER BY s.first_published DESC, s.id DESC LIMIT ?",
            [RELEASES_LISTED],
        )
        releases = [dict(r) for r in result.rows]
    return Response.html(
        await datasette.render_template(
            "coverage_index.html",
            {"releases": releases, "db_name": db.name, "tn": counted(lang_of(datasette))},
            request=request,
        )
    )


async def coverage_page(datasette: Any, request: Request) -> Response:
    from kb.coverage import COVERAGE_KINDS, STATUSES, find_coverage, label, load_document

    db = _db(datasette)
    await _allowed(datasette, request, db)
    article_id = _id(request)
    try:
        window = max(1, min(365, int(request.args.get("window") or 7)))
    except ValueError:
        window = 7
    engine = engine_of(db)
    lang = lang_of(datasette)

    def work() -> dict[str, Any] | None:
        release = load_document(engine, article_id)
        if release is None:
            return None
        return find_coverage(engine, release, window_days=window).as_dict(lang)

    report = await asyncio.to_thread(work)
    if report is None:
        raise NotFound(translate(lang, "cov_no_article", id=article_id))
    for a in report["articles"]:
        a["page"] = datasette.urls.path(f"/article/{a['article_id']}")
        a["kind_label"] = label(a["kind"], lang)
        a["differences"] = [c for c in a["checks"] if c["status"] == "different"]
        a["missing"] = [c["label"] for c in a["checks"] if c["status"] == "missing"]
    context = {"report": report, "release": report["release"], "window": window,
               "db_name": db.name, "article_id": article_id,
               "labels": {code: label(code, lang) for code in (*COVERAGE_KINDS, *STATUSES)},
               "tn": counted(lang)}  # fmt: skip
    return Response.html(await datasette.render_template("coverage.html", context, request=request))


# -- clipping report ------------------------------------------------------------------------------
def _values(request: Request, name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in request.args.getlist(name) if v.strip())


async def _period(db: Any, request: Request, lang: str) -> tuple[dt.date, dt.date]:
    """``from``/``to`` of the request, else the snapshot's last :data:`DEFAULT_REPORT_DAYS`
    (a wrong date: ValueError with its message in ``lang``)."""
    start, end = request.args.get("from", ""), request.args.get("to", "")
    if not start or not end:
        latest = (await db.execute("SELECT max(published) FROM article")).first()[0]
        last = dt.date.fromisoformat(str(latest)[:10]) if latest else dt.date.today()
        return last - dt.timedelta(days=DEFAULT_REPORT_DAYS - 1), last
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        raise ValueError(translate(lang, "clip_bad_date")) from None
    if first > last:
        raise ValueError(translate(lang, "clip_bad_period", first=first, last=last))
    return first, last


def _filter(request: Request, first: dt.date, last: dt.date) -> Any:
    from kb.coverage import ClipFilter

    stories = tuple(int(s) for s in _values(request, "story") if s.isdigit() and len(s) < 18)
    return ClipFilter(first, last, _values(request, "keyword"), stories,
                      _values(request, "official"), _values(request, "region"),
                      _values(request, "outlet"))  # fmt: skip


def _query(flt: Any) -> str:
    pairs = [("from", str(flt.start)), ("to", str(flt.end))]
    for key, values in (("keyword", flt.keywords), ("official", flt.officials),
                        ("region", flt.regions), ("outlet", flt.outlets),
                        ("story", [str(s) for s in flt.stories])):  # fmt: skip
        pairs += [(key, v) for v in values]
    return urlencode(pairs)


async def report_page(datasette: Any, request: Request) -> Response:
    from kb.coverage import iter_clippings
    from pantau.report import Summary

    db = _db(datasette)
    await _allowed(datasette, request, db)
    lang = lang_of(datasette)
    try:
        first, last = await _period(db, request, lang)
    except ValueError as exc:
        return Response.text(f"{translate(lang, 'clip_error')}: {exc}", status=400)
    flt = _filter(request, first, last)
    engine = engine_of(db)

    def work() -> tuple[Any, list[Any]]:
        summary, sample = Summary(), list[Any]()
        for c in iter_clippings(engine, flt, lang):
            summary.add(c)
            if len(sample) < 20:
                sample.append(c)
        return summary, sample

    from pantau.report import LABELS

    summary, sample = await asyncio.to_thread(work)
    query = _query(flt)
    downloads = [(fmt.upper(), datasette.urls.path(f"/kliping.{fmt}") + "?" + query)
                 for fmt in ("xlsx", "docx", "pdf")]  # fmt: skip
    context = {
        "flt": flt, "summary": summary, "lines": summary.lines(lang), "sample": sample,
        "words": LABELS[lang], "tn": counted(lang),
        "downloads": downloads, "db_name": db.name,
        "per_day": sorted(summary.per_day.items()), "outlets": summary.per_outlet.most_common(10),
        "values": {k: ", ".join(_values(request, k)) for k in FILTERS},
    }  # fmt: skip
    return Response.html(
        await datasette.render_template("coverage_report.html", context, request=request)
    )


async def report_file(datasette: Any, request: Request) -> Response:
    from pantau.report import make_report

    db = _db(datasette)
    await _allowed(datasette, request, db)
    fmt = request.url_vars["fmt"]
    asked = request.args.get("lang", "")  # ?lang=id|en: this file in that language
    lang = asked if asked in LANGS else lang_of(datasette)
    try:
        first, last = await _period(db, request, lang)
    except ValueError as exc:
        return Response.text(f"{translate(lang, 'clip_error')}: {exc}", status=400)
    flt = _filter(request, first, last)
    engine = engine_of(db)

    def work() -> bytes | str:
        import click

        with tempfile.TemporaryDirectory(prefix="pantau-kliping-") as folder:
            out = Path(folder) / f"kliping.{fmt}"
            try:
                make_report(engine, flt, fmt, out, lang)
            except click.ClickException as exc:  # an empty period
                return exc.format_message()
            return out.read_bytes()

    body = await asyncio.to_thread(work)
    if isinstance(body, str):
        return Response.text(f"{translate(lang, 'clip_error')}: {body}", status=404)
    name = f"kliping-{flt.start}-{flt.end}.{fmt}"
    return Response(
        body, content_type=CONTENT_TYPES[fmt],
        headers={"content-disposition": f'attachment; filename="{name}"',
                 "content-length": str(len(body))},
    )  # fmt: skip


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/liputan$", coverage_index),
        (r"^/liputan/(?P<id>[0-9]{1,20})$", coverage_page),
        (r"^/kliping$", report_page),
        (r"^/kliping\.(?P<fmt>xlsx|docx|pdf)$", report_file),
    ]
