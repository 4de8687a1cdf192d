"""End-to-end benchmark of Pantau's pipeline (run by hand; prints a JSON report).

    .venv/bin/python -m bench.pipeline                       # 10,000 pages, 200,000-article KB
    .venv/bin/python -m bench.pipeline --pages 2000 --kb-articles 20000 --workdir /tmp/b

Part 1 — the pipeline: a synthetic corpus of ``--pages`` articles (front matter + paragraphs
with varied officials, regions, worker counts, rupiah amounts, percentages, quotes) is rendered
by the demo site's templates (three outlets: Tribun-, ANTARA- and WordPress-like), served on
127.0.0.1 by the demo server in its own process, crawled by the real Scrapy crawler, then
processed (clean + extract + ingest) with 1 and with 2 workers into two fresh KBs, and
published. Reported: crawl pages/s, processing pages/s per worker count, peak RSS of each
worker process (VmHWM from /proc) and of this process, sizes of raw.db, kb.db and the snapshot.

Part 1b — ingest alone (``--ingest-pages``): the parent's share of processing. The synthetic
pages are rendered and stored in a raw store, cleaned and extracted once (untimed: the workers'
work), then ``Processor(workers=0)`` is timed with the extraction replaced by those results —
what remains is the lookup of already-processed pages and the ingest of articles and facts into
a fresh SQLite KB, and then a rerun where every page is current. Reported: pages/s and ms per
page for both. (Run it from another checkout to compare versions: ``cd OLD && python -m
bench.pipeline --skip-pipeline --skip-search --ingest-pages 1000`` with this file copied in.)

Part 2 — search at scale: a synthetic KB of ``--kb-articles`` articles (and a quote for every
other article) is bulk-inserted straight into the KB schema, published (VACUUM INTO + FTS), and
full-text queries are timed on the snapshot: the SQL behind Datasette's ``_search`` (matching
rows ordered by rank, and the count) and the same searches through Datasette's own HTTP layer.
Reported: p50/p95 per kind.

Everything is fictional and generated here; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SEED = 20250707  # fixed: two runs of the benchmark see the same corpus
SAMPLE_INTERVAL_S = 0.2  # /proc sampling of worker peak RSS (VmHWM is a high-water mark anyway)
CRAWL_CONCURRENCY = 32  # local server: no politeness needed, bounded by the server's threads
QUERY_REPEATS = 5  # each search is timed this many times (first run warms the page cache)
RESOLVE_CAP_S = 300  # person resolution + story clustering, timed apart, given at most this

OUTLETS = [("flobamora-pos", "fp"), ("kabar-sasando", "ks"), ("suara-lontar", "sl")]
REGIONS = ["Timor Tengah Utara", "Kota Kupang", "Sikka", "Ende", "Alor", "Rote Ndao", "Ngada",
           "Manggarai Barat", "Sumba Barat Daya", "Belu", "Flores Timur", "Lembata", "Sabu Raijua"]
POSITIONS = ["Bupati", "Wakil Bupati", "Kepala Dinas Tenaga Kerja", "Camat", "Kepala Desa",
             "Kepala BPJS Ketenagakerjaan Cabang", "Sekretaris Daerah", "Ketua DPRD"]
GIVEN = ["Yosep", "Maria", "Agustinus", "Yohanes", "Fransiskus", "Kamillus", "Wawan", "Theresia",
         "Dominikus", "Veronika", "Petrus", "Margaretha", "Stefanus", "Regina", "Aloysius"]
FAMILY = ["Kebo", "Elu", "Seran", "Nahak", "Bria", "Mau", "Burhanuddin", "Lake", "Tallo", "Ndun",
          "Bere", "Manek", "Djami", "Riwu", "Wangge", "Sogen", "Openg", "Laka", "Fernandez", "Pah"]
OFFICIALS = [(p, f"{g} {f}") for p in POSITIONS for g, f in zip(GIVEN, FAMILY, strict=False)][:90]
GROUPS = ["pekerja rentan", "nelayan", "petani rumput laut", "penenun", "tukang ojek",
          "pedagang pasar", "pekerja keagamaan", "buruh bangunan", "awak kapal wisata"]
ROLES = ["iuran", "santunan", "anggaran", "klaim"]
VERBS = ["mendaftarkan", "melindungi", "menyerahkan kartu kepada", "membayarkan iuran bagi"]
FILLER = [
    "Program ini menyasar warga yang bekerja tanpa pemberi kerja tetap di desa-desa terpencil.",
    "Petugas akan turun ke kecamatan untuk mencocokkan data peserta dengan dokumen kependudukan.",
    "Warga diminta melapor ke kantor desa bila belum tercatat sebagai peserta.",
    "Kegiatan berlangsung di aula kantor daerah dan dihadiri para kepala desa.",
    "Pemerintah daerah menyiapkan anggaran tambahan pada perubahan APBD tahun berjalan.",
    "Sosialisasi dilakukan bersama kelompok tani, nelayan, dan paguyuban pedagang.",
]
KB_WORDS = [  # real words, spread over the Zipf ranks of the synthetic vocabulary
    "iuran", "santunan", "nelayan", "petani", "penenun", "peserta", "kartu", "desa", "kecamatan",
    "bupati", "camat", "anggaran", "klaim", "jaminan", "kecelakaan", "kematian", "pendaftaran",
    "perlindungan", "pekerja", "rentan", "pasar", "pelabuhan", "kebun", "sawah", "ladang",
    "sekolah", "gereja", "masjid", "posyandu", "puskesmas", "jalan", "jembatan", "banjir",
    "kemarau", "panen", "garam", "ikan", "kopi", "kemiri", "jagung",
]
SYLLABLES = ["ka", "la", "ma", "na", "ta", "ri", "su", "ko", "be", "ngu", "da", "pe", "wo", "si"]
VOCABULARY = 30_000  # distinct words in the synthetic KB, Zipf-distributed like real text
SEARCHES = ["nelayan", "santunan", "iuran", "penenun", "Sikka", "Alor", "Lembata", "kemiri",
            "nelayan Alor", "santunan kematian", "iuran petani Sikka", '"pekerja rentan"',
            "penen*", "bupati kartu", "jembatan banjir Ende", "posyandu", "garam", "klaim Belu"]


# -- part 1: the synthetic corpus ------------------------------------------------------------
def article_file(i: int, outlet: str, prefix: str, rng: random.Random, today: dt.date) -> str:
    from extract.numbers import format_number

    region = rng.choice(REGIONS)
    title_pos, name = rng.choice(OFFICIALS)
    count = rng.randint(12, 48_000)
    group = rng.choice(GROUPS)
    amount = rng.randint(1, 999)
    unit, scale = rng.choice([("juta", 10**6), ("miliar", 10**9)])
    percent = rng.randint(10, 99)
    day = today - dt.timedelta(days=rng.randint(0, 40))
    when = dt.datetime.combine(day, dt.time(rng.randint(6, 20), rng.randint(0, 59)))
    on_topic = rng.random() > 0.1  # one page in ten is off topic
    count_text = format_number(count)
    verb = rng.choice(VERBS)
    if on_topic:
        title = f"BPJS Ketenagakerjaan {verb.split()[0]} {count_text} {group} di {region}"
        paragraphs = [
            f"Pemerintah daerah {region} bersama BPJS Ketenagakerjaan {verb} {count_text} {group}"
            f" pada {when:%d/%m/%Y}.",
            f"{title_pos} {region}, {name}, mengatakan dana Rp{amount} {unit} disiapkan untuk"
            f" {rng.choice(ROLES)} para peserta.",
            f'"Kami ingin {group} bekerja dengan tenang karena keluarga terlindungi," ujar {name}.',
            f"Cakupan kepesertaan di daerah itu baru mencapai {percent} persen dari target.",
            *rng.sample(FILLER, 3),
        ]
        topic = ""
    else:
        title = f"Festival budaya ke-{i} meriahkan {region}"
        paragraphs = [f"Ratusan warga {region} memadati lapangan untuk festival budaya ke-{i}.",
                      *rng.sample(FILLER[3:], 2)]
        topic = 'topic: "off"\n'
    front = (
        f"---\nid: {prefix}-{i:05d}\noutlet: {outlet}\ntitle: {json.dumps(title)}\n"
        f'published: "{when.isoformat()}+08:00"\nauthor: "Penulis Sintetis"\n'
        f'editor: "Editor Sintetis"\ndateline: "{region.upper()}"\nsection: "Daerah"\n'
        f"tags: []\nrelated: []\n{topic}facts: {{}}\n---\n"
    )
    assert scale
    return front + "\n\n".join(paragraphs) + "\n"


def build_site(root: Path, pages: int) -> Path:
    from pantau.demosite import copy_site_frame

    rng = random.Random(SEED)
    today = dt.date.today()
    copy_site_frame(root)
    # every outlet gets a sitemap (the server answers /sitemap.xml for each), so all pages are
    # discovered: the demo feeds list 10 items and listings stop at MAX_LISTING_PAGES
    sources = (root / "sources.yaml").read_text(encoding="utf-8")
    sources = sources.replace(
        "    feeds: [http://kabarsasando.test/rss/terkini.xml]\n",
        "    feeds: [http://kabarsasando.test/rss/terkini.xml]\n"
        "    sitemaps: [http://kabarsasando.test/sitemap.xml]\n",
    )
    assert "kabarsasando.test/sitemap.xml" in sources, "demo sources.yaml changed: update bench"
    (root / "sources.yaml").write_text(sources, encoding="utf-8")
    for i in range(pages):
        outlet, prefix = OUTLETS[i % len(OUTLETS)]
        folder = root / "articles" / outlet
        folder.mkdir(parents=True, exist_ok=True)
        text = article_file(i, outlet, prefix, rng, today)
        (folder / f"{i:05d}-sintetis-{prefix}-{i}.md").write_text(text, encoding="utf-8")
    return root


def serve_site(root: str, queue: Any) -> None:  # runs in its own process
    from pantau.demosite import DemoServer, DemoSite

    with DemoServer(DemoSite(Path(root))) as server:
        queue.put(server.proxy)
        threading.Event().wait()


def crawl_site(site: Path, raw: Path) -> tuple[dict[str, Any], float]:
    from crawler.run import FAST_SETTINGS, run_crawl
    from crawler.sources import load_sources

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    server = ctx.Process(target=serve_site, args=(str(site), queue), daemon=True)
    server.start()
    try:
        os.environ["http_proxy"] = queue.get(timeout=300)
        os.environ.pop("no_proxy", None)
        os.environ.pop("NO_PROXY", None)
        overrides = {**FAST_SETTINGS, "LOG_LEVEL": "WARNING", "CLOSESPIDER_PAGECOUNT": 0,
                     "CONCURRENT_REQUESTS": CRAWL_CONCURRENCY,
                     "CONCURRENT_REQUESTS_PER_DOMAIN": CRAWL_CONCURRENCY}
        started = time.perf_counter()
        stats = run_crawl(load_sources(site / "sources.yaml"), raw, overrides=overrides)
        return stats, time.perf_counter() - started
    finally:
        server.kill()


class PeakRSS:
    """Samples /proc for this process's children: peak RSS (VmHWM) of each, in MiB."""

    def __init__(self) -> None:
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children(self) -> list[int]:
        me, out = os.getpid(), []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                    out.append(int(entry))
        return out

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL_S):
            for pid in self._children():
                hwm = vm_hwm(pid)
                if hwm:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), hwm)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def vm_hwm(pid: int | str = "self") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def process_with(raw_path: Path, kb_path: Path, workers: int) -> dict[str, Any]:
    """Clean + extract + ingest every raw page; the KB's resolution is timed apart (resolve)."""
    from kb.raw import RawStore
    from kb.store import KB, sqlite_url
    from pantau.pipeline import Processor

    kb = KB(sqlite_url(kb_path))
    kb.resolve = lambda *args, **kwargs: {}  # type: ignore[method-assign]
    with RawStore(raw_path) as raw, PeakRSS() as rss:
        started = time.perf_counter()
        report = Processor(raw, kb, workers=workers).run()
        seconds = time.perf_counter() - started
    kb.close()
    worker_peaks = sorted(rss.peaks.values(), reverse=True)[: max(workers, 1)]
    return {
        "workers": workers,
        "pages": report.pages,
        "articles": report.new,
        "rejected": report.rejected,
        "off_topic": report.off_topic,
        "errors": report.errors,
        "seconds": round(seconds, 1),
        "pages_per_s": round(report.pages / seconds, 1),
        "peak_rss_per_worker_mib": [round(p) for p in worker_peaks],
        "kb_mib": round(kb_path.stat().st_size / 2**20, 1),
    }


