"""Migrations: head equals the models (no drift), a first-revision KB upgrades without loss,
a skeleton KB (create_all, no alembic_version) is stamped and upgraded; SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import wilayah
from kb.migrations import FIRST_REVISION, current_revision, head_revision, migrate
from kb.store import KB, make_engine, sqlite_url

# Rows written with raw SQL into a KB at the first revision (0001): every table of it.
ROWS_0001: dict[str, list[dict[str, Any]]] = {
    "outlet": [{"id": 1, "name": "flobamora-pos", "title": "Flobamora Pos",
                "homepage": "http://flobamora-pos.test/", "region_code": "53"}],
    "crawl_run": [{"id": 7, "started_at": "2025-07-07T01:00:00+00:00",
                   "finished_at": "2025-07-07T01:05:00+00:00", "status": "finished",
                   "sources": '["flobamora-pos"]', "stats": '{"pantau/pages/new": 3}'}],
    "extraction_run": [{"id": 1, "extractor_version": "0.1.0+clean1",
                        "started_at": "2025-07-07T02:00:00+00:00", "finished_at": None,
                        "pages": 3, "articles_new": 1, "articles_updated": 0, "unchanged": 0,
                        "rejected": 1, "errors": 1}],
    "article": [{"id": 1, "url": "http://flobamora-pos.test/2025/07/07/ttu", "outlet_id": 1,
                 "title": "Pemkab TTU lindungi 14.880 pekerja rentan",
                 "text": "Bupati TTU, Yosep Falentinus Delasalle Kebo, meluncurkan program.",
                 "published": "2025-07-07 06:30:00.000000", "published_source": "meta",
                 "modified": None, "month": "2025-07", "authors": '["Yohanes Bria"]',
                 "editor": "Maria Seran", "reporter": None, "dateline": "KEFAMENANU",
                 "section": "Daerah", "tags": '["TTU"]', "image": None, "language": "id",
                 "advertorial": False, "boilerplate": "[]", "content_sha256": "c" * 64,
                 "previous_sha256": '["' + "b" * 64 + '"]', "page_sha256": "a" * 64,
                 "extractor_version": "0.1.0+clean1", "fetched_at": "2025-07-07T01:01:00+00:00",
                 "processed_at": "2025-07-07T02:00:01+00:00"}],
    "processed_page": [
        {"id": 1, "url": "http://flobamora-pos.test/2025/07/07/ttu", "source": "flobamora-pos",
         "page_sha256": "a" * 64, "extractor_version": "0.1.0+clean1", "outcome": "article",
         "reason": None, "article_id": 1, "processed_at": "2025-07-07T02:00:01+00:00"},
        {"id": 2, "url": "http://flobamora-pos.test/indeks", "source": "flobamora-pos",
         "page_sha256": "d" * 64, "extractor_version": "0.1.0+clean1", "outcome": "rejected",
         "reason": "not_article:listing", "article_id": None,
         "processed_at": "2025-07-07T02:00:02+00:00"},
    ],
    "region": [{"code": "53.05", "name": "Timor Tengah Utara", "kind": "kabupaten",
                "parent": None, "latitude": None, "longitude": None}],
    "person": [{"id": 1, "name": "Yosep Falentinus Delasalle Kebo", "aliases": "[]"}],
    "position": [{"id": 1, "person_id": 1, "title": "Bupati TTU",
                  "organization": "Pemerintah Kabupaten Timor Tengah Utara",
                  "region": "Timor Tengah Utara", "first_seen": "2025-07-07",
                  "last_seen": "2025-07-07"}],
    "mention": [{"id": 1, "article_id": 1, "text": "Yosep Falentinus Delasalle Kebo",
                 "start": 12, "end": 43, "sentence": "Bupati TTU, Yosep …", "extractor": "uji",
                 "version": "0", "confidence": 0.95, "person_id": 1,
                 "name": "Yosep Falentinus Delasalle Kebo", "title": "Bupati TTU",
                 "organization": "Pemerintah Kabupaten Timor Tengah Utara",
                 "region": "Timor Tengah Utara"}],
    "worker_count": [{"id": 1, "article_id": 1, "text": "14.880 pekerja rentan", "start": 0,
                      "end": 21, "sentence": "…", "extractor": "uji", "version": "0",
                      "confidence": 0.9, "value": 14880, "noun": "pekerja rentan",
                      "qualifier": None}],
    "amount": [{"id": 1, "article_id": 1, "text": "Rp10,08 miliar", "start": 0, "end": 14,
                "sentence": "…", "extractor": "uji", "version": "0", "confidence": 0.9,
                "value": 10_080_000_000, "currency": "IDR", "role": "anggaran", "per": None}],
    "percentage": [{"id": 1, "article_id": 1, "text": "45,83 persen", "start": 0, "end": 12,
                    "sentence": "…", "extractor": "uji", "version": "0", "confidence": 0.9,
                    "value": 45.83}],
    "event": [{"id": 1, "article_id": 1, "text": "meluncurkan", "start": 44, "end": 55,
               "sentence": "…", "extractor": "uji", "version": "0", "confidence": 0.8,
               "type": "launch", "date": "2025-07-07", "place": "Aula Kantor Bupati TTU"}],
    "quote": [{"id": 1, "article_id": 1, "text": "Pemerintah harus hadir", "start": 0,
               "end": 22, "sentence": "…", "extractor": "uji", "version": "0",
               "confidence": 0.7, "person_id": 1, "speaker": "Yosep Falentinus Delasalle Kebo"}],
    "article_region": [{"id": 1, "article_id": 1, "region_code": "53.05", "start": 7,
                        "end": 10}],
}
ORDER = ["outlet", "crawl_run", "extraction_run", "region", "person", "article",
         "processed_page", "position", "mention", "worker_count", "amount", "percentage",
         "event", "quote", "article_region"]
KEPT = [t for t in ORDER if t != "region"]  # region: reference rows are seeded on open (checked)


def insert_rows(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in ORDER:
            for row in ROWS_0001[table]:
                cols = ", ".join(f'"{c}"' for c in row)
                marks = ", ".join(f":{c}" for c in row)
                conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks})"), row)
        if engine.dialect.name == "postgresql":  # raw ids: move the sequences past them
            for table in ORDER:
                if table != "region":
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))"
                    ))
    engine.dispose()


def dump(url: str, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables``, restricted to the columns of the first revision."""
    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in tables:
            cols = ", ".join(f'"{c}"' for c in ROWS_0001[table][0])
            out[table] = [tuple(r) for r in conn.execute(text(f"SELECT {cols} FROM {table} ORDER BY 1"))]
    engine.dispose()
    return out


