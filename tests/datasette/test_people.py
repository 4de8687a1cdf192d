"""Datasette for people (issue 14): Indonesian by default, local times, figures you can search,
a home page that answers first questions, and no dead ends — on the published demo KB."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from kb.publish import publish
from pantau.config import datasette_dir
from tests.datasette.conftest import fetch, load_plugin, make_datasette, rows

ANNOUNCEMENT = 10_080_000_000  # the demo's "Rp10,08 miliar" iuran announcement, in three outlets


PAGES = load_plugin("pantau_pages.py", "pantau_pages_uji")


def doc(response: Any) -> Any:
    assert response.status_code == 200, response.text[-2000:]
    return lxml_html.fromstring(response.text)


def announcement_articles(snapshot: Path) -> set[int]:
    return {
        r[0] for r in rows(snapshot, "SELECT article_id FROM amount WHERE value = ?", ANNOUNCEMENT)
    }


# -- formats ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("local", "zone", "lang", "shown"),
    [
        ("2025-09-15 11:05", "WITA", "id", "Senin, 15 September 2025 11.05 WITA"),
        ("2025-10-28 06:50", "WIB", "id", "Selasa, 28 Oktober 2025 06.50 WIB"),
        ("2025-12-31 23:59", "WIT", "id", "Rabu, 31 Desember 2025 23.59 WIT"),
        ("2025-09-15 11:05", "WITA", "en", "Monday, 15 September 2025 11:05 WITA"),
        ("2025-09-14", None, "id", "Minggu, 14 September 2025"),
        (None, "WITA", "id", ""),
        ("bukan tanggal", None, "id", "bukan tanggal"),
    ],
)
def test_times_are_written_the_indonesian_way(
    local: str | None, zone: str | None, lang: str, shown: str
) -> None:
    assert PAGES.waktu(local, zone, lang) == shown


# -- figure search ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "tables", "inside", "outside"),
    [
        (
            "10,08 miliar",
            ("amount", "worker_count", "percentage"),
            [ANNOUNCEMENT],
            [10_090_000_000],
        ),
        ("Rp 10.080.000.000", ("amount",), [ANNOUNCEMENT], [10_080_000_001]),
        ("Rp10,08 miliar", ("amount",), [ANNOUNCEMENT], [10_000_000_000]),
        ("Rp. 10,08 M", None, [], []),  # "M" is no multiplier of Pantau's parser: words
        (
            "10 miliar",
            ("amount", "worker_count", "percentage"),
            [ANNOUNCEMENT, 10**10],
            [11 * 10**9],
        ),
        ("rp 846 juta", ("amount",), [846_000_000], [847_000_000]),
        ("14.880", ("amount", "worker_count", "percentage"), [14_880], [14_881]),
        ("45,83 persen", ("percentage",), [45.83], [45.9]),
        ("45,83%", ("percentage",), [45.83], [45.8]),
        ("pekerja rentan", None, [], []),
        ("Rp10,08 miliar untuk iuran", None, [], []),
        ("", None, [], []),
    ],
)
def test_figure_queries_become_value_ranges(
    query: str, tables: tuple[str, ...] | None, inside: list[float], outside: list[float]
) -> None:
    figure = PAGES.figure_query(query)
    if tables is None:
        assert figure is None
        return
    assert figure is not None and figure.tables == tables
    assert all(figure.low <= v < figure.high for v in inside), (figure, inside)
    assert not any(figure.low <= v < figure.high for v in outside), (figure, outside)


@pytest.mark.parametrize(
    ("value", "words"),
    [(10_080_000_000, "10,08 miliar"), (846_000_000, "846 juta"), (1_500_000, "1,5 juta"),
     (2 * 10**12, "2 triliun"), (999_999, None)],
)  # fmt: skip
def test_large_figures_in_words(value: int, words: str | None) -> None:
    assert PAGES.in_words(value) == words


@pytest.mark.parametrize(
    "query",
    ["10,08 miliar", "Rp 10.080.000.000", "Rp10,08 miliar", "10 miliar", "Rp. 10.080.000.000"],
)
def test_search_finds_the_articles_printing_a_figure_in_any_form(
    snapshot: Path, query: str
) -> None:
    expected = announcement_articles(snapshot)
    assert len(expected) == 3
    page = doc(fetch(snapshot, [f"/cari?q={query}"])[f"/cari?q={query}"])
    table = page.get_element_by_id("figure-results")
    found = {
        int(m.group(1))
        for a in table.iter("a")
        if (m := re.fullmatch(r"/article/(\d+)#amount-\d+", a.get("href") or ""))
    }
    assert expected <= found
    text = table.text_content()
    assert "WITA" in text and "CREATE TABLE" not in text
    marks = ",".join(str(i) for i in expected)
    story = rows(snapshot, f"SELECT DISTINCT story_id FROM article WHERE id IN ({marks})")
    html = fetch(snapshot, [f"/cari?q={query}"])[f"/cari?q={query}"].text
    assert all(f'href="/story/{s}"' in html for (s,) in story)


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("pekerja rentan", True),
        ("kata-yang-tidak-ada-di-mana-pun", False),
        ('"tanda kutip" AND OR (', False),  # FTS syntax in a query is words, never an error
        ("pekerja' OR 1=1 --", False),
        ("pekerja " * 500, True),  # cut to its first words
        ("%%%", False),
        ("Rp" + "9" * 400, False),
        ("ñandú 日本", False),
        ("", False),
    ],
)
def test_word_search_lists_newest_articles_without_sql(
    snapshot: Path, query: str, finds: bool
) -> None:
    got = fetch(snapshot, [f"/cari?q={query}", f"/pantau/coverage?_search={query}"])
    page = got[f"/cari?q={query}"]
    assert page.status_code == 200
    hits = doc(page).xpath('//section[@id="text-results"]//li')
    assert bool(hits) == finds
    for response in got.values():  # no schema dump, found or not
        assert "CREATE TABLE" not in response.text and "CREATE VIRTUAL" not in response.text


# -- home page -------------------------------------------------------------------------------------
def test_home_page_answers_first_questions(snapshot: Path) -> None:
    page = doc(fetch(snapshot, ["/"])["/"])
    text = page.text_content()
    assert "Cerita terbaru" in text and "Pejabat yang paling banyak dikutip" in text
    stories = page.xpath('//section[@class="pantau-stories"]//a/@href')
    assert stories and all(re.fullmatch(r"/story/\d+", h) for h in stories)
    assert re.search(r"\d+ artikel dari \d+ media", text)
    quoted = page.xpath('//section[@class="pantau-quoted"]//a/@href')
    assert quoted and all(re.fullmatch(r"/official/\d+", h) for h in quoted)
    canonical = {r[0] for r in rows(snapshot, "SELECT id FROM person WHERE canonical_id IS NULL")}
    assert {int(h.rsplit("/", 1)[1]) for h in quoted} <= canonical  # one name per person
    bars = page.xpath('//svg[@class="pantau-chart"]//rect[@class="bar"]')
    assert bars and all(b.xpath("title") for b in bars)
    total = rows(snapshot, "SELECT count(*) FROM coverage WHERE published_local IS NOT NULL")[0][0]
    counts = [int(b.xpath("title")[0].text.rsplit(": ", 1)[1]) for b in bars]
    assert sum(counts) == total
    assert page.xpath('//form[@action="/cari"]//input[@name="q"]')
    assert '<script src="http' not in fetch(snapshot, ["/"])["/"].text  # nothing from a CDN


def test_map_pins_are_sized_by_articles_over_an_offline_base_layer(snapshot: Path) -> None:
    got = fetch(snapshot, ["/peta", "/"])
    for response in got.values():
        svg = doc(response).xpath('//svg[@class="pantau-map"]')
        assert svg
        pins = svg[0].xpath('.//circle[@class="pin"]')
        seats = svg[0].xpath('.//circle[@class="seat"]')
        assert len(seats) > len(pins) > 0  # the seats of the regions around give a base map
        assert "Nusa Tenggara Timur" in [t.text for t in svg[0].xpath('.//text[@class="province"]')]
        sized = sorted((int(p.get("data-articles")), float(p.get("r"))) for p in pins)
        assert [r for _, r in sized] == sorted(r for _, r in sized)  # more articles, larger pin
        width, height = (float(v) for v in svg[0].get("viewbox").split()[2:])
        for p in pins:  # never cut off
            x, y, r = float(p.get("cx")), float(p.get("cy")), float(p.get("r"))
            assert x - r >= 0 and x + r <= width and y - r >= 0 and y + r <= height, (x, y, r)


# -- no dead ends ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "table", ["amount", "worker_count", "mention", "quote", "event", "percentage"]
)
def test_fact_row_pages_link_to_the_highlighted_article_and_story(
    snapshot: Path, table: str
) -> None:
    fact_id, article_id, story_id = rows(
        snapshot,
        f"SELECT f.id, f.article_id, a.story_id FROM {table} f JOIN article a ON a.id = f.article_id"
        " ORDER BY a.story_id IS NULL, f.id LIMIT 1",
    )[0]
    page = doc(fetch(snapshot, [f"/pantau/{table}/{fact_id}"])[f"/pantau/{table}/{fact_id}"])
    links = page.xpath('//p[@class="pantau-fact-links"]//a/@href')
    assert f"/article/{article_id}#{table}-{fact_id}" in links
    if story_id:
        assert f"/story/{story_id}" in links


@pytest.mark.parametrize(
    ("table", "page"), [("article", "article"), ("story", "story"), ("person", "official")]
)
def test_row_pages_of_articles_stories_and_people_open_their_pantau_page(
    snapshot: Path, table: str, page: str
) -> None:
    (row_id,) = rows(snapshot, f"SELECT min(id) FROM {table}")[0]
    got = doc(fetch(snapshot, [f"/pantau/{table}/{row_id}"])[f"/pantau/{table}/{row_id}"])
    assert f"/{page}/{row_id}" in got.xpath('//p[@class="pantau-fact-links"]//a/@href')


def test_tables_link_to_pantau_pages_and_show_readable_cells(snapshot: Path) -> None:
    paths = [
        "/pantau/story",
        "/pantau/article",
        "/pantau/coverage?_size=50",
        "/pantau/amount?_sort_desc=value",
        "/pantau/event",
        "/pantau/person",
    ]
    got = {p: doc(r) for p, r in fetch(snapshot, paths).items()}
    assert got["/pantau/story"].xpath(
        '//td[contains(@class,"col-title")]/a[starts-with(@href,"/story/")]'
    )
    article = got["/pantau/article"]
    assert article.xpath('//td[contains(@class,"col-title")]/a[starts-with(@href,"/article/")]')
    texts = article.xpath('//td[contains(@class,"col-text")]')
    longest = max(len(t) for (t,) in rows(snapshot, "SELECT text FROM article"))
    assert texts and max(len(t.text_content()) for t in texts) < min(
        longest, PAGES.LONG_CELL_CHARS + 5
    )
    coverage = got["/pantau/coverage?_size=50"]
    assert coverage.xpath('//td[contains(@class,"col-regions")]//ul[@class="pantau-list"]/li')
    assert not re.search(r'\[\s*"', coverage.text_content())  # no JSON lists shown raw
    labels = {r[0] for r in rows(snapshot, "SELECT label FROM event_type_label")}
    shown = {
        t.text_content().strip()
        for t in got["/pantau/event"].xpath('//td[contains(@class,"col-type")]')
    }
    assert shown and shown <= labels | {""}  # codes as Indonesian labels
    values = got["/pantau/amount?_sort_desc=value"].xpath('//td[contains(@class,"col-value")]')
    assert values and all(
        re.fullmatch(r"Rp\d{1,3}(\.\d{3})*", v.text_content().strip()) for v in values
    )
    assert got["/pantau/person"].xpath(
        '//td[contains(@class,"col-name")]/a[starts-with(@href,"/official/")]'
    )


@pytest.mark.parametrize(
    ("path", "column"),
    [("/pantau/article", "published"), ("/pantau/story", "first_published"),
     ("/pantau/story", "last_published"), ("/pantau/coverage", "published")],
)  # fmt: skip
def test_stored_utc_times_are_shown_in_local_time(snapshot: Path, path: str, column: str) -> None:
    cells = doc(fetch(snapshot, [path])[path]).xpath(
        f'//td[contains(concat(" ", @class, " "), " col-{column} ")]'
    )
    shown = [c.text_content().strip() for c in cells]
    assert shown and all(
        re.fullmatch(r"\w+, \d{1,2} \w+ 20\d\d \d\d\.\d\d WI(B|TA|T)", t) for t in shown
    )


def test_story_page_shows_quotes_speakers_and_officials_once(snapshot: Path) -> None:
    story_id = rows(snapshot, "SELECT story_id FROM amount a JOIN article r ON r.id = a.article_id"
                    " WHERE a.value = ? LIMIT 1", ANNOUNCEMENT)[0][0]  # fmt: skip
    response = fetch(snapshot, [f"/story/{story_id}"])[f"/story/{story_id}"]
    page = doc(response)
    quotes = page.xpath('//table[contains(@class,"quotes")]//tr')
    expected = rows(snapshot, "SELECT count(*) FROM quote q JOIN article a ON a.id = q.article_id"
                    " WHERE a.story_id = ?", story_id)[0][0]  # fmt: skip
    assert len(quotes) == expected > 0
    speakers = page.xpath('//table[contains(@class,"quotes")]//td[@class="speaker"]/a/@href')
    assert speakers
    people = page.xpath('//ul[@class="pantau-people"]/li/a')
    ids = [int(a.get("href").rsplit("/", 1)[1]) for a in people]
    assert len(ids) == len(set(ids)) > 0
    merged = {r[0] for r in rows(snapshot, "SELECT id FROM person WHERE canonical_id IS NOT NULL")}
    hrefs = {
        int(h.rsplit("/", 1)[1]) for h in page.xpath('//a[starts-with(@href,"/official/")]/@href')
    }
    assert not hrefs & merged  # an alias never shows as a person of its own
    names = {r[0] for r in rows(snapshot, "SELECT name FROM person WHERE canonical_id IS NOT NULL")}
    assert not any(f">{n}<" in response.text for n in names)
    assert "Rp10.080.000.000" in response.text and "WITA" in response.text


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/pantau/coverage?_search=pekerja", ["Cari:", 'value="Terapkan"', "dengan pencarian",
                                              "Lisensi data", "Sumber data", ">beranda</a>"]),
        ("/pantau/coverage?_search=kata-yang-tidak-ada", ["Tidak ada hasil."]),
        ("/pantau/amount/1", ["Data ini sebagai", "Dibuat dengan"]),
        ("/pantau/story/1", ["Tautan dari tabel lain", "baris</a> dari"]),
        ("/pantau/official_record", ['value="Jalankan"', "<h3>Parameter</h3>"]),
        ("/pantau", ['<h2 id="tables">Tabel</h2>', " baris</p>", ">beranda</a>"]),
    ],
)  # fmt: skip
def test_datasette_pages_speak_indonesian(snapshot: Path, path: str, words: list[str]) -> None:
    page = fetch(snapshot, [path])[path]
    assert page.status_code == 200
    missing = [w for w in words if w not in page.text]
    assert not missing, missing


def test_canned_queries_hide_their_sql(snapshot: Path) -> None:
    from tests.datasette.conftest import QUERIES

    got = fetch(snapshot, [f"/pantau/{name}" for name in QUERIES])
    for name, response in got.items():
        assert response.status_code == 200
        assert "<textarea" not in response.text, name
        first = QUERIES[name.rsplit("/", 1)[1]]["sql"].splitlines()[0].strip()
        assert first not in response.text, name


# -- language and permissions ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def english(demo_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("en") / "published" / "pantau.db"
    publish(demo_kb, target, datasette_dir(), lang="en")
    return target


def test_english_is_a_publish_setting(english: Path, snapshot: Path) -> None:
    meta = json.loads(english.with_name("pantau.metadata.json").read_text(encoding="utf-8"))
    assert meta["plugins"]["pantau-lang"] == {"lang": "en"}
    assert meta["title"] == "Pantau — regional news monitoring"
    story = rows(english, "SELECT min(id) FROM story")[0][0]
    got = fetch(english, ["/", f"/story/{story}", "/cari?q=Rp10,08 miliar"])
    assert "Latest stories" in got["/"].text and "Most-quoted officials" in got["/"].text
    assert re.search(
        r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d+ \w+ 20\d\d \d\d:\d\d WITA",
        got[f"/story/{story}"].text,
    )
    assert "Articles printing the figure" in got["/cari?q=Rp10,08 miliar"].text
    table = fetch(english, ["/pantau/coverage?_search=pekerja"])["/pantau/coverage?_search=pekerja"]
    assert "Search:" in table.text and "Data license" in table.text and ">home</a>" in table.text
    indonesian = json.loads(snapshot.with_name("pantau.metadata.json").read_text(encoding="utf-8"))
    assert indonesian["plugins"]["pantau-lang"] == {"lang": "id"}
    assert indonesian["title"].startswith("Pantau — pemantauan")


def test_unknown_language_is_a_clear_error(demo_kb: Path, tmp_path: Path) -> None:
    from kb.publish import PublishError

    with pytest.raises(PublishError, match="unknown language 'fr'"):
        publish(demo_kb, tmp_path / "pantau.db", datasette_dir(), lang="fr")


def test_pantau_pages_obey_datasette_permissions(snapshot: Path) -> None:
    import asyncio

    meta = json.loads(snapshot.with_name("pantau.metadata.json").read_text(encoding="utf-8"))
    meta["databases"]["pantau"]["allow"] = {"id": "admin"}  # nobody anonymous
    story = rows(snapshot, "SELECT min(id) FROM story")[0][0]
    paths = ["/article/1", "/official/1", f"/story/{story}", "/cari?q=pekerja", "/peta"]

    async def run() -> dict[str, int]:
        ds = make_datasette(snapshot)
        ds._metadata_local = meta
        return {p: (await ds.client.get(p)).status_code for p in paths}

    assert set(asyncio.run(run()).values()) == {403}


def test_search_uses_the_published_date_index(snapshot: Path) -> None:
    """The query /cari falls back to on a snapshot published before search_fts."""
    con = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    try:
        plan = " ".join(
            str(r[3])
            for r in con.execute(
                "EXPLAIN QUERY PLAN SELECT c.article_id FROM coverage c"
                " WHERE c.article_id IN (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)"
                " ORDER BY c.published DESC LIMIT 50",
                ['"pekerja"'],
            )
        )
    finally:
        con.close()
    assert "idx_coverage_published" in plan and "TEMP B-TREE" not in plan, plan