def bench_ingest(work: Path, pages: int) -> dict[str, Any]:
    """Part 1b: lookups + ingest of ``pages`` pages with their extraction done beforehand."""
    from kb.raw import RawStore
    from kb.store import KB, sqlite_url
    from pantau import pipeline
    from pantau.demosite import DemoSite

    site = DemoSite(build_site(work / "ingest-site", pages))
    raw_path = work / "ingest-raw.db"
    results: dict[str, dict[str, Any]] = {}
    with RawStore(raw_path) as raw:
        for article in site.articles:
            status, ctype, body = site.render(article.outlet.host, article.path)
            raw.put(url=article.url, final_url=article.url, source=article.outlet.name,
                    status=status, headers={"Content-Type": ctype}, body=body.encode("utf-8"),
                    on_topic=article.meta.get("topic") != "off")  # fmt: skip
            results[article.url] = pipeline.process_one(article.url, body.encode("utf-8"), ctype)
    real = pipeline.process_one
    pipeline.process_one = lambda url, *args, **kwargs: results[url]
    out: dict[str, Any] = {"pages": len(results)}
    try:
        kb_path = work / "ingest-kb.db"
        kb = KB(sqlite_url(kb_path))
        kb.resolve = lambda *args, **kwargs: {}  # type: ignore[method-assign]
        for label in ("fresh_kb", "rerun_all_current"):
            with RawStore(raw_path) as raw:
                started = time.perf_counter()
                cpu = time.process_time()
                report = pipeline.Processor(raw, kb, workers=0).run()
                seconds = time.perf_counter() - started
                cpu = time.process_time() - cpu
            out[label] = {
                "new": report.new, "unchanged": report.unchanged, "errors": report.errors,
                "seconds": round(seconds, 2), "pages_per_s": round(report.pages / seconds, 1),
                "ms_per_page": round(1000 * seconds / report.pages, 2),
                "cpu_ms_per_page": round(1000 * cpu / report.pages, 2),
            }  # fmt: skip
        kb.close()
    finally:
        pipeline.process_one = real
    return out


