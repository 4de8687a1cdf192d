"""Error classes found by the third blind round (extract/gold_national/r3) and national-dev,
one row per class, written with our own sentences (never the round's)."""

from __future__ import annotations

import pytest

from extract.facts import extract_facts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "Kepala Dinas" fused with its unit's abbreviation is a head naming its own unit
        ("Hal itu disampaikan Kadisnakertrans Maluku Utara, Yosef Lamadike, S.Sos, usai rapat.",
         [("Yosef Lamadike", "Kadisnakertrans Maluku Utara")]),
        ("Kadinsos Kota Ternate, Rina Hamid, mengatakan bantuan sudah cair.",
         [("Rina Hamid", "Kadinsos Kota Ternate")]),
        ("Menurut Kadishub, Budi Darmawan, jalan itu rusak berat.", [("Budi Darmawan", "Kadishub")]),
        # ... but the chamber of commerce "Kadin" is an organisation, not a head
        ("Ketua Kadin Bengkulu, Hendra Saputra, ikut hadir.", [("Hendra Saputra", "Ketua Kadin Bengkulu")]),
        # a spokesperson of a body is a position
        ("Juru bicara Badan Anggaran, Hasanuddin Daeng Nai, mencatat belanja naik.",
         [("Hasanuddin Daeng Nai", "Juru bicara Badan Anggaran")]),
        ("Jubir Fraksi PDI Perjuangan, Maria Tanone, menyoroti hal itu.",
         [("Maria Tanone", "Jubir Fraksi PDI Perjuangan")]),
        # a given name abbreviated with a dot does not end the name
        ("Kabag Umum Setda Bone, Abd. Rahman Lolo, membuka rapat.",
         [("Abd. Rahman Lolo", "Kabag Umum Setda Bone")]),
        ("Camat Tiworo, La Ode Moh. Ilham, hadir bersama warga.", [("La Ode Moh. Ilham", "Camat Tiworo")]),
        # a given-name abbreviation starts the name: an unknown word before it ends the title
        ("Acara dihadiri Sekda Lasolo Moh Zain Taher dan tamu undangan.",
         [("Moh Zain Taher", "Sekda Lasolo")]),
        ("Hadir Kepala Desa Lapuko La Ode Muh. Ali.", [("La Ode Muh. Ali", "Kepala Desa Lapuko")]),
        # a church office before the name; a congregation is the pastor's unit
        ("Doa dibawakan Pendeta Markus Lay dari jemaat setempat.", [("Markus Lay", "Pendeta")]),
        ("Menurut Pendeta Jemaat Efata, Yohana Lay, warga sudah siap.",
         [("Yohana Lay", "Pendeta Jemaat Efata")]),
        ("Ia sudah sepuluh tahun bekerja sebagai pendeta di desa itu.", []),
        # more fused heads and unit heads
        ("Kakankemenag Mamasa, Daniel Tandiarrang, meminta guru ikut terdaftar.",
         [("Daniel Tandiarrang", "Kakankemenag Mamasa")]),
        ("Kasatpol PP Kota Jambi, Ferry Kurniawan, mengatakan penertiban dimulai.",
         [("Ferry Kurniawan", "Kasatpol PP Kota Jambi")]),
        ("Direktur Utama PT Timah Tbk, Rizal Efendi, menyampaikan komitmen perusahaan.",
         [("Rizal Efendi", "Direktur Utama PT Timah Tbk")]),
        ("Komandan Lanal Bitung, Budi Rasyid, hadir bersama jajaran.", [("Budi Rasyid", "Komandan Lanal Bitung")]),
        # the service and corps code after a rank; more army corps
        ("Danlanal Ternate Kolonel Laut (P) Andi Rasyid Pangeran menyambut rombongan.",
         [("Andi Rasyid Pangeran", "Danlanal Ternate")]),
        ("Dandim 1801/Manokwari Letkol Arm Moh. Yusuf Hasan menyambut rombongan.",
         [("Moh. Yusuf Hasan", "Dandim 1801/Manokwari")]),
        # a district head without comma; a Balinese name before its title; "selaku" + a unit
        ("Kepala Distrik Oksibil Yulianus Uropmabin mengatakan jalan rusak.",
         [("Yulianus Uropmabin", "Kepala Distrik Oksibil")]),
        ("I Ketut Sudiarta, Kepala Desa Tri Karya, mengatakan warga antusias.",
         [("I Ketut Sudiarta", "Kepala Desa Tri Karya")]),
        ("Ketut Sudiarta selaku Kepala Desa Tri Karya mengatakan warga antusias.",
         [("Ketut Sudiarta", "Kepala Desa Tri Karya")]),
        ("Asisten Administrasi Umum Yusran, Kepala Dinas Sosial Hendra Bangsa, hadir.",
         [("Yusran", "Asisten Administrasi Umum"), ("Hendra Bangsa", "Kepala Dinas Sosial")]),
        # regional village heads
        ("Wali Nagari Sungai Pua, Afrizal Datuk Rajo Mudo, menyambut program itu.",
         [("Afrizal Datuk Rajo Mudo", "Wali Nagari Sungai Pua")]),
        ("Keuchik Gampong Lamteh, Zulkifli Ibrahim, menerima kartu.", [("Zulkifli Ibrahim", "Keuchik Gampong Lamteh")]),
        ("Perbekel Desa Pemuteran, I Made Suarta, hadir.", [("I Made Suarta", "Perbekel Desa Pemuteran")]),
        # a sentence opener before "<Name>, <Title>"; the Batak "br"; "St." (Siti) kept
        ("Menurut Budi Santoso, Camat Pangururan, pendataan selesai.", [("Budi Santoso", "Camat Pangururan")]),
        ("Menurut Rosmawati br Sinaga, Camat Pangururan, pendataan selesai.",
         [("Rosmawati br Sinaga", "Camat Pangururan")]),
        ("Ujar Hj. St. Nurhaliza, Kepala Bidang Kepesertaan BPJS Ketenagakerjaan Cabang Palu.",
         [("St. Nurhaliza", "Kepala Bidang Kepesertaan BPJS Ketenagakerjaan Cabang Palu")]),
        # "<Name> selaku <Title> <Place>.": the place is not a name
        ("Hadir Budi Santoso selaku Camat Pangururan.", [("Budi Santoso", "Camat Pangururan")]),
        # a photo caption with its credit, or a body line that lost its final period, is not a
        # Title Case headline: its capitalised words are names
        ("Iuran Pekerja Rentan Ditanggung Pemkab\n\nBupati Buton Tengah, H. Samsudin Rahim, "
         "bersama Kepala BPJS Ketenagakerjaan Baubau, Rika Anggraini, usai meneken kerja sama di "
         "Kantor Bupati, Senin (3/2/2025). (Foto: Istimewa)\n\nKerja sama itu berlaku setahun.",
         [("Samsudin Rahim", "Bupati Buton Tengah"), ("Rika Anggraini", "Kepala BPJS Ketenagakerjaan Baubau")]),
        ("Iuran Pekerja Rentan Ditanggung Pemkab\n\nKepala Cabang (Kacab) BPJS Ketenagakerjaan "
         "Sungailiat, Hermanto mengatakan, saat ini ada 2.150 Pekerja Bukan Penerima Upah Terdaftar\n\n"
         "Kerja sama itu berlaku setahun.",
         [("Hermanto", "Kepala Cabang (Kacab) BPJS Ketenagakerjaan Sungailiat")]),
        # ... while a real Title Case headline still holds no official
        ("Bupati Buton Tengah Serahkan Kartu BPJS Ketenagakerjaan Kepada Nelayan\n\nKartu dibagikan pagi tadi.", []),
    ],
)  # fmt: skip
def test_officials_classes(text: str, expected: list[tuple[str, str]]) -> None:
    found = [(o["name"], o["title"]) for o in extract_facts(text)["officials"]]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # security forces count people
        ("Jembatan gantung itu dibangun 85 personel Kodim bersama warga.", [(85, "personel")]),
        ("Sebanyak 40 prajurit Yonif ikut membersihkan pasar.", [(40, "prajurit")]),
        # would-be participants and displaced people
        ("Di Desa Oebelo tercatat 210 calon peserta baru.", [(210, "calon peserta")]),
        ("Sebanyak 300 orang mengungsi dan 45 pengungsi dirawat.", [(300, "orang"), (45, "pengungsi")]),
        # a part of a whole takes the whole's noun: "dari N pekerja, baru M yang …"
        ("Dari sekitar 54.000 nelayan di kabupaten itu, baru 12.300 yang sudah terdaftar.",
         [(54000, "nelayan"), (12300, "nelayan")]),
        ("Dari 2.000 peserta, 1.250 yang sudah menerima kartu.", [(2000, "peserta"), (1250, "peserta")]),
        # ... not when the whole is not people
        ("Dari 40 desa, baru 12 yang menganggarkan iuran.", []),
        ("Ada 17 yang hadir dalam rapat itu.", []),
        ("Dari 80.000 pekerja rentan di Bengkulu, baru 9.120 atau 11,4 persen yang terlindungi.",
         [(80000, "pekerja rentan"), (9120, "pekerja rentan")]),
        # a change from one figure to the next counts the same people
        ("Jumlah peserta naik dari 45 ribu menjadi 52 ribu orang.", [(45000, "orang"), (52000, "orang")]),
        ("Peserta aktif bertambah dari 1.200 menjadi 1.850 pekerja rentan.",
         [(1200, "pekerja rentan"), (1850, "pekerja rentan")]),
        # households are not people counts
        ("Dua keluarga nelayan menerima santunan. Sebanyak 120 KK dan 300 kepala keluarga "
         "mengungsi, total 1.050 jiwa.", [(1050, "jiwa")]),
        # a quota written after the noun is not a count
        ("Pemkab menargetkan 150 pekerja per desa tahun ini.", []),
        ("Tahun depan kami urus 25 tenaga kerja setiap kelurahan.", []),
    ],
)  # fmt: skip
def test_worker_count_classes(text: str, expected: list[tuple[int, str]]) -> None:
    found = [(c["value"], c["noun"]) for c in extract_facts(text)["worker_counts"]]
    assert found == expected


