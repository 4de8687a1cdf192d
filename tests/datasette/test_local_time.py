"""Local times with their zone, and Indonesian labels, on the pages of a real Datasette.

Every time the interface shows is the outlet's local time with its zone label (WIB, WITA,
WIT): publish computes ``coverage.published_local`` / ``coverage.zone`` from the outlet's
Kemendagri region (wilayah), and the pages format them ("Selasa, 28 Oktober 2025 07.50 WITA"). The demo
outlets are all in NTT (WITA); a copy of the demo KB with one outlet moved to Surabaya gives a
WIB outlet.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from kb.publish import EVENT_TYPE_LABELS, publish
from pantau.config import datasette_dir
from tests.datasette.conftest import fetch, rows

# independent of the plugin's table, so a wrong month name in it fails here
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")  # fmt: skip
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
WIB_OUTLET, WIB_REGION = "suara-lontar", "35.78"  # Kota Surabaya, Jawa Timur: UTC+7
# the demo article written "Selasa, 28 Oktober 2025 07:50 WITA" (stored 2025-10-27 23:50 UTC)
DANA_DESA = "Desa di Ngada Pakai Dana Desa Bayar Iuran BP Jamsostek Warga"


def expected(utc: str, hours: int, zone: str) -> str:
    t = dt.datetime.fromisoformat(utc) + dt.timedelta(hours=hours)
    return f"{DAYS[t.weekday()]}, {t.day} {MONTHS[t.month - 1]} {t.year} {t:%H.%M} {zone}"


@pytest.fixture(scope="module")
def wib_snapshot(demo_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo KB published with suara-lontar's home region in Surabaya (WIB)."""
    folder = tmp_path_factory.mktemp("wib")
    kb = folder / "kb.db"
    shutil.copy(demo_kb, kb)
    con = sqlite3.connect(kb)
    with con:
        con.execute("UPDATE outlet SET region_code = ? WHERE name = ?", (WIB_REGION, WIB_OUTLET))
    con.close()
    snap = publish(kb, folder / "published" / "pantau.db", datasette_dir())
    assert not snap.warnings, snap.warnings
    return folder / "published" / "pantau.db"


def _article(snapshot: Path, title: str) -> tuple[int, str]:
    return rows(snapshot, "SELECT id, published FROM article WHERE title = ?", title)[0]


def test_article_page_shows_wita_local_time(snapshot: Path) -> None:
    article_id, utc = _article(snapshot, DANA_DESA)
    assert utc.startswith("2025-10-27 23:50")  # stored in UTC: the previous day
    page = fetch(snapshot, [f"/article/{article_id}"])[f"/article/{article_id}"]
    assert page.status_code == 200
    assert "Selasa, 28 Oktober 2025 07.50 WITA" in page.text
    assert "2025-10-27 23:50" not in page.text


def test_wib_outlet_shows_wib_and_wita_outlet_stays_wita(wib_snapshot: Path) -> None:
    wib_id, wib_utc = _article(wib_snapshot, DANA_DESA)
    wita_id, wita_utc = rows(
        wib_snapshot,
        "SELECT a.id, a.published FROM article a JOIN outlet o ON o.id = a.outlet_id"
        " WHERE o.name = 'flobamora-pos' ORDER BY a.id LIMIT 1",
    )[0]
    got = fetch(wib_snapshot, [f"/article/{wib_id}", f"/article/{wita_id}"])
    assert "Selasa, 28 Oktober 2025 06.50 WIB" in got[f"/article/{wib_id}"].text
    assert expected(wib_utc, 7, "WIB") in got[f"/article/{wib_id}"].text
    assert expected(wita_utc, 8, "WITA") in got[f"/article/{wita_id}"].text
    # the derived table researchers query says the same
    assert rows(
        wib_snapshot,
        "SELECT published_local, zone, month FROM coverage WHERE article_id = ?",
        wib_id,
    ) == [("2025-10-28 06:50", "WIB", "2025-10")]


def test_story_and_official_pages_use_the_same_local_times(wib_snapshot: Path) -> None:
    article_id, utc = _article(wib_snapshot, DANA_DESA)
    (story_id,) = rows(wib_snapshot, "SELECT story_id FROM article WHERE id = ?", article_id)[0]
    people = rows(
        wib_snapshot,
        "SELECT DISTINCT coalesce(p.canonical_id, p.id) FROM mention m"
        " JOIN person p ON p.id = m.person_id WHERE m.article_id = ?",
        article_id,
    )
    paths = [f"/official/{pid}" for (pid,) in people]
    if story_id is not None:
        paths.append(f"/story/{story_id}")
    assert paths, "the Dana Desa article names no official and has no story"
    got = fetch(wib_snapshot, paths)
    for path in paths:
        assert got[path].status_code == 200, path
        assert expected(utc, 7, "WIB") in got[path].text, path


