"""Pantau's pages in Datasette (loaded with ``--plugins-dir datasette/plugins``).

- ``/article/ID`` — the cleaned article text with every extracted fact highlighted, each
  highlight linking to its fact row (``/pantau/amount/7``), and a table of the facts with their
  sentences. The HTML is built from ``article.text`` and the facts' ``start``/``end`` offsets;
  every piece of text is escaped (markupsafe) and a fact whose offsets do not point at its own
  text is listed, flagged, but not highlighted.
- ``/official/ID`` — a person: names, positions over time, articles naming them, quotes.
- ``/story/ID`` — a story: every outlet that covered it, original first, with its facts.

- ``/-/pantau.css`` — the stylesheet of these pages (``pantau.css`` beside this file), added to
  every page; it also folds Datasette's column descriptions into a small scrolling box.

``render_cell`` turns ``article_id`` / ``person_id`` / ``story_id`` / ``fact`` columns of query
results (canned queries) and ``coverage.title`` into links to these pages and rows, and shows
``coverage.published_local`` as "27 Okt 2025 07.50 WITA".

Times: every time these pages show is the outlet's local time with its zone label, formatted by
:func:`waktu`. The local time and zone are computed once, at publish time, into
``coverage.published_local`` / ``coverage.zone`` (kb/publish.py, with the wilayah package); this
plugin only formats them, so a deployment needs nothing of Pantau but the snapshot. Event types
are shown with their Indonesian labels from the snapshot's ``event_type_label`` table; numbers
with Indonesian separators (10.080.000.000; 45,83).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import NotFound, Request, Response
from markupsafe import Markup, escape

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


BULAN = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def tanggal(day: Any) -> str:
    """``2025-10-27`` (or a longer time) -> "27 Okt 2025"; anything else as it is."""
    text = "" if day is None else str(day)
    try:
        y, m, d = int(text[0:4]), int(text[5:7]), int(text[8:10])
    except ValueError:
        return text
    if text[4:5] != "-" or not 1 <= m <= 12:
        return text
    return f"{d} {BULAN[m - 1]} {y}"


def waktu(local: Any, zone: Any = None) -> str:
    """A local time and its zone label: ``("2025-10-27 07:50", "WITA")`` -> "27 Okt 2025 07.50
    WITA" (Indonesian style: a dot between hours and minutes). The one formatter of times."""
    text = "" if local is None else str(local)
    if not text:
        return ""
    day = tanggal(text[:10])
    clock = text[11:16].replace(":", ".") if len(text) >= 16 else ""
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
    """Rp10.080.000.000 — Indonesian thousands separators."""
    try:
        return "Rp" + f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return f"Rp{value}"


def number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
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


async def _columns(db: Database, table: str) -> set[str]:
    if not await db.table_exists(table):
        return set()
    return set(await db.table_columns(table))


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


def highlight(text: str, facts: list[Fact]) -> Markup:
    """``text`` as escaped HTML with each fact wrapped in a link to its row.

    Quotes form an outer layer (``<span class="quote">`` followed by a link to the quote row);
    the other facts are ``<a class="fact …">`` inside or outside them. A fact crossing a quote's
    edge is split into two links to the same row, so the markup always nests.
    """
    outer = _choose([f for f in facts if f.kind.table == OUTER])
    inner = _choose([f for f in facts if f.kind.table != OUTER])
    cuts = sorted({0, len(text)} | {p for f in outer + inner for p in (f.start, f.end)})

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
            f' title="{escape(fact.kind.label)}: {escape(fact.summary)}">{piece}</a>'
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
    body = highlight(text, facts)
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
        counts[f.kind.label] = counts.get(f.kind.label, 0) + 1
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
        " (SELECT group_concat(m.value, ';') FROM amount m WHERE m.article_id = a.id) AS amounts,"
        " (SELECT group_concat(name, '; ') FROM (SELECT DISTINCT m.name FROM mention m"
        "   WHERE m.article_id = a.id)) AS officials"
        f" FROM article a LEFT JOIN outlet o ON o.id = a.outlet_id{join} WHERE a.story_id = ?"
        " ORDER BY a.original DESC, a.published, a.id",
        [story_id],
    )
    for a in articles:
        a["amounts"] = "; ".join(rupiah(v) for v in (a["amounts"] or "").split(";") if v)
        a["source_url"] = safe_url(a["url"])
    context = {
        "story": story,
        "articles": articles,
        "outlets": len({a["outlet"] for a in articles}),
        "db_name": db.name,
    }
    return Response.html(
        await datasette.render_template("pantau_story.html", context, request=request)
    )


STYLESHEET = Path(__file__).with_name("pantau.css")  # beside this file: deployed with it


async def stylesheet() -> Response:
    return Response(
        STYLESHEET.read_text(encoding="utf-8"),
        content_type="text/css; charset=utf-8",
        headers={"Cache-Control": "max-age=300"},
    )


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    """Filters for times, dates and numbers: ``waktu(zone)``, ``tanggal``, ``angka``."""
    env.filters["waktu"] = waktu
    env.filters["tanggal"] = tanggal
    env.filters["angka"] = number


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
    ]


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    """Links from query results and the coverage table to Pantau's pages and fact rows."""
    if table == "coverage" and column == "title" and value is not None:
        article_id = row["article_id"]
        if isinstance(article_id, dict):  # a foreign key the table view expanded
            article_id = article_id.get("value")
        href = datasette.urls.path(f"/article/{int(article_id)}")
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    if table == "coverage" and column == "published_local" and value is not None:
        try:
            zone = row["zone"]
        except (KeyError, IndexError):  # the zone column left out of the view (?_nocol=zone)
            zone = None
        return Markup(escape(waktu(value, zone)))
    if table is not None:
        return None
    # a sqlite3.Row: `in` would look at its values, keys() at its columns
    if column == "published" and isinstance(value, str) and "zone" in row.keys():  # noqa: SIM118
        return Markup(escape(waktu(value, row["zone"])))  # canned queries: local time + zone
    if column in LINK_COLUMNS and isinstance(value, int):
        href = datasette.urls.path(f"/{LINK_COLUMNS[column]}/{value}")
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if column == "fact" and isinstance(value, str) and "/" in value:
        kind, _, fid = value.partition("/")
        if kind in {k.table for k in FACT_KINDS} and fid.isdigit():
            href = datasette.urls.row(database, kind, fid)
            return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    return None


@hookimpl
def extra_template_vars(template: str, datasette: Any, request: Request | None) -> Any:
    """The home page's search box and list of canned queries."""
    if template != "index.html":
        return None

    async def inner() -> dict[str, Any]:
        if not any(name != "_internal" for name in datasette.databases):
            return {}
        db = pantau_db(datasette)
        actor = request.actor if request is not None else None
        queries = await datasette.get_canned_queries(db.name, actor)
        return {
            "pantau_db": db.name,
            "pantau_queries": [
                {"name": name, "title": q.get("title") or name} for name, q in queries.items()
            ],
            "pantau_tables": [
                t
                for t in ("coverage", "region_coverage", "story", "person", "amount")
                if await db.table_exists(t)
            ],
        }

    return inner
