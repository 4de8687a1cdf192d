"""Publish: build a read-only SQLite snapshot of the KB for Datasette.

The served file is never the one being written, and never changes once written. Each publish
builds a new *version* in a folder of its own beside the target, and a pointer names the current
one. For the target ``published/pantau.db``::

    pantau.db              -> pantau.current/pantau.db             (fixed links, for readers)
    pantau.metadata.json   -> pantau.current/pantau.metadata.json
    pantau.current         -> pantau.versions/000042-20250918T053012Z   (the pointer)
    pantau.versions/
      000042-20250918T053012Z/pantau.db, pantau.metadata.json
      000041-20250917T053008Z/…            (kept: the previous version)
      .building-000043-…/                  (only while a publish runs)
      .publish.lock                         (held by the publish that runs)

A version is built in ``.building-NAME/``: the KB is copied with ``VACUUM INTO``, and only the
copy is changed. A KB on a database server (PostgreSQL, ``--db postgresql+psycopg://…``) is
copied by :func:`copy_server_kb`: a SQLite file gets the KB's own schema (the Alembic migrations:
the same tables, types, foreign keys and indexes as a SQLite KB) and is filled from the server
through the SQLModel tables, so every value takes the form it has on the SQLite path (times as
ISO text, JSON lists as text); from there on both paths are the same —

- derived tables for browsing: ``coverage`` (one row per article with its outlet, regions,
  officials and event types as JSON arrays, for facets) and ``region_coverage`` (articles per
  kabupaten/kota with the seat's coordinates, for the map);
- local time: ``coverage.published_local`` and ``coverage.zone`` give each article's publication
  time in its outlet's zone (``outlet.region_code`` through :func:`wilayah.zone_of`; an outlet
  without a region is in :data:`wilayah.DEFAULT_ZONE`), ``coverage.month`` is the local month,
  ``region_coverage`` gives its first/last times in the region's own zone, and positions'
  ``first_seen``/``last_seen`` are recomputed from the same local dates (the pages of one
  snapshot never disagree about a day). The stored ``published`` stays UTC;
- ``event_type_label``: the Indonesian label of each event type code (``launch`` →
  "peluncuran"); the codes stay as they are in ``event.type``, for queries;
- full-text search on articles and quotes, and the table search in publication order
  (``published_order`` in coverage and article, ``search_fts``: :data:`SEARCH_SQL`), indexes for
  the facets and canned queries, ``ANALYZE``;

then ``PRAGMA integrity_check`` must answer ``ok``, the file is made read-only, and beside it
``NAME.metadata.json`` is written: the static ``metadata.yml`` merged with a description of every
table and column of the snapshot, taken from the SQLModel schema (``Field(description=...)``,
column comments, docstrings) so the published descriptions cannot drift from the models. Canned
queries that do not compile against the snapshot are left out of it, with a warning. The folder
is renamed to its version name and the pointer is replaced atomically (``os.replace`` of a
symlink), so the database and its metadata change together.

A server holding a version (``pantau serve`` holds a shared ``flock`` on the version's file) keeps
it: old versions are removed when they are neither current, nor among the ``keep`` newest, nor
held. Every publish runs under an exclusive ``flock`` on ``.publish.lock``, so a publish that
holds it knows every ``.building-*`` folder is left over from a killed publish and removes it
(and the temporary files of the single-file layout of earlier Pantau versions, when the process
named in them is gone).
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import importlib.util
import json
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlite_utils
import yaml

import wilayah

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

FTS_TABLES = {"article": ["title", "text"], "quote": ["text", "speaker"]}
# Datasette's table search on coverage and article (issue 17). Datasette asks for
#   ... WHERE <fts_pk> IN (SELECT rowid FROM <fts_table> WHERE <fts_table> MATCH ?) ORDER BY <sort>
# and with article_fts (rowid = article.id) and the newest first (ORDER BY published DESC)
# SQLite looked every match up and sorted them all in a temp B-tree (article: whole rows, text
# included). published_order numbers the articles by publication time (1 = the oldest; the same
# number in coverage and article) and search_fts is keyed by it, so the IN list, which SQLite
# keeps sorted, is already in the page's order: no sort, and the page stops after its rows.
# Contentless (the text is article's), same tokenizer and detail as article_fts, which stays for
# /cari's snippets (and the searches of snapshots published before search_fts).
SEARCH_ORDER = "published_order"  # metadata.yml: the tables' fts_pk and sort_desc
SEARCH_FTS = "search_fts"  # metadata.yml: the tables' fts_table
SEARCH_SQL = (
    "ALTER TABLE coverage ADD COLUMN published_order INTEGER",
    "UPDATE coverage SET published_order = o.n FROM (SELECT article_id,"
    " row_number() OVER (ORDER BY published, article_id) AS n FROM coverage) AS o"
    " WHERE o.article_id = coverage.article_id",
    "CREATE UNIQUE INDEX idx_coverage_published_order ON coverage (published_order)",
    "ALTER TABLE article ADD COLUMN published_order INTEGER",
    "UPDATE article SET published_order = c.published_order FROM coverage c"
    " WHERE c.article_id = article.id",
    "CREATE UNIQUE INDEX idx_article_published_order ON article (published_order)",
    "CREATE VIRTUAL TABLE search_fts USING fts5 (title, text, content='')",
    "INSERT INTO search_fts (rowid, title, text) SELECT c.published_order, a.title, a.text"
    " FROM coverage c JOIN article a ON a.id = c.article_id ORDER BY c.published_order",
)
METADATA_FILE = "metadata.yml"
DESCRIPTIONS_FILE = "descriptions.yml"  # Indonesian of the generated descriptions (beside it)
STATIC_DB = "pantau"  # the database key used in metadata.yml
# Indexes for the facets and canned queries of datasette/metadata.yml (the KB has the rest).
INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("amount", ("role",)),
    ("worker_count", ("noun",)),
    ("mention", ("region",)),
    ("mention", ("name",)),
    ("position", ("region",)),
    ("quote", ("speaker",)),
    ("coverage", ("outlet",)),
    ("coverage", ("month",)),
    ("coverage", ("published",)),
    ("coverage", ("published_local",)),
    # the figure search (/cari): facts whose value lies in a range
    ("amount", ("value",)),
    ("worker_count", ("value",)),
    ("percentage", ("value",)),
)
NOT_PUBLISHED = ("alembic_version",)  # the KB's migration bookkeeping, not data
SNAPSHOT_MODE = 0o444  # the served file is read-only on disk too
KEEP_VERSIONS = 2  # the current version and the one before it (a server may still hold it)
COPY_BATCH_ROWS = 5000  # rows per fetch/insert copying a server KB: bounded memory, few round trips
BUILDING = ".building-"  # a version being written; left over only by a killed publish
VERSION_NAME = re.compile(r"(\d{6,})-\d{8}T\d{6}Z")
LIMITS_PLUGIN = "pantau-limits"  # datasette/plugins/pantau_limits.py; publish adds a fact to it
LANG_PLUGIN = "pantau-lang"  # datasette/plugins/pantau_pages.py reads {lang: id|en}
LANGS = ("id", "en")  # the interface languages; the first is the default
LANG_ENV = "PANTAU_LANG"  # the language `pantau publish` writes, when not given

log = logging.getLogger(__name__)

COVERAGE_SQL = """
INSERT INTO coverage
SELECT a.id, a.title, o.title, a.published,
  pantau_local_time(a.published, {outlet_region}), pantau_zone({outlet_region}),
  substr(pantau_local_time(a.published, {outlet_region}), 1, 7),
  (SELECT json_group_array(name) FROM (
     SELECT DISTINCT r.name FROM article_region ar JOIN region r ON r.code = ar.region_code
     WHERE ar.article_id = a.id ORDER BY r.name)),
  (SELECT json_group_array(name) FROM (
     SELECT DISTINCT {person_name} AS name FROM mention m JOIN person p ON p.id = m.person_id
     WHERE m.article_id = a.id ORDER BY 1)),
  (SELECT json_group_array(type) FROM (
     SELECT DISTINCT type FROM event e WHERE e.article_id = a.id ORDER BY type)),
  (SELECT json_group_array(label) FROM (
     SELECT DISTINCT l.label FROM event e JOIN event_type_label l ON l.code = e.type
     WHERE e.article_id = a.id ORDER BY l.label)),
  (SELECT count(*) FROM worker_count w WHERE w.article_id = a.id),
  (SELECT count(*) FROM amount m WHERE m.article_id = a.id),
  (SELECT count(*) FROM quote q WHERE q.article_id = a.id),
  a.url
