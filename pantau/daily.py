"""`pantau daily`: the unattended job — incremental crawl → process → publish → health → digest.

Safe to run from cron or a systemd timer:

- **one writer at a time**: an exclusive ``flock`` on ``HOME/daily.lock`` is held for the whole
  run; a second run exits at once with :data:`EXIT_RUNNING`. Every command that writes the KB
  takes the same lock (:func:`write_lock`: `process`, `resolve`, `demo` wait for it, up to
  ``--lock-wait`` seconds); a HOME where the lock cannot be created (read-only, full, not a
  folder) is :data:`EXIT_CONFIG` with the path and the reason;
- **stops cleanly**: the first SIGTERM/SIGINT stops the crawl gracefully (Scrapy's shutdown: the
  ledger records unanswered URLs as ``failed(unfinished, retryable)``, which the next run
  fetches) or stops processing between pages (every stored article is committed; pages cut
  short are processed next run), skips the remaining stages and exits :data:`EXIT_INTERRUPTED`.
  A second signal forces the exit;
- **says what happened**: the exit code is decided from the run's ledger and processing stats
  (:data:`EXIT_CODES`), per-outlet health goes to the KB's ``source_health`` table, and a
  Markdown + HTML digest of the day's new coverage is written to ``HOME/digests/``;
- **logs to a file** with rotation (``HOME/logs/pantau.log`` by default), Scrapy's log included.

The crawl runs in this process (Twisted's reactor runs once per process; one crawl per run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import logging.handlers
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import wilayah
from pantau.config import ConfigError, Paths, check_raw, open_kb, retry_dropped

log = logging.getLogger("pantau.daily")

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_NOTHING = 3
EXIT_RUNNING = 4
EXIT_INTERRUPTED = 5
EXIT_ERROR = 6
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "ok",
    EXIT_PARTIAL: "partial",  # failures over the threshold; everything that worked is stored
    EXIT_CONFIG: "config_error",  # bad sources file/option/--db, HOME unwritable, KB too new
    EXIT_NOTHING: "nothing_fetched",  # no URL answered, or every article fetch failed
    EXIT_RUNNING: "already_running",  # another writer of the KB holds HOME/daily.lock
    EXIT_INTERRUPTED: "interrupted",  # SIGTERM/SIGINT: stopped cleanly, the next run resumes
    EXIT_ERROR: "error",  # an unexpected error (traceback in the log file)
}
MAX_FAILURE_RATIO = 0.2  # a normal day loses a few pages to timeouts; a fifth means trouble
LOG_MAX_BYTES = 5 * 1024 * 1024  # ~a month of daily runs per file at the default log level
LOG_BACKUPS = 5  # pantau.log.1 … pantau.log.5
LOCK_NAME = "daily.lock"  # the name is historical: every command that writes the KB takes it
LOCK_WAIT = 600.0  # seconds `process`/`resolve`/`demo` wait for the lock by default
LOCK_POLL = 0.2
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class AlreadyRunning(RuntimeError):
    """Another run holds the lock."""


class Interrupted(Exception):
    """A stop signal arrived; raised between pages to end processing cleanly."""



# -- lock -------------------------------------------------------------------------------------
def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def write_lock(
    home: Path, *, wait: float = 0.0, say: Callable[[str], None] | None = None
) -> Iterator[Path]:
    """Hold the exclusive ``flock`` on ``HOME/daily.lock`` (pid written inside) that every
    command writing the KB takes.

    Held by another process: with ``wait`` 0 raise :class:`AlreadyRunning` at once (`daily`);
    else say so through ``say`` and wait up to ``wait`` seconds, then :class:`AlreadyRunning`.
    A lock file that cannot be created or written (read-only or full HOME, HOME not a folder)
    is a :class:`ConfigError` naming the path and the reason. The kernel releases the lock when
    the process dies, however it dies: no stale lock files. For a PostgreSQL KB the lock is
    still this file: commands sharing one KB must share one HOME.
    """
    path = home / LOCK_NAME
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        where = exc.filename or path
        raise ConfigError(f"{where}: cannot create the lock: {exc.strerror}") from exc
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g} s" if wait > 0 else ""
                    raise AlreadyRunning(
                        f"{path}: another run holds the lock (pid {holder}){waited}"
                    ) from None
                if not told and say is not None:
                    say(f"{path}: another run holds the lock (pid {holder}); waiting up to"
                        f" {wait:g} s")
                    told = True
                time.sleep(LOCK_POLL)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot write the lock: {exc.strerror}") from exc
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def daily_lock(home: Path) -> contextlib.AbstractContextManager[Path]:
    """The lock as `pantau daily` takes it: not waiting (a second run exits at once)."""
    return write_lock(home)


# -- signals ----------------------------------------------------------------------------------
class StopFlag:
    """First SIGTERM/SIGINT sets the flag (stages check it); the second forces an exit."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self.previous: dict[int, Any] = {}

    def __bool__(self) -> bool:
        return self.signal is not None

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signal is not None:  # second signal: give up now
            raise SystemExit(EXIT_INTERRUPTED)
        self.signal = signum

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.previous.setdefault(sig, signal.getsignal(sig))
            signal.signal(sig, self.handle)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    @property
    def name(self) -> str:
        return signal.Signals(self.signal).name if self.signal else ""


