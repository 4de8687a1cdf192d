"""Poison pages: a page with absurd numbers never stops processing, and a rerun does not die.

Before, "Rp 999.999.999.999.999.999.999" or "9.223.372.036.854.775.808 pekerja rentan" on one page
made `pantau process` raise ``OverflowError`` in ingest, outside the per-page guard, on every
rerun (`pantau daily` exited 6 forever and published nothing). Now the extractors reject those
numbers (noted on the page), and a page whose facts the KB still refuses is rolled back and
recorded as ``error`` while the batch goes on. The fixture site gets poison pages among its good
ones; the good pages are processed and published, in process and in a real `pantau daily`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kb.raw import RawPage, RawStore
from kb.store import KB, sqlite_url
from pantau import daily as d
from pantau.demosite import DemoServer, DemoSite
from pantau.pipeline import Processor
from tests.conftest import run_pantau, write_fixture_site

POISON_ARTICLE = """---
id: {id}
outlet: {outlet}
title: "Uji racun {n}: angka mustahil dalam berita pekerja rentan"
published: "2025-08-2{n}T10:00:00+08:00"
author: "Penulis Uji"
editor: "Editor Uji"
dateline: "KUPANG"
section: "Daerah"
tags: ["BPJS Ketenagakerjaan"]
related: []
facts: {{}}
---
{poison}

Laporan yang sama menyebut 1e309 pekerja dan kenaikan 1e309 persen, angka yang jelas salah ketik.

