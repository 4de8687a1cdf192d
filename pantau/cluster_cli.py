"""``pantau worker crawl|process`` and ``pantau cluster reconcile|status|enqueue|resolve``:
crawling and processing on several machines.

A thin CLI over :mod:`crawler.distributed` (shared frontier in Redis),
:mod:`crawler.reconcile` (URLs a killed worker took with it, queued again) and
:mod:`pantau.tasks` (processing tasks on a Dramatiq queue in Redis; one resolve at a time). The
KB is ``--db`` (env ``PANTAU_DB``): a PostgreSQL URL shared by the processing workers, or by
default the SQLite file ``HOME/kb.db``. The raw store is
``--raw-db`` (env ``PANTAU_RAW_DB``): a PostgreSQL URL shared by the machines, or by default the
SQLite file ``HOME/raw.db`` (several workers on one machine). Data (JSON) on stdout, messages on
stderr, unusable Redis/PostgreSQL/extra: one line and exit 2 (``config_error``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from kb.raw import ENV_RAW_DB, shown
from pantau.config import retry_dropped

F = TypeVar("F", bound=Callable[..., Any])
CONFIG_ERROR = 2  # the exit status of an unusable configuration, as in every pantau command


class ClusterUnusable(click.ClickException):
    exit_code = CONFIG_ERROR


class Busy(click.ClickException):
    exit_code = 4  # as pantau process when another command writes the KB


def _emit(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def cluster_options(fn: F) -> F:
    """Where the shared state lives: raw store, Redis frontier, key prefix; sources."""
    for option in reversed([
        click.option("--home", envvar="PANTAU_HOME", default=Path("pantau-data"),
                     type=click.Path(file_okay=False, path_type=Path), show_default=True,
                     help="Folder of the default SQLite raw store (HOME/raw.db)"
                     " [env: PANTAU_HOME]"),
        click.option("--raw-db", envvar=ENV_RAW_DB,
                     help="Raw store shared by the workers: a PostgreSQL URL"
                     " (postgresql+psycopg://user@host/db) [env: PANTAU_RAW_DB; default:"
                     " HOME/raw.db]"),
        click.option("--redis", "redis_url", envvar="PANTAU_REDIS",
                     help="Redis URL of the shared frontier [env: PANTAU_REDIS; default:"
                     " redis://127.0.0.1:6379/0]"),
        click.option("--prefix", envvar="PANTAU_REDIS_PREFIX",
                     help="Redis key prefix: one cluster per prefix [env: PANTAU_REDIS_PREFIX;"
                     " default: pantau]"),
        click.option("--sources", "sources_file", envvar="PANTAU_SOURCES",
                     type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     help="Sources file (YAML) [env: PANTAU_SOURCES]"),
        click.option("--source", "only", multiple=True, help="Only this source (repeatable)"),
        click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Crawler processes in the cluster: each sends a host its share of"
                     " --host-concurrency"),
        click.option("--host-concurrency", type=click.IntRange(min=1),
                     help="Requests in flight to one host from the whole cluster [default: one"
                     " crawl's CONCURRENT_REQUESTS_PER_DOMAIN: 2, 8 with --fast]"),
        click.option("--fast", is_flag=True, help="No politeness delays: only for local sites"),
        click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                     help="Override a Scrapy/Pantau setting (repeatable)"),
    ]):
        fn = option(fn)
    return fn


@contextmanager
def usable() -> Iterator[None]:
    """Turn a missing extra, an unreachable Redis or PostgreSQL into one line (exit 2)."""
    try:
        yield
    except ModuleNotFoundError as exc:
        raise ClusterUnusable(
            f"{exc.name} is not installed: pip install 'pantau[cluster]'") from exc
    except click.ClickException:
        raise
    except Exception as exc:
        from pantau.config import ConfigError

        if isinstance(exc, ConfigError):  # e.g. the connection dropped on every retry
            raise ClusterUnusable(str(exc)) from exc
        cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
        kind = type(cause).__module__.split(".")[0]
        if kind in ("redis", "psycopg"):
            text = str(cause).strip()
            first = text.splitlines()[0] if text else type(cause).__name__
            engine = "Redis" if kind == "redis" else "PostgreSQL"
            raise ClusterUnusable(f"{engine} unusable: {first}") from exc
        raise


def _setup(
    home: Path, raw_db: str | None, redis_url: str | None, prefix: str | None,
    sources_file: Path | None, settings: tuple[str, ...],
) -> tuple[Any, str | Path, Any, dict[str, Any]]:
    from crawler.distributed import Frontier
    from crawler.run import parse_setting
    from crawler.sources import SourcesError, load_sources

    try:
        overrides = dict(parse_setting(item) for item in settings)
    except ValueError as exc:
        raise click.ClickException(f"--set: {exc}") from exc
    try:
        config = load_sources(sources_file)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    raw = _raw(raw_db, home)
    if isinstance(raw, Path):
        raw.parent.mkdir(parents=True, exist_ok=True)
    return config, raw, Frontier.from_env(redis_url, prefix), overrides


def _raw(raw_db: str | None, home: Path, must_exist: bool = False) -> str | Path:
    """The raw store's location (:func:`pantau.config.raw_location`), a bad one in one line
    (exit 2); with ``must_exist``, a SQLite file that is not there is one line too."""
    from pantau.config import ConfigError, raw_location

    try:
        raw = raw_location(raw_db, home)
    except ConfigError as exc:
        raise ClusterUnusable(str(exc)) from exc
    if must_exist and isinstance(raw, Path) and not raw.exists():
        raise click.ClickException(f"no raw store at {raw} (give --raw-db)")
    return raw


def _check(frontier: Any, raw: str | Path) -> None:
    """Fail early, in one line, when Redis or the raw store cannot be used."""
    from kb.raw import RawStore

    with usable():
        RawStore(raw).close()
        frontier.client().ping()


@click.group()
def worker() -> None:
    """Run one worker of a Pantau cluster (see README, "Scaling out")."""


@worker.command("crawl")
@cluster_options
def worker_crawl_cmd(home: Path, raw_db: str | None, redis_url: str | None, prefix: str | None,
                     sources_file: Path | None, only: tuple[str, ...], workers: int,
                     host_concurrency: int | None, fast: bool, settings: tuple[str, ...]) -> None:
    """One crawler process over the shared frontier; stops when the frontier is empty."""
    from crawler.distributed import INCOMPLETE, worker_crawl
    from crawler.run import CrawlArgumentError, check_crawl_arguments
    from pantau.config import ConnectionLost

    config, raw, frontier, overrides = _setup(home, raw_db, redis_url, prefix, sources_file,
                                              settings)
    try:
        check_crawl_arguments(config, only, None, None)
    except CrawlArgumentError as exc:
        raise click.ClickException(str(exc)) from exc
    _check(frontier, raw)
    with usable():
        try:
            stats = worker_crawl(config, raw, frontier, only=only, workers=workers,
                                 host_concurrency=host_concurrency, fast=fast,
                                 overrides=overrides, retry=retry_dropped)
        except ConnectionLost as exc:  # the raw store stayed away to the end
            raise ClusterUnusable(f"{exc}; the run's URLs are owed: run `pantau cluster"
                                  " reconcile` once the raw store is back") from exc
    _emit(stats)
    _redis_gave_up(stats.get("finish_reason"), frontier, "pantau cluster reconcile")
    if stats.get(INCOMPLETE):
        raise ClusterUnusable("the crawl run's end could not be written to the raw store (see"
                              " the errors above); its URLs are owed: run `pantau cluster"
                              " reconcile` once the workers are done")


def _redis_gave_up(reason: Any, frontier: Any, remedy: str) -> None:
    """A worker that stopped because Redis stayed away: one line, exit 2 (its report is out)."""
    from crawler.distributed import REDIS_LOST

    if reason == REDIS_LOST:
        raise ClusterUnusable(f"Redis at {frontier.shown}: unreachable too long; the worker"
                              f" stopped: run `{remedy}` once Redis is back")


@click.group()
def cluster() -> None:
    """Look after a Pantau cluster: reconcile lost URLs, show its state."""


@cluster.command("reconcile")
@cluster_options
@click.option("--lease", type=click.FloatRange(min=0), default=3600.0, show_default=True,
              help="Seconds after which an unanswered URL of a still running crawl is lost")
def reconcile_cmd(home: Path, raw_db: str | None, redis_url: str | None, prefix: str | None,
                  sources_file: Path | None, only: tuple[str, ...], workers: int,
                  host_concurrency: int | None, fast: bool, settings: tuple[str, ...],
                  lease: float) -> None:
    """Close killed crawls and fetch the URLs they lost (queued again, unfiltered)."""
    from crawler.reconcile import reconcile

    config, raw, frontier, overrides = _setup(home, raw_db, redis_url, prefix, sources_file,
                                              settings)
    _check(frontier, raw)
    with usable():
        report = reconcile(config, raw, frontier, lease_s=lease, workers=workers,
                           host_concurrency=host_concurrency, fast=fast, overrides=overrides,
                           retry=retry_dropped)
    click.echo(f"{report['lost']} lost URL(s) queued again; {len(report['killed_runs'])} killed"
               " crawl run(s) closed", err=True)
    _emit(report)


@cluster.command("status")
@click.option("--home", envvar="PANTAU_HOME", default=Path("pantau-data"),
              type=click.Path(file_okay=False, path_type=Path), show_default=True,
              help="Folder of the default SQLite raw store (HOME/raw.db) [env: PANTAU_HOME]")
@click.option("--raw-db", envvar=ENV_RAW_DB, help="Raw store URL [env: PANTAU_RAW_DB]")
@click.option("--redis", "redis_url", envvar="PANTAU_REDIS", help="Redis URL [env: PANTAU_REDIS]")
@click.option("--prefix", envvar="PANTAU_REDIS_PREFIX", help="Redis key prefix")
@click.option("--db", envvar="PANTAU_DB",
              help="Knowledge base (PostgreSQL URL) for the processing progress [env: PANTAU_DB;"
              " default: HOME/kb.db when it exists]")
def status_cmd(home: Path, raw_db: str | None, redis_url: str | None,
               prefix: str | None, db: str | None) -> None:
    """Queue depths, workers (crawl runs) alive, leases held and lost, per-source progress;
    with a KB, processing too: tasks owed and each open extraction run's pages done of those
    enqueued, with its counts so far."""
    from crawler.distributed import Frontier, cluster_status

    raw = _raw(raw_db, home, must_exist=True)
    front = Frontier.from_env(redis_url, prefix)
    with usable():
        report = retry_dropped(lambda: cluster_status(raw, front), "cluster status")
    if db or (home / "kb.db").exists():
        from pantau.tasks import progress

        broker = _broker(redis_url, prefix)
        with _stores(home, db, raw_db, need_raw=False) as (_, kb), usable():
            report["processing"] = retry_dropped(
                lambda: progress(broker, kb, front.prefix), "cluster status: processing")
    _emit(report)


# -- processing (pantau.tasks) --------------------------------------------------------------------
def processing_options(fn: F) -> F:
    """Where the shared state lives for processing: KB, raw store, Redis, key prefix; sources."""
    for option in reversed([
        click.option("--home", envvar="PANTAU_HOME", default=Path("pantau-data"),
                     type=click.Path(file_okay=False, path_type=Path), show_default=True,
                     help="Folder of the default SQLite stores (HOME/raw.db, HOME/kb.db)"
                     " [env: PANTAU_HOME]"),
        click.option("--db", envvar="PANTAU_DB",
                     help="Knowledge base shared by the workers: a PostgreSQL URL [env:"
                     " PANTAU_DB; default: HOME/kb.db]"),
        click.option("--raw-db", envvar=ENV_RAW_DB,
                     help="Raw store: a PostgreSQL URL [env: PANTAU_RAW_DB; default:"
                     " HOME/raw.db]"),
        click.option("--redis", "redis_url", envvar="PANTAU_REDIS",
                     help="Redis URL of the task queue [env: PANTAU_REDIS; default:"
                     " redis://127.0.0.1:6379/0]"),
        click.option("--prefix", envvar="PANTAU_REDIS_PREFIX",
                     help="Redis key prefix: one cluster per prefix [env: PANTAU_REDIS_PREFIX;"
                     " default: pantau]"),
        click.option("--sources", "sources_file", envvar="PANTAU_SOURCES",
                     type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     help="Sources file (YAML): outlets' titles, regions and zones"
                     " [env: PANTAU_SOURCES]"),
    ]):
        fn = option(fn)
    return fn


@contextmanager
def _stores(home: Path, db: str | None, raw_db: str | None,
            need_raw: bool = True) -> Iterator[tuple[Any, Any]]:
    """The raw store (None without ``need_raw``) and the KB, opened in one line or exit 2."""
    from kb.raw import RawStore
    from kb.store import KB, sqlite_url

    if db and "://" in db and not db.startswith(("postgresql:", "postgresql+", "sqlite:")):
        raise ClusterUnusable(f"--db {shown(db)}: expected a PostgreSQL URL"
                              " (postgresql+psycopg://user@host/db)")
    location = _raw(raw_db, home, must_exist=need_raw)
    with usable():
        raw = RawStore(location) if need_raw else None
        kb = KB(db or sqlite_url(home / "kb.db"))
    try:
        yield raw, kb
    finally:
        kb.close()
        if raw is not None:
            raw.close()


def _broker(redis_url: str | None, prefix: str | None) -> Any:
    from crawler.distributed import Frontier
    from pantau.tasks import make_broker

    front = Frontier.from_env(redis_url, prefix)
    with usable():
        front.client().ping()
        return make_broker(front.redis_url, front.prefix)


def _config(sources_file: Path | None) -> Any:
    from crawler.sources import SourcesError, load_sources

    try:
        return load_sources(sources_file)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc


@worker.command("process")
@processing_options
@click.option("--drain", is_flag=True,
              help="Stop when the queue is empty (nothing queued, retried or held by a worker)"
              " instead of waiting for more tasks")
def worker_process_cmd(home: Path, db: str | None, raw_db: str | None, redis_url: str | None,
                       prefix: str | None, sources_file: Path | None, drain: bool) -> None:
    """One processing worker: runs "process page X" tasks until SIGTERM (or --drain)."""
    from crawler.distributed import Frontier
    from pantau.tasks import run_worker

    config = _config(sources_file)
    broker = _broker(redis_url, prefix)
    front = Frontier.from_env(redis_url, prefix)
    with _stores(home, db, raw_db) as (raw, kb), usable():
        report = run_worker(broker, raw, kb, zones=config.zones(), drain=drain,
                            redis_url=front.redis_url, prefix=front.prefix)
    _emit(report)
    _redis_gave_up(report.get("finish_reason"), front, "pantau cluster enqueue")


@cluster.command("enqueue")
@processing_options
@click.option("--reprocess", is_flag=True,
              help="A task for every page, even if current (but none for a page whose task is"
              " still queued)")
def enqueue_cmd(home: Path, db: str | None, raw_db: str | None, redis_url: str | None,
                prefix: str | None, sources_file: Path | None, reprocess: bool) -> None:
    """Queue a "process page X" task for each raw page the KB has not processed yet."""
    from crawler.distributed import Frontier
    from pantau.pipeline import outlets_of
    from pantau.tasks import enqueue

    config = _config(sources_file)
    broker = _broker(redis_url, prefix)
    with _stores(home, db, raw_db) as (raw, kb), usable():
        report = enqueue(broker, raw, kb, outlets=outlets_of(config), reprocess=reprocess,
                         prefix=Frontier.from_env(redis_url, prefix).prefix)
    click.echo(f"{report['enqueued']} page(s) queued, {report['current']} already current,"
               f" {report['queued']} still queued", err=True)
    _emit(report)


@cluster.command("resolve")
@processing_options
@click.option("--overrides", type=click.Path(dir_okay=False, path_type=Path),
              help="Overrides file (YAML) [default: HOME/overrides.yaml when it exists]")
@click.option("--wait", type=click.FloatRange(min=0), default=600.0, show_default=True,
              help="Seconds to wait while another resolve holds the lock (then exit 4)")
def resolve_cmd(home: Path, db: str | None, raw_db: str | None, redis_url: str | None,
                prefix: str | None, sources_file: Path | None, overrides: Path | None,
                wait: float) -> None:
    """Positions, persons and stories once for the cluster, under a PostgreSQL advisory lock,
    over the window the newly processed articles can change."""
    from kb.resolve import Overrides, OverridesError
    from pantau.tasks import ResolveBusy, resolve

    try:
        rules = Overrides.load(overrides or home / "overrides.yaml")
    except OverridesError as exc:
        raise click.ClickException(str(exc)) from exc
    with _stores(home, db, raw_db, need_raw=False) as (_, kb), usable():
        try:  # derived again from scratch under the lock: safe to repeat after a drop
            report = retry_dropped(lambda: resolve(kb, rules, wait_s=wait), "cluster resolve")
        except ResolveBusy as exc:
            raise Busy(str(exc)) from exc
    _emit(report)