def resolve_apart(kb_path: Path) -> dict[str, Any]:
    """Person resolution + story clustering over the whole KB, in a subprocess with a cap."""
    code = "import sys; from kb.store import KB, sqlite_url; KB(sqlite_url(sys.argv[1])).resolve()"
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-c", code, str(kb_path)], cwd=REPO, check=True,
                       timeout=RESOLVE_CAP_S, capture_output=True)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "note": f"not finished after {RESOLVE_CAP_S} s (stopped)"}
    return {"seconds": round(time.perf_counter() - started, 1)}


def bench_pipeline(work: Path, pages: int) -> dict[str, Any]:
    from kb.publish import publish

    started = time.perf_counter()
    site = build_site(work / "site", pages)
    built = time.perf_counter() - started
    raw = work / "raw.db"
    stats, crawl_s = crawl_site(site, raw)
    stored = int(stats.get("pantau/pages/new", 0))
    out: dict[str, Any] = {
        "corpus_pages": pages,
        "corpus_build_s": round(built, 1),
        "crawl": {
            "pages_stored": stored,
            "responses": stats.get("downloader/response_count", 0),
            "seconds": round(crawl_s, 1),
            "pages_per_s": round(stored / crawl_s, 1),
            "raw_db_mib": round(raw.stat().st_size / 2**20, 1),
        },
        "process": [],
    }
    for workers in (1, 2):
        out["process"].append(process_with(raw, work / f"kb-{workers}w.db", workers))
    out["resolve"] = resolve_apart(work / "kb-2w.db")
    started = time.perf_counter()
    snap = publish(work / "kb-2w.db", work / "published" / "pantau.db")
    out["publish"] = {"seconds": round(time.perf_counter() - started, 1),
                      "snapshot_mib": round(snap.size / 2**20, 1)}
    for p in out["process"]:
        total = crawl_s + p["seconds"] + out["publish"]["seconds"]
        p["end_to_end_pages_per_s"] = round(stored / total, 1)
    out["bench_process_peak_rss_mib"] = round(vm_hwm())
    return out


