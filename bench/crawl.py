"""Crawl throughput: pages/s for a real `pantau crawl` of a local 1,000-article site.

The site (tests/crawler/sites.py `big_outlet`: one sitemap, 1,000 articles of ~2 KB) is served
by a threaded http.server on 127.0.0.1; the crawl runs with `--fast` (no AutoThrottle, no
download delay) into a fresh home. Reports the wall time of the whole command (interpreter
start and Scrapy's shutdown included: the pages/s figure is a floor), then a second run over the
unchanged site (0 articles fetched).

    .venv/bin/python -m bench.crawl [--articles 1000] [--per-domain 8]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.raw import RawStore  # noqa: E402
from tests.conftest import run_pantau  # noqa: E402
from tests.crawler.sites import FixtureSite, big_outlet, sources_yaml  # noqa: E402


def crawl(home: Path, sources: Path, per_domain: int) -> tuple[dict[str, object], float]:
    started = time.perf_counter()
    result = run_pantau(
        "crawl", "--home", str(home), "--sources", str(sources), "--fast",
        "--set", f"CONCURRENT_REQUESTS_PER_DOMAIN={per_domain}",
        "--set", f"CONCURRENT_REQUESTS={max(16, per_domain)}",
        timeout=1200,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--per-domain", type=int, default=8, help="CONCURRENT_REQUESTS_PER_DOMAIN")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FixtureSite() as site:
        home = Path(tmp)
        outlet = big_outlet(site, args.articles)
        sources = home / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        stats, wall = crawl(home, sources, args.per_domain)
        with RawStore(home / "raw.db") as raw:
            stored = raw.count()
        again, wall2 = crawl(home, sources, args.per_domain)
    print(f"articles stored: {stored}/{args.articles}")
    print(f"crawl: {wall:.1f} s → {stored / wall:.0f} pages/s"
          f" (per-domain concurrency {args.per_domain}, throttling off)")
    print(f"second run: {again.get('pantau/articles/requested', 0)} articles fetched,"
          f" {again.get('pantau/articles/already_stored', 0)} already stored, {wall2:.1f} s")


if __name__ == "__main__":
    main()
