"""Resource limits for anonymous SQL (datasette/plugins/pantau_limits.py), in-process.

Each probe once stepped around the time limit: one SQLite step that runs for seconds, or a
result that fills memory before the limit is reached. Times are printed, and only bounded
loosely (a few time limits, against the tens of seconds these probes ran before).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from kb.publish import metadata_path, publish
from pantau.cli import SQL_TIME_LIMIT_MS, datasette_command
from pantau.config import datasette_dir
from tests.datasette.conftest import fetch, make_datasette

LIMIT_S = SQL_TIME_LIMIT_MS / 1000
ROWS = "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2000) SELECT n FROM r)"
MB = 1024 * 1024

# name: (SQL, what the error says)
PROBES = {
    "zeroblob": ("select length(replace(hex(zeroblob(450000000)),'0','0'))", "too big"),
    "randomblob": ("select hex(randomblob(200000000))", "too big"),
    "printf width": ("select length(printf('%.*c', 2000000000, 'x'))", "too big"),
    "printf literal width": ("select printf('%2000000000d', 1)", "too big"),
    "concat": ("select length(x || x || x || x || x || x || x || x) from (select printf('%.*c', 600000, 'a') as x)", "too big"),
    "result size": (f"select printf('%.*c', 1000000, 'x') || n from {ROWS}", "result too large"),
    "instr, quadratic": (f"select count(*) from {ROWS} where instr(printf('%.*c', 500000 - n, 'a'), printf('%.*c', 250000, 'a') || 'b') > 0", "too long"),
    "replace, quadratic": (f"select count(*) from {ROWS} where length(replace(printf('%.*c', 1000000 - n, 'a'), printf('%.*c', 99, 'a') || 'b', 'x')) > 0", "too long"),
    "trim, quadratic": (f"select count(*) from {ROWS} where length(trim(printf('%.*c', 500000 - n, 'a'), printf('%.*c', 500000, 'b') || 'a')) > 0", "too long"),
    # the pattern limit or the time limit, whichever the machine reaches first: both end it
    "like, long pattern": (f"select count(*) from {ROWS} where printf('%.*c', 1000000 - n, 'a') like '%' || printf('%.*c', 2000, 'a') || 'b%'", ("too complex", "took too long")),
    "like, within limits": (f"select count(*) from {ROWS} where printf('%.*c', 1000000 - n, 'a') like '%' || printf('%.*c', 97, 'a') || 'b%'", "too long"),
}  # fmt: skip


def sql_path(sql: str, **params: str) -> str:
    return f"/pantau.json?{urlencode({'sql': sql, '_shape': 'array', **params})}"


def test_probes_end_with_an_error_within_the_time_limit(snapshot: Path) -> None:
    async def run() -> dict[str, tuple[float, int, str]]:
        ds = make_datasette(snapshot)
        out = {}
        for name, (sql, _) in PROBES.items():
            started = time.monotonic()
            response = await ds.client.get(sql_path(sql))
            out[name] = (time.monotonic() - started, response.status_code, response.text)
        return out

    results = asyncio.run(run())
    print()
    for name, (seconds, status, text) in results.items():
        error = json.loads(text).get("error", "") if status != 200 else ""
        print(
            f"  {name:22} {seconds:5.2f} s  HTTP {status}  {error.splitlines()[0][:70] if error else ''}"
        )
    for name, (seconds, status, text) in results.items():
        assert status == 400, (name, text[:300])
        expected = PROBES[name][1]
        error = json.loads(text)["error"]
        assert any(e in error for e in ((expected,) if isinstance(expected, str) else expected)), (
            name, text[:300])  # fmt: skip
        assert seconds < 3 * LIMIT_S, (name, seconds)  # each ran 10-60 s before


def test_overridden_functions_answer_like_sqlite(snapshot: Path) -> None:
    cases = [
        "instr('abcabc', 'ca')", "instr('héllo wörld', 'ö')", "instr(x'00616263', x'63')",
        "instr('abc', '')", "instr('', 'a')", "instr(NULL, 'a')", "instr('abc', NULL)",
        "instr(12345, 34)", "instr(1.5, '.')", "instr(x'68c3a96c6c6f', 'l')",
        "replace('aaa', 'a', 'bb')", "replace('abc', '', 'x')", "replace(NULL, 'a', 'b')",
        "replace('a.b', '.', NULL)", "replace(123, 2, 9)", "replace('héllo', 'é', 'e')",
        "replace(x'616263', x'62', 'X')", "replace('Rp10.080', '.', '')",
        "trim('  a  ')", "trim('xxaxx', 'x')", "ltrim('  a ')", "rtrim(' a  ')",
        "trim('abcba', 'ab')", "trim(NULL)", "trim('a', NULL)", "trim(12300, 0)",
        "ltrim('ééa', 'é')", "trim(char(9) || 'a' || char(9))", "rtrim('abc', '')",
        "printf('%d-%s', 5, 'x')", "printf('%,d', 1234567)", "format('%.2f', 3.14159)",
        "printf('%5s|%-5s|', 'a', 'b')", "printf('%.*c', 3, 'x')", "printf('%%')",
        "printf(NULL)", "printf('%q', 'it''s')", "printf('%*d', 5, 42)", "printf('%d')",
        "replace(printf('%,d', 14880), ',', '.')",
    ]  # fmt: skip
    sql = "select " + ", ".join(f"{c} as c{i}" for i, c in enumerate(cases))
    response = fetch(snapshot, [sql_path(sql)])[sql_path(sql)]
    assert response.status_code == 200, response.text[:500]
    served = response.json()[0]
    plain = sqlite3.connect(":memory:")
    expected = dict(
        zip([f"c{i}" for i in range(len(cases))], plain.execute(sql).fetchone(), strict=True)
    )
    for i, case in enumerate(cases):
        assert served[f"c{i}"] == expected[f"c{i}"], case


def test_ordinary_pages_still_work_under_the_limits(snapshot: Path) -> None:
    article = (
        sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
        .execute("SELECT id FROM article ORDER BY length(text) DESC LIMIT 1")
        .fetchone()[0]
    )
    paths = [
        f"/article/{article}", "/pantau/article.json?_size=max", "/pantau/coverage?_search=pekerja",
        "/pantau/article.csv?_stream=on&_size=max", "/pantau/story_coverage",
        "/pantau/amounts_by_region_role", "/pantau/article?title__contains=BPJS",
    ]  # fmt: skip
    for path, response in fetch(snapshot, paths).items():
        assert response.status_code == 200, (path, response.text[:300])


@pytest.fixture(scope="module")
def long_article(tmp_path_factory: pytest.TempPathFactory, demo_kb: Path) -> tuple[Path, int]:
    """A snapshot whose longest article (3 MB) is longer than the default length limit."""
    folder = tmp_path_factory.mktemp("long")
    kb = folder / "kb.db"
    shutil.copy(demo_kb, kb)
    con = sqlite3.connect(kb)
    with con:
        con.execute("UPDATE article SET text = text || ? WHERE id = 1", ("\n\nKata " * 500_000,))
    con.close()
    snap = publish(kb, folder / "published" / "pantau.db", datasette_dir())
    return snap.path, 1


def test_the_longest_stored_value_stays_readable(long_article: tuple[Path, int]) -> None:
    snapshot, article_id = long_article
    limits = json.loads(metadata_path(snapshot).read_text(encoding="utf-8"))["plugins"]
    assert limits["pantau-limits"]["longest_value_bytes"] > 3 * MB  # recorded by publish
    sql = "select length(text) as n from article where id = 1"
    paths = [f"/article/{article_id}", sql_path(sql), "/pantau/article/1.json"]
    got = fetch(snapshot, paths)
    for path, response in got.items():
        assert response.status_code == 200, (path, response.text[:300])
    assert got[sql_path(sql)].json()[0]["n"] > 3_000_000
    too_big = sql_path("select length(text || text) from article where id = 1")
    assert "too big" in fetch(snapshot, [too_big])[too_big].json()["error"]


def test_arbitrary_sql_can_be_turned_off(snapshot: Path) -> None:
    cmd = datasette_command(snapshot, allow_sql=False)
    settings = {cmd[i + 1]: cmd[i + 2] for i, a in enumerate(cmd) if a == "--setting"}
    assert settings["default_allow_sql"] == "off"
    assert "default_allow_sql" not in datasette_command(snapshot)
    query = sql_path("select count(*) from article")
    paths = [query, "/pantau/article?_where=id>1", "/pantau/story_coverage.json",
             "/pantau/coverage?_search=pekerja", "/pantau/article?_facet=outlet_id", "/"]  # fmt: skip
    got: dict[str, Any] = fetch(snapshot, paths, default_allow_sql=False)
    assert got[query].status_code == 403
    assert got["/pantau/article?_where=id>1"].status_code == 403
    for path in paths[2:]:
        assert got[path].status_code == 200, path
