"""An outlet's zone, from its region, reaches the cleaned article's publication time."""

from __future__ import annotations

from pathlib import Path


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


def test_process_fills_outlets_from_the_sources_file(tmp_path: Path) -> None:
    """`pantau process --sources` gives the KB's outlets their title and region."""
    import sqlite3

    from click.testing import CliRunner

    from kb.raw import RawStore
    from pantau.cli import cli

    home = tmp_path / "home"
    home.mkdir()
    RawStore(home / "raw.db").close()
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: warta-jatim\n    title: Warta Jatim\n    homepage: https://warta.test/\n"
        '    region: "35.15"\n    feeds: [https://warta.test/feed]\n'
        "    article_patterns: ['^https://warta\\.test/berita/']\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["process", "--home", str(home), "--workers", "0", "--sources", str(sources)]
    )
    assert result.exit_code == 0, result.output
    with sqlite3.connect(home / "kb.db") as conn:
        rows = conn.execute("SELECT name, title, region_code FROM outlet").fetchall()
    assert rows == [("warta-jatim", "Warta Jatim", "35.15")]
