"""Benchmark the cleaning stage against trafilatura's ``bare_extraction`` alone.

Both run on the same pages in one process, taking turns page by page, several rounds: the
bundled demo site's article pages and, when ``../shared/realpages`` exists, the real Indonesian
news pages.
The ratio says what Pantau's Indonesian layers (dates, bylines, datelines, boilerplate, page type)
cost on top of trafilatura. Run by hand::

    .venv/bin/python -m bench.clean [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from extract.clean import CleanError, clean_html
from pantau.demosite import DemoSite

REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"


def corpus() -> list[tuple[str, bytes]]:
    site = DemoSite()
    pages = [(a.url, site.render(a.outlet.host, a.path)[2].encode("utf-8")) for a in site.articles]
    if REALPAGES.is_dir():
        pages += [
            (f"https://real.test/{p.stem}", p.read_bytes())
            for p in sorted(REALPAGES.glob("*.html"))
        ]
    return pages


def run_interleaved(
    fns: dict[str, Callable[[str, bytes], None]], pages: list[tuple[str, bytes]], rounds: int
) -> dict[str, float]:
    """Pages per second for each function, timed page by page in turn: on a shared machine the
    load changes from second to second, and timing one extractor's rounds after the other's
    measured the load as much as the code."""
    spent = dict.fromkeys(fns, 0.0)
    for _ in range(rounds):
        for url, body in pages:
            for label, fn in fns.items():
                start = time.perf_counter()
                fn(url, body)
                spent[label] += time.perf_counter() - start
    rates = {}
    for label, elapsed in spent.items():
        rates[label] = rounds * len(pages) / elapsed
        print(
            f"{label:<34} {rates[label]:8.1f} pages/s  ({rounds} x {len(pages)} pages, "
            f"{elapsed:.2f} s)"
        )
    return rates


def pantau_clean(url: str, body: bytes) -> None:
    with contextlib.suppress(CleanError):
        clean_html(body, url)


def bare(url: str, body: bytes) -> None:
    trafilatura.bare_extraction(
        body.decode("utf-8", errors="replace"),
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        deduplicate=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pages = corpus()
    print(f"{len(pages)} pages, {sum(len(b) for _, b in pages) / 1e6:.1f} MB per round")
    # Warm-up, one untimed round: imports, regex and YAML loading, and the lazy set-ups met on
    # some pages only (htmldate's first dateparser call builds its locales for seconds; with
    # one warm-up page the first timed round charged it to whichever function met it first).
    for url, body in pages:
        pantau_clean(url, body)
        bare(url, body)
    rates = run_interleaved(
        {"trafilatura bare_extraction": bare, "pantau clean_html": pantau_clean}, pages, args.rounds
    )
    base, ours = rates["trafilatura bare_extraction"], rates["pantau clean_html"]
    print(
        f"ratio clean_html / bare_extraction: {ours / base:.2f} (speed), "
        f"{base / ours:.2f}x the time"
    )


if __name__ == "__main__":
    main()
