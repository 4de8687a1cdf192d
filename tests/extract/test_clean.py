"""Tests for the cleaning stage (extract.clean): bylines, datelines, furniture, page types,
fixture pages in four NTT templates, a smoke run over real pages and a mutation fuzz."""

from __future__ import annotations

import contextlib
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.clean import (
    MAX_HTML_BYTES,
    CleanedArticle,
    CleanError,
    clean_html,
    parse_byline,
    parse_dateline,
)
from extract.dates import WITA

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
REALPAGES = Path(__file__).parents[2].parent / "shared" / "realpages"
FETCHED = datetime(2025, 10, 1, 9, 0, tzinfo=WITA)

URLS = {
    "tribun_like": "https://flobamorapos.test/2025/07/07/pemkab-ttu-daftarkan-5200-petani",
    "antara_like": "https://kabarsasando.test/berita/1240/manggarai-barat-salurkan-santunan",
    "wordpress_like": "https://suaralontar.test/2025/09/03/pedagang-pasar-oeba/",
    "pemprov_ntt": "https://nttprov.go.id/berita/gubernur-minta-kabupaten-percepat-pendataan",
    "listing": "https://flobamorapos.test/index-news",
}


def _fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.html").read_bytes()


def _clean(name: str, **kwargs: object) -> CleanedArticle:
    return clean_html(_fixture(name), URLS[name], fetched_at=FETCHED, **kwargs)  # type: ignore[arg-type]


# --- bylines --------------------------------------------------------------------------------------

BYLINES: list[tuple[str, list[str], str | None, str | None]] = [
    # text, authors, editor, reporter
    (
        "Penulis: Dionisius Rebon | Editor: Eflin Rote",
        ["Dionisius Rebon"],
        "Eflin Rote",
        "Dionisius Rebon",
    ),
    ("Pewarta: Fransiska Ndun", ["Fransiska Ndun"], None, "Fransiska Ndun"),
    ("Editor: Bernadus Tokan", [], "Bernadus Tokan", None),
    (
        "Laporan Reporter POS-KUPANG.COM, Dionisius Rebon",
        ["Dionisius Rebon"],
        None,
        "Dionisius Rebon",
    ),
    (
        "Laporan Wartawan Flobamorapos.test, Maria Goreti Seran",
        ["Maria Goreti Seran"],
        None,
        "Maria Goreti Seran",
    ),
    (
        "Pewarta: Budi Santoso dan Agus Salim Editor: Yohanes Bria",
        ["Budi Santoso", "Agus Salim"],
        "Yohanes Bria",
        "Budi Santoso",
    ),
    (
        "Penulis: Nabila Putri Editor : Bayu Wibowo Sumber: Antara",
        ["Nabila Putri"],
        "Bayu Wibowo",
        "Nabila Putri",
    ),
    ("Penulis: MARIA GORETI SERAN", ["Maria Goreti Seran"], None, "Maria Goreti Seran"),
    ("Oleh: Yanti Lomi", ["Yanti Lomi"], None, "Yanti Lomi"),
    # organisations are not authors
    ("Penulis: Kompas Cyber Media", [], None, None),
    ("Penulis: Web Design; Development", [], None, None),
    ("Penulis: PT VIVA MEDIA BARU", [], None, None),
    ("Penulis: Tim Redaksi | Editor: admin", [], None, None),
    ("Diposting oleh: Biro Administrasi Pimpinan", [], None, None),
    ("Penulis: Flobamorapos.test", [], None, None),
    ("Pewarta: aln", [], None, None),  # sign-off initials, not a name
    # regional staff credited by role and base: the place is not a name
    ("Kontributor Atambua, Kristoforus Bere", ["Kristoforus Bere"], None, "Kristoforus Bere"),
    ("Kontributor Lhoknga", [], None, None),
    ("Penulis: Kontributor Waingapu", [], None, None),
    (
        "Koresponden Kupang, Yosef Lamanepa | Editor: Agus Salim",
        ["Yosef Lamanepa"],
        "Agus Salim",
        "Yosef Lamanepa",
    ),
]


@pytest.mark.parametrize(("text", "authors", "editor", "reporter"), BYLINES)
def test_parse_byline(
    text: str, authors: list[str], editor: str | None, reporter: str | None
) -> None:
    byline = parse_byline(text, outlet="Flobamorapos.test", host="flobamorapos.test")
    assert byline.authors == authors
    assert byline.editor == editor
    assert byline.reporter == reporter


# --- datelines ------------------------------------------------------------------------------------

