"""What a table search costs (issue 17): Datasette's own search on the searchable tables runs no
facet unless asked (the facets are links: the cog menu, /cari's "open in the table"), and the
links keep the search. Speed itself is measured by hand: ``python -m bench.search``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from lxml import html as lxml_html

from pantau.config import datasette_dir
from tests.datasette.conftest import fetch, rows

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
