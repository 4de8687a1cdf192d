"""Run one crawl in this process and return its stats.

Twisted's reactor cannot be restarted, so a process runs at most one crawl: the CLI runs one
per invocation, and tests run ``pantau crawl`` as a subprocess.

Resuming: every crawl runs with a Scrapy ``JOBDIR`` (:func:`job_dir`: one folder per set of crawl
arguments under ``HOME/jobs/``). A crawl that ends normally removes its job folder; one that was
interrupted (Ctrl+C, a ``CLOSESPIDER_*`` cap, a crash) leaves it, and running the same command
again resumes it: the queued requests and the dupefilter are restored, the spider is told it
was ``resumed``. ``fresh=True`` discards an interrupted job instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.sources import SourcesConfig
from crawler.spiders.news import NewsSpider

log = logging.getLogger(__name__)

FAST_SETTINGS = {  # for local sites (demo, tests, benchmarks): no politeness delays
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}
JOB_FINISHED = "finished"  # Scrapy's finish_reason of a crawl that ran out of requests


SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def parse_setting(item: str) -> tuple[str, Any]:
    """``NAME=VALUE`` → (NAME, value): VALUE is read as JSON when it is JSON, else a string."""
    name, sep, raw = item.partition("=")
    name = name.strip()
    if not sep or not SETTING_NAME.match(name):
        raise ValueError(f"expected NAME=VALUE with an upper-case setting name: {item!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name, value


def crawl_settings(raw_store: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("PANTAU_RAW_STORE", str(raw_store), priority="project")
    contact = os.environ.get("PANTAU_CONTACT")
    if contact:
        settings.set("PANTAU_CONTACT", contact, priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    if "USER_AGENT" not in (overrides or {}):
        agent = default_settings.user_agent(settings["PANTAU_CONTACT"])
        settings.set("USER_AGENT", agent, priority="project")
    return settings


def job_dir(
    home: str | Path,
    config: SourcesConfig,
    only: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
) -> Path:
    """The JOBDIR of a crawl: the same arguments give the same folder, so a rerun resumes."""
    key = json.dumps(
        [config.path, sorted(only), str(since or ""), str(until or "")], ensure_ascii=False
    )
    return Path(home) / "jobs" / f"crawl-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def has_job(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def run_crawl(
    config: SourcesConfig,
    raw_store: str | Path,
    *,
    only: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    overrides: dict[str, Any] | None = None,
    jobdir: Path | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """Crawl the configured sources into ``raw_store``; return Scrapy's stats for the run.

    With ``jobdir``, an interrupted earlier crawl in that folder is resumed (unless ``fresh``)
    and the folder is removed when this crawl finishes normally.
    """
    extra: dict[str, Any] = {"LOG_INSTALL_ROOT_HANDLER": False}
    resumed = False
    if jobdir is not None:
        if fresh and jobdir.exists():
            shutil.rmtree(jobdir)
        resumed = has_job(jobdir)
        jobdir.mkdir(parents=True, exist_ok=True)
        extra["JOBDIR"] = str(jobdir)
    settings = crawl_settings(raw_store, {**extra, **(overrides or {})})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, config=config, only=only, since=since, until=until, resumed=resumed)
    process.start()
    log.debug("crawl finished")
    assert crawler.stats is not None
    stats = dict(crawler.stats.get_stats())
    stats["pantau/resumed"] = resumed
    if jobdir is not None and stats.get("finish_reason") == JOB_FINISHED:
        shutil.rmtree(jobdir, ignore_errors=True)
    return stats
