"""National rules for officials and regions, one class of error per row (our own sentences)."""

from __future__ import annotations

import pytest

from extract.facts import extract_facts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a lone initial starts a name; "H." is an honorific
        ("Bupati Merangin M. Syukur membuka acara.", [("M. Syukur", "Bupati Merangin")]),
        ("Hadir Kepala Dinas Tenaga Kerja Kota Tegal, R Heru Setyawan, pagi itu.",
         [("R Heru Setyawan", "Kepala Dinas Tenaga Kerja Kota Tegal")]),
        ("Hadir pula Bupati Lebak, H. Hasbi dalam acara itu.", [("Hasbi", "Bupati Lebak")]),
        ("Sambutan disampaikan Dr. H.Bambang Utama, MM, Kepala Kantor Wilayah BPJS Ketenagakerjaan Sumbagsel.",
         [("Bambang Utama", "Kepala Kantor Wilayah BPJS Ketenagakerjaan Sumbagsel")]),
        # an abbreviation in parentheses stays in the title; written-out acting titles
        ("Kepala Dinas Tenaga Kerja dan Perindustrian (Disnakerin) Kota Tegal, Rina Wulandari, hadir.",
         [("Rina Wulandari", "Kepala Dinas Tenaga Kerja dan Perindustrian (Disnakerin) Kota Tegal")]),
        ("Pelaksana Harian (Plh) Bupati Cilacap Sri Wahyuni Lestari membuka acara.",
         [("Sri Wahyuni Lestari", "Pelaksana Harian (Plh) Bupati Cilacap")]),
        # national nomenclature
        ("Staf Ahli Bidang Pembangunan, Drs. Paulus Sitorus, membacakan sambutan.",
         [("Paulus Sitorus", "Staf Ahli Bidang Pembangunan")]),
        ("Acara dihadiri Danrem 042/Garuda Putih Kolonel Inf Rachmad Hidayat.", [("Rachmad Hidayat", "Danrem 042/Garuda Putih")]),
        # an agency's acronym is a unit; a cooperative's name is not a person
        ("Sambutan Kepala DPMPTSP Sulastri menegaskan hal itu.", [("Sulastri", "Kepala DPMPTSP")]),
        ("Rapat dipimpin Kepala Dinas Koperasi Rahmawati di aula.", [("Rahmawati", "Kepala Dinas Koperasi")]),
        # an office's place before ", <Name>"; a kecamatan written joined
        ("Menurut Kepala BPJS Ketenagakerjaan Tanjung Morawa, Roby, program berjalan baik.",
         [("Roby", "Kepala BPJS Ketenagakerjaan Tanjung Morawa")]),
        # lowercase titles with a full name
        ("Sambutan kepala dinas Ketenagakerjaan dan transmigrasi Budi Santoso dibacakan.",
         [("Budi Santoso", "kepala dinas Ketenagakerjaan dan transmigrasi")]),
        # coordinated officials
        ("Bupati dan Wakil Bupati Sleman, Harda Kiswaya dan Danang Maharsa, hadir.",
         [("Harda Kiswaya", "Bupati Sleman"), ("Danang Maharsa", "Wakil Bupati Sleman")]),
        # "Hari" inside a Balinese name; place names never inside a name
        ("Hadir Kepala BPJS Ketenagakerjaan Cabang Makassar, I Nyoman Hari Sujana, dan tamu.",
         [("I Nyoman Hari Sujana", "Kepala BPJS Ketenagakerjaan Cabang Makassar")]),
        ("Kepala Dinas Perikanan Buton Agus Salim meninjau dermaga.", [("Agus Salim", "Kepala Dinas Perikanan Buton")]),
        # abbreviated and lowercase title words, numbered assistants, unit numbers
        ("Ka BPJS Ketenagakerjaan Cabang Bekasi, Dodi Firmansyah, menyerahkan kartu.",
         [("Dodi Firmansyah", "Ka BPJS Ketenagakerjaan Cabang Bekasi")]),
        ("Asisten 2 Setda Kab. Bogor, Yusuf Hidayat, membuka acara.", [("Yusuf Hidayat", "Asisten 2 Setda Kab. Bogor")]),
        ("Hadir Kabid Kepesertaan BPJS Ketenagakerjaan cabang Garut, Ahmad Fauzi.",
         [("Ahmad Fauzi", "Kabid Kepesertaan BPJS Ketenagakerjaan cabang Garut")]),
        ("Presiden Republik Indonesia Prabowo Subianto meresmikan program.", [("Prabowo Subianto", "Presiden Republik Indonesia")]),
        ("Komandan Kodim 0809/Kediri Letkol Inf Bambang Irawan hadir.", [("Bambang Irawan", "Komandan Kodim 0809/Kediri")]),
        ("Camat Kec. Ngaglik Budi Santoso hadir.", [("Budi Santoso", "Camat Kec. Ngaglik")]),
        # an initial refers back to the full name
        ("Kepala Dinas Ketenagakerjaan Kabupaten Bone, Andi Muhlis, hadir. Kadis Nakertrans, A Muhlis, menyatakan siap.",
         [("Andi Muhlis", "Kepala Dinas Ketenagakerjaan Kabupaten Bone")]),
    ],
)  # fmt: skip
def test_national_officials(text: str, expected: list[tuple[str, str]]) -> None:
    found = [(o["name"], o["title"]) for o in extract_facts(text)["officials"]]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        # a kind cue decides; a bare name follows the cue given elsewhere; else the city
        ("Pemkab Bogor menggelar rapat. Di Bogor, peserta bertambah.", ["Kabupaten Bogor"]),
        ("Warga Kota Bogor dan Kab. Bogor antusias.", ["Kota Bogor", "Kabupaten Bogor"]),
        ("Festival digelar di Malang pekan lalu.", ["Kota Malang"]),
        # abbreviations and spelling variants
        ("Pekerja di Sulsel, Kaltim dan DIY terus bertambah.", ["Sulawesi Selatan", "Kalimantan Timur", "Daerah Istimewa Yogyakarta"]),
        ("Petani di Deliserdang dan Gunung Kidul terlindungi.", ["Deli Serdang", "Gunungkidul"]),
        ("Perusahaan di Bolmong Timur dan Bolmong Selatan mendaftar.", ["Bolaang Mongondow Timur", "Bolaang Mongondow Selatan"]),
        # a place glued into a capitalised run is a name or a company
        ("Pabrik PT Semen Gresik menyerap tenaga kerja.", []),
        # ... unless a venue word opens the run: the venue's town
        ("Acara digelar di Hotel Aston Batu pekan lalu.", ["Kota Batu"]),
        # offices and office areas are not places of the story; a dateline is
        ("Sidoarjo (ANTARA) – Kepala BPJS Ketenagakerjaan Cabang Surabaya, Rudi Hartono, hadir.", ["Sidoarjo"]),
        ("Kanwil BPJS Ketenagakerjaan Sumbar-Riau-Kepri menggelar rapat.", []),
        ("BPJS Ketenagakerjaan Baubau menyerahkan santunan di Wakatobi.", ["Wakatobi"]),
        # seats, kecamatan/distrik and peoples are not kabupaten/kota
        ("Santunan diserahkan di Purwokerto.", []),
        ("Sebanyak 1.747 orang di Distrik Manokwari Selatan terdaftar.", []),
        ("Pedagang mama-mama Papua menjual pinang di Kota Jayapura.", ["Kota Jayapura"]),
    ],
)  # fmt: skip
def test_national_regions(text: str, regions: list[str]) -> None:
    assert [r["name"] for r in extract_facts(text)["regions"]] == regions


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("Yang belum terlindungi sekitar 2.500-an orang.", [2500]),
        ("Penerima untuk non-ASN 3,486 TK dan swasta 12.010 TK.", [3486, 12010]),
        ("Di Minahasa Utara 147 perusahaan dengan tenaga kerja 4.382, lalu Bitung.", [4382]),
        ("Data mencapai 210.000 atau 69 persen pekerja yang terdaftar.", [210000]),
        ("Santunan untuk tiga aparatur gampong dan 156 kades dan lurah.", [3, 156]),
        ("Pemkab menjalankan program 1 desa 100 pekerja rentan.", []),
        ("Katakanlah dinas X mengajukan 50 orang, tinggal dikalikan.", []),
    ],
)  # fmt: skip
def test_national_worker_counts(text: str, counts: list[int]) -> None:
    assert [c["value"] for c in extract_facts(text)["worker_counts"]] == counts


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("Santunan sebesar Rp256,854.330,- diberikan bagi ahli waris.", [256_854_330]),
        ("Katakanlah premi Rp10 per orang, tinggal dikalikan.", []),
    ],
)  # fmt: skip
def test_national_amounts(text: str, amounts: list[int]) -> None:
    assert [a["value"] for a in extract_facts(text)["amounts"]] == amounts
