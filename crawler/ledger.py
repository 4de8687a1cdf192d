"""The crawl run and its ledger: every URL the run touches ends in exactly one state.

:class:`CrawlRun` is a Scrapy extension that owns the raw store for the crawl: it starts the
``crawl_run`` row (closing earlier runs whose process died as ``killed``), holds the run's
:class:`Ledger`, and at ``spider_closed`` writes the whole ledger once more, the aliases and
validators learnt, and the run's stats. The other components reach it with
``crawler.get_extension(CrawlRun)``: the spider records outcomes through it, the item pipeline
stores pages in its store.

The ledger is written to the raw store as the run goes: a URL is ``failed(unfinished,
retryable)`` from the moment it is scheduled until it is answered, so a run killed with
``kill -9`` leaves its URLs accounted; the next run closes the killed ``crawl_run`` as
``killed`` and requests its unfinished URLs again (see :mod:`crawler.jobs`).

Outcomes are codes (:class:`kb.ledger.Outcome`); the words a human reads go to ``detail``.
:func:`classify_failure` turns a failed request into a code — the only place that knows which
HTTP statuses mean "blocked" and which are worth retrying (``RETRY_HTTP_CODES``, the setting
Scrapy's retry middleware reads too).

Settings read: ``PANTAU_RAW_STORE`` (the raw store's path), ``RETRY_HTTP_CODES`` (statuses
recorded as retryable).

Signals connected: ``request_reached_downloader`` (an unanswered URL whose request was sent is
``interrupted``, not ``unfinished``, when the run ends), ``request_dropped`` (a redirect back to a
URL already requested is a loop), ``spider_closed``.

Stats: ``pantau/failed``, ``pantau/failed/retryable``, ``pantau/skipped/robots``,
``pantau/ledger/{stored,skipped,failed}``, ``pantau/crawl_run``, ``pantau/runs/killed``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawler.middlewares import UNREACHABLE_MESSAGE
from kb.ledger import Outcome, State
from kb.raw import LedgerRow, RawStore

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

log = logging.getLogger(__name__)

BLOCKING_STATUSES = frozenset({401, 403, 451})  # refused, not broken: a human should look
GONE_STATUSES = frozenset({404, 410})
DETAIL_LIMIT = 200  # characters of an error message kept in the ledger


@dataclass
class Entry:
    source: str
    outcome: Outcome | None  # None: scheduled, not answered yet
    detail: str | None = None
    retryable: bool = False

    @property
    def state(self) -> State | None:
        return self.outcome.state if self.outcome else None


class Ledger:
    """Every URL the run touched, ending in exactly one state.

    With a store, every change is written as it happens (one small transaction each): a URL is
    recorded ``failed(unfinished, retryable)`` when it is first scheduled and takes its final
    state when it is answered. :meth:`claim` only reserves a URL in memory (the refetch policy
    decides, off the reactor thread, whether it is fetched at all). :meth:`flush` writes the
    whole ledger once more when the spider closes.
    """

    def __init__(self, store: RawStore | None = None, run_id: int = 0) -> None:
        self.entries: dict[str, Entry] = {}
        self.store, self.run_id = store, run_id
        self._depth = 0  # open batches
        self._buffer: list[LedgerRow] = []

    def __contains__(self, url: str) -> bool:
        return url in self.entries

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Write the changes made inside in one transaction when the block ends (a transaction
        per URL costs ~0.4 ms of the reactor's time; 1,000 rows in one, ~50 ms). Batches may
        interleave (a block that awaits lets other callbacks run): the end of each one writes
        everything buffered so far, so a request leaves a batch with its row written."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self._write()

    def _write(self) -> None:
        rows, self._buffer = self._buffer, []
        if rows and self.store is not None:
            self.store.record_many(self.run_id, rows)

    def _set(self, url: str, entry: Entry) -> None:
        self.entries[url] = entry
        if self.store is not None:
            row = LedgerRow(url, entry.source, Outcome.UNFINISHED, None, True)
            if entry.outcome is not None:
                row = LedgerRow(url, entry.source, entry.outcome, entry.detail, entry.retryable)
            self._buffer.append(row)
            if not self._depth:
                self._write()

    def claim(self, url: str, source: str) -> bool:
        """Reserve ``url`` for this run without writing; False when the run already has it."""
        if url in self.entries:
            return False
        self.entries[url] = Entry(source, None)
        return True

    def pending(self, url: str, source: str) -> None:
        current = self.entries.get(url)
        if current is None or current.outcome is None:
            self._set(url, Entry(source, None))

    def stored(self, url: str, source: str, outcome: Outcome) -> None:
        self._set(url, Entry(source, outcome))

    def skipped(self, url: str, source: str, outcome: Outcome, detail: str | None = None) -> None:
        current = self.entries.get(url)
        if current is None or current.outcome is None:
            self._set(url, Entry(source, outcome, detail))

    def failed(
        self, url: str, source: str, outcome: Outcome, detail: str | None, retryable: bool
    ) -> None:
        current = self.entries.get(url)
        if current is None or current.state is not State.STORED:
            self._set(url, Entry(source, outcome, detail, retryable))

    def flush(
        self, store: RawStore, run_id: int, reached: set[str] | frozenset[str] = frozenset()
    ) -> dict[str, int]:
        """Write every entry; a URL still pending was cut off by the end of the run:
        ``interrupted`` when its request had reached the downloader, else ``unfinished``
        (still queued — in a job folder, a resumed run finds it there)."""
        self._write()
        counts: dict[str, int] = {}
        rows = []
        for url, e in self.entries.items():
            if e.outcome is None:
                outcome = Outcome.INTERRUPTED if url in reached else Outcome.UNFINISHED
                e = Entry(e.source, outcome, None, True)
            assert e.outcome is not None
            rows.append(LedgerRow(url, e.source, e.outcome, e.detail, e.retryable))
            counts[e.outcome.state] = counts.get(e.outcome.state, 0) + 1
        store.record_many(run_id, rows)
        return counts


@dataclass(frozen=True)
class Verdict:
    """What a failed request means for the ledger."""

    outcome: Outcome
    detail: str
    retryable: bool


def classify_failure(failure: Failure, retry_statuses: frozenset[int]) -> Verdict:
    """The ledger outcome of a request that failed (an errback's failure)."""
    request = failure.request  # type: ignore[attr-defined]
    part = f"part {request.url}: " if request.meta.get("pantau_kind") == "article_part" else ""

    def verdict(outcome: Outcome, detail: str, retryable: bool) -> Verdict:
        return Verdict(outcome, f"{part}{detail}"[:DETAIL_LIMIT], retryable)

    error = failure.value
    if isinstance(error, HttpError):
        status = int(error.response.status)
        if status == 404 and request.meta.get("pantau_page", 1) > 1:
            return verdict(Outcome.END_OF_LISTING, "end of listing", False)
        outcome = (Outcome.HTTP_BLOCKED if status in BLOCKING_STATUSES
                   else Outcome.NOT_FOUND if status in GONE_STATUSES else Outcome.HTTP_ERROR)
        return verdict(outcome, f"http {status}", status in retry_statuses)
    if isinstance(error, IgnoreRequest):
        message = str(error) or "ignored"
        if message == UNREACHABLE_MESSAGE:
            return verdict(Outcome.ROBOTS_UNREACHABLE, message, True)
        if "robots.txt" in message:
            return verdict(Outcome.ROBOTS_DISALLOWED, "robots.txt", False)
        if "redirect" in message:
            return verdict(Outcome.REDIRECT_LOOP, message, False)
        if "DOWNLOAD_MAXSIZE" in message:  # a body over it once decompressed (a gzip bomb)
            return verdict(Outcome.TOO_LARGE, message, False)
        return verdict(Outcome.IGNORED, message, False)  # the same next time
    if isinstance(error, DownloadCancelledError):  # over DOWNLOAD_MAXSIZE
        return verdict(Outcome.TOO_LARGE, f"too large: {error}", False)
    name = type(error).__name__ if error is not None else "error"
    text = f"{name}: {error}" if str(error or "") else name
    if isinstance(error, (DownloadTimeoutError, TwistedTimeoutError)):
        return verdict(Outcome.TIMEOUT, text, True)
    return verdict(Outcome.NETWORK_ERROR, text, True)  # refused, dropped, truncated …


class CrawlRun:
    """One crawl run in the raw store: its row, its ledger, and what it learnt."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.retry_statuses = frozenset(int(s) for s in settings.getlist("RETRY_HTTP_CODES"))
        self.store = RawStore(settings["PANTAU_RAW_STORE"])
        sources = [str(s) for s in getattr(crawler.spider, "source_names", [])]
        self.run_id = self.store.start_run(sources)
        self.ledger = Ledger(self.store, self.run_id)
        self.killed_runs = self.store.close_dead_runs(exclude=self.run_id)
        if self.killed_runs:
            log.warning("closed crawl runs %s as killed (their process is gone)",
                        self.killed_runs)
        self.reached: set[str] = set()  # URLs whose request reached the downloader
        self.aliases: dict[str, tuple[str, str]] = {}  # alias URL → (canonical URL, source)
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.request_reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRun:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlRun:
        """The run of ``crawler`` (the extension must be enabled)."""
        run = crawler.get_extension(cls)
        if run is None:
            raise RuntimeError("crawler.ledger.CrawlRun is not in EXTENSIONS")
        return run

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # -- recording ---------------------------------------------------------------------------
    def fail(
        self, url: str, source: str, outcome: Outcome, detail: str, *, retryable: bool
    ) -> None:
        self.stats.inc_value("pantau/failed")
        if retryable:
            self.stats.inc_value("pantau/failed/retryable")
        self.ledger.failed(url, source, outcome, detail, retryable)

    def request_failed(self, failure: Failure) -> None:
        """Record a failed request (the spider's errback hands its failure here)."""
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        url, source = meta.get("pantau_url", request.url), meta.get("pantau_source", "")
        v = classify_failure(failure, self.retry_statuses)
        if v.outcome.state is State.SKIPPED:
            if v.outcome is Outcome.ROBOTS_DISALLOWED:
                self.stats.inc_value("pantau/skipped/robots")
            self.ledger.skipped(url, source, v.outcome, v.detail)
        else:
            self.fail(url, source, v.outcome, v.detail, retryable=v.retryable)

    def alias(self, url: str, canonical: str, source: str) -> None:
        self.aliases[url] = (canonical, source)

    def validated(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """A feed or sitemap answered with these validators (saved if the run finishes)."""
        self.validators[url] = (etag, last_modified)

    # -- signals -----------------------------------------------------------------------------
    def request_reached(self, request: Request) -> None:
        self.reached.add(request.meta.get("pantau_url", request.url))

    def request_dropped(self, request: Request) -> None:
        """The scheduler dropped a duplicate. A redirect back to a URL already requested is a
        loop; any other duplicate is already queued (a resumed job) and is left pending."""
        meta = request.meta
        if meta.get("redirect_urls") and meta.get("pantau_source"):
            url = meta.get("pantau_url", request.url)
            self.fail(url, meta["pantau_source"], Outcome.REDIRECT_LOOP, "redirect loop",
                      retryable=False)

    def spider_closed(self, reason: str, **_: Any) -> None:
        counts = self.ledger.flush(self.store, self.run_id, self.reached)
        stats = self.stats
        for state in State:
            stats.set_value(f"pantau/ledger/{state}", counts.get(state, 0))
        stats.set_value("pantau/crawl_run", self.run_id)
        stats.set_value("pantau/runs/killed", len(self.killed_runs))
        self.store.save_aliases([(u, c, s) for u, (c, s) in self.aliases.items()])
        if reason == "finished":  # every article a feed listed is accounted for
            self.store.save_validators([(u, e, m) for u, (e, m) in self.validators.items()])
        self.store.finish_run(self.run_id, reason, stats.get_stats())
        self.store.close()
