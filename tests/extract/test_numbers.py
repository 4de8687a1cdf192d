"""Indonesian number parsing: separators, multipliers, number words, finding numbers in text."""

from __future__ import annotations

import pytest

from extract.facts import extract_facts
from extract.numbers import as_number, find_quantities, parse_id_number, parse_number_words


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
