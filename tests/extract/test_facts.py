"""extract_facts: officials, worker counts, regions, events, quotes; seed-article scores."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.facts import EXTRACTOR_VERSION, FIELDS, REJECTED, extract_facts

SEEDS = Path(__file__).parents[2].parent / "shared" / "seeds"
REQUIRED = {"start", "end", "sentence", "extractor", "version", "confidence"}


# --------------------------------------------------------------------------- worker counts


@pytest.mark.parametrize(
    ("sentence", "value", "noun", "qualifier"),
    [
        ("Pemkab Ende melindungi 2.350 pekerja rentan tahun ini.", 2350, "pekerja rentan", None),
        ("Tercatat 8. 561 peserta baru mendaftar bulan lalu.", 8561, "peserta baru", None),
        ("Program ini menjangkau lebih dari 100 ribu petani.", 100_000, "petani", "lebih dari"),
        ("Sekitar 5 ribuan nelayan belum terdaftar.", 5000, "nelayan", "sekitar"),
        ("Targetnya satu juta tenaga kerja terlindungi.", 1_000_000, "tenaga kerja", None),
        ("Kartu diserahkan kepada dua ratus pekerja informal.", 200, "pekerja informal", None),
        ("Santunan diberikan kepada 17 ahli waris peserta.", 17, "ahli waris", None),
        ("Pemda menanggung iuran 450 marbot dan koster.", 450, "marbot", None),
        ("Sebanyak 1.204 guru honorer kini menjadi peserta.", 1204, "guru honorer", None),
        ("Jumlahnya hingga 3.000 buruh pelabuhan.", 3000, "buruh", "hingga"),
        ("Kami menargetkan 12.000 anggota baru pada 2026.", 12000, "anggota baru", "target"),
        ("Pekerja rentan sebanyak 9.100 orang akan dilindungi.", 9100, "pekerja rentan", None),
    ],
)
def test_worker_counts(sentence: str, value: int, noun: str, qualifier: str | None) -> None:
    counts = extract_facts(sentence)["worker_counts"]
    assert [(c["value"], c["noun"]) for c in counts] == [(value, noun)]
    assert counts[0]["qualifier"] == qualifier
    assert sentence[counts[0]["start"] : counts[0]["end"]] == counts[0]["text"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Hal itu diatur dalam Pergub Nomor 18 Tahun 2025 tentang jaminan sosial.",
        "Aturan Pergub 18/2025 mulai berlaku bagi pekerja.",
        "Program berjalan sejak tahun 2025 bagi seluruh pekerja.",
        "Korban berusia 45 tahun dan bekerja sebagai nelayan.",
        "Usia 45 tahun pekerja itu tercatat di kartu.",
        "Salah satu pekerja menerima santunan Rp 20 juta.",
        "Sebanyak 35 persen pekerja belum terdaftar.",
        "Rapat digelar Senin (15/9/2025) bersama pekerja.",
        "Kantor itu memiliki 6 Kecamatan binaan.",
    ],
)
def test_worker_counts_negatives(sentence: str) -> None:
    assert extract_facts(sentence)["worker_counts"] == []


# --------------------------------------------------------------------------- officials


def _officials(text: str) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in extract_facts(text)["officials"]}


@pytest.mark.parametrize(
    ("sentence", "name", "title"),
    [
        ("Acara dibuka Bupati Ende, Yosef Benediktus Badeoda, pada pagi hari.",
         "Yosef Benediktus Badeoda", "Bupati Ende"),
        ("Maria Goreti Lamury, Wakil Bupati Sikka, menyampaikan sambutan.",
         "Maria Goreti Lamury", "Wakil Bupati Sikka"),
        ("Kepala BPJS Ketenagakerjaan Cabang Maumere Agus Salim Toha hadir.",
         "Agus Salim Toha", "Kepala BPJS Ketenagakerjaan Cabang Maumere"),
        ("Wakil Bupati Lembata Nasir Laode meninjau lokasi.", "Nasir Laode", "Wakil Bupati Lembata"),
        ("Ia bertemu Gubernur Ansel di rumah jabatan.", "Ansel", "Gubernur"),
        ("Deputi Direktur Wilayah Banuspa, Dodi Rahman Saleh, memberi arahan.",
         "Dodi Rahman Saleh", "Deputi Direktur Wilayah Banuspa"),
        ("Hadir pula Kepala Dinas Sosial Kabupaten Alor, Drs. Petrus Lani, M.Si, di lokasi.",
         "Petrus Lani", "Kepala Dinas Sosial Kabupaten Alor"),
        ("Ketua DPRD Kota Kupang Richard Odja memimpin rapat.",
         "Richard Odja", "Ketua DPRD Kota Kupang"),
        ("Kapolres Belu AKBP Benny Miniani Arief memastikan keamanan.",
         "Benny Miniani Arief", "Kapolres Belu"),
        ("Pj. Sekda Kabupaten Nagekeo, Yohanes da Costa, membuka acara.",
         "Yohanes da Costa", "Pj. Sekda Kabupaten Nagekeo"),
        ("Kepala Kantor Wilayah BPJS Ketenagakerjaan Banuspa, Gede Wirawan mengatakan itu.",
         "Gede Wirawan", "Kepala Kantor Wilayah BPJS Ketenagakerjaan Banuspa"),
        ("Camat Kota Soe, Yusak Tefa, hadir sejak pagi.", "Yusak Tefa", "Camat Kota Soe"),
        ("Wakil Ketua Komisi V DPRD NTT, Kristien Pati, meminta data.",
         "Kristien Pati", "Wakil Ketua Komisi V DPRD NTT"),
        ("Direktur Pelayanan BPJAMSOSTEK Roswita Nilakurnia menjelaskan manfaat.",
         "Roswita Nilakurnia", "Direktur Pelayanan BPJAMSOSTEK"),
    ],
)  # fmt: skip
def test_officials_orders(sentence: str, name: str, title: str) -> None:
    officials = _officials(sentence)
    assert name in officials, officials
    assert officials[name]["title"] == title
    assert sentence[officials[name]["start"] : officials[name]["end"]] == name


def test_officials_several_in_one_sentence_and_short_references() -> None:
    text = (
        "Kegiatan itu dihadiri Bupati Flores Timur, Antonius Doni Dihen, Wakil Bupati Flores "
        "Timur Ignasius Boli Uran, dan Kepala Dinas Nakertrans Flotim, Stefanus Kopong.\n\n"
        "Menurut Doni, program ini penting. Ignasius juga hadir bersama Kopong."
    )
    officials = extract_facts(text)["officials"]
    names = [o["name"] for o in officials]
    assert names == ["Antonius Doni Dihen", "Ignasius Boli Uran", "Stefanus Kopong"]
    doni = officials[0]
    assert doni["organization"] == "Pemerintah Kabupaten Flores Timur"
    assert doni["region"] == "Flores Timur"
    assert len(doni["mentions"]) == 2
    assert officials[2]["organization"].startswith("Dinas Tenaga Kerja dan Transmigrasi")


def test_officials_nickname_prefix_and_acronym() -> None:
    text = (
        "Gubernur Nusa Tenggara Timur Emanuel Melkiades Laka Lena membuka acara. "
        "Gubernur Melki menyebut program berlanjut.\n\n"
        "Mantan Gubernur NTT Viktor Bungtilu Laiskodat juga hadir. VBL memberi dukungan."
    )
    officials = extract_facts(text)["officials"]
    names = [o["name"] for o in officials]
    assert names == ["Emanuel Melkiades Laka Lena", "Viktor Bungtilu Laiskodat"]
    assert len(officials[0]["mentions"]) == 2
    assert len(officials[1]["mentions"]) == 2


def test_not_officials() -> None:
    text = (
        "Penulis: Yulius Bere | Editor: Kristina Rote\n"
        "Baca juga: Bupati Alor Iskandar Lakamau Resmikan Pasar\n"
        "Santunan diserahkan kepada ahli waris, Maria Seran, di rumahnya.\n"
        "Resmikan 12 Sekolah, Gubernur NTT Sebut Masih Banyak Pekerjaan Rumah |"
    )
    facts = extract_facts(text)
    assert facts["officials"] == []
    assert [r["name"] for r in facts["regions"]] == []


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Program diluncurkan di Kupang pekan ini.", [("Kota Kupang", "53.71", "kota")]),
        ("Pemkab Kupang menyiapkan dana.", [("Kabupaten Kupang", "53.01", "kabupaten")]),
        ("Bupati Kupang hadir di Oelamasi.", [("Kabupaten Kupang", "53.01", "kabupaten")]),
        ("Warga Kota Kupang menyambut baik.", [("Kota Kupang", "53.71", "kota")]),
        ("Pekerja di TTS dan TTU terlindungi.",
         [("Timor Tengah Selatan", "53.02", "kabupaten"),
          ("Timor Tengah Utara", "53.03", "kabupaten")]),
        ("Pemprov NTT bekerja sama dengan Pemkab SBD.",
         [("Nusa Tenggara Timur", "53", "provinsi"), ("Sumba Barat Daya", "53.18", "kabupaten")]),
        ("Bantuan menjangkau Mabar, Matim dan Rote.",
         [("Manggarai Barat", "53.15", "kabupaten"), ("Manggarai Timur", "53.19", "kabupaten"),
          ("Rote Ndao", "53.14", "kabupaten")]),
        ("Peserta dari Sabu Raijua dan Malaka ikut.",
         [("Sabu Raijua", "53.20", "kabupaten"), ("Malaka", "53.21", "kabupaten")]),
        ("Delegasi Jawa Timur dan Sulawesi Selatan datang ke Lembata.",
         [("Jawa Timur", "35", "provinsi"), ("Sulawesi Selatan", "73", "provinsi"),
          ("Lembata", "53.13", "kabupaten")]),
        ("Kantor wilayah Bali, Nusa Tenggara, dan Papua membawahi cabang.", []),
        ("Rekening dibuka di Bank NTT.", []),
    ],
)  # fmt: skip
def test_regions(sentence: str, expected: list[tuple[str, str, str]]) -> None:
    regions = extract_facts(sentence)["regions"]
    assert [(r["name"], r["code"], r["kind"]) for r in regions] == expected


def test_regions_distinct_with_mentions() -> None:
    regions = extract_facts("NTT maju. Provinsi NTT bangkit. Nusa Tenggara Timur kuat.")["regions"]
    assert len(regions) == 1 and len(regions[0]["mentions"]) == 3


# --------------------------------------------------------------------------- events


PUBLISHED = datetime(2025, 9, 16, 10, 0)


@pytest.mark.parametrize(
    ("sentence", "etype", "date", "place"),
    [
        ("Peluncuran program digelar di Aula Kantor Bupati Ende, Senin (15/9).",
         "launch", "2025-09-15", "Aula Kantor Bupati Ende"),
        ("Bupati menyerahkan kartu peserta kepada nelayan pada Jumat (12/9/25).",
         "handover", "2025-09-12", None),
        ("Kunjungan kerja gubernur berlangsung di Hotel Aston Kupang, Rabu, 10 September 2025.",
         "working_visit", "2025-09-10", "Hotel Aston Kupang"),
        ("Penandatanganan nota kesepahaman dilakukan bertempat di Gedung Sasando, 2 September.",
         "mou", "2025-09-02", "Gedung Sasando"),
        ("Sosialisasi program dilaksanakan di Balai Desa Oelnasi pada Selasa (9/9/2025).",
         "socialization", "2025-09-09", "Balai Desa Oelnasi"),
        ("Audiensi dengan gubernur berlangsung Kamis (4/9).", "audience", "2025-09-04", None),
        ("Penganugerahan Paritrana Award digelar di Kupang, Selasa (2/9/2025).",
         "award", "2025-09-02", "Kupang"),
        ("BPJS menyerahkan santunan kepada ahli waris di Kantor Desa Naibonat, Senin (8/9).",
         "benefit_payment", "2025-09-08", "Kantor Desa Naibonat"),
    ],
)  # fmt: skip
def test_events(sentence: str, etype: str, date: str, place: str | None) -> None:
    events = extract_facts(sentence, published=PUBLISHED)["events"]
    assert [(e["type"], e["date"], e["place"]) for e in events] == [(etype, date, place)]


def test_event_year_less_date_needs_published() -> None:
    events = extract_facts("Peluncuran program digelar Senin (15/9).")["events"]
    assert [(e["type"], e["date"]) for e in events] == [("launch", None)]


def test_event_across_new_year() -> None:
    events = extract_facts(
        "Peresmian kantor dilakukan Sabtu (28/12).", published=datetime(2026, 1, 3)
    )["events"]
    assert events[0]["date"] == "2025-12-28"


# --------------------------------------------------------------------------- quotes


def test_quotes_speakers() -> None:
    text = (
        "Kepala BPJS Ketenagakerjaan Cabang Kupang, Hendra Elvian, hadir dalam acara itu.\n\n"
        "“Kami siap melindungi seluruh pekerja rentan di daerah ini,” ujar Hendra.\n\n"
        "“Iurannya sangat terjangkau bagi semua kalangan masyarakat,” tegasnya.\n\n"
        "Sementara itu, Wali Kota Kupang, Christian Widodo mengatakan, “Kami akan menambah "
        "kuota peserta tahun depan.”\n\n"
        '"Semua pihak harus bergerak bersama demi pekerja," kata dia.'
    )
    quotes = extract_facts(text)["quotes"]
    assert [q["speaker"] for q in quotes] == [
        "Hendra Elvian",
        "Hendra Elvian",
        "Christian Widodo",
        "Christian Widodo",
    ]
    for q in quotes:
        assert text[q["start"] : q["end"]] == q["text"]
        assert "“" not in q["text"]


def test_short_scare_quotes_ignored() -> None:
    assert extract_facts("Program “unlimited” itu disebut sangat baik.")["quotes"] == []


# --------------------------------------------------------------------------- shape


def test_item_shape_and_json() -> None:
    text = (
        "Bupati Ende, Yosef Badeoda, meresmikan program bagi 2.000 pekerja rentan di Aula "
        "Kantor Bupati Ende, Senin (15/9/2025). Anggaran Rp 1,2 miliar atau 3,5 persen APBD.\n\n"
        "“Kami ingin semua pekerja terlindungi dengan baik,” ujar Yosef."
    )
    facts = extract_facts(text, published=PUBLISHED, title="Judul")
    assert set(facts) == {*FIELDS, REJECTED} and facts[REJECTED] == []
    json.dumps(facts)
    for field in FIELDS:
        assert facts[field], field
        for item in facts[field]:
            assert set(item) >= REQUIRED, (field, item)
            assert 0.0 <= item["confidence"] <= 1.0
            assert item["version"]
            assert item["extractor"].startswith("pantau_")
            assert item["start"] < item["end"] <= len(text)
            s, e = item["start"], item["end"]
            assert text[s:e] in item["sentence"] or item["sentence"] in text[s:e]
    assert EXTRACTOR_VERSION


def test_empty_and_blank() -> None:
    for text in ("", "   ", "\n\n"):
        facts = extract_facts(text)
        assert all(facts[f] == [] for f in FIELDS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    facts = extract_facts(text)
    json.dumps(facts)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Bupati", "TTU", ",", "Rp", "1.000", "juta", "persen", "pekerja", "“", "”", "\"",
             "ujar", "dia", ".", "Senin", "(15/9)", "Kupang", "Wawan", "di", "Aula", "\n", "-",
             "dua", "ratus", "Kepala", "BPJS", "wilayah", "(", ")", "adalah", "nya"]
        ),
        max_size=40,
    )
)  # fmt: skip
def test_domain_token_soup_never_raises(tokens: list[str]) -> None:
    json.dumps(extract_facts(" ".join(tokens), published=PUBLISHED))


# --------------------------------------------------------------------------- seeds

SEED_FIELDS = {
    "officials": ("officials", lambda x: x["name"], lambda x: x["name"]),
    "worker_counts": ("worker_counts", lambda x: x["value"], lambda x: x["value"]),
    "amounts": ("amounts_idr", lambda x: x["value"], lambda x: x["value"]),
    "percentages": ("percentages", lambda x: x["value"], lambda x: x["value"]),
    "event_dates": ("event_dates", lambda x: x["date"], lambda x: x["value"]),
    "regions": ("regions", lambda x: x["name"], lambda x: x),
}
MIN_RECALL = 0.9


def test_seed_articles_precision_recall() -> None:
    if not SEEDS.is_dir() or not list(SEEDS.glob("*.facts.json")):
        pytest.skip(f"no seed articles at {SEEDS}")
    tp = dict.fromkeys(SEED_FIELDS, 0)
    fp = dict.fromkeys(SEED_FIELDS, 0)
    fn = dict.fromkeys(SEED_FIELDS, 0)
    for gold_file in sorted(SEEDS.glob("*.facts.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        text = (SEEDS / gold["file"]).read_text(encoding="utf-8")
        got = extract_facts(text)
        for field, (gold_key, get_value, gold_value) in SEED_FIELDS.items():
            source = got["events"] if field == "event_dates" else got[field]
            found = {get_value(x) for x in source if get_value(x) is not None}
            expected = {gold_value(x) for x in gold[gold_key]}
            tp[field] += len(found & expected)
            fp[field] += len(found - expected)
            fn[field] += len(expected - found)
            if expected - found:
                print(f"{gold['file']} {field} missed: {sorted(map(str, expected - found))}")
    print(f"\n{'field':<15}{'tp':>4}{'fp':>4}{'fn':>4}{'precision':>11}{'recall':>8}")
    recalls = {}
    for field in SEED_FIELDS:
        p = tp[field] / (tp[field] + fp[field]) if tp[field] + fp[field] else 1.0
        r = tp[field] / (tp[field] + fn[field]) if tp[field] + fn[field] else 1.0
        recalls[field] = r
        print(f"{field:<15}{tp[field]:>4}{fp[field]:>4}{fn[field]:>4}{p:>11.2f}{r:>8.2f}")
    for field, r in recalls.items():
        assert r >= MIN_RECALL, f"{field} recall {r:.2f} < {MIN_RECALL}"
