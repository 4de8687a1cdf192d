"""Reliability: a migration killed at any SQL statement never leaves a KB that will not open.

A forked child opens a KB the way every ``pantau`` command does (:func:`kb.migrations.ensure_schema`)
and SIGKILLs itself right after its N-th SQL statement (a SQLAlchemy ``after_cursor_execute``
counter on every engine). The parent then opens the KB normally (:class:`kb.store.KB`) and
checks that it opened, is at the head revision with exactly the head schema (no
``_alembic_tmp_*`` leftovers), passes ``PRAGMA integrity_check`` and — for an upgrade — kept
every row of the first revision. Kill points:

- fresh-KB migration: every statement;
- 0001 -> head upgrade of a KB holding a row in every table: every statement of the batch-mode
  table rebuilds (the ``_alembic_tmp_*`` copy, drop and rename, and the statement after each)
  and every :data:`UPGRADE_STRIDE`-th of the rest, plus the last ones before COMMIT;
- the same upgrade and a fresh migration run the way Pantau ran them before migrations were
  atomic (a KB left half-changed by an older Pantau): every :data:`LEGACY_STRIDE`-th statement;
  opening must restore it from its backup (or empty it when it held no rows).

Trials run in :data:`WORKERS` forked worker processes; the figures are printed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from kb.migrations import (
    FIRST_REVISION,
    SchemaError,
    alembic_config,
    backup,
    current_revision,
    ensure_schema,
    head_revision,
    migrate,
)
from kb.migrations.recovery import problem, schema, schema_at
from kb.store import KB, make_engine, sqlite_url
from tests.kb.factory import kill_at
from tests.kb.test_migrations import KEPT, dump, insert_rows

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")

WORKERS = max(2, min(4, os.cpu_count() or 2))
UPGRADE_STRIDE = 8  # the other statements of the upgrade: every 8th (a time budget: < 60 s in all)
LEGACY_STRIDE = 20  # the pre-fix runs only prove the restore path: a sample is enough
TAIL = 3  # the last statements before COMMIT are always tried

Rows = dict[str, list[tuple[Any, ...]]]


# -- what a child runs ----------------------------------------------------------------------------
def open_like_pantau(db: Path) -> None:
    """What opening a KB does to its schema (seeding the regions is not a migration)."""
    engine = make_engine(sqlite_url(db))
    try:
        ensure_schema(engine)
    finally:
        engine.dispose()


def legacy_migration(db: Path) -> None:
    """A migration the way Pantau ran it before it was atomic: pysqlite's own transaction
    handling (DDL outside transactions) and one Alembic transaction per revision."""
    engine = make_engine(sqlite_url(db))
    try:
        current = current_revision(engine)
        if current is not None:
            backup(db, current)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            command.upgrade(alembic_config(conn), "head")
            conn.commit()
    finally:
        engine.dispose()


# -- kill and check -------------------------------------------------------------------------------
def statements(run: Callable[[], None]) -> list[str]:
    """The SQL statements ``run`` executes (on any engine), in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "after_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(Engine, "after_cursor_execute", record)
    return seen


