"""`pantau report`: the clipping report of the demo KB as XLSX, DOCX and PDF, read back with
openpyxl, python-docx and pypdf; filters; bad input; a period of more than 10,000 articles."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kb.store import KB, sqlite_url
from pantau.cli import cli
from tests.datasette.conftest import build_demo_kb

PERIOD = ["--from", "2025-07-01", "--to", "2025-11-30"]
SL09 = "http://suaralontar.test/2025/11/nelayan-tenau-kini-punya-kartu-bpjs-ketenagakerjaan"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kliping")
    build_demo_kb(folder / "kb.db")
    return folder


def articles_in_kb(home: Path) -> int:
    con = sqlite3.connect(home / "kb.db")
    try:
        return int(con.execute("SELECT count(*) FROM article").fetchone()[0])
    finally:
        con.close()


def make(home: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["report", "--home", str(home), *PERIOD, "--output", str(out), *extra])
    assert result.exit_code == 0, result.output
    assert out.exists()
    return json.loads(result.stdout)


def test_xlsx_one_row_per_article(home: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "kliping.xlsx"
    summary = make(home, out)
    total = articles_in_kb(home)
    assert summary["articles"] == total
    wb = load_workbook(out)
    assert wb.sheetnames == ["Ringkasan", "Kliping Berita"]
    ws = wb["Kliping Berita"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("No", "Tanggal", "Media", "Judul", "Tautan", "Tokoh yang dikutip", "Angka yang dimuat", "Ringkasan/lead")
    assert len(rows) == total + 1
    assert [r[0] for r in rows[1:]] == list(range(1, total + 1))
    row = next(r for r in rows if r[4] == SL09)
    assert row[1] == "4 Nov 2025 08.15 WITA" and row[2] == "Suara Lontar"
    assert row[3] == "Nelayan Tenau Kini Punya Kartu BPJS Ketenagakerjaan, Iurannya Dibayar Provinsi"
    assert row[5] == "Agustinus Lelo"
    assert "Rp3,74 miliar" in row[6] and "9.640 pekerja rentan" in row[6]
    assert row[7].startswith("Subuh belum usai")
    link = next(c for c in ws["E"] if c.value == SL09)
    assert link.hyperlink is not None and link.hyperlink.target == SL09
    figures = dict((r[0], r[1]) for r in wb["Ringkasan"].iter_rows(values_only=True) if r and r[0])
    assert figures["Jumlah artikel"] == str(total)
    assert figures["Hari tersibuk"] == "3 November 2025 (3)"
    assert figures["Periode"] == "1 Juli 2025 – 30 November 2025"
    with zipfile.ZipFile(out) as z:  # three charts: per day, per outlet, most quoted
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 3


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--outlet", "suara-lontar"], 8),  # one of its 9 pages is off topic
        (["--outlet", "Suara Lontar", "--keyword", "nelayan"], 3),
        (["--official", "Agustinus"], 5),  # Agustinus Lelo (4 articles), Agustinus Malo Bulu
        (["--keyword", "NELAYAN", "--keyword", "penenun"], None),
        (["--region", "Malaka"], 5),  # the release, its 3 pickups, the Atambua market story
        (["--region", "53.21"], 5),
    ],
)
def test_filters(home: Path, tmp_path: Path, extra: list[str], expected: int | None) -> None:
    summary = make(home, tmp_path / "f.xlsx", *extra)
    if expected is not None:
        assert summary["articles"] == expected, summary
    else:
        assert 0 < summary["articles"] < articles_in_kb(home)


def test_story_filter(home: Path, tmp_path: Path) -> None:
    con = sqlite3.connect(home / "kb.db")
    story = con.execute("SELECT story_id FROM article WHERE url = ?", (SL09,)).fetchone()[0]
    con.close()
    summary = make(home, tmp_path / "s.xlsx", "--story", str(story))
    assert summary["articles"] == 4  # the release and its three pickups
    assert summary["filter"] == {"story": str(story)}


def test_docx(home: Path, tmp_path: Path) -> None:
    from docx import Document

    out = tmp_path / "kliping.docx"
    make(home, out)
    doc = Document(str(out))
    text = [p.text for p in doc.paragraphs]
    assert "Laporan Monitoring Media" in text and "Kliping Berita" in text
    assert any(t.startswith("Periode: 1 Juli 2025") for t in text)
    assert len(doc.inline_shapes) == 3  # the charts
    summary, clipping = doc.tables
    assert summary.rows[0].cells[0].text == "Jumlah artikel"
    assert len(clipping.rows) == articles_in_kb(home) + 1
    assert [c.text for c in clipping.rows[0].cells][:5] == ["No", "Tanggal", "Media", "Judul", "Tautan"]
    row = next(r for r in clipping.rows if r.cells[4].text == SL09)
    assert "Rp3,74 miliar" in row.cells[6].text


def test_pdf(home: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "kliping.pdf"
    make(home, out)
    reader = PdfReader(str(out))
    assert len(reader.pages) >= 4  # cover, summary with charts, the table
    cover, summary = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "Laporan Monitoring Media" in cover and "Periode: 1 Juli 2025" in cover
    assert "Jumlah artikel" in summary and "Volume pemberitaan per hari" in summary
    assert "Pangsa pemberitaan per media" in summary and "Wawan Burhanuddin" in summary
    table = " ".join(p.extract_text() for p in reader.pages[2:])
    assert "Tokoh yang dikutip" in table and "Rp3,74 miliar" in table
    assert reader.metadata is not None and reader.metadata.author == "Pantau"


def test_english(home: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "clippings.pdf"
    make(home, out, "--lang", "en")
    reader = PdfReader(str(out))
    cover = reader.pages[0].extract_text()
    assert "Media Monitoring Report" in cover and "Press Clippings" in cover
    assert re.search(r"Generated: \d{4}-\d\d-\d\d \d\d:\d\d WI", cover)
    table = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[2:])  # cells wrap
    assert "4 Nov 2025 08:15 WITA" in table and "08.15 WITA" not in table


# The SL09 row's date and the summary's made-at stamp in each language (XLSX and DOCX text):
# Indonesian as it always was, English with English months and a colon.
DATES = [  # (lang, SL09's date, a date of October, made-at clock)
    ("id", "4 Nov 2025 08.15 WITA", r"^\d{1,2} Okt 2025 \d\d\.\d\d WI", r" \d\d\.\d\d WI"),
    ("en", "4 Nov 2025 08:15 WITA", r"^\d{1,2} Oct 2025 \d\d:\d\d WI", r" \d\d:\d\d WI"),
]


def xlsx_text(out: Path) -> tuple[list[tuple[Any, ...]], dict[Any, Any]]:
    """The clipping sheet's rows and the summary sheet's figures (label: value)."""
    from openpyxl import load_workbook

    wb = load_workbook(out)
    rows = list(wb.worksheets[1].iter_rows(values_only=True))
    figures = dict((r[0], r[1]) for r in wb.worksheets[0].iter_rows(values_only=True) if r and r[0])
    return rows, figures


@pytest.mark.parametrize(("lang", "sl09", "october", "clock"), DATES)
def test_dates_follow_the_language_xlsx(home: Path, tmp_path: Path, lang: str, sl09: str, october: str, clock: str) -> None:
    out = tmp_path / "kliping.xlsx"
    make(home, out, "--lang", lang)
    rows, figures = xlsx_text(out)
    assert next(r for r in rows if r[4] == SL09)[1] == sl09
    assert any(re.search(october, str(r[1])) for r in rows[1:])
    assert all(re.fullmatch(r"\d{1,2} \w{3} \d{4} \d\d[.:]\d\d WI(B|TA|T)", str(r[1])) for r in rows[1:])
    made = figures["Generated" if lang == "en" else "Dibuat"]
    assert re.search(clock, made), made
    assert figures["Articles" if lang == "en" else "Jumlah artikel"] == str(articles_in_kb(home))


@pytest.mark.parametrize(("lang", "sl09", "october", "clock"), DATES)
def test_dates_follow_the_language_docx(home: Path, tmp_path: Path, lang: str, sl09: str, october: str, clock: str) -> None:
    from docx import Document

    out = tmp_path / "kliping.docx"
    make(home, out, "--lang", lang)
    doc = Document(str(out))
    _, clipping = doc.tables
    row = next(r for r in clipping.rows if r.cells[4].text == SL09)
    assert row.cells[1].text == sl09
    assert any(re.search(october, r.cells[1].text) for r in clipping.rows[1:])
    made = next(p.text for p in doc.paragraphs if p.text.startswith(("Generated:", "Dibuat:")))
    assert re.search(clock, made), made


COUNTS = [  # (articles, Indonesian, English): the summary's article count
    (7, "7", "7"),
    (999, "999", "999"),
    (1234, "1.234", "1,234"),
    (10_500, "10.500", "10,500"),
    (1_234_567, "1.234.567", "1,234,567"),
]


@pytest.mark.parametrize(("n", "indonesian", "english"), COUNTS)
def test_counts_follow_the_language(n: int, indonesian: str, english: str) -> None:
    from pantau.report import Summary, count_text

    assert (count_text(n, "id"), count_text(n, "en")) == (indonesian, english)
    summary = Summary(articles=n)
    assert dict(summary.lines("id"))["Jumlah artikel"] == indonesian
    assert dict(summary.lines("en"))["Articles"] == english


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-01-01", "--to", "2026-01-31", "--output", "{tmp}/k.pdf"], "tidak ada artikel antara 2026-01-01 dan 2026-01-31"),
        (["--from", "2025-07-01", "--to", "2025-11-30", "--outlet", "tidak-ada", "--output", "{tmp}/k.xlsx"], "tidak ada artikel"),
        (["--from", "2025-12-01", "--to", "2025-11-01", "--output", "{tmp}/k.pdf"], "is after --to"),
        (["--from", "2025-07-01", "--to", "2025-11-30", "--output", "{tmp}/k.odt"], "give --format"),
        (["--from", "2025-07-01", "--to", "2025-11-30", "--output", "{tmp}/tidak/ada/k.pdf"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_no_file(home: Path, tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    result = CliRunner().invoke(cli, ["report", "--home", str(home), *args])
    assert result.exit_code == 1, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


# -- a period of more than 10,000 articles -------------------------------------------------------
BIG = 10_500


def big_kb(path: Path, n: int = BIG) -> Path:
    """A KB of ``n`` short articles over 30 days (written with SQL: the report reads the KB)."""
    KB(sqlite_url(path)).close()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO outlet (name, title, region_code) VALUES ('warta-uji', 'Warta Uji', '53')")
    start = dt.datetime(2025, 9, 1, 0, 0)
    con.executemany(
        "INSERT INTO article (url, outlet_id, title, text, published, authors, tags, advertorial,"
        " boilerplate, content_sha256, previous_sha256, page_sha256, extractor_version, processed_at)"
        " VALUES (?, 1, ?, ?, ?, '[]', '[]', 0, '[]', ?, '[]', ?, 'uji', '2025-10-01')",
        [
            (f"http://warta.test/{i}", f"Berita uji nomor {i}" + ("\x07\x0b" if i == 7 else ""),  # control characters
             f"Pemkab menyalurkan santunan kepada {i} pekerja rentan.\n\nParagraf kedua.",
             (start + dt.timedelta(minutes=4 * i)).strftime("%Y-%m-%d %H:%M:%S.000000"), f"c{i}", f"p{i}")
            for i in range(n)
        ],
    )
    con.commit()
    con.close()
    return path


def test_more_than_ten_thousand_articles_stream(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    big_kb(tmp_path / "kb.db")
    out = tmp_path / "besar.xlsx"
    result = CliRunner().invoke(cli, ["report", "--home", str(tmp_path), "--from", "2025-09-01", "--to", "2025-09-30", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["articles"] == BIG
    ws = load_workbook(out, read_only=True)["Kliping Berita"]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == BIG + 1 and rows[8][3] == "Berita uji nomor 7"  # control characters dropped
    links = load_workbook(out)["Kliping Berita"]["E"]
    assert links[1].hyperlink is not None and links[10_000].hyperlink is not None
    assert links[10_001].hyperlink is None and links[10_001].value == "http://warta.test/10000"


FILE_COUNTS = [  # (lang, format, the summary's article count of 1,234 articles, its label)
    ("id", "xlsx", "1.234", "Jumlah artikel"),
    ("en", "xlsx", "1,234", "Articles"),
    ("id", "docx", "1.234", "Jumlah artikel"),
    ("en", "docx", "1,234", "Articles"),
]


@pytest.mark.parametrize(("lang", "fmt", "count", "label"), FILE_COUNTS)
def test_article_count_in_the_file_follows_the_language(tmp_path: Path, lang: str, fmt: str, count: str, label: str) -> None:
    big_kb(tmp_path / "kb.db", 1234)
    out = tmp_path / f"kliping.{fmt}"
    args = ["report", "--home", str(tmp_path), "--from", "2025-09-01", "--to", "2025-09-30", "--output", str(out), "--lang", lang]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"][label] == count
    if fmt == "xlsx":
        _, figures = xlsx_text(out)
        assert figures[label] == count
    else:
        from docx import Document

        summary = Document(str(out)).tables[0]
        assert [c.text for c in summary.rows[0].cells] == [label, count]
