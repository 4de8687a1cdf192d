"""A real crawl of a fault server mixed with good pages: every good page is stored, every URL
ends in exactly one ledger state, nothing crashes, hostile XML expands nothing.

Faults: 500/503/429, a hanging response, a dropped connection, a truncated body, a redirect
loop, a wrong charset header, a gzip bomb (with Content-Encoding and served raw), an XML
billion-laughs and an external entity (file:///etc/passwd) in a sitemap.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import yaml

from kb.raw import RawStore
from tests.conftest import run_pantau
from tests.crawler.sites import FixtureSite, fault_outlet, sources_yaml

FAST_FAILURE = [  # a hanging page fails in seconds, not minutes
    "--set", "DOWNLOAD_TIMEOUT=2", "--set", "RETRY_TIMES=1",
]
EXPECTED_FAILURES = {  # path → (outcome, detail starts with, retryable)
    "/2025/08/01/galat-500": ("http_error", "http 500", True),
    "/2025/08/01/galat-503": ("http_error", "http 503", True),
    "/2025/08/01/galat-429": ("http_error", "http 429", True),
    "/2025/08/01/macet": ("timeout", "DownloadTimeoutError", True),
    "/2025/08/01/putus": ("network_error", "", True),
    "/2025/08/01/terpotong": ("network_error", "", True),
    "/2025/08/01/putar-putar": ("redirect_loop", "", False),
    "/2025/08/01/bom-gzip": ("too_large", "Ignored response", False),
}


def _passwd_probe() -> bytes:
    try:
        lines = Path("/etc/passwd").read_bytes().splitlines()
    except OSError:
        return b"root:x:0:0"
    return lines[0] if lines else b"root:x:0:0"


def test_fault_server(tmp_path: Path) -> None:
    with FixtureSite() as site:
        outlet = fault_outlet(site)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        result = run_pantau(
            "crawl", "--home", str(tmp_path), "--sources", str(sources), "--fast", *FAST_FAILURE
        )
        served = {site.url(p) for p, _ in site.log if p != "/robots.txt"}
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads(result.stdout)
    run_id = stats["pantau/crawl_run"]
    with RawStore(tmp_path / "raw.db") as raw:
        stored = {p.url: p for p in raw.pages()}
        ledger = {e["url"]: e for e in raw.ledger(run_id)}
    db = sqlite3.connect(tmp_path / "raw.db")
    crawl_stats = json.loads(db.execute("SELECT stats FROM crawl_run WHERE id = ?", (run_id,))
                             .fetchone()[0])
    bodies = [zlib.decompress(b) for (b,) in db.execute("SELECT body FROM page")]
    db.close()

    good = outlet.expected
    stored_good = len(good & stored.keys())
    unaccounted = len({u for u in served if u not in ledger}) + sum(
        1 for e in ledger.values() if e["state"] not in ("stored", "skipped", "failed"))
    crashes = sum(v for k, v in crawl_stats.items() if k.startswith("spider_exceptions/"))
    crashes += result.stderr.count("Traceback")
    everything = " ".join(ledger) + " ".join(str(e["detail"]) for e in ledger.values())
    expansions = everything.count("lollol") + sum(b.count(b"lollol") for b in bodies)
    probe = _passwd_probe()
    local_bytes = sum(len(probe) for b in bodies if probe in b)
    local_bytes += len(probe) if probe.decode("latin-1") in everything else 0
    print(
        f"good pages stored {stored_good}/{len(good)}, unaccounted URLs {unaccounted},"
        f" crashes {crashes}, entity expansions {expansions}, local file bytes {local_bytes}"
    )
    assert (stored_good, unaccounted, crashes, expansions, local_bytes) == (len(good), 0, 0, 0, 0)

    for path, (outcome, detail, retryable) in EXPECTED_FAILURES.items():
        entry = ledger[site.url(path)]
        assert (entry["state"], entry["outcome"]) == ("failed", outcome), (path, entry)
        assert str(entry["detail"]).startswith(detail), (path, entry)
        assert bool(entry["retryable"]) is retryable, (path, entry)
    # The raw gzip bomb served as a page is kept as fetched (small: compressed bytes); the
    # wrong charset page is stored with its bytes intact.
    assert outlet.notes["raw_bomb"] in stored
    charset = stored[site.url("/2025/08/01/charset-keliru")]
    assert "Ba’a".encode() in charset.body
    # Hostile sitemaps were read and yielded nothing; the bombs failed without retries.
    assert ledger[site.url("/laughs.xml")]["state"] == "skipped"
    assert ledger[site.url("/xxe.xml")]["state"] == "skipped"
    assert ledger[site.url("/bomb.xml.gz")]["state"] == "failed"
    assert ledger[site.url("/bomb-ce.xml")]["state"] == "failed"


def test_failed_retryable_urls_are_tried_again(tmp_path: Path) -> None:
    with FixtureSite() as site:
        outlet = fault_outlet(site, good=2)
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        args = ["crawl", "--home", str(tmp_path), "--sources", str(sources), "--fast",
                *FAST_FAILURE]
        first = run_pantau(*args)
        assert first.returncode == 0, first.stderr[-3000:]
        # The site recovers: the 503 page now answers, and the feed no longer lists it.
        site.routes["/2025/08/01/galat-503"].status = 200
        site.routes["/2025/08/01/galat-503"].body = b"<html><body><p>Pulih.</p></body></html>"
        site.add("/rss", "<rss><channel></channel></rss>")
        site.add("/sitemap.xml", "<urlset></urlset>")
        second = run_pantau(*args)
    assert second.returncode == 0, second.stderr[-3000:]
    stats = json.loads(second.stdout)
    with RawStore(tmp_path / "raw.db") as raw:
        ledger = {e["url"]: e for e in raw.ledger(stats["pantau/crawl_run"])}
        assert raw.has(site.url("/2025/08/01/galat-503"))
    assert ledger[site.url("/2025/08/01/galat-503")]["state"] == "stored"
    assert site.url("/2025/08/01/putar-putar") not in ledger  # not retryable: not retried
    assert stats["pantau/articles/retried"] >= 6  # 500, 503, 429, hang, drop, truncated