Sebanyak 14\u200b.880 pekerja rentan lain sudah terdaftar sebagai peserta jaminan sosial ketenagakerjaan bersama BPJS Ketenagakerjaan.
"""

# (outlet, poison paragraph, what the extractors reject: field -> count)
POISONS = [
    ("kabar-sasando",
     "Pemerintah daerah bersama BPJS Ketenagakerjaan mengumumkan anggaran Rp 999.999.999.999.999.999.999"
     " untuk perlindungan 9.223.372.036.854.775.808 pekerja rentan di Kota Kupang.",
     {"amounts": 1, "worker_counts": 1}),
    ("suara-lontar",
     "BPJS Ketenagakerjaan mencatat " + "9" * 400 + " pekerja dan cakupan naik 999.999 persen di Ende.",
     {"worker_counts": 1, "percentages": 1}),
]


def write_poison_site(root: Path) -> DemoSite:
    write_fixture_site(root)
    for n, (outlet, poison, _) in enumerate(POISONS, 1):
        text = POISON_ARTICLE.format(id=f"racun-{n}", outlet=outlet, n=n, poison=poison)
        (root / "articles" / outlet / f"9{n}-uji-racun-{n}.md").write_text(text, encoding="utf-8")
    return DemoSite(root)


@pytest.fixture(scope="module")
def poison_site(tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return write_poison_site(tmp_path_factory.mktemp("poison-site"))


def poison_urls(site: DemoSite) -> set[str]:
    return {a.url for a in site.articles if a.id.startswith("racun-")}


def on_topic_urls(site: DemoSite) -> set[str]:
    return {a.url for a in site.articles if a.meta.get("topic") != "off"}


def fill_raw(site: DemoSite, path: Path) -> None:
    """Every article page of the site in a raw store, as the crawler would have stored it."""
    with RawStore(path) as raw:
        for a in site.articles:
            status, ctype, body = site.render(a.outlet.host, a.path)
            raw.put(url=a.url, final_url=a.url, source=a.outlet.name, status=status,
                    headers={"Content-Type": ctype}, body=body.encode("utf-8"),
                    on_topic=a.meta.get("topic") != "off")


def outcomes(db: Path) -> dict[str, tuple[str, str | None]]:
    con = sqlite3.connect(db)
    try:
        return {u: (o, r) for u, o, r in con.execute("SELECT url, outcome, reason FROM processed_page")}
    finally:
        con.close()


def process(home: Path) -> dict[str, Any]:
    kb = KB(sqlite_url(home / "kb.db"))
    try:
        with RawStore(home / "raw.db") as raw:
            return Processor(raw, kb, workers=0).run().as_dict()
    finally:
        kb.close()


def test_poison_pages_among_good_ones_are_processed_and_rerun(
    tmp_path: Path, poison_site: DemoSite
) -> None:
    fill_raw(poison_site, tmp_path / "raw.db")
    first = process(tmp_path)
    assert first["errors"] == 0 and first["new"] == len(on_topic_urls(poison_site))
    pages = outcomes(tmp_path / "kb.db")
    rejected = {outlet: sum(fields.values()) for outlet, _, fields in POISONS}
    for a in poison_site.articles:
        if a.url in poison_urls(poison_site):
            outcome, reason = pages[a.url]
            assert outcome == "article"
            assert reason and reason.startswith(
                f"rejected {rejected[a.outlet.name]} implausible number(s): ")
    con = sqlite3.connect(tmp_path / "kb.db")
    try:
        assert con.execute("SELECT max(value) FROM worker_count").fetchone()[0] < 300_000_000
        assert con.execute("SELECT max(value) FROM amount").fetchone()[0] < 10**17
        assert con.execute("SELECT count(*) FROM percentage WHERE value > 10000").fetchone()[0] == 0
        counts = {v for (v,) in con.execute(
            "SELECT value FROM worker_count JOIN article ON article.id = worker_count.article_id"
            " WHERE article.url LIKE '%racun%'")}
        assert counts == {14880}  # the zero-width space did not split it; 1e309 is no count
    finally:
        con.close()
    second = process(tmp_path)  # a rerun: everything current, nothing dies
    assert second["unchanged"] == second["pages"] - second["off_topic"] and second["errors"] == 0


# -- the ingest guard -------------------------------------------------------------------------
def page(url: str, body: str = "") -> RawPage:
    sha = hashlib.sha256(f"{url}{body}".encode()).hexdigest()
    return RawPage(id=0, url=url, final_url=url, source="uji", status=200, headers={},
                   fetched_at="2025-08-01T00:00:00+00:00", body=body.encode(), body_sha256=sha,
                   on_topic=True)


def article_result(url: str, **facts: Any) -> dict[str, Any]:
    """What a worker returns for a page (as an older or buggy extractor might have made it)."""
    text = "Sebanyak 14.880 pekerja rentan di Kefamenanu terlindungi BPJS Ketenagakerjaan."
    ev = {"start": 9, "end": 30, "sentence": text, "extractor": "uji", "version": "0",
          "confidence": 0.9}
    return {"outcome": "article",
            "article": {"url": url, "title": f"Uji {url[-1]}", "text": text,
                        "published": "2025-08-01T09:00:00+08:00"},
            "facts": {f: [{**ev, **item} for item in items] for f, items in facts.items()}}


@pytest.mark.parametrize(
    ("poison", "reason"),
    [
        ({"worker_counts": [{"value": 9_223_372_036_854_775_808, "noun": "pekerja rentan"}]},
         "ingest: FactValueError: worker_count value 9223372036854775808 does not fit a 32-bit integer"),
        ({"amounts": [{"value": 10**21, "currency": "IDR"}]},
         "ingest: FactValueError: amount value 1000000000000000000000 does not fit a 64-bit integer"),
        ({"percentages": [{"value": float("inf")}]},
         "ingest: FactValueError: percentage value inf is not a finite number"),
        ({"events": [{"type": "launch", "date": "2025-08-01", "confidence": "tinggi"}]},
         "ingest: FactValueError: confidence tinggi is not a finite number"),
    ],
)
def test_a_page_ingest_refuses_is_an_error_and_the_batch_goes_on(
    tmp_path: Path, poison: dict[str, list[dict[str, Any]]], reason: str
) -> None:
    kb = KB(sqlite_url(tmp_path / "kb.db"), seed=False)
    try:
        with RawStore(tmp_path / "raw.db") as raw:
            processor = Processor(raw, kb, workers=0)
            good = {"worker_counts": [{"value": 14880, "noun": "pekerja rentan"}]}
            batch = [("https://uji.test/berita/1", good), ("https://uji.test/berita/2", poison),
                     ("https://uji.test/berita/3", good)]
            for url, facts in batch:
                processor._store(page(url), article_result(url, **facts))
            # the poison page again (a rerun): again an error, no traceback
            processor._store(page(batch[1][0]), article_result(batch[1][0], **poison))
        assert (processor.report.new, processor.report.errors) == (2, 2)
        assert processor.report.reasons == {reason: 2}
        assert kb.processed("https://uji.test/berita/2").outcome == "error"
        assert kb.processed("https://uji.test/berita/2").reason == reason
        assert kb.processed("https://uji.test/berita/3").outcome == "article"
        urls = {u for (u,) in sqlite3.connect(tmp_path / "kb.db").execute("SELECT url FROM article")}
        assert urls == {"https://uji.test/berita/1", "https://uji.test/berita/3"}  # rolled back
    finally:
        kb.close()


# -- pantau daily ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_daily_run_with_poison_pages_publishes_everything_else(
    tmp_path: Path, poison_site: DemoSite
) -> None:
    args = ["daily", "--home", str(tmp_path), "--sources", str(poison_site.root / "sources.yaml"),
            "--fast", "--workers", "1"]
    with DemoServer(poison_site) as server:
        first = run_pantau(*args, env={"http_proxy": server.proxy})
        assert first.returncode == d.EXIT_OK, first.stderr[-3000:]
        data = json.loads(first.stdout)
        assert data["process"]["errors"] == 0
        assert data["process"]["new"] == len(on_topic_urls(poison_site))
        second = run_pantau(*args, "--quiet", env={"http_proxy": server.proxy})
        assert second.returncode == d.EXIT_OK and second.stderr == "", second.stderr[-3000:]
    con = sqlite3.connect(tmp_path / "published" / "pantau.db")
    try:
        published = {u for (u,) in con.execute("SELECT url FROM article")}
    finally:
        con.close()
    assert published == on_topic_urls(poison_site)  # the good pages and the poison ones
    pages = outcomes(tmp_path / "kb.db")
    assert all(pages[u][1].startswith("rejected ") for u in poison_urls(poison_site))
