"""Error classes found by the fourth blind round (extract/gold_national/r4), one row per class,
written with our own sentences (never the round's)."""

from __future__ import annotations

import pytest

from extract.facts import extract_facts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a village head's title, a compound place name and the name with no comma: the place
        # takes two words ("Sungai …", "Koto …", "Tanjung …")
        ("Wali Nagari Koto Baru Hendri Saputra meresmikan jembatan itu.",
         [("Hendri Saputra", "Wali Nagari Koto Baru")]),
        ("Kepala Desa Tanjung Harapan Sugiarto Wibowo menyerahkan bantuan.",
         [("Sugiarto Wibowo", "Kepala Desa Tanjung Harapan")]),
        # ... a one-word name after a compound place, unless the word ends place names
        ("Lurah Sungai Lulut Mariani meninjau lokasi banjir.", [("Mariani", "Lurah Sungai Lulut")]),
        ("Warga Kelurahan Sungai Lulut Hulu mengungsi.", []),
        # ... a Balinese "I"/"Ni" starts the name, also after Perbekel/Keuchik
        ("Perbekel Tejakula I Made Arya Wiguna mengatakan air sudah mengalir.",
         [("I Made Arya Wiguna", "Perbekel Tejakula")]),
        ("Perbekel Tejakula, I Made Arya Wiguna, mengatakan air sudah mengalir.",
         [("I Made Arya Wiguna", "Perbekel Tejakula")]),
        ("Kepala Desa Batur Ni Luh Putu Sari hadir.", [("Ni Luh Putu Sari", "Kepala Desa Batur")]),
        # customary heads and their units; honorifics written out ("Haji", "Jero Mangku")
        ("Bendesa Adat Kuta, Jero Wayan Suarsa, menyampaikan terima kasih.",
         [("Wayan Suarsa", "Bendesa Adat Kuta")]),
        ("Kelian Banjar Adat Tegal, Jero Mangku Wayan Sudarma, memimpin upacara.",
         [("Wayan Sudarma", "Kelian Banjar Adat Tegal")]),
        ("Ondoafi Sereh, Yohanis Ohee, menyambut rombongan.", [("Yohanis Ohee", "Ondoafi Sereh")]),
        ("Ketua Paguyuban Pedagang Pasar Baru, Haji Mansyur Daeng, mendukung program itu.",
         [("Mansyur Daeng", "Ketua Paguyuban Pedagang Pasar Baru")]),
        # "Kampung" inside a unit's name is part of the title, not a person
        ("Kepala Dinas Pemberdayaan Masyarakat Kampung Mimika, Yuliana Beanal, hadir.",
         [("Yuliana Beanal", "Kepala Dinas Pemberdayaan Masyarakat Kampung Mimika")]),
        # Polda directorate heads fused with their unit, sub-directorate heads
        ("Dirreskrimsus Polda Riau Kombes Pol Hendra Gunadi mengatakan kasus itu naik.",
         [("Hendra Gunadi", "Dirreskrimsus Polda Riau")]),
        ("Kasubdit III Ditreskrimum Kompol Yudi Prasetyo menambahkan pelaku sudah ditahan.",
         [("Yudi Prasetyo", "Kasubdit III Ditreskrimum")]),
        # judges
        ("Sidang dipimpin Hakim Ketua Ridwan Harahap di pengadilan itu.", [("Ridwan Harahap", "Hakim Ketua")]),
        ("Majelis hakim yang diketuai Hakim Yusran Lubis menunda sidang.", [("Yusran Lubis", "Hakim")]),
        ("Majelis hakim menunda sidang sepekan.", []),
        # ... "Hakim" after a name word is part of the name
        ("Ketua DPRD Ende, Lukman Hakim Siregar, membuka rapat.",
         [("Lukman Hakim Siregar", "Ketua DPRD Ende")]),
        ("Bupati Lukman Hakim menyerahkan bantuan.", [("Lukman Hakim", "Bupati")]),
        # "Mangku" is an honorific only after "Jero"
        ("Camat Kota Baru, Budi Mangku Negoro, hadir.", [("Budi Mangku Negoro", "Camat Kota Baru")]),
        # a title with no unit of its own, or with its owner or time after it, before ", <Name>"
        ("Kepala Kantor Cabang, Nurhasanah Lubis, menyerahkan kartu peserta.",
         [("Nurhasanah Lubis", "Kepala Kantor Cabang")]),
        ("Manajer Keuangan perusahaan, Liem Swie King, menyebut laba naik.",
         [("Liem Swie King", "Manajer Keuangan")]),
        ("Manajer Operasional perusahaan tersebut, Liem Swie King, menyebut laba naik.",
         [("Liem Swie King", "Manajer Operasional")]),
        ("Kepala Desa Sumberejo saat ini, Purwanti, mengatakan jalan sudah diperbaiki.",
         [("Purwanti", "Kepala Desa Sumberejo")]),
        # ... but a lone word after a bare title may be the office's place
        ("Kepala Kantor Cabang, Kupang, belum memberi keterangan.", []),
        # a unit's place after its acronym or abbreviation, before ", <Name>"
        ("Ketua KAN Sungai Limau, Syamsuardi, hadir di acara itu.",
         [("Syamsuardi", "Ketua KAN Sungai Limau")]),
        ("Ketua Lembaga Adat (LA) Sungai Limau, Syamsuardi, hadir di acara itu.",
         [("Syamsuardi", "Ketua Lembaga Adat (LA) Sungai Limau")]),
        ("Kepala DPMPTSP Sulastri mengatakan izin sudah terbit.", [("Sulastri", "Kepala DPMPTSP")]),
        # a body's own name ("Serikat", "Koperasi" …) is never a person's
        ("Ketua DPD Serikat Petani Indonesia (SPI) Kota Medan, Sukarno, menolak rencana itu.",
         [("Sukarno", "Ketua DPD Serikat Petani Indonesia (SPI) Kota Medan")]),
        # a facility's or a body's place before ", <Name>"; a compound place before a rank
        ("Kepala Puskesmas Oesao, drg. Christina Lay, menyebut pasien bertambah.",
         [("Christina Lay", "Kepala Puskesmas Oesao")]),
        ("Direktur Operasional PT Sinar Abadi, Tjhin Siu Fong, menyebut laba naik.",
         [("Tjhin Siu Fong", "Direktur Operasional PT Sinar Abadi")]),
        ("Kapolsek Tanjung Karang Barat Kompol Yuliani Sihombing memimpin olah TKP.",
         [("Yuliani Sihombing", "Kapolsek Tanjung Karang Barat")]),
        ("Kepala Jorong Koto Tuo, Syafri Malin Kuniang, ikut hadir.",
         [("Syafri Malin Kuniang", "Kepala Jorong Koto Tuo")]),
        ("Kepala Kampung Sereh Yakob Ohee dan Ondoafi Sereh Herman Yoku hadir.",
         [("Yakob Ohee", "Kepala Kampung Sereh"), ("Herman Yoku", "Ondoafi Sereh")]),
        # an initial or a name prefix inside a unit's run starts the name
        ("Pimpinan Cabang BRI Unit Sengkang A. Rahman Daeng Pasau mengatakan kredit naik.",
         [("A. Rahman Daeng Pasau", "Pimpinan Cabang BRI Unit Sengkang")]),
        ("Kepala Desa Bonto Tangnga Andi Sitti Rahma menyambut tamu.",
         [("Andi Sitti Rahma", "Kepala Desa Bonto Tangnga")]),
        # a woman's given name "Siti" starts the name after a compound place
        ("\"Semua sudah lunas,\" tutur Lurah Kebon Jeruk Siti Rohana.",
         [("Siti Rohana", "Lurah Kebon Jeruk")]),
        # councils, bishops, police sections
        ("Ketua Majelis Ulama Indonesia (MUI) Kota Palu, Habib Ali Alhabsyi, memimpin doa.",
         [("Habib Ali Alhabsyi", "Ketua Majelis Ulama Indonesia (MUI) Kota Palu")]),
        ("Uskup Agung Makassar Mgr. Petrus Palangi memimpin misa.",
         [("Petrus Palangi", "Uskup Agung Makassar")]),
        ("Kanit Reskrim Polsek Mandonga Ipda Laode Rustam menyebut pelaku sudah ditahan.",
         [("Laode Rustam", "Kanit Reskrim Polsek Mandonga")]),
        ("Kepala Sekolah SMAN 1 Tuban, Endang Sulistyowati, menyebut siswa lolos.",
         [("Endang Sulistyowati", "Kepala Sekolah SMAN 1 Tuban")]),
        # a school with its number
        ("Kepala SMPN 3 Mataram, Hj. Rukayah, mengatakan siswa antusias.",
         [("Rukayah", "Kepala SMPN 3 Mataram")]),
    ],
)  # fmt: skip
def test_officials_classes(text: str, expected: list[tuple[str, str]]) -> None:
    found = [(o["name"], o["title"]) for o in extract_facts(text)["officials"]]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # people in a criminal case are counted
        ("Dua tersangka dan tiga kurir diamankan polisi.", [(2, "tersangka"), (3, "kurir")]),
        ("Polisi menangkap 4 pelaku pencurian ternak.", [(4, "pelaku")]),
    ],
)  # fmt: skip
def test_worker_count_classes(text: str, expected: list[tuple[int, str]]) -> None:
    found = [(c["value"], c["noun"]) for c in extract_facts(text)["worker_counts"]]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a sea or strait named after a province or city is not that place
        ("Kapal itu hilang di perairan Laut Maluku sejak pekan lalu.", []),
        ("Nelayan Kota Bitung melaut hingga Laut Maluku dan Selat Makassar.", ["Kota Bitung"]),
        ("Harga ikan di Maluku turun.", ["Maluku"]),
    ],
)  # fmt: skip
def test_region_classes(text: str, expected: list[str]) -> None:
    assert [r["name"] for r in extract_facts(text)["regions"]] == expected
