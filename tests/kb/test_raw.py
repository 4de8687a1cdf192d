from __future__ import annotations

from pathlib import Path

from kb.raw import RawStore


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
        assert raw.retry_candidates() == [("https://x.test/503", "x")]
        run2 = raw.start_run(["x"])
        raw.record(run2, "https://x.test/503", "stored", "new", source="x")
        assert raw.retry_candidates() == []
