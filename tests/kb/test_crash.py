"""Crash consistency: a writer process is SIGKILLed at random points of an ingest batch.

Each trial forks a writer that ingests a batch of articles (then resolves persons and stories)
into a copy of a KB; the writer sends itself SIGKILL just before or after the N-th SQL
statement or at the N-th COMMIT, N drawn at random (seeded) over the whole batch. After each
kill: ``PRAGMA integrity_check`` is ok, foreign keys hold, every stored article has exactly the
facts of one complete extractor version (never a mix, never without its facts) and its
``processed_page`` row; then the batch is run again and the KB equals the one a clean run makes.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from kb.store import KB, sqlite_url
from tests.kb.factory import add, kill_at, official

TRIALS = 60  # the issue asks for at least 50
SEED = 6
FACT_TABLES = ("mention", "worker_count", "amount", "percentage", "event")
BATCH = 6


def write_batch(kb: KB, version: str) -> None:
    """A batch: six articles (facts differ by version), then resolution and clustering."""
    extra = 1 if version == "2" else 0
    for i in range(BATCH):
        add(
            kb,
            f"https://uji.test/berita/{i}",
            f"Berita uji nomor {i} tentang {1000 + i} pekerja rentan di Kefamenanu.",
            published=f"2025-07-{10 + i}T10:00:00+08:00",
            version=version,
            officials=[official(f"Pejabat Nomor{i} Uji", "Kepala Dinas", "Timor Tengah Utara")],
            counts=tuple(range(1000 + i, 1000 + i + 1 + extra)),
            amounts=(1_000_000 * (i + 1),),
            percents=(float(i),) * (1 + extra),
            events=(("launch", f"2025-07-{10 + i}"),),
        )
    kb.resolve()


def expected(version: str) -> dict[str, int]:
    extra = 1 if version == "2" else 0
    return {"mention": 1, "worker_count": 1 + extra, "amount": 1, "percentage": 1 + extra,
            "event": 1}


def kill_hook(kb: KB, kind: str, at: int) -> None:
    name = {"before": "before_cursor_execute", "after": "after_cursor_execute",
            "commit": "commit"}[kind]
    event.listen(kb.engine, name, kill_at(at))


def count_events(db: Path, version: str) -> dict[str, int]:
    kb = KB(sqlite_url(db))
    counts = {"before": 0, "after": 0, "commit": 0}

    def counter(kind: str) -> Callable[..., None]:
        def inc(*_a: Any, **_k: Any) -> None:
            counts[kind] += 1
        return inc

    for kind, name in (("before", "before_cursor_execute"), ("after", "after_cursor_execute"),
                       ("commit", "commit")):
        event.listen(kb.engine, name, counter(kind))
    write_batch(kb, version)
    kb.close()
    return counts


def snapshot(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        hashes = con.execute(
            "SELECT url, content_sha256, previous_sha256, extractor_version, story_id, original"
            " FROM article ORDER BY url").fetchall()
        persons = con.execute("SELECT name, canonical_id FROM person ORDER BY name").fetchall()
        facts = con.execute("SELECT value FROM worker_count ORDER BY value").fetchall()
    finally:
        con.close()
    return {"counts": counts, "articles": hashes, "persons": persons, "facts": facts}


def check_consistent(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        for aid, url, version in con.execute(
                "SELECT id, url, extractor_version FROM article").fetchall():
            got = {t: con.execute(f"SELECT count(*) FROM {t} WHERE article_id = ?",
                                  (aid,)).fetchone()[0] for t in FACT_TABLES}
            assert got == expected(version), (url, version, got)
            page = con.execute("SELECT article_id, extractor_version FROM processed_page"
                               " WHERE url = ?", (url,)).fetchone()
            assert page == (aid, version), (url, page)
    finally:
        con.close()


def run_writer(db: Path, version: str, kind: str, at: int) -> int:
    """Fork a writer that SIGKILLs itself at event ``at``; return its signal (0: finished)."""
    pid = os.fork()
    if pid == 0:  # the writer
        code = 1
        try:
            kb = KB(sqlite_url(db))
            kill_hook(kb, kind, at)
            write_batch(kb, version)
            kb.close()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return os.WTERMSIG(status)
    assert os.WEXITSTATUS(status) == 0
    return 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_kill_writer_at_random_points(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    KB(sqlite_url(empty)).close()
    v1 = tmp_path / "v1.db"
    shutil.copy(empty, v1)
    kb = KB(sqlite_url(v1))
    write_batch(kb, "1")
    kb.close()
    # reference KBs from clean runs, and how many events each batch has
    references, events = {}, {}
    for start, version in (("empty", "1"), ("v1", "2")):
        ref = tmp_path / f"ref-{start}.db"
        shutil.copy(empty if start == "empty" else v1, ref)
        events[start] = count_events(ref, version)
        references[start] = snapshot(ref)
    rng = random.Random(SEED)
    killed = 0
    for trial in range(TRIALS):
        start, version = rng.choice([("empty", "1"), ("v1", "2")])
        kind = rng.choice(["before", "after", "commit"])
        at = rng.randint(1, events[start][kind])
        db = tmp_path / f"trial-{trial}.db"
        shutil.copy(empty if start == "empty" else v1, db)
        sig = run_writer(db, version, kind, at)
        assert sig in (0, signal.SIGKILL)
        killed += sig == signal.SIGKILL
        check_consistent(db)
        kb = KB(sqlite_url(db))  # the rerun
        write_batch(kb, version)
        kb.close()
        check_consistent(db)
        got = snapshot(db)
        ref = references[start]
        assert got["articles"] == ref["articles"], (trial, kind, at)
        assert got["facts"] == ref["facts"] and got["persons"] == ref["persons"]
        assert got["counts"] == ref["counts"], (trial, kind, at)
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            path.unlink(missing_ok=True)
    assert killed >= TRIALS * 0.9  # nearly every trial really killed the writer mid-batch


def test_idempotent_batch_two_runs_identical(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    kb = KB(sqlite_url(db))
    write_batch(kb, "1")
    first = snapshot(db)
    write_batch(kb, "1")
    kb.close()
    assert snapshot(db) == first
    digest = hashlib.sha256(repr(first["articles"]).encode()).hexdigest()
    assert digest  # hashes compared above, row by row
