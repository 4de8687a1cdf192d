"""A real KB of the demo articles, published, and a Datasette configured like `pantau serve`.

The KB is built in this process without crawling (the end-to-end test covers the crawl): each
demo article page is rendered by the demo site, cleaned and extracted by the real pipeline
(:func:`pantau.pipeline.process_one`), ingested, then persons are resolved and stories
clustered — the same steps `pantau process` takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from kb.publish import metadata_path, publish
from kb.store import KB, sqlite_url
from pantau.cli import MAX_RETURNED_ROWS, SQL_TIME_LIMIT_MS
from pantau.config import datasette_dir
from pantau.demosite import DemoSite
from pantau.pipeline import process_one

STATIC_METADATA = yaml.safe_load((datasette_dir() / "metadata.yml").read_text(encoding="utf-8"))
QUERIES: dict[str, dict[str, Any]] = STATIC_METADATA["databases"]["pantau"]["queries"]


def build_demo_kb(path: Path) -> Path:
    site = DemoSite()
    kb = KB(sqlite_url(path))
    try:
        kb.upsert_outlets(
            {"name": o.name, "title": o.title, "homepage": o.base, "region_code": o.region}
            for o in site.outlets.values()
        )
        for article in site.articles:
            if article.meta.get("topic") == "off":
                continue
            status, ctype, body = site.render(article.outlet.host, article.path)
            assert status == 200, article.url
            result = process_one(article.url, body.encode("utf-8"), ctype)
            assert result["outcome"] == "article", (article.url, result)
            kb.ingest(
                source=article.outlet.name,
                page_sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
                fetched_at=None,
                article={**result["article"], "url": article.url},
                facts=result["facts"],
                extractor_version="uji",
            )
        if hasattr(kb, "resolve"):
            kb.resolve()
    finally:
        kb.close()
    return path



def load_plugin(filename: str, module: str) -> ModuleType:
    """A file of ``datasette/plugins`` (a plugin file, not a package module), loaded afresh as
    ``module`` (each test file its own name: module-level caches stay apart)."""
    spec = importlib.util.spec_from_file_location(module, datasette_dir() / "plugins" / filename)
    assert spec and spec.loader
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded

@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_kb(tmp_path_factory.mktemp("kb") / "kb.db")


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory, demo_kb: Path) -> Path:
    """A pantau home with the published snapshot (published/pantau.db + its metadata)."""
    home = tmp_path_factory.mktemp("home")
    snap = publish(demo_kb, home / "published" / "pantau.db", datasette_dir())
    assert not snap.warnings, snap.warnings
    return home


@pytest.fixture(scope="session")
def snapshot(published_home: Path) -> Path:
    return published_home / "published" / "pantau.db"


def make_datasette(snapshot: Path, **settings: Any) -> Any:
    """The Datasette `pantau serve` runs (see pantau.cli.datasette_command), in-process."""
    from datasette.app import Datasette

    config = datasette_dir()
    return Datasette(
        immutables=[str(snapshot)],
        metadata=json.loads(metadata_path(snapshot).read_text(encoding="utf-8")),
        template_dir=str(config / "templates"),
        plugins_dir=str(config / "plugins"),
        settings={
            "sql_time_limit_ms": SQL_TIME_LIMIT_MS,
            "max_returned_rows": MAX_RETURNED_ROWS,
            **settings,
        },
    )


def fetch(snapshot: Path, paths: Iterable[str], **settings: Any) -> dict[str, Any]:
    """GET each path from a fresh Datasette on ``snapshot``; returns path → httpx response."""

    async def run() -> dict[str, Any]:
        ds = make_datasette(snapshot, **settings)
        return {p: await ds.client.get(p) for p in paths}

    return asyncio.run(run())


def rows(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


SERVER_START_SECONDS = 60  # Datasette starts in ~1 s; a loaded CI machine may be slower


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    """GET ``url``: (status, body); an HTTP error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextlib.contextmanager
def serving(home: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real `pantau serve --home HOME` on a free port; yields its base URL and process.

    Its stderr goes to a file beside ``home`` (shown when it does not start).
    """
    port = free_port()
    log = home.parent / f"serve-{port}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "serve", "--home", str(home),
             "--port", str(port), *args],
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                if get(f"{base}/-/versions.json", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pantau serve did not start: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # pantau and the datasette it started
        proc.wait(timeout=30)


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            if int(fields.get("PPid", "0")) == pid:
                found.append(int(status.parent.name))
    return sorted(found)


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for {pid}")


def enlarge(kb: Path, copies: int) -> int:
    """Add ``copies`` copies of every article (new ids and URLs) to ``kb``; returns articles."""
    con = sqlite3.connect(kb)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(article)") if r[1] != "id"]
        picked = ", ".join("url || '#salinan-' || :n" if c == "url" else c for c in cols)
        sql = f"INSERT INTO article ({', '.join(cols)}) SELECT {picked} FROM article WHERE id <= :last"
        with con:
            last = con.execute("SELECT max(id) FROM article").fetchone()[0]
            for n in range(copies):
                con.execute(sql, {"n": n, "last": last})
        return int(con.execute("SELECT count(*) FROM article").fetchone()[0])
    finally:
        con.close()
