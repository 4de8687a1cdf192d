"""Reliability: ``kill -9`` of ``pantau crawl`` part-way, then ONE resume stores every article.

A local site of a few hundred articles answers each article request slowly (a per-request delay
in the fixture server), so the test can kill the crawl (SIGKILL: no Scrapy shutdown, the job
folder's queue is left half-written) once a given share of the articles is in ``raw.db``. The
next run of the same command must fetch everything the killed run left, close the killed run's
``crawl_run`` row as ``killed``, and finish normally. Trials: kills after ~10 %, 50 % and 90 %
of the articles are stored, and a kill of a run that had resumed a cleanly stopped crawl (its
job folder's queue state is stale, not missing).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from kb.raw import RawStore
from tests.conftest import run_pantau
from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml

ARTICLES = 240
DELAY_S = 0.06  # per article request: with 8 in flight, ~130 articles/s at most
KILL_AT = (0.1, 0.5, 0.9)
DEADLINE_S = 60.0


def stored_count(raw: Path) -> int:
    if not raw.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{raw}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM page").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:  # the crawler is creating the schema
        return 0


def kill_after(args: Sequence[str], home: Path, pages: int) -> int:
    """Start ``pantau`` with ``args``; SIGKILL it once ``pages`` pages are stored.
    Returns how many pages were stored when it was killed."""
    log = (home / "killed.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "pantau.cli", *args],
                            stdout=log, stderr=log)
    raw = home / "raw.db"
    deadline = time.monotonic() + DEADLINE_S
    try:
        while stored_count(raw) < pages:
            assert proc.poll() is None, f"the crawl ended before it was killed: {proc.returncode}"
            assert time.monotonic() < deadline, "the crawl is too slow"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    return stored_count(raw)


def killed_run_accounting(raw: Path, run: int) -> tuple[int, int, int]:
    """(ledger rows, pages the run stored without a ``stored`` row, rows in no final state
    other than stored / skipped / failed-retryable) of a killed run."""
    con = sqlite3.connect(raw)
    try:
        rows = con.execute("SELECT count(*) FROM ledger WHERE crawl_run_id = ?", (run,))
        missing = con.execute(
            "SELECT count(*) FROM page p WHERE p.crawl_run_id = ? AND NOT EXISTS (SELECT 1 FROM"
            " ledger l WHERE l.crawl_run_id = ? AND l.url = p.url AND l.state = 'stored')",
            (run, run))
        odd = con.execute(
            "SELECT count(*) FROM ledger WHERE crawl_run_id = ? AND NOT (state IN ('stored',"
            " 'skipped') OR (state = 'failed' AND retryable = 1))", (run,))
        return rows.fetchone()[0], missing.fetchone()[0], odd.fetchone()[0]
    finally:
        con.close()


def test_one_resume_after_kill_9_stores_every_article(tmp_path: Path) -> None:
    figures = []
    with FixtureSite(delay=DELAY_S, delay_prefix="/2025/") as site:
        outlet = big_outlet(site, ARTICLES)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        trials: list[tuple[str, float, bool]] = [(f"kill at {int(f * 100)}%", f, False)
                                                 for f in KILL_AT]
        trials.append(("clean stop, resume killed at 50%", 0.5, True))
        for name, share, clean_stop_first in trials:
            home = tmp_path / name.replace(" ", "-").replace(",", "").replace("%", "")
            home.mkdir()
            with site.lock:
                site.hits.clear()
            args = ["crawl", "--home", str(home), "--sources", str(sources), "--fast"]
            if clean_stop_first:  # Scrapy writes the queue state; the resume of it is killed
                first = run_pantau(*args, "--set", f"CLOSESPIDER_PAGECOUNT={ARTICLES // 5}")
                assert json.loads(first.stdout)["finish_reason"] == "closespider_pagecount"
            at_kill = kill_after(args, home, int(ARTICLES * share))
            resumed = run_pantau(*args)
            assert resumed.returncode == 0, resumed.stderr[-3000:]
            assert "requested again from the ledger" in resumed.stderr  # says what it did
            stats = json.loads(resumed.stdout)
            with RawStore(home / "raw.db") as raw:
                stored = {p.url for p in raw.pages()}
                runs = raw.runs()
            with site.lock:
                fetches = [n for path, n in site.hits.items() if path.startswith("/2025/")]
            rows, missing, odd = killed_run_accounting(home / "raw.db", int(runs[-2]["id"]))
            figures.append({
                "trial": name,
                "stored at kill": at_kill,
                "stored after one resume": len(stored & outlet.expected),
                "expected": len(outlet.expected),
                "new pages in the resume": stats.get("pantau/pages/new", 0),
                "runs": [r["status"] for r in runs],
                "killed run's ledger rows": rows,
                "unaccounted": missing + odd,
                "article fetches": sum(fetches),
                "most fetches of one article": max(fetches),
                "interruptions": 2 if clean_stop_first else 1,
                "finish": stats.get("finish_reason"),
                "discarded job": stats.get("pantau/job/discarded"),
            })
    for row in figures:
        print(row)
    print(f"trials {len(figures)}; every article stored after one resume in"
          f" {sum(r['stored after one resume'] == r['expected'] for r in figures)}; articles"
          f" stored after one resume {sum(r['stored after one resume'] for r in figures)}"
          f" / expected {sum(r['expected'] for r in figures)}")
    for row in figures:
        assert row["stored after one resume"] == row["expected"], row
        assert row["new pages in the resume"] == row["expected"] - row["stored at kill"], row
        assert row["finish"] == "finished" and row["discarded job"] is True, row
        assert "running" not in row["runs"] and row["runs"][-2] == "killed", row
        assert row["killed run's ledger rows"] > 0 and row["unaccounted"] == 0, row
        # an article is fetched again only when it was in flight when the crawl stopped
        assert row["most fetches of one article"] <= 1 + row["interruptions"], row
