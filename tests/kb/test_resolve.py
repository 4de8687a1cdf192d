"""Person resolution: pairs that must and must not merge, each merge with its rule; overrides;
positions re-derived from mentions; a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kb.resolve import Overrides, OverridesError, role, short_name_of, spelling_variant, tokens
from kb.store import KB, sqlite_url
from tests.kb.conftest import table_rows
from tests.kb.factory import add, official

NTT, TTU = "Nusa Tenggara Timur", "Timor Tengah Utara"
BPJS = "BPJS Ketenagakerjaan"
PEMPROV = "Pemerintah Provinsi Nusa Tenggara Timur"

# (case, first mention, second mention, expected rule or None = must stay apart)
PAIRS: list[tuple[str, dict[str, Any], dict[str, Any], str | None]] = [
    ("nama pendek, jabatan sama",
     official("Melki Laka Lena", "Gubernur NTT", NTT, PEMPROV),
     official("Emanuel Melkiades Laka Lena", "Gubernur NTT", NTT, PEMPROV), "short_name"),
    ("panggilan 'Gubernur Melki'",
     official("Melki", "Gubernur NTT", NTT, PEMPROV),
     official("Emanuel Melkiades Laka Lena", "Gubernur Nusa Tenggara Timur", NTT, PEMPROV),
     "short_name"),
    ("ejaan: Burhanuddin / Burhauddin",
     official("Wawan Burhanuddin", "Kepala BPJS Ketenagakerjaan Provinsi NTT", NTT, BPJS),
     official("Wawan Burhauddin", "Kepala BPJS Ketenagakerjaan Provinsi NTT", NTT, BPJS),
     "spelling"),
    ("ejaan: Iriawan / Irawan, jabatan ditulis beda",
     official("Pramudya Iriawan Buntoro", "Direktur Utama BPJS Ketenagakerjaan", None, BPJS),
     official("Pramudya Irawan Buntoro", "Dirut BPJS Ketenagakerjaan", None, BPJS), "spelling"),
    ("ejaan: Kamillus / Kamilus",
     official("Kamillus Elu", "Wakil Bupati TTU", TTU, "Pemerintah Kabupaten Timor Tengah Utara"),
     official("Kamilus Elu", "Wakil Bupati TTU", TTU, "Pemerintah Kabupaten Timor Tengah Utara"),
     "spelling"),
    ("alias dari ekstraktor",
     official("Yosep Falentinus Delasalle Kebo", "Bupati TTU", TTU, aliases=["Falen Kebo"]),
     official("Falen Kebo", "Ketua DPC", TTU), "alias"),
    # must stay apart
    ("nama mirip, tak ada jabatan/organisasi bersama",
     official("Andi Saputra", "Kepala Kantor Cabang Perintis BPJS Ketenagakerjaan Kalabahi",
              "Alor", BPJS),
     official("Andi Saputro", "Camat Wewewa Timur", "Sumba Barat Daya"), None),
    ("satu kabupaten saja tidak cukup",
     official("Maria Seran", "Kepala Dinas Sosial TTU", TTU, "Dinas Sosial"),
     official("Maria Sera", "Camat Miomaffo Barat", TTU), None),
    ("nama pendek, jabatan lain",
     official("Melki", "Camat Kota Soe", "Timor Tengah Selatan"),
     official("Emanuel Melkiades Laka Lena", "Gubernur NTT", NTT, PEMPROV), None),
    ("orang berbeda, kantor sama",
     official("Yohanes Jematu", "Kepala BPJS Ketenagakerjaan Cabang Ruteng", "Manggarai", BPJS),
     official("Yohanes Lando Wula", "Kepala BPJS Ketenagakerjaan Cabang Ende", "Ende", BPJS), None),
    ("Gubernur dan Wakil Gubernur",
     official("Johni Asadoma", "Wakil Gubernur NTT", NTT, PEMPROV),
     official("Johni Asa", "Gubernur NTT", NTT, PEMPROV), None),
]


@pytest.fixture
def kb(tmp_path: Path) -> Any:
    store = KB(sqlite_url(tmp_path / "kb.db"))
    yield store
    store.close()


def two_articles(kb: KB, first: dict[str, Any], second: dict[str, Any]) -> None:
    add(kb, "https://a.test/1", "Berita pertama tentang pejabat daerah.",
        published="2025-07-07T10:00:00+08:00", officials=[first])
    add(kb, "https://b.test/2", "Berita kedua tentang pejabat daerah.",
        published="2025-09-15T10:00:00+08:00", officials=[second])


def canonical_of(kb: KB) -> dict[str, str]:
    with kb.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.name, coalesce(c.name, p.name) FROM person p"
            " LEFT JOIN person c ON c.id = p.canonical_id"
        )).all()
    return dict(rows)


def merges(kb: KB) -> list[tuple[str, str, str]]:
    with kb.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT a.name, b.name, m.rule FROM person_merge m JOIN person a ON a.id = m.person_id"
            " JOIN person b ON b.id = m.other_id ORDER BY m.id"
        ))]


@pytest.mark.parametrize(("case", "first", "second", "rule"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pairs(kb: KB, case: str, first: dict[str, Any], second: dict[str, Any],
               rule: str | None) -> None:
    two_articles(kb, first, second)
    kb.resolve()
    canon = canonical_of(kb)
    got = merges(kb)
    if rule is None:
        assert canon[first["name"]] == first["name"] and canon[second["name"]] == second["name"]
        assert got == []
        return
    fuller = max((first["name"], second["name"]), key=lambda n: (len(n.split()), len(n)))
    assert canon[first["name"]] == canon[second["name"]] == fuller
    assert [r for *_, r in got] == [rule]


def test_merge_says_why_and_canonical_lists_the_names(kb: KB) -> None:
    two_articles(kb, PAIRS[0][1], PAIRS[0][2])
    add(kb, "https://c.test/3", "Gubernur Melki meninjau pelabuhan.",
        published="2025-10-01T09:00:00+08:00",
        officials=[official("Melki", "Gubernur NTT", NTT, PEMPROV)])
    report = kb.resolve()
    assert report["persons"]["merges"] == {"short_name": 2}
    with kb.engine.connect() as conn:
        details = conn.execute(text("SELECT detail FROM person_merge ORDER BY id")).scalars().all()
        row = conn.execute(text(
            "SELECT merged_names, aliases FROM person WHERE name = 'Emanuel Melkiades Laka Lena'"
        )).one()
    assert "'Melki Laka Lena' is a short form of 'Emanuel Melkiades Laka Lena'" in details[0]
    assert "Gubernur NTT (Nusa Tenggara Timur)" in details[0]
    assert json.loads(row.merged_names) == ["Melki", "Melki Laka Lena"]
    assert json.loads(row.aliases) == []  # the extractor's aliases are left as they were


def test_ambiguous_short_name_is_left_alone(kb: KB) -> None:
    """'Melki' fits two different governors: no merge."""
    add(kb, "https://arsip.test/1", "Arsip berita lama.", published="2018-01-10T10:00:00+08:00",
        officials=[official("Melkior Talan", "Gubernur NTT", NTT, PEMPROV)])
    two_articles(kb, official("Melki", "Gubernur NTT", NTT, PEMPROV),
                 official("Emanuel Melkiades Laka Lena", "Gubernur NTT", NTT, PEMPROV))
    kb.resolve()
    assert canonical_of(kb)["Melki"] == "Melki"


def test_overrides_force_and_forbid(kb: KB, tmp_path: Path) -> None:
    two_articles(kb, PAIRS[2][1], PAIRS[2][2])  # Burhanuddin / Burhauddin: merged by spelling
    add(kb, "https://c.test/3", "Berita ketiga.", published="2025-09-20T10:00:00+08:00",
        officials=[official("Yohanes Jematu", "Kepala BPJS Ketenagakerjaan Cabang Ruteng",
                            "Manggarai", BPJS),
                   official("Yohanes Lando Wula", "Kepala BPJS Ketenagakerjaan Cabang Ende",
                            "Ende", BPJS)])
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "persons:\n"
        "  force:\n    - [Yohanes Jematu, Yohanes Lando Wula]\n"
        "  forbid:\n    - [Wawan Burhanuddin, Wawan Burhauddin]\n"
        "    - [Nama Tidak Ada, Wawan Burhanuddin]\n",
        encoding="utf-8",
    )
    report = kb.resolve(Overrides.load(path))["persons"]
    canon = canonical_of(kb)
    assert canon["Wawan Burhauddin"] == "Wawan Burhauddin"
    assert canon["Yohanes Jematu"] == canon["Yohanes Lando Wula"] == "Yohanes Lando Wula"
    assert merges(kb) == [("Yohanes Jematu", "Yohanes Lando Wula", "override_force")]
    assert report["refused_by_overrides"] == 1
    assert report["unknown_override_names"] == ["Nama Tidak Ada"]
    kb.resolve()  # without the overrides the rules apply again
    assert canonical_of(kb)["Wawan Burhauddin"] == "Wawan Burhanuddin"


@pytest.mark.parametrize(("content", "message"), [
    ("- a\n- b\n", "expected a mapping"),
    ("orang: {}\n", "unknown key 'orang'"),
    ("persons:\n  gabung: []\n", "persons: unknown key 'gabung'"),
    ("persons:\n  force:\n    - [Satu Nama]\n", r"persons.force\[0\]: expected a pair"),
    ("stories:\n  forbid: ya\n", "stories.forbid: expected a list"),
    ("persons: [\n", "not valid YAML"),
])
def test_bad_overrides_file_names_the_key(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OverridesError, match=message):
        Overrides.load(path)


def test_missing_overrides_file_is_no_overrides(tmp_path: Path) -> None:
    assert Overrides.load(tmp_path / "none.yaml") == Overrides()


def test_positions_over_time_and_rederived(kb: KB) -> None:
    """Melki Laka Lena: Wakil Ketua Komisi IX DPR RI in 2022, Gubernur NTT in 2025."""
    add(kb, "https://a.test/1", "Rapat kerja komisi.", published="2022-03-01T10:00:00+07:00",
        officials=[official("Melki Laka Lena", "Wakil Ketua Komisi IX DPR RI", None, "DPR RI")])
    add(kb, "https://b.test/2", "Gubernur berkunjung.", published="2025-09-15T10:00:00+08:00",
        officials=[official("Melki Laka Lena", "Gubernur NTT", NTT, PEMPROV)])
    add(kb, "https://c.test/3", "Gubernur meresmikan.", published="2025-10-02T10:00:00+08:00",
        officials=[official("Melki Laka Lena", "Gubernur NTT", NTT, PEMPROV)])
    kb.resolve()
    with kb.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT title, first_seen, last_seen FROM position ORDER BY first_seen")).all()
    assert [(r[0], str(r[1]), str(r[2])) for r in rows] == [
        ("Wakil Ketua Komisi IX DPR RI", "2022-03-01", "2022-03-01"),
        ("Gubernur NTT", "2025-09-15", "2025-10-02"),
    ]
    # re-extraction drops the 2025-10-02 mention: its position shrinks back
    add(kb, "https://c.test/3", "Gubernur meresmikan.", published="2025-10-02T10:00:00+08:00",
        version="2", officials=[official("Yosef Nae Soi", "Wakil Gubernur NTT", NTT, PEMPROV)])
    report = kb.resolve()["persons"]
    with kb.engine.connect() as conn:
        last = conn.execute(text(
            "SELECT last_seen FROM position WHERE title = 'Gubernur NTT'")).scalar()
    assert str(last) == "2025-09-15" and report["positions"]["updated"] == 1


def test_orphan_names_are_removed(kb: KB) -> None:
    add(kb, "https://a.test/1", "Berita.", published="2025-07-07T10:00:00+08:00",
        officials=[official("Nomor", "Gubernur NTT", NTT)])
    add(kb, "https://a.test/1", "Berita.", published="2025-07-07T10:00:00+08:00", version="2",
        officials=[official("Emanuel Melkiades Laka Lena", "Gubernur NTT", NTT)])
    report = kb.resolve()["persons"]
    assert report["orphans_removed"] == 1
    assert set(canonical_of(kb)) == {"Emanuel Melkiades Laka Lena"}


def test_resolution_is_deterministic(kb: KB) -> None:
    for i, (_, first, second, _rule) in enumerate(PAIRS):
        add(kb, f"https://a.test/{i}", f"Berita {i}.", published="2025-07-07T10:00:00+08:00",
            officials=[first, second])
    kb.resolve()
    before = table_rows(kb, "person_merge", "person")
    kb.resolve()
    assert table_rows(kb, "person_merge", "person") == before


@pytest.mark.parametrize(("short", "long", "fits"), [
    ("Melki Laka Lena", "Emanuel Melkiades Laka Lena", True),
    ("Melki", "Emanuel Melkiades Laka Lena", True),
    ("Mel", "Emanuel Melkiades Laka Lena", False),  # too short to be a prefix
    ("Lena Laka", "Emanuel Melkiades Laka Lena", False),  # order matters
    ("Melki Laka Lena", "Melki Laka Lena", False),
    ("E. Melkiades Laka Lena", "Emanuel Melkiades Laka Lena", False),  # no initials across articles
])
def test_short_name_of(short: str, long: str, fits: bool) -> None:
    assert short_name_of(tokens(short), tokens(long)) is fits


@pytest.mark.parametrize(("a", "b", "variant"), [
    ("Wawan Burhanuddin", "Wawan Burhauddin", True),
    ("Pramudya Iriawan Buntoro", "Pramudya Irawan Buntoro", True),
    ("Andi Saputra", "Rudi Saputra", False),  # a different first name is a different person
    ("Yohanes Jematu", "Yohanes Lando Wula", False),
])
def test_spelling_variant(a: str, b: str, variant: bool) -> None:
    assert (spelling_variant(tokens(a), tokens(b)) is not None) is variant


@pytest.mark.parametrize(("title", "region", "org", "expected"), [
    ("Gubernur NTT", NTT, PEMPROV, "gubernur"),
    ("Gubernur Nusa Tenggara Timur", NTT, PEMPROV, "gubernur"),
    ("Wakil Bupati TTU", TTU, "Pemerintah Kabupaten Timor Tengah Utara", "wakil bupati"),
    ("Kepala BPJS Ketenagakerjaan Provinsi NTT", NTT, BPJS, "kepala bpjs ketenagakerjaan"),
])
def test_role(title: str, region: str, org: str, expected: str) -> None:
    assert role(title, region, org) == expected


def test_resolve_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pantau.cli import cli

    kb = KB(sqlite_url(tmp_path / "kb.db"))
    two_articles(kb, PAIRS[0][1], PAIRS[0][2])
    kb.close()
    result = CliRunner().invoke(cli, ["resolve", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["persons"]["merges"] == {"short_name": 1}
    (tmp_path / "overrides.yaml").write_text("persons:\n  force: [[Satu]]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["resolve", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "overrides.yaml: persons.force[0]: expected a pair" in result.output


# (outlet region code, published, expected first/last seen): the outlet's local day
LOCAL_DAYS = [
    ("31", "2025-07-07T23:30:00+07:00", "2025-07-07"),  # Jakarta, WIB: still Monday
    ("53.71", "2025-07-07T23:30:00+07:00", "2025-07-08"),  # Kupang, WITA: 00.30 on Tuesday
    ("94", "2025-07-07T15:30:00+00:00", "2025-07-08"),  # Papua, WIT: 00.30 on Tuesday
    (None, "2025-07-07T23:30:00+07:00", "2025-07-08"),  # no region: the default zone (WITA)
]


@pytest.mark.parametrize(("code", "published", "day"), LOCAL_DAYS)
def test_positions_seen_on_the_outlets_local_day(kb: KB, code: str | None, published: str,
                                                  day: str) -> None:
    kb.upsert_outlets([{"name": "uji", "title": "Media Uji", "region_code": code}])
    add(kb, "https://a.test/1", "Gubernur berkunjung malam hari.", published=published,
        officials=[official("Melki Laka Lena", "Gubernur NTT", NTT, PEMPROV)])
    kb.resolve()
    with kb.engine.connect() as conn:
        row = conn.execute(text("SELECT first_seen, last_seen FROM position")).one()
    assert (str(row[0]), str(row[1])) == (day, day)


def test_local_days_on_sqlite_and_postgresql(db_url: str) -> None:
    store = KB(db_url)
    try:
        store.upsert_outlets([{"name": "uji", "title": "Media Uji", "region_code": "31"}])
        for i, published in enumerate(("2025-07-07T23:30:00+07:00", "2025-07-09T06:00:00+07:00")):
            add(store, f"https://a.test/{i}", "Gubernur berkunjung.", published=published,
                officials=[official("Melki Laka Lena", "Gubernur NTT", NTT, PEMPROV)])
        store.resolve()
        with store.engine.connect() as conn:
            row = conn.execute(text("SELECT first_seen, last_seen FROM position")).one()
        assert (str(row[0]), str(row[1])) == ("2025-07-07", "2025-07-09")  # WIB days
    finally:
        store.close()
