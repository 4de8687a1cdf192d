"""The coverage map (/peta): province outlines under the seats and pins, drawn offline.

The page is rendered by the real plugin on the published demo snapshot; the last test opens it
in Debian's chromium and lets no request leave the local server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from tests.datasette.conftest import fetch, load_plugin, serving
from tests.datasette.test_browser import _browser_or_skip, local_page

SVG = "{http://www.w3.org/2000/svg}"


PAGES = load_plugin("pantau_pages.py", "pantau_pages_peta")


def test_map_draws_province_outlines_under_the_pins(snapshot: Path) -> None:
    page = fetch(snapshot, ["/peta"])["/peta"].text
    doc = lxml_html.fromstring(page)
    svg = doc.cssselect("svg.pantau-map")[0]
    children = [el for el in svg if isinstance(el.tag, str)]
    kinds = [el.get("class", "").split(" ")[0] for el in children]
    assert svg.cssselect("circle.pin")
    first_pin = next(i for i, el in enumerate(children) if el.tag == "a")
    outlines = [i for i, k in enumerate(kinds) if k == "province-outline"]
    assert max(outlines) < first_pin  # the base layer is under the pins
    titles = {
        el.get("data-code"): el.findtext("title") for el in svg.cssselect("path.province-outline")
    }
    assert titles["53"] == "Nusa Tenggara Timur"  # the demo's province
    assert "11" not in titles  # Aceh is far outside the demo's box
    ntt = svg.cssselect('path[data-code="53"]')[0]
    assert ntt.get("d").count("M") >= 5  # Timor, Flores, Sumba, Alor, Rote …
    assert "stroke-dasharray" not in ntt.attrib
    note = doc.cssselect("p.pantau-map-note")[0].text_content()
    assert "Natural Earth" in note and "domain publik" in note and "perkiraan" in note


def test_map_page_asks_for_nothing_outside(snapshot: Path) -> None:
    page = fetch(snapshot, ["/peta"])["/peta"].text
    doc = lxml_html.fromstring(page)
    loaded = [el.get("src") for el in doc.iter() if el.get("src")]
    loaded += [el.get("href") for el in doc.iter("link")]
    loaded += [el.get("href") for el in doc.cssselect("svg.pantau-map a")]  # the pins' links
    assert loaded and not [r for r in loaded if r.startswith(("http:", "https:", "//"))], loaded


VIEWS = [
    # west, north, south-east corner of the box (deg): provinces drawn, provinces not drawn
    ((118.0, -7.5, 126.0, -11.5), {"53", "52"}, {"11", "91", "31"}),
    ((130.0, 1.0, 141.5, -9.5), {"91", "92", "93", "94", "95", "96"}, {"53", "31"}),
    ((105.5, -5.5, 108.0, -7.0), {"31", "32", "36"}, {"53", "35"}),
]


@pytest.mark.parametrize(("box", "drawn", "absent"), VIEWS)
def test_outline_paths_of_a_view(
    box: tuple[float, float, float, float], drawn: set[str], absent: set[str]
) -> None:
    west, north, east, south = box
    scale = 600 / (east - west)
    view = PAGES.MapView(west, north, 10.0, scale, 620.0, (north - south) * scale + 20)
    svg = etree.fromstring(
        f'<svg xmlns="http://www.w3.org/2000/svg">{PAGES.outline_paths(view, "id")}</svg>'
    )
    paths = {p.get("data-code"): p for p in svg.iter(f"{SVG}path")}
    assert drawn <= set(paths) and not absent & set(paths)
    for code, p in paths.items():
        approximate = code in {"64", "65", "91", "92", "93", "94", "95", "96"}
        assert ("stroke-dasharray" in p.attrib) is approximate
        assert p.findtext(f"{SVG}title").endswith("(batas perkiraan)") is approximate
    assert PAGES.outline_paths(view, "id") is PAGES.outline_paths(view, "id")  # cached
    english = PAGES.outline_paths(view, "en")
    assert "(batas perkiraan)" not in english
    assert ("(approximate border)" in english) is bool(drawn & {"91", "65"})


def test_map_in_a_browser_stays_on_localhost(published_home: Path) -> None:
    _browser_or_skip()
    with serving(published_home) as (base, _), local_page(base) as (page, refused):
        page.goto(f"{base}/peta")
        ntt = page.locator('svg.pantau-map path.province-outline[data-code="53"]')
        assert ntt.is_visible()
        box = ntt.bounding_box()
        assert box and box["width"] > 200
    assert not refused, refused
