"""`pantau eval --clean`: the cleaning gate on real pages (../shared/realpages, skipped when absent),
its floors (extract/gold/clean_baseline.json) and the scoring rules on small cases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.cli import cli
from pantau.evaluate_clean import (
    BASELINE_FILE,
    FIELDS,
    Output,
    Page,
    evaluate_clean,
    floors_for,
    read_pages,
    score_page,
    strip_signoff,
)

REALPAGES = Path(__file__).resolve().parents[2].parent / "shared" / "realpages"
FIXTURES = Path(__file__).parent / "fixtures" / "clean"  # template shapes written for the tests
BASELINE = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))
WIB = timezone(timedelta(hours=7))
TRUTH_KEYS = {"page_type", "title", "published", "published_day", "authors", "editor",
              "body_first", "body_last"}  # fmt: skip

needs_realpages = pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages absent")


# --------------------------------------------------------------------------- the gate


@needs_realpages
def test_truth_files_have_the_documented_shape() -> None:
    pages = read_pages(REALPAGES)
    assert len(pages) >= 20
    for page in pages:
        assert set(page.truth) >= TRUTH_KEYS, page.name
        assert page.truth["page_type"] in {"article", "listing", "gallery", "video", "other"}
        if page.truth["published"]:
            instant = datetime.fromisoformat(page.truth["published"])
            assert instant.tzinfo is not None, page.name
            assert instant.date().isoformat() == page.truth["published_day"], page.name


@needs_realpages
def test_cleaning_on_real_pages_stays_above_its_floors() -> None:
    report = evaluate_clean(REALPAGES, trafilatura=False)
    failed = report.regressions(floors_for(BASELINE, "realpages"))
    details = "\n".join(json.dumps(d, ensure_ascii=False) for d in report.details)
    assert not failed, f"{report.table()}\n" + "\n".join(failed) + "\n" + details


def test_cleaning_on_our_template_fixtures_stays_above_its_floors() -> None:
    report = evaluate_clean(FIXTURES, trafilatura=False)
    assert len(report.pages) >= 12
    failed = report.regressions(floors_for(BASELINE, "clean"))
    details = "\n".join(json.dumps(d, ensure_ascii=False) for d in report.details)
    assert not failed, f"{report.table()}\n" + "\n".join(failed) + "\n" + details


@pytest.mark.parametrize("corpus", ["realpages", "clean"])
def test_every_field_has_a_floor(corpus: str) -> None:
    assert set(floors_for(BASELINE, corpus)) == set(FIELDS)


# --------------------------------------------------------------------------- the CLI


def _folder(tmp_path: Path) -> Path:
    html = """<html><head><title>Warga Desa Oelnasi Menanam Jagung</title>
    <meta property="article:published_time" content="2025-09-03T10:15:00+08:00"></head>
    <body><article><h1>Warga Desa Oelnasi Menanam Jagung</h1>
    <div class="byline">Penulis: Maria Ratu Lena</div>
    <p>KUPANG - Warga Desa Oelnasi di Kabupaten Kupang mulai menanam jagung pada awal musim hujan
    tahun ini bersama penyuluh pertanian dari dinas setempat.</p>
    <p>Kepala desa mengatakan benih dibagikan kepada tiga puluh kelompok tani secara bergilir.</p>
    </article></body></html>"""
    (tmp_path / "desa.html").write_text(html, encoding="utf-8")
    truth = {
        "page_type": "article",
        "title": "Warga Desa Oelnasi Menanam Jagung",
        "published": "2025-09-03T10:15+08:00",
        "published_day": "2025-09-03",
        "authors": ["Maria Ratu Lena"],
        "editor": None,
        "zone": "WITA",
        "body_first": "Warga Desa Oelnasi di Kabupaten Kupang mulai menanam jagung",
        "body_last": "dibagikan kepada tiga puluh kelompok tani secara bergilir.",
    }
    (tmp_path / "desa.html.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return tmp_path


def test_cli_table_json_and_floors(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = CliRunner().invoke(cli, ["eval", "--clean", str(folder)])
    assert result.exit_code == 0, result.output
    assert "trafilatura" in result.output and "desa.html" in result.output
    result = CliRunner().invoke(cli, ["eval", "--clean", str(folder), "--json"])
    data = json.loads(result.output)
    assert data["pages"] == 1
    assert data["fields"]["pantau"]["instant"] == {"right": 1, "of": 1}
    baseline = tmp_path / "floors.json"
    name = folder.resolve().name
    baseline.write_text(json.dumps({name: {"fields": {"authors": 1.0, "end": 1.0}}}))
    result = CliRunner().invoke(cli, ["eval", "--clean", str(folder), "--baseline", str(baseline)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clean", "/tidak/ada"], "no such folder"),
        (["--clean", "{tmp}"], "no NAME + NAME.truth.json"),
        (["--clean", "{tmp}", "--demo"], "exclusive"),
    ],
)
def test_cli_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, ["eval", *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- scoring rules


TRUTH = {
    "page_type": "article",
    "title": "Bupati Resmikan Pasar Ikan",
    "published": "2024-03-05T09:30+07:00",
    "published_day": "2024-03-05",
    "authors": ["Yohanes Bere"],
    "editor": None,
    "body_first": "Bupati meresmikan pasar ikan baru di pesisir selatan pada Se",
    "body_last": "akan dibuka setiap hari mulai pukul enam pagi. (ant/yb)",
}
LEAD = "ATAMBUA - Bupati meresmikan pasar ikan baru di pesisir selatan pada Selasa pagi."
LAST = "Pasar itu akan dibuka setiap hari mulai pukul enam pagi."


@pytest.mark.parametrize(
    ("case", "output", "wrong"),
    [
        ("semua benar", Output("article", "Bupati Resmikan Pasar Ikan",
                               datetime(2024, 3, 5, 9, 30, tzinfo=WIB), ["Yohanes Bere"],
                               [LEAD, LAST]), []),
        ("tanda kutip tipografis", Output("article", "Bupati Resmikan Pasar Ikan",
                                          datetime(2024, 3, 5, 2, 30, tzinfo=UTC),
                                          ["YOHANES BERE"], [LEAD, LAST + " (ant/yb)"]), []),
        ("tengah malam", Output("article", "Bupati Resmikan Pasar Ikan",
                                datetime(2024, 3, 5, tzinfo=WIB), ["Yohanes Bere"],
                                [LEAD, LAST]), ["instant"]),
        ("hari UTC", Output("article", "Bupati Resmikan Pasar Ikan: Kabupaten",
                            datetime(2024, 3, 4, 9, 30, tzinfo=WIB), [], [LEAD, LAST]),
         ["title", "day", "instant", "authors"]),
        ("keterangan foto dulu", Output("article", "Bupati Resmikan Pasar Ikan",
                                        datetime(2024, 3, 5, 9, 30, tzinfo=WIB), ["Yohanes Bere"],
                                        ["Foto: Dokumentasi Humas", LEAD, LAST]),
         ["start", "clean"]),
        ("baca juga di tengah", Output("article", "Bupati Resmikan Pasar Ikan",
                                       datetime(2024, 3, 5, 9, 30, tzinfo=WIB), ["Yohanes Bere"],
                                       [LEAD, "Baca juga: Harga ikan naik", LAST]), ["clean"]),
        ("berita terkait di akhir", Output("article", "Bupati Resmikan Pasar Ikan",
                                           datetime(2024, 3, 5, 9, 30, tzinfo=WIB),
                                           ["Yohanes Bere"], [LEAD, LAST, "Berita Terkait"]),
         ["end", "clean"]),
        ("halaman daftar", Output("listing"), ["type", "title", "day", "instant", "authors", "start",
                                               "end", "clean"]),
    ],
)  # fmt: skip
def test_scoring(case: str, output: Output, wrong: list[str]) -> None:
    page = Page("contoh.html", Path("contoh.html"), TRUTH)
    scores = score_page(page, output, "pantau")
    assert sorted(k for k, v in scores.items() if v is False) == sorted(wrong), case


def test_non_articles_score_type_only() -> None:
    page = Page("indeks.html", Path("indeks.html"), {**TRUTH, "page_type": "listing"})
    scores = score_page(page, Output("listing"), "pantau")
    assert scores == {**dict.fromkeys(FIELDS), "type": True}
    video = Page("video.html", Path("video.html"), {**TRUTH, "page_type": "video"})
    assert score_page(video, Output("other"), "pantau")["type"] is True
    assert score_page(video, Output("article"), "pantau")["type"] is False


def test_trafilatura_days_are_dates() -> None:
    page = Page("contoh.html", Path("contoh.html"), TRUTH)
    out = Output("other", "Bupati Resmikan Pasar Ikan", date(2024, 3, 5), ["Yohanes Bere"],
                 [LEAD, LAST])  # fmt: skip
    scores = score_page(page, out, "trafilatura")
    assert scores["day"] is True and scores["instant"] is False and scores["type"] is False


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("dibuka pukul enam pagi. (mdk/yan)", "dibuka pukul enam pagi."),
        ("dibuka pukul enam pagi.(sus)", "dibuka pukul enam pagi."),
        ("dibuka pukul enam pagi. (*/aln)", "dibuka pukul enam pagi."),
        ("dibuka pukul enam pagi. [ian]", "dibuka pukul enam pagi."),
        ("kata Bupati (Golkar)", "kata Bupati (Golkar)"),
        ("ditulis (DINI TEJA)", "ditulis (DINI TEJA)"),
        ("di Tanah Air. (Mvi/Ali)", "di Tanah Air."),
        ("di Denpasar. (Luh Wayanti)", "di Denpasar. (Luh Wayanti)"),
        ("kata juru bicara. (ANT)", "kata juru bicara."),
    ],
)
def test_signoff_rule(text: str, stripped: str) -> None:
    assert strip_signoff(text) == stripped