# -- logging ----------------------------------------------------------------------------------
def default_log_file(home: Path) -> Path:
    return home / "logs" / "pantau.log"


class LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file; a record it cannot write (full disk) is dropped, not reported
    with a traceback per record on stderr: the run's one-line status still says what failed."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass


def setup_logging(log_file: Path, *, quiet: bool) -> logging.Handler:
    """Add a rotating file handler (INFO, Scrapy included) to the root logger.

    With ``quiet`` the console handlers are silenced: cron mails only the one-line status that
    a failed run prints on stderr.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = LogFileHandler(
        log_file, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    if quiet:
        for h in root.handlers:
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
                h.setLevel(logging.CRITICAL + 1)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


# -- options and result -----------------------------------------------------------------------
@dataclass
class DailyOptions:
    paths: Paths
    sources_file: Path | None = None
    only: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    fast: bool = False
    workers: int = 2
    timeout: float = 60.0
    max_failure_ratio: float = MAX_FAILURE_RATIO
    digest_dir: Path | None = None
    datasette_url: str = "http://127.0.0.1:8001"
    overrides_file: Path | None = None
    verbose: bool = False
    crawl_settings: dict[str, Any] = field(default_factory=dict)
    watchlist_file: Path | None = None  # issue 15: the digest's watchlist section and alerts

    @property
    def digests(self) -> Path:
        return self.digest_dir or self.paths.home / "digests"


@dataclass
class DailyResult:
    code: int
    reasons: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    digest_markdown: str | None = None

    @property
    def status(self) -> str:
        return EXIT_CODES[self.code]

    def line(self) -> str:
        why = "; ".join(self.reasons)
        return f"pantau daily: {self.status} (exit {self.code})" + (f": {why}" if why else "")

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "exit_code": self.code, "reasons": self.reasons,
                **self.report}


# -- deciding the exit code -------------------------------------------------------------------
@dataclass
class CrawlCounts:
    """The run's ledger, summed: what was fetched, what failed, what was refused."""

    stored: int = 0
    discovery_answered: int = 0  # skipped URLs the site answered: discovery pages, 304s …
    failed: int = 0
    articles_failed: int = 0
    blocked: int = 0
    entries: int = 0

    @property
    def answered(self) -> int:
        return self.stored + self.discovery_answered

    @property
    def attempted(self) -> int:
        return self.answered + self.failed


def crawl_counts(ledger: list[dict[str, Any]], is_article: Any = None) -> CrawlCounts:
    from kb.health import ledger_outcome
    from kb.ledger import State

    c = CrawlCounts(entries=len(ledger))
    for row in ledger:
        outcome = ledger_outcome(row)
        if outcome.state is State.STORED:
            c.stored += 1
        elif outcome.state is State.FAILED:
            c.failed += 1
            if is_article is None or is_article(row.get("source"), row["url"]):
                c.articles_failed += 1
        elif outcome.answered:
            c.discovery_answered += 1
        if outcome.blocked:
            c.blocked += 1
    return c


