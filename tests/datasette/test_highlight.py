"""The article page's highlighting: escaped, nested correctly, offsets checked (table-driven)."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from tests.datasette.conftest import load_plugin

P = load_plugin("pantau_pages.py", "pantau_pages")
KINDS = {k.table: k for k in P.FACT_KINDS}


def fact(table: str, fid: int, text: str, needle: str, nth: int = 0) -> object:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    f = P.Fact(
        kind=KINDS[table],
        id=fid,
        start=start,
        end=start + len(needle),
        text=needle,
        sentence="",
        confidence=0.9,
        summary=needle,
        url=f"/pantau/{table}/{fid}",
    )
    if not P.offsets_match(text, f):
        f.status = "offsets do not match"
    return f


TEXT = 'Bupati <TTU> & "mitra" menyerahkan Rp10,08 miliar. "Kami siapkan Rp2 miliar untuk 14.880 pekerja rentan," kata Yosep.'


def render(text: str, facts: list[object]) -> tuple[str, object]:
    out = str(P.highlight(text, facts))
    return out, lxml_html.fragment_fromstring(f"<div>{out}</div>")


def test_text_is_escaped_and_kept_whole() -> None:
    out, doc = render(TEXT, [fact("amount", 1, TEXT, "Rp10,08 miliar")])
    assert "<TTU>" not in out and "&lt;TTU&gt;" in out and "&amp;" in out
    assert doc.text_content() == TEXT
    (a,) = doc.findall(".//a")
    assert (
        a.get("href") == "/pantau/amount/1"
        and a.get("id") == "amount-1"
        and a.text == "Rp10,08 miliar"
    )


def test_facts_inside_a_quote_nest() -> None:
    quote = "Kami siapkan Rp2 miliar untuk 14.880 pekerja rentan,"
    facts = [
        fact("quote", 7, TEXT, quote),
        fact("amount", 2, TEXT, "Rp2 miliar"),
        fact("worker_count", 3, TEXT, "14.880 pekerja rentan"),
    ]
    out, doc = render(TEXT, facts)
    span = doc.find(".//span[@class='quote']")
    assert span is not None and span.get("id") == "quote-7" and span.text_content() == quote
    assert [a.get("id") for a in span.findall("a")] == ["amount-2", "worker_count-3"]
    ref = span.getnext()
    assert ref.get("href") == "/pantau/quote/7" and ref.text == "[quote 7]"
    assert re.sub(r"\[quote \d+\]", "", doc.text_content()) == TEXT


def test_a_fact_crossing_a_quote_edge_is_split_into_two_links() -> None:
    text = 'Ia berkata "Rp5 juta" cukup.'
    facts = [fact("quote", 1, text, "Rp5 j"), fact("amount", 2, text, "Rp5 juta")]
    out, doc = render(text, facts)
    links = [a for a in doc.iter("a") if a.get("href") == "/pantau/amount/2"]
    assert len(links) == 2 and "".join(a.text for a in links) == "Rp5 juta"
    assert [a.get("id") for a in links] == ["amount-2", None]  # one anchor per fact
    assert re.sub(r"\[quote \d+\]", "", doc.text_content()) == text


@pytest.mark.parametrize(
    ("label", "facts", "highlighted", "status"),
    [
        (
            "offsets beyond the text",
            [("amount", 1, 500, 510, "Rp1 juta")],
            [],
            "offsets do not match",
        ),
        ("offsets on other words", [("amount", 1, 0, 6, "Rp1 juta")], [], "offsets do not match"),
        ("reversed offsets", [("amount", 1, 10, 2, "Rp1 juta")], [], "offsets do not match"),
        ("missing offsets", [("event", 1, None, None, "serahkan")], [], "offsets do not match"),
        (
            "overlap: amount wins over mention",
            [("mention", 1, 7, 12, "<TTU>"), ("amount", 2, 7, 14, "<TTU> &")],
            ["amount-2"],
            "overlaps another highlight",
        ),
    ],
)
def test_unusable_facts_are_flagged_not_highlighted(
    label: str, facts: list[tuple], highlighted: list[str], status: str
) -> None:
    built = []
    for table, fid, start, end, txt in facts:
        f = P.Fact(
            kind=KINDS[table],
            id=fid,
            start=start,
            end=end,
            text=txt,
            sentence="",
            confidence=0.5,
            summary=txt,
            url=f"/pantau/{table}/{fid}",
        )
        if not P.offsets_match(TEXT, f):
            f.status = "offsets do not match"
        built.append(f)
    out, doc = render(TEXT, built)
    assert [a.get("id") for a in doc.iter("a")] == highlighted, label
    assert doc.text_content() == TEXT
    assert status in {f.status for f in built}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10_080_000_000, "Rp10.080.000.000"),
        (846_000_000, "Rp846.000.000"),
        (16800, "Rp16.800"),
        ("x", "Rpx"),
    ],
)
def test_rupiah(value: object, expected: str) -> None:
    assert P.rupiah(value) == expected


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://flobamora.test/a", True),
        ("http://x.test/", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,x", False),
        (None, False),
        ("//x.test", False),
    ],
)
def test_only_http_urls_become_links(url: object, link: bool) -> None:
    assert (P.safe_url(url) is not None) is link