DATELINES: list[tuple[str, str | None, str]] = [
    # paragraph, place, text left after the prefix
    (
        "POS-KUPANG.COM, KEFAMENANU - Badan Penyelenggara bekerja.",
        "KEFAMENANU",
        "Badan Penyelenggara bekerja.",
    ),
    (
        "FLOBAMORAPOS.TEST, KEFAMENANU - Pemerintah Kabupaten TTU mendata.",
        "KEFAMENANU",
        "Pemerintah Kabupaten TTU mendata.",
    ),
    (
        "Labuan Bajo (ANTARA) - Pemerintah Kabupaten Manggarai Barat menyerahkan.",
        "Labuan Bajo",
        "Pemerintah Kabupaten Manggarai Barat menyerahkan.",
    ),
    (
        "Kupang (Kabar Sasando) - Gubernur meminta pendataan.",
        "Kupang",
        "Gubernur meminta pendataan.",
    ),
    ("KUPANG, NTTOnlinenow.com - Wali kota membuka pasar.", "KUPANG", "Wali kota membuka pasar."),
    (
        "KUPANG, SuaraLontar.test - Sebanyak 350 pedagang menerima kartu.",
        "KUPANG",
        "Sebanyak 350 pedagang menerima kartu.",
    ),
    (
        "BERITABUANA.CO, KUPANG – Badan Penyelenggara memberi perlindungan.",
        "KUPANG",
        "Badan Penyelenggara memberi perlindungan.",
    ),
    ("REPUBLIKA.CO.ID, JAKARTA -- Aktris itu mengaku.", "JAKARTA", "Aktris itu mengaku."),
    (
        "Mataram, NTB (ANTARA News) - Sebanyak 29 penerbangan dibatalkan.",
        "Mataram",
        "Sebanyak 29 penerbangan dibatalkan.",
    ),
    (
        "JAKARTA, KOMPAS.com — Menteri menginginkan sistem baru.",
        "JAKARTA",
        "Menteri menginginkan sistem baru.",
    ),
    (
        "POS-KUPANG.COM - BPJS Ketenagakerjaan menegaskan komitmennya.",
        None,
        "BPJS Ketenagakerjaan menegaskan komitmennya.",
    ),
    (
        "JAKARTA - Langkah progresif ditunjukkan pemerintah.",
        "JAKARTA",
        "Langkah progresif ditunjukkan pemerintah.",
    ),
    (
        "Kupang - Gubernur meminta bupati mempercepat pendataan.",
        "Kupang",
        "Gubernur meminta bupati mempercepat pendataan.",
    ),
]


@pytest.mark.parametrize(("paragraph", "place", "rest"), DATELINES)
def test_parse_dateline(paragraph: str, place: str | None, rest: str) -> None:
    dl = parse_dateline(paragraph)
    assert dl is not None
    assert dl.place == place
    assert paragraph[len(dl.prefix) :] == rest


@pytest.mark.parametrize(
    "paragraph",
    [
        "DEPRESI jadi satu momok yang wajib diwaspadai.",
        "Pemerintah Kabupaten TTU mendaftarkan 5.200 petani.",
        "Kepala BPJS Ketenagakerjaan NTT, Wawan, menegaskan komitmennya.",
        "“Kami hadir untuk melindungi pekerja,” kata dia.",
    ],
)
def test_no_dateline(paragraph: str) -> None:
    assert parse_dateline(paragraph) is None


def test_dateline_with_date() -> None:
    dl = parse_dateline("ISTANBUL, 23 Februari 2016 (Antara/PRNewswire) -- Kota itu meresmikan.")
    assert dl is not None and dl.place == "ISTANBUL"
    assert dl.date is not None and str(dl.date.value) == "2016-02-23"


# --- fixture pages --------------------------------------------------------------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "tribun_like": {
        "published": "2025-07-07T14:30:00+08:00",
        "published_source": "meta",
        "modified": "2025-07-07T16:05:00+08:00",
        "authors": ["Maria Goreti Seran"],
        "editor": "Yohanes Bria",
        "reporter": "Maria Goreti Seran",
        "dateline": "KEFAMENANU",
        "outlet": "Flobamorapos.test",
        "section": "TTU Terkini",
        "tags": ["BPJS Ketenagakerjaan", "Timor Tengah Utara"],
        "weekday_mismatch": False,
        "language": "id",
        "title": "Pemkab TTU Daftarkan 5.200 Petani ke Program Jaminan Sosial",
    },
    "antara_like": {
        "published": "2025-07-21T15:30:00+08:00",
        "published_source": "byline",
        "authors": ["Fransiska Ndun"],
        "editor": "Bernadus Tokan",
        "reporter": "Fransiska Ndun",
        "dateline": "Labuan Bajo",
        "outlet": "Kabar Sasando",
        # the byline says "Selasa, 21 Juli 2025" but 21 July 2025 is a Monday
        "weekday_mismatch": True,
        "title": "Manggarai Barat salurkan santunan bagi ahli waris pekerja",
    },
    "wordpress_like": {
        "published": "2025-09-03T10:15:00+08:00",
        "published_source": "meta",
        "authors": ["Yanti Lomi"],
        "dateline": "KUPANG",
        "outlet": "SuaraLontar",
        "section": "Kota Kupang",
        "weekday_mismatch": False,
        "title": "Ratusan Pedagang Pasar Oeba Terima Kartu Perlindungan",
    },
    "pemprov_ntt": {
        "published": "2025-09-15T00:00:00+08:00",
        "published_source": "dateline",
        "authors": [],
        "dateline": "Kupang",
        "title": "Gubernur Minta Kabupaten Percepat Pendataan Pekerja Rentan",
    },
}

