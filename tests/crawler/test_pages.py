"""Reading fetched article pages: canonical, AMP, multi-page links and joining."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.pages import declared_canonical, join_pages, own_text, page_links
from crawler.urls import fetch_url

ART = "https://kupang.tribunnews.com/2025/08/01/bpjs-ketenagakerjaan-lindungi-nelayan"


@pytest.mark.parametrize(
    ("html", "page_url", "canonical", "amp"),
    [
        (f'<html amp><head><link rel="canonical" href="{ART}/"></head></html>', ART.replace(".com/", ".com/amp/"), ART, True),
        (f'<html \u26a1 lang="id"><head><link rel="canonical" href="{ART}"></head></html>', ART + "?amp=1", ART, True),
        ('<html><head><link rel="canonical" href="/2025/08/01/bpjs-ketenagakerjaan-lindungi-nelayan?utm_source=x"></head></html>', "https://kupang.tribunnews.com/provinsi-ntt/700001/bpjs", ART, False),
        ('<html><head><link rel="canonical" href="https://www.antaranews.com/berita/1/asal"></head></html>', "https://kupang.antaranews.com/berita/1/salinan", None, False),
        ("<html><head></head><body>Tanpa canonical</body></html>", ART, None, False),
    ],
)
def test_declared_canonical(html: str, page_url: str, canonical: str | None, amp: bool) -> None:
    found = declared_canonical(Selector(text=html), page_url, html)
    assert (found.url, found.amp) == (canonical, amp)


def test_page_links_numbered_and_all() -> None:
    html = (f'<a href="{ART}?page=2">2</a><a href="?page=3">3</a><a href="{ART}?page=99">99</a>'
            '<a href="/2025/08/01/lain?page=2">lain</a><a href="?page=all">Tampilkan Semua</a>')
    assert page_links(Selector(text=html), ART, ART, "page") == (True, [2, 3])
    assert page_links(Selector(text="<p>Satu halaman.</p>"), ART, ART, "page") == (False, [])


def test_join_pages_keeps_one_document_in_order() -> None:
    first = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
             '<title>Judul</title></head><body><nav>Menu</nav><div class="txt-article">'
             "<p>Halaman satu.</p></div><footer>Kaki</footer></body></html>")
    second = ('<html><head><title>Judul</title></head><body><nav>Menu</nav>'
              '<div class="txt-article"><p>Halaman dua, Ba\u2019a.</p></div></body></html>')
    joined = join_pages([first, second], ".txt-article").decode("utf-8")
    assert joined.count("<title>") == 1 and joined.count("Menu") == 1
    assert joined.index("Halaman satu") < joined.index("Halaman dua") < joined.index("Kaki")
    assert 'charset="utf-8"' in joined and "iso-8859-1" not in joined
    assert "Ba\u2019a" in joined
    # Without a hint (or with a broken one) the <article>/<body> is the container.
    assert "Halaman dua" in join_pages([first, second], "][").decode("utf-8")


def test_own_text_ignores_links_and_side_panels() -> None:
    html = ("<html><head><title>Festival tenun</title></head><body><nav>BPJS Ketenagakerjaan</nav>"
            "<p>Penenun berkumpul.</p><p>Baca juga: <a href='/x'>BPJS Ketenagakerjaan</a></p>"
            "<aside>pekerja rentan</aside></body></html>")
    text = own_text(Selector(text=html))
    assert "Penenun" in text and "Festival tenun" in text
    assert "BPJS" not in text and "rentan" not in text


@pytest.mark.parametrize(
    ("url", "fetch"),
    [
        ("https://ekorantt.com/2025/08/01/judul/?utm_source=fb#x", "https://ekorantt.com/2025/08/01/judul/?"),
        ("https://Kupang.Tribunnews.com/amp/2025/08/01/judul", "https://kupang.tribunnews.com/2025/08/01/judul"),
        ("https://ekorantt.com/?p=1234&amp=1", "https://ekorantt.com/?p=1234"),
    ],
)
def test_fetch_url_keeps_the_sites_path(url: str, fetch: str) -> None:
    assert fetch_url(url) == fetch.rstrip("?")
