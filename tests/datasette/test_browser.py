"""A real browser (Debian's chromium, driven by Playwright) against a real `pantau serve`.

Opens the home page, searches, opens an article from the results and sees its facts
highlighted, follows a highlight to its fact row, and sees the coverage map's markers. Only
requests to the local server are let through (no map tiles, nothing from the internet).

Skipped when /usr/bin/chromium is missing, except in CI (``CI=true``), where `.ci/run`
installs it and its absence is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="module")
def served(published_home: Path) -> Iterator[str]:
    """`pantau serve` on the published demo snapshot; yields its base URL."""
    _browser_or_skip()
    with serving(published_home) as (base, _):
        yield base


def test_search_open_article_see_facts_highlighted(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import Route, sync_playwright

    def local_only(route: Route) -> None:
        if route.request.url.startswith(served):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.route("**/*", local_only)
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
        finally:
            browser.close()