# Furniture that must never reach the text (cross-links name other people and events).
NOT_IN_TEXT = {
    "tribun_like": [
        "Baca juga",
        "Nelayan Atapupu",
        "GOOGLE NEWS",
        "Laporan Reporter",
        "Penulis:",
        "FLOBAMORAPOS.TEST",
        "Dinas Nakertrans TTU Latih",
        "(mgs)",
        "Semua hak",
    ],
    "antara_like": [
        "Baca juga",
        "Pengemudi ojek",
        "Pewarta",
        "Editor",
        "COPYRIGHT",
        "Harga beras",
        "(ANTARA)",
        "ANTARA/Fransiska",
        "412 Views",
    ],
    "wordpress_like": [
        "Baca Juga",
        "DPRD Kota Kupang Setujui",
        "Scroll ke bawah",
        "Foto:",
        "Tukang Ojek",
        "Banjir Rob",
        "SuaraLontar.test",
    ],
    "pemprov_ntt": [
        "Suasana rapat",
        "Biro Adpim",
        "Pelantikan Pejabat",
        "Hak Cipta",
        "Kupang -",
        "Dilihat",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_metadata(name: str) -> None:
    record = _clean(name).to_dict()
    for key, value in EXPECTED[name].items():
        assert record[key] == value, key
    assert record["page_type"] == "article"
    assert record["advertorial"] is False
    json.dumps(record)  # JSON-serialisable


@pytest.mark.parametrize("name", sorted(NOT_IN_TEXT))
def test_fixture_furniture_removed(name: str) -> None:
    article = _clean(name)
    for needle in NOT_IN_TEXT[name]:
        assert needle not in article.text, needle
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) >= 4
    assert all(p.strip() == p and p for p in paragraphs)


BOILERPLATE: list[tuple[str, str, str, str | None]] = [
    # fixture, kind, text fragment, url
    (
        "tribun_like",
        "baca_juga",
        "Nelayan Atapupu Terima Santunan",
        "https://flobamorapos.test/2025/07/05/nelayan-atapupu-terima-santunan",
    ),
    ("tribun_like", "follow", "Ikuti Berita FLOBAMORAPOS.TEST lainnya di GOOGLE NEWS", None),
    ("tribun_like", "caption", "FLOBAMORAPOS.TEST/MARIA GORETI SERAN", None),
    (
        "tribun_like",
        "related",
        "Dinas Nakertrans TTU Latih Seratus Pencari Kerja Muda",
        "https://flobamorapos.test/2025/07/01/dinas-nakertrans-ttu-latih-pencari-kerja",
    ),
    ("tribun_like", "byline", "Laporan Reporter FLOBAMORAPOS.TEST, Maria Goreti Seran", None),
    ("tribun_like", "signoff", "(mgs)", None),
    (
        "antara_like",
        "baca_juga",
        "Pengemudi ojek di Labuan Bajo",
        "https://kabarsasando.test/berita/1234/ojek-labuan-bajo",
    ),
    ("antara_like", "caption", "Penyerahan santunan kepada keluarga pekerja", None),
    (
        "wordpress_like",
        "baca_juga",
        "DPRD Kota Kupang Setujui Tambahan Anggaran",
        "https://suaralontar.test/2025/08/30/dprd-kota-kupang-setujui-anggaran/",
    ),
    ("wordpress_like", "scroll", "Scroll ke bawah untuk melanjutkan membaca", None),
    ("wordpress_like", "caption", "Foto: Pedagang ikan di Pasar Oeba", None),
    ("pemprov_ntt", "caption", "Suasana rapat koordinasi", None),
]


@pytest.mark.parametrize(("name", "kind", "fragment", "url"), BOILERPLATE)
def test_boilerplate_recorded(name: str, kind: str, fragment: str, url: str | None) -> None:
    records = _clean(name).boilerplate
    hits = [r for r in records if r["kind"] == kind and fragment in r["text"]]
    assert hits, (kind, fragment, records)
    if url is not None:
        assert hits[0]["url"] == url


PARAGRAPH_FURNITURE = [
    ("Baca juga: Gubernur Lantik Pejabat Baru di Kupang", "baca_juga"),
    ("BACA JUGA : Bupati Sikka Resmikan Pasar", "baca_juga"),
    ("Baca: Harga Cabai di Ende Naik", "baca_juga"),
    ("Ikuti Berita POS-KUPANG.COM lainnya di GOOGLE NEWS", "follow"),
    ("Simak berita terbaru lainnya di saluran WhatsApp kami", "follow"),
    ("Scroll ke bawah untuk lanjut membaca", "scroll"),
    ("POS-KUPANG.COM/DIONISIUS REBON", "caption"),
    ("Foto: Bupati TTU saat meninjau lokasi", "caption"),
    ("Laporan Reporter POS-KUPANG.COM, Dionisius Rebon", "byline"),
    ("Penulis: Dionisius Rebon | Editor: Eflin Rote", "byline"),
    # pagination link, video promos, embed placeholders, syndication notes
    ("Baca Selanjutnya: Harga Jagung di Atambua Turun", "baca_juga"),
    ("Lihat juga Video 'Warga Kupang Antre Minyak Tanah'", "promo"),
    ("Simak video pilihan berikut ini:", "promo"),
    ("Saksikan juga video menarik di bawah ini", "promo"),
    ("[Gambas:Video Kabar Timur]", "promo"),
    (
        "Artikel ini telah tayang di Flobamorapos.test dengan judul Bupati Resmikan Jembatan",
        "promo",
    ),
    ("Artikel ini telah naik di Kabartimur.test dengan judul Petani Panen Jagung", "promo"),
    # caption lines that end with their photo credit
    ("Petani memanen padi di Desa Oelnasi. (Foto: Maria Seran/flobamorapos.test)", "caption"),
    ("Petani memanen padi di Desa Oelnasi. Foto: Maria Seran", "caption"),
    ("Warga menimba air di embung desa. (Yosef Lamanepa/kabartimurcom)", "caption"),
    ("Warga menimba air di embung desa. (ANTARA FOTO/Kornelis Kaha)", "caption"),
]

# Prose that looks like furniture at first sight stays in the text.
NOT_FURNITURE = [
    "Warga diminta melihat video sosialisasi yang diputar di kantor desa sebelum mendaftar.",
    "Petugas menyiapkan foto: setiap peserta wajib membawa pas foto dan kartu keluarga.",
    "Bantuan itu diserahkan Kepala Dinas Sosial kepada perwakilan warga (mdk/yan).",
]


@pytest.mark.parametrize("paragraph", NOT_FURNITURE)
def test_prose_is_not_furniture(paragraph: str) -> None:
    html = _fixture("pemprov_ntt").decode("utf-8")
    marker = "<p>Menurut Silvester,"
    html = html.replace(marker, f"<p>{paragraph}</p>\n{marker}", 1)
    article = clean_html(html, URLS["pemprov_ntt"], fetched_at=FETCHED)
    assert paragraph in article.text, article.boilerplate


@pytest.mark.parametrize(("paragraph", "kind"), PARAGRAPH_FURNITURE)
def test_paragraph_furniture_in_text(paragraph: str, kind: str) -> None:
    """A furniture paragraph injected into the body is removed and recorded with its kind."""
    html = _fixture("pemprov_ntt").decode("utf-8")
    marker = "<p>Menurut Silvester,"
    html = html.replace(marker, f"<p>{paragraph}</p>\n{marker}", 1)
    article = clean_html(html, URLS["pemprov_ntt"], fetched_at=FETCHED)
    assert paragraph not in article.text
    assert any(r["kind"] == kind for r in article.boilerplate), article.boilerplate
    assert "Menurut Silvester" in article.text


BODY_START = [
    # fixture, url, first words of the text, words that must not be in it
    (
        "hidden_summary",  # summary/teaser elements hidden from readers before the lead
        "https://floreskini.test/2025/08/20/harga-beras-di-maumere-mulai-turun",
        "Harga beras medium di sejumlah pasar",
        ["Ringkasan", "warga Sikka lega", "Teaser tersembunyi"],
    ),
    (
        "bare_lead",  # the lead is loose text before the first <p> of the body
        "https://wartaperbatasan.test/daerah/2025/09/02/pemkab-belu-bangun-embung",
        "Pemerintah Kabupaten Belu membangun sepuluh embung",
        ["Atambua -"],
    ),
]


@pytest.mark.parametrize(("name", "url", "first", "absent"), BODY_START)
def test_body_start(name: str, url: str, first: str, absent: list[str]) -> None:
    article = clean_html(_fixture(name), url, fetched_at=FETCHED)
    assert article.text.startswith(first), article.text[:200]
    for words in absent:
        assert words not in article.text


def test_hidden_pages_of_a_paginated_article_stay() -> None:
    """Long hidden blocks with paragraphs are the other pages of the article, not teasers."""
    html = _fixture("pemprov_ntt").decode("utf-8")
    page2 = (
        '<div class="paging" style="display:none"><p>Pada halaman berikutnya, Silvester menjelaskan '
        "jadwal verifikasi data di setiap kabupaten dan kota.</p><p>Verifikasi ditargetkan selesai "
        "sebelum akhir tahun anggaran berjalan.</p></div>"
    )
    html = html.replace("<p>(Biro Adpim", page2 + "<p>(Biro Adpim", 1)
    article = clean_html(html, URLS["pemprov_ntt"], fetched_at=FETCHED)
    # (trafilatura itself may still skip them; Pantau does not prune them as teasers)
    assert not any(r["kind"] == "hidden" for r in article.boilerplate), article.boilerplate


AUTHORS = [
    # fixture, url, authors: the visible byline beats a JSON-LD author that is the editor; a
    # "Kontributor <Place>, <Name>" credit gives the name, not the place
    (
        "hidden_summary",
        "https://floreskini.test/2025/08/20/harga-beras-di-maumere-mulai-turun",
        ["Maria Goreti Seran"],
    ),
    (
        "bare_lead",
        "https://wartaperbatasan.test/daerah/2025/09/02/pemkab-belu-bangun-embung",
        ["Kristoforus Bere"],
    ),
]


@pytest.mark.parametrize(("name", "url", "authors"), AUTHORS)
def test_fixture_authors(name: str, url: str, authors: list[str]) -> None:
    assert clean_html(_fixture(name), url, fetched_at=FETCHED).authors == authors


@pytest.mark.parametrize(
    ("signoff", "authors"),
    [
        ("(KRISTOFORUS BERE)", ["Kristoforus Bere"]),  # the writer's name closes the story
        ("<strong>KRISTOFORUS BERE</strong>", ["Kristoforus Bere"]),
        ("(krb/ysf)", []),  # initials are not authors
        ("(ANTARA)", []),  # nor is a wire
    ],
)
def test_signoff_name_is_the_author(signoff: str, authors: list[str]) -> None:
    html = (
        _fixture("bare_lead")
        .decode("utf-8")
        .replace("Kontributor Atambua, Kristoforus Bere", "Warta Perbatasan")
        .replace("<p>(KRISTOFORUS BERE)</p>", f"<p>{signoff}</p>")
    )
    url = "https://wartaperbatasan.test/daerah/2025/09/02/pemkab-belu-bangun-embung"
    article = clean_html(html, url, fetched_at=FETCHED)
    assert article.authors == authors
    assert article.text.endswith("selama proyek berlangsung.")


def test_meta_author_role_and_place_is_not_a_name() -> None:
    html = (
        _fixture("bare_lead")
        .decode("utf-8")
        .replace("Kontributor Atambua, Kristoforus Bere", "")
        .replace("<p>(KRISTOFORUS BERE)</p>", "")
        .replace("</head>", '<meta name="author" content="Kontributor Atambua"></head>')
    )
    url = "https://wartaperbatasan.test/daerah/2025/09/02/pemkab-belu-bangun-embung"
    assert clean_html(html, url, fetched_at=FETCHED).authors == []


def test_story_ends_at_initials_signoff() -> None:
    """Promo lines and photo credits inside the text are removed; an initials sign-off on its own
    line closes the story, so the call to action and button label after it are not text."""
    article = clean_html(
        _fixture("promo_end"),
        "https://kabartimur.test/berita/d-123/nelayan-lembata",
        fetched_at=FETCHED,
    )
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith("Sebanyak 40 kelompok nelayan")
    assert paragraphs[-1].endswith("sebelum mesin diserahkan.")
    for gone in ("Foto:", "Lihat juga", "Gambas", "telah tayang", "Punya cerita", "Kirim Cerita"):
        assert gone not in article.text
    kinds = [r["kind"] for r in article.boilerplate]
    assert kinds.count("promo") == 3 and "caption" in kinds and "signoff" in kinds
    assert any(r["kind"] == "related" and "Kirim Cerita" in r["text"] for r in article.boilerplate)


def test_advertorial_label() -> None:
    html = (
        _fixture("wordpress_like")
        .decode("utf-8")
        .replace(
            '<h1 class="entry-title">',
            '<span class="label-post">ADVERTORIAL</span><h1 class="entry-title">',
        )
    )
    assert clean_html(html, URLS["wordpress_like"], fetched_at=FETCHED).advertorial is True
    html2 = (
        _fixture("pemprov_ntt")
        .decode("utf-8")
        .replace("<p>Kupang - ", "<p>Konten Bersponsor</p><p>Kupang - ")
    )
    assert clean_html(html2, URLS["pemprov_ntt"], fetched_at=FETCHED).advertorial is True
    # a menu link named "Advertorial" is not a label
    assert _clean("tribun_like").advertorial is False


def test_canonical_url_wins_but_not_a_homepage_canonical() -> None:
    article = clean_html(
        _fixture("tribun_like"), "https://flobamorapos.test/amp/123", fetched_at=FETCHED
    )
    assert article.url == URLS["tribun_like"]
    html = (
        _fixture("tribun_like")
        .decode("utf-8")
        .replace(URLS["tribun_like"], "https://flobamorapos.test/")
    )
    given = "https://flobamorapos.test/2025/07/07/x"
    assert clean_html(html, given, fetched_at=FETCHED).url == given


# --- page types and rejections --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://flobamorapos.test/index-news", "not_article:listing"),
        ("https://example.test/kanal/ntt-terkini", "not_article:listing"),  # by content too
        ("https://flobamorapos.test/", "not_article:homepage"),
    ],
)
def test_listing_rejected(url: str, reason: str) -> None:
    with pytest.raises(CleanError) as exc:
        clean_html(_fixture("listing"), url, fetched_at=FETCHED)
    assert exc.value.reason == reason


