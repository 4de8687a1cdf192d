"""Cleaning on the shapes of real outlets' templates (issue 13), one table per failure class.

Every page here is written for the test: the markup reproduces a template's shape (where the date,
byline, caption, teaser and sign-off sit), the words are our own.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

import pytest

from extract.clean import CleanedArticle, clean_html

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
WIT = timezone(timedelta(hours=9), "WIT")
URL = "https://berita.test/daerah/2025/06/16/warga-menanam-bakau"

LEAD = (
    "Warga pesisir Desa Oeseli menanam dua ribu bibit bakau di sepanjang pantai utara pada Senin "
    "pagi bersama pelajar dan nelayan setempat."
)
MIDDLE = (
    "Kepala desa mengatakan penanaman bakau dilakukan untuk menahan abrasi yang setiap tahun "
    "menggerus halaman rumah warga di dekat muara sungai."
)
LAST = (
    "Kegiatan serupa akan diulang setiap musim hujan sampai seluruh pantai desa kembali hijau, "
    "kata dia."
)
MORE = (
    "Para nelayan berharap akar bakau kelak menjadi tempat ikan dan kepiting bertelur sehingga "
    "tangkapan mereka di perairan dangkal kembali bertambah."
)
BODY = f"<p>{LEAD}</p><p>{MIDDLE}</p><p>{MORE}</p><p>{LAST}</p>"


def page(
    *,
    head: str = "",
    above: str = "",
    byline: str = "",
    body: str = BODY,
    after: str = "",
    title: str = "Warga Menanam Bakau di Pesisir",
) -> str:
    """An article page: ``head`` metadata, ``above`` the headline, the byline, the body and what
    follows it, inside a site frame with a menu and a footer."""
    return f"""<html><head><title>{title} - Berita Test</title>
    <meta property="og:type" content="article">{head}</head><body>
    <nav class="menu"><a href="/">Beranda</a> <a href="/daerah">Daerah</a></nav>
    <div class="content">{above}<h1>{title}</h1>{byline}
    <div class="detail-text">{body}</div>{after}</div>
    <footer>Hak cipta Berita Test</footer></body></html>"""


def clean(html: str, tz: tzinfo = WIB) -> CleanedArticle:
    return clean_html(html, URL, tz=tz)


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("case", "html", "tz", "expected"),
    [
        (
            "jam meta ditulis dengan tanda hubung, tanggal tampak dengan WIB di atas judul",
            page(
                head='<meta name="pubdate" content="2025-06-16T14-05-11Z">',
                above='<div class="date">Senin 16 Jun 2025, 14:05 WIB</div>',
            ),
            WIB,
            datetime(2025, 6, 16, 14, 5, tzinfo=WIB),
        ),
        (
            "Z pada jam WIB (spasi sebelum T)",
            page(
                head='<meta name="pubdate" content="2025-11-05 T10:08:58Z">',
                byline='<div class="author">Maria Goreti - beritatest</div>'
                '<div class="date">Rabu, 05/11/2025 10:08 WIB</div>',
            ),
            WIB,
            datetime(2025, 11, 5, 10, 8, tzinfo=WIB),
        ),
        (
            "offset terbalik -07:00, tanggal tampak tanpa zona: zona outlet (WIB)",
            page(
                head='<meta property="article:published_time" content="2025-06-17T11:38:29-07:00">',
                byline='<div class="date-post">Reporter : Yosef Lagadoni | 17 Juni 2025 11:38</div>',
            ),
            WIB,
            datetime(2025, 6, 17, 11, 38, tzinfo=WIB),
        ),
        (
            "offset terbalik, outlet di zona WITA",
            page(
                head='<meta property="article:published_time" content="2025-06-17T11:38:29-08:00">',
                byline='<div class="date-post">17 Juni 2025 11:38</div>',
            ),
            WITA,
            datetime(2025, 6, 17, 11, 38, tzinfo=WITA),
        ),
        (
            "meta UTC yang benar dan tidak ada tanggal tampak",
            page(
                head='<meta property="article:published_time" content="2025-06-19T00:23:23+00:00">'
            ),
            WIB,
            datetime(2025, 6, 19, 7, 23, 23, tzinfo=WIB),
        ),
        (
            "jam lain di kepala situs (jam simpan) tidak menggeser meta yang benar",
            page(
                head='<meta property="article:published_time" content="2025-06-19T03:40:00+07:00">',
                above='<div class="tanggal">Kamis, 19 Juni 2025 12:34:00</div>',
            ),
            WIB,
            datetime(2025, 6, 19, 3, 40, tzinfo=WIB),
        ),
        (
            "itemprop dengan markup ter-escape dan 'at'",
            page(
                byline='<p class="datetime">on <span itemprop="datePublished" '
                'datetime="18 Jun 2025 at &lt;span&gt;06:25 WIB&lt;/span&gt;">'
                "18 Jun 2025 at <span>06:25 WIB</span></span></p>",
            ),
            WIB,
            datetime(2025, 6, 18, 6, 25, tzinfo=WIB),
        ),
        (
            "hari tanpa jam di kepala situs, jam di atas berita",
            page(
                above='<div id="jam">Jumat, 20 Juni 2025</div>'
                "<div><h3>Jumat, 20 Juni 2025 12:58 WIB</h3></div>",
            ),
            WIB,
            datetime(2025, 6, 20, 12, 58, tzinfo=WIB),
        ),
        (
            "tanpa zona di mana pun: zona outlet (WIT)",
            page(byline='<span class="tanggal">Rabu, 5 Maret 2025 09:30</span>'),
            WIT,
            datetime(2025, 3, 5, 9, 30, tzinfo=WIT),
        ),
        (
            "meta dan label sepakat (WITA)",
            page(
                head='<meta property="article:published_time" content="2025-03-05T09:30:00+08:00">',
                byline='<span class="tanggal">Rabu, 5 Maret 2025 09:30 WITA</span>',
            ),
            WITA,
            datetime(2025, 3, 5, 9, 30, tzinfo=WITA),
        ),
    ],
)
def test_publication_instant(case: str, html: str, tz: tzinfo, expected: datetime) -> None:
    art = clean(html, tz)
    assert art.published is not None and art.published.tzinfo is not None, case
    assert art.published == expected, (case, art.published)
    assert art.published.utcoffset() == expected.utcoffset(), (case, art.published)


# --------------------------------------------------------------------------- body start


CAPTION = "Warga dan pelajar menanam bibit bakau di pantai utara Desa Oeseli, Senin (16/6/2025)."
START_CASES = [
    (
        "dua paragraf pembuka lepas dipisah <br><br> sebelum <p> (KompasOtomotif)",
        page(
            body=f"<div class='div-read'><br /><strong>Rote, BeritaTest</strong> &ndash; {LEAD}"
            f"<br /><br />{MIDDLE}<p>{MORE}</p><p>{LAST}</p></div>"
        ),
    ),
    (
        "pembuka lepas dalam <span> sebelum paragraf <div> (VIVA)",
        page(
            body=f"<span itemprop='articleBody'><strong>BeritaTest.id</strong> - {LEAD}"
            f"<div><br /></div><div>{MIDDLE}</div><div><br /></div><div>{MORE}</div>"
            f"<div><br /></div><div>{LAST}</div></span>"
        ),
    ),
    (
        "keterangan foto dengan kredit di <span> sebelum kotak 'Berita Terkait' (Kompas)",
        page(
            body=f"<div class='photo'><img src='/a.jpg'><span class='author'>Dok. Humas</span> "
            f"{CAPTION}</div><div class='read-content'><div class='terkait'><h4>Berita Terkait"
            "</h4><ul><li><a href='/a'>Nelayan Oeseli Pulang Lebih Awal</a></li>"
            "<li><a href='/b'>Bakau di Teluk Kupang Mulai Tumbuh</a></li></ul></div>"
            f"<p>ROTE, BERITATEST.com — {LEAD}</p><p>{MIDDLE}</p><p>{MORE}</p><p>{LAST}</p></div>"
        ),
    ),
    (
        "pembuka lepas sebelum <p> pertama",
        page(body=f"<div>{LEAD}<p>{MIDDLE}</p><p>{MORE}</p><p>{LAST}</p></div>"),
    ),
    (
        "teks dan <br> saja, keterangan foto lebih dulu (detik 2015)",
        page(
            body=f"<div class='detail_text'><span class='caption'>{CAPTION}</span><br><br>"
            f"<b>Rote</b> - {LEAD}<br><br>{MIDDLE}<br><br>{MORE}<br><br>{LAST}<br><br>"
            "<strong>(ab/cd)</strong></div>"
        ),
    ),
]


START_CASES += [
    (
        "ringkasan tersembunyi h4.hide sebelum pembuka (mesin Tribun)",
        page(
            body="<h4 class='hide'>Ringkasan: warga menanam bakau untuk menahan abrasi.</h4>" + BODY
        ),
    ),
    (
        "kotak 'Headline' koran cetak di atas berita",
        page(
            above="<div class='box'><h3>Headline</h3><p>Harga beras di pasar kota naik dua kali "
            "dalam sepekan menjelang hari raya, pedagang mengeluh sepi pembeli.</p>"
            "<a href='/cetak'>Baca edisi cetak</a></div>"
        ),
    ),
    (
        "kotak e-paper di dalam isi berita",
        page(
            body="<div class='widget-epaper'><span>HEADLINE</span><p>Harga beras di pasar kota naik "
            "dua kali dalam sepekan menjelang hari raya.</p></div>" + BODY
        ),
    ),
    (
        "judul diulang di isi dengan awalan situs",
        page(body="<p>BeritaTest.com: Warga Menanam Bakau di Pesisir!</p>" + BODY),
    ),
    (
        "kredit foto 'Foto: Dok.' di tengah dan daftar tautan terkait di akhir",
        page(
            body=f"<p>{LEAD}</p><p>{CAPTION} Foto: Dok. Desa Oeseli</p><p>{MIDDLE}</p>"
            f"<p>{MORE}</p><p>{LAST}</p><div class='detail-related'><p><a href='/x'>Nelayan "
            "Oeseli Pulang Lebih Awal karena Gelombang Tinggi</a></p><p><a href='/y'>Bakau di "
            "Teluk Kupang Mulai Tumbuh Setelah Dua Tahun</a></p></div>"
        ),
    ),
]


@pytest.mark.parametrize(("case", "html"), START_CASES)
def test_body_starts_with_the_lead_and_ends_with_the_last_paragraph(case: str, html: str) -> None:
    paragraphs = clean(html).text.split("\n\n")
    assert paragraphs[0].startswith(LEAD[:60]), (case, paragraphs[0][:120])
    assert paragraphs[-1].endswith(LAST[-40:]), (case, paragraphs[-1][-120:])
    assert not any(CAPTION[:40] in p for p in paragraphs), case
    assert not any("Harga beras" in p or "Ringkasan" in p for p in paragraphs), case
    assert len(paragraphs) == 4, (case, paragraphs)


REST = f"<p>{MIDDLE}</p><p>{MORE}</p><p>{LAST}</p>"


@pytest.mark.parametrize(
    ("case", "body", "place", "first"),
    [
        (
            "situs lalu tempat dalam huruf tebal, tanpa tanda pisah (KLY)",
            f"<p><b>BeritaTest.com, Kupang</b> {LEAD}</p>" + REST,
            "Kupang",
            LEAD,
        ),
        (
            "tempat lalu situs dalam <strong>, tanpa tanda pisah",
            f"<p><strong>Atambua, BeritaTest.com</strong> {LEAD}</p>" + REST,
            "Atambua",
            LEAD,
        ),
        (
            "huruf tebal tanpa nama situs bukan dateline",
            f"<p><b>Desa Oeseli, Kupang</b> {LEAD}</p>" + REST,
            None,
            f"Desa Oeseli, Kupang {LEAD}",
        ),
        (
            "nama situs tebal di tengah kalimat bukan dateline",
            f"<p>Kepada <b>BeritaTest.com, Kupang</b> {LEAD}</p>" + REST,
            None,
            f"Kepada BeritaTest.com, Kupang {LEAD}",
        ),
    ],
)
def test_bold_dateline_without_a_dash(case: str, body: str, place: str | None, first: str) -> None:
    article = clean(page(body=body))
    assert article.dateline == place, case
    assert article.text.split("\n\n")[0] == first, case


def test_a_line_wrap_inside_a_paragraph_is_a_space() -> None:
    cut = LEAD.index(" bibit")
    html = page(body=f"<p>{LEAD[:cut]}<br>{LEAD[cut:].lstrip()}</p><p>{MIDDLE}<br><br>{MORE}</p>"
                f"<p>Daftar desa:<br>Oeseli<br>Oelasin</p><p>{LAST}</p>")  # fmt: skip
    paragraphs = clean(html).text.split("\n\n")
    assert paragraphs[0] == LEAD
    assert MIDDLE in paragraphs and MORE in paragraphs  # <br><br> still separates
    assert "Oeseli Oelasin" not in clean(html).text  # short list lines stay lines


@pytest.mark.parametrize(
    ("case", "html", "title"),
    [
        (
            "awalan situs di og:title",
            page(
                head='<meta property="og:title" content="BeritaTest.com: Warga Menanam Bakau">',
                title="Warga Menanam Bakau",
            ),
            "Warga Menanam Bakau",
        ),
        (
            "tanda baca dari <h1> bila meta menulis kata yang sama",
            page(
                head='<meta property="og:title" content="Warga Menanam Bakau, Kapan Panen - '
                'BeritaTest.com">',
                title="Warga Menanam Bakau, Kapan Panen?",
            ),
            "Warga Menanam Bakau, Kapan Panen?",
        ),
        (
            "judul meta lain dari <h1>: meta tetap dipakai",
            page(
                head='<meta property="og:title" content="Bakau Oeseli Ditanam Warga">',
                title="Warga Menanam Bakau di Pesisir",
            ),
            "Bakau Oeseli Ditanam Warga",
        ),
        (
            "label situs dan kanal sebelum judul di og:title: <h1> yang tampil",
            page(
                head='<meta property="og:title" content="BeritaTest.com: Daerah - Warga Menanam '
                'Bakau di Pesisir">',
            ),
            "Warga Menanam Bakau di Pesisir",
        ),
        (
            "label rubrik sesudah judul di og:title: <h1> yang tampil",
            page(
                head='<meta property="og:title" content="Warga Menanam Bakau di Pesisir | '
                'Liputan Khusus">',
            ),
            "Warga Menanam Bakau di Pesisir",
        ),
        (
            "awalan panjang bukan label: bagian judul meta, meta tetap dipakai",
            page(
                head='<meta property="og:title" content="Abrasi Menggerus Halaman Rumah di Tiga '
                'Desa: Warga Menanam Bakau di Pesisir">',
            ),
            "Abrasi Menggerus Halaman Rumah di Tiga Desa: Warga Menanam Bakau di Pesisir",
        ),
        (
            "tanda hubung di dalam kata bukan pemisah label",
            page(
                head='<meta property="og:title" content="Serba-Warga Menanam Bakau di Pesisir">',
            ),
            "Serba-Warga Menanam Bakau di Pesisir",
        ),
    ],
)
def test_title(case: str, html: str, title: str) -> None:
    assert clean(html).title == title, case


# --------------------------------------------------------------------------- authors


@pytest.mark.parametrize(
    ("case", "html", "authors", "editor"),
    [
        (
            "nama lalu perannya di bawahnya (Okezone)",
            page(
                byline="<div class='nmreporter'><div>Yohana Bria </div><span>Jurnalis</span></div>"
            ),
            ["Yohana Bria"],
            None,
        ),
        (
            "daftar kredit: peran lalu nama-nama (KLY)",
            page(
                after="<div class='credits-list hide'><ul><li class='role'><span>Author</span></li>"
                "<li><a href='/u/a'><span class='name'>Petrus Lewa</span></a></li>"
                "<li><a href='/u/b'><span class='name'>Agnes Dua Lodan</span></a></li>"
                "<li class='role'><span>Editor</span></li>"
                "<li><a href='/u/c'><span class='name'>Martha Ina</span></a></li></ul></div>",
            ),
            ["Petrus Lewa", "Agnes Dua Lodan"],
            "Martha Ina",
        ),
        (
            "byline kantor berita dengan tempat, rubrik dan tanggal: bukan orang",
            page(
                byline="<div class='byline'>Agence France-Presse, DILI, Timor-Leste | Dunia | "
                "Jum, 20 Juni 2025, 7:36</div>"
            ),
            [],
            None,
        ),
        (
            "byline tampak mengalahkan penulis JSON-LD (editor)",
            page(
                head='<script type="application/ld+json">{"@type": "NewsArticle", '
                '"author": {"@type": "Person", "name": "Sebastianus Rada"}}</script>',
                byline="<div class='penulis'>Penulis: Imelda Lomi | Editor: Sebastianus Rada</div>",
            ),
            ["Imelda Lomi"],
            "Sebastianus Rada",
        ),
        (
            "'Kontributor Tempat' bukan nama",
            page(byline="<div class='author'>Kontributor Lembata</div>"),
            [],
            None,
        ),
        (
            "nama kapital sendirian di baris terakhir",
            page(body=BODY + "<p>YULIANA BOLI</p>"),
            ["Yuliana Boli"],
            None,
        ),
        (
            "nama kapital dalam kurung di baris terakhir",
            page(body=BODY + "<p>(YULIANA BOLI)</p>"),
            ["Yuliana Boli"],
            None,
        ),
        (
            "inisial penutup bukan penulis",
            page(body=BODY + "<p>(yb/ab)</p>"),
            [],
            None,
        ),
    ],
)
def test_authors(case: str, html: str, authors: list[str], editor: str | None) -> None:
    art = clean(html)
    assert art.authors == authors, (case, art.authors)
    if editor is not None:
        assert art.editor == editor, (case, art.editor)


# --------------------------------------------------------------------------- body end and inside


@pytest.mark.parametrize(
    ("case", "html", "gone"),
    [
        (
            "blok kontak siaran pers di akhir",
            page(
                after="<p>KONTAK: humas@contoh.test</p><p>https://contoh.test/siaran</p>"
                "<p>Sumber: Pemerintah Desa Oeseli</p>"
            ),
            ["KONTAK", "https://contoh.test/siaran"],
        ),
        (
            "baris media yang hanya tautan",
            page(
                body=f"<p>{LEAD}</p><p>Video: https://video.contoh.test/bakau</p><p>{MIDDLE}</p>"
                f"<p>(Foto: http://foto.contoh.test/1.jpg)</p><p>{MORE}</p><p>{LAST}</p>"
            ),
            ["video.contoh.test", "foto.contoh.test"],
        ),
        (
            "promo video dan catatan sindikasi",
            page(
                body=f"<p>{LEAD}</p><p>Lihat juga Video 'Nelayan Menanam Karang'</p>"
                f"<p>{MIDDLE}</p><p>[Gambas:Video BeritaTest]</p><p>{MORE}</p><p>{LAST}</p>"
                "<p>Artikel ini telah tayang di BeritaTest.com dengan judul Warga Menanam Bakau</p>"
            ),
            ["Lihat juga", "Gambas", "telah tayang"],
        ),
    ],
)
def test_furniture_inside_and_after_the_body(case: str, html: str, gone: list[str]) -> None:
    text = clean(html).text
    assert text.endswith(LAST), (case, text[-200:])
    for piece in gone:
        assert piece not in text, (case, piece)


# --------------------------------------------------------------------------- page type


def _slides(n: int) -> str:
    links = "".join(
        f"<a class='image_detail' href='https://berita.test/foto/16/06/bakau-oeseli-{i}'>"
        f"<img src='/t{i}.jpg' width='156'></a>"
        for i in range(1, n + 1)
    )
    return f"<div class='thumb-gallery'>{links}</div>"


@pytest.mark.parametrize(
    ("case", "html", "page_type"),
    [
        (
            "strip foto bernomor dengan teaser satu kalimat",
            page(above=_slides(5), body=f"<p>{LEAD}</p>"),
            "gallery",
        ),
        (
            "foto cerita (In Picture) dengan lead dan paragraf sendiri tetap artikel",
            page(above=_slides(5), body=f"<p>{LEAD} {MIDDLE}<br><br>{MORE}</p>"),
            "article",
        ),
        (
            "artikel penuh dengan strip foto tetap artikel",
            page(above=_slides(5), body=BODY * 3),
            "article",
        ),
        (
            "tiga foto bukan strip galeri",
            page(above=_slides(3), body=f"<p>{LEAD} {MIDDLE}<br><br>{MORE}</p>"),
            "article",
        ),
    ],
)
def test_page_type_from_the_page(case: str, html: str, page_type: str) -> None:
    from extract.clean import CleanError

    try:
        got = clean(html).page_type
    except CleanError as exc:
        got = exc.reason.split(":", 1)[-1]
    assert got == page_type, case


TEASER = (
    "Pemerintah kabupaten menyalurkan bibit kepada kelompok tani di tiga kecamatan pada awal "
    "musim tanam tahun ini, kata kepala dinas pertanian setempat."
)
ITEMS = "".join(
    f"<div class='item'><h2><a href='/berita/2025/06/{i}/judul-{i}'>Judul berita nomor {i} "
    f"tentang petani dan nelayan desa</a></h2><p>{TEASER}</p></div>"
    for i in range(12)
)
HOME_CASES = [
    (
        "beranda portal: judul utama bertaut ke berita lain, ringkasan di bawahnya",
        "<html><head><title>BeritaTest - Berita Terkini NTT</title>"
        "<meta property='og:type' content='website'></head><body><div class='utama'>"
        f"<h1><a href='/berita/a'>Bupati Resmikan Pasar Ikan</a></h1><p>{TEASER} {TEASER} "
        f"{TEASER}</p></div><div class='list'>{ITEMS}</div></body></html>",
        "listing",
    ),
    (
        "buletin: ringkasan yang diakhiri 'Baca selengkapnya'",
        "<html><head><title>Kabar Pekan Ini</title></head><body><h1>Kabar Pekan Ini dari "
        "Redaksi</h1><p>Selamat pagi, berikut rangkuman pilihan pekan ini.</p>"
        + "".join(
            f"<h3>Rangkuman {i}</h3><p>{TEASER} <a href='/berita/{i}'>Baca selengkapnya</a></p>"
            for i in range(8)
        )
        + "</body></html>",
        "other",
    ),
    (
        "judul WordPress bertaut ke halaman itu sendiri tetap artikel",
        page(title=f"<a href='{URL}'>Warga Menanam Bakau di Pesisir</a>"),
        "article",
    ),
]


@pytest.mark.parametrize(("case", "html", "page_type"), HOME_CASES)
def test_home_pages_and_newsletters_are_not_articles(case: str, html: str, page_type: str) -> None:
    test_page_type_from_the_page(case, html, page_type)