def decide(
    crawl: CrawlCounts,
    process: dict[str, Any] | None,
    *,
    max_failure_ratio: float = MAX_FAILURE_RATIO,
) -> tuple[int, list[str]]:
    """Exit code and reasons from the run's stats (interruption and errors are decided outside).

    - nothing answered (no page stored, no feed/sitemap/listing answered) → :data:`EXIT_NOTHING`;
    - article fetches failed and none was stored → :data:`EXIT_NOTHING`;
    - failed fetches over ``max_failure_ratio`` of those tried, or processing errors over
      ``max_failure_ratio`` of the pages processed → :data:`EXIT_PARTIAL`;
    - else :data:`EXIT_OK`.
    """
    if crawl.entries == 0:
        return EXIT_NOTHING, ["nothing to crawl: no URL discovered (no enabled source?)"]
    if crawl.answered == 0:
        why = f"nothing fetched: {crawl.failed} URLs failed"
        if crawl.blocked:
            why += f", {crawl.blocked} refused (robots.txt / HTTP 401/403/451)"
        return EXIT_NOTHING, [why]
    if crawl.articles_failed and crawl.stored == 0:
        return EXIT_NOTHING, [f"all {crawl.articles_failed} article fetches failed"]
    reasons = []
    ratio = crawl.failed / crawl.attempted if crawl.attempted else 0.0
    if ratio > max_failure_ratio:
        reasons.append(
            f"{crawl.failed} of {crawl.attempted} fetches failed"
            f" ({ratio:.0%} > {max_failure_ratio:.0%})"
        )
    if process:
        processed = int(process.get("pages", 0)) - int(process.get("unchanged", 0))
        errors = int(process.get("errors", 0))
        if processed and errors / processed > max_failure_ratio:
            reasons.append(
                f"{errors} of {processed} pages failed processing"
                f" ({errors / processed:.0%} > {max_failure_ratio:.0%})"
            )
    return (EXIT_PARTIAL if reasons else EXIT_OK), reasons