def test_listing_rejected_by_content_alone() -> None:
    with pytest.raises(CleanError) as exc:
        clean_html(_fixture("listing"), "https://example.test/x/halaman", fetched_at=FETCHED)
    assert exc.value.reason == "not_article:listing"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://detik.test/readfoto/2016/02/23/153201/1/gardu", "not_article:gallery"),
        ("https://flobamorapos.test/foto/2025/07/07/galeri-petani", "not_article:gallery"),
        ("https://flobamorapos.test/video/2025/07/07/petani", "not_article:other"),
        ("https://video.flobamorapos.test/peristiwa/petani.html", "not_article:other"),
        ("https://foto.flobamorapos.test/2025/07/07/petani", "not_article:gallery"),
        ("https://flobamorapos.test/tag/bpjs", "not_article:listing"),
    ],
)
def test_url_shapes(url: str, reason: str) -> None:
    with pytest.raises(CleanError) as exc:
        clean_html(_fixture("antara_like"), url, fetched_at=FETCHED)
    assert exc.value.reason == reason


_AD_SCRIPT = (
    "<div class='iklan-atas'><script>googletag.cmd.push(function() { var s = googletag"
    ".defineSlot('/1234/Mobile/Home', [[320, 100], [320, 50]], 'div-anchor'); s.addService("
    "googletag.pubads()); googletag.pubads().enableSingleRequest(); googletag.enableServices();"
    " googletag.display('div-anchor'); }); window.dataLayer = window.dataLayer || []; window."
    "dataLayer.push({event: 'home_view', kanal: 'beranda', versi: 'mobile', tema: 'theme15'});"
    " document.addEventListener('scroll', function() { var el = document.getElementById("
    "'div-anchor'); if (el) { el.style.position = 'fixed'; el.style.bottom = '0'; } });"
    "</script></div>"
)


