"""Shared fixtures: a small local news site (our own articles) served on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.demosite import DemoServer, DemoSite, copy_site_frame

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

FIXTURE_ARTICLE = """---
id: {prefix}-{n:02d}
outlet: {outlet}
title: "Uji {n}: BPJS Ketenagakerjaan lindungi {count} pekerja rentan di {place}"
published: "2025-08-{n:02d}T09:15:00+08:00"
author: "Penulis Uji"
editor: "Editor Uji"
dateline: "{dateline}"
section: "Daerah"
tags: ["BPJS Ketenagakerjaan"]
related: [{related}]
facts: {{}}
---
Pemerintah daerah bersama BPJS Ketenagakerjaan mendaftarkan {count} pekerja rentan di {place} sebagai peserta jaminan sosial ketenagakerjaan pada bulan ini.

Iuran untuk para pekerja itu dibayar dari APBD dengan total anggaran Rp{n},5 miliar, ujar petugas.

Program serupa akan diperluas ke kecamatan lain pada tahun depan.
"""

OFF_TOPIC = """---
id: {prefix}-{n:02d}
outlet: {outlet}
title: "Festival tenun ikat meriahkan {place}"
published: "2025-08-{n:02d}T16:00:00+08:00"
author: "Penulis Uji"
editor: "Editor Uji"
dateline: "{dateline}"
section: "Budaya"
tags: ["Budaya"]
related: []
topic: "off"
facts: {{}}
---
Ratusan penenun memamerkan kain tenun ikat dalam festival budaya di {place} pada akhir pekan.

Pengunjung datang dari berbagai kabupaten untuk membeli kain dan menonton tarian adat.
"""


def write_fixture_site(root: Path, per_outlet: int = 4) -> Path:
    """A copy of the demo site's outlets/templates with small generated articles."""
    copy_site_frame(root)
    outlets = [
        ("flobamora-pos", "fp", "KEFAMENANU", "Timor Tengah Utara"),
        ("kabar-sasando", "ks", "KUPANG", "Kota Kupang"),
        ("suara-lontar", "sl", "ENDE", "Ende"),
    ]
    for outlet, prefix, dateline, place in outlets:
        folder = root / "articles" / outlet
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(1, per_outlet + 1):
            template = OFF_TOPIC if n == per_outlet else FIXTURE_ARTICLE
            related = f'"{prefix}-01"' if n > 1 else ""
            text = template.format(
                prefix=prefix, n=n, outlet=outlet, dateline=dateline, place=place,
                count=1000 + n, related=related,
            )
            (folder / f"{n:02d}-uji-{n}.md").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return DemoSite(write_fixture_site(tmp_path_factory.mktemp("site")))


@pytest.fixture
def site_proxy(fixture_site: DemoSite) -> Iterator[str]:
    """The fixture site on 127.0.0.1 (free port); its URL is the proxy to crawl through."""
    with DemoServer(fixture_site) as server:
        yield server.proxy


def run_pantau(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run the real `pantau` command in a subprocess (one Twisted reactor per crawl)."""
    import os

    full_env = {**os.environ, **(env or {})}
    full_env.pop("no_proxy", None)
    full_env.pop("NO_PROXY", None)
    return subprocess.run(
        [sys.executable, "-m", "pantau.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