# -- the run ----------------------------------------------------------------------------------
class DailyRun:
    """One `pantau daily` run. Use :func:`run_daily`."""

    def __init__(self, options: DailyOptions, stop: StopFlag) -> None:
        self.o = options
        self.stop = stop
        self.paths = options.paths
        self.report: dict[str, Any] = {}
        self.new_urls: list[str] = []
        self.updated_urls: list[str] = []
        self.errors_after_stop: list[str] = []
        self.config: Any = None  # the sources file, once loaded
        self.day = dt.datetime.now(wilayah.DEFAULT_ZONE).date()  # the outlets' day, not the host's

    # stages
    def load_config(self) -> Any:
        from crawler.sources import SourcesError, load_sources

        try:
            config = load_sources(self.o.sources_file)
        except SourcesError as exc:
            raise ConfigError(str(exc)) from exc
        self.config = config
        unknown = sorted(set(self.o.only) - {s.name for s in config.sources})
        if unknown:
            raise ConfigError(f"unknown source: {unknown[0]}")
        return config

    def load_overrides(self) -> Any:
        from kb.resolve import Overrides, OverridesError

        try:
            return Overrides.load(self.o.overrides_file or self.paths.home / "overrides.yaml")
        except OverridesError as exc:
            raise ConfigError(str(exc)) from exc

    def crawl(self, config: Any) -> dict[str, Any]:
        from crawler.run import CrawlArgumentError, crawl

        o = self.o
        started = time.monotonic()
        try:
            stats = crawl(  # the log file gets Scrapy's summary (INFO); stderr filters
                config, self.paths.home, self.paths.raw, only=o.only, since=o.since,
                until=o.until, fast=o.fast, log_level="INFO", settings=o.crawl_settings,
            ).stats
        except CrawlArgumentError as exc:
            raise ConfigError(str(exc)) from exc
        self.stop.install()  # Scrapy replaced our handlers for the crawl
        if stats.get("finish_reason") == "shutdown" and not self.stop:
            self.stop.signal = signal.SIGTERM  # Scrapy took the signal and shut down gracefully
        summary = {**stats, "seconds": round(time.monotonic() - started, 1)}
        log.info("crawl: %s", summary)
        return summary

    def _progress(self, url: str, outcome: str) -> None:
        if outcome == "new":
            self.new_urls.append(url)
        elif outcome == "updated":
            self.updated_urls.append(url)
        if self.stop:
            if outcome == "error":  # most likely the signal reached the worker: retry it
                self.errors_after_stop.append(url)
            raise Interrupted

    def process(self, kb: Any, overrides: Any = None) -> dict[str, Any]:
        from kb.raw import RawStore
        from pantau.pipeline import Processor, outlets_of

        started = time.monotonic()
        config = self.config
        if config is not None:
            kb.upsert_outlets(outlets_of(config))
        with RawStore(self.paths.raw) as raw:
            processor = Processor(
                raw, kb, workers=self.o.workers, timeout=self.o.timeout, overrides=overrides,
                progress=self._progress, zones=config.zones() if config is not None else None,
            )
            try:
                report = processor.run().as_dict()
            except Interrupted:
                report = processor.report.as_dict()
                report["interrupted"] = True
                self._forget_errors(kb)
        report["seconds"] = round(time.monotonic() - started, 1)
        log.info("process: %s", report)
        return report

    def _forget_errors(self, kb: Any) -> None:
        """Pages that errored once the stop signal was out are processed again next run."""
        if not self.errors_after_stop:
            return
        from kb.queries import forget_errors

        forget_errors(kb.engine, self.errors_after_stop)

    def health(self, kb: Any, config: Any, run_id: int | None) -> list[Any]:
        from kb.health import daily_new_pages, health_rows, outlet_runs, store_health
        from kb.queries import page_outcomes
        from kb.raw import RawStore
        from kb.store import utcnow

        if not run_id:
            return []
        with RawStore(self.paths.raw) as raw:
            ledger = raw.ledger(run_id)
            run = next((r for r in raw.runs() if r["id"] == run_id), None)
        run_sources = run["sources"] if run else None
        if isinstance(run_sources, list):
            sources = [str(name) for name in run_sources]
        else:
            sources = [s.name for s in config.sources]
        urls = [str(r["url"]) for r in ledger if r["state"] == "stored"]
        outcomes = page_outcomes(kb.engine, urls)
        history = daily_new_pages(
            self.paths.raw,
            tz=wilayah.DEFAULT_ZONE,
            since=self.day - dt.timedelta(days=30),
        )
        kb.sync_crawl_runs([run] if run else [])
        rows = health_rows(
            outlet_runs(sources, ledger, outcomes),
            history,
            today=self.day,
            crawl_run_id=run_id,
            checked_at=utcnow(),
        )
        store_health(kb.engine, rows)
        for r in rows:
            level = logging.WARNING if r.status != "ok" else logging.INFO
            log.log(level, "health %s: %s %s", r.outlet, r.status, r.detail or "")
        return rows

    def publish(self) -> dict[str, Any]:
        from kb.publish import publish

        # SQLite file or PostgreSQL; a dropped server connection redoes the copy (publish
        # removes its half-built folder when it fails, and the copy is one transaction)
        snap = retry_dropped(lambda: publish(self.paths.db_url, self.paths.published), "publish")
        version = snap.version.name if snap.version is not None else None
        out = {"path": str(snap.path), "version": version, "size": snap.size, "tables": snap.tables}
        for warning in getattr(snap, "warnings", []):
            log.warning("publish: %s", warning)
        log.info("publish: %s", out)
        return out

    def digest(self, kb: Any, health: list[Any], code: int) -> tuple[dict[str, Any], str]:
        from kb.health import latest_health
        from kb.queries import article_ids_of_pages
        from pantau import digest as dg

        ids = {
            "new": article_ids_of_pages(kb.engine, self.new_urls),
            "updated": article_ids_of_pages(kb.engine, self.updated_urls),
        }
        day = self.day.isoformat()
        state = dg.remember(self.o.digests, day, ids["new"], ids["updated"])
        digest = dg.build_digest(
            kb.engine,
            day=day,
            new_ids=state["new"],
            updated=len(state["updated"]),
            health=health or latest_health(kb.engine, day),
            run={"status": EXIT_CODES[code]},
            datasette_url=self.o.datasette_url,
        )
        md_path, html_path = dg.write_digest(digest, self.o.digests)
        log.info("digest: %s, %s (%d new articles)", md_path, html_path, digest.article_count)
        paths = {"markdown": str(md_path), "html": str(html_path)}
        from pantau.watchlist import digest_extras  # issue 15: releases' pickup, watchlist

        extra, extra_md = digest_extras(kb.engine, self.day, state["new"], self.config,
                                        self.o.watchlist_file, md_path, html_path)  # fmt: skip
        digest_md = dg.render_markdown(digest) + extra_md
        return {**paths, "new_articles": digest.article_count, **extra}, digest_md

    # the whole run
    def run(self) -> DailyResult:
        config = self.load_config()
        overrides = self.load_overrides()
        check_raw(self.paths.raw)  # a bad --raw-db fails now, not after the crawl
        kb = open_kb(self.paths.db_url)  # a bad --db fails now, not after the crawl
        try:
            return self._run(kb, config, overrides)
        finally:
            kb.close()

    def _run(self, kb: Any, config: Any, overrides: Any) -> DailyResult:
        from kb.raw import RawStore

        if self.stop:
            return DailyResult(EXIT_INTERRUPTED, [f"{self.stop.name} before the crawl"])
        crawl = self.crawl(config)
        self.report["crawl"] = crawl
        run_id = crawl.get("pantau/crawl_run")
        ledger: list[dict[str, Any]] = []
        if run_id:
            with RawStore(self.paths.raw) as raw:
                ledger = raw.ledger(int(run_id))
        by_name = {s.name: s for s in config.sources}

        def is_article(source: str | None, url: str) -> bool:
            s = by_name.get(source or "")
            return bool(s and s.is_article(url))

        counts = crawl_counts(ledger, is_article)
        if self.stop:
            unfinished = sum(1 for r in ledger if r["state"] == "failed" and r.get("retryable"))
            return DailyResult(
                EXIT_INTERRUPTED,
                [f"{self.stop.name} during the crawl; {unfinished} URLs left for the next run"],
                self.report,
            )
        if self.paths.has_raw:  # a dropped KB connection: processing goes on where it stopped
            self.report["process"] = retry_dropped(lambda: self.process(kb, overrides), "process")
        if self.stop:
            code, reasons = EXIT_INTERRUPTED, [f"{self.stop.name} during processing"]
            self.report["digest"], markdown = self.digest(kb, [], code)
            return DailyResult(code, reasons, self.report, markdown)
        code, reasons = decide(
            counts, self.report.get("process"), max_failure_ratio=self.o.max_failure_ratio
        )
        health = retry_dropped(
            lambda: self.health(kb, config, int(run_id) if run_id else None), "source health"
        )
        self.report["health"] = [
            {"outlet": h.outlet, "status": h.status, "flags": json.loads(h.flags),
             "detail": h.detail}
            for h in health
        ]
        self.report["publish"] = self.publish()
        self.report["digest"], markdown = self.digest(kb, health, code)
        return DailyResult(code, reasons, self.report, markdown)