def test_inline_ad_script_is_not_prose() -> None:
    # A mobile home page whose biggest "text" block is ad code must stay a listing.
    html = _fixture("listing").decode("utf-8").replace("<h1>", _AD_SCRIPT * 2 + "<h1>", 1)
    with pytest.raises(CleanError) as exc:
        clean_html(html, "https://example.test/m/beranda", fetched_at=FETCHED)
    assert exc.value.reason == "not_article:listing"


def _gallery(**replace: str) -> str:
    html = (FIXTURES / "gallery_like.html").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in html
        html = html.replace(old, new)
    return html


GALLERY_URL = "https://flobamorapos.test/news/read/5512/festival-tenun-ikat-kefamenanu"


@pytest.mark.parametrize(
    "variant",
    [
        {},  # "FOTO:" kicker + gallery controls; NewsArticle markup and a related list
        {"FOTO: ": ""},  # no kicker: the "click to enlarge" header
        {"FOTO: ": "", "Klik gambar untuk perbesar": ""},  # the slide counter alone
        {"FOTO: ": "", "Klik gambar untuk perbesar": "VIEW GALLERY 5 PHOTOS"},
    ],
)
def test_photo_gallery_rejected(variant: dict[str, str]) -> None:
    with pytest.raises(CleanError) as exc:
        clean_html(_gallery(**variant), GALLERY_URL, fetched_at=FETCHED)
    assert exc.value.reason == "not_article:gallery"


