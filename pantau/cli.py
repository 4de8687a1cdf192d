"""The ``pantau`` command: a thin CLI over the crawler, the extractors and the knowledge base.

Data goes to stdout (JSON where asked), messages to stderr. User errors are ClickExceptions:
one line, exit 1. A configuration or environment that cannot be used — a bad ``--db`` (not a
URL, no driver, refused connection, a KB from a newer Pantau), a HOME where the lock cannot be
created — is a :class:`pantau.config.ConfigError`, which the group turns into one line with
exit 2 for every command (:class:`PantauGroup`); another writer holding the lock past
``--lock-wait`` is exit 4. The codes are those of `pantau daily` (:data:`pantau.daily.EXIT_CODES`).

Every command that writes the KB (`process`, `resolve`, `daily`, `demo`) holds the same lock,
``HOME/daily.lock`` (:func:`pantau.daily.write_lock`), and opens the KB through
:func:`pantau.config.open_kb`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any, TypeVar

import click

from pantau.config import (
    ConfigError,
    Paths,
    check_raw,
    datasette_dir,
    open_kb,
    open_raw,
    sqlite_file,
)
from pantau.daily import (
    EXIT_CONFIG,
    EXIT_RUNNING,
    LOCK_WAIT,
    MAX_FAILURE_RATIO,
    AlreadyRunning,
    write_lock,
)
from pantau.options import home_options
from pantau.options import say as _say
from pantau.watchlist import watchlist_option

F = TypeVar("F", bound=Callable[..., Any])

SQL_TIME_LIMIT_MS = 3000  # Datasette: enough for faceted browsing, stops a runaway query
MAX_RETURNED_ROWS = 2000  # Datasette: a page of results, not a dump (CSV export streams all)


def raw_db_option(fn: F) -> F:
    """--raw-db: where the raw store lives (issue 16: shared PostgreSQL for several machines)."""
    return click.option(
        "--raw-db",
        envvar="PANTAU_RAW_DB",
        help="Raw store: a PostgreSQL URL (postgresql+psycopg://user@host/db) or a SQLite file"
        " [env: PANTAU_RAW_DB; default: HOME/raw.db]",
    )(fn)


def crawl_options(fn: F) -> F:
    """Options shared by `crawl` and `daily`."""
    fn = click.option(
        "--sources",
        "sources_file",
        envvar="PANTAU_SOURCES",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="Sources file (YAML) [env: PANTAU_SOURCES; default: the shipped crawler/sources.yaml]",
    )(fn)
    fn = click.option(
        "--source", "only", multiple=True, help="Crawl only this source (repeatable)"
    )(fn)
    fn = click.option(
        "--since", type=click.DateTime(["%Y-%m-%d"]), help="Skip entries dated before YYYY-MM-DD"
    )(fn)
    fn = click.option(
        "--until", type=click.DateTime(["%Y-%m-%d"]), help="Skip entries dated after YYYY-MM-DD"
    )(fn)
    fn = click.option(
        "--fast", is_flag=True, help="No politeness delays: only for local test sites"
    )(fn)
    return fn


def workers_options(fn: F) -> F:
    fn = click.option(
        "--workers",
        type=int,
        default=2,
        show_default=True,
        help="Worker processes for cleaning/extraction (0: in this process)",
    )(fn)
    fn = click.option(
        "--timeout",
        type=float,
        default=60.0,
        show_default=True,
        help="Hard time limit per page, in seconds",
    )(fn)
    return fn


def overrides_option(fn: F) -> F:
    """--overrides, for the commands that resolve persons and cluster stories."""
    return click.option(
        "--overrides",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="Overrides file (YAML) forcing/forbidding merges [default: HOME/overrides.yaml]",
    )(fn)


def lock_wait_option(fn: F) -> F:
    """--lock-wait, for the commands that write the KB and wait for another writer."""
    return click.option(
        "--lock-wait",
        type=click.FloatRange(min=0),
        default=LOCK_WAIT,
        show_default=True,
        help="Seconds to wait while another command writes the KB (HOME/daily.lock); then exit 4",
    )(fn)


class EnvironmentUnusable(click.ClickException):
    """A :class:`ConfigError`: exit 2, as `pantau daily`'s ``config_error``."""

    exit_code = EXIT_CONFIG


class LockHeld(click.ClickException):
    """Another command writing the KB holds the lock: exit 4, as ``already_running``."""

    exit_code = EXIT_RUNNING


