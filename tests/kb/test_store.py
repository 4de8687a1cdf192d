"""Ingest: one transaction per article, idempotent, updates replace facts; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.publish import PublishError, publish
from kb.store import KB, sqlite_url


def evidence(start: int, end: int, sentence: str = "kalimat") -> dict[str, Any]:
    return {"start": start, "end": end, "sentence": sentence, "extractor": "uji",
            "version": "0", "confidence": 0.9}


ARTICLE = {
    "url": "https://x.test/2025/07/07/ttu",
    "title": "Pemkab TTU lindungi 14.880 pekerja rentan",
    "text": "Bupati TTU, Yosep Falentinus Delasalle Kebo, meluncurkan program bagi 14.880 pekerja rentan.",
    "published": "2025-07-07T10:00:00+08:00",
    "authors": ["Penulis Uji"],
}
FACTS = {
    "officials": [{"name": "Yosep Falentinus Delasalle Kebo", "title": "Bupati TTU",
                   "organization": "Pemerintah Kabupaten Timor Tengah Utara",
                   "region": "Timor Tengah Utara", "text": "Yosep", **evidence(12, 43)}],
    "worker_counts": [{"value": 14880, "noun": "pekerja rentan", "text": "14.880 pekerja rentan",
                       **evidence(70, 91)}],
    "amounts": [{"value": 10_080_000_000, "currency": "IDR", "role": "anggaran", "per": None,
                 "text": "Rp10,08 miliar", **evidence(0, 1)}],
    "percentages": [{"value": 45.83, "text": "45,83 persen", **evidence(0, 1)}],
    "events": [{"type": "launch", "date": "2025-07-07", "place": "Aula Kantor Bupati TTU",
                "text": "meluncurkan", **evidence(44, 55)}],
    "quotes": [{"speaker": "Yosep Falentinus Delasalle Kebo", "text": "Kami hadir", **evidence(0, 1)}],
    "regions": [{"name": "Timor Tengah Utara", "code": "53.05", "kind": "kabupaten",
                 "start": 7, "end": 10}],
}


@pytest.fixture
def kb(db_url: str) -> Iterator[KB]:
    """A KB on each backend (``db_url`` from tests/kb/conftest.py: SQLite and PostgreSQL)."""
    store = KB(db_url)
    yield store
    store.close()


def ingest(kb: KB, **changes: Any) -> str:
    args = {"source": "uji", "page_sha256": "a" * 64, "fetched_at": None, "article": ARTICLE,
            "facts": FACTS, "extractor_version": "1"}
    return kb.ingest(**{**args, **changes})


def test_ingest_is_idempotent(kb: KB) -> None:
    assert ingest(kb) == "new"
    counts = kb.counts()
    assert ingest(kb) == "unchanged"
    assert kb.counts() == counts
    assert counts["article"] == 1 and counts["mention"] == 1 and counts["worker_count"] == 1
    assert counts["amount"] == counts["percentage"] == counts["event"] == counts["quote"] == 1


def test_new_version_replaces_facts_not_duplicates(kb: KB) -> None:
    ingest(kb)
    assert ingest(kb, extractor_version="2") == "updated"
    counts = kb.counts()
    assert counts["worker_count"] == 1 and counts["mention"] == 1 and counts["person"] == 1
    assert ingest(kb, extractor_version="2", facts={**FACTS, "worker_counts": []}) == "unchanged"
    assert ingest(kb, extractor_version="3", facts={**FACTS, "worker_counts": []}) == "updated"
    assert kb.counts()["worker_count"] == 0


def test_failed_ingest_leaves_nothing_behind(kb: KB) -> None:
    bad = {**FACTS, "amounts": [{"value": "not a number"}]}
    with pytest.raises(ValueError):
        ingest(kb, facts=bad)
    counts = kb.counts()
    assert counts["article"] == 0 and counts["mention"] == 0 and counts["person"] == 0


def test_rejected_pages_are_recorded(kb: KB) -> None:
    kb.record_outcome(url="https://x.test/indeks", source="uji", page_sha256="b" * 64,
                      extractor_version="1", outcome="rejected", reason="not_article:listing")
    assert kb.is_current("https://x.test/indeks", "b" * 64, "1")
    assert not kb.is_current("https://x.test/indeks", "b" * 64, "2")


def test_publish_snapshot_with_fts(tmp_path: Path) -> None:
    store = KB(sqlite_url(tmp_path / "kb.db"))
    ingest(store)
    store.close()
    snap = publish(tmp_path / "kb.db", tmp_path / "pub" / "pantau.db")
    assert snap.tables["article"] == 1 and snap.tables["mention"] == 1
    import sqlite3

    db = sqlite3.connect(snap.path)
    hits = db.execute(
        "SELECT rowid FROM article_fts WHERE article_fts MATCH 'pekerja'"
    ).fetchall()
    assert hits == [(1,)]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list((tmp_path / "pub").glob(".*tmp*"))
    with pytest.raises(PublishError, match="no knowledge base"):
        publish(tmp_path / "missing.db", tmp_path / "pub" / "x.db")
