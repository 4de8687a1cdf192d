"""Throughput of the fact-extraction pipeline: articles/s and tokens/s (run by hand).

    .venv/bin/python -m bench.extract [--rounds N]

Texts: the gold corpus (extract/gold/*.txt) and the bundled demo articles. The pipeline is built
once (as in a worker process) before timing; each round extracts every text once.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from extract.facts import extract_facts
from extract.nlp import build_pipeline
from pantau.evaluate import GOLD_DIR, read_demo_site


def texts() -> list[tuple[str, object]]:
    gold = [(p.read_text(encoding="utf-8"), None) for p in sorted(Path(GOLD_DIR).glob("*.txt"))]
    demo = [(a.text, a.published) for a in read_demo_site()]
    return gold + demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    corpus = texts()
    nlp = build_pipeline()
    tokens = sum(len(nlp.make_doc(t)) for t, _ in corpus)
    extract_facts(corpus[0][0])  # warm caches (data files, regexes)
    best = float("inf")
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for text, published in corpus:
            extract_facts(text, published=published)
        best = min(best, time.perf_counter() - t0)
    chars = sum(len(t) for t, _ in corpus)
    print(f"{len(corpus)} articles, {tokens} tokens, {chars} characters; best of {args.rounds}")
    print(f"{len(corpus) / best:8.1f} articles/s")
    print(f"{tokens / best:8.0f} tokens/s")
    print(f"{best / len(corpus) * 1000:8.2f} ms/article")


if __name__ == "__main__":
    main()
