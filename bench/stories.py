"""Person resolution and story clustering at scale (run by hand; prints a JSON report).

    .venv/bin/python -m bench.stories                  # realistic 1k, 9k, 100k; templated 1k, 9k
    .venv/bin/python -m bench.stories --sizes 1000 9000 --corpus realistic --profile

Two synthetic corpora, bulk-inserted straight into a fresh KB (the real schema):

- ``realistic`` — news as outlets write it: events (a launch, a hand-over, a visit …) each
  covered by one to a dozen outlets over a few days, as wire copies with small edits or as
  rewrites in other words that share the event's figures; the same officials across many
  events, written in full, as a short form ("Melki Laka Lena") or misspelt; each outlet's own
  boilerplate paragraph; daily price reports of one template with other numbers (near-duplicate
  texts that are *different* stories). The event behind each article is known, so the report
  gives pair precision and recall of the clustering against it.
- ``templated`` — the corpus of :mod:`bench.pipeline` (every article from the same few
  sentence templates, random officials and figures; no two articles report the same event):
  the chaining stress test, on which all articles once ended in one story.

Each size is built in one subprocess, then resolved in another (``resolve_persons`` and
``cluster_stories`` timed apart, CPU seconds, peak RSS of that process). Reported per size:
seconds, peak MiB, stories, largest story, pair precision/recall (realistic only).
Everything is fictional and generated here.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import json
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.pipeline import (  # noqa: E402
    FILLER,
    GROUPS,
    OFFICIALS,
    REGIONS,
    ROLES,
    SEED,
    VERBS,
    Vocabulary,
    _insert_rows,
)

ARTICLES_PER_DAY = 120  # a busy regional desk: ~10 outlets × ~12 stories a day
BATCH = 300  # articles of a daily processing batch, for the incremental clustering figure
RUN_CAP_S = 900  # one size's resolution, at most this long (then reported as not finished)
# outlets: (name, Kemendagri region code) — three zones, so local days differ
OUTLETS = [("flobamora-pos", "53"), ("kabar-sasando", "53.71"), ("suara-lontar", "53.03"),
           ("warta-timor", "53.04"), ("sinar-sumba", "53.12"), ("pena-flores", "53.09"),
           ("bali-harian", "51"), ("makassar-kini", "73"), ("jakarta-rilis", "31"),
           ("surabaya-pagi", "35"), ("papua-terkini", "94"), ("maluku-news", "81")]
EVENT_TYPES = ["launch", "handover", "working_visit", "mou", "award", "socialization"]
POS_TITLES = ["Bupati", "Wakil Bupati", "Kepala Dinas Tenaga Kerja", "Camat", "Kepala Desa",
              "Kepala BPJS Ketenagakerjaan Cabang", "Sekretaris Daerah", "Ketua DPRD",
              "Kepala Dinas Sosial", "Kepala Dinas Kesehatan"]
GIVEN = ["Yosep", "Maria", "Agustinus", "Yohanes", "Fransiskus", "Kamillus", "Wawan", "Theresia",
         "Dominikus", "Veronika", "Petrus", "Margaretha", "Stefanus", "Regina", "Aloysius",
         "Melkiades", "Bernadus", "Kristoforus", "Gregorius", "Antonius", "Yuliana", "Ignasius"]
FAMILY = ["Kebo", "Elu", "Seran", "Nahak", "Bria", "Mau", "Burhanuddin", "Lake", "Tallo", "Ndun",
          "Bere", "Manek", "Djami", "Riwu", "Wangge", "Sogen", "Openg", "Laka", "Fernandez",
          "Pah", "Taolin", "Lelo", "Sinlae", "Nope", "Amalo", "Benu", "Kolo", "Neno"]
HEADS = 3  # provincial heads quoted in a large share of all articles (their facts say little)


# -- the realistic corpus ----------------------------------------------------------------------
class Official:
    def __init__(self, rng: random.Random, k: int) -> None:
        self.title = rng.choice(POS_TITLES)
        self.region = REGIONS[k % len(REGIONS)]
        g, f = len(GIVEN), len(FAMILY)  # k → a distinct (given, family, family) triple
        words = [GIVEN[k % g], FAMILY[(k // g) % f], FAMILY[(k // g // f) % f]]
        if rng.random() < 0.3:
            words.insert(1, rng.choice(GIVEN))  # a second given name
        self.full = " ".join(words if rng.random() < 0.8 else words[:2])
        self.org = f"Pemerintah Kabupaten {self.region}"

    def written(self, rng: random.Random) -> str:
        """The name as an outlet writes it: mostly in full, sometimes short or misspelt."""
        words = self.full.split()
        roll = rng.random()
        if roll < 0.15 and len(words) >= 3:
            return " ".join(words[1:])  # the first given name left out
        if roll < 0.2:
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 5:
                words[i] = w[:3] + w[4:]  # a letter dropped: Burhanuddin → Burhnuddin
            return " ".join(words)
        return self.full


def _words(vocab: Vocabulary, rng: random.Random, n: int) -> str:
    return vocab.text(rng, n)


def realistic(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` articles (dicts with url, outlet, title, text, published, facts, story)."""
    vocab = Vocabulary(rng)
    officials = [Official(rng, k) for k in range(max(60, n // 40))]
    heads = officials[:HEADS]
    boiler = {o: _words(vocab, random.Random(o), 40) for o, _ in OUTLETS}
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    out: list[dict[str, Any]] = []
    story = 0
    while len(out) < n:
        story += 1
        day = (len(out) // ARTICLES_PER_DAY)
        when = start + dt.timedelta(days=day, hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        if rng.random() < 0.05:  # a daily price report: one outlet, one template
            outlet = OUTLETS[story % 2][0]
            body = (f"Harga beras medium di pasar {REGIONS[day % 5]} hari ini"
                    f" Rp{rng.randint(9, 16)}.{rng.randint(100, 999)} per kilogram."
                    " Harga cabai rawit Rp"
                    f"{rng.randint(20, 90)}.000 per kilogram dan bawang merah Rp"
                    f"{rng.randint(20, 60)}.000. Pedagang menyebut pasokan dari petani"
                    " masih lancar sehingga harga relatif stabil dibanding pekan lalu.")
            out.append({"url": f"https://{outlet}.test/harga/{story}", "outlet": outlet,
                        "title": f"Harga bahan pokok di {REGIONS[day % 5]} hari ini",
                        "text": body + "\n" + boiler[outlet], "published": when,
                        "facts": {}, "story": f"s{story}"})
            continue
        size = min(12, 1 + int(rng.expovariate(0.45)))  # most events one or two outlets
        lead = rng.choice(officials)
        people = [lead, *rng.sample(heads, rng.choice((0, 0, 1)))]
        region = lead.region
        group = rng.choice(GROUPS)
        count = rng.randint(12, 48_000)
        amount = rng.randint(1, 999) * rng.choice((10**6, 10**9))
        percent = round(rng.uniform(5, 99), 2)
        kind = rng.choice(EVENT_TYPES)
        event_day = when.date()
        topic = _words(vocab, rng, 120)
        verb = rng.choice(VERBS)
        release = (f"Pemerintah daerah {region} bersama BPJS Ketenagakerjaan {verb} {count:,}"
                   f" {group}. {lead.title} {region}, {lead.full}, mengatakan dana Rp{amount:,}"
                   f" disiapkan untuk {rng.choice(ROLES)} para peserta. {topic} Cakupan"
                   f" kepesertaan baru mencapai {percent} persen.").replace(",", ".")
        outlets = rng.sample(OUTLETS, size)
        for k, (outlet, _) in enumerate(outlets):
            published = when + dt.timedelta(hours=0 if k == 0 else rng.randint(1, 60))
            written = {p.full: p.written(rng) for p in people}
            if k == 0 or rng.random() < 0.4:  # a wire copy of the release, lightly edited
                words = release.split()
                for _ in range(rng.randint(0, 6)):
                    words[rng.randrange(len(words))] = rng.choice(vocab.words[:200])
                body = " ".join(words)
            else:  # a rewrite: the event's figures in other words
                body = (f"{_words(vocab, rng, 40)} Sebanyak {count:,} {group} di {region} kini"
                        f" terlindungi. {written[lead.full]} menyebut anggaran Rp{amount:,}."
                        f" {_words(vocab, rng, 60)} {rng.choice(FILLER)}").replace(",", ".")
            for p in people[1:]:
                body += f" {p.title} {p.region} {written[p.full]} turut hadir."
            facts = {
                "officials": [{"name": written[p.full], "title": f"{p.title} {p.region}",
                               "region": p.region, "organization": p.org} for p in people],
                "counts": [count], "amounts": [amount],
                "percents": [percent] if rng.random() < 0.7 else [],
                "events": [(kind, event_day.isoformat())] if rng.random() < 0.6 else [],
            }
            out.append({"url": f"https://{outlet}.test/berita/{story}-{k}", "outlet": outlet,
                        "title": body[:70], "text": body + "\n" + boiler[outlet],
                        "published": published, "facts": facts, "story": f"s{story}"})
            if len(out) >= n:
                break
    return out


def templated(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """The bench.pipeline corpus: same templates, random officials and figures; no true story."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        region = rng.choice(REGIONS)
        title_pos, name = rng.choice(OFFICIALS)
        count, group = rng.randint(12, 48_000), rng.choice(GROUPS)
        amount = rng.randint(1, 999) * rng.choice((10**6, 10**9))
        percent = rng.randint(10, 99)
        when = start + dt.timedelta(days=rng.randint(0, max(1, n // 225)),
                                    hours=rng.randint(0, 23))
        verb = rng.choice(VERBS)
        text = "\n\n".join([
            f"Pemerintah daerah {region} bersama BPJS Ketenagakerjaan {verb} {count:,}"
            f" {group} pada {when:%d/%m/%Y}.".replace(",", "."),
            f"{title_pos} {region}, {name}, mengatakan dana Rp{amount:,} disiapkan untuk"
            f" {rng.choice(ROLES)} para peserta.".replace(",", "."),
            f'"Kami ingin {group} bekerja dengan tenang karena keluarga terlindungi," ujar {name}.',
            f"Cakupan kepesertaan di daerah itu baru mencapai {percent} persen dari target.",
            *rng.sample(FILLER, 3),
        ])
        outlet = OUTLETS[i % 3][0]
        out.append({"url": f"https://{outlet}.test/sintetis/{i}", "outlet": outlet,
                    "title": f"BPJS Ketenagakerjaan di {region} ({i})", "text": text,
                    "published": when, "story": f"t{i}",
                    "facts": {"officials": [{"name": name, "title": f"{title_pos} {region}",
                                             "region": region, "organization": None}],
                              "counts": [count], "amounts": [amount], "percents": [percent],
                              "events": []}})
    return out


def build(path: Path, corpus: str, n: int) -> dict[str, Any]:
    """A fresh KB at ``path`` with ``n`` articles of ``corpus``; the true story of each URL."""
    import sqlite3

    from kb.store import KB, sqlite_url

    KB(sqlite_url(path)).close()
    rng = random.Random(SEED + n)
    docs = (realistic if corpus == "realistic" else templated)(n, rng)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    outlet_id = {name: k + 1 for k, (name, _) in enumerate(OUTLETS)}
    persons: dict[str, int] = {}
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in
                                             ("article", "person", "mention", "worker_count",
                                              "amount", "percentage", "event")}
    ev = {"start": 0, "end": 1, "sentence": "kalimat", "extractor": "bench", "version": "bench",
          "confidence": 0.9, "text": "fakta"}
    for aid, d in enumerate(docs, 1):
        sha = hashlib.sha256(d["url"].encode()).hexdigest()
        published = d["published"]
        rows["article"].append({
            "id": aid, "url": d["url"], "outlet_id": outlet_id[d["outlet"]], "title": d["title"],
            "text": d["text"], "published": published.isoformat(sep=" ").replace("+00:00", ""),
            "month": published.strftime("%Y-%m"), "content_sha256": sha, "page_sha256": sha,
            "extractor_version": "bench", "processed_at": published.isoformat(),
            "authors": "[]", "tags": "[]", "boilerplate": "[]", "previous_sha256": "[]"})
        f = d["facts"]
        for o in f.get("officials", []):
            pid = persons.setdefault(o["name"], len(persons) + 1)
            rows["mention"].append({**ev, "article_id": aid, "person_id": pid, "name": o["name"],
                                    "title": o["title"], "region": o["region"],
                                    "organization": o["organization"]})
        for v in f.get("counts", []):
            rows["worker_count"].append({**ev, "article_id": aid, "value": v, "noun": "pekerja"})
        for v in f.get("amounts", []):
            rows["amount"].append({**ev, "article_id": aid, "value": v, "currency": "IDR"})
        for v in f.get("percents", []):
            rows["percentage"].append({**ev, "article_id": aid, "value": v})
        for kind, day in f.get("events", []):
            rows["event"].append({**ev, "article_id": aid, "type": kind, "date": day})
    rows["person"] = [{"id": pid, "name": name, "aliases": "[]", "merged_names": "[]"}
                      for name, pid in persons.items()]
    with con:
        _insert_rows(con, "outlet", [{"id": outlet_id[name], "name": name, "title": name,
                                      "region_code": code} for name, code in OUTLETS])
        for table in ("article", "person", "mention", "worker_count", "amount", "percentage",
                      "event"):
            if rows[table]:
                _insert_rows(con, table, rows[table])
    con.close()
    return {d["url"]: d["story"] for d in docs}


def pair_scores(truth: dict[str, str], got: dict[str, int | None]) -> dict[str, float]:
    """Pair precision and recall of the clustering against the true stories."""

    def pairs(c: Counter[Any]) -> int:
        return sum(k * (k - 1) // 2 for k in c.values())

    predicted = {u: (s if s is not None else f"alone-{u}") for u, s in got.items()}
    both = pairs(Counter((truth[u], predicted[u]) for u in truth))
    p_pred, p_true = pairs(Counter(predicted.values())), pairs(Counter(truth.values()))
    return {"pair_precision": round(both / p_pred, 3) if p_pred else 1.0,
            "pair_recall": round(both / p_true, 3) if p_true else 1.0}


def resolve_child(path: Path, truth_path: Path, profile: bool) -> dict[str, Any]:
    """Run in a subprocess: resolve persons and cluster stories, timed apart."""
    import sqlite3

    from kb.resolve import resolve_persons
    from kb.store import KB, sqlite_url
    from kb.stories import cluster_stories

    kb = KB(sqlite_url(path))
    out: dict[str, Any] = {}
    prof = cProfile.Profile() if profile else None
    for name, step in (("resolve_persons_s", resolve_persons), ("cluster_stories_s",
                                                                  cluster_stories)):
        started = time.process_time()
        if prof:
            prof.enable()
        report = step(kb.engine)
        if prof:
            prof.disable()
        out[name] = round(time.process_time() - started, 2)
        out[name.removesuffix("_s") + "_report"] = {k: v for k, v in report.items()
                                               if isinstance(v, int | dict)}
    # a daily batch: the newest BATCH articles processed again in an unfinished extraction run
    run = kb.start_extraction_run("bench")
    with kb.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE article SET processed_at = ? WHERE id IN (SELECT id FROM article"
            " ORDER BY published DESC LIMIT ?)", (run.started_at, BATCH))
    started = time.process_time()
    report = cluster_stories(kb.engine)
    out["batch_cluster_stories_s"] = round(time.process_time() - started, 2)
    out["batch_clustered"] = report["clustered"]
    kb.finish_extraction_run(run)
    kb.close()
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    con = sqlite3.connect(path)
    got = dict(con.execute("SELECT url, story_id FROM article").fetchall())
    sizes = Counter(s for s in got.values() if s is not None)
    con.close()
    out["stories"] = len(sizes)
    out["largest_story"] = max(sizes.values(), default=0)
    truth = json.loads(truth_path.read_text())
    if any(not s.startswith("t") for s in truth.values()):
        out.update(pair_scores(truth, got))
    if prof:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
        out["profile"] = buf.getvalue().splitlines()
    return out


def run_size(work: Path, corpus: str, n: int, profile: bool) -> dict[str, Any]:
    path = work / f"{corpus}-{n}.db"
    truth = work / f"{corpus}-{n}.json"
    if not path.exists():
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.stories", "--_build", str(path), corpus,
                        str(n), str(truth)], cwd=REPO, check=True)
        built = round(time.perf_counter() - started, 1)
    else:
        built = 0.0
    try:
        done = subprocess.run([sys.executable, "-m", "bench.stories", "--_resolve", str(path),
                               str(truth), "1" if profile else "0"], cwd=REPO, check=True,
                              capture_output=True, text=True, timeout=RUN_CAP_S)
    except subprocess.TimeoutExpired:
        return {"corpus": corpus, "articles": n, "note": f"not finished after {RUN_CAP_S} s"}
    return {"corpus": corpus, "articles": n, "build_s": built, **json.loads(done.stdout)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--_build":
        path, corpus, n, truth = sys.argv[2:6]
        Path(truth).write_text(json.dumps(build(Path(path), corpus, int(n))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--_resolve":
        print(json.dumps(resolve_child(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "1")))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 9000, 100_000])
    parser.add_argument("--corpus", choices=["realistic", "templated", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="cProfile the resolution")
    parser.add_argument("--workdir", type=Path, help="keep the KBs here (reused when present)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="pantau-cluster-"))
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    corpora = ["realistic", "templated"] if args.corpus == "both" else [args.corpus]
    for corpus in corpora:
        for n in args.sizes:
            if corpus == "templated" and args.corpus == "both" and n > 9000:
                continue  # the templated corpus is a stress test of chaining, not of size
            result = run_size(work, corpus, n, args.profile)
            print(json.dumps({k: v for k, v in result.items() if k != "profile"}),
                  file=sys.stderr, flush=True)
            runs.append(result)
    print(json.dumps({"workdir": str(work), "runs": runs}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
