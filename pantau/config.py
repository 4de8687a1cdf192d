"""Where Pantau keeps its files, and how to override it.

Everything lives under one home directory: ``--home`` / ``PANTAU_HOME`` (default
``./pantau-data``)::

    raw.db                  raw store: fetched pages, crawl runs, ledger (SQLite default;
                            ``--raw-db`` / ``PANTAU_RAW_DB`` for a PostgreSQL URL)
    kb.db                   knowledge base (SQLite default; ``--db`` / ``PANTAU_DB`` for any URL)
    published/pantau.db     read-only snapshot that Datasette serves
    daily.lock              held by the command writing the KB (:func:`pantau.daily.write_lock`)

The CLI opens the KB only through :func:`open_kb`: a ``--db`` that cannot be used (not a URL,
a missing driver, a refused connection, a KB written by a newer Pantau or one that cannot be
recovered) raises :class:`ConfigError` with one line, which every command reports with exit
code 2 (``config_error``), never a traceback.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("pantau.config")

# A dropped connection to the KB's server (a restart, a failover, an idle connection killed by a
# proxy) is retried: DB_RETRY_ATTEMPTS tries in all, waiting DB_RETRY_FIRST_WAIT_S, then twice as
# long each time (0.5 + 1 + 2 + 4 s = 7.5 s: a server restart; longer outages are an outage and
# the run stops with one line, leaving the rest for the next run).
DB_RETRY_ATTEMPTS = 5
DB_RETRY_FIRST_WAIT_S = 0.5

DEFAULT_HOME = "pantau-data"


class ConfigError(ValueError):
    """The configuration or the environment is unusable: a bad option, sources file or
    ``--db``, an unwritable HOME. Reported as one line with exit code 2 (``config_error``)."""


def shown_url(url: str) -> str:
    """``url`` as it can be shown in a message: the password hidden, if it parses at all."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: show it as given
        return url


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error: show the driver's
    text = str(orig if orig is not None else exc).strip()
    line = text.splitlines()[0].strip() if text else ""
    return line or type(exc).__name__


def open_kb(url: str, **kwargs: Any) -> Any:
    """Open (and migrate) the :class:`kb.store.KB` at ``url`` for the CLI.

    Anything that keeps it from opening is a :class:`ConfigError` naming the URL (password
    hidden) and the reason in one line: not a URL, an unknown dialect or a driver that is not
    installed, a refused or rejected connection, an unwritable folder, a schema this Pantau
    cannot use (:class:`kb.migrations.SchemaError`).
    """
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from kb.migrations import SchemaError
    from kb.store import KB

    where = f"--db {shown_url(url)}"
    try:
        return KB(url, **kwargs)
    except ArgumentError as exc:
        raise ConfigError(f"{where}: not a database URL (e.g. sqlite:///PATH)") from exc
    except NoSuchModuleError as exc:
        raise ConfigError(f"{where}: unknown database: {_first_line(exc)}") from exc
    except ImportError as exc:
        raise ConfigError(f"{where}: database driver not installed: {exc.name or exc}") from exc
    except DBAPIError as exc:
        raise ConfigError(f"{where}: cannot connect: {_first_line(exc)}") from exc
    except SchemaError as exc:
        raise ConfigError(f"{where}: {_first_line(exc)}") from exc
    except OSError as exc:
        why = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        raise ConfigError(f"{where}: {why}") from exc


def open_raw(location: str | Path, **kwargs: Any) -> Any:
    """Open (creating its tables when needed) the :class:`kb.raw.RawStore` at ``location``.

    Anything that keeps it from opening is a :class:`ConfigError` naming it (password hidden):
    a refused or rejected connection, a missing driver, an unwritable folder.
    """
    from kb.raw import RawStore

    where = f"--raw-db {shown_url(location)}" if isinstance(location, str) else str(location)
    try:
        return RawStore(location, **kwargs)
    except ImportError as exc:
        raise ConfigError(f"{where}: database driver not installed: {exc.name or exc}") from exc
    except OSError as exc:
        why = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        raise ConfigError(f"{where}: {why}") from exc
    except Exception as exc:  # psycopg/sqlite3 errors: the driver's first line is the reason
        if not type(exc).__module__.startswith(("psycopg", "sqlite3")):
            raise
        raise ConfigError(f"{where}: cannot open: {_first_line(exc)}") from exc


def check_raw(location: str | Path) -> None:
    """Fail early, in one line (:class:`ConfigError`), when a ``--raw-db`` URL cannot be used;
    a SQLite file is left to be created by the crawl."""
    if not isinstance(location, Path):
        open_raw(location).close()


def raw_location(raw_db: str | None, home: Path) -> str | Path:
    """The raw store's location: a PostgreSQL URL (``--raw-db`` / ``PANTAU_RAW_DB``), a
    ``sqlite:///PATH`` URL or plain path given there, or by default ``HOME/raw.db``."""
    from kb.raw import ENV_RAW_DB, is_url

    given = raw_db or os.environ.get(ENV_RAW_DB) or None
    if given is None:
        return home / "raw.db"
    if is_url(given):
        return given
    if given.startswith("sqlite:///"):
        return Path(given.removeprefix("sqlite:///"))
    if "://" in given:
        raise ConfigError(
            f"--raw-db {shown_url(given)}: expected a PostgreSQL URL"
            " (postgresql+psycopg://user@host/db) or a SQLite file"
        )
    return Path(given)