def test_video_page_rejected() -> None:
    html = (FIXTURES / "video_like.html").read_text(encoding="utf-8")
    url = "https://suaralontar.test/peristiwa/warga-gotong-royong-bangun-jembatan-bambu.html"
    with pytest.raises(CleanError) as exc:
        clean_html(html, url, fetched_at=FETCHED)
    assert exc.value.reason == "not_article:other"
    # no kicker, but the canonical URL is on the outlet's video host
    html = html.replace("VIDEO : ", "").replace(
        "https://suaralontar.test/peristiwa", "https://video.suaralontar.test/peristiwa"
    )
    with pytest.raises(CleanError) as exc:
        clean_html(html, url, fetched_at=FETCHED)
    assert exc.value.reason == "not_article:other"


def test_media_kicker_on_a_full_article_keeps_it() -> None:
    # A real story whose headline happens to start with "FOTO:" has article-length prose.
    html = _fixture("tribun_like").decode("utf-8").replace("Pemkab TTU Daftarkan", "FOTO: Pemkab")
    article = clean_html(html, URLS["tribun_like"], fetched_at=FETCHED)
    assert article.page_type == "article"
    assert article.title.startswith("FOTO: Pemkab")


@pytest.mark.parametrize(
    ("html", "content_type", "reason"),
    [
        (b"", None, "no_text"),
        (b"   \n ", None, "no_text"),
        (b"<html><body><p>Pendek.</p></body></html>", None, "no_text"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, None, "not_html"),
        (bytes(range(256)) * 20, None, "undecodable"),
        ("<html><body><p>Halo</p></body></html>".encode("utf-16-le"), None, "undecodable"),
        (b"%PDF-1.4 ...", "application/pdf", "not_html"),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
            None,
            "not_article:listing",
        ),
    ],
)
def test_rejections(html: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(CleanError) as exc:
        clean_html(html, "https://example.test/berita/1", content_type=content_type)
    assert exc.value.reason == reason


def test_too_large() -> None:
    with pytest.raises(CleanError) as exc:
        clean_html(b"<p>" + b"a" * (MAX_HTML_BYTES + 1), "https://example.test/a")
    assert exc.value.reason == "too_large"


# --- decoding -------------------------------------------------------------------------------------


def test_windows_1252_declared_as_utf8() -> None:
    html = (
        _fixture("pemprov_ntt")
        .decode("utf-8")
        .replace(
            "Menurut Silvester,",
            "Menurut Silvester \u2013 yang akrab disapa \u2018Pak Sil\u2019 \u2013,",
        )
    )
    article = clean_html(html.encode("cp1252"), URLS["pemprov_ntt"], fetched_at=FETCHED)
    assert "\u2018Pak Sil\u2019" in article.text


def test_charset_from_content_type_and_bom() -> None:
    html = _fixture("pemprov_ntt").decode("utf-8").replace("Silvester", "Silvèster")
    latin = html.replace('charset="utf-8"', "").encode("latin-1")
    article = clean_html(latin, URLS["pemprov_ntt"], content_type="text/html; charset=ISO-8859-1")
    assert "Silvèster" in article.text
    bom = b"\xef\xbb\xbf" + html.encode("utf-8")
    assert "Silvèster" in clean_html(bom, URLS["pemprov_ntt"]).text
    utf16 = html.encode("utf-16")  # with BOM
    assert "Silvèster" in clean_html(utf16, URLS["pemprov_ntt"]).text


@pytest.mark.parametrize(
    ("case", "encoding", "declared", "header"),
    [
        ("meta latin-1 pada byte UTF-8 (label basi)", "utf-8", "iso-8859-1", None),
        ("header windows-1252 pada byte UTF-8", "utf-8", None, "text/html; charset=windows-1252"),
        ("meta latin-1 pada byte latin-1 sungguhan", "latin-1", "iso-8859-1", None),
        (
            "header latin-1 pada byte latin-1 sungguhan",
            "latin-1",
            None,
            "text/html; charset=latin-1",
        ),
    ],
)
def test_stale_western_charset_label_on_utf8_bytes(
    case: str, encoding: str, declared: str | None, header: str | None
) -> None:
    html = _fixture("pemprov_ntt").decode("utf-8").replace("Silvester", "Silvèster")
    html = html.replace('charset="utf-8"', f'charset="{declared}"' if declared else "")
    article = clean_html(html.encode(encoding), URLS["pemprov_ntt"], content_type=header)
    assert "Silvèster" in article.text, case


def test_invalid_bytes_become_replacement() -> None:
    raw = _fixture("tribun_like").replace(
        b"Wakil Bupati TTU, Gerardus", b"Wakil Bupati \xff\xfe TTU, Gerardus"
    )
    article = clean_html(raw, URLS["tribun_like"], fetched_at=FETCHED)
    assert "Gerardus" in article.text


def test_deep_nesting_does_not_crash() -> None:
    body = "<div>" * 5000 + "<p>isi</p>" + "</div>" * 5000
    html = _fixture("pemprov_ntt").decode("utf-8").replace('<div class="container">', body, 1)
    with contextlib.suppress(CleanError):
        clean_html(html, URLS["pemprov_ntt"], fetched_at=FETCHED)


def test_future_meta_date_is_ignored() -> None:
    html = (
        _fixture("tribun_like")
        .decode("utf-8")
        .replace("2025-07-07T14:30:00+08:00", "2031-01-01T00:00:00+08:00")
    )
    article = clean_html(html, URLS["tribun_like"], fetched_at=FETCHED)
    assert article.published == datetime(2025, 7, 7, 14, 30, tzinfo=timezone(timedelta(hours=8)))
    assert article.published_source == "byline"


# --- real pages smoke test ------------------------------------------------------------------------


def _index_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for line in (REALPAGES / "INDEX.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].endswith((".html", ".xml")):
            continue
        names, kind = cells[0], cells[1]
        m = re.match(r"(\w+?)_(\d)\.\.(\d)\.html", names)
        if m:  # "antara_article_2..4.html"
            for i in range(int(m.group(2)), int(m.group(3)) + 1):
                kinds[f"{m.group(1)}_{i}.html"] = kind
            continue
        parts = [p.strip() for p in names.split("/")]
        labels = [k.strip() for k in kind.split("/")]
        for i, part in enumerate(parts):
            kinds[part] = labels[min(i, len(labels) - 1)]
    return kinds


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="shared realpages folder not present")
def test_realpages_smoke() -> None:
    kinds = _index_kinds()
    pages = sorted(REALPAGES.glob("*.html"))
    assert pages
    for page in pages:
        kind = kinds.get(page.name, "")
        truth = page.with_name(page.name + ".truth.json")
        if truth.is_file():  # read page by page, finer than INDEX.md's rows
            kind = json.loads(truth.read_text(encoding="utf-8"))["page_type"].upper()
        url = f"https://realpages.invalid/{page.stem}"
        try:
            article = clean_html(
                page.read_bytes(), url, fetched_at=datetime(2025, 1, 1, tzinfo=WITA)
            )
        except CleanError as exc:
            assert not kind.startswith("ARTICLE") or "readfoto" in page.name, (page.name, exc)
            continue
        assert kind.startswith("ARTICLE"), (page.name, kind, "listing returned as article")
        assert article.published is not None, page.name
        assert article.published.tzinfo is not None
        assert len(article.text) >= 120
        assert article.title
        json.dumps(article.to_dict())


# --- mutation fuzz --------------------------------------------------------------------------------

_FIXTURE_BYTES = {name: _fixture(name) for name in URLS}


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[bytes, str | None]:
    name = draw(st.sampled_from(sorted(_FIXTURE_BYTES)))
    data = _FIXTURE_BYTES[name]
    op = draw(st.sampled_from(["truncate", "junk", "nest", "charset", "splice", "nul"]))
    content_type: str | None = None
    if op == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif op == "junk":
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(min_size=1, max_size=64)) + data[pos:]
    elif op == "nest":
        depth = draw(st.integers(100, 3000))
        tag = draw(st.sampled_from([b"div", b"span", b"p", b"b", b"table"]))
        pos = data.find(b"<p>")
        pos = pos if pos >= 0 else len(data) // 2
        data = data[:pos] + b"<" + tag + b">" * 1 + (b"<" + tag + b">") * depth + data[pos:]
    elif op == "charset":
        content_type = "text/html; charset=" + draw(
            st.sampled_from(["utf-16", "shift_jis", "bogus-charset", "latin-1", "utf-32", "koi8-r"])
        )
    elif op == "splice":
        a, b = sorted(draw(st.lists(st.integers(0, len(data)), min_size=2, max_size=2)))
        data = data[:a] + data[b:]
    else:
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + b"\x00" * draw(st.integers(1, 10)) + data[pos:]
    return data, content_type


