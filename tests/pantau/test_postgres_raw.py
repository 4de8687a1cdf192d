"""Issue 16: `pantau crawl|process|daily|demo` with the raw store and the KB on PostgreSQL
(``--raw-db`` / ``PANTAU_RAW_DB`` beside ``--db``): a fresh schema per store and test, and
one-line errors for a ``--raw-db`` that cannot be used."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pantau.config import ConfigError, Paths, raw_location
from pantau.demosite import DemoSite
from tests.conftest import run_pantau
from tests.kb.conftest import POSTGRES


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def pg_schema() -> Iterator[Callable[[str], str]]:
    """A factory of PostgreSQL URLs, each on a new empty schema (all dropped afterwards)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(_libpq(POSTGRES), autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    made: list[str] = []

    def new(label: str) -> str:
        schema = f"{label}_{uuid.uuid4().hex[:12]}"
        admin.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return f"{POSTGRES}?options=-csearch_path%3D{schema}"

    try:
        yield new
    finally:
        for schema in made:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def count(url: str, sql: str) -> int:
    import psycopg

    schema = url.rsplit("%3D", 1)[1]
    with psycopg.connect(_libpq(POSTGRES), autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


# -- locations --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "HOME/raw.db"),
        ("postgresql+psycopg://pantau@db.lokal/berita", "postgresql+psycopg://pantau@db.lokal/berita"),
        ("postgresql://pantau@db.lokal/berita", "postgresql://pantau@db.lokal/berita"),
        ("sqlite:///data/mentah.db", "data/mentah.db"),
        ("arsip/mentah.db", "arsip/mentah.db"),
    ],
)
def test_raw_location(given: str | None, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANTAU_RAW_DB", raising=False)
    got = raw_location(given, Path("HOME"))
    assert str(got) == expected
    assert isinstance(got, Path) == (not expected.startswith("postgresql"))


def test_raw_location_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_RAW_DB", "postgresql+psycopg://pantau@db.lokal/berita")
    paths = Paths.from_options("rumah", None)
    assert paths.raw == "postgresql+psycopg://pantau@db.lokal/berita" and paths.has_raw
    assert Paths.from_options("rumah", None, "lain.db").raw == Path("lain.db")


def test_raw_location_rejects_other_urls() -> None:
    with pytest.raises(ConfigError, match="expected a PostgreSQL URL"):
        raw_location("mysql://pantau:rahasia@db.lokal/berita", Path("HOME"))


@pytest.mark.parametrize(
    ("raw_db", "message"),
    [
        ("mysql://pantau:rahasia@db.lokal/berita", "--raw-db mysql://pantau:***@db.lokal/berita"),
        ("postgresql+psycopg://pantau:rahasia@127.0.0.1:9/berita", "cannot open"),
    ],
)
def test_bad_raw_db_is_one_line(
    tmp_path: Path, fixture_site: DemoSite, raw_db: str, message: str
) -> None:
    for command in (["crawl", "--sources", str(fixture_site.root / "sources.yaml")],
                    ["process"],
                    ["daily", "--quiet", "--sources", str(fixture_site.root / "sources.yaml")]):
        result = run_pantau(*command, "--home", str(tmp_path), "--raw-db", raw_db, timeout=120)
        assert result.returncode == 2, (command, result.stderr[-2000:])
        assert message in result.stderr and "rahasia" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]


# -- end to end -------------------------------------------------------------------------------
def test_crawl_and_process_on_postgresql(
    tmp_path: Path, fixture_site: DemoSite, site_proxy: str, pg_schema: Callable[[str], str]
) -> None:
    raw_url, kb_url = pg_schema("raw"), pg_schema("kb")
    sources = str(fixture_site.root / "sources.yaml")
    env = {"http_proxy": site_proxy, "PANTAU_RAW_DB": raw_url}  # env for crawl, option below
    crawled = run_pantau("crawl", "--home", str(tmp_path), "--db", kb_url, "--sources", sources,
                         "--fast", env=env)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    stats = json.loads(crawled.stdout)
    assert stats["pantau/pages/new"] == len(fixture_site.articles)
    assert not (tmp_path / "raw.db").exists()
    assert count(raw_url, "SELECT count(*) FROM page") == len(fixture_site.articles)

    args = ["process", "--home", str(tmp_path), "--raw-db", raw_url, "--db", kb_url,
            "--sources", sources, "--workers", "0"]
    first = run_pantau(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    on_topic = [a for a in fixture_site.articles if a.meta.get("topic") != "off"]
    assert json.loads(first.stdout)["new"] == len(on_topic)
    assert count(kb_url, "SELECT count(*) FROM article") == len(on_topic)
    assert not (tmp_path / "raw.db").exists() and not (tmp_path / "kb.db").exists()

    again = run_pantau(*args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)["new"] == 0
    assert count(kb_url, "SELECT count(*) FROM article") == len(on_topic)


def test_daily_on_postgresql_publishes(
    tmp_path: Path, fixture_site: DemoSite, site_proxy: str, pg_schema: Callable[[str], str]
) -> None:
    import sqlite3

    raw_url, kb_url = pg_schema("raw"), pg_schema("kb")
    result = run_pantau("daily", "--home", str(tmp_path), "--db", kb_url, "--raw-db", raw_url,
                        "--sources", str(fixture_site.root / "sources.yaml"), "--fast",
                        "--workers", "0", env={"http_proxy": site_proxy})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    on_topic = [a for a in fixture_site.articles if a.meta.get("topic") != "off"]
    assert report["status"] == "ok" and report["process"]["new"] == len(on_topic)
    assert report["publish"]["tables"]["article"] == len(on_topic)
    con = sqlite3.connect(tmp_path / "published" / "pantau.db")
    try:
        assert con.execute("SELECT count(*) FROM source_health").fetchone()[0] == 3
    finally:
        con.close()
    assert not (tmp_path / "raw.db").exists() and not (tmp_path / "kb.db").exists()
