"""Traps from real regional news, one rule each: initials and weekday words inside names,
Balinese names, "selaku", unit names joined by "dan"/",", place chains, ranks ending a unit,
kecamatan named like a kota, datelines, publication stamps, link lists, year inference."""

from __future__ import annotations

from datetime import datetime

import pytest

from extract.dates import iter_id_datetimes
from extract.facts import extract_facts


def _officials(text: str) -> list[tuple[str, str]]:
    return [(o["name"], o["title"]) for o in extract_facts(text)["officials"]]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hadir Sekda NTT Kosmas D. Lana dan jajaran.", "Kosmas D. Lana"),
        ("Bupati Manggarai Herybertus G.L. Nabit membuka rapat.", "Herybertus G.L. Nabit"),
        ("Bupati Sumba Tengah, Paulus S. K. Limu, hadir.", "Paulus S. K. Limu"),
        ("Drs. Dominikus Minggu Mere, M.M., Wakil Bupati Ende, hadir.", "Dominikus Minggu Mere"),
        ("Kapolres Belu AKBP I Gede Eka Putra Astawa memimpin apel.", "I Gede Eka Putra Astawa"),
        ("Andreas Agas selaku Bupati Manggarai Timur menyerahkan kartu.", "Andreas Agas"),
        ("Menteri Ketenagakerjaan Yassierli meminta daerah bergerak.", "Yassierli"),
        ("Kepala Dinas Kelautan dan Perikanan Lembata Agustinus Lega hadir.", "Agustinus Lega"),
        ("Kepala Dinas Koperasi, UKM dan Perdagangan TTS, Fredrik Nomleni, hadir.",
         "Fredrik Nomleni"),
        ("Kepala Dinas Pendidikan, Kepemudaan dan Olahraga Ende, Mensi Tiwe, hadir.", "Mensi Tiwe"),
        ("Lurah Oebobo, Kota Kupang, Yanuarius Dapa Loka, membuka acara.", "Yanuarius Dapa Loka"),
        ("Kepala Desa Nduaria, Kecamatan Kelimutu, Kabupaten Ende, Philipus Wara, hadir.",
         "Philipus Wara"),
        ("Kapolsek Kelapa Lima Iptu Yance Kadiaman mengatakan api padam.", "Yance Kadiaman"),
        ("Sekretaris Daerah Rote Ndao, Jonas M. Selly, meminta desa bergerak.", "Jonas M. Selly"),
        ("Anggota DPRD NTT dari Fraksi Golkar, Hugo Rehi Kalembu, hadir.", "Hugo Rehi Kalembu"),
        ("Ketua Serikat Pekerja Seluruh Indonesia (SPSI) NTT, Stanis Tefa, hadir.", "Stanis Tefa"),
        ("Direktur RSUD Prof. Dr. W. Z. Johannes Kupang, dr. Mindo Sinaga, hadir.", "Mindo Sinaga"),
        ("Kartu diserahkan Wali Kota Kupang Serena Francis di Balai Kota Kupang.", "Serena Francis"),
        ("Rapat dihadiri anggota Fraksi Hanura Petrus Lake di ruang sidang.", "Petrus Lake"),
        ("Hadir pula Wakapolres Belu Kompol Agus Salim Kefi di lokasi.", "Agus Salim Kefi"),
        ("Kasat Reskrim Polres Ende Iptu Martinus Sedu memeriksa saksi.", "Martinus Sedu"),
        ("Kegiatan dibuka Bupati Ende Yosef Badeoda Minggu, 12 Oktober 2025.", "Yosef Badeoda"),
        ("Kepala Dinas Peternakan Ngada Markus Bhoko meninjau kandang.", "Markus Bhoko"),
        ("Hadir Camat Kupang Barat Laut Daniel Sinlaeloe dan warga.", "Daniel Sinlaeloe"),
        ("Kepala Desa Oebelo Hendrik Takain, membuka musyawarah.", "Hendrik Takain"),
    ],
)  # fmt: skip
def test_official_names(text: str, name: str) -> None:
    assert [n for n, _ in _officials(text)] == [name]


def test_weekday_surname_before_the_next_official() -> None:
    text = "Naskah diteken Direktur Umum Bank NTT Yakobus Senin, Kepala Divisi Hukum Ani Bulu."
    assert [n for n, _ in _officials(text)] == ["Yakobus Senin", "Ani Bulu"]


@pytest.mark.parametrize(
    "text",
    [
        "Program itu merujuk pada Peraturan Bupati Nomor 27 Tahun 2025.",
        "Acara digelar di Aula Kantor Bupati TTU pada pagi hari.",
        "Salah seorang penenun, Mama Veronika Ina, mengaku senang.",
    ],
)
def test_not_officials(text: str) -> None:
    assert _officials(text) == []


