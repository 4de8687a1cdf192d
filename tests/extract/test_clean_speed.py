"""Speed shortcuts in the cleaning stage give the same results as the slow forms they replace."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import lxml.etree as etree
import lxml.html
import pytest
import trafilatura.core

from extract import clean
from extract.clean import _norm, _trafilatura_copies_input


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Bupati  Kupang\tmeresmikan\njembatan",
        "\u00a0Wakil\u00a0Gubernur NTT\u2003hadir\u2009di Atambua ",
        "KUPANG,\r\n\r\n  (ANTARA) -\x1c Pemerintah\u3000provinsi",
        "Rp\u202f2,5 miliar\x0bdan\x0c50 persen",
    ],
)
def test_norm_is_regex_collapse(text: str) -> None:
    assert _norm(text) == re.sub(r"\s+", " ", text).strip()


def test_probe_sees_whether_trafilatura_copies_its_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _trafilatura_copies_input.cache_clear()
    try:
        assert _trafilatura_copies_input() is True  # trafilatura 2.3 copies the tree it is given
        _trafilatura_copies_input.cache_clear()
        monkeypatch.setattr(trafilatura.core, "copy", lambda tree: tree)  # an older release
        assert _trafilatura_copies_input() is False
    finally:
        _trafilatura_copies_input.cache_clear()


def test_cleaning_leaves_the_tree_for_the_later_passes() -> None:
    root = lxml.html.document_fromstring(clean._PROBE_HTML)
    before = etree.tostring(root)
    clean._trafilatura(root, "https://contoh.test/berita/1")
    assert etree.tostring(root) == before


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("page", sorted(p.name for p in (FIXTURES / "clean").glob("*.html")))
def test_title_and_author_are_trafilaturas(page: str) -> None:
    from trafilatura.metadata import extract_metadata

    root = lxml.html.document_fromstring((FIXTURES / "clean" / page).read_bytes())
    full = extract_metadata(copy.deepcopy(root), "https://contoh.test/berita/1")
    assert clean._trafilatura_title_author(root) == {"title": full.title, "author": full.author}
