"""Story clustering: wire copies flagged syndicated, rewritten reports joined by shared facts,
unrelated articles kept apart, overrides, stable ids; and the demo site's `story:` keys as the
oracle on real pipeline output (clean + extract of every demo page)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kb.resolve import Overrides
from kb.store import KB, sqlite_url
from kb.stories import STORY_SPAN_DAYS, Doc, cluster_stories, jaccard, shingles, signatures
from tests.kb.conftest import table_rows
from tests.kb.factory import add, official

NTT, TTU = "Nusa Tenggara Timur", "Timor Tengah Utara"
BUPATI = official("Yosep Falentinus Delasalle Kebo", "Bupati TTU", TTU,
                  "Pemerintah Kabupaten Timor Tengah Utara")
KABID = official("Wawan Burhanuddin", "Kepala BPJS Ketenagakerjaan Provinsi NTT", NTT,
                 "BPJS Ketenagakerjaan")

RILIS = (
    "Pemerintah Kabupaten Timor Tengah Utara bersama BPJS Ketenagakerjaan meluncurkan program"
    " perlindungan bagi 14.880 pekerja rentan di Kefamenanu pada Senin. Seluruh iuran para"
    " pekerja ditanggung APBD dengan anggaran sekitar Rp3 miliar untuk satu tahun. Bupati"
    " menyebut petani, nelayan dan tukang ojek menjadi sasaran utama program tersebut. Kepala"
    " kantor wilayah menambahkan bahwa cakupan kepesertaan di kabupaten itu naik menjadi 45,83"
    " persen setelah peluncuran. Pendaftaran dilakukan lewat kantor desa masing-masing."
)
SALINAN = RILIS.replace("pada Senin", "pada Senin pagi") + " (rilis)"
TULIS_ULANG = (
    "Sebanyak 14.880 warga TTU yang bekerja di sektor informal kini terlindungi jaminan sosial."
    " Bupati Yosep Falentinus Delasalle Kebo memastikan APBD membayar iuran mereka, sekitar Rp3"
    " miliar setahun, sehingga keluarga pekerja tidak menanggung risiko sendirian."
)
TEMPAT = ["Waingapu", "Ruteng", "Maumere", "Atambua", "Bajawa", "Larantuka", "Kalabahi", "Soe",
          "Ende", "Borong", "Mbay", "Lewoleba", "Seba", "Betun", "Tambolaka", "Waikabubak"]
TOPIK = ["layanan klaim", "pendaftaran nelayan", "tunggakan iuran perusahaan", "data peserta desa",
         "santunan ahli waris", "kepesertaan petani", "pelatihan kader", "kartu peserta baru"]


def lain(i: int) -> str:
    """Other news: each its own text, sharing only the provincial head with the others."""
    return (f"Kantor cabang {TEMPAT[i]} menggelar pertemuan soal {TOPIK[i % 8]} pada pekan ke-{i}."
            f" Warga {TEMPAT[-1 - i]} ikut hadir dan bertanya tentang {TOPIK[(i + 3) % 8]}.")


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[KB]:
    store = KB(sqlite_url(tmp_path / "kb.db"))
    yield store
    store.close()


def articles(kb: KB) -> dict[str, dict[str, Any]]:
    with kb.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.url, a.story_id, a.original, a.syndicated, s.url AS of, a.story_rule"
            " FROM article a LEFT JOIN article s ON s.id = a.syndicated_of"
        )).mappings().all()
    return {r["url"]: dict(r) for r in rows}


def launch_story(kb: KB) -> None:
    add(kb, "https://fp.test/rilis", RILIS, source="fp", published="2025-07-07T10:00:00+08:00",
        officials=[BUPATI, KABID], counts=(14880,), amounts=(3_000_000_000,), percents=(45.83,),
        events=(("launch", "2025-07-07"),))
    add(kb, "https://ks.test/salinan", SALINAN, source="ks",
        published="2025-07-07T15:00:00+08:00", officials=[BUPATI, KABID], counts=(14880,),
        amounts=(3_000_000_000,), percents=(45.83,), events=(("launch", "2025-07-07"),))
    add(kb, "https://sl.test/tulis-ulang", TULIS_ULANG, source="sl",
        published="2025-07-08T09:00:00+08:00", officials=[BUPATI], counts=(14880,),
        amounts=(3_000_000_000,))
    # background: other news, so that the launch's facts are rare in the corpus
    for i in range(16):
        add(kb, f"https://ks.test/lain-{i}", lain(i),
            source="ks", published=f"2025-08-{1 + i:02d}T10:00:00+08:00", officials=[KABID],
            counts=(100 + i,))


def test_copy_is_syndicated_and_rewrite_joins_by_facts(kb: KB) -> None:
    launch_story(kb)
    report = kb.resolve()["stories"]
    got = articles(kb)
    story = got["https://fp.test/rilis"]["story_id"]
    assert story is not None
    assert got["https://ks.test/salinan"]["story_id"] == story
    assert got["https://sl.test/tulis-ulang"]["story_id"] == story
    assert got["https://fp.test/rilis"]["original"] and got["https://fp.test/rilis"]["story_rule"] == "original"
    assert got["https://ks.test/salinan"]["syndicated"]
    assert got["https://ks.test/salinan"]["of"] == "https://fp.test/rilis"
    assert got["https://ks.test/salinan"]["story_rule"] == "text"
    assert not got["https://sl.test/tulis-ulang"]["syndicated"]
    assert got["https://sl.test/tulis-ulang"]["story_rule"] == "shared_facts"
    # the background articles share one official and the same boilerplate, not the event
    assert {v["story_id"] for k, v in got.items() if "lain" in k} == {None}
    assert report["stories"] == 1 and report["syndicated"] == 1
    with kb.engine.connect() as conn:
        row = conn.execute(text("SELECT articles, outlets, syndicated, original_article_id,"
                                " title FROM story")).one()
    assert tuple(row)[:3] == (3, 3, 1) and row.title == RILIS[:60]


def test_same_facts_months_apart_are_different_stories(kb: KB) -> None:
    launch_story(kb)
    add(kb, "https://fp.test/setahun", TULIS_ULANG, source="fp",
        published="2026-07-07T10:00:00+08:00", officials=[BUPATI], counts=(14880,),
        amounts=(3_000_000_000,))
    kb.resolve()
    got = articles(kb)
    assert got["https://fp.test/setahun"]["story_id"] is None


def test_overrides_and_stable_ids(kb: KB, tmp_path: Path) -> None:
    launch_story(kb)
    kb.resolve()
    story = articles(kb)["https://fp.test/rilis"]["story_id"]
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "stories:\n"
        "  forbid:\n    - [https://fp.test/rilis, https://sl.test/tulis-ulang]\n"
        "    - [https://ks.test/salinan, https://sl.test/tulis-ulang]\n"
        "  force:\n    - [https://ks.test/lain-0, https://ks.test/lain-1]\n",
        encoding="utf-8",
    )
    kb.resolve(Overrides.load(path))
    got = articles(kb)
    assert got["https://sl.test/tulis-ulang"]["story_id"] is None
    assert got["https://ks.test/salinan"]["story_id"] == story  # the id survives re-clustering
    assert got["https://ks.test/lain-0"]["story_id"] == got["https://ks.test/lain-1"]["story_id"]
    assert got["https://ks.test/lain-1"]["story_rule"] == "override"


def test_clustering_twice_changes_nothing(kb: KB) -> None:
    launch_story(kb)
    kb.resolve()
    before = table_rows(kb, "story", "article")
    kb.resolve()
    assert table_rows(kb, "story", "article") == before


# -- the demo site's story keys as the oracle ---------------------------------------------------
@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KB, dict[str, Any]]]:
    """Every demo page rendered, cleaned and extracted in this process, ingested, resolved."""
    from pantau.demosite import DemoSite
    from pantau.pipeline import article_url, pipeline_version, process_one

    site = DemoSite()
    store = KB(sqlite_url(tmp_path_factory.mktemp("demo") / "kb.db"))
    version = pipeline_version()
    keys: dict[str, Any] = {}
    for a in site.articles:
        if a.meta.get("topic") == "off":
            continue
        status, ctype, body = site.render(a.outlet.host, a.path)
        assert status == 200
        result = process_one(a.url, body.encode("utf-8"), ctype)
        assert result["outcome"] == "article", (a.id, result)
        article = result["article"]
        article["url"] = article_url(a.url, article.get("url"))
        keys[article["url"]] = a.meta.get("story")
        store.ingest(page_url=a.url, source=a.outlet.name,
                     page_sha256=hashlib.sha256(body.encode()).hexdigest(), fetched_at=None,
                     article=article, facts=result["facts"], extractor_version=version)
    store.resolve()
    yield store, keys
    store.close()


def test_demo_stories_match_the_story_keys(demo_kb: tuple[KB, dict[str, Any]]) -> None:
    kb, keys = demo_kb
    got = articles(kb)
    assert set(got) == set(keys)
    wrong = []
    for x, y in itertools.combinations(sorted(keys), 2):
        expected = keys[x] is not None and keys[x] == keys[y]
        clustered = got[x]["story_id"] is not None and got[x]["story_id"] == got[y]["story_id"]
        if expected != clustered:
            wrong.append((x, keys[x], y, keys[y]))
    assert wrong == []
    # each story's original is its earliest article
    with kb.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.id, s.original_article_id, (SELECT a.id FROM article a WHERE a.story_id = s.id"
            " ORDER BY a.published, a.id LIMIT 1) FROM story s")).all()
    assert rows and all(orig == first for _, orig, first in rows)


def test_demo_persons_resolved(demo_kb: tuple[KB, dict[str, Any]]) -> None:
    kb, _ = demo_kb
    with kb.engine.connect() as conn:
        row = conn.execute(text(
            "SELECT c.name, m.rule FROM person p JOIN person c ON c.id = p.canonical_id"
            " JOIN person_merge m ON p.id IN (m.person_id, m.other_id)"
            " WHERE p.name = 'Melki Laka Lena'")).one()
    assert tuple(row) == ("Emanuel Melkiades Laka Lena", "short_name")


# -- no chaining -------------------------------------------------------------------------------
def harga(hari: int) -> str:
    """A daily price report: the same template every day, other figures (our own text)."""
    return (f"Harga beras medium di Pasar Inpres Naikoten pada hari ke-{hari} tercatat"
            f" Rp12.{hari:03d} per kilogram. Harga cabai rawit dan bawang merah relatif stabil karena pasokan dari"
            " petani di Kabupaten Kupang masih lancar, kata para pedagang yang ditemui pagi ini.")


def test_a_daily_series_is_not_chained_into_one_story(kb: KB) -> None:
    """Each report is like the next few days' (text links inside the window), so linked pairs
    chained every day of the month into one story; a story now spans at most the window."""
    for hari in range(1, 21):
        add(kb, f"https://fp.test/harga-{hari}", harga(hari), source="fp",
            published=f"2025-08-{hari:02d}T07:00:00+08:00")
    report = kb.resolve()["stories"]
    with kb.engine.connect() as conn:
        spans = conn.execute(text(
            "SELECT articles, julianday(last_published) - julianday(first_published) FROM story"
        )).all()
    assert report["links"]["text"] > 20 and len(spans) > 1
    assert report["largest_story"] == max(n for n, _ in spans) <= 5
    assert all(days <= STORY_SPAN_DAYS for _, days in spans)


@pytest.mark.parametrize(("a", "b", "low", "high"), [
    (RILIS, RILIS, 1.0, 1.0),
    (RILIS, SALINAN, 0.85, 0.99),  # a copy with a word and a tag added
    (RILIS, TULIS_ULANG, 0.0, 0.1),  # a rewrite shares facts, not sentences
    (lain(0), lain(1), 0.0, 0.3),
    ("", RILIS, 0.0, 0.0),
])
def test_text_similarity_exact_and_estimated(a: str, b: str, low: float, high: float) -> None:
    """Exact Jaccard of the shingle hashes, and the MinHash estimate within 0.15 of it."""
    sa, sb = shingles(a), shingles(b)
    exact = jaccard(sa, sb)
    assert low <= exact <= high
    if len(sa) and len(sb):
        docs = [Doc(1, "a", "x", None, "", sa), Doc(2, "b", "x", None, "", sb)]
        sig = signatures(docs)
        assert abs(float((sig[0] == sig[1]).mean()) - exact) < 0.15


def test_a_batch_reclusters_only_the_windows_it_touches(kb: KB) -> None:
    """After a processing batch (an unfinished extraction run), only the articles within two
    story windows of the batch's articles, and their stories, are clustered again; the result
    is what clustering everything gives."""
    launch_story(kb)
    kb.resolve()
    run = kb.start_extraction_run("uji")
    add(kb, "https://vn.test/salinan-siang", SALINAN + " (ulang)", source="vn",
        published="2025-07-08T11:00:00+08:00", officials=[BUPATI, KABID], counts=(14880,),
        amounts=(3_000_000_000,))
    report = kb.resolve()["stories"]
    assert (report["clustered"], report["articles"]) == (4, 20)  # the launch story + the new copy
    got = articles(kb)
    assert got["https://vn.test/salinan-siang"]["story_id"] == got["https://fp.test/rilis"][
        "story_id"]
    assert got["https://vn.test/salinan-siang"]["syndicated"]
    before = table_rows(kb, "story", "article")
    assert cluster_stories(kb.engine, everything=True)["clustered"] == 20
    assert table_rows(kb, "story", "article") == before
    kb.finish_extraction_run(run)
    assert kb.resolve()["stories"]["clustered"] == 20  # no batch: everything


def test_clustering_and_a_batch_on_sqlite_and_postgresql(db_url: str) -> None:
    store = KB(db_url)
    try:
        launch_story(store)
        assert store.resolve()["stories"]["stories"] == 1
        run = store.start_extraction_run("uji")
        add(store, "https://vn.test/salinan-siang", SALINAN + " (ulang)", source="vn",
            published="2025-07-08T11:00:00+08:00", officials=[BUPATI, KABID], counts=(14880,),
            amounts=(3_000_000_000,))
        report = store.resolve()["stories"]
        assert (report["clustered"], report["stories"], report["largest_story"]) == (4, 1, 4)
        store.finish_extraction_run(run)
    finally:
        store.close()
