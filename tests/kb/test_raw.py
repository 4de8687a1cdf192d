from __future__ import annotations

from pathlib import Path

from kb.raw import RawStore, RetryCandidate


def test_put_is_idempotent_and_keeps_previous_hash(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.db") as raw:
        kwargs = {"url": "https://x.test/a", "final_url": "https://x.test/a", "source": "x",
                  "status": 200, "headers": {"ETag": '"1"'}}
        assert raw.put(**kwargs, body=b"<html>satu</html>") == "new"
        assert raw.put(**kwargs, body=b"<html>satu</html>") == "unchanged"
        assert raw.put(**kwargs, body=b"<html>dua</html>") == "changed"
        (page,) = list(raw.pages())
        assert page.body == b"<html>dua</html>"
        assert raw.count() == 1


def test_retry_candidates_are_failed_retryable_and_unstored(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.db") as raw:
        run = raw.start_run(["x"])
        raw.record(run, "https://x.test/503", "failed", "http 503", source="x", retryable=True)
        raw.record(run, "https://x.test/404", "failed", "http 404", source="x", retryable=False)
        raw.record(run, "https://x.test/ok", "stored", "new", source="x")
        assert raw.retry_candidates() == [RetryCandidate("https://x.test/503", "x", "http 503")]
        run2 = raw.start_run(["x"])
        raw.record(run2, "https://x.test/503", "stored", "new", source="x")
        assert raw.retry_candidates() == []


def test_unchanged_refetch_updates_fetch_time_and_validators(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.db") as raw:
        kwargs = {"url": "https://x.test/a", "final_url": "https://x.test/a", "source": "x",
                  "status": 200, "body": b"<p>sama</p>"}
        raw.put(**kwargs, headers={"ETag": '"1"'}, fetched_at="2025-08-01T00:00:00+00:00")
        raw.put(**kwargs, headers={"ETag": '"2"'}, fetched_at="2025-08-02T00:00:00+00:00",
                parts=["https://x.test/a", "https://x.test/a?page=2"])
        stored = raw.stored("https://x.test/a")
        assert stored is not None
        assert (stored.fetched_at, stored.etag) == ("2025-08-02T00:00:00+00:00", '"2"')
        assert raw.stored("https://x.test/b") is None


def test_multipage_parts_aliases_and_validators(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.db") as raw:
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
