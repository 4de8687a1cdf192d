"""Defence in depth: ingest refuses values the KB cannot store, with one line, and writes nothing.

The extractors already reject implausible numbers (tests/extract/test_numbers.py); this is the
KB's own check, for facts from anywhere else (an older extractor, a bug): an integer its column
cannot hold (32 bits, 64 for amounts) or a non-finite float raises :class:`kb.store.FactValueError` instead of the driver's
``OverflowError``, and the article's transaction is rolled back. SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from kb.store import KB, FactValueError, rejected_note
from tests.kb.test_store import ARTICLE, FACTS


@pytest.fixture
def kb(db_url: str) -> Iterator[KB]:
    store = KB(db_url)
    yield store
    store.close()


def ingest(kb: KB, facts: dict[str, Any], url: str = ARTICLE["url"]) -> str:
    return kb.ingest(source="uji", page_sha256="a" * 64, fetched_at=None,
                     article={**ARTICLE, "url": url}, facts=facts, extractor_version="1")


@pytest.mark.parametrize(
    ("field", "key", "value", "message"),
    [
        ("worker_counts", "value", 2**31,
         "worker_count value 2147483648 does not fit a 32-bit integer"),
        ("worker_counts", "value", 2**63,
         "worker_count value 9223372036854775808 does not fit a 32-bit integer"),
        ("amounts", "value", 2**63,
         "amount value 9223372036854775808 does not fit a 64-bit integer"),
        ("amounts", "value", -(2**63) - 1,
         "amount value -9223372036854775809 does not fit a 64-bit integer"),
        ("amounts", "value", float("inf"), "amount value inf is not an integer"),
        ("percentages", "value", float("nan"), "percentage value nan is not a finite number"),
        ("percentages", "value", 10**400, "percentage value 1000000000000000000000000000000000000000…"
                                          " (401 characters) is not a finite number"),
        ("events", "start", 2**70, "start 1180591620717411303424 does not fit a 32-bit integer"),
    ],
)
def test_out_of_range_values_are_refused_and_nothing_is_written(
    kb: KB, field: str, key: str, value: Any, message: str
) -> None:
    facts = copy.deepcopy(FACTS)
    facts[field][0][key] = value
    before = kb.counts()
    with pytest.raises(FactValueError) as err:
        ingest(kb, facts)
    assert str(err.value) == message
    assert kb.counts() == before  # the article's transaction was rolled back
    assert kb.processed(ARTICLE["url"]) is None
    assert ingest(kb, FACTS) == "new"  # the KB goes on working


def test_largest_storable_values_round_trip(kb: KB) -> None:
    facts = copy.deepcopy(FACTS)
    facts["worker_counts"][0]["value"] = 2**31 - 1
    facts["amounts"][0]["value"] = 2**63 - 1
    assert ingest(kb, facts) == "new"
    from sqlalchemy import text

    with kb.engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM worker_count")).scalar() == 2**31 - 1
        assert conn.execute(text("SELECT value FROM amount")).scalar() == 2**63 - 1


def test_rejected_numbers_are_noted_on_the_page(kb: KB) -> None:
    facts = {**copy.deepcopy(FACTS), "rejected": [
        {"field": "amounts", "text": "Rp 999.999.999.999.999.999.999", "value": 10**21,
         "reason": "above 100.000.000.000.000.000: over four times Indonesia's yearly GDP",
         "start": 0, "end": 30},
        {"field": "worker_counts", "text": "9" * 400 + " pekerja", "value": None,
         "reason": "not a finite number", "start": 40, "end": 448},
    ]}
    assert ingest(kb, facts) == "new"
    page = kb.processed(ARTICLE["url"])
    assert page is not None and page.outcome == "article"
    assert page.reason == rejected_note(facts)
    assert page.reason.startswith(
        "rejected 2 implausible number(s): 'Rp 999.999.999.999.999.999.999' (above 100.000")
    assert "(408 characters)" in page.reason and "\n" not in page.reason
    assert len(page.reason) <= 300