def run_daily(options: DailyOptions) -> DailyResult:
    """Run the daily job under the lock; never raises (the result carries the exit code)."""
    stop = StopFlag()
    stop.install()
    try:
        with daily_lock(options.paths.home):
            log.info("daily: start (pid %d, home %s)", os.getpid(), options.paths.home)
            try:
                result = DailyRun(options, stop).run()
            except ConfigError as exc:
                result = DailyResult(EXIT_CONFIG, [str(exc)])
            except SystemExit as exc:  # a second signal
                if exc.code != EXIT_INTERRUPTED:
                    raise
                result = DailyResult(EXIT_INTERRUPTED, [f"{stop.name} twice: forced stop"])
            except Exception as exc:
                log.exception("daily: unexpected error")
                result = DailyResult(EXIT_ERROR, [f"{type(exc).__name__}: {exc}"])
    except AlreadyRunning as exc:
        result = DailyResult(EXIT_RUNNING, [str(exc)])
    except ConfigError as exc:  # the lock cannot be taken: HOME read-only, full, not a folder
        result = DailyResult(EXIT_CONFIG, [str(exc)])
    finally:
        stop.restore()
    level = logging.INFO if result.code == EXIT_OK else logging.WARNING
    log.log(level, "daily: %s", result.line())
    return result
