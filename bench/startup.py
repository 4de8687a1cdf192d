"""Start-up of `pantau extract` against `python -c "import spacy"` (run by hand).

    .venv/bin/python -m bench.startup [--rounds N]

Each round runs, interleaved, ``pantau extract SHORT.txt --json`` on a one-sentence article
(start-up is nearly all of it), ``python -c "import spacy"`` and ``python -c "import spacy;
spacy.blank('id')"``, and times wall and CPU (user + system, children) of each; the best round
of each is printed with the ratios (issue 17's goal: <= 0.5 s wall). ``--jsonl N`` also times one
``pantau extract --jsonl`` over N copies of the article: the start is paid once.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHORT = "Bupati Ende, Yosef Badeoda, meresmikan pasar pada Senin (15/9/2025).\n"


def _run(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jsonl", type=int, default=100, metavar="N")
    args = parser.parse_args()
    pantau = str(Path(sys.executable).with_name("pantau"))
    with tempfile.TemporaryDirectory() as tmp:
        short = Path(tmp) / "short.txt"
        short.write_text(SHORT, encoding="utf-8")
        many = [str(short)] * args.jsonl
        cmds = {
            "pantau extract short.txt --json": [pantau, "extract", str(short), "--json"],
            'python -c "import spacy"': [sys.executable, "-c", "import spacy"],
            "spacy.blank('id')": [sys.executable, "-c", "import spacy; spacy.blank('id')"],
            f"pantau extract --jsonl ({args.jsonl} articles)": [
                pantau,
                "extract",
                "--jsonl",
                *many,
            ],
        }
        best = {name: (float("inf"), float("inf")) for name in cmds}
        for _ in range(args.rounds):
            for name, cmd in cmds.items():
                wall, cpu = _run(cmd)
                best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    anchor_wall, anchor_cpu = best['python -c "import spacy"']
    print(f"best of {args.rounds}; load average {os.getloadavg()[0]:.1f}")
    for name, (wall, cpu) in best.items():
        print(f"{wall:7.2f} s wall {cpu:6.2f} s CPU  {cpu / anchor_cpu:5.2f}x import spacy  {name}")
    print(f"goal: pantau extract <= 0.5 s wall (now {best[next(iter(cmds))][0]:.2f} s)")
    del anchor_wall


if __name__ == "__main__":
    main()
