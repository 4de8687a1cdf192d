"""Error classes found by the fifth blind round (extract/gold_national/r5), one row per class,
written with our own sentences (never the round's)."""

from __future__ import annotations

import pytest

from extract.facts import extract_facts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the lower end of a range with one sign after the upper end is a percentage too
        ("Kenaikan upah diperkirakan 7-9 persen tahun depan.", [7.0, 9.0]),
        ("Realisasi pajak naik 20 hingga 25 persen dibanding tahun lalu.", [20.0, 25.0]),
        ("Target inflasi 2 s.d. 4% dijaga pemerintah daerah.", [2.0, 4.0]),
        # ... not a count before its share, nor a larger number, nor a year
        ("Sebanyak 12 atau 40 persen kelompok sudah mendaftar.", [40.0]),
        ("Pada 2025 - 30 persen desa belum menganggarkan iuran.", [30.0]),
        ("Capaian turun dari 90 hingga 80 persen.", [80.0]),
    ],
)  # fmt: skip
def test_percentage_classes(text: str, expected: list[float]) -> None:
    assert [p["value"] for p in extract_facts(text)["percentages"]] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a quota per unit with a verb and a range between the unit and the number
        ("Tiap kelurahan mengusulkan antara tiga hingga 12 orang kader.", []),
        ("Setiap sekolah mengirim 4 guru ke pelatihan itu.", []),
        # ... a count in a new clause after the quota is a count
        ("Setiap desa mengirim dua kader, sehingga total 140 kader dilatih.", [(140, "kader")]),
        # a per-place list with the noun left out of one item takes a neighbour's
        ("Sebarannya: Alor 640 nelayan, Lembata 515, dan Flores Timur 702 nelayan.",
         [(640, "nelayan"), (515, "nelayan"), (702, "nelayan")]),
        ("Sebarannya: Alor 640 nelayan dan Lembata 515.", [(640, "nelayan"), (515, "nelayan")]),
        # ... not a year after a place
        ("Program di Alor 2025, lalu Lembata 515 nelayan.", [(515, "nelayan")]),
        # people counted by sex
        ("Pelatihan diikuti 28 laki-laki dan 31 perempuan.", [(28, "laki-laki"), (31, "perempuan")]),
        # the counted noun with the possessive "-nya"
        ("Ketua Gapoktan itu menyebut 64 anggotanya sudah terdaftar.", [(64, "anggota")]),
        ("Koperasi itu mendaftarkan 230 pekerjanya tahun ini.", [(230, "pekerja")]),
    ],
)  # fmt: skip
def test_worker_count_classes(text: str, expected: list[tuple[int, str]]) -> None:
    found = [(c["value"], c["noun"]) for c in extract_facts(text)["worker_counts"]]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a title in parentheses after the name it belongs to, ending with a place or a unit word
        ("Angka itu dibenarkan Siti Rahmawati Lubis (Kepala Dinas Sosial Kota Medan).",
         [("Siti Rahmawati Lubis", "Kepala Dinas Sosial Kota Medan")]),
        ("Menurut Yosef Bunga da Costa (Camat Alok Timur), bantuan sudah tiba.",
         [("Yosef Bunga da Costa", "Camat Alok Timur")]),
        ("Laporan dibacakan Agus Harjono (Kepala Dinas Pemberdayaan Masyarakat dan Desa Klaten).",
         [("Agus Harjono", "Kepala Dinas Pemberdayaan Masyarakat dan Desa Klaten")]),
        # ... not a lone word before the parenthesis, nor a parenthesis holding more than a title
        ("Warga Oebobo (Lurah Oebobo) ikut rapat.", []),
        ("Rapat itu (Kepala Dinas Sosial Budi Santoso hadir) selesai sore.",
         [("Budi Santoso", "Kepala Dinas Sosial")]),
        # a village head's one-word place named earlier with its area word, then a one-word name
        ("Posko berdiri di Kalurahan Wonolelo. Lurah Wonolelo Sudarmo mengatakan air surut.",
         [("Sudarmo", "Lurah Wonolelo")]),
        ("Jalan Desa Mbongawani rusak. Kades Mbongawani Yakobus meminta perbaikan.",
         [("Yakobus", "Kades Mbongawani")]),
        ("Banjir melanda Kelurahan Guntur Raya. Lurah Guntur Raya Fitriyah mengatakan warga aman.",
         [("Fitriyah", "Lurah Guntur Raya")]),
        # ... the place unknown: the two words are the name
        ("Lurah Sudarmo Wibowo mengatakan air surut.", [("Sudarmo Wibowo", "Lurah")]),
        # two particles in a row inside a name, read forwards and backwards
        ("Kepala Dinas Pariwisata Ambon, Margaretha van der Meulen, membuka festival.",
         [("Margaretha van der Meulen", "Kepala Dinas Pariwisata Ambon")]),
        ("Margaretha van der Meulen, Kepala Dinas Pariwisata Ambon, membuka festival.",
         [("Margaretha van der Meulen", "Kepala Dinas Pariwisata Ambon")]),
        # the unit's place after its abbreviation in parentheses, then the name with no comma
        ("Rapat dibuka Sekretaris Daerah (Sekda) Alor Yusak Mau.",
         [("Yusak Mau", "Sekretaris Daerah (Sekda) Alor")]),
        # a sub-unit "pada" its parent office; lower-case honorifics after the comma
        ("Hal itu dijelaskan Kepala Seksi Jaminan Sosial pada Dinas Sosial Lembata, Yuliana Ratu.",
         [("Yuliana Ratu", "Kepala Seksi Jaminan Sosial pada Dinas Sosial Lembata")]),
        ("Kepala UPT Puskesmas Lewoleba, dr. Maria Ina Tokan, meninjau posko.",
         [("Maria Ina Tokan", "Kepala UPT Puskesmas Lewoleba")]),
        ("Menurut Kepala Dinas Pertanian Alor, drs. Markus Lau, M.Si, panen naik.",
         [("Markus Lau", "Kepala Dinas Pertanian Alor")]),
        # a title in apposition at the end of the sentence, its body's name running to the end
        ("\"Kami siap,\" ujar Nurlela Hasibuan, Ketua Koperasi Nelayan Bahari.",
         [("Nurlela Hasibuan", "Ketua Koperasi Nelayan Bahari")]),
        # ... or the title's one-word place, not a second person
        ("\"Bantuan sudah tiba,\" kata Yosef Bedu, Kades Watuliwung.",
         [("Yosef Bedu", "Kades Watuliwung")]),
        ("\"Bantuan sudah tiba,\" ujar Yosef Bedu, Lurah Kota Baru.",
         [("Yosef Bedu", "Lurah Kota Baru")]),
        ("\"Bantuan sudah tiba,\" kata Bupati Yosef.", [("Yosef", "Bupati")]),
        # a glued hyphen inside a name read backwards ("Al-…")
        ("Menurut Abdullah Salim Al-Jufri, Kepala Seksi Pelayanan Sosial, antrean berkurang.",
         [("Abdullah Salim Al-Jufri", "Kepala Seksi Pelayanan Sosial")]),
        # "Kalak", the short form of Kepala Pelaksana (BPBD)
        ("Plt Kalak BPBD Lembata, Yakobus Raring, memantau pengungsi.",
         [("Yakobus Raring", "Plt Kalak BPBD Lembata")]),
        # Sekcam, Direktris; a religious sister's "Sr." and congregation after the name
        ("Sekcam Nele, Hendrikus Bata, membuka musyawarah.", [("Hendrikus Bata", "Sekcam Nele")]),
        ("Direktris RSUD Larantuka, dr. Helena Kopong, menerima pasien.",
         [("Helena Kopong", "Direktris RSUD Larantuka")]),
        ("Kepala Sekolah SMPK Santa Maria, Sr. Yosefina Bupu, SSpS, menerima bantuan.",
         [("Yosefina Bupu", "Kepala Sekolah SMPK Santa Maria")]),
        # a rank before "<Name> selaku <Title>"
        ("Apel dipimpin Kompol Rinaldi Harahap selaku Kabag Ops Polres Batubara.",
         [("Rinaldi Harahap", "Kabag Ops Polres Batubara")]),
        ("Hadir Iptu Sugeng Riyadi selaku Kapolsek Kokap.", [("Sugeng Riyadi", "Kapolsek Kokap")]),
        # a Chinese-Indonesian name of three words ends a company's run with no comma
        ("Kegiatan itu didukung Direktur CV Mitra Usaha Tjoa Kim Liong dan para pedagang.",
         [("Tjoa Kim Liong", "Direktur CV Mitra Usaha")]),
        ("Manajer Toko Sinar Jaya Tan Bun Liong mengatakan stok aman.",
         [("Tan Bun Liong", "Manajer Toko Sinar Jaya")]),
        # the last word of an agency's own name before its regency, then the name with no comma
        ("Kepala Dinas Energi dan Sumber Daya Mineral Boalemo Yusran Dunggio hadir.",
         [("Yusran Dunggio", "Kepala Dinas Energi dan Sumber Daya Mineral Boalemo")]),
        ("Kepala Dinas Lingkungan Hidup Sleman Eko Prasetyo meninjau lokasi.",
         [("Eko Prasetyo", "Kepala Dinas Lingkungan Hidup Sleman")]),
        ("Kepala Dinas Kependudukan dan Pencatatan Sipil Bantul Rina Kusuma membuka layanan.",
         [("Rina Kusuma", "Kepala Dinas Kependudukan dan Pencatatan Sipil Bantul")]),
    ],
)  # fmt: skip
def test_officials_classes(text: str, expected: list[tuple[str, str]]) -> None:
    found = [(o["name"], o["title"]) for o in extract_facts(text)["officials"]]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a regency after the last word of an agency's name is a place
        ("Dinas Perpustakaan dan Kearsipan Boalemo membuka pojok baca.", ["Boalemo"]),
        ("Kepala Badan Penanggulangan Bencana Sleman Eko Prasetyo hadir.", ["Sleman"]),
        # ... and after the unit's abbreviation in parentheses
        ("Sekretaris Daerah (Sekda) Alor Yusak Mau membuka rapat.", ["Alor"]),
    ],
)  # fmt: skip
def test_region_classes(text: str, expected: list[str]) -> None:
    assert [r["name"] for r in extract_facts(text)["regions"]] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a photo caption is body; a short photo credit is furniture
        ("Foto: Camat Alok menyerahkan bantuan Rp 3 juta kepada 12 nelayan di Wuring.\n"
         "Foto: Dok. Humas Pemkab", ([12], [3000000])),
        ("Foto: Istimewa Rp 3 juta", ([], [])),
    ],
)  # fmt: skip
def test_caption_classes(text: str, expected: tuple[list[int], list[int]]) -> None:
    facts = extract_facts(text)
    found = ([c["value"] for c in facts["worker_counts"]], [a["value"] for a in facts["amounts"]])
    assert found == expected