def test_quote_of_a_beneficiary_is_hers_not_the_last_officials() -> None:
    text = (
        "Ketua Dekranasda Sikka, Maria Yasinta Kago, mengapresiasi langkah itu.\n"
        "Salah seorang penenun, Mama Veronika Ina, mengaku senang. "
        '"Kalau tangan terluka saat menenun, sekarang ada yang tanggung," ujarnya.'
    )
    assert [q["speaker"] for q in extract_facts(text)["quotes"]] == ["Veronika Ina"]


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        # a dateline's place counts (national annotation rules), a kabupaten seat does not
        ("Kupang (ANTARA) - Santunan diserahkan di Lewoleba, Kabupaten Lembata.", ["Kota Kupang", "Lembata"]),
        ("Warga Kecamatan Kupang Tengah, Kabupaten Kupang, mendaftar.", ["Kabupaten Kupang"]),
        ("Plt Camat Kupang Tengah hadir di Kabupaten Kupang.", ["Kabupaten Kupang"]),
        ("Kepala Kanwil BPJS Ketenagakerjaan Bali Nusa Tenggara dan Papua, Cahyaning, hadir.", []),
        ("Klaim dibayar untuk wilayah Sikka, Flores Timur dan Lembata.",
         ["Sikka", "Flores Timur", "Lembata"]),
        ("NTT Terkini\nHome / Kota Kupang\nPekerja di Belu terlindungi.", ["Belu"]),
        ("Pekerja di Alor terlindungi.\nBaca Juga\nBupati Malaka Resmikan Pasar Baru", ["Alor"]),
        ("Pemkab Matim dan Sumbar menambah kuota.", ["Manggarai Timur", "Sumba Barat"]),
        ("Banjir melanda Padang, Sumbar, pekan lalu.", ["Kota Padang", "Sumatera Barat"]),
        ("Kepala Dinas Perikanan Lembata meninjau pantai.", ["Lembata"]),
    ],
)  # fmt: skip
def test_region_traps(text: str, regions: list[str]) -> None:
    assert [r["name"] for r in extract_facts(text)["regions"]] == regions


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Selasa, 23 September 2025 16:42 WIB\nSantunan diserahkan Senin (22/9).", ["2025-09-22"]),
        ("Kompas.com - 09/10/2025, 18:20 WIB\nPenghargaan diserahkan Rabu (8/10/2025).",
         ["2025-10-08"]),
        ("Ia jatuh dari perancah pada 14 Maret 2025 dan patah kaki.", ["2025-03-14"]),
        ("Aturan itu ditetapkan dengan Nomor 45 tanggal 3 Maret 2025 oleh bupati.", []),
        ("Festival berlangsung hingga Kamis (4/12) di pantai.", ["2025-12-04"]),
    ],
)  # fmt: skip
def test_event_date_traps(text: str, dates: list[str]) -> None:
    events = extract_facts(text, published=datetime(2025, 11, 29, 8, 0))["events"]
    assert sorted({e["date"] for e in events if e["date"] and e["type"] != "publication"}) == dates


@pytest.mark.parametrize(
    ("text", "stamp"),
    [
        ("Selasa, 23 September 2025 16:42 WIB\nSantunan diserahkan Senin (22/9).", "2025-09-23"),
        ("Kompas.com - 09/10/2025, 18:20 WIB\nPenghargaan diserahkan Rabu (8/10/2025).", "2025-10-09"),
        ("Pemkab Sleman Serahkan Kartu Jumat, 05/09/2025 | 13:53\nKartu diserahkan kemarin.", "2025-09-05"),
        ("Kamis, 13 Februari 2025 Reporter: Budi Santoso\nRapat digelar di aula.", "2025-02-13"),
        ("Baca juga: Pemkot Serahkan Santunan, Senin (1/9/2025) 10:00\nRapat digelar.", None),
    ],
)  # fmt: skip
def test_publication_stamp_is_a_publication_event(text: str, stamp: str | None) -> None:
    """A page's timestamp left in the text is a date of the text (national annotation rules),
    reported as its own event type, never as the date of the story's event."""
    events = extract_facts(text, published=datetime(2025, 11, 29, 8, 0))["events"]
    assert [e["date"] for e in events if e["type"] == "publication"] == ([stamp] if stamp else [])


@pytest.mark.parametrize(
    ("text", "nearest", "past"),
    [
        ("Kamis (4/12)", "2025-12-04", "2024-12-04"),  # weekday and nearness agree
        ("Senin (29/12)", "2025-12-29", "2025-12-29"),
        ("Jumat (5/12)", "2025-12-05", "2024-12-05"),
    ],
)
def test_year_inference_nearest_vs_past(text: str, nearest: str, past: str) -> None:
    ref = datetime(2025, 11, 29) if "29/12" not in text else datetime(2026, 1, 2)
    got = next(iter_id_datetimes(text, relative_to=ref, prefer_nearest=True)).value
    assert got.isoformat() == nearest
    assert next(iter_id_datetimes(text, relative_to=ref)).value.isoformat() == past


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Sebanyak 24 agen dan 1.200 penari ikut.", [24, 1200]),
        ("Dari jumlah itu, 9,6 juta merupakan pekerja bukan penerima upah.", [9_600_000]),
        ("Kalau celaka, satu keluarga bisa jatuh miskin.", []),
        ("Ada 1.412 klaim dan 27 badan usaha yang menunggak.", []),
        ("Setiap kelas diisi antara 30 hingga 45 peserta.", [30, 45]),
        ("Iuran bisa dibayar di 800 agen Bank NTT dan 12 agen Perisai.", [12]),
    ],
)
def test_worker_count_traps(text: str, values: list[int]) -> None:
    assert [c["value"] for c in extract_facts(text)["worker_counts"]] == values


def test_bullet_link_list_is_furniture() -> None:
    text = "Iuran Rp 16.800 sebulan.\n• Harga Cabai di Oesao Tembus Rp 80 Ribu per Kilogram"
    assert [a["value"] for a in extract_facts(text)["amounts"]] == [16800]
