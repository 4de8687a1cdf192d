"""Hardening probes against the served snapshot, and the publish step's guarantees."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from lxml import html as lxml_html

from kb.publish import PublishError, metadata_path, publish
from pantau.cli import SQL_TIME_LIMIT_MS
from pantau.config import datasette_dir
from tests.datasette.conftest import fetch, rows

TIME_LIMIT_SLACK = 5  # the stopped query must end well before this many time limits


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


WRITES = [
    "DELETE FROM article",
    "UPDATE article SET title = 'diubah'",
    "INSERT INTO outlet (name, title) VALUES ('palsu', 'Palsu')",
    "DROP TABLE amount",
    "CREATE TABLE coba (x)",
    "ATTACH DATABASE '/tmp/pantau-coba.db' AS coba",
    "PRAGMA writable_schema = 1",
    "VACUUM",
    "SELECT 1; DELETE FROM article",
    "WITH x AS (SELECT 1) DELETE FROM article",
]


def test_write_sql_is_refused(snapshot: Path) -> None:
    before = sha(snapshot)
    count = rows(snapshot, "SELECT count(*) FROM article")[0][0]
    paths = [f"/pantau.json?{urlencode({'sql': sql})}" for sql in WRITES]
    for path, response in fetch(snapshot, paths).items():
        assert response.status_code in (400, 403), path
        assert response.json()["ok"] is False, path
    assert sha(snapshot) == before
    assert rows(snapshot, "SELECT count(*) FROM article")[0][0] == count
    assert not Path("/tmp/pantau-coba.db").exists()
    assert stat.S_IMODE(snapshot.stat().st_mode) & 0o222 == 0  # read-only on disk too


def test_expensive_query_is_stopped_by_the_time_limit(snapshot: Path) -> None:
    endless = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    )
    # asking for a longer limit does not lift the configured one
    path = f"/pantau.json?{urlencode({'sql': endless, '_timelimit': 600000})}"
    started = time.monotonic()
    response = fetch(snapshot, [path])[path]
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert "too long" in response.json()["error"]
    assert elapsed < TIME_LIMIT_SLACK * SQL_TIME_LIMIT_MS / 1000


XSS_TITLE = '<script>alert("judul")</script>Bupati <b>TTU</b>'
XSS_NAME = "<img src=x onerror=alert(1)>Yosep"
XSS_TEXT = '\n\nPenutup <script>alert("isi")</script> & "kutipan" <iframe src=//x>'
XSS_URL = "javascript:alert(document.cookie)"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, demo_kb: Path) -> tuple[Path, int, int, int]:
    """A copy of the demo KB with payloads in a title, a text, a URL and an official's name."""
    folder = tmp_path_factory.mktemp("hostile")
    kb = folder / "kb.db"
    shutil.copy(demo_kb, kb)
    con = sqlite3.connect(kb)
    with con:
        person_id = con.execute(
            "SELECT id FROM person WHERE name = 'Yosep Falentinus Delasalle Kebo'"
        ).fetchone()[0]
        article_id, story_id = con.execute(
            "SELECT m.article_id, a.story_id FROM mention m JOIN article a ON a.id = m.article_id"
            " WHERE m.person_id = ? AND a.story_id IS NOT NULL LIMIT 1",
            (person_id,),
        ).fetchone()
        con.execute("UPDATE person SET name = ? WHERE id = ?", (XSS_NAME, person_id))
        con.execute("UPDATE mention SET name = ? WHERE person_id = ?", (XSS_NAME, person_id))
        con.execute("UPDATE quote SET speaker = ? WHERE person_id = ?", (XSS_NAME, person_id))
        con.execute(
            "UPDATE article SET title = ?, text = text || ?, url = ? WHERE id = ?",
            (XSS_TITLE, XSS_TEXT, XSS_URL, article_id),
        )
    con.close()
    snap = publish(kb, folder / "published" / "pantau.db", datasette_dir())
    return snap.path, article_id, person_id, story_id


def test_payloads_are_rendered_escaped(hostile: tuple[Path, int, int, int]) -> None:
    snapshot, article_id, person_id, story_id = hostile
    paths = [
        f"/article/{article_id}", f"/official/{person_id}", f"/story/{story_id}",
        f"/pantau/article/{article_id}", f"/pantau/person/{person_id}", "/pantau/coverage",
        "/pantau/coverage?_search=Penutup", f"/pantau/mention?person_id={person_id}",
        f"/pantau/official_record?person={person_id}", f"/pantau/story_coverage?story={story_id}",
        "/pantau/new_coverage?since=2000-01-01", "/pantau/officials_by_region",
    ]  # fmt: skip
    got = fetch(snapshot, paths)
    for path, response in got.items():
        assert response.status_code == 200, path
        page = response.text
        for raw in ("<script>alert", "<img src=x", "<iframe", "<b>TTU</b>"):
            assert raw not in page, (path, raw)
        doc = lxml_html.fromstring(page)
        for el in doc.iter():
            assert not any(a.startswith("on") for a in el.attrib), (path, el.tag, el.attrib)
            href = (el.get("href") or "").strip().lower()
            assert not href.startswith("javascript:"), (path, href)
    article = got[f"/article/{article_id}"].text
    assert "&lt;script&gt;alert(&#34;judul&#34;)&lt;/script&gt;" in article
    assert "&lt;iframe src=//x&gt;" in article
    official = got[f"/official/{person_id}"].text
    assert "&lt;img src=x onerror=alert(1)&gt;Yosep" in official


