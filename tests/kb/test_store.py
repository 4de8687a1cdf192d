"""Ingest: one transaction per article, idempotent, updates replace facts; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from extract.facts import Amount as AmountFact
from extract.facts import Facts
from kb.publish import PublishError, publish
from kb.store import KB, FactValueError, sqlite_url


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


# -- typed facts: the contract between extract and kb ------------------------------------------
def test_facts_json_form_round_trips_through_records() -> None:
    records = Facts.from_dict(FACTS)
    assert isinstance(records.amounts[0], AmountFact)
    assert records.amounts[0].value == 10_080_000_000
    assert records.events[0].date == dt.date(2025, 7, 7)
    again = Facts.from_dict(records.as_dict())
    assert again == records
    assert records.as_dict()["worker_counts"][0] == {
        "value": 14880, "noun": "pekerja rentan", "qualifier": None,
        "text": "14.880 pekerja rentan", **evidence(70, 91)}


@pytest.mark.parametrize(
    ("field", "item", "message"),
    [
        ("worker_counts", {"value": 12, "noun": "pekerja", "text": "12 pekerja", "end": 5},
         "worker_counts[0]: no start offset"),
        ("quotes", {"speaker": "Maria", "text": "Kami siap", "start": 3},
         "quotes[0]: no end offset"),
        ("amounts", {"value": "sepuluh", "text": "Rp sepuluh", **evidence(0, 9)},
         "amount value sepuluh is not an integer"),
        ("events", {"type": "launch", "text": "peluncuran", **evidence(0, 9), "start": "nol"},
         "start nol is not an integer"),
    ],
)
def test_facts_without_offsets_or_with_wrong_types_are_refused_in_one_line(
    kb: KB, field: str, item: dict[str, Any], message: str
) -> None:
    bad = {**FACTS, field: [item]}
    with pytest.raises(FactValueError) as err:
        Facts.from_dict(bad)
    assert str(err.value) == message
    with pytest.raises(FactValueError):
        ingest(kb, facts=bad)
    assert kb.counts()["article"] == 0


def test_ingest_takes_records(kb: KB) -> None:
    assert ingest(kb, facts=Facts.from_dict(FACTS)) == "new"
    assert ingest(kb, facts=FACTS) == "unchanged"


# -- local time: the outlet's zone -------------------------------------------------------------
@pytest.mark.parametrize(
    ("region", "published", "month", "stored"),
    [
        # 15.30 UTC on 31 July: 22.30 WIB, 23.30 WITA, but already 1 August 00.30 WIT
        ("31", "2025-07-31T15:30:00+00:00", "2025-07", "2025-07-31 15:30"),  # DKI Jakarta, WIB
        ("53", "2025-07-31T15:30:00+00:00", "2025-07", "2025-07-31 15:30"),  # NTT, WITA
        ("91", "2025-07-31T15:30:00+00:00", "2025-08", "2025-07-31 15:30"),  # Papua, WIT
        ("91", "2025-08-01T00:30:00", "2025-08", "2025-07-31 15:30"),  # no zone: read in WIT
        ("31", "2025-07-31T22:30:00", "2025-07", "2025-07-31 15:30"),  # no zone: read in WIB
        (None, "2025-07-31T23:30:00", "2025-07", "2025-07-31 15:30"),  # no region: WITA
    ],
)
def test_article_month_and_seen_dates_are_in_the_outlets_zone(
    kb: KB, region: str | None, published: str, month: str, stored: str
) -> None:
    kb.upsert_outlets([{"name": "uji", "title": "Kabar Uji", "region_code": region}])
    ingest(kb, article={**ARTICLE, "published": published})
    with kb.engine.connect() as conn:
        row = conn.execute(text("SELECT month, published FROM article")).one()
        seen = conn.execute(text("SELECT first_seen FROM position")).scalar()
    assert row[0] == month
    assert str(row[1]).startswith(stored)
    local_day = {"2025-07": "2025-07-31", "2025-08": "2025-08-01"}[month]
    assert str(seen) == local_day


# -- batches: several articles per transaction, a bad one rolls back alone ---------------------
def test_batch_rolls_back_a_bad_article_alone(kb: KB) -> None:
    bad = {**FACTS, "amounts": [{**FACTS["amounts"][0], "value": 2**64}]}
    with kb.batch(articles_per_transaction=10) as batch:
        for i, facts in enumerate((FACTS, bad, FACTS)):
            article = {**ARTICLE, "url": f"{ARTICLE['url']}-{i}"}
            args = {"source": "uji", "page_sha256": "a" * 64, "fetched_at": None,
                    "article": article, "facts": facts, "extractor_version": "1"}
            if facts is bad:
                with pytest.raises(FactValueError, match="does not fit a 64-bit integer"):
                    batch.ingest(**args)
                batch.record_outcome(url=article["url"], source="uji", page_sha256="a" * 64,
                                     extractor_version="1", outcome="error", reason="ingest")
            else:
                assert batch.ingest(**args) == "new"
    counts = kb.counts()
    assert counts["article"] == 2 and counts["amount"] == 2 and counts["person"] == 1
    assert counts["processed_page"] == 3
    assert kb.current_pages([(f"{ARTICLE['url']}-0", "a" * 64), (f"{ARTICLE['url']}-2", "b" * 64)],
                            "1") == {f"{ARTICLE['url']}-0"}


def test_extracted_facts_serialise_exactly_as_before() -> None:
    """The JSON of `pantau extract --json` is the records serialised: reading it back and
    writing it again gives the same bytes (keys in the same order, mentions as lists)."""
    import json

    from extract.facts import extract_facts, extract_records

    text = ("Bupati Sikka, Yohanes Bata Lewa, menyerahkan kartu kepada 1.250 nelayan di Maumere,"
            " Senin (15/9). Dana Rp2,5 miliar disiapkan untuk iuran 1.250 nelayan itu.\n\n"
            "\"Kami ingin nelayan bekerja dengan tenang,\" kata Yohanes. Cakupan baru 42,5 persen.")
    published = dt.datetime(2025, 9, 16, 9, 0, tzinfo=dt.UTC)
    records = extract_records(text, published=published)
    as_json = extract_facts(text, published=published)
    assert json.dumps(as_json) == json.dumps(records.as_dict())
    assert json.dumps(Facts.from_dict(as_json).as_dict()) == json.dumps(as_json)
    assert [a.value for a in records.amounts] == [2_500_000_000]
    assert records.worker_counts[0].mentions is not None and len(records.worker_counts[0].mentions) == 2
