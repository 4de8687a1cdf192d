"""Run one crawl in this process and return its stats.

Twisted's reactor cannot be restarted, so a process runs at most one crawl: the CLI runs one
per invocation, and tests run ``pantau crawl`` as a subprocess.

Resuming: every crawl runs with a Scrapy ``JOBDIR`` (:func:`job_dir`: one folder per set of crawl
arguments under ``HOME/jobs/``), held through :class:`crawler.jobs.JobFolder`. A crawl that ends
normally removes its job folder; one that Scrapy stopped (Ctrl+C once, SIGTERM, a
``CLOSESPIDER_*`` cap) leaves it, and running the same command again resumes it: the queued
requests and the dupefilter are restored, the spider is told it was ``resumed``. A folder left
by a killed crawl (``kill -9``, a crash, a reboot) is not trusted: it is discarded and the
crawl re-requests what the killed run left unfinished from the ledger (see
:mod:`crawler.jobs` for why). ``fresh=True`` discards an interrupted job in any case. When a
live crawl with the same arguments holds the folder, this crawl runs without one (a warning).

Stats added to Scrapy's: ``pantau/resumed`` (the job folder's queue was resumed),
``pantau/job/discarded`` (a killed crawl's job folder was discarded).

:func:`crawl` is the one crawl set-up of the ``pantau`` commands (``crawl``, ``demo``,
``daily``): it checks the arguments, builds the settings overrides, picks the job folder, runs
the crawl and returns its summary.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.jobs import JobBusy, JobFolder, JobState
from crawler.sources import SourcesConfig
from crawler.spiders.news import NewsSpider

log = logging.getLogger(__name__)

# Scrapy 2.19 on the asyncio reactor starts a slot's downloads as tasks that count themselves as
# "transferring" only once they run, so with DOWNLOAD_DELAY 0 one pass over the slot's queue sends
# everything queued and CONCURRENT_REQUESTS_PER_DOMAIN does not hold (a recording server saw 8
# requests at once with a limit of 1; tests/crawler/test_politeness.py). With any delay the slot
# sends one request per pass, and the task has started (and counts) before the next pass. Every
# crawl keeps at least this delay; 5 ms caps a host at 200 requests/s per crawl process.
MIN_DOWNLOAD_DELAY_S = 0.005
FAST_SETTINGS = {  # for local sites (demo, tests, benchmarks): no politeness delays but the floor
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": MIN_DOWNLOAD_DELAY_S,
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
    if os.environ.get("PANTAU_CONTACT"):
        settings.set("PANTAU_CONTACT", default_settings.contact(), priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    if settings.getfloat("DOWNLOAD_DELAY") < MIN_DOWNLOAD_DELAY_S:  # or the per-host limit breaks
        settings.set("DOWNLOAD_DELAY", MIN_DOWNLOAD_DELAY_S, priority="cmdline")
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

    With ``jobdir``, a cleanly interrupted earlier crawl in that folder is resumed (unless
    ``fresh``), a killed one's folder is discarded, and the folder is removed when this crawl
    finishes normally.
    """
    extra: dict[str, Any] = {"LOG_INSTALL_ROOT_HANDLER": False}
    job: JobFolder | None = None
    state = JobState.NEW
    if jobdir is not None:
        job = JobFolder(jobdir)
        try:
            state = job.open(fresh=fresh)
        except JobBusy as exc:
            log.warning("%s: this crawl runs without a job folder", exc)
            job = None
        else:
            extra["JOBDIR"] = str(jobdir)
    if state is JobState.DISCARDED:
        log.warning(
            "%s: the crawl that used this job folder did not close it (killed?), so its queue is"
            " not intact; discarded it — the URLs that crawl left unfinished are requested again"
            " from the ledger", jobdir,
        )
    resumed = state is JobState.RESUMED
    finished = False
    try:
        settings = crawl_settings(raw_store, {**extra, **(overrides or {})})
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(NewsSpider)
        if job is not None:  # sent after Scrapy closed the scheduler (queue state + seen-set)
            crawler.signals.connect(job.stopped, signal=signals.spider_closed)
        process.crawl(crawler, config=config, only=only, since=since, until=until,
                      resumed=resumed)
        process.start()
        log.debug("crawl finished")
        assert crawler.stats is not None
        stats = dict(crawler.stats.get_stats())
        finished = stats.get("finish_reason") == JOB_FINISHED
    finally:
        if job is not None and finished:
            job.remove()
        elif job is not None:
            job.close()
    stats["pantau/resumed"] = resumed
    stats["pantau/job/discarded"] = state is JobState.DISCARDED
    return stats


class CrawlArgumentError(ValueError):
    """The crawl's arguments contradict each other or the sources file (a user error)."""


@dataclass
class CrawlSummary:
    """What :func:`crawl` reports: the ``pantau/*`` stats, ``finish_reason`` and
    ``downloader/response_count``; the job folder, and whether the crawl resumed one or stopped
    leaving one to resume."""

    stats: dict[str, Any]
    jobdir: Path
    resumed: bool
    stopped: bool


def check_crawl_arguments(
    config: SourcesConfig, only: tuple[str, ...], since: date | None, until: date | None
) -> None:
    """Raise :class:`CrawlArgumentError` for an unknown source or a reversed window."""
    unknown = sorted(set(only) - {s.name for s in config.sources})
    if unknown:
        raise CrawlArgumentError(f"unknown source: {unknown[0]}")
    if since and until and since > until:
        raise CrawlArgumentError(f"--since {since} is after --until {until}")


def crawl(
    config: SourcesConfig,
    home: str | Path,
    raw_store: str | Path,
    *,
    only: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    fast: bool = False,
    log_level: str = "WARNING",
    settings: dict[str, Any] | None = None,
    fresh: bool = False,
) -> CrawlSummary:
    """One crawl as the ``pantau`` commands run it: arguments checked
    (:class:`CrawlArgumentError`), :data:`FAST_SETTINGS` when ``fast``, Scrapy's ``LOG_LEVEL``,
    the caller's ``settings`` last; the job folder of these arguments under ``home``."""
    check_crawl_arguments(config, only, since, until)
    overrides: dict[str, Any] = dict(FAST_SETTINGS) if fast else {}
    overrides["LOG_LEVEL"] = log_level
    overrides.update(settings or {})
    jobdir = job_dir(home, config, only, since, until)
    stats = run_crawl(
        config, raw_store, only=only, since=since, until=until, overrides=overrides,
        jobdir=jobdir, fresh=fresh,
    )
    summary = {k: v for k, v in stats.items() if k.startswith(("pantau/", "finish_reason"))}
    summary["downloader/response_count"] = stats.get("downloader/response_count", 0)
    return CrawlSummary(
        stats=summary,
        jobdir=jobdir,
        resumed=bool(stats.get("pantau/resumed")),
        stopped=stats.get("finish_reason") != JOB_FINISHED and jobdir.exists(),
    )
