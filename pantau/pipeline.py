"""The processing stage: raw pages → clean article → facts → knowledge base.

Cleaning and extraction are CPU-bound, so they run in a process pool (pebble) outside any
reactor, with a hard timeout per page: a page that hangs a worker is killed and recorded as an
``error`` with reason ``timeout``; it never stops the batch. Storing is guarded too: when
ingesting one page's article and facts fails (a value the KB refuses, a constraint), that
page's transaction is rolled back and the page is recorded as ``error`` with a one-line
reason (``ingest: …``); the batch goes on. Only failures of the database itself (locked, disk
full, connection lost: :data:`DATABASE_FAILURES`) stop the batch — they are no fault of the
page, which is then tried again next run. Every raw page ends in exactly one
``processed_page`` outcome: article | rejected | off_topic | error.

After the batch, the derived data is recomputed in the KB: positions, person resolution and
story clustering (:meth:`kb.store.KB.resolve`, with the overrides file when given).
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawler.urls import canonical_url
from kb.raw import RawPage, RawStore
from kb.resolve import Overrides
from kb.store import DATABASE_FAILURES, KB, LOOKUP_CHUNK, IngestBatch

PAGE_TIMEOUT_S = 60.0  # a page cleans + extracts in well under a second; 60 s means it hangs
IN_FLIGHT_PER_WORKER = 4  # bounded queue: raw bodies are streamed, never all in memory
MAX_REASON_CHARS = 300  # an error reason is one line of processed_page
# A task's page in one transaction (no commit between its writes and its run's counters)
PAGE_WRITES = 1_000
# What a page adds to its extraction run (kb.models.ExtractionRun), as Processor.run counts
RUN_COUNTER = {"new": "articles_new", "updated": "articles_updated", "unchanged": "unchanged",
               "rejected": "rejected", "off_topic": "rejected", "error": "errors"}
# Storing failures that are the database's, not the page's (kb.store.DATABASE_FAILURES) stop
# the batch (and the page stays unprocessed, so the next run tries it again) instead of marking
# every page an error.


def one_line(exc: BaseException, prefix: str = "") -> str:
    """``prefix`` + the exception's type and first line, at most MAX_REASON_CHARS."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{prefix}{type(exc).__name__}: {first}"[:MAX_REASON_CHARS]


def pipeline_version() -> str:
    """Version of clean + extract; a change re-extracts stored articles on `--reprocess`."""
    from extract import clean, facts

    return f"{facts.EXTRACTOR_VERSION}+clean{getattr(clean, 'CLEANER_VERSION', '0')}"


# How long an interrupted pool may take to end its workers (terminated, then reaped).
POOL_STOP_S = 10.0


def _warm_up() -> None:
    from extract.clean import _rules, _trafilatura_copies_input
    from extract.nlp import build_pipeline

    build_pipeline()
    _rules()
    _trafilatura_copies_input()


def pool_context() -> Any:
    """The worker processes' start method: a fork server where the platform has one (never a
    plain fork after a reactor or threads). The server imports :mod:`pantau.pool_preload`,
    which warms the pipeline once; workers fork from it warm. Elsewhere: spawn, each worker
    warming itself in the pool's initializer."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pantau.pool_preload"])
    return context


def process_one(
    url: str, body: bytes, content_type: str | None, zone: str | None = None
) -> dict[str, Any]:
    """Clean and extract one page (runs in a worker). Never raises for a bad page. ``zone``
    ("WIB"/"WITA"/"WIT") is the outlet's: times the page writes without a zone are read in it,
    and year-less dates in the text are anchored on the local publication day. ``facts`` is an
    :class:`extract.facts.Facts` (typed records)."""
    import wilayah
    from extract.clean import CleanError, clean_html
    from extract.facts import extract_records

    tz = wilayah.zone_named(zone) if zone else None
    try:
        article = clean_html(body, url, content_type=content_type, tz=tz)
    except CleanError as exc:
        return {"outcome": "rejected", "reason": exc.reason}
    facts = extract_records(article.text, published=article.published, title=article.title, zone=tz)
    return {"outcome": "article", "article": article.to_dict(), "facts": facts}


@dataclass
class ProcessReport:
    version: str
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    off_topic: int = 0
    errors: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    resolution: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def outlets_of(config: Any) -> list[dict[str, Any]]:
    """The KB's outlet rows for a sources config (name, title, homepage, region code)."""
    return [
        {"name": s.name, "title": s.title, "homepage": s.homepage, "region_code": s.region}
        for s in config.sources
    ]


