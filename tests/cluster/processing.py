"""Helpers of the processing tests: a raw store filled with local articles (written for these
tests), PostgreSQL schemas, and a fingerprint of a KB (row counts and content hashes of articles
and facts, ids replaced by the natural key they point to) to compare two KBs."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

import sqlalchemy
from sqlalchemy import Table

from kb.models import FACT_TABLES, Article, ProcessedPage
from kb.raw import RawStore
from tests.kb.conftest import POSTGRES

BASE = "http://berita-uji.test"
SOURCE = "berita-uji"
# (title, region, place) of regents: a small pool, so that workers insert the same persons at
# the same moment (the race an idempotent upsert must survive)
OFFICIALS = [
    ("Bupati Sikka", "Yohanes Wara Lodo", "Maumere"),
    ("Bupati Ende", "Petrus Ndori Sare", "Ende"),
    ("Bupati Kupang", "Markus Boimau Tefa", "Oelamasi"),
    ("Wali Kota Kupang", "Agustina Lenggu", "Kupang"),
    ("Bupati Alor", "Simon Maure Pally", "Kalabahi"),
]
HEADS = ["Maria Ndoen", "Yakobus Tallo", "Fransiska Deo", "Hendrikus Bria"]


def article_page(n: int) -> str:
    """Article ``n``: an official hands over cards to workers; every 10th is off topic, every
    25th is a listing (rejected by the cleaner)."""
    day = 1 + n % 27
    url = f"{BASE}/2025/08/{day:02d}/kartu-{n}"
    if n % 25 == 0:
        links = "".join(f'<li><a href="{BASE}/2025/08/{day:02d}/kartu-{k}">Kartu {k}</a></li>'
                        for k in range(n, n + 30))
        return f"<html><head><title>Indeks</title></head><body><ul>{links}</ul></body></html>"
    title, name, place = OFFICIALS[n % len(OFFICIALS)]
    head = HEADS[n % len(HEADS)]
    if n % 10 == 0:
        paras = [f"Sanggar tari di {place} menggelar pentas budaya pada malam ke-{n}.",
                 "Penonton memenuhi halaman gedung pertemuan sampai larut malam."]
    else:
        paras = [
            f"{title} {name} menyerahkan kartu BPJS Ketenagakerjaan kepada {1000 + n} pekerja"
            f" rentan di {place}, Senin ({day}/8/2025).",
            f"Kepala Dinas Tenaga Kerja {head} mengatakan iuran para pekerja dibayar dari APBD"
            f" sebesar Rp{n},5 miliar.",
            f"Menurut {head.split()[0]}, program ini akan diperluas ke {n % 20 + 2} kecamatan.",
        ]
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Kartu {n}</title>'
        f'<meta property="article:published_time" content="2025-08-{day:02d}T{n % 24:02d}:'
        f'{n % 60:02d}:00+08:00">'
        f'<link rel="canonical" href="{url}"></head><body><article><h1>{escape(title)} serahkan'
        f' kartu peserta ({n})</h1><div class="txt-article">{body}</div></article></body></html>'
    )


def fill_raw(raw_url: str, count: int) -> None:
    """``count`` pages of one source in the raw store at ``raw_url``."""
    with RawStore(raw_url) as raw:
        for n in range(1, count + 1):
            day = 1 + n % 27
            url = f"{BASE}/2025/08/{day:02d}/kartu-{n}"
            raw.put(url=url, final_url=url, source=SOURCE, status=200,
                    headers={"Content-Type": "text/html; charset=utf-8"},
                    body=article_page(n).encode(), on_topic=n % 10 != 0,
                    fetched_at="2025-08-28T01:00:00+00:00")


def sources(tmp: Any) -> Any:
    import yaml

    path = tmp / "sources.yaml"
    path.write_text(yaml.safe_dump({
        "topic": {"keywords": ["BPJS Ketenagakerjaan", "pekerja rentan"]},
        "sources": [{"name": SOURCE, "homepage": BASE + "/", "region": "53.07",
                     "sitemaps": [BASE + "/sitemap.xml"], "page_param": None,
                     "article_patterns": [rf"^{BASE}/\d{{4}}/\d{{2}}/\d{{2}}/[\w-]+$"]}],
    }), encoding="utf-8")
    return path


@contextmanager
def schemas(count: int) -> Iterator[list[str]]:
    """``count`` PostgreSQL URLs, each with a new empty schema (dropped afterwards)."""
    admin = sqlalchemy.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    names = [f"proc_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sqlalchemy.text(f"CREATE SCHEMA {name}"))
    try:
        yield [f"{POSTGRES}?options=-csearch_path%3D{name}" for name in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sqlalchemy.text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


def _keys(conn: Any, table: Table) -> dict[str, dict[Any, Any]]:
    """For each foreign-key column, id -> the natural key of the row it points to."""
    out: dict[str, dict[Any, Any]] = {}
    for fk in table.foreign_keys:
        target = fk.column.table
        natural = next((c for c in ("url", "name", "code") if c in target.c), None)
        if natural is None or fk.column.name == natural:
            continue
        rows = conn.execute(sqlalchemy.select(fk.column, target.c[natural])).all()
        out[fk.parent.name] = dict(rows)
    return out


# Not compared: ids and the clock (insertion order and time differ between runs). The story
# columns are: clustering breaks its ties by URL, not by the order pages were stored in
# (``syndicated_of`` is compared as the URL it points at); ``story_id`` is an id, so stories
# are compared as groups of article URLs (:func:`stories`).
VOLATILE = {"id", "processed_at", "story_id"}


def stories(kb_url: str) -> set[frozenset[str]]:
    """The stories of a KB as sets of article URLs."""
    engine = sqlalchemy.create_engine(kb_url)
    groups: dict[int, set[str]] = {}
    try:
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text(
                "SELECT story_id, url FROM article WHERE story_id IS NOT NULL")).all()
    finally:
        engine.dispose()
    for story, url in rows:
        groups.setdefault(story, set()).add(url)
    return {frozenset(urls) for urls in groups.values()}


def fingerprint(kb_url: str) -> dict[str, tuple[int, str]]:
    """table -> (rows, sha256 of its sorted rows) for article, processed_page and the facts."""
    engine = sqlalchemy.create_engine(kb_url)
    out: dict[str, tuple[int, str]] = {}
    try:
        with engine.connect() as conn:
            for model in (Article, ProcessedPage, *FACT_TABLES):
                table: Table = model.__table__  # type: ignore[attr-defined]
                keys = _keys(conn, table)
                columns = [c for c in table.c if c.name not in VOLATILE]
                rows = sorted(
                    repr(tuple(keys[c.name].get(v, v) if c.name in keys else v
                               for c, v in zip(columns, row, strict=True)))
                    for row in conn.execute(sqlalchemy.select(*columns))
                )
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                out[table.name] = (len(rows), digest)
    finally:
        engine.dispose()
    return out
