"""Indonesian number parsing: separators, multipliers, number words, finding numbers in text."""

from __future__ import annotations

import json

import pytest

from extract.facts import extract_facts
from extract.numbers import (
    as_number,
    find_quantities,
    implausible,
    parse_id_number,
    parse_number_words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.880", 14880),
        ("10,08", 10.08),
        ("1.500.000", 1_500_000),
        ("1.500.000,-", 1_500_000),
        ("147. 000.000,-", 147_000_000),
        ("8. 561", 8561),
        ("45,83", 45.83),
        ("100", 100),
        ("1.5", 1.5),
        ("42.000.000,00", 42_000_000),
        ("2025", 2025),
    ],
)
def test_parse_id_number(text: str, expected: float) -> None:
    assert parse_id_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12.34.5", ".5"])
def test_parse_id_number_rejects(text: str) -> None:
    assert parse_id_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("delapan", 8),
        ("dua belas", 12),
        ("sebelas", 11),
        ("dua puluh lima", 25),
        ("seratus", 100),
        ("dua ratus", 200),
        ("dua ratus lima puluh ribu", 250_000),
        ("seribu", 1000),
        ("satu juta", 1_000_000),
        ("satu juta dua ratus ribu", 1_200_000),
        ("tiga miliar", 3_000_000_000),
        ("dua koma lima", 2.5),
    ],
)
def test_parse_number_words(text: str, expected: float) -> None:
    assert parse_number_words(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["ribu", "dua tiga", "puluh", "belas dua", "pekerja"])
def test_parse_number_words_rejects(text: str) -> None:
    assert parse_number_words(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ada 100 ribu orang", 100_000),
        ("sekitar 5 ribuan", 5000),
        ("1,5 juta", 1_500_000),
        ("3 jt", 3_000_000),
        ("dua ratus", 200),
    ],
)
def test_find_quantities_multipliers(text: str, value: float) -> None:
    qs = find_quantities(text)
    assert qs and qs[0].value == pytest.approx(value)
    assert text[qs[0].start : qs[0].end] == qs[0].text


def test_find_quantities_skips_day_month_and_regulations() -> None:
    values = [q.value for q in find_quantities("Rabu (3/9/2025) sesuai Pergub 18/2025.")]
    assert values == []


def test_as_number() -> None:
    assert as_number(14880.0) == 14880 and isinstance(as_number(14880.0), int)
    assert as_number(45.83) == 45.83


@pytest.mark.parametrize(
    ("sentence", "value", "role", "per"),
    [
        (
            "Pemerintah menyiapkan anggaran Rp 1,5 miliar tahun ini.",
            1_500_000_000,
            "anggaran",
            None,
        ),
        ("Nilai klaim mencapai Rp147. 000.000,- untuk ahli waris.", 147_000_000, "klaim", None),
        ("Iuran hanya Rp16.800 per bulan untuk setiap pekerja.", 16_800, "iuran", "bulan"),
        (
            "Santunan kematian sebesar Rp. 42.000.000 diserahkan kemarin.",
            42_000_000,
            "santunan",
            None,
        ),
        (
            "Beasiswa senilai Rp1.500.000,- per tahun bagi anak peserta.",
            1_500_000,
            "beasiswa",
            "tahun",
        ),
        ("Dana hibah IDR 2,5 juta diterima koperasi.", 2_500_000, "bantuan", None),
        ("Denda yang dikenakan 25 juta rupiah.", 25_000_000, "denda", None),
        ("Proyek senilai Rp 1,5 triliun itu berjalan.", 1_500_000_000_000, None, None),
        ("Bantuan Rp 846 juta disalurkan kepada 40 peserta.", 846_000_000, "bantuan", None),
        ("Upah minimum Rp2.328.969/bulan mulai berlaku.", 2_328_969, "upah", "bulan"),
    ],
)
def test_amounts(sentence: str, value: int, role: str | None, per: str | None) -> None:
    amounts = extract_facts(sentence)["amounts"]
    assert [a["value"] for a in amounts] == [value]
    assert amounts[0]["currency"] == "IDR"
    assert amounts[0]["role"] == role
    assert amounts[0]["per"] == per
    assert sentence[amounts[0]["start"] : amounts[0]["end"]] == amounts[0]["text"]


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("Cakupan kepesertaan naik menjadi 45,83 persen tahun ini.", 45.83),
        ("Angka stunting turun ke 77,3% di Kabupaten Ende.", 77.3),
        ("Jumlah peserta naik delapan persen dibanding tahun lalu.", 8.0),
        ("Sebanyak 12,3 Persen balita mengalami gizi kurang.", 12.3),
        ("Realisasi anggaran baru dua koma lima persen.", 2.5),
    ],
)
def test_percentages(sentence: str, value: float) -> None:
    pcts = extract_facts(sentence)["percentages"]
    assert [p["value"] for p in pcts] == [pytest.approx(value)]
    assert isinstance(pcts[0]["value"], float)