# -- publish ---------------------------------------------------------------------------------------
def kb_files(kb: Path) -> dict[str, str]:
    """Hashes of the KB and its WAL (readers touch the -shm index; it holds no data)."""
    return {p.name: sha(p) for p in (kb, kb.with_name(f"{kb.name}-wal")) if p.exists()}


LAYOUT = ["pantau.current", "pantau.db", "pantau.metadata.json", "pantau.versions",
          "pantau.versions/.publish.lock", "pantau.versions/V", "pantau.versions/V/pantau.db",
          "pantau.versions/V/pantau.metadata.json"]  # fmt: skip


def published_files(target: Path) -> list[str]:
    """Every path under the published folder, with version names shown as V (deduplicated)."""
    names = {
        re.sub(r"\d{6}-\d{8}T\d{6}Z", "V", str(p.relative_to(target.parent)))
        for p in target.parent.rglob("*")
    }
    return sorted(names)


def test_publish_never_writes_the_served_file_or_the_kb(tmp_path: Path, demo_kb: Path) -> None:
    kb = tmp_path / "kb.db"
    shutil.copy(demo_kb, kb)
    target = tmp_path / "published" / "pantau.db"
    publish(kb, target, datasette_dir())
    served = sqlite3.connect(f"file:{target}?mode=ro", uri=True)  # a reader of the old snapshot
    old_inode = target.stat().st_ino
    count = served.execute("SELECT count(*) FROM article").fetchone()[0]
    con = sqlite3.connect(kb)
    with con:
        con.execute("UPDATE article SET title = 'Judul baru' WHERE id = 1")
    kb_before = kb_files(kb)
    publish(kb, target, datasette_dir())
    assert kb_files(kb) == kb_before  # the KB is only read
    assert target.stat().st_ino != old_inode  # replaced, not rewritten in place
    assert served.execute("SELECT title FROM article WHERE id = 1").fetchone()[0] != "Judul baru"
    assert served.execute("SELECT count(*) FROM article").fetchone()[0] == count
    served.close()
    assert rows(target, "SELECT title FROM article WHERE id = 1")[0][0] == "Judul baru"
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    assert not {"coverage", "region_coverage", "article_fts"} & names
    assert rows(target, "PRAGMA journal_mode")[0][0] == "delete"
    assert published_files(target) == LAYOUT
    assert len(list((target.parent / "pantau.versions").glob("0*"))) == 2  # both versions kept


def test_failed_publish_keeps_the_previous_snapshot(tmp_path: Path, demo_kb: Path) -> None:
    target = tmp_path / "published" / "pantau.db"
    publish(demo_kb, target, datasette_dir())
    before, meta_before = sha(target), sha(metadata_path(target))
    broken = tmp_path / "rusak.db"
    broken.write_bytes(b"bukan basis data SQLite" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        publish(broken, target, datasette_dir())
    assert sha(target) == before and sha(metadata_path(target)) == meta_before
    assert published_files(target) == LAYOUT  # nothing left of the failed build
    config = tmp_path / "config"
    config.mkdir()
    (config / "metadata.yml").write_text("title: [tidak ditutup\n", encoding="utf-8")
    with pytest.raises(PublishError, match="not valid YAML"):
        publish(demo_kb, target, config)
    assert sha(target) == before


def test_canned_query_that_does_not_compile_is_left_out(tmp_path: Path, demo_kb: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    meta = {
        "title": "Uji",
        "databases": {
            "pantau": {
                "queries": {
                    "baik": {
                        "sql": "select count(*) from article where :kata = '' or title like :kata"
                    },
                    "rusak": {"sql": "select kolom_tidak_ada from article"},
                }
            }
        },
    }
    (config / "metadata.yml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    snap = publish(demo_kb, tmp_path / "out" / "lain.db", config)
    assert len(snap.warnings) == 1 and "rusak" in snap.warnings[0]
    written = json.loads(snap.metadata.read_text(encoding="utf-8"))  # type: ignore[union-attr]
    assert set(written["databases"]["lain"]["queries"]) == {"baik"}  # keyed by the file's name
    assert os.access(snap.path, os.R_OK)


def test_old_versions_are_removed_unless_served(tmp_path: Path, demo_kb: Path) -> None:
    from kb.publish import current_version, hold

    target = tmp_path / "published" / "pantau.db"
    publish(demo_kb, target, datasette_dir(), keep=1)
    first = current_version(target)
    assert first is not None
    held = hold(first)  # as `pantau serve` does while it serves a version
    try:
        second = publish(demo_kb, target, datasette_dir(), keep=1)
        third = publish(demo_kb, target, datasette_dir(), keep=1)
        assert first.db.exists()  # held: kept beyond `keep`
        assert second.version is not None and not second.version.db.exists()  # not held: gone
        assert third.removed == [second.version.db.parent]
    finally:
        os.close(held)
    fourth = publish(demo_kb, target, datasette_dir(), keep=1)
    assert not first.db.parent.exists() and first.db.parent in fourth.removed
    assert third.version is not None and not third.version.db.exists()
    assert current_version(target) == fourth.version
    assert rows(target, "PRAGMA integrity_check")[0][0] == "ok"
