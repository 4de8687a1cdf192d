"""`pantau coverage`: the demo release (humas-ntt) and the three outlets that picked it up.

The demo plants one release and three articles: a verbatim repost (Flobamora Pos), a light
rewrite that gives the BPJS branch head a wrong title (Kabar Sasando), and own reporting that
misprints the budget Rp3,47 miliar as Rp3,74 miliar (Suara Lontar). The KB is the real demo KB,
built in this process as `pantau process` builds it; the release is also fetched from a local
HTTP server and read from files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kb.coverage import (
    COVERAGE_KINDS,
    KINDS,
    LABELS_EN,
    LABELS_ID,
    STATUSES,
    KeyFact,
    compare_facts,
    coverage_kind,
    delay_text,
    label,
    local_time,
    near,
    titles_agree,
)
from pantau.cli import cli
from pantau.demosite import DemoSite, LocalServer, QuietHandler, send_text
from tests.datasette.conftest import build_demo_kb
from tests.pantau.test_demo_e2e import rows

RELEASE_URL = "http://humas.nttprov.test/2025/11/pemprov-ntt-tanggung-iuran-9640-nelayan-dan-petani-garam"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("liputan")
    build_demo_kb(folder / "kb.db")
    return folder


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def coverage_json(home: Path, release: str, *extra: str) -> dict[str, Any]:
    result = run("coverage", release, "--home", str(home), "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_outlet(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["outlet"]: a for a in report["articles"]}


def differences(article: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["kind"], c["release_text"], c["article_text"]) for c in article["checks"] if c["status"] == "different"]


def assert_demo_coverage(report: dict[str, Any]) -> None:
    got = by_outlet(report)
    got.pop("humas-ntt", None)  # the agency's own copy, when the release came from elsewhere
    assert set(got) == {"flobamora-pos", "kabar-sasando", "suara-lontar"}
    assert {o: a["kind"] for o, a in got.items()} == {
        "flobamora-pos": "verbatim", "kabar-sasando": "rewrite", "suara-lontar": "own",
    }
    assert differences(got["flobamora-pos"]) == []
    assert differences(got["kabar-sasando"]) == [("official", "Agustinus Lelo", "Agustinus Lelo")]
    assert differences(got["suara-lontar"]) == [("amount", "Rp3,47 miliar", "Rp3,74 miliar")]
    wrong_title = next(c for c in got["kabar-sasando"]["checks"] if c["status"] == "different")
    assert "Cabang Kupang Agustinus Lelo" in wrong_title["release_sentence"]
    assert "Provinsi NTT Agustinus Lelo" in wrong_title["article_sentence"]
    misprint = next(c for c in got["suara-lontar"]["checks"] if c["status"] == "different")
    assert "Rp3,47 miliar" in misprint["release_sentence"] and "Rp3,74 miliar" in misprint["article_sentence"]
    # the verbatim copy reproduces every key fact; own reporting leaves most out
    assert got["flobamora-pos"]["facts"] == {"reproduced": len(report["release"]["facts"]), "different": 0, "missing": 0}
    missing = {c["label"] for c in got["suara-lontar"]["checks"] if c["status"] == "missing"}
    assert {"31,2 persen", "6.210 nelayan", "Kepala Dinas Nakertrans NTT Marthen Rihi Hede"} <= missing


def release_id(home: Path) -> int:
    return int(rows(home / "kb.db", "SELECT id FROM article WHERE url = ?", RELEASE_URL)[0][0])


def test_release_in_the_kb_by_id(home: Path) -> None:
    report = coverage_json(home, str(release_id(home)))
    assert_demo_coverage(report)
    got = by_outlet(report)
    # local time with the zone, and the pickup delay
    assert got["flobamora-pos"]["published_local"] == "3 Nov 2025 11.40 WITA"
    assert got["flobamora-pos"]["delay"] == "2 jam 40 menit"
    assert got["suara-lontar"]["delay"] == "23 jam 15 menit"
    assert got["kabar-sasando"]["officials_quoted"] == ["Yosef Rasi Nuwa"]
    assert report["summary"]["by_kind"] == {"verbatim": 1, "rewrite": 1, "own": 1}


def test_release_in_the_kb_by_url_and_text_output(home: Path) -> None:
    result = run("coverage", RELEASE_URL, "--home", str(home))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "3 artikel dari 3 media dalam 7 hari" in text
    assert "salinan utuh" in text and "tulis ulang ringan" in text and "liputan sendiri" in text
    assert "BERBEDA (nilai rupiah): Rp3,47 miliar (anggaran) → Rp3,74 miliar" in text
    assert "Kepala BPJS Ketenagakerjaan Provinsi NTT Agustinus Lelo" in text


@pytest.fixture
def agency_site() -> Iterator[str]:
    """The release page on a local HTTP server at an address the KB does not know."""
    site = DemoSite()
    release = site.by_id["hn-01"]
    _, ctype, body = site.render(release.outlet.host, release.path)

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/siaran-pers/pemprov-ntt-tanggung-iuran":
                send_text(self, 200, ctype, body)
            else:
                send_text(self, 404, "text/html", "<html><body>tidak ada</body></html>")

    with LocalServer(Handler) as server:
        yield server.proxy


def test_release_fetched_from_the_agency_site(home: Path, agency_site: str) -> None:
    report = coverage_json(home, f"{agency_site}/siaran-pers/pemprov-ntt-tanggung-iuran")
    assert report["release"]["article_id"] is None
    assert report["release"]["published_local"] == "3 Nov 2025 09.00 WITA"
    assert_demo_coverage(report)
    # the KB's copy of the release is on another host: it is listed, as a verbatim copy
    assert by_outlet(report)["humas-ntt"]["kind"] == "verbatim"


def test_release_from_files(home: Path, tmp_path: Path) -> None:
    site = DemoSite()
    release = site.by_id["hn-01"]
    _, _, body = site.render(release.outlet.host, release.path)
    page = tmp_path / "rilis.html"
    page.write_text(body, encoding="utf-8")
    assert_demo_coverage(coverage_json(home, str(page)))
    plain = tmp_path / "rilis.txt"
    plain.write_text(release.title + "\n\n" + "\n\n".join(release.paragraphs), encoding="utf-8")
    report = coverage_json(home, str(plain), "--published", "2025-11-03T09:00")  # WITA by default
    assert report["release"]["published_local"] == "3 Nov 2025 09.00 WITA"
    assert_demo_coverage(report)


def test_window_leaves_late_articles_out(home: Path) -> None:
    report = coverage_json(home, str(release_id(home)), "--window", "1")
    assert "suara-lontar" in by_outlet(report)  # 23 h after: inside one day
    result = run("coverage", str(release_id(home)), "--home", str(home), "--published", "x")
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("release", "message"),
    [
        ("http://127.0.0.1:9/rilis", "tidak dapat diambil"),
        ("{site}/siaran-pers/tidak-ada", "tidak dapat diambil (HTTP 404)"),
        ("999999", "artikel 999999 tidak ada di basis pengetahuan"),
        ("99999999999999999999999", "tidak ada di basis pengetahuan"),
        ("ftp://humas.test/rilis", "hanya URL http(s), berkas atau id artikel"),
        ("tidak-ada.html", "bukan id artikel, URL atau berkas yang ada"),
    ],
)
def test_bad_release_is_one_line(home: Path, agency_site: str, release: str, message: str) -> None:
    result = run("coverage", release.format(site=agency_site), "--home", str(home))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_no_kb_yet(tmp_path: Path) -> None:
    result = run("coverage", "1", "--home", str(tmp_path / "kosong"))
    assert result.exit_code == 1 and "belum ada basis pengetahuan" in result.output


def test_empty_file(home: Path, tmp_path: Path) -> None:
    (tmp_path / "kosong.txt").write_text("\n", encoding="utf-8")
    result = run("coverage", str(tmp_path / "kosong.txt"), "--home", str(home))
    assert result.exit_code == 1 and "berkas kosong" in result.output


# -- the comparisons, table-driven ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (10_080_000_000, 10_800_000_000, True),  # Rp10,08 miliar printed Rp10,8 miliar
        (14_880, 14_800, True),  # 14.880 pekerja printed 14.800
        (3_470_000_000, 3_740_000_000, True),  # two digits swapped
        (9_640, 9_460, True),
        (16_800, 16_800, False),  # equal: reproduced, not different
        (6_210, 40, False),  # another group of fishermen, not a misprint
        (3_470_000_000, 1_500_000_000, False),
        (50_000, 5_000, True),  # a zero dropped
        (50_000, 500, False),  # two orders of magnitude: another figure
        (27.35, 31.2, False),  # another percentage, not a misprint
    ],
)
def test_near_is_a_misprint(a: int, b: int, expected: bool) -> None:
    assert near(a, b) is expected


def official(title: str, org: str | None = None, region: str | None = None) -> KeyFact:
    return KeyFact("official", "Agustinus Lelo", title, "Agustinus Lelo", "", org, region)


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        (official("Kepala BPJS Ketenagakerjaan Cabang Kupang", "BPJS Ketenagakerjaan", "Kota Kupang"),
         official("Kepala BPJS Ketenagakerjaan Provinsi NTT", "BPJS Ketenagakerjaan", "Nusa Tenggara Timur"), False),
        (official("Wakil Gubernur NTT"), official("Gubernur NTT"), False),
        (official("Wagub NTT"), official("Wakil Gubernur NTT"), True),
        (official("Plt Kepala Dinas Nakertrans NTT"), official("Kepala Dinas Nakertrans NTT"), False),
        (official("Kepala BPJS Ketenagakerjaan Cabang Kupang", region="Kota Kupang"),
         official("Kepala Kantor Cabang BPJS Ketenagakerjaan Kupang", region="Kota Kupang"), True),
        (official("Sekda NTT"), official("Sekretaris Daerah Provinsi NTT"), True),
    ],
)
def test_titles_agree(a: KeyFact, b: KeyFact, agree: bool) -> None:
    assert titles_agree(a, b) is agree


def test_compare_facts_pairs_exact_values_first() -> None:
    def count(value: int, noun: str) -> KeyFact:
        return KeyFact("count", noun, value, f"{value} {noun}", f"Ada {value} {noun}.")

    release = [count(6210, "nelayan"), count(3430, "nelayan")]
    article = [count(3430, "nelayan"), count(6120, "nelayan")]
    got = [(c.status, c.article_text) for c in compare_facts(release, article)]
    assert got == [("different", "6120 nelayan"), ("reproduced", "3430 nelayan")]


DELAYS = [  # (seconds, Indonesian, English)
    (9600, "2 jam 40 menit", "2 hours 40 minutes"),
    (83700, "23 jam 15 menit", "23 hours 15 minutes"),
    (97200, "1 hari 3 jam", "1 day 3 hours"),
    (93600 + 120, "1 hari 2 jam", "1 day 2 hours"),  # minutes are left out from a day on
    (2 * 86400 + 60, "2 hari", "2 days"),
    (3660, "1 jam 1 menit", "1 hour 1 minute"),
    (1500, "25 menit", "25 minutes"),
    (60, "1 menit", "1 minute"),
    (-1800, "30 menit sebelum rilis", "30 minutes before the release"),
    (-1500, "25 menit sebelum rilis", "25 minutes before the release"),
    (20, "kurang dari 1 menit", "less than a minute"),
    (-20, "kurang dari 1 menit sebelum rilis", "less than a minute before the release"),
    (None, "", ""),
]


@pytest.mark.parametrize(("seconds", "indonesian", "english"), DELAYS)
def test_delay_text(seconds: float | None, indonesian: str, english: str) -> None:
    assert delay_text(seconds) == indonesian  # Indonesian by default
    assert delay_text(seconds, "id") == indonesian
    assert delay_text(seconds, "en") == english


LOCAL_TIMES = [  # (UTC, outlet's region, Indonesian, English)
    (dt.datetime(2025, 11, 3, 3, 40, tzinfo=dt.UTC), "53", "3 Nov 2025 11.40 WITA", "3 Nov 2025 11:40 WITA"),
    (dt.datetime(2025, 11, 3, 3, 40, tzinfo=dt.UTC), "35", "3 Nov 2025 10.40 WIB", "3 Nov 2025 10:40 WIB"),
    (dt.datetime(2025, 11, 3, 3, 40, tzinfo=dt.UTC), "94", "3 Nov 2025 12.40 WIT", "3 Nov 2025 12:40 WIT"),
    (dt.datetime(2025, 5, 2, 22, 5), "94", "3 Mei 2025 07.05 WIT", "3 May 2025 07:05 WIT"),  # naive: UTC
    (dt.datetime(2025, 8, 17, 0, 0, tzinfo=dt.UTC), "53", "17 Agu 2025 08.00 WITA", "17 Aug 2025 08:00 WITA"),
    (dt.datetime(2025, 10, 3, 3, 40, tzinfo=dt.UTC), "53", "3 Okt 2025 11.40 WITA", "3 Oct 2025 11:40 WITA"),
    (dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.UTC), "31", "1 Jan 2026 00.30 WIB", "1 Jan 2026 00:30 WIB"),
    (dt.datetime(2025, 12, 24, 3, 0, tzinfo=dt.UTC), "53", "24 Des 2025 11.00 WITA", "24 Dec 2025 11:00 WITA"),
    (None, "53", "", ""),
]


@pytest.mark.parametrize(("when", "zone", "indonesian", "english"), LOCAL_TIMES)
def test_local_time_in_the_outlet_zone(when: dt.datetime | None, zone: str, indonesian: str, english: str) -> None:
    import wilayah

    assert local_time(when, wilayah.zone_of(zone)) == indonesian  # Indonesian by default
    assert local_time(when, wilayah.zone_of(zone), "id") == indonesian
    assert local_time(when, wilayah.zone_of(zone), "en") == english


def test_labels_in_both_languages() -> None:
    codes = {*KINDS, *STATUSES, *COVERAGE_KINDS}
    assert set(LABELS_ID) == set(LABELS_EN) == codes
    assert all(label(c) == LABELS_ID[c] == label(c, "id") and label(c, "en") == LABELS_EN[c] for c in codes)
    assert [label(c, "en") for c in COVERAGE_KINDS] == ["verbatim copy", "light rewrite", "own reporting"]
    assert len(set(LABELS_EN.values())) == len(codes)  # no two codes read alike
    assert len(set(LABELS_ID.values())) == len(codes)


def test_report_dict_in_english(home: Path) -> None:
    """as_dict(lang="en"): times and delays in English; kinds, statuses, figures unchanged."""
    from kb.coverage import find_coverage, load_document
    from kb.store import KB, sqlite_url

    kb = KB(sqlite_url(home / "kb.db"))
    try:
        release = load_document(kb.engine, release_id(home))
        assert release is not None
        report = find_coverage(kb.engine, release)
        indonesian, english = report.as_dict(), report.as_dict(lang="en")
    finally:
        kb.close()
    assert indonesian == report.as_dict("id")
    assert indonesian["release"]["published_local"] == "3 Nov 2025 09.00 WITA"
    assert english["release"]["published_local"] == "3 Nov 2025 09:00 WITA"
    got, got_en = by_outlet(indonesian), by_outlet(english)
    assert (got["flobamora-pos"]["published_local"], got["flobamora-pos"]["delay"]) == ("3 Nov 2025 11.40 WITA", "2 jam 40 menit")
    assert (got_en["flobamora-pos"]["published_local"], got_en["flobamora-pos"]["delay"]) == ("3 Nov 2025 11:40 WITA", "2 hours 40 minutes")
    assert got_en["suara-lontar"]["delay"] == "23 hours 15 minutes"
    for outlet, article in got.items():  # only the times and delays differ
        other = got_en[outlet]
        assert {k for k in article if article[k] != other[k]} <= {"published_local", "delay"}


@pytest.mark.parametrize(("share", "kind"), [(0.94, "verbatim"), (0.8, "verbatim"), (0.39, "rewrite"), (0.09, "own")])
def test_coverage_kind(share: float, kind: str) -> None:
    assert coverage_kind(share) == kind


# -- the Datasette pages (datasette/plugins/pantau_coverage.py) -----------------------------------
@pytest.fixture(scope="module")
def published(home: Path) -> Path:
    from kb.publish import publish
    from pantau.config import datasette_dir

    publish(home / "kb.db", home / "published" / "pantau.db", datasette_dir())
    return home


def get(snapshot: Path, path: str) -> Any:
    import asyncio

    from tests.datasette.conftest import make_datasette

    async def fetch() -> Any:
        return await make_datasette(snapshot).client.get(path)

    return asyncio.run(fetch())


def test_coverage_page(published: Path) -> None:
    snapshot = published / "published" / "pantau.db"
    rid = release_id(published)
    page = get(snapshot, f"/liputan/{rid}")
    assert page.status_code == 200
    html = page.text
    assert "3 artikel dari 3 media dalam 7 hari" in html and "2 fakta berbeda" in html
    assert "3 Nov 2025 11.40 WITA" in html and "2 jam 40 menit" in html
    # both sentences side by side, in one row
    row = html[html.index("Rp3,47 miliar (anggaran) → <strong>Rp3,74 miliar</strong>"):]
    row = row[: row.index("</tr>")]
    assert 'class="evidence release">Anggaran yang disiapkan Pemprov NTT' in row
    assert 'class="evidence article">Pemerintah provinsi menganggarkan Rp3,74 miliar' in row
    index = get(snapshot, "/liputan").text
    assert f'href="/liputan/{rid}"' in index
    assert get(snapshot, f"/liputan?id={rid}").status_code == 302
    assert get(snapshot, "/liputan/999999").status_code == 404


def test_report_page_and_downloads(published: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    snapshot = published / "published" / "pantau.db"
    page = get(snapshot, "/kliping?from=2025-11-01&to=2025-11-30&outlet=suara-lontar")
    assert page.status_code == 200
    assert "Nelayan Tenau Kini Punya Kartu" in page.text
    assert '/kliping.xlsx?from=2025-11-01&amp;to=2025-11-30&amp;outlet=suara-lontar' in page.text
    download = get(snapshot, "/kliping.xlsx?from=2025-11-01&to=2025-11-30&outlet=suara-lontar")
    assert download.status_code == 200
    assert 'filename="kliping-2025-11-01-2025-11-30.xlsx"' in download.headers["content-disposition"]
    (tmp_path / "k.xlsx").write_bytes(download.content)
    rows = list(load_workbook(tmp_path / "k.xlsx")["Kliping Berita"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == "Suara Lontar"
    pdf = get(snapshot, "/kliping.pdf?from=2025-11-01&to=2025-11-30")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    empty = get(snapshot, "/kliping.docx?from=2026-01-01&to=2026-01-31")
    assert empty.status_code == 404 and "tidak ada artikel" in empty.text
    assert get(snapshot, "/kliping?from=2025-12-01&to=2025-11-01").status_code == 400


def test_browser_opens_the_coverage_page(published: Path, tmp_path: Path) -> None:
    import re

    from tests.datasette.conftest import serving
    from tests.datasette.test_browser import local_page

    rid = release_id(published)
    with serving(published) as (base, _), local_page(base, accept_downloads=True) as (page, _):
        page.goto(f"{base}/liputan")
        page.fill("#liputan-id", str(rid))
        page.press("#liputan-id", "Enter")
        page.wait_for_url(re.compile(rf".*/liputan/{rid}$"))
        assert page.locator("h1").inner_text().startswith("Liputan: Pemprov NTT Tanggung Iuran")
        kinds = page.locator("table.coverage tbody tr").evaluate_all("rows => rows.map(r => r.className)")
        assert kinds == ["kind-verbatim", "kind-rewrite", "kind-own"]
        differences = page.locator("table.coverage-differences td.evidence.article").all_inner_texts()
        assert any("Provinsi NTT Agustinus Lelo" in d for d in differences)
        assert any("Rp3,74 miliar" in d for d in differences)
        page.screenshot(path=str(tmp_path / "liputan.png"), full_page=True)
        page.goto(f"{base}/kliping?from=2025-11-01&to=2025-11-30")
        with page.expect_download() as info:
            page.click("text=XLSX")
        assert info.value.suggested_filename == "kliping-2025-11-01-2025-11-30.xlsx"
