"""Throughput of the fact-extraction pipeline against its anchor (run by hand).

    .venv/bin/python -m bench.extract [--rounds N]

Texts: the gold corpora (extract/gold, extract/gold_national, ../shared/national-dev when present)
and the bundled demo articles. The pipeline is built once (as in a worker process) before
timing. Each round times, interleaved, Pantau's ``extract_facts`` over every text and the anchor,
``spacy.blank("id").make_doc`` (tokenising alone) over the same texts; the best round of each is
kept and the ratio of their token rates printed (issue 17's goal: >= 0.4).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path

import spacy

from extract.facts import extract_facts
from extract.nlp import build_pipeline
from pantau.evaluate import GOLD_DIR, read_demo_site, read_seeds_format

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [
    Path(GOLD_DIR),
    ROOT / "extract" / "gold_national",
    ROOT.parent / "shared" / "national-dev",
]


def texts() -> list[tuple[str, datetime | None]]:
    out = [(a.text, a.published) for folder in CORPORA if folder.is_dir()
           for a in read_seeds_format(folder)]  # fmt: skip
    return out + [(a.text, a.published) for a in read_demo_site()]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    corpus = texts()
    nlp = build_pipeline()
    blank = spacy.blank("id")
    tokens = sum(len(nlp.make_doc(t)) for t, _ in corpus)
    extract_facts(corpus[0][0])  # warm caches (data files, regexes)
    for t, _ in corpus:
        blank.make_doc(t)  # warm the anchor's lexeme cache too
    best, anchor = float("inf"), float("inf")
    for _ in range(args.rounds):
        t0 = time.process_time()
        for text, published in corpus:
            extract_facts(text, published=published)
        best = min(best, time.process_time() - t0)
        t0 = time.process_time()
        for text, _ in corpus:
            blank.make_doc(text)
        anchor = min(anchor, time.process_time() - t0)
    chars = sum(len(t) for t, _ in corpus)
    print(
        f"{len(corpus)} articles, {tokens} tokens, {chars} characters; best of {args.rounds}, CPU"
    )
    print(f"{len(corpus) / best:10.1f} articles/s")
    print(f"{tokens / best:10.0f} tokens/s  extract_facts")
    print(f"{tokens / anchor:10.0f} tokens/s  spacy.blank('id').make_doc (anchor)")
    print(f"{anchor / best:10.3f} ratio (goal >= 0.4)")
    print(f"{best / len(corpus) * 1000:10.2f} ms/article")


if __name__ == "__main__":
    main()
