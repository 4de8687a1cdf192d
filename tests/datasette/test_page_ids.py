"""Issue 12 item 7: an id SQLite cannot hold is a 404, not an HTTP 500.

Before, ``/article/9223372036854775808`` (2**63) reached SQLite as a parameter and raised
``OverflowError``: HTTP 500. Now every custom page answers 404 for an id out of SQLite's
INTEGER range or not a number, and 200 for a real row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.datasette.conftest import fetch, rows

BAD_IDS = ["9223372036854775808", "99999999999999999999999999999", "0", "00", "-1", "abc", "1e3"]
PAGES = ["article", "official", "story"]


@pytest.mark.parametrize("page", PAGES)
def test_out_of_range_and_non_numeric_ids_are_404(snapshot: Path, page: str) -> None:
    table = {"article": "article", "official": "person", "story": "story"}[page]
    (real,) = rows(snapshot, f"SELECT min(id) FROM {table}")[0]
    paths = [f"/{page}/{bad}" for bad in BAD_IDS] + [
        f"/{page}/9223372036854775807",
        f"/{page}/{real}",
    ]
    got = {p: r.status_code for p, r in fetch(snapshot, paths).items()}
    print(page, got)
    assert all(got[f"/{page}/{bad}"] == 404 for bad in BAD_IDS), got
    assert got[f"/{page}/9223372036854775807"] == 404  # the largest id: no such row
    assert got[f"/{page}/{real}"] == 200