def killed_child(run: Callable[[], None], at: int) -> bool:
    """Fork a child that runs ``run`` and SIGKILLs itself after statement ``at``; True if killed."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            event.listen(Engine, "after_cursor_execute", kill_at(at))
            run()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return os.WTERMSIG(status) == signal.SIGKILL
    assert os.WEXITSTATUS(status) == 0, f"child failed at kill point {at}"
    return False


def half_changed(db: Path) -> bool:
    """Whether the KB file is in a state no migration should leave (before it is reopened)."""
    engine = create_engine(sqlite_url(db), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return problem(conn) is not None
    finally:
        engine.dispose()


def problem_after_reopen(db: Path, rows: Rows | None) -> str | None:
    """Open the KB normally; what is wrong with it afterwards (None: nothing)."""
    url = sqlite_url(db)
    try:
        KB(url, seed=False).close()
    except Exception as exc:  # the failure this test exists to find
        return f"does not open: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if (revision := current_revision(engine)) != head_revision():
                return f"at revision {revision}"
            if (got := schema(conn)) != schema_at(head_revision()):
                return f"not the head schema: {sorted(set(got) ^ set(schema_at(head_revision())))}"
            check = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            if check != "ok":
                return f"integrity_check: {check}"
    finally:
        engine.dispose()
    if rows is not None and dump(url, KEPT) != rows:
        return "rows of revision 0001 lost or changed"
    return None


def in_workers(points: list[int], trial: Callable[[int], dict[str, Any]], tmp: Path) -> list[dict[str, Any]]:
    """``trial(at)`` for every point, spread over :data:`WORKERS` forked processes."""
    pids = []
    for w in range(WORKERS):
        out = tmp / f"worker-{w}.jsonl"
        pid = os.fork()
        if pid == 0:
            try:
                with open(out, "w", encoding="utf-8") as fh:
                    for at in points[w::WORKERS]:
                        fh.write(json.dumps(trial(at)) + "\n")
                        fh.flush()
            finally:
                os._exit(0)
        pids.append((pid, out))
    results = []
    for pid, out in pids:
        os.waitpid(pid, 0)
        results += [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    done = {r["at"] for r in results}
    results += [{"at": at, "problem": "worker died"} for at in points if at not in done]
    return sorted(results, key=lambda r: r["at"])


def cleanup(db: Path) -> None:
    for path in db.parent.glob(db.name + "*"):
        path.unlink()


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Rows]]:
    """A KB at revision 0001 with one row in every table; caches warmed before any fork."""
    folder = tmp_path_factory.mktemp("migration-kills")
    db = folder / "0001.db"
    engine = make_engine(sqlite_url(db))
    migrate(engine, "upgrade", FIRST_REVISION)
    engine.dispose()
    insert_rows(sqlite_url(db))
    warm = folder / "warm.db"
    shutil.copy(db, warm)
    open_like_pantau(warm)  # expected schemas of 0001 and head: computed once, inherited
    cleanup(warm)
    yield db, dump(sqlite_url(db), KEPT)


def report(label: str, results: list[dict[str, Any]], total: int, seconds: float,
           capsys: pytest.CaptureFixture[str], extra: str = "") -> list[str]:
    failures = [f"kill after statement {r['at']}/{total}: {r['problem']}"
                for r in results if r["problem"]]
    with capsys.disabled():
        print(f"\n{label}: KB opened whole after {len(results) - len(failures)} of {len(results)}"
              f" kill points ({total} statements{extra}; {seconds:.1f} s)")
        for line in failures[:5]:
            print(f"  {line}")
    return failures


# -- the tests --------------------------------------------------------------------------------------
def test_kill_at_every_statement_of_a_fresh_migration(
    tmp_path: Path, template: tuple[Path, Rows], capsys: pytest.CaptureFixture[str]
) -> None:
    total = len(statements(lambda: open_like_pantau(tmp_path / "count.db")))

    def trial(at: int) -> dict[str, Any]:
        db = tmp_path / f"fresh-{at}.db"
        killed = killed_child(lambda: open_like_pantau(db), at)
        result = {"at": at, "killed": killed, "problem": problem_after_reopen(db, None)}
        cleanup(db)
        return result

    started = time.monotonic()
    results = in_workers(list(range(1, total + 1)), trial, tmp_path)
    failures = report("fresh-KB migration", results, total, time.monotonic() - started, capsys)
    assert not failures, failures[:3]
    assert sum(r["killed"] for r in results) == total  # every point really killed the child


def upgrade_points(sql: list[str]) -> list[int]:
    """Every statement of a batch rebuild and the one after it, every UPGRADE_STRIDE-th
    statement, and the last TAIL (1-based)."""
    batch = {i + 1 for i, s in enumerate(sql) if "_alembic_tmp_" in s or s.startswith("DROP TABLE")}
    batch |= {i + 1 for i in batch if i + 1 <= len(sql)}
    stride = set(range(1, len(sql) + 1, UPGRADE_STRIDE))
    tail = set(range(max(1, len(sql) - TAIL + 1), len(sql) + 1))
    return sorted(batch | stride | tail)


def test_kill_during_an_upgrade_from_the_first_revision(
    tmp_path: Path, template: tuple[Path, Rows], capsys: pytest.CaptureFixture[str]
) -> None:
    db0, rows = template
    probe = tmp_path / "count.db"
    shutil.copy(db0, probe)
    sql = statements(lambda: open_like_pantau(probe))
    points = upgrade_points(sql)
    assert any("_alembic_tmp_" in s for s in sql)  # the upgrade rebuilds tables (batch mode)

    def trial(at: int) -> dict[str, Any]:
        db = tmp_path / f"upgrade-{at}.db"
        shutil.copy(db0, db)
        killed = killed_child(lambda: open_like_pantau(db), at)
        result = {"at": at, "killed": killed, "problem": problem_after_reopen(db, rows)}
        cleanup(db)
        return result

    started = time.monotonic()
    results = in_workers(points, trial, tmp_path)
    failures = report("0001 -> head upgrade", results, len(sql), time.monotonic() - started,
                      capsys, f", tried: every batch-rebuild statement + every {UPGRADE_STRIDE}th")
    assert not failures, failures[:3]
    assert all(r["killed"] for r in results)


@pytest.mark.parametrize("start", ["fresh", "0001"])
def test_kb_left_half_changed_by_a_non_atomic_migration_is_restored(
    tmp_path: Path, template: tuple[Path, Rows], capsys: pytest.CaptureFixture[str], start: str
) -> None:
    db0, rows = template

    def prepare(db: Path) -> None:
        if start == "0001":
            shutil.copy(db0, db)

    probe = tmp_path / "count.db"
    prepare(probe)
    total = len(statements(lambda: legacy_migration(probe)))

    def trial(at: int) -> dict[str, Any]:
        db = tmp_path / f"legacy-{at}.db"
        prepare(db)
        killed_child(lambda: legacy_migration(db), at)
        broken = half_changed(db)
        result = {"at": at, "broken": broken,
                  "problem": problem_after_reopen(db, rows if start == "0001" else None)}
        cleanup(db)
        return result

    started = time.monotonic()
    results = in_workers(list(range(1, total + 1, LEGACY_STRIDE)), trial, tmp_path)
    broken = sum(r["broken"] for r in results)
    failures = report(f"pre-fix (non-atomic) migration from {start}", results, total,
                      time.monotonic() - started, capsys,
                      f", every {LEGACY_STRIDE}th tried; {broken} left half-changed")
    assert not failures, failures[:3]
    assert broken > 0  # the old way really did leave half-changed KBs


# -- restore rules -------------------------------------------------------------------------------
def test_mid_upgrade_kb_is_restored_with_a_warning(
    tmp_path: Path, template: tuple[Path, Rows], caplog: pytest.LogCaptureFixture
) -> None:
    db0, rows = template
    db = tmp_path / "kb.db"
    shutil.copy(db0, db)
    backup(db, FIRST_REVISION)
    con = sqlite3.connect(db)  # an older Pantau killed mid-upgrade: a rebuild cut short
    con.executescript("CREATE TABLE _alembic_tmp_article AS SELECT * FROM article;"
                      " DROP TABLE article;")
    con.close()
    with caplog.at_level("WARNING", logger="kb.migrations.recovery"):
        kb = KB(sqlite_url(db), seed=False)
    kb.close()
    assert kb.migration["restored"] == (
        "leftover table _alembic_tmp_article of an interrupted upgrade; restored from kb.db.bak-0001")
    assert kb.migration["from"] == FIRST_REVISION and kb.migration["to"] == head_revision()
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith("kb.db: leftover table _alembic_tmp_article") and "\n" not in message
    assert problem_after_reopen(db, rows) is None


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        ("CREATE TABLE organization (id INTEGER PRIMARY KEY)",
         "stamped 0001 but has table organization of a later revision"),
        ("ALTER TABLE person ADD COLUMN canonical_id INTEGER",
         "stamped 0001 but has column person.canonical_id of a later revision"),
        ("UPDATE alembic_version SET version_num = '0003'",
         "stamped 0003 but column article.original is missing"),
        ("DROP TABLE quote", "stamped 0001 but table quote is missing"),
    ],
)
def test_stamp_that_does_not_match_the_tables_is_a_half_changed_kb(
    tmp_path: Path, template: tuple[Path, Rows], damage: str, why: str
) -> None:
    db0, rows = template
    db = tmp_path / "kb.db"
    shutil.copy(db0, db)
    backup(db, FIRST_REVISION)
    con = sqlite3.connect(db)
    con.execute(damage)
    con.commit()
    con.close()
    assert half_changed(db)
    kb = KB(sqlite_url(db), seed=False)
    kb.close()
    assert kb.migration["restored"] == f"{why}; restored from kb.db.bak-0001"
    assert problem_after_reopen(db, rows) is None


def test_half_changed_kb_without_backup_or_rows_is_migrated_afresh(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    con = sqlite3.connect(db)  # the start of a first migration, cut short
    con.executescript("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"
                      " CREATE TABLE crawl_run (id INTEGER PRIMARY KEY);")
    con.close()
    kb = KB(sqlite_url(db), seed=False)
    kb.close()
    assert kb.migration["restored"].endswith("emptied (no rows)")
    assert problem_after_reopen(db, None) is None


@pytest.mark.parametrize(
    ("backup_age", "message"),
    [
        (None, "kb.db: leftover table _alembic_tmp_person of an interrupted upgrade, and no usable"
               " kb.db.bak-REV to restore"),
        ("older", "its newest backup kb.db.bak-0001 is older than it"),
    ],
)
def test_kb_that_cannot_be_restored_safely_stops_with_one_line(
    tmp_path: Path, template: tuple[Path, Rows], backup_age: str | None, message: str
) -> None:
    db0, _ = template
    db = tmp_path / "kb.db"
    shutil.copy(db0, db)
    if backup_age is None:
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE _alembic_tmp_person (id INTEGER)")
        con.commit()
        con.close()
    else:
        backup(db, FIRST_REVISION)
        os.utime(db.with_name("kb.db.bak-0001"), (1, 1))  # taken long before the KB's last write
        db.write_bytes(b"bukan basis data SQLite " * 200)  # unreadable
    with pytest.raises(SchemaError) as err:
        KB(sqlite_url(db), seed=False)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_unreadable_kb_is_restored_from_a_newer_backup(
    tmp_path: Path, template: tuple[Path, Rows]
) -> None:
    db0, rows = template
    db = tmp_path / "kb.db"
    shutil.copy(db0, db)
    backup(db, FIRST_REVISION)
    db.write_bytes(b"bukan basis data SQLite " * 200)
    os.utime(db, (1, 1))  # the backup is newer than the KB's last write
    kb = KB(sqlite_url(db), seed=False)
    kb.close()
    assert kb.migration["restored"].endswith("restored from kb.db.bak-0001")
    assert kb.migration["restored"].startswith("unreadable (")
    assert problem_after_reopen(db, rows) is None


def test_kb_from_a_newer_pantau_stops_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    KB(sqlite_url(db), seed=False).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(SchemaError, match=r"^the KB is at schema revision 9999, which this Pantau"
                                          r" does not know \(head \d{4}\): it was written by a newer"
                                          r" Pantau$"):
        KB(sqlite_url(db), seed=False)