# -- part 2: search at scale ---------------------------------------------------------------
def _filler_value(column_type: str, name: str) -> Any:
    t = column_type.upper()
    if "INT" in t or "BOOL" in t:
        return 0
    if any(k in t for k in ("REAL", "FLOA", "DOUB", "NUMERIC")):
        return 0.0
    if "DATE" in t or "TIME" in t:
        return "2025-01-01"
    return ""


def _insert_rows(con: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, filling every other NOT NULL column without a default (schema-proof)."""
    info = con.execute(f"PRAGMA table_info({table})").fetchall()
    required = {c[1]: _filler_value(c[2], c[1]) for c in info if c[3] and c[4] is None and not c[5]}
    columns = sorted(set(required) | set(rows[0]))
    sql = (f"INSERT INTO {table} ({', '.join(columns)})"
           f" VALUES ({', '.join('?' for _ in columns)})")
    con.executemany(sql, ([r.get(c, required.get(c)) for c in columns] for r in rows))


class Vocabulary:
    """Zipf-distributed words: the real Indonesian words and region names at spread-out ranks
    among generated syllable words, so searches range from very common to rare terms."""

    def __init__(self, rng: random.Random) -> None:
        words = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(VOCABULARY)}
        ranked = sorted(words)
        rng.shuffle(ranked)
        real = KB_WORDS + [r.split()[-1] for r in REGIONS]
        for i, word in enumerate(real):  # ranks 3, 13, 23 … up to a few hundred
            ranked.insert(3 + i * 10, word.lower())
        self.words = ranked
        self.cum_weights = list(itertools.accumulate(1 / (r + 1) for r in range(len(ranked))))

    def text(self, rng: random.Random, n: int) -> str:
        words = rng.choices(self.words, cum_weights=self.cum_weights, k=n)
        sentences = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, n, 12)]
        return " ".join(sentences)


def build_kb(path: Path, articles: int) -> dict[str, Any]:
    from kb.store import KB, sqlite_url

    KB(sqlite_url(path)).close()  # the real schema, migrations included
    rng = random.Random(SEED)
    vocabulary = Vocabulary(rng)
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        _insert_rows(con, "outlet", [{"id": i + 1, "name": f"outlet-{i + 1}",
                                      "title": f"Outlet Sintetis {i + 1}"} for i in range(12)])
    batch = 10_000
    start_day = dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    for first in range(0, articles, batch):
        rows, quotes = [], []
        for i in range(first, min(first + batch, articles)):
            text = vocabulary.text(rng, rng.randint(180, 320))
            title = vocabulary.text(rng, 9)[:120]
            published = start_day + dt.timedelta(minutes=5 * i)
            sha = hashlib.sha256(f"{i}".encode()).hexdigest()
            rows.append({
                "id": i + 1, "url": f"https://outlet-{i % 12 + 1}.test/berita/{i}",
                "outlet_id": i % 12 + 1, "title": title, "text": text,
                "published": published.isoformat(), "month": published.strftime("%Y-%m"),
                "content_sha256": sha, "page_sha256": sha, "extractor_version": "bench",
                "processed_at": published.isoformat(), "authors": "[]", "tags": "[]",
                "boilerplate": "[]", "previous_sha256": "[]",
            })
            if i % 2 == 0:
                q = text[:160]
                quotes.append({"article_id": i + 1, "text": q, "start": 0, "end": len(q),
                               "sentence": q, "extractor": "bench", "version": "bench",
                               "confidence": 1.0, "speaker": rng.choice(OFFICIALS)[1]})
        with con:
            _insert_rows(con, "article", rows)
            _insert_rows(con, "quote", quotes)
    con.close()
    return {"articles": articles, "quotes": (articles + 1) // 2,
            "insert_s": round(time.perf_counter() - started, 1),
            "kb_mib": round(path.stat().st_size / 2**20, 1)}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2),
            "n": len(ordered)}


def bench_search(work: Path, articles: int) -> dict[str, Any]:
    from kb.publish import publish

    kb_path = work / "kb-search.db"
    kb_path.unlink(missing_ok=True)
    out: dict[str, Any] = {"kb": build_kb(kb_path, articles)}
    started = time.perf_counter()
    snap = publish(kb_path, work / "published-search" / "pantau.db")
    out["publish"] = {"seconds": round(time.perf_counter() - started, 1),
                      "snapshot_mib": round(snap.size / 2**20, 1)}
    con = sqlite3.connect(f"file:{snap.path}?mode=ro", uri=True)
    page_sql = ("SELECT a.id, a.title, a.published FROM article_fts f JOIN article a"
                " ON a.id = f.rowid WHERE article_fts MATCH ? ORDER BY f.rank LIMIT 100")
    count_sql = ("SELECT count(*) FROM article WHERE rowid IN"
                 " (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)")
    timings: dict[str, list[float]] = {"rows_by_rank": [], "count": []}
    hits = {}
    for query in SEARCHES:
        for _ in range(QUERY_REPEATS):
            for kind, sql in (("rows_by_rank", page_sql), ("count", count_sql)):
                t = time.perf_counter()
                result = con.execute(sql, (query,)).fetchall()
                timings[kind].append(time.perf_counter() - t)
                if kind == "count":
                    hits[query] = result[0][0]
    con.close()
    out["fts_sqlite"] = {k: percentiles(v) for k, v in timings.items()}
    out["fts_hits"] = hits
    out["fts_datasette"] = asyncio.run(datasette_search(snap.path))
    return out


async def datasette_search(snapshot: Path) -> dict[str, Any]:
    """`/pantau/article.json?_search=…` through Datasette's app (no network), as a user sees it:
    with Datasette's defaults (facet suggestions on), and with ``_nosuggest=1``."""
    from datasette.app import Datasette

    ds = Datasette(immutables=[str(snapshot)],
                   settings={"sql_time_limit_ms": 3000, "max_returned_rows": 2000})
    out = {}
    for label, extra in (("default", {}), ("nosuggest", {"_nosuggest": "1"})):
        samples = []
        for query in SEARCHES:
            for _ in range(QUERY_REPEATS):
                t = time.perf_counter()
                response = await ds.client.get(
                    "/pantau/article.json", params={"_search": query, "_size": "50", **extra})
                samples.append(time.perf_counter() - t)
                assert response.status_code == 200, response.text[:300]
        out[label] = percentiles(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="synthetic pages to crawl")
    parser.add_argument("--kb-articles", type=int, default=200_000, help="synthetic KB size")
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp dir)")
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--ingest-pages", type=int, default=0,
                        help="also time ingest alone on this many pages (part 1b)")  # fmt: skip
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="pantau-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                              "workdir": str(work)}
    started = time.perf_counter()
    if not args.skip_search:  # first: it does not need the crawler's reactor
        report["search"] = bench_search(work, args.kb_articles)
        print(json.dumps(report["search"], indent=2), file=sys.stderr, flush=True)
    if args.ingest_pages:
        report["ingest"] = bench_ingest(work, args.ingest_pages)
        print(json.dumps(report["ingest"], indent=2), file=sys.stderr, flush=True)
    if not args.skip_pipeline:
        report["pipeline"] = bench_pipeline(work, args.pages)
    report["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