class PantauGroup(click.Group):
    """The one place where configuration errors and a held lock become one-line exits."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise EnvironmentUnusable(str(exc)) from exc
        except AlreadyRunning as exc:
            raise LockHeld(str(exc)) from exc


@contextlib.contextmanager
def writing_kb(paths: Paths, wait: float = LOCK_WAIT) -> Iterator[Any]:
    """Hold the writers' lock of HOME and the opened KB for one command that writes it."""
    with write_lock(paths.home, wait=wait, say=_say):
        kb = open_kb(paths.db_url)
        try:
            yield kb
        finally:
            kb.close()


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO if verbose else logging.WARNING)  # Scrapy resets the root level
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


@click.group(cls=PantauGroup)
@click.version_option(pkg_version("pantau"), prog_name="pantau")
@click.option("-v", "--verbose", is_flag=True, help="Log progress (Scrapy included) to stderr")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Pantau: monitor regional Indonesian news — crawl, clean, extract facts, publish."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    _setup_logging(verbose)


# -- stages ------------------------------------------------------------------------------------
def _load_sources(path: Path | None) -> Any:
    from crawler.sources import SourcesError, load_sources

    try:
        return load_sources(path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def do_crawl(
    paths: Paths,
    config: Any,
    *,
    only: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    fast: bool = False,
    verbose: bool = False,
    fresh: bool = False,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from crawler.run import CrawlArgumentError, crawl

    check_raw(paths.raw)  # a bad --raw-db fails in one line, before Scrapy starts
    try:
        result = crawl(
            config, paths.home, paths.raw, only=only, since=since, until=until, fast=fast,
            log_level="INFO" if verbose else "WARNING", settings=settings, fresh=fresh,
        )
    except CrawlArgumentError as exc:
        raise click.ClickException(str(exc)) from exc
    if result.resumed:
        _say(f"Resumed the interrupted crawl in {result.jobdir}")
    if result.stopped:
        _say(f"Crawl stopped ({result.stats.get('finish_reason')}):"
             " run the same command to resume it")
    return result.stats


def _overrides(paths: Paths, path: Path | None) -> Any:
    """The overrides file: ``--overrides`` or ``HOME/overrides.yaml`` (absent: none)."""
    from kb.resolve import Overrides, OverridesError

    try:
        return Overrides.load(path or paths.home / "overrides.yaml")
    except OverridesError as exc:
        raise click.ClickException(str(exc)) from exc


def do_process(
    paths: Paths,
    *,
    workers: int,
    timeout: float,
    reprocess: bool = False,
    overrides: Path | None = None,
    lock_wait: float = LOCK_WAIT,
    config: Any = None,
) -> dict[str, Any]:
    """Process the raw store; with a sources ``config``, outlets get their title and region and
    each page's local times are read in its outlet's zone."""
    from kb.raw import RawStore
    from pantau.pipeline import Processor, outlets_of

    if not paths.has_raw:
        raise click.ClickException(f"{paths.raw}: no raw store yet (run `pantau crawl` first)")
    rules = _overrides(paths, overrides)
    open_raw(paths.raw).close()  # a bad --raw-db fails in one line before the KB is locked
    with writing_kb(paths, lock_wait) as kb, RawStore(paths.raw) as raw:
        if config is not None:
            kb.upsert_outlets(outlets_of(config))
        report = Processor(
            raw, kb, workers=workers, timeout=timeout, reprocess=reprocess, overrides=rules,
            zones=config.zones() if config is not None else None,
        ).run()  # fmt: skip
    return report.as_dict()


def _keep_versions() -> int:
    from kb.publish import KEEP_VERSIONS  # imported here: `pantau extract` loads no KB stack

    return KEEP_VERSIONS


def lang_option(fn: F) -> F:
    """``--lang id|en``: the language of the published pages (Indonesian unless asked)."""
    return click.option(
        "--lang",
        type=click.Choice(["id", "en"]),
        envvar="PANTAU_LANG",
        help="Language of the published pages [default: id; env PANTAU_LANG]",
    )(fn)


def do_publish(
    paths: Paths, output: Path | None = None, keep: int | None = None, lang: str | None = None
) -> dict[str, Any]:
    from kb.publish import KEEP_VERSIONS, PublishError, publish
    from pantau.config import retry_dropped

    keep = KEEP_VERSIONS if keep is None else keep

    if paths.db_url.startswith("sqlite:///"):
        kb: str | Path = sqlite_file(paths.db_url)
    else:  # a KB on PostgreSQL: copied into the snapshot (kb.publish.copy_server_kb)
        open_kb(paths.db_url).close()  # a bad --db is one line, as for every command
        kb = paths.db_url

    def build() -> Any:
        return publish(kb, output or paths.published, datasette_dir(), keep, lang=lang)

    try:  # from PostgreSQL: one REPEATABLE READ copy, made again if the connection drops
        snap = build() if isinstance(kb, Path) else retry_dropped(build, "publish")
    except PublishError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in snap.warnings:
        _say(f"publish: {warning}")
    return {
        "path": str(snap.path),
        "version": snap.version.name if snap.version else None,
        "metadata": str(snap.metadata),
        "size": snap.size,
        "tables": snap.tables,
        "warnings": snap.warnings,
        "removed": [str(p) for p in snap.removed],
    }


def datasette_command(
    snapshot: Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    uds: Path | None = None,
    allow_sql: bool = True,
) -> list[str]:
    """`datasette serve` of the snapshot: immutable, time-limited, with the `datasette/` config.

    The metadata written by `pantau publish` beside the snapshot (static metadata.yml + every
    column's description) is preferred; metadata.yml alone serves an older snapshot. With
    ``uds`` Datasette listens on that Unix socket instead of ``host``/``port`` (`pantau serve`
    runs it so, behind its supervisor). ``allow_sql=False`` turns arbitrary SQL off for
    everyone; tables, facets, search and the canned queries stay.
    """
    from kb.publish import metadata_path

    config = datasette_dir()
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(snapshot)]
    if metadata_path(snapshot).exists():
        cmd += ["--metadata", str(metadata_path(snapshot))]
    elif (config / "metadata.yml").exists():
        cmd += ["--metadata", str(config / "metadata.yml")]
    if (config / "templates").is_dir():
        cmd += ["--template-dir", str(config / "templates")]
    if (config / "plugins").is_dir() and any((config / "plugins").glob("*.py")):
        cmd += ["--plugins-dir", str(config / "plugins")]
    cmd += [
        "--setting", "sql_time_limit_ms", str(SQL_TIME_LIMIT_MS),
        "--setting", "max_returned_rows", str(MAX_RETURNED_ROWS),
        # facet suggestions cost 2-5 s per search at 200k articles (bench/pipeline.py); the
        # useful facets are configured in metadata.yml
        "--setting", "suggest_facets", "off",
    ]  # fmt: skip
    if not allow_sql:
        cmd += ["--setting", "default_allow_sql", "off"]
    cmd += ["--uds", str(uds)] if uds else ["--host", host, "--port", str(port)]
    return cmd


def listen(host: str, port: int) -> socket.socket:
    """The bound address to serve on: a busy port is one line and exit 1, before any work."""
    from pantau.serve import ServeError, listen_on

    try:
        return listen_on(host, port)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from exc


def do_serve(
    target: Path,
    host: str,
    port: int,
    *,
    allow_sql: bool = True,
    sock: socket.socket | None = None,
) -> None:
    from kb.publish import current_version
    from pantau.serve import ServeError, serve, url_of

    if current_version(target) is None:
        raise click.ClickException(f"{target}: nothing published yet (run `pantau publish`)")
    sock = sock or listen(host, port)
    click.echo(url_of(sock))
    _say(
        "Serving the published snapshot read-only with Datasette; a new `pantau publish` is"
        " served as soon as it is ready, without a restart. Ctrl+C stops."
    )
    if not allow_sql:
        _say("Arbitrary SQL is off: tables, facets, search and the canned queries stay.")

    def command(snapshot: Path, socket: Path) -> list[str]:
        return datasette_command(snapshot, uds=socket, allow_sql=allow_sql)

    try:
        serve(target, sock, command, say=_say)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from exc


def _emit(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# -- commands ----------------------------------------------------------------------------------
@cli.command()
@home_options
@raw_db_option
@crawl_options
@click.option("--fresh", is_flag=True, help="Discard an interrupted crawl instead of resuming it")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy/Pantau setting, e.g. CLOSESPIDER_PAGECOUNT=20000 (repeatable)",
)
@click.pass_context
def crawl(
    ctx: click.Context,
    home: Path,
    db: str | None,
    raw_db: str | None,
    sources_file: Path | None,
    only: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    fast: bool,
    fresh: bool,
    settings: tuple[str, ...],
) -> None:
    """Crawl the configured outlets into the raw store; print the run's stats as JSON."""
    from crawler.run import parse_setting

    paths = Paths.from_options(home, db, raw_db)
    try:
        overrides = dict(parse_setting(item) for item in settings)
    except ValueError as exc:
        raise click.ClickException(f"--set: {exc}") from exc
    summary = do_crawl(
        paths,
        _load_sources(sources_file),
        only=only,
        since=_day(since),
        until=_day(until),
        fast=fast,
        verbose=ctx.obj["verbose"],
        fresh=fresh,
        settings=overrides,
    )
    _emit(summary)


@cli.command()
@home_options
@raw_db_option
@workers_options
@click.option("--reprocess", is_flag=True, help="Re-extract every stored page, even if current")
@overrides_option
@lock_wait_option
@click.option(
    "--sources",
    "sources_file",
    envvar="PANTAU_SOURCES",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Sources file: outlets' titles, regions and zones [env: PANTAU_SOURCES; default: the "
    "shipped crawler/sources.yaml]",
)
def process(
    home: Path,
    db: str | None,
    raw_db: str | None,
    workers: int,
    timeout: float,
    reprocess: bool,
    overrides: Path | None,
    lock_wait: float,
    sources_file: Path | None,
) -> None:
    """Clean and extract facts from raw pages into the knowledge base."""
    report = do_process(
        Paths.from_options(home, db, raw_db),
        workers=workers,
        timeout=timeout,
        reprocess=reprocess,
        overrides=overrides,
        lock_wait=lock_wait,
        config=_load_sources(sources_file),
    )
    _emit(report)


@cli.command()
@home_options
@overrides_option
@lock_wait_option
def resolve(home: Path, db: str | None, overrides: Path | None, lock_wait: float) -> None:
    """Re-run person resolution and story clustering (e.g. after editing the overrides)."""
    paths = Paths.from_options(home, db)
    rules = _overrides(paths, overrides)
    with writing_kb(paths, lock_wait) as kb:
        _emit(kb.resolve(rules))


def _extract_one(
    data: bytes, is_html: bool, url: str, pub: datetime | None, use_stanza: bool
) -> dict[str, Any]:
    """The facts of one article (plain text, or an HTML page cleaned first)."""
    from extract.facts import extract_facts

    article: dict[str, Any] | None = None
    title = None
    if is_html:
        from extract.clean import CleanError, clean_html

        try:
            cleaned = clean_html(data, url)
        except CleanError as exc:
            raise click.ClickException(f"page rejected: {exc.reason}") from exc
        article = cleaned.to_dict()
        text, pub, title = cleaned.text, pub or cleaned.published, cleaned.title
    else:
        text = data.decode("utf-8", errors="replace")
    facts: dict[str, Any] = dict(extract_facts(text, published=pub, title=title, stanza=use_stanza))
    return {"article": article, **facts} if article is not None else facts


def _iso_date(value: Any, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise click.ClickException(f"{what}: not an ISO date: {value}") from exc


def _batch_inputs(files: tuple[Any, ...]) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(name, data, per-article options) of each input of ``--jsonl``: every FILE whole, or
    with no FILE (or -) each stdin line: a JSON object {"text", "id", "published"} or the text
    itself."""
    for f in files:
        name = getattr(f, "name", "-")  # stdin: "<stdin>" (a test's stream has no name)
        if name not in ("-", "<stdin>"):
            yield name, f.read(), {}
            continue
        for n, raw in enumerate(f, start=1):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line.strip():
                continue
            obj: Any = None
            if line.lstrip().startswith("{"):
                with contextlib.suppress(ValueError):
                    obj = json.loads(line)
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                name = str(obj.get("id", f"line {n}"))
                yield name, obj["text"].encode("utf-8"), {"published": obj.get("published")}
            else:
                yield f"line {n}", line.encode("utf-8"), {}


@cli.command()
@click.argument("files", nargs=-1, type=click.File("rb"))
@click.option("--html", "is_html", is_flag=True, help="FILE is an HTML page: clean it first")
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON")
@click.option(
    "--jsonl",
    "as_jsonl",
    is_flag=True,
    help="Many articles, one start: each FILE (or each stdin line: text, or a JSON object with "
    "text, id, published) gives one JSON line {input, facts…}; a bad one gives {input, error}",
)
@click.option("--url", default="http://localhost/article", help="URL of the page (with --html)")
@click.option("--published", help="Publication date, ISO 8601, to resolve dates without a year")
@click.option("--stanza", "use_stanza", is_flag=True, help="Also use stanza's local 'id' models")
def extract(
    files: tuple[Any, ...],
    is_html: bool,
    as_json: bool,
    as_jsonl: bool,
    url: str,
    published: str | None,
    use_stanza: bool,
) -> None:
    """Extract facts from one article: plain text, or an HTML page with --html. FILE may be -.
    With --jsonl: from many files, or from stdin line by line."""
    pub = _iso_date(published, "--published")
    if as_jsonl:
        if not files:
            files = (sys.stdin.buffer,)
        failed = 0
        for name, data, opts in _batch_inputs(files):
            try:
                when = _iso_date(opts.get("published"), "published") or pub
                row = {"input": name, **_extract_one(data, is_html, url, when, use_stanza)}
            except click.ClickException as exc:
                failed += 1
                row = {"input": name, "error": exc.message}
                _say(f"{name}: {exc.message}")
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
        if failed:
            raise click.ClickException(f"{failed} input(s) failed (an error line each)")
        return
    if len(files) != 1:
        raise click.ClickException("give one FILE (or --jsonl for several)")
    facts = _extract_one(files[0].read(), is_html, url, pub, use_stanza)
    if as_json:
        _emit(facts)
        return
    for key, items in facts.items():
        if key == "article" or not isinstance(items, list):
            continue
        click.echo(f"{key}: {len(items)}")
        for item in items:
            shown = {k: v for k, v in item.items() if k not in ("sentence", "extractor", "version")}
            click.echo(f"  {json.dumps(shown, ensure_ascii=False, default=str)}")


@cli.command()
@home_options
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Snapshot file [default: HOME/published/pantau.db]",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=_keep_versions,
    show_default="the current snapshot and the one before it",
    help="Snapshot versions to keep: the new one and the ones before it",
)
@lang_option
def publish(
    home: Path, db: str | None, output: Path | None, keep: int, lang: str | None
) -> None:
    """Build a new read-only Datasette snapshot and make it current (atomic switch)."""
    _emit(do_publish(Paths.from_options(home, db), output, keep, lang))


@cli.command()
@home_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on")
@click.option("--port", default=8001, show_default=True, help="Port to listen on")
@click.option(
    "--sql/--no-sql",
    "allow_sql",
    default=True,
    show_default=True,
    help="Let visitors run their own SQL (--no-sql: only tables, search and canned queries)",
)
def serve(home: Path, db: str | None, host: str, port: int, allow_sql: bool) -> None:
    """Serve the published snapshot with Datasette; follows `pantau publish` without a restart."""
    do_serve(Paths.from_options(home, db).published, host, port, allow_sql=allow_sql)


@cli.command()
@home_options
@raw_db_option
@crawl_options
@workers_options
@click.option(
    "--max-failure-ratio",
    type=click.FloatRange(0.0, 1.0),
    default=MAX_FAILURE_RATIO,
    show_default=True,
    help="Exit 1 (partial) when more than this share of fetches or pages failed",
)
@click.option("--quiet", is_flag=True, help="For cron: no output unless the run failed")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Log file, rotated [default: HOME/logs/pantau.log]",
)
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the digests [default: HOME/digests]",
)
@click.option("--digest-stdout", is_flag=True, help="Print the Markdown digest instead of JSON")
@click.option(
    "--datasette-url",
    default="http://127.0.0.1:8001",
    show_default=True,
    help="Base URL of the Datasette instance the digest links to",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy/Pantau crawl setting, e.g. DOWNLOAD_TIMEOUT=10 (repeatable)",
)
@overrides_option
@watchlist_option  # issue 15: --watchlist FILE
@click.pass_context
def daily(
    ctx: click.Context,
    home: Path,
    db: str | None,
    raw_db: str | None,
    sources_file: Path | None,
    only: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    fast: bool,
    workers: int,
    timeout: float,
    max_failure_ratio: float,
    quiet: bool,
    log_file: Path | None,
    digest_dir: Path | None,
    digest_stdout: bool,
    datasette_url: str,
    settings: tuple[str, ...],
    overrides: Path | None,
) -> None:
    """The cron job: crawl, process, publish, source health, digest; exit code says how it went."""
    from crawler.run import parse_setting
    from pantau.daily import DailyOptions, default_log_file, run_daily, setup_logging

    try:
        crawl_settings = dict(parse_setting(item) for item in settings)
    except ValueError as exc:
        raise click.UsageError(f"--set: {exc}") from exc  # exit 2, as a config error
    paths = Paths.from_options(home, db, raw_db)
    log_path = log_file or default_log_file(paths.home)
    try:
        setup_logging(log_path, quiet=quiet)
    except OSError as exc:  # read-only or full HOME, a folder in the way: exit 2, config error
        where = exc.filename or log_path
        raise ConfigError(f"{where}: cannot write the log file: {exc.strerror}") from exc
    result = run_daily(
        DailyOptions(
            paths=paths, sources_file=sources_file, only=only, since=_day(since),
            until=_day(until), fast=fast, workers=workers, timeout=timeout,
            max_failure_ratio=max_failure_ratio, digest_dir=digest_dir,
            datasette_url=datasette_url, overrides_file=overrides, verbose=ctx.obj["verbose"],
            crawl_settings=crawl_settings,
            watchlist_file=ctx.obj.get("watchlist"),
        )
    )
    if digest_stdout and result.digest_markdown is not None:
        click.echo(result.digest_markdown, nl=False)
    elif not quiet:
        _emit(result.as_dict())
    if result.code != 0 or not quiet:
        _say(result.line())
    ctx.exit(result.code)


@cli.command(name="eval")
@click.option(
    "--gold",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of NAME.txt + NAME.facts.json [default: extract/gold]",
)
@click.option("--demo", is_flag=True, help="Score the bundled demo articles instead")
@click.option("--json", "as_json", is_flag=True, help="Print scores as JSON")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="JSON file of floors; exit 1 if any field falls below its floor",
)
@click.option("--misses", is_flag=True, help="Also list, per article, what was missed or spurious")
@click.option(
    "--clean",
    "clean_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Score the cleaning stage on NAME.html + NAME.html.truth.json pages, beside trafilatura",
)
def evaluate_cmd(
    gold: Path | None,
    demo: bool,
    as_json: bool,
    baseline: Path | None,
    misses: bool,
    clean_dir: Path | None,
) -> None:
    """Score the extractors (precision/recall/F1 per field) on a gold corpus, or the cleaning
    stage on real pages (--clean DIR)."""
    from pantau.evaluate import GOLD_DIR, evaluate, floors_for, read_demo_site, read_seeds_format

    if clean_dir is not None:
        _eval_clean(clean_dir, as_json, baseline, misses, gold is not None or demo)
        return
    if demo and gold:
        raise click.ClickException("--demo and --gold are exclusive")
    folder = gold or GOLD_DIR
    corpus = "demo" if demo else "gold" if gold is None else folder.resolve().name
    report = evaluate(read_demo_site() if demo else read_seeds_format(folder))
    if report.articles == 0:
        raise click.ClickException(f"{folder}: no NAME.txt + NAME.facts.json pairs found")
    if as_json:
        _emit({**report.as_dict(), **({"misses": report.misses} if misses else {})})
    else:
        click.echo(report.table())
        if misses:
            for m in report.misses:
                click.echo(json.dumps(m, ensure_ascii=False))
    if baseline:
        floors_file = json.loads(baseline.read_text(encoding="utf-8"))
        nested = f"{folder.resolve().parent.name}_{corpus}"  # gold_national/r3: gold_national_r3
        if corpus not in floors_file and nested in floors_file:
            corpus = nested
        floors = floors_for(floors_file, corpus)
        if not floors:
            _say(f"{baseline}: no floors for corpus {corpus!r}: nothing checked")
        failed = report.regressions(floors)
        if failed:
            for line in failed:
                _say(f"regression: {line}")
            sys.exit(1)


def _eval_clean(
    folder: Path, as_json: bool, baseline: Path | None, misses: bool, other_corpus: bool
) -> None:
    from pantau.evaluate_clean import evaluate_clean, floors_for

    if other_corpus:
        raise click.ClickException("--clean is exclusive with --gold and --demo")
    if not folder.is_dir():
        raise click.ClickException(f"{folder}: no such folder")
    report = evaluate_clean(folder)
    if not report.pages:
        raise click.ClickException(f"{folder}: no NAME + NAME.truth.json pairs found")
    if as_json:
        data = report.as_dict()
        if not misses:
            data.pop("details")
        _emit(data)
    else:
        click.echo(report.table())
        if misses:
            for d in report.details:
                click.echo(json.dumps(d, ensure_ascii=False))
    if baseline:
        try:
            floors = floors_for(
                json.loads(baseline.read_text(encoding="utf-8")), folder.resolve().name
            )
        except ValueError as exc:
            raise click.ClickException(f"{baseline}: not JSON ({exc})") from None
        failed = report.regressions(floors)
        if failed:
            for line in failed:
                _say(f"regression: {line}")
            sys.exit(1)


@cli.command()
@home_options
@raw_db_option
@workers_options
@click.option("--no-serve", is_flag=True, help="Stop after building the published snapshot")
@click.option("--host", default="127.0.0.1", show_default=True, help="Datasette address")
@click.option("--port", default=8001, show_default=True, help="Datasette port")
@lock_wait_option
@lang_option
@click.pass_context
def demo(
    ctx: click.Context,
    home: Path,
    db: str | None,
    raw_db: str | None,
    workers: int,
    timeout: float,
    no_serve: bool,
    host: str,
    port: int,
    lock_wait: float,
    lang: str | None,
) -> None:
    """Run the whole pipeline on the bundled demo site (offline), then serve it."""
    from crawler.sources import load_sources
    from pantau.demosite import DemoServer, site_dir
    from pantau.serve import interrupt_on_signals, raise_if_interrupted

    paths = Paths.from_options(home, db, raw_db)
    config = load_sources(site_dir() / "sources.yaml")
    open_kb(paths.db_url).close()  # a bad --db fails now, not after the crawl
    sock = None if no_serve else listen(host, port)  # … and so does a busy port
    with DemoServer() as server:
        outlets = sum(not s.issuer for s in config.sources)
        issuers = len(config.sources) - outlets
        _say(
            f"Demo site: {outlets} fictional outlets and {issuers} press-release site"
            f" behind {server.proxy}"
        )
        os.environ["http_proxy"] = server.proxy  # Scrapy's HttpProxyMiddleware routes through it
        os.environ.pop("no_proxy", None)
        os.environ.pop("NO_PROXY", None)
        crawl_summary = do_crawl(paths, config, fast=True, verbose=ctx.obj["verbose"])
    interrupt_on_signals()  # Scrapy's handlers outlive its crawl and would swallow Ctrl+C
    if crawl_summary.get("finish_reason") == "shutdown":  # Ctrl+C or SIGTERM during the crawl
        raise click.ClickException("demo interrupted during the crawl; run it again to resume")
    _say(
        f"Crawled: {crawl_summary.get('pantau/pages/new', 0)} new pages,"
        f" {crawl_summary.get('pantau/articles/already_stored', 0)} already stored"
    )
    report = do_process(
        paths, workers=workers, timeout=timeout, lock_wait=lock_wait, config=config
    )
    raise_if_interrupted()  # a stop swallowed on the way (see there) still stops the demo
    _say(
        f"Processed: {report['new']} new articles, {report['updated']} updated,"
        f" {report['unchanged']} unchanged, {report['off_topic']} off-topic,"
        f" {report['rejected']} rejected, {report['errors']} errors"
    )
    published = do_publish(paths, lang=lang)
    raise_if_interrupted()
    _say(f"Published: {published['path']} ({published['tables'].get('article', 0)} articles)")
    if no_serve:
        _emit({"crawl": crawl_summary, "process": report, "publish": published})
        return
    do_serve(paths.published, host, port, sock=sock)


from pantau.sources_cli import sources  # noqa: E402 (the group is defined in its own module)

cli.add_command(sources)
from pantau.coverage_cli import coverage  # noqa: E402 (issue 15: coverage of a release)

cli.add_command(coverage)
from pantau.report import report  # noqa: E402 (issue 15: clipping reports)

cli.add_command(report)
from pantau.cluster_cli import cluster, worker  # noqa: E402 (issue 16: scaling out)

cli.add_command(worker)
cli.add_command(cluster)

if __name__ == "__main__":  # pragma: no cover
    cli()
