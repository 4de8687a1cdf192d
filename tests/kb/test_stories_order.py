"""Stories and persons do not depend on the order articles were stored in (issue 16).

Two processing workers store pages in another order than one process, so article and person
ids differ; story clustering and person resolution must break their ties by content (article
URL, person name), never by id. The same near-tied articles are stored in several orders and
everything the resolution derives — story groups as URL sets, originals, ``syndicated_of`` as
URL, ``story_rule``, ``story_score``, canonical names, and merges as names in their stored
order — must be the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kb.store import KB, sqlite_url
from tests.kb.factory import add, official

NTT = "Nusa Tenggara Timur"
OUTLETS = ["fp", "ks", "sl", "vn", "tx", "ek"]
TEMPAT = ["Maumere", "Ende", "Kefamenanu", "Atambua", "Ruteng", "Bajawa"]
# spelling variants of equal length (the same fullness: only the id told them apart) and a
# short form that fits two written forms of one person (which one the merge names)
BUPATI = [official("Yohanes Wara Lodo", "Bupati Sikka", NTT),
          official("Yohanis Wara Lodo", "Bupati Sikka", NTT)]  # fmt: skip
GUBERNUR = [official("Emanuel Melkiades Laka Lena", "Gubernur NTT", NTT),
            official("Melki Laka Lena", "Gubernur NTT", NTT),
            official("Melki Lena", "Gubernur NTT", NTT)]  # fmt: skip

# A wire release reposted word for word by every outlet at the same minute: the original and
# each copy's syndicated_of are ties of publication time and similarity.
RILIS = (
    "Pemerintah Provinsi Nusa Tenggara Timur bersama BPJS Ketenagakerjaan menyerahkan santunan"
    " kepada ahli waris nelayan yang meninggal saat melaut di perairan Flores. Santunan diserahkan"
    " langsung di kantor gubernur dan disaksikan para kepala dinas. Pemerintah berharap seluruh"
    " nelayan di pesisir utara segera terdaftar sebagai peserta jaminan sosial."
)


def kartu(n: int) -> str:
    """Card hand-overs of one template: every pair differs by the same few words, so every text
    link has the same similarity and every cap and join is a tie."""
    return (
        f"Bupati menyerahkan kartu peserta BPJS Ketenagakerjaan kepada pekerja rentan di"
        f" {TEMPAT[n % len(TEMPAT)]}. Penyerahan kartu dilakukan di aula kantor bupati dan"
        " disaksikan para camat serta kepala desa. Para pekerja rentan yang menerima kartu"
        " terdiri atas petani, nelayan dan pedagang kecil. Iuran mereka dibayar dari anggaran"
        " daerah selama satu tahun penuh. Kepala kantor cabang berharap kepesertaan terus"
        f" bertambah. Penerima tahap ke-{n} tercatat {200 + n} orang."
    )


Spec = dict[str, Any]


def specs() -> list[Spec]:
    """The articles, in their first order (our own text)."""
    out: list[Spec] = []
    for k, outlet in enumerate(OUTLETS):
        out.append({"url": f"https://{outlet}.test/santunan-nelayan", "text": RILIS,
                    "source": outlet, "published": "2025-08-04T09:00:00+08:00",
                    "officials": [GUBERNUR[k % 3]], "amounts": (150_000_000,)})
    for n in range(36):
        outlet = OUTLETS[n % len(OUTLETS)]
        out.append({"url": f"https://{outlet}.test/kartu-{n}", "text": kartu(n), "source": outlet,
                    "published": f"2025-08-{10 + n % 3:02d}T{8 + n % 2:02d}:00:00+08:00",
                    "officials": [BUPATI[n % 2]], "counts": (5000 + n % 4,),
                    "amounts": (2_000_000_000 + n % 3,)})
    return out


def build(path: Path, order: list[Spec]) -> dict[str, Any]:
    """Store ``order`` in a new KB, resolve, and read what resolution derived, ids left out."""
    kb = KB(sqlite_url(path))
    try:
        for s in order:
            add(kb, **s)
        kb.resolve()
        with kb.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT a.url, a.story_id, a.original, a.syndicated, s.url, a.story_rule,"
                " a.story_score FROM article a LEFT JOIN article s ON s.id = a.syndicated_of"
            )).all()
            canonical: dict[str, str] = dict(conn.execute(text(
                "SELECT p.name, coalesce(c.name, p.name) FROM person p"
                " LEFT JOIN person c ON c.id = p.canonical_id")).all())
            merges = [tuple(r) for r in conn.execute(text(
                "SELECT a.name, b.name, m.rule, m.score, m.detail FROM person_merge m"
                " JOIN person a ON a.id = m.person_id JOIN person b ON b.id = m.other_id"
                " ORDER BY m.id"))]
    finally:
        kb.close()
    groups: dict[int, set[str]] = {}
    for url, story, *_ in rows:
        if story is not None:
            groups.setdefault(story, set()).add(url)
    articles = {
        url: (frozenset(groups[story]) if story is not None else None, bool(original),
              bool(syndicated), of, rule, score)
        for url, story, original, syndicated, of, rule, score in rows
    }  # fmt: skip
    return {"articles": articles, "canonical": canonical,
            "merges": merges}  # as stored: the pair's order and the rows' order too


def shuffled(seed: int) -> Callable[[list[Spec]], list[Spec]]:
    def shuffle(items: list[Spec]) -> list[Spec]:
        out = list(items)
        random.Random(seed).shuffle(out)
        return out

    return shuffle


ORDERS: list[tuple[str, Callable[[list[Spec]], list[Spec]]]] = [
    ("reversed", lambda items: items[::-1]),
    ("shuffled-7", shuffled(7)),
    ("shuffled-16", shuffled(16)),
    ("shuffled-2025", shuffled(2025)),
]


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build(tmp_path_factory.mktemp("order") / "kb.db", specs())


def test_the_fixture_is_full_of_ties(first: dict[str, Any]) -> None:
    """The case is worth testing: several stories, copies, capped template links."""
    got = first["articles"]
    stories = {g for g, *_ in got.values() if g is not None}
    assert len(stories) >= 3
    assert sum(1 for v in got.values() if v[2]) >= 5  # syndicated copies
    assert {v[4] for v in got.values()} >= {"original", "text"}
    # equally full spellings: the alphabetically first is canonical; a short form that fits
    # two names of one person is merged with the fullest
    assert first["canonical"]["Yohanis Wara Lodo"] == "Yohanes Wara Lodo"
    assert [m[:3] for m in first["merges"]] == [
        ("Emanuel Melkiades Laka Lena", "Melki Laka Lena", "short_name"),
        ("Emanuel Melkiades Laka Lena", "Melki Lena", "short_name"),
        ("Yohanes Wara Lodo", "Yohanis Wara Lodo", "spelling"),
    ]


@pytest.mark.parametrize(("name", "reorder"), ORDERS, ids=[n for n, _ in ORDERS])
def test_another_store_order_derives_the_same(
    first: dict[str, Any], tmp_path: Path, name: str, reorder: Callable[[list[Spec]], list[Spec]]
) -> None:
    got = build(tmp_path / "kb.db", reorder(specs()))
    differ = {url: (first["articles"].get(url), v) for url, v in got["articles"].items()
              if first["articles"].get(url) != v}  # fmt: skip
    assert differ == {}
    assert got["canonical"] == first["canonical"]
    assert got["merges"] == first["merges"]