FROM article a LEFT JOIN outlet o ON o.id = a.outlet_id
"""
# officials under the name their person resolves to (person.canonical_id), when the KB has it
CANONICAL_NAME = "coalesce((SELECT c.name FROM person c WHERE c.id = p.canonical_id), p.name)"
REGION_COVERAGE_SQL = """
INSERT INTO region_coverage
SELECT r.code, r.name, r.kind, r.latitude, r.longitude,
  count(DISTINCT a.id), count(DISTINCT a.outlet_id),
  (SELECT count(*) FROM amount m JOIN article_region x ON x.article_id = m.article_id
   WHERE x.region_code = r.code),
  (SELECT count(*) FROM worker_count w JOIN article_region x ON x.article_id = w.article_id
   WHERE x.region_code = r.code),
  pantau_local_time(min(a.published), r.code), pantau_local_time(max(a.published), r.code),
  pantau_zone(r.code)
FROM region r
JOIN article_region ar ON ar.region_code = r.code
JOIN article a ON a.id = ar.article_id
WHERE r.kind IN ('kabupaten', 'kota')
GROUP BY r.code
"""
EVENT_TYPE_LABEL_SQL = """
INSERT INTO event_type_label
SELECT code, label FROM pantau_event_labels
UNION ALL
SELECT DISTINCT type, type FROM event WHERE type NOT IN (SELECT code FROM pantau_event_labels)
"""
# Positions' first and last article dates, as local dates (the day the article's own page shows).
POSITION_DATES_SQL = """
UPDATE position SET
  first_seen = coalesce((SELECT min(substr(c.published_local, 1, 10)) FROM mention m
                         JOIN coverage c ON c.article_id = m.article_id
                         WHERE m.person_id = position.person_id AND m.title = position.title),
                        first_seen),
  last_seen = coalesce((SELECT max(substr(c.published_local, 1, 10)) FROM mention m
                        JOIN coverage c ON c.article_id = m.article_id
                        WHERE m.person_id = position.person_id AND m.title = position.title),
                       last_seen)