def test_percent_is_not_a_count_or_amount() -> None:
    facts = extract_facts("Sebanyak 60 persen pekerja di desa itu belum terlindungi.")
    assert facts["worker_counts"] == [] and facts["amounts"] == []


@pytest.mark.parametrize(
    ("sentence", "values"),
    [
        ('"Yang lain sudah 100 persen semuanya," katanya.', []),
        ("Kami 100 persen mendukung program itu.", []),
        ("Saya yakin seratus persen target tercapai.", []),
        ("Kepesertaan desa itu mencapai 100 persen pada Juni.", [100.0]),
        ("Realisasi anggaran baru 100 persen dari target awal.", [100.0]),
        ("Cakupan naik menjadi 77,3% dan semuanya terdata.", [77.3]),
    ],
)
def test_rhetorical_hundred_percent_is_not_a_figure(sentence: str, values: list[float]) -> None:
    assert [p["value"] for p in extract_facts(sentence)["percentages"]] == values


# --------------------------------------------------------------------------- poison numbers
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14\u200b.880", 14880),  # zero-width space
        ("14.\u200c880", 14880),  # zero-width non-joiner
        ("1\u200d4.880", 14880),  # zero-width joiner
        ("8.\u2060561", 8561),  # word joiner
        ("\ufeff1.500.000", 1_500_000),  # BOM
        ("14\u00ad.880", 14880),  # soft hyphen
        ("45\u200b,83", 45.83),
    ],
)
def test_parse_id_number_ignores_invisible_characters(text: str, expected: float) -> None:
    assert parse_id_number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1e309 pekerja", []),  # scientific notation is not "309"
        ("1E+309 orang", []),
        ("naik 1e-5 persen", []),
        ("sekitar 2,5e3 peserta", []),
        ("virus H5N1 menyerang 20 peternak", [20]),  # codes are not numbers
        ("pandemi COVID19 dan 300 warga", [300]),
        ("formulir A4 untuk 12 desa", [12]),
        ("Sebanyak 14\u200b.880 pekerja rentan", [14880]),  # one number, not 14 and 880
        ("Sebanyak 14\u00ad.880 pekerja rentan", [14880]),
        ("ada 100 ribu orang", [100_000]),  # multipliers still attach
        ("iuran 10rb per bulan", [10_000]),
    ],
)
def test_find_quantities_reads_no_fragments(text: str, values: list[float]) -> None:
    qs = find_quantities(text)
    assert [q.value for q in qs] == pytest.approx(values)
    for q in qs:
        assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("worker_counts", 9_223_372_036_854_775_808, "above 300.000.000: more people than live in Indonesia"),
        ("worker_counts", 300_000_001, "above 300.000.000: more people than live in Indonesia"),
        ("worker_counts", 281_600_000, None),  # Indonesia's population is still a count
        ("amounts", 1e21, "above 100.000.000.000.000.000: over four times Indonesia's yearly GDP"),
        ("amounts", 22_139_400_000_000_000, None),  # Rp22.139,4 triliun: the GDP
        ("percentages", 999_999, "above 10.000: beyond any growth figure"),
        ("percentages", 250, None),
        ("percentages", float("inf"), "not a finite number"),
        ("amounts", float("nan"), "not a finite number"),
    ],
)
def test_implausible(field: str, value: float, reason: str | None) -> None:
    assert implausible(field, value) == reason