@settings(
    max_examples=int(os.environ.get("PANTAU_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_mutated())
def test_fuzz_only_clean_errors(case: tuple[bytes, str | None]) -> None:
    data, content_type = case
    try:
        article = clean_html(
            data,
            "https://flobamorapos.test/2025/07/07/x",
            fetched_at=FETCHED,
            content_type=content_type,
        )
    except CleanError:
        return
    json.dumps(article.to_dict())
    assert article.page_type == "article"


@pytest.mark.parametrize(
    ("zone", "iso"),
    [(None, "2025-10-06T09:30:00+08:00"),  # default: WITA
     ("WIB", "2025-10-06T09:30:00+07:00"), ("WIT", "2025-10-06T09:30:00+09:00")],
)  # fmt: skip
def test_a_time_without_zone_is_read_in_the_outlets_zone(zone: str | None, iso: str) -> None:
    import wilayah

    page = (
        "<html><head><title>Kartu untuk pekerja rentan</title>"
        '<meta property="article:published_time" content="2025-10-06 09:30"></head><body>'
        "<article><h1>Kartu untuk pekerja rentan</h1>"
        + "<p>Pemerintah kabupaten menyerahkan kartu kepada pekerja rentan di balai desa.</p>"
        "<p>Sebanyak 2.150 petani dan nelayan kini terlindungi jaminan kecelakaan kerja.</p>"
        "<p>Iuran selama satu tahun ditanggung anggaran daerah, kata kepala dinas.</p>"
        "<p>Program serupa akan diperluas ke kecamatan lain pada tahun depan.</p>"
        "</article></body></html>"
    )
    tz = wilayah.zone_named(zone) if zone else None
    article = clean_html(page, "https://warta.test/berita/1", tz=tz)
    assert article.published is not None and article.published.isoformat() == iso
