"""Publish: build a read-only SQLite snapshot of the KB for Datasette.

The served file is never the one being written: the KB is copied with ``VACUUM INTO`` to a
temporary file beside the target, and only the copy is changed —

- derived tables for browsing: ``coverage`` (one row per article with its outlet, regions,
  officials and event types as JSON arrays, for facets) and ``region_coverage`` (articles per
  kabupaten/kota with the seat's coordinates, for the map);
- full-text search on articles and quotes, indexes for the facets and canned queries, ``ANALYZE``;

then ``PRAGMA integrity_check`` must answer ``ok``, the file is made read-only and atomically moved
into place. Beside it, ``NAME.metadata.json`` is written (also atomically): the static
``metadata.yml`` merged with a description of every table and column of the snapshot, taken from
the SQLModel schema (``Field(description=...)``, column comments, docstrings) so the published
descriptions cannot drift from the models. Canned queries that do not compile against the
snapshot are left out of it, with a warning.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
import yaml

FTS_TABLES = {"article": ["title", "text"], "quote": ["text", "speaker"]}
METADATA_FILE = "metadata.yml"
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
)
NOT_PUBLISHED = ("alembic_version",)  # the KB's migration bookkeeping, not data
SNAPSHOT_MODE = 0o444  # the served file is read-only on disk too

COVERAGE_SQL = """
INSERT INTO coverage
SELECT a.id, a.title, o.title, a.published, a.month,
  (SELECT json_group_array(name) FROM (
     SELECT DISTINCT r.name FROM article_region ar JOIN region r ON r.code = ar.region_code
     WHERE ar.article_id = a.id ORDER BY r.name)),
  (SELECT json_group_array(name) FROM (
     SELECT DISTINCT {person_name} AS name FROM mention m JOIN person p ON p.id = m.person_id
     WHERE m.article_id = a.id ORDER BY 1)),
  (SELECT json_group_array(type) FROM (
     SELECT DISTINCT type FROM event e WHERE e.article_id = a.id ORDER BY type)),
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
  min(a.published), max(a.published)
