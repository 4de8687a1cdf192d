"""A real browser (Debian's chromium, driven by Playwright) against a real `pantau serve`.

Opens the home page, searches, opens an article from the results and sees its facts
highlighted, follows a highlight to its fact row, and sees the coverage map's markers. Only
requests to the local server are let through (no map tiles, nothing from the internet).

Skipped when /usr/bin/chromium is missing, except in CI (``CI=true``), where `.ci/run`
installs it and its absence is a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.datasette.conftest import serving

CHROMIUM = Path(os.environ.get("PANTAU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
PAGE_TIMEOUT_MS = 15_000


def _browser_or_skip() -> None:
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not CHROMIUM.exists():
        if in_ci:
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run should install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); CI runs this test")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if in_ci:
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")


@contextlib.contextmanager
def local_page(base: str, **options: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page of Debian's chromium (the test is skipped without it, see :func:`_browser_or_skip`)
    whose requests outside ``base`` are refused: yields the page and the URLs it refused.
    ``options`` go to ``new_page`` (e.g. ``accept_downloads=True``)."""
    _browser_or_skip()
    from playwright.sync_api import Route, sync_playwright

    refused: list[str] = []

    def local_only(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, **options)
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.route("**/*", local_only)
            yield page, refused
        finally:
            browser.close()


@pytest.fixture(scope="module")
def served(published_home: Path) -> Iterator[str]:
    """`pantau serve` on the published demo snapshot; yields its base URL."""
    _browser_or_skip()
    with serving(published_home) as (base, _):
        yield base


def test_search_open_article_see_facts_highlighted(served: str, tmp_path: Path) -> None:
    with local_page(served) as (page, _):
        page.goto(f"{served}/")
        assert "Pantau" in page.title()
        page.fill("#pantau-q", "pekerja rentan")
        page.press("#pantau-q", "Enter")
        page.wait_for_url(re.compile(r".*/cari\?q=.*"))
        results = page.locator("#text-results li")
        assert results.count() > 0

        page.locator("#text-results li > a").first.click()
        page.wait_for_url(re.compile(r".*/article/\d+$"))
        byline = page.locator("p.byline").inner_text()
        assert re.search(r"\w+, \d{1,2} \w+ 20\d\d \d\d\.\d\d WITA", byline), byline
        facts = page.locator("#article-text a.fact")
        assert facts.count() >= 3
        first = facts.first
        assert first.is_visible()
        background = first.evaluate("el => getComputedStyle(el).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        kinds = set(
            page.eval_on_selector_all(
                "#article-text a.fact", "els => els.map(e => e.classList[1])"
            )
        )
        assert len(kinds) >= 2, kinds
        page.screenshot(path=str(tmp_path / "article.png"), full_page=True)

        href = first.get_attribute("href") or ""
        assert re.fullmatch(r"/pantau/\w+/\d+", href), href
        first.click()
        page.wait_for_url(f"{served}{href}")
        assert page.locator("h1").inner_text().strip()

        page.goto(f"{served}/pantau/region_coverage")
        page.wait_for_selector(".leaflet-marker-icon, .marker-cluster")


# -- user flows (issue 14), each leaving screenshots for a reviewer --------------------------------
@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the flows' screenshots go: $PANTAU_SCREENSHOTS, else a temporary folder (printed)."""
    folder = Path(os.environ.get("PANTAU_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser_page(served: str) -> Iterator[Any]:
    with local_page(served) as (page, blocked):
        yield page
    assert not [u for u in blocked if "/pantau/" not in u and "region_coverage" not in u], blocked


def test_officer_answers_who_covered_the_announcement_from_the_home_page(
    served: str, browser_page: Any, screenshots: Path
) -> None:
    """Which outlets covered the Rp10,08 miliar announcement, who was quoted, which figures were
    printed — from the home page, in Indonesian, with local times."""
    page = browser_page
    page.goto(f"{served}/")
    assert "Cerita terbaru" in page.inner_text("body")
    page.screenshot(path=str(screenshots / "01-beranda.png"), full_page=True)
    page.fill("#pantau-q", "Rp10,08 miliar")
    page.press("#pantau-q", "Enter")
    page.wait_for_url(re.compile(r".*/cari\?q=.*"))
    figures = page.locator("#figure-results tbody tr")
    assert figures.count() == 3
    outlets = {figures.nth(i).locator("td").nth(1).inner_text() for i in range(3)}
    assert len(outlets) == 3
    times = page.locator("#figure-results tbody td:first-child").all_inner_texts()
    assert all(re.fullmatch(r"\w+, \d{1,2} \w+ 20\d\d \d\d\.\d\d WITA", t) for t in times), times
    page.screenshot(path=str(screenshots / "02-cari-angka.png"), full_page=True)

    page.locator("#figure-results a[href^='/story/']").first.click()
    page.wait_for_url(re.compile(r".*/story/\d+$"))
    body = page.inner_text("body")
    assert "Siapa yang dikutip" in body and "Rp10.080.000.000" in body
    assert all(o in body for o in outlets)
    speakers = page.locator("table.quotes td.speaker a")
    assert speakers.count() > 0
    page.screenshot(path=str(screenshots / "03-cerita.png"), full_page=True)

    name = speakers.first.inner_text()
    speakers.first.click()
    page.wait_for_url(re.compile(r".*/official/\d+$"))
    assert page.locator("h1").inner_text().strip() == name
    page.screenshot(path=str(screenshots / "04-pejabat.png"), full_page=True)


def test_every_click_leads_somewhere_readable(
    served: str, browser_page: Any, screenshots: Path
) -> None:
    """Article → highlighted fact → its row page → back to the article and the story; tables
    link to Pantau's pages; the map is readable offline."""
    page = browser_page
    page.goto(f"{served}/cari?q=10 miliar")
    page.locator("#figure-results td a.fact").first.click()
    page.wait_for_url(re.compile(r".*/article/\d+#amount-\d+$"))
    page.screenshot(path=str(screenshots / "05-artikel.png"), full_page=True)
    fact = page.locator("#article-text a.fact-amount").first
    href = fact.get_attribute("href") or ""
    fact.click()
    page.wait_for_url(f"{served}{href}")
    links = page.locator("p.pantau-fact-links a")
    assert links.count() >= 2
    page.screenshot(path=str(screenshots / "06-baris-fakta.png"), full_page=True)
    page.locator("p.pantau-fact-links a[href^='/story/']").click()
    page.wait_for_url(re.compile(r".*/story/\d+$"))

    page.goto(f"{served}/pantau/story")
    page.locator("td.col-title a").first.click()
    page.wait_for_url(re.compile(r".*/story/\d+$"))
    page.goto(f"{served}/pantau/coverage")
    assert page.locator("td.col-regions ul.pantau-list li").count() > 0
    assert "CREATE TABLE" not in page.inner_text("body")
    page.screenshot(path=str(screenshots / "07-coverage.png"))

    page.goto(f"{served}/peta")
    pins = page.locator("svg.pantau-map circle.pin")
    assert pins.count() > 0 and pins.first.is_visible()
    box = page.locator("svg.pantau-map").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    page.screenshot(path=str(screenshots / "08-peta.png"), full_page=True)