def test_a_lone_percentage_line_is_page_furniture() -> None:
    text = "0%\n\nCakupan kepesertaan di Kota Ternate naik menjadi 41,5 persen tahun ini."
    assert [p["value"] for p in extract_facts(text)["percentages"]] == [41.5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a bare list item named like a cued item of the same list is the other region
        ("Program itu berjalan di Kota Kupang, Kabupaten Belu, Malaka dan Kupang sejak tahun lalu.",
         ["Kota Kupang", "Belu", "Malaka", "Kabupaten Kupang"]),
        ("Iuran ditanggung Pemkot Bima, Dompu, dan Bima.", ["Kota Bima", "Dompu", "Kabupaten Bima"]),
        # ... not across sentences
        ("Warga Kota Sorong datang. Sorong, Papua Barat Daya, ramai.", ["Kota Sorong", "Papua Barat Daya"]),
    ],
)  # fmt: skip
def test_region_list_classes(text: str, expected: list[str]) -> None:
    assert [r["name"] for r in extract_facts(text)["regions"]] == expected


@pytest.mark.parametrize(
    ("text", "amounts", "counts"),
    [
        # a made-up example goes on in a following sentence that opens with a condition
        ("Katakanlah sebuah dinas mendaftarkan 30 orang dengan iuran Rp20. Kalau dinas lain "
         "mendaftarkan 45 orang, tinggal dikali 45 x Rp20. Tahun ini Pemkot membayar Rp 2,1 miliar "
         "untuk 12.000 pekerja.", [2100000000], [12000]),
        # ... a condition without a made-up example before it states real figures
        ("Jika ada yang meninggal, ahli waris menerima Rp42 juta. Kalau cacat, 300 peserta dapat Rp5 juta.",
         [42000000, 5000000], [300]),
    ],
)  # fmt: skip
def test_hypothetical_examples_span_a_conditional_sentence(
    text: str, amounts: list[int], counts: list[int]
) -> None:
    facts = extract_facts(text)
    assert [a["value"] for a in facts["amounts"]] == amounts
    assert [c["value"] for c in facts["worker_counts"]] == counts
