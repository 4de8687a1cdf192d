from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.ledger import Outcome, State
from kb.raw import RawStore, RetryCandidate, is_url, legacy_outcome, shown
from tests.kb.conftest import POSTGRES


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where an empty raw store lives: a SQLite file, or a fresh PostgreSQL schema (dropped
    afterwards) — the same store code runs on both."""
    if request.param == "sqlite":
        yield str(tmp_path / "raw.db")
        return
    psycopg = pytest.importorskip("psycopg")
    schema = f"raw_{uuid.uuid4().hex[:12]}"
    dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(dsn, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def test_put_is_idempotent_and_keeps_previous_hash(store: str) -> None:
    with RawStore(store) as raw:
        kwargs: dict[str, Any] = {"url": "https://x.test/a", "final_url": "https://x.test/a",
                                  "source": "x", "status": 200, "headers": {"ETag": '"1"'}}
        assert raw.put(**kwargs, body=b"<html>satu</html>") == "new"
        assert raw.put(**kwargs, body=b"<html>satu</html>") == "unchanged"
        assert raw.put(**kwargs, body=b"<html>dua</html>") == "changed"
        (page,) = list(raw.pages())
        assert page.body == b"<html>dua</html>"
        assert raw.count() == 1


def test_retry_candidates_are_failed_retryable_and_unstored(store: str) -> None:
    with RawStore(store) as raw:
        run = raw.start_run(["x"])
        raw.record(run, "https://x.test/503", Outcome.HTTP_ERROR, "http 503", source="x",
                   retryable=True)
        raw.record(run, "https://x.test/404", Outcome.NOT_FOUND, "http 404", source="x")
        raw.record(run, "https://x.test/ok", Outcome.NEW, source="x")
        assert raw.retry_candidates() == [
            RetryCandidate("https://x.test/503", "x", Outcome.HTTP_ERROR)
        ]
        assert {e["url"]: e["state"] for e in raw.ledger(run)} == {
            "https://x.test/503": "failed", "https://x.test/404": "failed",
            "https://x.test/ok": "stored",
        }
        run2 = raw.start_run(["x"])
        raw.record(run2, "https://x.test/503", Outcome.NEW, source="x")
        assert raw.retry_candidates() == []


def test_unchanged_refetch_updates_fetch_time_and_validators(store: str) -> None:
    with RawStore(store) as raw:
        kwargs: dict[str, Any] = {"url": "https://x.test/a", "final_url": "https://x.test/a",
                                  "source": "x", "status": 200, "body": b"<p>sama</p>"}
        raw.put(**kwargs, headers={"ETag": '"1"'}, fetched_at="2025-08-01T00:00:00+00:00")
        raw.put(**kwargs, headers={"ETag": '"2"'}, fetched_at="2025-08-02T00:00:00+00:00",
                parts=["https://x.test/a", "https://x.test/a?page=2"])
        stored = raw.stored("https://x.test/a")
        assert stored is not None
        assert (stored.fetched_at, stored.etag) == ("2025-08-02T00:00:00+00:00", '"2"')
        assert raw.stored("https://x.test/b") is None


def test_multipage_parts_aliases_and_validators(store: str) -> None:
    with RawStore(store) as raw:
        raw.put(url="https://x.test/a", final_url="https://x.test/a", source="x", status=200,
                headers={}, body=b"<p>satu dua</p>", parts=["https://x.test/a", "https://x.test/a?page=2"])
        (page,) = raw.pages()
        assert page.parts == ["https://x.test/a", "https://x.test/a?page=2"]
        raw.save_aliases([("https://x.test/amp/a", "https://x.test/a", "x")])
        alias = raw.stored_alias("https://x.test/amp/a")
        assert alias is not None and alias[0] == "https://x.test/a"
        assert raw.stored_alias("https://x.test/amp/b") is None
        assert raw.validators("https://x.test/rss") == (None, None)
        raw.save_validators([("https://x.test/rss", '"e1"', "Mon, 04 Aug 2025 01:00:00 GMT")])
        assert raw.validators("https://x.test/rss") == ('"e1"', "Mon, 04 Aug 2025 01:00:00 GMT")
        raw.save_validators([("https://x.test/rss", None, None)])
        assert raw.validators("https://x.test/rss") == (None, None)


def test_old_raw_store_gains_the_parts_column(tmp_path: Path) -> None:
    import sqlite3

    db = sqlite3.connect(tmp_path / "raw.db")
    db.execute("CREATE TABLE page (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, final_url TEXT,"
               " source TEXT, status INTEGER, headers TEXT, fetched_at TEXT, body BLOB,"
               " body_sha256 TEXT, previous_sha256 TEXT NOT NULL DEFAULT '[]',"
               " on_topic INTEGER NOT NULL DEFAULT 1, topic_hits TEXT NOT NULL DEFAULT '[]',"
               " etag TEXT, last_modified TEXT, crawl_run_id INTEGER)")
    db.commit()
    db.close()
    with RawStore(tmp_path / "raw.db") as raw:
        raw.put(url="https://x.test/a", final_url="https://x.test/a", source="x", status=200,
                headers={}, body=b"x")
        assert next(iter(raw.pages())).parts == []


def test_stored_many_finds_pages_and_aliases_in_one_batch(store: str) -> None:
    with RawStore(store) as raw:
        for path in ("a", "b"):
            raw.put(url=f"https://x.test/{path}", final_url=f"https://x.test/{path}", source="x",
                    status=200, headers={"ETag": f'"{path}"'}, body=path.encode())
        raw.save_aliases([("https://x.test/amp/a", "https://x.test/a", "x")])
    with RawStore(store, readonly=True) as ro:
        urls = ["https://x.test/a", "https://x.test/amp/a", "https://x.test/c"] * 400
        found = ro.stored_many(urls)
    assert sorted(found) == ["https://x.test/a", "https://x.test/amp/a"]
    assert found["https://x.test/amp/a"][0] == "https://x.test/a"
    assert found["https://x.test/a"][1].etag == '"a"'


LEGACY_REASONS = [  # (state, words an older crawler wrote, code)
    ("stored", "new", Outcome.NEW),
    ("stored", "unchanged", Outcome.UNCHANGED),
    ("skipped", "feed", Outcome.FEED),
    ("skipped", "sitemap not modified", Outcome.NOT_MODIFIED),
    ("skipped", "not modified", Outcome.NOT_MODIFIED),
    ("skipped", "sitemap not modified recently", Outcome.SITEMAP_SKIPPED),
    ("skipped", "end of listing", Outcome.END_OF_LISTING),
    ("skipped", "amp copy of https://x.test/berita/1", Outcome.AMP_COPY),
    ("skipped", "canonical is https://x.test/berita/1", Outcome.CANONICAL),
    ("skipped", "robots.txt", Outcome.ROBOTS_DISALLOWED),
    ("skipped", "already_stored", Outcome.ALREADY_STORED),
    ("skipped", "alasan lain", Outcome.SKIPPED),
    ("failed", "http 403", Outcome.HTTP_BLOCKED),
    ("failed", "part https://x.test/b?page=2: http 451", Outcome.HTTP_BLOCKED),
    ("failed", "http 404", Outcome.NOT_FOUND),
    ("failed", "http 503", Outcome.HTTP_ERROR),
    ("failed", "unfinished", Outcome.UNFINISHED),
    ("failed", "robots.txt unreachable", Outcome.ROBOTS_UNREACHABLE),
    ("failed", "DownloadTimeoutError: waktu habis", Outcome.TIMEOUT),
    ("failed", "feed: not well-formed", Outcome.MALFORMED),
    ("failed", "ConnectionLost: putus", Outcome.ERROR),
]


@pytest.mark.parametrize(("state", "reason", "code"), LEGACY_REASONS)
def test_legacy_reasons_map_to_codes_of_their_state(state: str, reason: str, code: Outcome) -> None:
    assert legacy_outcome(state, reason) is code
    assert code.state is State(state)


def test_old_ledger_rows_get_codes_once(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "raw.db")
    db.executescript("""
        CREATE TABLE ledger (crawl_run_id INTEGER NOT NULL, url TEXT NOT NULL, source TEXT,
            state TEXT NOT NULL CHECK (state IN ('stored', 'skipped', 'failed')), reason TEXT,
            retryable INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (crawl_run_id, url));
        CREATE TABLE crawl_run (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL,
            finished_at TEXT, sources TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'running', stats TEXT NOT NULL DEFAULT '{}');
    """)
    db.executemany("INSERT INTO ledger VALUES (1, ?, 'x', ?, ?, ?)", [
        (f"https://x.test/{i}", state, reason, int(state == "failed"))
        for i, (state, reason, _) in enumerate(LEGACY_REASONS)
    ])
    db.commit()
    db.close()
    with RawStore(tmp_path / "raw.db") as raw:
        rows = {e["url"]: e for e in raw.ledger(1)}
        assert raw.db.execute("PRAGMA user_version").fetchone()[0] == 1
        assert len(raw.retry_candidates()) == sum(1 for s, _, _ in LEGACY_REASONS if s == "failed")
    for i, (state, reason, code) in enumerate(LEGACY_REASONS):
        row = rows[f"https://x.test/{i}"]
        assert (row["state"], row["outcome"], row["detail"]) == (state, code, reason)
    with RawStore(tmp_path / "raw.db") as raw:  # opened again: nothing to do
        assert raw.ledger(1) == list(rows.values())


def test_killed_run_is_closed_and_its_pages_get_stored_rows(store: str) -> None:
    with RawStore(store) as raw:
        dead = raw.start_run(["x"])
        raw.db.execute("UPDATE crawl_run SET owner = ? WHERE id = ?",
                       ('{"host": null, "pid": 0}', dead))  # a process that is gone
        raw.put(url="https://x.test/berita/1", final_url="https://x.test/berita/1", source="x",
                status=200, headers={}, body=b"<p>berita satu</p>", run_id=dead)
        raw.record(dead, "https://x.test/berita/2", Outcome.UNFINISHED, source="x",
                   retryable=True)
        live = raw.start_run(["x"])
        assert raw.close_dead_runs(exclude=live) == [dead]
        assert {r["id"]: r["status"] for r in raw.runs()} == {dead: "killed", live: "running"}
        assert {e["url"]: e["outcome"] for e in raw.ledger(dead)} == {
            "https://x.test/berita/1": Outcome.NEW, "https://x.test/berita/2": Outcome.UNFINISHED,
        }
        assert [c.url for c in raw.retry_candidates()] == ["https://x.test/berita/2"]
        assert raw.new_pages_per_run() == [(dead, "x", 1)]
        assert raw.schema_version() == 1


def test_two_stores_on_one_database_share_pages_and_ledger(store: str) -> None:
    """Two crawlers opening one store (on PostgreSQL: two machines) see each other's rows, and
    a page both store counts as new once."""
    page: dict[str, Any] = {"url": "https://x.test/berita/1", "final_url": "https://x.test/berita/1",
                            "source": "x", "status": 200, "headers": {}, "body": b"<p>satu</p>"}
    with RawStore(store) as one, RawStore(store) as two:
        assert sorted([one.put(**page), two.put(**page)]) == ["new", "unchanged"]
        run = one.start_run(["x"])
        two.record(run, "https://x.test/berita/1", Outcome.NEW, source="x")
        assert [e["url"] for e in one.ledger(run)] == ["https://x.test/berita/1"]
        assert one.count() == two.count() == 1


@pytest.mark.parametrize(("location", "url", "text"), [
    ("/data/pantau/raw.db", False, "/data/pantau/raw.db"),
    ("postgresql+psycopg://pantau@db.lokal/pantau", True,
     "postgresql+psycopg://pantau@db.lokal/pantau"),
    ("postgresql://pantau:rahasia@db.lokal:5432/pantau", True,
     "postgresql://pantau:***@db.lokal:5432/pantau"),
    ("sqlite:///raw.db", False, "sqlite:///raw.db"),
])
def test_store_locations(location: str, url: bool, text: str) -> None:
    assert (is_url(location), shown(location)) == (url, text)


def test_a_postgresql_store_opens_its_connection_again_after_a_drop(store: str) -> None:
    """A terminated backend (a server restart, an administrator) fails the statement that meets
    it; the store then connects again, so a long crawl loses that page, not the rest."""
    if not store.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    import psycopg

    kwargs: dict[str, Any] = {"source": "x", "status": 200, "headers": {}}
    with RawStore(store) as raw:
        assert raw.put(url="https://x.test/a", final_url="https://x.test/a", body=b"<p>satu</p>",
                       **kwargs) == "new"
        pid = raw.db.conn.info.backend_pid
        with psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            raw.count()
        assert raw.put(url="https://x.test/b", final_url="https://x.test/b", body=b"<p>dua</p>",
                       **kwargs) == "new"
        assert raw.count() == 2 and raw.db.conn.info.backend_pid != pid
