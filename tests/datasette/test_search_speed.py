"""What a table search costs (issue 17): Datasette's own search on the searchable tables runs no
facet unless asked (the facets are links: the cog menu, /cari's "open in the table"), and the
links keep the search; coverage's search reads its newest matches in index order (no sort of
every match). Speed itself is measured by hand: ``python -m bench.search``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from lxml import html as lxml_html

from pantau.config import datasette_dir
from tests.datasette.conftest import fetch, rows

QUERIES = ["pekerja", "Kupang", "santunan ahli waris", "Rp10,08 miliar", "iuran"]

FACETS = {
    "coverage": {"outlet", "month", "regions", "officials", "event_labels"},
    "article": {"outlet_id", "month", "section"},
}


def metadata() -> dict[str, object]:
    loaded = yaml.safe_load((datasette_dir() / "metadata.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("table", sorted(FACETS))
def test_searchable_tables_configure_no_default_facets(table: str) -> None:
    tables = metadata()["databases"]["pantau"]["tables"]  # type: ignore[index]
    assert tables[table].get("fts_table") and "facets" not in tables[table]


@pytest.mark.parametrize(("table", "query"), [("coverage", "pekerja"), ("article", "Kupang")])
def test_table_search_runs_no_facet_but_counts(snapshot: Path, table: str, query: str) -> None:
    path = f"/pantau/{table}.json?_search={query}&_shape=objects"
    got = fetch(snapshot, [path])[path].json()
    assert got["facet_results"] == {} and got["rows"]
    assert got["filtered_table_rows_count"] >= len(got["rows"])


def facet_links(page: str) -> dict[str, str]:
    """The cog menu's facet links of a table page: label → href."""
    tree = lxml_html.fromstring(page)
    return {
        a.text_content().strip(): a.get("href")
        for a in tree.xpath('//a[contains(@href, "_facet")]')
        if "menurut" in a.text_content() or "Facet by" in a.text_content()
    }


@pytest.mark.parametrize(("table", "query"), [("coverage", "pekerja rentan"), ("article", "iuran")])
def test_facet_links_keep_the_search(snapshot: Path, table: str, query: str) -> None:
    path = f"/pantau/{table}?_search={query.replace(' ', '+')}"
    links = facet_links(fetch(snapshot, [path])[path].text)
    assert len(links) == len(FACETS[table]) + 1  # one per facet and one for all
    every = next(href for label, href in links.items() if "semuanya" in label)
    params = parse_qsl(urlsplit(every).query)
    assert ("_search", query) in params
    assert {v for k, v in params if k.startswith("_facet")} == FACETS[table]
    asked = urlsplit(every)
    json_path = f"{asked.path}.json?{asked.query}"
    shown = fetch(snapshot, [json_path])[json_path].json()["facet_results"]
    assert set(shown) == FACETS[table]


def test_cari_opens_the_table_with_every_facet(snapshot: Path) -> None:
    got = fetch(snapshot, ["/cari?q=pekerja"])["/cari?q=pekerja"].text
    hrefs = lxml_html.fromstring(got).xpath('//a[contains(@href, "/pantau/coverage?")]/@href')
    assert hrefs
    params = parse_qsl(urlsplit(hrefs[0]).query)
    assert ("_search", "pekerja") in params
    assert {v for k, v in params if k.startswith("_facet")} == FACETS["coverage"]


def test_facet_links_absent_once_every_facet_shows(snapshot: Path) -> None:
    facets = "&".join(
        f"_facet_array={c}" if c in {"regions", "officials", "event_labels"} else f"_facet={c}"
        for c in sorted(FACETS["coverage"])
    )
    path = f"/pantau/coverage?_search=pekerja&{facets}"
    assert facet_links(fetch(snapshot, [path])[path].text) == {}


def test_home_page_browses_coverage_with_its_facets(snapshot: Path) -> None:
    page = fetch(snapshot, ["/"])["/"].text
    hrefs = lxml_html.fromstring(page).xpath('//a[text()="coverage"]/@href')
    assert hrefs
    params = parse_qsl(urlsplit(hrefs[0]).query)
    assert {v for k, v in params if k.startswith("_facet")} == FACETS["coverage"]


@pytest.mark.parametrize("table", ["coverage", "article"])
def test_search_page_times_are_local_with_utc_in_the_tooltip(snapshot: Path, table: str) -> None:
    """The ``published`` cells of a search page: the outlet's local time and zone, the stored UTC
    time in the tooltip (coverage rows carry their local time: no query per row)."""
    local = dict(rows(snapshot, "SELECT published, published_local || ' ' || zone FROM coverage"))
    path = f"/pantau/{table}?_search=pekerja"
    tree = lxml_html.fromstring(fetch(snapshot, [path])[path].text)
    cells = tree.xpath('//td[contains(@class, "col-published")]/span[@title]')
    assert cells
    for cell in cells:
        utc = cell.get("title").removesuffix(" UTC")
        day, clock_zone = local[utc][:10], local[utc][11:].replace(":", ".")
        assert cell.text_content().endswith(clock_zone) and day[:4] in cell.text_content()


def test_published_order_is_publication_order(snapshot: Path) -> None:
    got = rows(snapshot, "SELECT published_order FROM coverage ORDER BY published, article_id")
    assert [n for (n,) in got] == list(range(1, len(got) + 1))
    same = rows(
        snapshot,
        "SELECT count(*) FROM article a JOIN coverage c ON c.article_id = a.id"
        " WHERE a.published_order = c.published_order",
    )
    assert same == [(len(got),)]


@pytest.mark.parametrize("table", ["coverage", "article"])
@pytest.mark.parametrize("query", QUERIES)
def test_table_search_lists_the_newest_matches_first(
    snapshot: Path, table: str, query: str
) -> None:
    """Same matches as article_fts (what /cari searched before search_fts), newest first, every
    one counted."""
    from datasette.utils import escape_fts

    expected = rows(
        snapshot,
        "SELECT article_id FROM coverage WHERE article_id IN"
        " (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)"
        " ORDER BY published DESC, article_id DESC",
        escape_fts(query),
    )
    assert expected
    key = "article_id" if table == "coverage" else "id"
    path = f"/pantau/{table}.json?_search={query}&_shape=objects&_size=5&_col=published"
    got = fetch(snapshot, [path])[path].json()
    assert got["filtered_table_rows_count"] == len(expected)
    ids = [r[key] for r in got["rows"]]
    while got["next_url"]:  # every page, through Datasette's own _next links
        url = urlsplit(got["next_url"])
        follow = f"{url.path}?{url.query}"
        got = fetch(snapshot, [follow])[follow].json()
        ids += [r[key] for r in got["rows"]]
    assert ids == [a for (a,) in expected]


@pytest.mark.parametrize("table", ["coverage", "article"])
def test_table_search_sorts_no_match(snapshot: Path, table: str) -> None:
    """The plan of Datasette's page query (views/table.py's form): no temp B-tree."""
    tables = metadata()["databases"]["pantau"]["tables"]  # type: ignore[index]
    fts, pk, order = (tables[table][k] for k in ("fts_table", "fts_pk", "sort_desc"))
    plan = rows(
        snapshot,
        f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE {pk} IN"
        f" (SELECT rowid FROM {fts} WHERE {fts} MATCH ?) ORDER BY {order} DESC LIMIT 26",
        "pekerja",
    )
    assert not [step for step in plan if "TEMP B-TREE" in step[3]], plan