"""
# Indonesian labels of event.type (extract/data/events.yaml's trigger types, plus the extractor's
# "publication" and "other"). Presentation only: event.type keeps the codes.
EVENT_TYPE_LABELS: dict[str, str] = {
    "launch": "peluncuran",
    "handover": "penyerahan",
    "working_visit": "kunjungan kerja",
    "mou": "penandatanganan MoU/PKS",
    "socialization": "sosialisasi",
    "audience": "audiensi",
    "award": "penghargaan",
    "benefit_payment": "pembayaran santunan",
    "inauguration": "pelantikan",
    "meeting": "rapat",
    "training": "pelatihan",
    "publication": "publikasi",
    "other": "lainnya",
}
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"  # coverage.published_local: sortable, minutes
DERIVED: dict[str, tuple[dict[str, type], str, str, tuple[str, ...]]] = {
    # name: (columns, primary key, fill SQL, tables it reads); built in this order
    "event_type_label": (
        {"code": str, "label": str},
        "code",
        EVENT_TYPE_LABEL_SQL,
        ("event",),
    ),
    "coverage": (
        {"article_id": int, "title": str, "outlet": str, "published": str,
         "published_local": str, "zone": str, "month": str,
         "regions": str, "officials": str, "event_types": str, "event_labels": str,
         "worker_counts": int, "amounts": int, "quotes": int, "url": str},
        "article_id",
        COVERAGE_SQL,
        ("article", "outlet", "article_region", "region", "mention", "person", "event",
         "worker_count", "amount", "quote", "event_type_label"),
    ),
    "region_coverage": (
        {"code": str, "name": str, "kind": str, "latitude": float, "longitude": float,
         "articles": int, "outlets": int, "amounts": int, "worker_counts": int,
         "first_published": str, "last_published": str, "zone": str},
        "code",
        REGION_COVERAGE_SQL,
        ("region", "article_region", "article", "amount", "worker_count"),
    ),
}  # fmt: skip


class PublishError(RuntimeError):
    """The snapshot could not be built; the previously published version is untouched."""


@dataclass(frozen=True)
class Version:
    """One published version: its snapshot file and the metadata written beside it."""

    name: str  # "000042-20250918T053012Z"; "" for a single file of the earlier layout
    db: Path
    metadata: Path


@dataclass
class Snapshot:
    path: Path
    tables: dict[str, int]
    size: int
    metadata: Path | None = None
    warnings: list[str] = field(default_factory=list)
    version: Version | None = None
    removed: list[Path] = field(default_factory=list)  # old versions and leftovers removed


@dataclass(frozen=True)
class Layout:
    """Where the versions, the pointer and the lock of the snapshot ``target`` live."""

    target: Path

    @property
    def versions(self) -> Path:
        return self.target.with_name(f"{self.target.stem}.versions")

    @property
    def current(self) -> Path:
        return self.target.with_name(f"{self.target.stem}.current")

    @property
    def lock(self) -> Path:
        return self.versions / ".publish.lock"

    def version(self, folder: Path) -> Version:
        return Version(
            folder.name, folder / self.target.name, folder / metadata_path(self.target).name
        )


def is_server_kb(kb: str | Path) -> bool:
    """Is ``kb`` the URL of a KB on a database server (not a SQLite file or ``sqlite:`` URL)?"""
    return isinstance(kb, str) and "://" in kb and not kb.startswith("sqlite:")


def copy_server_kb(url: str, dest: Path, batch: int = COPY_BATCH_ROWS) -> dict[str, int]:
    """Copy the KB at the server ``url`` into a new SQLite file ``dest``; return rows per table.

    The schema comes from the migrations (as for a SQLite KB), the rows from the server read in
    one repeatable-read transaction (a consistent copy while writers go on), ``batch`` at a
    time, written through the SQLModel tables (the SQLite path's own type conversions).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    from kb.store import KB, make_engine, sqlite_url  # also puts every KB table in the metadata

    KB(sqlite_url(dest), seed=False).close()  # the schema, by the migrations
    try:
        return _copy_rows(make_engine(url), create_engine(sqlite_url(dest)), batch)
    except DBAPIError as exc:  # the server went away mid-copy, a permission …: one line
        orig = exc.orig if exc.orig is not None else exc
        first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        raise PublishError(f"copying the KB from the server failed: {first}") from exc


def _copy_rows(src: Engine, dst: Engine, batch: int) -> dict[str, int]:
    """Every row of the KB tables ``src`` has into ``dst`` (a plain SQLite engine: foreign keys
    are not checked while the tables fill in turn)."""
    from sqlalchemy import delete, insert, inspect, select
    from sqlmodel import SQLModel

    copied: dict[str, int] = {}
    try:
        present = set(inspect(src).get_table_names())
        with src.connect() as read, dst.begin() as write:
            read = read.execution_options(isolation_level="REPEATABLE READ", yield_per=batch)
            for table in SQLModel.metadata.sorted_tables:
                if table.name not in present:
                    continue
                write.execute(delete(table))  # rows a migration may have seeded
                copied[table.name] = 0
                result = read.execute(select(table).order_by(*table.primary_key.columns))
                for rows in result.mappings().partitions():
                    write.execute(insert(table), [dict(r) for r in rows])
                    copied[table.name] += len(rows)
        with dst.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
            conn.exec_driver_sql("VACUUM")
    finally:
        src.dispose()
        dst.dispose()
    return copied


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise PublishError(f"publishing needs a SQLite KB, got {url.split(':', 1)[0]}")
    return Path(url.removeprefix("sqlite:///"))


def metadata_path(target: str | Path) -> Path:
    """Where the Datasette metadata of the snapshot ``target`` is written."""
    target = Path(target)
    return target.with_name(f"{target.stem}.metadata.json")


CONFIG_PACKAGE = "pantau_datasette"  # the top-level datasette/ as installed (setup.py)


def default_config_dir() -> Path:
    """The Datasette configuration folder (metadata.yml, templates/, plugins/ …): env
    ``PANTAU_DATASETTE_DIR``, else the installed package ``pantau_datasette``.

    The source tree keeps it as the top-level ``datasette/``; every install (editable or not)
    maps it to ``pantau_datasette`` (``datasette`` is Datasette's own name), found here through
    importlib, so a wheel publishes and serves like a checkout. A checkout whose
    editable install predates that mapping still finds its own ``datasette/``.
    """
    override = os.environ.get("PANTAU_DATASETTE_DIR")
    if override:
        return Path(override)
    spec = importlib.util.find_spec(CONFIG_PACKAGE)
    # a namespace package (no __init__.py); an editable install adds a placeholder location,
    # which importlib.resources.files() refuses: its real folder is the one with metadata.yml
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / METADATA_FILE).is_file():
            return Path(location)
    checkout = Path(__file__).resolve().parents[1] / "datasette"
    if (checkout / METADATA_FILE).is_file():
        return checkout
    raise PublishError(f"the Datasette configuration ({CONFIG_PACKAGE}) is not installed")