def test_positions_first_and_last_seen_are_local_dates(wib_snapshot: Path) -> None:
    mismatched = rows(
        wib_snapshot,
        """SELECT p.id, p.first_seen, p.last_seen, min(substr(c.published_local, 1, 10)),
                  max(substr(c.published_local, 1, 10))
           FROM position p JOIN mention m ON m.person_id = p.person_id AND m.title = p.title
           JOIN coverage c ON c.article_id = m.article_id
           GROUP BY p.id HAVING p.first_seen != min(substr(c.published_local, 1, 10))
                             OR p.last_seen != max(substr(c.published_local, 1, 10))""",
    )
    assert mismatched == []
    # an official named in the Dana Desa article: its local day (28 Oct), not the UTC one
    article_id, _ = _article(wib_snapshot, DANA_DESA)
    seen = rows(
        wib_snapshot,
        "SELECT p.last_seen FROM position p JOIN mention m"
        " ON m.person_id = p.person_id AND m.title = p.title WHERE m.article_id = ?",
        article_id,
    )
    assert seen and all(s >= "2025-10-28" for (s,) in seen)


def test_coverage_table_shows_local_time_with_zone(snapshot: Path) -> None:
    article_id, _ = _article(snapshot, DANA_DESA)
    page = fetch(snapshot, [f"/pantau/coverage?article_id={article_id}"])
    text = page[f"/pantau/coverage?article_id={article_id}"].text
    assert "Selasa, 28 Oktober 2025 07.50 WITA" in text


def test_event_types_have_indonesian_labels(snapshot: Path) -> None:
    events = yaml.safe_load(
        (Path(__file__).parents[2] / "extract" / "data" / "events.yaml").read_text("utf-8")
    )
    assert set(events["triggers"]) <= set(EVENT_TYPE_LABELS)
    labels = dict(rows(snapshot, "SELECT code, label FROM event_type_label"))
    assert labels["benefit_payment"] == "pembayaran santunan"
    assert labels["working_visit"] == "kunjungan kerja"
    # codes stay as stored
    assert {t for (t,) in rows(snapshot, "SELECT DISTINCT type FROM event")} <= set(labels)
    assert "benefit_payment" in {t for (t,) in rows(snapshot, "SELECT type FROM event")}


def test_pages_show_labels_and_indonesian_numbers(snapshot: Path) -> None:
    (article_id,) = rows(
        snapshot,
        "SELECT e.article_id FROM event e JOIN amount m ON m.article_id = e.article_id"
        " WHERE e.type = 'benefit_payment' AND m.value >= 1000000 LIMIT 1",
    )[0]
    value = rows(snapshot, "SELECT max(value) FROM amount WHERE article_id = ?", article_id)[0][0]
    labels = "/pantau/coverage.json?_size=0&_facet_array=event_labels"  # facets only on request
    got = fetch(snapshot, [f"/article/{article_id}", labels])
    page = got[f"/article/{article_id}"].text
    assert "pembayaran santunan" in page
    assert "benefit_payment ·" not in page and ">benefit_payment<" not in page
    assert "Rp" + f"{value:,}".replace(",", ".") in page
    facet = got[labels].json()["facet_results"]["event_labels"]
    shown = {v["value"] for v in facet["results"]}
    assert "peluncuran" in shown and "launch" not in shown


def test_canned_queries_and_story_page_show_local_times_with_zone(wib_snapshot: Path) -> None:
    """A story covered by a WIB outlet and WITA outlets: each time in its own outlet's zone."""
    wib_id, wib_utc, story_id = rows(
        wib_snapshot,
        "SELECT a.id, a.published, a.story_id FROM article a JOIN outlet o ON o.id = a.outlet_id"
        " WHERE o.name = ? AND a.story_id IS NOT NULL ORDER BY a.id LIMIT 1",
        WIB_OUTLET,
    )[0]
    wita_id, wita_utc = rows(
        wib_snapshot,
        "SELECT a.id, a.published FROM article a JOIN outlet o ON o.id = a.outlet_id"
        " WHERE a.story_id = ? AND o.name != ? ORDER BY a.id LIMIT 1",
        story_id,
        WIB_OUTLET,
    )[0]
    dana_desa, _ = _article(wib_snapshot, DANA_DESA)
    paths = [
        f"/story/{story_id}",
        f"/pantau/story_coverage?story={story_id}&article=",
        f"/pantau/story_coverage.json?_shape=objects&story={story_id}&article=",
        "/pantau/new_coverage.json?_shape=objects&since=2025-10-28&outlet=",
        "/pantau/official_record.json?_shape=objects&person=&name=",
    ]
    got = fetch(wib_snapshot, paths)
    for page in paths[:2]:
        assert expected(wib_utc, 7, "WIB") in got[page].text, page
        assert expected(wita_utc, 8, "WITA") in got[page].text, page
    story = {r["article_id"]: r for r in got[paths[2]].json()["rows"]}
    assert story[wib_id]["zone"] == "WIB" and story[wita_id]["zone"] == "WITA"
    # the Dana Desa article is new on 28 Oct local time, although stored on 27 Oct UTC
    assert dana_desa in {r["article_id"] for r in got[paths[3]].json()["rows"]}
    record = got[paths[4]].json()["rows"]
    assert record and all(r["zone"] in ("WIB", "WITA") for r in record)
