"""An outlet's zone, from its region, reaches the cleaned article's publication time."""

from __future__ import annotations


def test_process_one_reads_local_times_in_the_outlets_zone() -> None:
    from pantau.pipeline import process_one

    page = (
        b"<html><head><title>Kartu untuk pekerja rentan</title>"
        b'<meta property="article:published_time" content="2025-10-06 09:30"></head><body>'
        b"<article><h1>Kartu untuk pekerja rentan</h1>"
        b"<p>Pemerintah kabupaten menyerahkan kartu kepada pekerja rentan di balai desa.</p>"
        b"<p>Sebanyak 2.150 petani dan nelayan kini terlindungi jaminan kecelakaan kerja.</p>"
        b"<p>Iuran selama satu tahun ditanggung anggaran daerah, kata kepala dinas.</p>"
        b"</article></body></html>"
    )
    published = {
        zone: process_one("https://warta.test/berita/1", page, "text/html", zone)["article"][
            "published"
        ]
        for zone in ("WIB", "WIT", None)
    }
    assert published == {"WIB": "2025-10-06T09:30:00+07:00", "WIT": "2025-10-06T09:30:00+09:00",
                         None: "2025-10-06T09:30:00+08:00"}  # fmt: skip
