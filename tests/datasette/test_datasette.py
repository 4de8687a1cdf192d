"""The Datasette publication of the demo KB: canned queries, metadata, facets, search, pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from kb.publish import metadata_path, visible_tables
from pantau.cli import MAX_RETURNED_ROWS, SQL_TIME_LIMIT_MS, datasette_command
from tests.datasette.conftest import QUERIES, STATIC_METADATA, fetch, make_datasette, rows

FACT_TABLES = ("mention", "worker_count", "amount", "percentage", "event", "quote")


def json_rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text[:2000]
    data = response.json()
    assert data.get("ok", True), data
    rows_: list[dict[str, Any]] = data["rows"]
    return rows_


# -- canned queries ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_canned_query_works_with_blank_parameters(snapshot: Path, name: str) -> None:
    params = re.findall(r"(?<![:\w]):(\w+)", QUERIES[name]["sql"])
    assert params, f"{name} takes no parameters"
    blank = "&".join(f"{p}=" for p in sorted(set(params)))
    got = fetch(
        snapshot,
        [
            f"/pantau/{name}.json?_shape=objects",
            f"/pantau/{name}.json?_shape=objects&{blank}",
            f"/pantau/{name}",
        ],
    )
    omitted, blanked = (json_rows(got[p]) for p in list(got)[:2])
    assert omitted, f"{name} returns nothing on the demo KB with no parameters"
    assert omitted == blanked
    page = got[f"/pantau/{name}"]
    assert page.status_code == 200
    for p in set(params):  # the form offers every parameter
        assert f'name="{p}"' in page.text


def _story_of(snapshot: Path) -> tuple[int, int]:
    """(story id, an article of it) of the story with the most outlets."""
    story_id = rows(
        snapshot,
        "SELECT id FROM story ORDER BY outlets DESC, articles DESC, last_published DESC, id LIMIT 1",
    )[0][0]
    article = rows(snapshot, "SELECT max(id) FROM article WHERE story_id = ?", story_id)[0][0]
    return story_id, article


CHECKS: list[tuple[str, dict[str, str], Any]] = [
    (
        "official_record",
        {"name": "Kebo"},
        lambda r: (
            {x["official"] for x in r} == {"Yosep Falentinus Delasalle Kebo"}
            and {x["kind"] for x in r} >= {"named"}
        ),
    ),
    ("official_record", {"name": "Tidak Ada Pejabat Bernama Ini"}, lambda r: r == []),
    (
        "amounts_by_region_role",
        {"region": "Timor Tengah Utara", "role": "iuran"},
        lambda r: (
            r and all(x["region"] == "Timor Tengah Utara" and x["role"] == "iuran" for x in r)
        ),
    ),
    (
        "amounts_by_region_role",
        {"role": "santunan"},
        lambda r: r and all(x["role"] == "santunan" and x["total"].startswith("Rp") for x in r),
    ),
    (
        "worker_counts_over_time",
        {"noun": "pekerja rentan"},
        lambda r: (
            any(x["largest"] == 14880 for x in r)
            and [x["month"] for x in r] == sorted(x["month"] for x in r)
        ),
    ),
    (
        "worker_counts_over_time",
        {"region": "Sikka"},
        lambda r: r and sum(x["counts"] for x in r) >= 1,
    ),
    (
        "new_coverage",
        {"since": "2025-10-01"},
        lambda r: r and all(x["published"] >= "2025-10-01" for x in r),
    ),
    ("new_coverage", {"since": "2099-01-01"}, lambda r: r == []),
    (
        "new_coverage",
        {"since": "2025-01-01", "outlet": "flobamora-pos"},
        lambda r: r and {x["outlet"] for x in r} == {"Flobamora Pos"},
    ),
    (
        "officials_by_region",
        {"region": "Timor Tengah Utara", "position": "Bupati"},
        lambda r: (
            "Yosep Falentinus Delasalle Kebo" in {x["official"] for x in r}
            and all("Timor Tengah Utara" in x["region"] for x in r)
        ),
    ),
    (
        "officials_by_region",
        {"position": "BPJS"},
        lambda r: r and all("BPJS" in f"{x['position']} {x['organization']}" for x in r),
    ),
    ("story_coverage", {"story": "999999"}, lambda r: r == []),
    ("story_coverage", {"story": "bukan angka"}, lambda r: r == []),
]


@pytest.mark.parametrize(
    ("name", "params", "check"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)]
)
def test_canned_query_with_parameters(
    snapshot: Path, name: str, params: dict[str, str], check: Any
) -> None:
    from urllib.parse import urlencode

    path = f"/pantau/{name}.json?_shape=objects&{urlencode(params)}"
    result = json_rows(fetch(snapshot, [path])[path])
    assert check(result), result


def test_story_coverage_lists_the_original_first(snapshot: Path) -> None:
    story_id, article_id = _story_of(snapshot)
    paths = [
        f"/pantau/story_coverage.json?_shape=objects&story={story_id}",
        f"/pantau/story_coverage.json?_shape=objects&article={article_id}",
        "/pantau/story_coverage.json?_shape=objects",
    ]
    by_story, by_article, default = (json_rows(r) for r in fetch(snapshot, paths).values())
    assert by_story == by_article == default  # the most widely covered story is the default
    assert {x["story_id"] for x in by_story} == {story_id}
    assert by_story[0]["kind"] == "original"
    assert (
        len({x["outlet"] for x in by_story})
        == rows(snapshot, "SELECT outlets FROM story WHERE id = ?", story_id)[0][0]
    )
    printed = [x for x in by_story if x["amounts"] or x["worker_counts"]]
    assert printed, "which facts each outlet printed"
    assert all(
        a.startswith("Rp") for x in by_story if x["amounts"] for a in x["amounts"].split("; ")
    )


def test_query_results_link_to_pages(snapshot: Path) -> None:
    page = fetch(snapshot, ["/pantau/official_record?name=Kebo"])[
        "/pantau/official_record?name=Kebo"
    ].text
    assert re.search(r'href="/article/\d+"', page)
    assert re.search(r'href="/official/\d+"', page)
    assert re.search(r'href="/pantau/(mention|quote)/\d+"', page)


# -- metadata ------------------------------------------------------------------------------------
def test_every_table_and_column_is_described(snapshot: Path) -> None:
    import sqlite3

    ds = make_datasette(snapshot)
    assert ds.metadata("title") and ds.metadata("license") and ds.metadata("source")
    assert ds.metadata("description_html") and ds.metadata("license_url")
    con = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    missing = []
    try:
        tables = visible_tables(con)
        for table in tables:
            meta = ds.metadata(database="pantau", table=table) or {}
            if not meta.get("description"):
                missing.append(table)
            described = meta.get("columns") or {}
            for row in con.execute(f"PRAGMA table_info([{table}])"):
                if not described.get(row[1]):
                    missing.append(f"{table}.{row[1]}")
    finally:
        con.close()
    assert {"article", "coverage", "region_coverage", "story", "amount"} <= set(tables)
    assert not missing, f"no description for: {missing}"


def test_descriptions_state_units(snapshot: Path) -> None:
    ds = make_datasette(snapshot)

    def col(table: str, column: str) -> str:
        return str((ds.metadata(database="pantau", table=table) or {})["columns"][column]).lower()

    assert "rupiah" in col("amount", "value")  # the snapshot speaks Indonesian by default
    assert "derajat" in col("region", "latitude") and "derajat" in col(
        "region_coverage", "longitude"
    )
    assert "karakter" in col("amount", "start")
    assert "orang" in col("worker_count", "value")


def test_canned_queries_are_titled_and_described(snapshot: Path) -> None:
    published = STATIC_METADATA["databases"]["pantau"]["queries"]
    import json

    served = json.loads(metadata_path(snapshot).read_text(encoding="utf-8"))["databases"]["pantau"][
        "queries"
    ]
    assert set(served) == set(published)  # none dropped at publish time
    for name, query in served.items():
        assert query.get("title") and query.get("description_html"), name


# -- browsing: facets, search, map, charts -------------------------------------------------------
# The searchable tables run no facet unless asked (a table search would run them all): the
# facets come from links (tests/datasette/test_search_speed.py), as here.
COVERAGE_FACETS = (
    "/pantau/coverage.json?_size=1&_facet=outlet&_facet=month"
    "&_facet_array=regions&_facet_array=officials&_facet_array=event_labels"
)


def test_coverage_facets_and_search(snapshot: Path) -> None:
    got = fetch(
        snapshot,
        [
            COVERAGE_FACETS,
            "/pantau/coverage.json?_search=pekerja&_shape=objects",
            "/pantau/article.json?_search=pekerja&_shape=objects",
            "/pantau/event.json?_size=1",
            "/pantau/quote.json?_search=bupati&_shape=objects",
        ],
    )
    facets = got[COVERAGE_FACETS].json()["facet_results"]
    assert {"outlet", "month", "regions", "officials", "event_labels"} <= set(facets)
    assert any(v["value"] == "Timor Tengah Utara" for v in facets["regions"]["results"])
    assert "type" in got["/pantau/event.json?_size=1"].json()["facet_results"]
    hits = json_rows(got["/pantau/coverage.json?_search=pekerja&_shape=objects"])
    assert hits and len(hits) == len(
        json_rows(got["/pantau/article.json?_search=pekerja&_shape=objects"])
    )
    assert json_rows(got["/pantau/quote.json?_search=bupati&_shape=objects"])


def test_map_of_coverage_by_kabupaten_and_charts(snapshot: Path) -> None:
    got = fetch(
        snapshot,
        [
            "/pantau/region_coverage",
            "/pantau/region_coverage.json?_shape=objects",
            "/pantau/worker_counts_over_time",
        ],
    )
    page = got["/pantau/region_coverage"].text
    assert "datasette-cluster-map.js" in page
    regions = json_rows(got["/pantau/region_coverage.json?_shape=objects"])
    assert regions and all(
        -11.5 < r["latitude"] < -8 and 118.5 < r["longitude"] < 125.5 for r in regions
    )
    assert {r["kind"] for r in regions} <= {"kabupaten", "kota"}
    assert "datasette_vega" in got["/pantau/worker_counts_over_time"].text


def test_home_page_offers_search_and_questions(snapshot: Path) -> None:
    page = fetch(snapshot, ["/"])["/"].text
    assert 'action="/cari"' in page and 'name="q"' in page
    for name in QUERIES:
        assert f'href="/pantau/{name}"' in page


# -- pages -----------------------------------------------------------------------------------------
def _facts(snapshot: Path, article_id: int) -> dict[str, tuple[int, int, str]]:
    text = rows(snapshot, "SELECT text FROM article WHERE id = ?", article_id)[0][0]
    out = {}
    for table in FACT_TABLES:
        for fid, start, end, fact_text in rows(
            snapshot, f'SELECT id, start, "end", text FROM {table} WHERE article_id = ?', article_id
        ):
            if text[start:end] == fact_text:
                out[f"{table}-{fid}"] = (start, end, fact_text)
    return out


def test_article_page_highlights_every_fact_and_links_its_row(snapshot: Path) -> None:
    article_id = rows(
        snapshot, "SELECT article_id FROM amount GROUP BY article_id ORDER BY count(*) DESC LIMIT 1"
    )[0][0]
    facts = _facts(snapshot, article_id)
    page = fetch(snapshot, [f"/article/{article_id}"])[f"/article/{article_id}"]
    assert page.status_code == 200
    doc = lxml_html.fromstring(page.text)
    body = doc.get_element_by_id("article-text")
    anchors = {el.get("id"): el for el in body.iter() if el.get("id")}
    hidden = [k for k in facts if k not in anchors]
    flagged = page.text.count("bertumpuk dengan sorotan lain")  # "overlaps another highlight"
    assert len(hidden) <= flagged, hidden  # every fact is highlighted unless it overlaps another
    for key, el in anchors.items():
        table, _, fid = key.rpartition("-")
        if el.tag == "a":
            assert el.get("href") == f"/pantau/{table}/{fid}"
            assert el.text_content() == facts[key][2]
    # the text is intact: highlighting only adds markup
    text = rows(snapshot, "SELECT text FROM article WHERE id = ?", article_id)[0][0]
    assert re.sub(r"\[quote \d+\]", "", body.text_content()) == text
    # each highlight's row exists
    hrefs = sorted({el.get("href") for el in anchors.values() if el.tag == "a"})[:5]
    assert all(r.status_code == 200 for r in fetch(snapshot, hrefs).values())


def test_official_and_story_pages(snapshot: Path) -> None:
    person_id = rows(
        snapshot, "SELECT id FROM person WHERE name = 'Yosep Falentinus Delasalle Kebo'"
    )[0][0]
    story_id, _ = _story_of(snapshot)
    got = fetch(
        snapshot,
        [
            f"/official/{person_id}",
            f"/story/{story_id}",
            "/official/999999",
            "/story/999999",
            "/article/999999",
        ],
    )
    official = got[f"/official/{person_id}"]
    assert official.status_code == 200
    assert "Bupati TTU" in official.text and "Jabatan dari waktu ke waktu" in official.text
    mentions = rows(
        snapshot, "SELECT count(DISTINCT article_id) FROM mention WHERE person_id = ?", person_id
    )[0][0]
    assert f"Disebut di {mentions} artikel" in official.text
    story = got[f"/story/{story_id}"]
    assert story.status_code == 200
    outlets = {
        r[0]
        for r in rows(
            snapshot,
            "SELECT o.title FROM article a JOIN outlet o ON o.id = a.outlet_id WHERE a.story_id = ?",
            story_id,
        )
    }
    assert len(outlets) >= 2 and all(o in story.text for o in outlets)
    assert story.text.index(">asli<") < story.text.index(">liputan sendiri<")
    for missing in ("/official/999999", "/story/999999", "/article/999999"):
        assert got[missing].status_code == 404


def test_alias_name_redirects_to_the_canonical_official(snapshot: Path) -> None:
    merged = rows(
        snapshot, "SELECT id, canonical_id FROM person WHERE canonical_id IS NOT NULL LIMIT 1"
    )
    if not merged:
        pytest.skip("no merged names in the demo KB")
    alias, canonical = merged[0]
    got = fetch(snapshot, [f"/official/{alias}"])[f"/official/{alias}"]
    assert got.status_code == 302 and got.headers["location"] == f"/official/{canonical}"


# -- serving -----------------------------------------------------------------------------------------
def test_serve_command_is_immutable_and_limited(snapshot: Path) -> None:
    cmd = datasette_command(snapshot, "127.0.0.1", 8001)
    assert cmd[cmd.index("serve") + 1 : cmd.index("serve") + 3] == ["-i", str(snapshot)]
    assert cmd[cmd.index("--metadata") + 1] == str(metadata_path(snapshot))
    settings = {cmd[i + 1]: cmd[i + 2] for i, a in enumerate(cmd) if a == "--setting"}
    assert settings == {
        "sql_time_limit_ms": str(SQL_TIME_LIMIT_MS),
        "max_returned_rows": str(MAX_RETURNED_ROWS),
        "suggest_facets": "off",
    }
    assert "--template-dir" in cmd and "--plugins-dir" in cmd