def article_url(page_url: str, declared: str | None) -> str:
    """The article's identity: its declared canonical URL when on the same host, else the page's.

    A canonical on another host (a syndicated repost pointing at the original) would merge two
    outlets' coverage into one row, so it is not followed.
    """
    if declared and urlsplit(declared).hostname == urlsplit(page_url).hostname:
        return canonical_url(declared)
    return page_url


def _content_type(page: RawPage) -> str | None:
    return next((v for k, v in page.headers.items() if k.lower() == "content-type"), None)


class Processor:
    # Storing failures raised to the caller instead of recorded as the page's error: the
    # database's own (the batch stops); a task queue's worker adds the unique violations of a
    # concurrent worker's insert, so that the task is retried and finds the committed row.
    reraise: tuple[type[BaseException], ...] = DATABASE_FAILURES

    def __init__(
        self,
        raw: RawStore,
        kb: KB,
        *,
        workers: int = 2,
        timeout: float = PAGE_TIMEOUT_S,
        reprocess: bool = False,
        overrides: Overrides | None = None,
        progress: Callable[[str, str], None] | None = None,
        zones: Mapping[str, str] | None = None,
    ) -> None:
        """``zones``: source name -> its zone name ("WIB"), from the sources file's regions;
        a source not listed is read in the default zone (WITA)."""
        self.raw, self.kb = raw, kb
        self.zones = dict(zones or {})
        self.overrides = overrides or Overrides()
        self.workers, self.timeout, self.reprocess = workers, timeout, reprocess
        self.progress = progress or (lambda url, outcome: None)
        self.report = ProcessReport(pipeline_version())
        self._batch: IngestBatch | None = None  # while run() stores: several pages per commit

    def _writer(self) -> KB | IngestBatch:
        return self._batch or self.kb

    def _todo(self, source: str | None) -> Iterator[RawPage]:
        version = self.report.version
        pages = self.raw.pages(source=source)
        while chunk := list(itertools.islice(pages, LOOKUP_CHUNK)):
            current: set[str] = set()
            if not self.reprocess:  # one SELECT per chunk, not one per page
                current = self.kb.current_pages(((p.url, p.body_sha256) for p in chunk), version)
            for page in chunk:
                self.report.pages += 1
                if page.url in current:
                    self.report.unchanged += 1
                    continue
                if not page.on_topic:
                    self._record(page, "off_topic", "no topic keyword")
                    continue
                yield page

    def run(self, source: str | None = None) -> ProcessReport:
        run = self.kb.start_extraction_run(self.report.version)
        self.kb.sync_crawl_runs(self.raw.runs())
        with self.kb.batch() as batch:
            self._batch = batch
            try:
                self._process(source)
            finally:
                self._batch = None
        r = self.report
        run.pages, run.articles_new, run.articles_updated = r.pages, r.new, r.updated
        run.unchanged, run.rejected, run.errors = r.unchanged, r.rejected + r.off_topic, r.errors
        r.resolution = self.kb.resolve(self.overrides)
        self.kb.finish_extraction_run(run)
        return r

    def _process(self, source: str | None) -> None:
        if self.workers <= 0:
            for page in self._todo(source):
                try:
                    result = process_one(
                        page.url, page.body, _content_type(page), self.zones.get(page.source)
                    )
                except Exception as exc:  # a bug on one page must not stop the batch
                    result = {"outcome": "error", "reason": one_line(exc)}
                self._store(page, result)
        else:
            self._run_pool(source)

    def process_page(self, page: RawPage, run_id: int | None = None) -> str:
        """One page, end to end in this process (a task queue's worker): skipped when its body
        was processed by this version, else cleaned, extracted and stored like a batch's page.
        Returns what became of it: ``current`` (skipped), or the counter it adds to (``new``,
        ``updated``, ``unchanged``, ``rejected``, ``off_topic``, ``error``).

        With ``run_id`` (the extraction run ``pantau cluster enqueue`` opened), the page's
        outcome and the run's counters are written in one transaction, after a per-page lock
        and a second look at whether the page is current (:meth:`kb.store.IngestBatch.
        claim_page`): a task delivered twice — after its worker died between commit and
        acknowledgement, or while a slow worker still holds it — counts once."""
        self.report.pages += 1
        if not self.reprocess and self.kb.current_pages(
            [(page.url, page.body_sha256)], self.report.version
        ):
            self.report.unchanged += 1
            return "current"
        if not page.on_topic:
            result: dict[str, Any] = {"outcome": "off_topic", "reason": "no topic keyword"}
        else:
            zone = self.zones.get(page.source)
            try:
                result = process_one(page.url, page.body, _content_type(page), zone)
            except Exception as exc:  # a bug on one page must not stop the worker
                result = {"outcome": "error", "reason": one_line(exc)}
        if run_id is None:
            return self._store(page, result)
        # one transaction: the lock, the second look, the page's rows, the run's counters
        with self.kb.batch(PAGE_WRITES) as batch:
            if not self.reprocess and batch.claim_page(
                page.url, page.body_sha256, self.report.version
            ):
                self.report.unchanged += 1
                return "current"
            self._batch = batch
            try:
                kind = self._store(page, result)
            finally:
                self._batch = None
            batch.count_extraction_run(run_id, {"pages": 1, RUN_COUNTER[kind]: 1})
        return kind

    def _run_pool(self, source: str | None) -> None:
        from pebble import ProcessPool

        context = pool_context()
        limit = self.workers * IN_FLIGHT_PER_WORKER
        with ProcessPool(max_workers=self.workers, initializer=_warm_up, context=context) as pool:
            pending: list[tuple[RawPage, Any]] = []
            try:
                for page in self._todo(source):
                    future = pool.schedule(
                        process_one,
                        args=(page.url, page.body, _content_type(page),
                              self.zones.get(page.source)),
                        timeout=self.timeout,
                    )
                    pending.append((page, future))
                    if len(pending) >= limit:
                        self._collect(*pending.pop(0))
                for item in pending:
                    self._collect(*item)
            except BaseException:
                # SIGTERM/Ctrl+C (or a bug): end the workers now, not after the pages in flight,
                # and before this process exits (a worker still starting would outlive it)
                pool.stop()  # type: ignore[no-untyped-call]
                pool.join(timeout=POOL_STOP_S)
                raise

    def _collect(self, page: RawPage, future: Any) -> None:
        try:
            result = future.result()
        except FutureTimeout:
            result = {"outcome": "error", "reason": "timeout"}
        except Exception as exc:  # worker crash or a bug on one page
            result = {"outcome": "error", "reason": one_line(exc)}
        self._store(page, result)

    def _record(self, page: RawPage, outcome: str, reason: str) -> str:
        self._writer().record_outcome(
            url=page.url,
            source=page.source,
            page_sha256=page.body_sha256,
            extractor_version=self.report.version,
            outcome=outcome,
            reason=reason,
        )
        r = self.report
        if outcome == "error":
            r.errors += 1
        elif outcome == "off_topic":
            r.off_topic += 1
        else:
            r.rejected += 1
        r.reasons[reason] = r.reasons.get(reason, 0) + 1
        self.progress(page.url, outcome)
        return outcome

    def _store(self, page: RawPage, result: dict[str, Any]) -> str:
        """Store the page's outcome; return its kind (new, updated, unchanged, rejected,
        off_topic, error)."""
        if result["outcome"] != "article":
            return self._record(page, result["outcome"], result.get("reason") or "")
        article = result["article"]
        article["url"] = article_url(page.url, article.get("url"))
        try:
            status = self._writer().ingest(
                page_url=page.url,
                source=page.source,
                page_sha256=page.body_sha256,
                fetched_at=page.fetched_at,
                article=article,
                facts=result["facts"],
                extractor_version=self.report.version,
            )
        except self.reraise:
            raise
        except Exception as exc:  # this page's data: its savepoint was rolled back
            return self._record(page, "error", one_line(exc, "ingest: "))
        if status == "new":
            self.report.new += 1
        elif status == "updated":
            self.report.updated += 1
        else:
            self.report.unchanged += 1
        self.progress(page.url, status)
        return str(status)