FROM region r
JOIN article_region ar ON ar.region_code = r.code
JOIN article a ON a.id = ar.article_id
WHERE r.kind IN ('kabupaten', 'kota')
GROUP BY r.code
"""
DERIVED: dict[str, tuple[dict[str, type], str, str, tuple[str, ...]]] = {
    # name: (columns, primary key, fill SQL, tables it reads)
    "coverage": (
        {"article_id": int, "title": str, "outlet": str, "published": str, "month": str,
         "regions": str, "officials": str, "event_types": str, "worker_counts": int,
         "amounts": int, "quotes": int, "url": str},
        "article_id",
        COVERAGE_SQL,
        ("article", "outlet", "article_region", "region", "mention", "person", "event",
         "worker_count", "amount", "quote"),
    ),
    "region_coverage": (
        {"code": str, "name": str, "kind": str, "latitude": float, "longitude": float,
         "articles": int, "outlets": int, "amounts": int, "worker_counts": int,
         "first_published": str, "last_published": str},
        "code",
        REGION_COVERAGE_SQL,
        ("region", "article_region", "article", "amount", "worker_count"),
    ),
}  # fmt: skip


class PublishError(RuntimeError):
    """The snapshot could not be built; the previously published file is untouched."""


@dataclass
class Snapshot:
    path: Path
    tables: dict[str, int]
    size: int
    metadata: Path | None = None
    warnings: list[str] = field(default_factory=list)


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise PublishError(f"publishing needs a SQLite KB, got {url.split(':', 1)[0]}")
    return Path(url.removeprefix("sqlite:///"))


def metadata_path(target: str | Path) -> Path:
    """Where the Datasette metadata of the snapshot ``target`` is written."""
    target = Path(target)
    return target.with_name(f"{target.stem}.metadata.json")


def default_config_dir() -> Path:
    """The ``datasette/`` directory of this checkout (env ``PANTAU_DATASETTE_DIR`` overrides)."""
    override = os.environ.get("PANTAU_DATASETTE_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "datasette"


def publish(
    kb_path: str | Path,
    target: str | Path,
    config_dir: Path | None | Literal["default"] = "default",
) -> Snapshot:
    """Snapshot ``kb_path`` into ``target`` (atomic replace) and return what it holds.

    ``config_dir`` is the Datasette configuration directory whose ``metadata.yml`` is merged
    (default: :func:`default_config_dir`); with ``None`` only the generated descriptions are
    published.
    """
    kb_path, target = Path(kb_path), Path(target)
    if config_dir == "default":
        config_dir = default_config_dir()
    if not kb_path.exists():
        raise PublishError(f"{kb_path}: no knowledge base yet (run `pantau process` first)")
    static = _load_yaml(config_dir / METADATA_FILE) if config_dir else {}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    meta_target = metadata_path(target)
    meta_tmp = meta_target.with_name(f".{meta_target.name}.tmp-{os.getpid()}")
    for stale in (tmp, meta_tmp):
        stale.unlink(missing_ok=True)
    warnings: list[str] = []
    try:
        src = sqlite3.connect(f"{kb_path.resolve().as_uri()}?mode=ro", uri=True)  # only read
        try:
            src.execute("VACUUM INTO ?", (str(tmp),))
        finally:
            src.close()
        db = sqlite_utils.Database(tmp)
        for table in NOT_PUBLISHED:
            db.execute(f"DROP TABLE IF EXISTS [{table}]")
        warnings += build_derived(db)
        for table, columns in FTS_TABLES.items():
            if db[table].exists():
                db[table].enable_fts(columns, create_triggers=False, replace=True)
        for table, columns in INDEXES:
            if db[table].exists() and set(columns) <= set(db[table].columns_dict):
                db[table].create_index(columns, if_not_exists=True)
        db.execute("ANALYZE")
        db.execute("PRAGMA journal_mode=DELETE")  # a read-only copy needs no -wal/-shm files
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise PublishError(f"integrity check failed: {check}")
        metadata, dropped = build_metadata(db.conn, static, target.stem)
        warnings += dropped
        tables = {name: db[name].count for name in visible_tables(db.conn)}
        db.close()
        meta_tmp.write_text(json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.chmod(SNAPSHOT_MODE)
        os.replace(tmp, target)
        os.replace(meta_tmp, meta_target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        meta_tmp.unlink(missing_ok=True)
        raise
    return Snapshot(target, tables, target.stat().st_size, meta_target, warnings)


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


def build_derived(db: sqlite_utils.Database) -> list[str]:
    """Create the derived browsing tables; returns warnings for those that cannot be built."""
    warnings = []
    for name, (columns, pk, sql, needs) in DERIVED.items():
        missing = [t for t in needs if not db[t].exists()]
        if missing:
            warnings.append(f"{name}: not built, the KB has no {', '.join(missing)} table")
            continue
        foreign_keys = [("article_id", "article", "id")] if name == "coverage" else []
        if name == "region_coverage":
            foreign_keys = [("code", "region", "code")]
        db[name].create(columns, pk=pk, foreign_keys=foreign_keys, replace=True)
        canonical = "canonical_id" in db["person"].columns_dict
        db.execute(sql.replace("{person_name}", CANONICAL_NAME if canonical else "p.name"))
        db.conn.commit()
    return warnings


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
    from sqlmodel.main import default_registry

    import kb.store  # noqa: F401  (imports every model module, so every table is registered)

    tables: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    for mapper in default_registry.mappers:
        cls, table = mapper.class_, mapper.local_table
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
    conn: sqlite3.Connection, static: dict[str, Any], db_name: str
) -> tuple[dict[str, Any], list[str]]:
    """Datasette metadata for the snapshot: ``static`` + generated descriptions.

    Hand-written descriptions in ``static`` win; the schema fills every gap. Canned queries
    that do not compile against the snapshot are dropped (returned as warnings).
    """
    meta = copy.deepcopy(static)
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
        if not tmeta.get("description") and name in model_tables:
            tmeta["description"] = model_tables[name]
        cols = tmeta.setdefault("columns", {})
        for row in conn.execute(f"PRAGMA table_info([{name}])"):
            col = row[1]
            if cols.get(col):
                continue
            desc = model_columns.get(name, {}).get(col) or _structural_description(conn, name, col)
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