class ConnectionLost(ConfigError):
    """The KB's server dropped the connection on every retry of a step (:func:`retry_dropped`)."""


# SQLSTATEs of a server that ended the session: class 08 (connection exception) and the
# operator's or the server's shutdowns (57P01 admin_shutdown … 57P05 idle_session_timeout);
# not 57014 (a statement timeout or cancel: the connection is fine, the query was too slow).
DROPPED_SQLSTATE_CLASSES = ("08",)
DROPPED_SQLSTATES = ("57P01", "57P02", "57P03", "57P04", "57P05")


def connection_dropped(exc: BaseException) -> bool:
    """Was ``exc``, or an error it was raised from (e.g. a one-line ``PublishError``), a
    dropped database connection? SQLAlchemy says so (``connection_invalidated``: its pool
    opens a new connection); a raw store's own psycopg connection (:class:`kb.raw.PgConnection`)
    raises psycopg's ``OperationalError`` with no SQLSTATE (the socket closed) or one of
    :data:`DROPPED_SQLSTATES`, and must be opened again."""
    from sqlalchemy.exc import DBAPIError

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, DBAPIError):
            return bool(cause.connection_invalidated)
        if type(cause).__module__.startswith("psycopg"):  # imported: psycopg is installed
            import psycopg

            if not isinstance(cause, psycopg.OperationalError):
                return False
            state = cause.sqlstate
            return (state is None or state.startswith(DROPPED_SQLSTATE_CLASSES)
                    or state in DROPPED_SQLSTATES)
        cause = cause.__cause__
    return False


def retry_dropped(
    step: Callable[[], T],
    what: str,
    *,
    attempts: int = DB_RETRY_ATTEMPTS,
    first_wait: float = DB_RETRY_FIRST_WAIT_S,
    sleep: Callable[[float], None] = time.sleep,
    on_drop: Callable[[], None] | None = None,
) -> T:
    """Run ``step`` (a unit of database work safe to run again: its transaction was rolled
    back), again after a wait when the database connection drops (:func:`connection_dropped`:
    SQLAlchemy's pool opens a new connection; ``on_drop`` is called first, e.g. to open a raw
    store's connection again), at most ``attempts`` times with doubling waits. Other errors
    pass through at once; giving up is a :class:`ConnectionLost` with one line."""
    wait = first_wait
    for attempt in range(1, attempts + 1):
        try:
            return step()
        except Exception as exc:
            if not connection_dropped(exc):
                raise
            if attempt == attempts:
                raise ConnectionLost(
                    f"{what}: the database connection dropped {attempts} times, gave up:"
                    f" {_first_line(exc)}"
                ) from exc
            if on_drop is not None:
                try:
                    on_drop()
                except Exception as again:  # the server is still away: the next try says so
                    if not connection_dropped(again):
                        raise
            log.warning("%s: database connection dropped (%s); retry %d of %d in %.1f s",
                        what, _first_line(exc), attempt, attempts - 1, wait)
            sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def sqlite_file(url: str, purpose: str = "publishing") -> Path:
    """The file of a SQLite KB URL; any other URL is a :class:`ConfigError`."""
    if not url.startswith("sqlite:///"):
        raise ConfigError(f"--db {shown_url(url)}: {purpose} needs a SQLite KB (sqlite:///PATH)")
    return Path(url.removeprefix("sqlite:///"))


@dataclass(frozen=True)
class Paths:
    home: Path
    db_url: str
    raw: str | Path = ""  # the raw store: a PostgreSQL URL or a SQLite file (HOME/raw.db)

    @classmethod
    def from_options(
        cls, home: str | Path | None = None, db: str | None = None, raw_db: str | None = None
    ) -> Paths:
        root = Path(home or os.environ.get("PANTAU_HOME") or DEFAULT_HOME)
        from kb.store import sqlite_url  # imported here: `pantau extract` loads no KB stack

        url = db or os.environ.get("PANTAU_DB") or sqlite_url(root / "kb.db")
        return cls(root, url, raw_location(raw_db, root))

    def __post_init__(self) -> None:
        if self.raw == "":  # built without one: the default beside the KB
            object.__setattr__(self, "raw", self.home / "raw.db")

    @property
    def has_raw(self) -> bool:
        """Is there a raw store to read? (A PostgreSQL one is created on first use.)"""
        return not isinstance(self.raw, Path) or self.raw.exists()

    @property
    def published(self) -> Path:
        return self.home / "published" / "pantau.db"


def datasette_dir() -> Path:
    """The Datasette configuration folder that publish and serve use (one owner:
    :func:`kb.publish.default_config_dir`: ``PANTAU_DATASETTE_DIR`` or the installed
    ``pantau_datasette``, the top-level ``datasette/`` of the source tree); not installed:
    a :class:`ConfigError` (reinstall Pantau)."""
    from kb.publish import PublishError, default_config_dir

    try:
        return default_config_dir()
    except PublishError as exc:
        raise ConfigError(f"{exc}: reinstall Pantau") from exc