def drift(url: str) -> list[Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
    engine.dispose()
    return diff


def test_head_has_no_drift_from_the_models(db_url: str) -> None:
    kb = KB(db_url)
    kb.close()
    assert current_revision(make_engine(db_url)) == head_revision()
    tables = set(inspect(make_engine(db_url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables  # every model table, kb.health's included
    assert drift(db_url) == []


def test_first_revision_upgrades_without_loss(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "upgrade", FIRST_REVISION)
    engine.dispose()
    insert_rows(db_url)
    before = dump(db_url, KEPT)
    kb = KB(db_url)
    assert kb.migration["from"] == FIRST_REVISION and kb.migration["to"] == head_revision()
    assert dump(db_url, KEPT) == before
    with kb.engine.connect() as conn:
        orgs = conn.execute(text("SELECT id, name FROM organization")).all()
        assert [o.name for o in orgs] == ["Pemerintah Kabupaten Timor Tengah Utara"]
        assert conn.execute(text("SELECT organization_id FROM mention")).scalar() == orgs[0].id
        assert conn.execute(text("SELECT organization_id FROM position")).scalar() == orgs[0].id
        row = conn.execute(text("SELECT original, syndicated, story_id FROM article")).one()
        assert tuple(row) == (False, False, None)
        # reference data wins: the old row held a BPS-ordered code under another name; 53.05 is
        # Alor in Kemendagri's codes (wilayah), and Timor Tengah Utara is 53.03
        region = conn.execute(text("SELECT name, parent, latitude FROM region WHERE code = '53.05'")).one()
        assert region[0] == "Alor" and region[1] == "53" and region[2] < -8
        ttu = conn.execute(text("SELECT name FROM region WHERE code = '53.03'")).scalar()
        assert ttu == "Timor Tengah Utara"
    # the upgraded KB keeps working: resolution and a new ingest
    report = kb.resolve()
    assert report["persons"]["persons"] == 1 and report["persons"]["orphans_removed"] == 0
    kb.close()
    assert drift(db_url) == []


def test_skeleton_kb_is_stamped_then_upgraded(tmp_path: Path) -> None:
    """A KB made by the skeleton (create_all: the first revision's tables, no alembic_version)."""
    path = tmp_path / "kb.db"
    engine = make_engine(sqlite_url(path))
    migrate(engine, "upgrade", FIRST_REVISION)
    engine.dispose()
    insert_rows(sqlite_url(path))
    con = sqlite3.connect(path)
    con.execute("DROP TABLE alembic_version")
    con.commit()
    con.close()
    before = dump(sqlite_url(path), KEPT)
    kb = KB(sqlite_url(path))
    kb.close()
    assert kb.migration["stamped"] and kb.migration["from"] == FIRST_REVISION
    assert dump(sqlite_url(path), KEPT) == before
    backup = Path(kb.migration["backup"])
    assert backup.name == "kb.db.bak-0001"
    con = sqlite3.connect(backup)  # the backup is the KB as it was before the upgrade
    assert con.execute("SELECT count(*) FROM mention").fetchone()[0] == 1
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert "organization" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    assert drift(sqlite_url(path)) == []


def test_reopening_a_current_kb_changes_nothing(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "kb.db")
    KB(url).close()
    kb = KB(url)
    kb.close()
    assert kb.migration == {"from": head_revision(), "to": head_revision(), "stamped": False,
                            "backup": None}
    assert not list(tmp_path.glob("*.bak-*"))


def test_downgrade_to_first_revision_and_back(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "kb.db")
    engine = make_engine(url)
    migrate(engine, "upgrade", FIRST_REVISION)
    insert_rows(url)
    before = dump(url, ORDER)
    migrate(engine, "upgrade", "head")
    migrate(engine, "downgrade", FIRST_REVISION)
    assert current_revision(engine) == FIRST_REVISION
    assert "organization" not in inspect(engine).get_table_names()
    migrate(engine, "upgrade", "head")
    engine.dispose()
    assert dump(url, ORDER) == before
    assert drift(url) == []


OPENERS = 3  # processing workers started together on a KB nobody created yet


def test_kbs_opened_at_once_create_the_schema_once(db_url: str) -> None:
    """Several processes opening a new KB at the same moment: one migrates and seeds the
    regions, the others wait for it (PostgreSQL: an advisory lock; SQLite: the file's write
    lock) — none fails on a type or row the other has just created."""
    import subprocess
    import sys

    code = "import sys; from kb.store import KB; KB(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE)
             for _ in range(OPENERS)]
    errors = [p.communicate(timeout=300)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * OPENERS, errors
    kb = KB(db_url)
    try:
        with kb.engine.connect() as conn:
            regions = conn.execute(text("SELECT count(*), count(DISTINCT code) FROM region")).one()
    finally:
        kb.close()
    assert regions[0] == regions[1] == len(wilayah.regions())
