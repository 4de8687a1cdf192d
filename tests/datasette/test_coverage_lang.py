"""The release-coverage and clipping pages in the snapshot's language (issue 14).

The demo KB is published twice, in Indonesian (the default) and with ``lang="en"``, and served
in-process. ``/liputan``, ``/liputan/ID`` (the demo press release, picked up by three outlets)
and ``/kliping`` are fetched from both:

- the English pages hold none of the Indonesian interface words of :data:`INDONESIAN` in their
  visible text; data is left out: elements marked as data by the templates (:data:`DATA`:
  titles, outlet names, officials, figures, fact labels and sentences) and any article title,
  outlet title or person name of the snapshot (the page title and ``<h1>`` carry a title);
- the Indonesian pages keep their words (:data:`ID_CHECKS`), the English ones show theirs
  (:data:`EN_CHECKS`);
- ``/kliping.xlsx`` without ``lang`` is in the snapshot's language, and ``?lang=`` still picks
  one (the header row of the clipping sheet, read with openpyxl).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from kb.publish import publish
from pantau.config import datasette_dir
from tests.datasette.conftest import fetch, load_plugin, rows

# Indonesian words of these pages' interface (whole words, case-insensitive); words that are
# English too (media, per, total, no) are left out, and so are Indonesian month abbreviations
# English shares (Nov, Sep, Jan …).
INDONESIAN = frozenset(
    """
    agu akhir angka antara apa atau awal banyak belum bentuk beranda berbeda berkas cepat cerita
    dalam dan dari des dengan dikutip dimuat filter hari harus ini jam jeda judul kata kliping
    kunci kurang laporan lihat liputan mana mei melihat memberitakan memberitakannya menit mis
    nomor okt paling pangsa pemberitaan pertama pilih rilis ringan salinan sampai seberapa sebelum
    semuanya sendiri sesudah tampilkan tanggal terbanyak terbit tersibuk tidak tiap tokoh tulis
    ulang unduh unduhan untuk utuh wilayah yang
    """.split()  # noqa: SIM905  (a paragraph of words reads better than a list of strings)
)
# Elements whose text is data (classes of the coverage templates), and what never is visible.
DATA = ("outlet", "title", "officials", "figures", "fact", "evidence")
HIDDEN = ("script", "style", "pre", "code", "textarea")
WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


@pytest.fixture(scope="module")
def en_snapshot(demo_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("en-coverage") / "published" / "pantau.db"
    snap = publish(demo_kb, target, datasette_dir(), lang="en")
    assert not snap.warnings, snap.warnings
    return target


def release_id(snapshot: Path) -> int:
    """The demo press release (humas-ntt), which three outlets picked up."""
    got = rows(
        snapshot,
        "SELECT a.id FROM article a JOIN outlet o ON o.id = a.outlet_id WHERE o.name = ?",
        "humas-ntt",
    )
    return int(got[0][0])


def paths(snapshot: Path) -> list[str]:
    return ["/liputan", f"/liputan/{release_id(snapshot)}", "/kliping"]


def pages(snapshot: Path) -> dict[str, Any]:
    """The three pages (keys: /liputan, /liputan/ID as /liputan/N, /kliping)."""
    got = fetch(snapshot, paths(snapshot))
    return {re.sub(r"/\d+$", "/N", p): r for p, r in got.items()}


@pytest.fixture(scope="module")
def id_pages(snapshot: Path) -> dict[str, Any]:
    return pages(snapshot)


@pytest.fixture(scope="module")
def en_pages(en_snapshot: Path) -> dict[str, Any]:
    return pages(en_snapshot)


def data_strings(snapshot: Path) -> list[str]:
    """Titles, outlet titles and person names of ``snapshot``: data, in whatever language."""
    found = [r[0] for r in rows(snapshot, "SELECT title FROM article WHERE title IS NOT NULL")]
    found += [r[0] for r in rows(snapshot, "SELECT title FROM outlet WHERE title IS NOT NULL")]
    found += [r[0] for r in rows(snapshot, "SELECT name FROM person")]
    return sorted({s for s in found if s}, key=len, reverse=True)  # longest first


def visible_words(page: str, data: list[str]) -> list[str]:
    """The interface words of ``page``: its text (with button labels and placeholders), without
    the elements of :data:`DATA` and :data:`HIDDEN` and without the strings of ``data``."""
    doc = lxml_html.fromstring(page)
    dropped = [el for tag in HIDDEN for el in doc.iter(tag)]
    dropped += [el for el in doc.iter() if set((el.get("class") or "").split()) & set(DATA)]
    for el in dropped:
        if el.getparent() is not None:
            el.drop_tree()
    for el in doc.iter():  # a space after each element: "<th>Jeda</th><th>Bentuk</th>" is 2 words
        el.tail = f"{el.tail or ''} "
    text = " ".join(
        [doc.text_content()]
        + doc.xpath('//input[@type="submit"]/@value')
        + doc.xpath("//@placeholder")
    )
    for s in data:
        text = text.replace(s, " ")
    return WORD.findall(text)


@pytest.mark.parametrize("path", ["/liputan", "/liputan/N", "/kliping"])
def test_english_pages_have_no_indonesian_interface_words(
    en_snapshot: Path, en_pages: dict[str, Any], path: str
) -> None:
    response = en_pages[path]
    assert response.status_code == 200, response.text[:500]
    words = visible_words(response.text, data_strings(en_snapshot))
    assert len(words) > 30, words  # the page was read
    found = sorted({w for w in words if w.lower() in INDONESIAN})
    assert not found, (found, " ".join(words))


def test_the_audit_reads_the_indonesian_pages(snapshot: Path, id_pages: dict[str, Any]) -> None:
    """The same audit on the Indonesian pages finds the words (it reads headers, labels and
    buttons, not only paragraphs), and no data word is taken for interface."""
    found = {
        w.lower()
        for page in id_pages.values()
        for w in visible_words(page.text, data_strings(snapshot))
    }
    assert {"jeda", "bentuk", "tampilkan", "unduh", "salinan", "menit", "beranda"} <= found
    assert not {"flobamora", "sasando", "lontar", "nelayan"} & found


ID_CHECKS = {  # path: what the Indonesian page says, as it always did
    "/liputan": [
        ">Beranda</a>", "<h1>Liputan rilis</h1>", "Artikel pertama tiap cerita",
        'placeholder="mis. 31"', 'value="Lihat liputan"', "<th>Media dalam cerita</th>",
        ">Laporan kliping</a>",
    ],
    "/liputan/N": [
        "3 artikel dari 3 media dalam 7 hari:",
        "salinan utuh 1, tulis ulang ringan 1, liputan sendiri 1;",
        "<strong>2 fakta berbeda</strong>", "fakta kunci rilis</summary>",
        "<th>Jeda</th><th>Bentuk</th>", "<th>Dimuat</th><th>Berbeda</th><th>Tidak dimuat</th>",
        "3 Nov 2025 11.40 WITA", "2 jam 40 menit", "23 jam 15 menit", "<td>tulis ulang ringan ",
        "<h2>Fakta yang berbeda</h2>", "<h2>Fakta yang tidak dimuat</h2>", ">liputan rilis</a>",
    ],
    "/kliping": [
        "<h1>Laporan kliping</h1>", "<label>Dari ", "<label>Kata kunci ", 'value="Tampilkan"',
        "Unduh: ", "<th>Jumlah artikel</th>", "<h2>Pangsa pemberitaan per media</h2>",
        "semuanya di berkas unduhan)", "<th>Tanggal</th><th>Media</th><th>Judul</th>",
        "<th>Tokoh yang dikutip</th><th>Angka yang dimuat</th>",
    ],
}  # fmt: skip
EN_CHECKS = {  # path: what the English page says
    "/liputan": [
        ">Home</a>", "<h1>Release coverage</h1>", "First article of each story",
        'placeholder="e.g. 31"', 'value="Show coverage"', "<th>Outlets in the story</th>",
        ">Clipping report</a>",
    ],
    "/liputan/N": [
        "3 articles from 3 outlets within 7 days:",
        "verbatim copy 1, light rewrite 1, own reporting 1;",
        "<strong>2 facts printed differently</strong>", "key facts of the release</summary>",
        "<th>Delay</th><th>Form</th>", "<th>Reproduced</th><th>Different</th><th>Missing</th>",
        "3 Nov 2025 11:40 WITA", "2 hours 40 minutes", "23 hours 15 minutes",
        "<td>light rewrite ", "<h2>Facts printed differently</h2>", "<h2>Facts left out</h2>",
        ">release coverage</a>",
    ],
    "/kliping": [
        "<h1>Clipping report</h1>", "<label>From ", "<label>Keyword ", 'value="Show"',
        "Download: ", "<th>Articles</th>", "<h2>Share of coverage per outlet</h2>",
        "all of them in the downloads)", "<th>Date</th><th>Outlet</th><th>Headline</th>",
        "<th>Officials quoted</th><th>Figures printed</th>",
    ],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("path", ["/liputan", "/liputan/N", "/kliping"])
def test_pages_say_their_words(
    id_pages: dict[str, Any], en_pages: dict[str, Any], lang: str, path: str
) -> None:
    page = (id_pages if lang == "id" else en_pages)[path].text
    expected = (ID_CHECKS if lang == "id" else EN_CHECKS)[path]
    missing = [w for w in expected if w not in page]
    assert not missing, (missing, page[-4000:])


def test_the_pages_link_each_other(en_pages: dict[str, Any]) -> None:
    assert 'href="/kliping"' in en_pages["/liputan"].text
    assert "/kliping.xlsx?from=" in en_pages["/kliping"].text  # no lang: the snapshot's


def test_errors_in_the_snapshots_language(snapshot: Path, en_snapshot: Path) -> None:
    bad = "/kliping?from=2025-12-01&to=2025-11-01"
    assert "tanggal awal 2025-12-01 sesudah tanggal akhir" in fetch(snapshot, [bad])[bad].text
    english = fetch(en_snapshot, [bad, "/liputan/999999"])
    assert english[bad].status_code == 400
    assert "the start date 2025-12-01 is after the end date" in english[bad].text
    assert english["/liputan/999999"].status_code == 404
    assert "No article 999999" in english["/liputan/999999"].text


def xlsx_header(response: Any) -> list[Any]:
    from openpyxl import load_workbook

    assert response.status_code == 200, response.text[:500]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.worksheets[-1]  # the clippings, after the summary
    return list(next(sheet.iter_rows(values_only=True)))


DOWNLOADS = [  # (snapshot, ?lang=, sheet header)
    ("snapshot", "", ["No", "Tanggal", "Media", "Judul", "Tautan"]),
    ("en_snapshot", "", ["No", "Date", "Outlet", "Headline", "Link"]),
    ("en_snapshot", "&lang=id", ["No", "Tanggal", "Media", "Judul", "Tautan"]),
    ("snapshot", "&lang=en", ["No", "Date", "Outlet", "Headline", "Link"]),
]


@pytest.mark.parametrize(("which", "lang", "header"), DOWNLOADS)
def test_report_download_follows_the_snapshot_language(
    request: pytest.FixtureRequest, which: str, lang: str, header: list[str]
) -> None:
    snap: Path = request.getfixturevalue(which)
    path = f"/kliping.xlsx?from=2025-11-01&to=2025-11-30{lang}"
    assert xlsx_header(fetch(snap, [path])[path])[:5] == header


def plugin() -> Any:
    """datasette/plugins/pantau_coverage.py."""
    return load_plugin("pantau_coverage.py", "pantau_coverage_bahasa")


def test_the_plugin_formats_nothing_itself() -> None:
    """Words, times and delays have one owner, kb.coverage: the plugin passes the language."""
    cov = plugin()
    for name in ("LABELS_EN", "MONTHS_EN", "LOCAL_TIME_RE", "local_time", "delay_text", "label"):
        assert not hasattr(cov, name), name
    source = (datasette_dir() / "plugins" / "pantau_coverage.py").read_text(encoding="utf-8")
    assert "as_dict(lang)" in source and "iter_clippings(engine, flt, lang)" in source


def test_clipping_sample_times_in_the_page_language(
    id_pages: dict[str, Any], en_pages: dict[str, Any]
) -> None:
    """/kliping's sample rows: times as kb.coverage.local_time makes them in each language."""
    stamp = re.compile(r"<td>(\d{1,2} \w{3} \d{4} \d\d[.:]\d\d WITA)</td>")
    indonesian = stamp.findall(id_pages["/kliping"].text)
    english = stamp.findall(en_pages["/kliping"].text)
    assert indonesian and len(indonesian) == len(english)
    assert all(re.search(r" \d\d\.\d\d ", t) for t in indonesian)
    assert all(re.search(r" \d\d:\d\d ", t) for t in english)
    assert not {t.split()[1] for t in english} & {"Mei", "Agu", "Okt", "Des"}

    def same_time(stamp: str) -> tuple[str, ...]:  # all but the month, in one clock form
        day, _, year, clock, zone = stamp.split()
        return day, year, clock.replace(".", ":"), zone

    assert [same_time(t) for t in english] == [same_time(t) for t in indonesian]
