"""Per-host politeness of a normal ``pantau crawl --fast``: a recording server never sees more
requests at once than ``CONCURRENT_REQUESTS_PER_DOMAIN`` (Scrapy 2.19 on the asyncio reactor
does not hold that limit with no download delay: crawler.run.MIN_DOWNLOAD_DELAY_S)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crawler.run import FAST_SETTINGS, MIN_DOWNLOAD_DELAY_S, crawl_settings
from tests.conftest import run_pantau
from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml

ARTICLES = 40  # all queued at once from one sitemap: far more than any per-host limit
SLOW_S = 0.1  # each article answer waits this long, so requests overlap at the server



@pytest.mark.parametrize(("extra", "limit"), [
    ([], FAST_SETTINGS["CONCURRENT_REQUESTS_PER_DOMAIN"]),  # --fast as demo, tests and bench run it
    (["--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"], 1),
    (["--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--set", "DOWNLOAD_DELAY=0"], 2),
])
def test_fast_crawl_stays_within_the_per_host_limit(
    tmp_path: Path, extra: list[str], limit: int
) -> None:
    with FixtureSite(delay=SLOW_S, delay_prefix="/2025/") as site:
        outlet = big_outlet(site, ARTICLES)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        done = run_pantau("crawl", "--sources", str(sources), "--home", str(tmp_path / "h"),
                          "--fast", *extra)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout)["downloader/response_count"] >= ARTICLES
        peak = site.peak
        print({"limit": limit, "peak in flight": peak})
        assert 1 <= peak <= limit


@pytest.mark.parametrize(("overrides", "delay"), [
    (FAST_SETTINGS, MIN_DOWNLOAD_DELAY_S),
    ({"DOWNLOAD_DELAY": 0}, MIN_DOWNLOAD_DELAY_S),
    ({"DOWNLOAD_DELAY": "0"}, MIN_DOWNLOAD_DELAY_S),
    ({"DOWNLOAD_DELAY": 2.5}, 2.5),
    ({}, 1.0),  # crawler/settings.py
])
def test_every_crawl_keeps_a_minimum_download_delay(
    tmp_path: Path, overrides: dict[str, object], delay: float
) -> None:
    settings = crawl_settings(tmp_path / "raw.db", dict(overrides))
    assert settings.getfloat("DOWNLOAD_DELAY") == delay
