"""A live `pantau serve` across `pantau publish`: one snapshot per answer, the new one atomically.

A real `pantau serve` subprocess answers a loop of requests while a real `pantau publish` runs
(the cron `daily` + long-running `serve` deployment). The KB gained one article since the first
snapshot, so every answer tells which snapshot it came from: the article count and the highest
id (by SQL, by the table page with its separate count query, by the database page whose counts
an immutable Datasette caches, by the coverage table) and the new article's page (404 → 200).
Every answer must match one snapshot exactly, and once one answer came from the new snapshot,
every later one must (no flapping, no 404 for the new article after the switch).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.datasette.conftest import build_demo_kb, children, get, serving

MAX_REQUESTS = 1000  # the loop's bound; the switch takes well under a hundred
MAX_SECONDS = 120  # … and a bound in time, for a server that never switches
CLIENTS = 3  # besides the one whose order is checked
SETTLED = 20  # answers from the new snapshot in a row, after the publish, that end the loop
NEW_TITLE = "Artikel baru setelah publikasi: 321 pekerja rentan di Sabu Raijua"
COUNT_SQL = "select count(*) as n, max(id) as m from article"


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_kb(tmp_path_factory.mktemp("kb") / "kb.db")


def add_article(kb: Path, title: str) -> int:
    """A copy of the first article with a new URL and title; returns its id."""
    con = sqlite3.connect(kb)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(article)") if r[1] != "id"]
        picked = ", ".join({"url": "url || '#baru'", "title": ":title"}.get(c, c) for c in cols)
        with con:
            cur = con.execute(
                f"INSERT INTO article ({', '.join(cols)}) SELECT {picked} FROM article"
                " ORDER BY id LIMIT 1",
                {"title": title},
            )
        return int(cur.lastrowid)  # type: ignore[arg-type]
    finally:
        con.close()


def publish(home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pantau.cli", "publish", "--home", str(home)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def probes(new_id: int) -> list[str]:
    return [
        f"/pantau.json?sql={quote(COUNT_SQL)}&_shape=array",
        "/pantau/article.json?_sort_desc=id&_size=1&_shape=objects&_col=title",
        "/pantau.json",
        "/pantau/coverage.json?_sort_desc=article_id&_size=1&_shape=objects&_col=title",
        f"/article/{new_id}",
    ]


def snapshot_of(
    path: str, status: int, body: bytes, old: tuple[int, int], new: tuple[int, int]
) -> str:
    """'old', 'new', or what is wrong with the answer."""
    if path.startswith("/article/"):
        if status == 404:
            return "old"
        return "new" if status == 200 and NEW_TITLE.encode() in body else f"HTTP {status}"
    if status != 200:
        return f"HTTP {status}"
    data = json.loads(body)
    if path.startswith("/pantau.json?sql="):
        seen = (data[0]["n"], data[0]["m"])
    elif path == "/pantau.json":
        count = next(t["count"] for t in data["tables"] if t["name"] == "article")
        seen = (count, new[1] if count == new[0] else old[1])  # this page shows counts only
    else:
        key = "id" if "/article.json" in path else "article_id"
        seen = (data["filtered_table_rows_count"], data["rows"][0][key])
    return {old: "old", new: "new"}.get(seen, f"mixed {seen}")


def test_every_answer_comes_from_one_snapshot_during_publish(tmp_path: Path, demo_kb: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    kb = home / "kb.db"
    shutil.copy(demo_kb, kb)
    first = publish(home)
    assert first.wait(timeout=240) == 0, first.communicate()[1][-3000:]
    con = sqlite3.connect(kb)
    old = con.execute(COUNT_SQL).fetchone()
    con.close()
    new_id = add_article(kb, NEW_TITLE)
    new = (old[0] + 1, new_id)
    paths = probes(new_id)

    answers: list[tuple[str, str]] = []  # the client whose order is checked
    others: list[str] = []  # concurrent clients: each answer from one snapshot, none failed
    done = threading.Event()

    new_seen = [0] * CLIENTS  # answers from the new snapshot, per concurrent client

    def other_client(base: str, n: int) -> None:
        i = n
        while not done.is_set():
            path = paths[i % len(paths)]
            others.append(verdict := snapshot_of(path, *get(base + path), old, new))
            new_seen[n] += verdict == "new"
            i += 1

    with serving(home) as (base, _):
        for path in paths:  # before the publish: all from the old snapshot
            assert snapshot_of(path, *get(base + path), old, new) == "old", path
        clients = [threading.Thread(target=other_client, args=(base, n)) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        started = time.monotonic()
        publisher = publish(home)
        published_after: int | None = None
        publish_seconds = float("nan")
        streak = 0
        try:
            for i in range(MAX_REQUESTS):
                if published_after is None and publisher.poll() is not None:
                    published_after = i
                    publish_seconds = time.monotonic() - started
                path = paths[i % len(paths)]
                verdict = snapshot_of(path, *get(base + path), old, new)
                answers.append((path, verdict))
                streak = streak + 1 if verdict == "new" else 0
                if published_after is not None and streak >= SETTLED:
                    break
                if time.monotonic() - started > MAX_SECONDS:
                    break
            while min(new_seen) < SETTLED and time.monotonic() - started < MAX_SECONDS:
                time.sleep(0.05)  # the concurrent clients also reach the new snapshot
        finally:
            done.set()
            for client in clients:
                client.join(timeout=60)
        assert publisher.wait(timeout=240) == 0, publisher.communicate()[1][-3000:]
        switch_seconds = time.monotonic() - started

    verdicts = Counter(v for _, v in answers)
    one = verdicts["old"] + verdicts["new"]
    first_new = next((i for i, (_, v) in enumerate(answers) if v == "new"), None)
    other = Counter(others)
    other_one = other["old"] + other["new"]
    print(
        f"\nserve during publish: {one}/{len(answers)} answers from exactly one snapshot"
        f" ({verdicts['old']} old, {verdicts['new']} new, {len(answers) - one} mixed or failed);"
        f" publish finished after answer {published_after} ({publish_seconds:.1f} s), first new"
        f" answer #{first_new}, settled after {switch_seconds:.1f} s; {CLIENTS} concurrent"
        f" clients: {other_one}/{len(others)} from exactly one snapshot"
        f" ({other['old']} old, {other['new']} new, {len(others) - other_one} mixed or failed)"
    )
    bad = [(p, v) for p, v in answers if v not in ("old", "new")]
    assert not bad, bad[:10]
    assert first_new is not None, "the new snapshot was never served"
    flapped = [(i, p) for i, (p, v) in enumerate(answers) if i > first_new and v != "new"]
    assert not flapped, f"old answers after the switch (first new #{first_new}): {flapped[:10]}"
    assert answers[-1][1] == "new"
    assert other_one == len(others), [v for v in others if v not in ("old", "new")][:10]


def test_a_datasette_that_dies_is_started_again(tmp_path: Path, demo_kb: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(demo_kb, home / "kb.db")
    first = publish(home)
    assert first.wait(timeout=240) == 0, first.communicate()[1][-3000:]
    path = f"/pantau.json?sql={quote(COUNT_SQL)}&_shape=array"
    with serving(home) as (base, proc):
        (datasette,) = children(proc.pid)
        os.kill(datasette, signal.SIGKILL)
        statuses = []
        started = time.monotonic()
        for _ in range(MAX_REQUESTS):
            statuses.append(get(base + path)[0])
            if statuses[-1] == 200 or time.monotonic() - started > MAX_SECONDS:
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
        (again,) = children(proc.pid)
    print(f"\nDatasette killed: {len(statuses) - 1} answers 502 for {seconds:.1f} s, then 200")
    assert statuses[-1] == 200 and set(statuses[:-1]) <= {502}
    assert again != datasette
