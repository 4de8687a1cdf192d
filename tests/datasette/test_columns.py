"""Hiding the column a table page is sorted by ("Sembunyikan kolom ini", ``_nocol``, a ``_col``
list without it) keeps the page working (Datasette 0.65 answered 500 when there was a next page:
``datasette/plugins/pantau_columns.py`` keeps the sort column in)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.datasette.conftest import fetch, load_plugin

COLUMNS = load_plugin("pantau_columns.py", "pantau_columns_uji")


@pytest.mark.parametrize(
    "path",
    [
        "/pantau/coverage?_col=title&_size=5",
        "/pantau/coverage?_nocol=published_order&_size=5",
        "/pantau/coverage?_nocol=published&_sort_desc=published&_size=5",
        "/pantau/coverage.json?_col=title&_size=5",
        "/pantau/article?_col=title&_size=5",
    ],
)
def test_hiding_the_sort_column_still_pages(snapshot: Path, path: str) -> None:
    response = fetch(snapshot, [path])[path]
    assert response.status_code == 200, response.text[-1500:]
    assert "_next=" in response.text  # there is a next page, and its link was built


@pytest.mark.parametrize(
    ("params", "sort", "kept"),
    [
        ([("_col", "title")], "published_order", [("_col", "title"), ("_col", "published_order")]),
        ([("_nocol", "published_order"), ("_nocol", "text")], "published_order",
         [("_nocol", "text")]),
        ([("_col", "published_order")], "published_order", [("_col", "published_order")]),
        ([("_search", "iuran")], "published_order", [("_search", "iuran")]),
    ],
)
def test_keep_sort_column(
    params: list[tuple[str, str]], sort: str, kept: list[tuple[str, str]]
) -> None:
    assert COLUMNS.keep_sort_column(params, sort) == kept