@pytest.mark.parametrize(
    ("sentence", "field", "text", "reason"),
    [
        ("Anggaran Rp 999.999.999.999.999.999.999 untuk program ini.", "amounts",
         "Rp 999.999.999.999.999.999.999", "over four times Indonesia's yearly GDP"),
        ("Sebanyak 9.223.372.036.854.775.808 pekerja rentan terdaftar.", "worker_counts",
         "9.223.372.036.854.775.808 pekerja rentan", "more people than live in Indonesia"),
        ("Ada 400 juta pekerja rentan di kabupaten itu.", "worker_counts",
         "400 juta pekerja rentan", "more people than live in Indonesia"),
        ("Cakupan kepesertaan naik 999.999 persen tahun ini.", "percentages", "999.999 persen",
         "beyond any growth figure"),
        ("Bantuan Rp" + "9" * 400 + " untuk warga desa.", "amounts", "Rp" + "9" * 400,
         "not a finite number"),
        ("Ada " + "9" * 400 + " pekerja di desa itu.", "worker_counts", "9" * 400 + " pekerja",
         "not a finite number"),
    ],
)
def test_implausible_numbers_are_rejected_not_facts(
    sentence: str, field: str, text: str, reason: str
) -> None:
    facts = extract_facts(sentence)
    assert facts["worker_counts"] == facts["amounts"] == facts["percentages"] == []
    [rejected] = facts["rejected"]
    assert (rejected["field"], rejected["text"]) == (field, text)
    assert rejected["reason"].endswith(reason)
    assert sentence[rejected["start"] : rejected["end"]] == text
    json.dumps(facts)


@pytest.mark.parametrize(
    ("sentence", "field", "value"),
    [
        ("Sebanyak 14\u200b.880 pekerja rentan terdaftar di TTU.", "worker_counts", 14880),
        ("Iuran Rp16\u00ad.800 per bulan ditanggung pemerintah.", "amounts", 16_800),
        ("Cakupan naik menjadi 45\u200b,83 persen tahun ini.", "percentages", 45.83),
        ("Ada 1e309 pekerja dan 1e309 persen di laporan palsu itu.", "worker_counts", None),
        ("Ada 1e309 pekerja dan 1e309 persen di laporan palsu itu.", "percentages", None),
    ],
)
def test_plain_text_with_poison_literals(sentence: str, field: str, value: float | None) -> None:
    facts = extract_facts(sentence)
    assert [f["value"] for f in facts[field]] == ([] if value is None else [pytest.approx(value)])
    assert facts["rejected"] == []
    for f in facts[field]:
        assert sentence[f["start"] : f["end"]] == f["text"]


def test_cleaned_html_text_has_no_invisible_characters() -> None:
    """The HTML path: the cleaner's text (trafilatura) drops them, so stored offsets are plain."""
    from extract.clean import clean_html

    para = ("Pemerintah daerah bersama BPJS Ketenagakerjaan mendaftarkan 14&#8203;.880 pekerja"
            " rentan dan 2\u00ad.500 petani di Kabupaten Timor Tengah Utara sebagai peserta jaminan"
            " sosial ketenagakerjaan pada bulan ini.")
    html = ("<html><head><title>Uji angka</title><meta property='og:type' content='article'>"
            "<meta property='article:published_time' content='2025-08-01T09:00:00+08:00'></head>"
            f"<body><article><h1>Uji angka tersembunyi</h1><p>{para}</p><p>{para}</p></article>"
            "</body></html>")
    article = clean_html(html.encode("utf-8"), "http://uji.test/2025/08/01/angka")
    assert "14.880 pekerja rentan" in article.text and "2.500 petani" in article.text
    assert not any(c in article.text for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff")
    counts = extract_facts(article.text)["worker_counts"]
    assert [c["value"] for c in counts] == [14880, 2500]
