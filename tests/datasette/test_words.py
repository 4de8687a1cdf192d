"""No English left in the Indonesian interface (issue 14), and English still there with `en`.

An audit you can repeat: the published demo snapshot is served in the default language and every
kind of page is fetched — home, database, each table (with a facet, a filter and a sort), a row
of each table, each canned query, Pantau's own pages and an error page. Each page's visible text
(data left out: cells, column and table names, code, SQL, facet values) must hold none of the
English interface words in :data:`ENGLISH`. The column-actions menu, built by Datasette's
table.js in the browser, is checked in chromium.

Limits: a word that is also a column or table name of the snapshot (``source``, ``type``,
``title`` …) is taken for data everywhere, so it is never caught; ``title`` attributes (tooltips,
often data) are not read.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from datasette.utils import tilde_encode
from lxml import html as lxml_html

from kb.publish import (
    DESCRIPTIONS_FILE,
    PublishError,
    load_descriptions,
    metadata_path,
    publish,
    visible_tables,
)
from pantau.config import datasette_dir
from tests.datasette.conftest import QUERIES, fetch, load_plugin, rows, serving

# Datasette's and Pantau's English interface words, as whole words (case-insensitive). Words that
# are also Indonesian are left out: data, menu, media, per, total, format, status, facet (the
# Indonesian pages say "facet", the term of the trade).
ENGLISH = frozenset(
    """
    about add advanced all and apply array as ascending blank by clause column columns contains
    count custom database default delimited descending download edit ends equals error every
    expand export facets false file filter filters first found from hidden hide home is labels
    last less license like links matches more newline next not null object of on options or other
    page parameters powered previous queries query records remove results row rows run search
    shape show sort sorted source starts stream suggested table tables than the these this timed
    true type unknown view views where with
    """.split()  # noqa: SIM905  (a paragraph of words reads better than a list of strings)
)
QUOTED = re.compile(r'"[^"]*"|“[^”]*”|`[^`]*`')
WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
INVISIBLE = ("script", "style", "pre", "code", "textarea", "td", "th", "dt")


def _data_nodes(doc: Any) -> list[Any]:
    """Elements whose text is data, not interface: cells, code, facet values (the ``<a>`` and
    selected ``<li>`` of a facet's list), column pickers, the title of an SQL page (its SQL)."""
    found = [el for tag in INVISIBLE for el in doc.iter(tag)]
    found += doc.xpath('//div[contains(@class, "facet-info")]//ul//li')
    found += doc.xpath('//p[contains(@class, "facet-info-name")]/strong')
    found += doc.xpath('//p[contains(@class, "suggested-facets")]/a')
    found += doc.xpath('//select[starts-with(@name, "_filter_column")]')
    found += doc.xpath('//select[@name="_sort"]/option[@value!=""]')
    if doc.xpath('//textarea[@id="sql-editor"]'):  # an SQL page: its title is the SQL
        found += doc.xpath("//title")
    return found


def visible_words(page: str, data_words: frozenset[str]) -> list[str]:
    """The words a reader sees on ``page`` (HTML), without data: tags of :data:`INVISIBLE`,
    facet values, column pickers, and any word of ``data_words`` (table, column and query
    names). Button labels and placeholders count; quoted values ("…", `…`) do not."""
    doc = lxml_html.fromstring(page)
    for el in _data_nodes(doc):
        if el.getparent() is not None:  # not already inside a dropped element
            el.drop_tree()
    text = [doc.text_content()]
    text += doc.xpath('//input[@type="submit"]/@value') + doc.xpath("//@placeholder")
    text += doc.xpath("//@aria-label")
    joined = re.sub(QUOTED, " ", " ".join(text))  # quoted values and `code` are data
    return [w for w in WORD.findall(joined) if w.lower() not in data_words]


CONTEXT_WORDS = 5  # visible words shown either side of an English one in a failure


def english_words(page: str, data_words: frozenset[str]) -> list[str]:
    """Each English word of ``page``'s visible text, with the words around it."""
    words = visible_words(page, data_words)
    found = {}
    for i, w in enumerate(words):
        if w.lower() in ENGLISH and w.lower() not in found:
            around = words[max(0, i - CONTEXT_WORDS) : i + CONTEXT_WORDS + 1]
            found[w.lower()] = f"{w}: …{' '.join(around)}…"
    return sorted(found.values())


def data_words(snapshot: Path) -> frozenset[str]:
    """Table, column and canned-query names of ``snapshot``: data, whatever their language."""
    names = set(QUERIES)
    for query in QUERIES.values():  # the names of their parameters
        names.update(re.findall(r"(?<![:\w]):(\w+)", query["sql"]))
    for (table,) in rows(
        snapshot, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
    ):
        names.add(table)
        names.update(r[1] for r in rows(snapshot, f"PRAGMA table_info([{table}])"))
    return frozenset(w.lower() for n in names for w in WORD.findall(n))


def first_id(snapshot: Path, table: str) -> Any:
    """The row page id of the first row of ``table``: its primary key, else its rowid."""
    pks = [
        r[1]
        for r in sorted(rows(snapshot, f"PRAGMA table_info([{table}])"), key=lambda r: r[5])
        if r[5]
    ]
    key = ", ".join(f"[{k}]" for k in pks) or "rowid"
    got = rows(snapshot, f"SELECT {key} FROM [{table}] ORDER BY {key} LIMIT 1")
    return ",".join(tilde_encode(str(v)) for v in got[0]) if got else None


def facet_column(snapshot: Path, table: str) -> str:
    """A column worth a facet: the first that is not a key, an offset or long text."""
    cols = [str(r[1]) for r in rows(snapshot, f"PRAGMA table_info([{table}])")]
    skip = {"id", "text", "sentence", "url", "start", "end", "stats", "title", "article_id"}
    return next((c for c in cols if c not in skip), cols[0])


def page_paths(snapshot: Path) -> dict[str, list[str]]:
    """One case per page kind: its paths."""
    tables = visible_tables_of(snapshot)
    story = rows(snapshot, "SELECT min(id) FROM story")[0][0]
    article = rows(snapshot, "SELECT min(id) FROM article")[0][0]
    person = rows(snapshot, "SELECT min(person_id) FROM quote")[0][0]
    table_pages = []
    row_pages = []
    for t in tables:
        col = facet_column(snapshot, t)
        table_pages.append(f"/pantau/{t}?_facet={col}&{col}__notblank=1&_sort_desc={col}")
        row = first_id(snapshot, t)
        if row is not None:
            row_pages.append(f"/pantau/{t}/{row}")
    return {
        "home": ["/"],
        "database": [
            "/pantau",
            "/pantau?sql=select+id%2C+title+from+story",
            "/pantau?sql=select+1+where+0",
        ],
        "table": table_pages,
        "table_filters": [
            "/pantau/article?title__contains=pekerja&month__gte=2024&_sort=published",
            "/pantau/amount?value__gt=1000&role__isnull=1&currency__in=IDR,USD",
            "/pantau/coverage?_search=pekerja&_facet_array=regions&_facet=month",
            "/pantau/story?_facet_date=first_published&articles__lte=9&title__startswith=x",
        ],
        "row": row_pages,
        "canned_query": [f"/pantau/{q}" for q in sorted(QUERIES)],
        "search": ["/cari?q=pekerja+rentan", "/cari?q=Rp10%2C08+miliar", "/cari"],
        "map": ["/peta"],
        "story": [f"/story/{story}"],
        "article": [f"/article/{article}"],
        "official": [f"/official/{person}"],
        "coverage": ["/liputan"],
        "clipping": ["/kliping"],
        "datasette": ["/-/metadata", "/-/versions"],  # Datasette's own pages: crumbs, footer
        "error": ["/pantau/tidak_ada", "/tidak-ada", f"/pantau/article/{10**9}"],
    }


def visible_tables_of(snapshot: Path) -> list[str]:
    import sqlite3

    con = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    try:
        return visible_tables(con)
    finally:
        con.close()


KINDS = (
    "home", "database", "table", "table_filters", "row", "canned_query", "search", "map", "story",
    "article", "official", "coverage", "clipping", "datasette", "error",
)  # fmt: skip


@pytest.fixture(scope="module")
def id_pages(snapshot: Path) -> dict[str, dict[str, Any]]:
    """Every page kind, fetched from the snapshot published in the default language."""
    paths = page_paths(snapshot)
    got = fetch(snapshot, [p for kind in KINDS for p in paths[kind]])
    return {kind: {p: got[p] for p in paths[kind]} for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_no_english_on_indonesian_pages(
    snapshot: Path, id_pages: dict[str, dict[str, Any]], kind: str
) -> None:
    words = data_words(snapshot)
    found = {}
    for path, response in id_pages[kind].items():
        expected = 404 if kind == "error" else 200
        assert response.status_code == expected, (path, response.text[:500])
        english = english_words(response.text, words)
        if english:
            found[path] = english
    assert not found, found


AUDIT = [  # (HTML, English words the audit finds): what counts as interface, what as data
    ("<p>12 baris dengan judul memuat “banjir”</p>", []),
    ("<h3>12 rows where judul contains “banjir”</h3>", ["contains", "rows", "where"]),
    ('<input type="submit" value="Apply">', ["apply"]),
    ('<input type="search" placeholder="Search the news">', ["search", "the"]),
    ("<table><tr><th>source</th><td>Posted by the editor</td></tr></table>", []),
    ("<pre>select * from article where id = 1</pre><code>is null</code>", []),
    ('<p>Hasilnya `off_topic` atau "not found"</p>', []),
    ('<div class="facet-info"><ul><li><a>launch</a> 3</li></ul></div>', []),
    ("<title>Error 404</title><h1>Galat 404</h1>", ["error"]),
]


@pytest.mark.parametrize(("page", "expected"), AUDIT)
def test_the_audit_reads_interface_words_not_data(page: str, expected: list[str]) -> None:
    found = english_words(f"<html>{page}</html>", frozenset({"judul"}))
    assert [f.split(":", 1)[0].lower() for f in found] == expected


# -- English with `pantau publish --lang en` ------------------------------------------------------
@pytest.fixture(scope="module")
def en_snapshot(demo_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("en") / "published" / "pantau.db"
    snap = publish(demo_kb, target, datasette_dir(), lang="en")
    assert not snap.warnings, snap.warnings
    return target


EN_CHECKS = [  # (path, words the English page shows)
    ("/", ["Latest stories", "Powered by"]),
    ("/pantau/amount?_facet=role&value__gt=1000&_sort_desc=value", [
        "rows where value &gt; 1000 sorted by value descending", "Suggested facets:",
        '<input type="submit" value="Apply">', ">contains</option>", "Advanced export",
        "This data as",
    ]),
    ("/pantau/coverage?_facet_array=regions", ["regions (array)", "Search:"]),
    ("/pantau/tidak_ada", ["Error 404", "Table not found"]),
]  # fmt: skip


@pytest.mark.parametrize(("path", "expected"), EN_CHECKS)
def test_english_pages_stay_english(en_snapshot: Path, path: str, expected: list[str]) -> None:
    page = fetch(en_snapshot, [path])[path].text
    for text in expected:
        assert text in page, (path, text)


# -- numbers: Indonesian separators where Datasette prints counts (facets, rows) --------------
COUNTS = [
    (7, "id", "7"),
    (1234, "id", "1.234"),
    (1234567, "id", "1.234.567"),
    (1234, "en", "1,234"),
]


@pytest.mark.parametrize(("n", "lang", "shown"), COUNTS)
def test_counts_use_the_languages_separators(snapshot: Path, n: int, lang: str, shown: str) -> None:
    """The ``jumlah`` filter the table page and facet templates print counts with."""
    from tests.datasette.conftest import make_datasette

    async def render() -> str:
        ds = make_datasette(snapshot)
        await ds.invoke_startup()
        template = ds.jinja_env.from_string("{{ n|jumlah }}")
        return str(await template.render_async(n=n, pantau_lang=lang))

    assert asyncio.run(render()) == shown


def test_facet_counts_are_printed_with_the_filter(snapshot: Path) -> None:
    path = "/pantau/article?_facet=month"
    page = fetch(snapshot, [path])[path].text
    assert re.search(r'<li><a href="[^"]*month=[^"]*">[^<]+</a> \d+</li>', page), page[-3000:]


DATE_FACETS = [  # (snapshot fixture, how a date facet's value is shown)
    ("snapshot", r">\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober"
     r"|November|Desember) \d{4}</a>"),
    ("en_snapshot", r">\d{4}-\d\d-\d\d</a>"),
]  # fmt: skip


@pytest.mark.parametrize(("which", "shown"), DATE_FACETS)
def test_date_facet_values_are_dates_of_the_language(
    request: pytest.FixtureRequest, which: str, shown: str
) -> None:
    snap: Path = request.getfixturevalue(which)
    path = "/pantau/story?_facet_date=first_published"
    page = fetch(snap, [path])[path].text
    facet = page[page.index('class="facet-results"') :]
    assert re.search(shown, facet), facet[:2000]


# -- descriptions: every table and column in Indonesian (datasette/descriptions.yml) ---------------
def _described(snapshot: Path) -> dict[tuple[str, str], str]:
    """(table, "") → the table's description, (table, column) → the column's, as published."""
    meta = json.loads(metadata_path(snapshot).read_text(encoding="utf-8"))
    found: dict[tuple[str, str], str] = {}
    for table, tmeta in meta["databases"]["pantau"]["tables"].items():
        found[(table, "")] = tmeta.get("description") or tmeta.get("description_html") or ""
        for column, text in (tmeta.get("columns") or {}).items():
            found[(table, column)] = text
    return found


def test_every_table_and_column_has_an_indonesian_description(
    snapshot: Path, en_snapshot: Path
) -> None:
    """A column added to the schema without its Indonesian in descriptions.yml fails here."""
    indonesian, english = _described(snapshot), _described(en_snapshot)
    expected = {(t, "") for t in visible_tables_of(snapshot)} | {
        (t, r[1])
        for t in visible_tables_of(snapshot)
        for r in rows(snapshot, f"PRAGMA table_info([{t}])")
    }
    missing = sorted(k for k in expected if not indonesian.get(k))
    assert not missing, f"no description (add it to datasette/descriptions.yml): {missing}"
    untranslated = sorted(k for k in expected if indonesian[k] == english.get(k))
    assert not untranslated, (
        f"English in the Indonesian metadata (descriptions.yml): {untranslated}"
    )


def test_descriptions_translate_the_current_english(en_snapshot: Path) -> None:
    """Each ``en`` of descriptions.yml is the text the schema publishes in English: a changed
    docstring or Field description makes its Indonesian stale, and this test says which."""
    english = _described(en_snapshot)
    stale = []
    for table, entry in load_descriptions(datasette_dir() / DESCRIPTIONS_FILE).items():
        pairs = [("", entry.get("description"))] + list((entry.get("columns") or {}).items())
        stale += [(table, c, t["en"], english.get((table, c))) for c, t in pairs if t]
        stale = [s for s in stale if s[2] != s[3]]
    assert not stale, stale


BAD_DESCRIPTIONS = [  # (descriptions.yml text, words of the error)
    ("article: [id, en]\n", "article: expected description and/or columns"),
    (
        "article:\n  columns:\n    id: Nomor baris\n",
        "article.columns.id: expected {id: text, en: text}",
    ),
    ("article:\n  columns:\n    id: {id: Nomor}\n", "article.columns.id"),
    ("article:\n  description: {id: '', en: Articles}\n", "article.description"),
    ("article:\n  kolom: {}\n", "article: expected description and/or columns"),
    ("article:\n  columns: [id]\n", "article.columns: expected a mapping"),
]


@pytest.mark.parametrize(("text", "error"), BAD_DESCRIPTIONS)
def test_a_wrong_descriptions_file_is_a_clear_error(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / DESCRIPTIONS_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PublishError, match=re.escape(error)):
        load_descriptions(path)


# -- the column-actions menu (Datasette's table.js) in a real browser ----------------------------
MENU = [  # (language, words the opened menu shows, words it must not show, the map's zoom-in)
    ("id", ["Urutkan naik", "Urutkan turun", "Sembunyikan kolom ini", "Jenis: "],
     ["Sort ascending", "Hide this column", "Type: "], "Perbesar"),
    ("en", ["Sort ascending", "Sort descending", "Hide this column", "Type: "],
     ["Urutkan", "Jenis: "], "Zoom in"),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "shown", "not_shown", "zoom_in"), MENU)
def test_column_menu_speaks_the_interface_language(
    published_home: Path,
    en_snapshot: Path,
    lang: str,
    shown: list[str],
    not_shown: list[str],
    zoom_in: str,
) -> None:
    """What the table page's scripts write, in chromium: the column-actions menu (Datasette's
    table.js) and the zoom buttons of the region map (datasette-cluster-map, Leaflet)."""
    from tests.datasette.test_browser import local_page

    home = published_home if lang == "id" else en_snapshot.parent.parent
    with serving(home) as (base, _), local_page(base) as (page, _refused):
        page.goto(f"{base}/pantau/amount?currency__notblank=1")
        page.locator("th.col-value svg.dropdown-menu-icon").click()
        menu = page.locator("body > .dropdown-menu")
        menu.wait_for(state="visible")
        text = menu.inner_text()
        remove = page.locator(".filter-row a[aria-label]").first.get_attribute("aria-label")
        page.goto(f"{base}/pantau/region_coverage")
        zoom = page.locator("a.leaflet-control-zoom-in")
        zoom.wait_for(state="attached")
        page.wait_for_function(
            "t => document.querySelector('a.leaflet-control-zoom-in').title == t", arg=zoom_in
        )
    assert all(w in text for w in shown), text
    assert not any(w in text for w in not_shown), text
    assert remove == ("Hapus saringan ini" if lang == "id" else "Remove this filter")


# -- the helpers behind the pages, on literals -----------------------------------------------------
PAGES = load_plugin("pantau_pages.py", "pantau_pages_kata")

FURNITURE_CASES = [  # (Datasette's HTML, Indonesian)
    ('<a href="/pantau/quote?person_id=3">\n  1,234 rows</a>\n  from person_id in quote',
     '<a href="/pantau/quote?person_id=3">\n  1.234 baris</a> dari person_id di quote'),
    ("<p>12,345 rows</p>", "<p>12.345 baris</p>"),
    ("<h3>Custom SQL query returning more than 1,000 rows", "<h3>lebih dari 1.000 baris"),
    ('<a href="?_show_hidden=1">1,002 hidden tables</a></p>',
     '<a href="?_show_hidden=1">1.002 tabel tersembunyi</a></p>'),
    ("<td>1,234 rows of data</td>", "<td>1,234 rows of data</td>"),  # a cell: data
]  # fmt: skip


@pytest.mark.parametrize(("html", "indonesian"), FURNITURE_CASES)
def test_furniture_counts(html: str, indonesian: str) -> None:
    assert PAGES.furniture(html, "id") == indonesian
    assert PAGES.furniture(html, "en") == html


class Filters:  # the part of datasette.filters.Filters describe_rows reads
    def __init__(self, *selections: tuple[str, str, str]) -> None:
        self._selections = selections

    def selections(self) -> tuple[tuple[str, str, str], ...]:
        return self._selections


DESCRIBED = [  # (filters, search, sort, sort_desc, Indonesian)
    ([("judul", "contains", "banjir")], "", None, None, "dengan judul memuat “banjir”"),
    ([("nilai", "gt", "1000"), ("peran", "isnull", "1")], "", "nilai", None,
     "dengan nilai > 1000 dan peran tanpa nilai diurutkan menurut nilai"),
    ([("a", "exact", "7"), ("b", "in", "x,y"), ("c", "notblank", "1")], "", None, "a",
     "dengan a = 7, b salah satu dari x, y dan c tidak kosong diurutkan menurut a, menurun"),
    ([], "pekerja rentan", None, None, "dengan pencarian cocok dengan “pekerja rentan”"),
    ([("tanggal", "date", "2025-07-07")], "", None, None, "dengan tanggal pada tanggal 7 Juli 2025"),
]  # fmt: skip


@pytest.mark.parametrize(("selections", "search", "sort", "sort_desc", "shown"), DESCRIBED)
def test_the_line_above_the_rows_in_indonesian(
    selections: list[tuple[str, str, str]],
    search: str,
    sort: str | None,
    sort_desc: str | None,
    shown: str,
) -> None:
    args = {"_search": search} if search else {}
    got = PAGES.describe_rows("id", "where …", Filters(*selections), args, sort, sort_desc)
    assert got == shown
    assert PAGES.describe_rows("en", "where …", Filters(), args, sort, sort_desc) == "where …"


def test_every_filter_operator_has_indonesian_words() -> None:
    from datasette.filters import Filters as DatasetteFilters

    keys = {key for key, _, _ in DatasetteFilters([]).lookups()}
    assert keys == set(PAGES.FILTER_WORDS)


ERROR_CASES = [
    ("Table not found: tidak_ada", "Tabel tidak ditemukan: tidak_ada"),
    ("Database not found", "Basis data tidak ditemukan"),
    ("Cannot sort table by judul", "Tabel tidak bisa diurutkan menurut judul"),
    ("Sesuatu yang lain", "Sesuatu yang lain"),
]


@pytest.mark.parametrize(("message", "indonesian"), ERROR_CASES)
def test_error_messages(message: str, indonesian: str) -> None:
    assert PAGES.error_message(message, "id") == indonesian
    assert PAGES.error_message(message, "en") == message
