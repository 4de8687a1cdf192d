"""The processing pool: workers forked warm from a fork server give the same outcomes as
processing in this process, and a pool's workers start without each rebuilding the pipeline."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from kb.raw import RawStore
from kb.store import KB, sqlite_url
from pantau.demosite import DemoSite
from pantau.pipeline import Processor, pool_context

PAGES = 8


def outcomes(kb_path: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(kb_path) as con:
        rows = con.execute("SELECT url, outcome, COALESCE(reason, '') FROM processed_page")
        return {url: (outcome, reason) for url, outcome, reason in rows}


@pytest.mark.parametrize("workers", [1, 2])
def test_pool_outcomes_equal_in_process(tmp_path: Path, workers: int) -> None:
    site = DemoSite()
    raw_path = tmp_path / "raw.db"
    with RawStore(raw_path) as raw:
        for article in site.articles[:PAGES]:
            status, ctype, body = site.render(article.outlet.host, article.path)
            raw.put(url=article.url, final_url=article.url, source=article.outlet.name,
                    status=status, headers={"Content-Type": ctype}, body=body.encode("utf-8"))  # fmt: skip
    reports = {}
    for n in (0, workers):
        kb = KB(sqlite_url(tmp_path / f"kb-{n}.db"))
        with RawStore(raw_path) as raw:
            report = Processor(raw, kb, workers=n).run().as_dict()
        kb.close()
        reports[n] = {k: report[k] for k in ("pages", "new", "rejected", "errors", "reasons")}
    assert reports[workers] == reports[0]
    assert reports[0]["new"] > 0
    assert outcomes(tmp_path / f"kb-{workers}.db") == outcomes(tmp_path / "kb-0.db")


def test_pool_context_is_a_fork_server_with_the_warm_up_preloaded() -> None:
    context = pool_context()
    if "forkserver" in multiprocessing.get_all_start_methods():
        assert context.get_start_method() == "forkserver"
    else:
        assert context.get_start_method() == "spawn"