def current_version(target: str | Path) -> Version | None:
    """The version the pointer of ``target`` names (None: nothing published yet).

    A ``target`` that is a plain file (published by an earlier Pantau) is its own version.
    """
    layout = Layout(Path(target))
    try:
        link = os.readlink(layout.current)
    except OSError:
        if layout.target.is_file() and not layout.target.is_symlink():
            return Version("", layout.target, metadata_path(layout.target))
        return None
    return layout.version(layout.current.parent / link)


def hold(version: Version) -> int:
    """Mark ``version`` as served (a shared ``flock`` on its file): no publish removes it.

    Returns the descriptor; closing it releases the hold.
    """
    fd = os.open(version.db, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def publish(
    kb: str | Path,
    target: str | Path,
    config_dir: Path | None | Literal["default"] = "default",
    keep: int = KEEP_VERSIONS,
    lang: str | None = None,
) -> Snapshot:
    """Snapshot ``kb`` as a new version of ``target``, make it current, return what it holds.

    ``kb`` is a SQLite KB's file (or ``sqlite:///`` URL), or the URL of a KB on PostgreSQL.

    ``config_dir`` is the Datasette configuration directory whose ``metadata.yml`` is merged
    (default: :func:`default_config_dir`); with ``None`` only the generated descriptions are
    published. ``keep`` versions are kept (the current one and the ones before it), plus any a
    server still holds. Waits while another publish of the same target runs.

    ``lang`` is the interface language, ``id`` (default) or ``en`` (env ``PANTAU_LANG``): the
    metadata's texts written ``{id: …, en: …}`` are published in it, and the pages read it from
    the ``pantau-lang`` plugin config.
    """
    source: str | Path = kb if is_server_kb(kb) else Path(str(kb).removeprefix("sqlite:///"))
    target = Path(target)
    if config_dir == "default":
        config_dir = default_config_dir()
    if keep < 1:
        raise PublishError(f"keep must be at least 1, got {keep}")
    if isinstance(source, Path) and not source.exists():
        raise PublishError(f"{source}: no knowledge base yet (run `pantau process` first)")
    static = _load_yaml(config_dir / METADATA_FILE) if config_dir else {}
    lang = choose_lang(lang, static)
    static = in_language(static, lang)
    described = load_descriptions(config_dir / DESCRIPTIONS_FILE) if config_dir else {}
    translated = descriptions_in(described, lang)
    layout = Layout(target)
    with _publish_lock(layout, wait=True):
        removed = _remove_leftovers(layout)
        name = _next_version_name(layout)
        building = layout.versions / f"{BUILDING}{name}"
        building.mkdir()
        try:
            version = layout.version(building)
            tables, warnings = _build(source, version, static, target.stem, translated)
            folder = layout.versions / name
            os.rename(building, folder)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        _point(layout, folder)
        removed += _collect(layout, keep)
    version = layout.version(folder)
    return Snapshot(
        target, tables, version.db.stat().st_size, metadata_path(target), warnings, version, removed
    )


def clean(target: str | Path, keep: int = KEEP_VERSIONS) -> list[Path] | None:
    """Remove what killed publishes left and the versions beyond ``keep``, without waiting.

    Returns what was removed, or None (touching nothing) while a publish of ``target`` runs.
    """
    layout = Layout(Path(target))
    with _publish_lock(layout, wait=False) as locked:
        if not locked:
            return None
        return _remove_leftovers(layout) + _collect(layout, keep)


def _build(
    kb: str | Path,
    version: Version,
    static: dict[str, Any],
    db_name: str,
    translated: dict[str, Any] | None = None,
) -> tuple[dict[str, int], list[str]]:
    """Write the snapshot and its metadata into ``version``'s (new, private) folder."""
    warnings: list[str] = []
    if isinstance(kb, str):
        copy_server_kb(kb, version.db)
    else:
        src = sqlite3.connect(f"{kb.resolve().as_uri()}?mode=ro", uri=True)  # only read
        try:
            src.execute("VACUUM INTO ?", (str(version.db),))
        finally:
            src.close()
    db = sqlite_utils.Database(version.db)
    try:
        for table in NOT_PUBLISHED:
            db.execute(f"DROP TABLE IF EXISTS [{table}]")
        warnings += build_derived(db)
        for table, searched in FTS_TABLES.items():
            if db[table].exists():
                db.table(table).enable_fts(searched, create_triggers=False, replace=True)
        build_search(db)
        for table, columns in INDEXES:
            if db[table].exists() and set(columns) <= set(db[table].columns_dict):
                db.table(table).create_index(columns, if_not_exists=True)
        db.conn.commit()
        db.execute("ANALYZE")
        db.execute("PRAGMA journal_mode=DELETE")  # a read-only copy needs no -wal/-shm files
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise PublishError(f"integrity check failed: {check}")
        metadata, dropped = build_metadata(db.conn, static, db_name, translated)
        warnings += dropped
        limits = metadata.setdefault("plugins", {}).setdefault(LIMITS_PLUGIN, {})
        limits["longest_value_bytes"] = longest_value(db.conn)
        tables = {name: db[name].count for name in visible_tables(db.conn)}
    finally:
        db.close()
    version.metadata.write_text(
        json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    version.db.chmod(SNAPSHOT_MODE)
    return tables, warnings


@contextlib.contextmanager
def _publish_lock(layout: Layout, wait: bool) -> Iterator[bool]:
    """Hold the exclusive publish lock of ``layout`` (yields False when busy and not ``wait``)."""
    layout.versions.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            log.warning("publish: waiting for another publish (pid %s) to finish", holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield True
    finally:
        os.close(fd)  # releases the lock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _remove_leftovers(layout: Layout) -> list[Path]:
    """What killed publishes left (call with the publish lock held)."""
    removed = []
    for path in sorted(layout.versions.glob(f"{BUILDING}*")):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    stems = (layout.target.name, metadata_path(layout.target).name, layout.current.name)
    for path in sorted(layout.target.parent.glob(".*")):
        new_link = any(path.name.startswith(f".{s}.new-") for s in stems)
        # the temporary files of the single-file layout: .pantau.db.tmp-PID(-journal)
        legacy = re.fullmatch(
            rf"\.(?:{'|'.join(re.escape(s) for s in stems[:2])})\.tmp-(\d+)(?:-journal)?", path.name
        )
        if new_link or (legacy and not _pid_alive(int(legacy.group(1)))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _versions(layout: Layout) -> list[tuple[int, Path]]:
    found = []
    for path in layout.versions.iterdir():
        m = VERSION_NAME.fullmatch(path.name)
        if m and path.is_dir():
            found.append((int(m.group(1)), path))
    return sorted(found)


def _next_version_name(layout: Layout) -> str:
    last = max((seq for seq, _ in _versions(layout)), default=0)
    current = current_version(layout.target)
    if current is not None and (m := VERSION_NAME.fullmatch(current.name)):
        last = max(last, int(m.group(1)))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{last + 1:06d}-{stamp}"


def _replace_symlink(path: Path, points_to: str) -> None:
    if path.is_symlink() and os.readlink(path) == points_to:
        return
    new = path.with_name(f".{path.name}.new-{os.getpid()}")
    new.unlink(missing_ok=True)
    os.symlink(points_to, new)
    os.replace(new, path)  # atomic: a reader sees the old link or the new one


def _point(layout: Layout, folder: Path) -> None:
    """Make ``folder`` the current version (one atomic rename), then the fixed links."""
    _replace_symlink(layout.current, f"{layout.versions.name}/{folder.name}")
    _replace_symlink(layout.target, f"{layout.current.name}/{layout.target.name}")
    meta = metadata_path(layout.target)
    _replace_symlink(meta, f"{layout.current.name}/{meta.name}")


def _held(db: Path) -> bool:
    """Whether a server holds this version (see :func:`hold`)."""
    try:
        fd = os.open(db, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _collect(layout: Layout, keep: int) -> list[Path]:
    """Remove old versions: all but the current one and the ``keep - 1`` before it.

    A version newer than the current one was never served (its publish was killed before the
    switch). A version a server holds is kept until it is released.
    """
    current = current_version(layout.target)
    versions = _versions(layout)
    cur = next((seq for seq, p in versions if current and p.name == current.name), None)
    if cur is None:
        return []
    kept = set([seq for seq, _ in versions if seq <= cur][-keep:])
    removed = []
    for seq, path in versions:
        if seq in kept or _held(layout.version(path).db):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _load_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PublishError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PublishError(f"{path}: expected a mapping at the top level")
    return data


def choose_lang(lang: str | None, static: dict[str, Any]) -> str:
    """``lang``, else env ``PANTAU_LANG``, else metadata.yml's ``pantau-lang``, else ``id``."""
    configured = ((static.get("plugins") or {}).get(LANG_PLUGIN) or {}).get("lang")
    chosen = lang or os.environ.get(LANG_ENV) or configured or LANGS[0]
    if chosen not in LANGS:
        raise PublishError(f"unknown language {chosen!r}: expected one of {', '.join(LANGS)}")
    return str(chosen)


def in_language(value: Any, lang: str) -> Any:
    """``value`` with every ``{id: …, en: …}`` mapping replaced by its ``lang`` text, and the
    language recorded in the ``pantau-lang`` plugin config (at the top level)."""

    def pick(v: Any) -> Any:
        if isinstance(v, dict):
            if v and set(v) <= set(LANGS) and all(isinstance(t, str) for t in v.values()):
                return v.get(lang) or v.get(LANGS[0]) or next(iter(v.values()))
            return {k: pick(x) for k, x in v.items()}
        if isinstance(v, list):
            return [pick(x) for x in v]
        return v

    out = pick(value)
    if isinstance(out, dict):
        out.setdefault("plugins", {}).setdefault(LANG_PLUGIN, {})["lang"] = lang
    return out


def zone_label(region_code: str | None) -> str:
    """The zone label of a region code, WIB, WITA or WIT (the default zone without one)."""
    zone = wilayah.zone_of(region_code) if region_code else wilayah.DEFAULT_ZONE
    return zone.tzname(None) or ""


def local_time(published: str | None, region_code: str | None) -> str | None:
    """A stored UTC time (``2025-10-26 23:50:00.000000``) as local time in the zone of
    ``region_code``: ``2025-10-27 07:50`` (WITA)."""
    if not published:
        return None
    try:
        value = datetime.fromisoformat(str(published))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = wilayah.zone_of(region_code) if region_code else wilayah.DEFAULT_ZONE
    return value.astimezone(zone).strftime(LOCAL_TIME_FORMAT)


def _register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the fill statements use (on the build connection only: the snapshot
    stores their results, so Datasette needs neither them nor the wilayah package)."""
    conn.create_function("pantau_local_time", 2, local_time, deterministic=True)
    conn.create_function("pantau_zone", 1, zone_label, deterministic=True)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS pantau_event_labels (code TEXT, label TEXT)")
    conn.execute("DELETE FROM pantau_event_labels")
    conn.executemany("INSERT INTO pantau_event_labels VALUES (?, ?)", EVENT_TYPE_LABELS.items())


def build_derived(db: sqlite_utils.Database) -> list[str]:
    """Create the derived browsing tables; returns warnings for those that cannot be built."""
    warnings = []
    _register_functions(db.conn)
    for name, (columns, pk, sql, needs) in DERIVED.items():
        missing = [t for t in needs if not db[t].exists()]
        if missing:
            warnings.append(f"{name}: not built, the KB has no {', '.join(missing)} table")
            continue
        foreign_keys = [("article_id", "article", "id")] if name == "coverage" else []
        if name == "region_coverage":
            foreign_keys = [("code", "region", "code")]
        db.table(name).create(columns, pk=pk, foreign_keys=foreign_keys, replace=True)
        canonical = "canonical_id" in db["person"].columns_dict if db["person"].exists() else False
        with_region = "region_code" in db["outlet"].columns_dict if db["outlet"].exists() else False
        db.execute(
            sql.replace("{person_name}", CANONICAL_NAME if canonical else "p.name").replace(
                "{outlet_region}", "o.region_code" if with_region else "NULL"
            )
        )
        db.conn.commit()
    if db["coverage"].exists() and db["position"].exists() and db["mention"].exists():
        db.execute(POSITION_DATES_SQL)
        db.conn.commit()
    db.execute("DROP TABLE IF EXISTS temp.pantau_event_labels")
    return warnings


def build_search(db: sqlite_utils.Database) -> None:
    """``published_order`` in coverage and article, and search_fts (:data:`SEARCH_SQL`), when
    the snapshot has both tables."""
    if not (db["coverage"].exists() and db["article"].exists()):
        return
    with db.conn:
        for sql in SEARCH_SQL:
            db.execute(sql)


def longest_value(conn: sqlite3.Connection) -> int:
    """Bytes in the longest text or blob stored in the snapshot (one scan of each table).

    The SQL limits of Datasette (``datasette/plugins/pantau_limits.py``) never go below it, so
    every stored value stays readable however tight the limit is set.
    """
    longest = 0
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
    ).fetchall()
    for (table,) in tables:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        if not cols:
            continue
        parts = ", ".join(f"max(length(CAST([{c}] AS BLOB)))" for c in cols)
        row = conn.execute(f"SELECT {parts} FROM [{table}]").fetchone()
        longest = max([longest, *(v for v in row if v is not None)])
    return longest


def visible_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables and views Datasette shows (not SQLite's, not FTS shadows, not ``_private``)."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
    ).fetchall()
    names = [r[0] for r in rows]
    fts = {n for n in names if n.endswith("_fts")}
    return [
        n for n in names
        if not n.startswith(("sqlite_", "_"))
        and n not in fts
        and not any(n.startswith(f"{f}_") for f in fts)
    ]  # fmt: skip


def model_descriptions() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Table and column descriptions from the SQLModel schema (docstrings, Field descriptions)."""
    from sqlalchemy import Table as SqlTable
    from sqlmodel.main import default_registry

    import kb.store  # noqa: F401  (imports every model module, so every table is registered)

    tables: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    for mapper in default_registry.mappers:
        cls, table = mapper.class_, mapper.local_table
        if not isinstance(table, SqlTable):
            continue
        doc = cls.__dict__.get("__doc__")
        if doc:
            tables[table.name] = " ".join(doc.strip().split("\n\n")[0].split())
        fields = getattr(cls, "model_fields", {})
        cols = columns.setdefault(table.name, {})
        for col in table.columns:
            info = fields.get(col.name)
            desc = col.comment or (info.description if info is not None else None)
            if desc:
                cols[col.name] = desc
    return tables, columns


def load_descriptions(path: Path) -> dict[str, dict[str, Any]]:
    """``descriptions.yml``: ``{table: {description: {id, en}, columns: {col: {id, en}}}}``,
    checked (a PublishError names the entry that is wrong); no file, no descriptions."""
    data = _load_yaml(path)

    def text(where: str, value: Any) -> dict[str, str]:
        if not (
            isinstance(value, dict)
            and set(value) == set(LANGS)
            and all(isinstance(v, str) and v.strip() for v in value.values())
        ):
            raise PublishError(f"{path}: {where}: expected {{id: text, en: text}}, got {value!r}")
        return value

    for table, entry in data.items():
        if not isinstance(entry, dict) or not set(entry) <= {"description", "columns"}:
            raise PublishError(f"{path}: {table}: expected description and/or columns")
        if "description" in entry:
            text(f"{table}.description", entry["description"])
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict):
            raise PublishError(f"{path}: {table}.columns: expected a mapping of columns")
        for column, value in columns.items():
            text(f"{table}.columns.{column}", value)
    return data


def descriptions_in(described: dict[str, dict[str, Any]], lang: str) -> dict[str, Any]:
    """The descriptions of ``lang``: ``{table: {description: text, columns: {col: text}}}``.
    English keeps the schema's own texts (docstrings, Field descriptions): none."""
    if lang == "en":
        return {}
    return {
        table: {
            "description": (entry.get("description") or {}).get(lang),
            "columns": {c: t[lang] for c, t in (entry.get("columns") or {}).items()},
        }
        for table, entry in described.items()
    }


def _structural_description(conn: sqlite3.Connection, table: str, column: str) -> str | None:
    """A description for an id or foreign-key column the schema left undescribed."""
    for row in conn.execute(f"PRAGMA foreign_key_list([{table}])"):
        if row[3] == column:
            return f"The {row[2]} row this refers to ({row[2]}.{row[4]})"
    pks = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[5]]
    if pks == [column]:
        return "Row id (primary key)"
    return None


def build_metadata(
    conn: sqlite3.Connection,
    static: dict[str, Any],
    db_name: str,
    translated: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Datasette metadata for the snapshot: ``static`` + generated descriptions.

    Hand-written descriptions in ``static`` win; then ``translated`` (:func:`descriptions_in`:
    descriptions.yml in the interface language); the schema fills every gap. Canned queries
    that do not compile against the snapshot are dropped (returned as warnings).
    """
    meta = copy.deepcopy(static)
    translated = translated or {}
    databases = meta.setdefault("databases", {})
    dbmeta = databases.pop(STATIC_DB, None) or {}
    databases[db_name] = dbmeta
    tables_meta = dbmeta.setdefault("tables", {})
    model_tables, model_columns = model_descriptions()
    present = visible_tables(conn)
    for name in list(tables_meta):
        if name not in present:
            del tables_meta[name]  # no metadata (facets …) for a table the snapshot lacks
    for name in present:
        tmeta = tables_meta.setdefault(name, {})
        own = translated.get(name) or {}
        if not tmeta.get("description") and not tmeta.get("description_html"):
            desc = own.get("description") or model_tables.get(name)
            if desc:
                tmeta["description"] = desc
        cols = tmeta.setdefault("columns", {})
        for row in conn.execute(f"PRAGMA table_info([{name}])"):
            col = row[1]
            if cols.get(col):
                continue
            desc = (
                (own.get("columns") or {}).get(col)
                or model_columns.get(name, {}).get(col)
                or _structural_description(conn, name, col)
            )
            if desc:
                cols[col] = desc
    warnings = []
    for qname, query in list((dbmeta.get("queries") or {}).items()):
        sql = query["sql"] if isinstance(query, dict) else query
        params = {p: "" for p in re.findall(r"(?<![:\w]):(\w+)", sql)}
        try:
            conn.execute(f"EXPLAIN {sql}", params)
        except sqlite3.Error as exc:
            del dbmeta["queries"][qname]
            warnings.append(f"canned query {qname} left out: {exc}")
    return meta, warnings
