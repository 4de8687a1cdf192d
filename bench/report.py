"""Clipping reports at scale: seconds and peak memory of `pantau report` per format (by hand).

    .venv/bin/python -m bench.report [--articles 10500] [--formats xlsx,docx,pdf]

A synthetic KB of N short articles over 30 days (each with a count, an amount, an official and
a quote, so every report column is filled) is written with SQL; then each format is made by a
real `pantau report` in its own process, whose peak RSS (``ru_maxrss``) is read afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb.store import KB, sqlite_url

OUTLETS = ["warta-timur", "kabar-pesisir", "suara-lembah"]
CHILD = (  # `pantau ARGS` in this process, then its peak RSS (KiB) on stderr
    "import resource, sys\n"
    "from pantau.cli import cli\n"
    "cli.main(sys.argv[1:], standalone_mode=False)\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def build(path: Path, n: int) -> None:
    KB(sqlite_url(path)).close()
    con = sqlite3.connect(path)
    for i, name in enumerate(OUTLETS, 1):
        con.execute("INSERT INTO outlet (id, name, title, region_code) VALUES (?, ?, ?, '53')",
                    (i, name, name.replace("-", " ").title()))  # fmt: skip
    con.execute("INSERT INTO person (id, name, aliases, merged_names) VALUES (1, 'Maria Nona Lobo',"
                " '[]', '[]')")  # fmt: skip
    start = dt.datetime(2025, 9, 1)
    rows, counts, amounts, mentions, quotes = [], [], [], [], []
    for i in range(1, n + 1):
        lead = (f"Pemerintah kabupaten mendaftarkan {1000 + i} pekerja rentan sebagai peserta"
                f" BPJS Ketenagakerjaan dengan anggaran Rp{i % 90 + 1},5 miliar.")  # fmt: skip
        text = lead + '\n\n"Kami lanjutkan tahun depan," kata Kepala Dinas Maria Nona Lobo.'
        when = (start + dt.timedelta(minutes=4 * i)).strftime("%Y-%m-%d %H:%M:%S.000000")
        rows.append((i, f"http://bench.test/{i}", 1 + i % 3, f"Uji beban {i}: {1000 + i} pekerja"
                     " rentan dilindungi", text, when, f"c{i}", f"p{i}"))  # fmt: skip
        ev = (i, "", 0, 1, lead, "bench", "0", 1.0)
        counts.append((*ev[:1], f"{1000 + i} pekerja rentan", *ev[2:], 1000 + i, "pekerja rentan"))
        amounts.append((*ev[:1], f"Rp{i % 90 + 1},5 miliar", *ev[2:], (i % 90 + 1) * 10**9))
        mentions.append((*ev[:1], "Maria Nona Lobo", *ev[2:], 1, "Maria Nona Lobo", "Kepala Dinas"))
        quotes.append((*ev[:1], "Kami lanjutkan tahun depan,", *ev[2:], 1, "Maria Nona Lobo"))
    con.executemany(
        "INSERT INTO article (id, url, outlet_id, title, text, published, authors, tags,"
        " advertorial, boilerplate, content_sha256, previous_sha256, page_sha256,"
        " extractor_version, processed_at) VALUES (?, ?, ?, ?, ?, ?, '[]', '[]', 0, '[]', ?,"
        " '[]', ?, 'bench', '2025-10-01')", rows)  # fmt: skip
    evidence = "article_id, text, start, \"end\", sentence, extractor, version, confidence"
    con.executemany(f"INSERT INTO worker_count ({evidence}, value, noun) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", counts)  # fmt: skip
    con.executemany(f"INSERT INTO amount ({evidence}, value, currency) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, 'IDR')", amounts)  # fmt: skip
    con.executemany(f"INSERT INTO mention ({evidence}, person_id, name, title) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", mentions)  # fmt: skip
    con.executemany(f"INSERT INTO quote ({evidence}, person_id, speaker) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", quotes)  # fmt: skip
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_500)
    parser.add_argument("--formats", default="xlsx,docx,pdf")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        home = Path(folder)
        t0 = time.perf_counter()
        build(home / "kb.db", args.articles)
        print(f"KB of {args.articles} articles built in {time.perf_counter() - t0:.1f} s")
        last = (dt.datetime(2025, 9, 1) + dt.timedelta(minutes=4 * args.articles)).date()
        for fmt in args.formats.split(","):
            out = home / f"kliping.{fmt}"
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", CHILD, "report", "--home", str(home), "--from",
                 "2025-09-01", "--to", str(last), "--output", str(out)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            seconds = time.perf_counter() - t0
            peak = int(done.stderr.strip().splitlines()[-1])
            print(f"{fmt}: {seconds:6.1f} s, peak RSS {peak / 1024:6.0f} MiB,"
                  f" {out.stat().st_size / 1e6:5.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
