"""The sources file: the shipped one loads, and bad files fail naming the bad key."""

from __future__ import annotations

import re

import pytest

from crawler.sources import SourcesError, load_sources, parse_sources
from pantau.demosite import site_dir

GOOD = {
    "name": "pos-kupang",
    "homepage": "https://kupang.tribunnews.com/",
    "article_patterns": [r"/\d{4}/\d{2}/\d{2}/"],
}


def test_shipped_sources_load() -> None:
    config = load_sources()
    names = {s.name for s in config.sources}
    assert {"pos-kupang", "antara-kupang"} <= names
    assert "BPJS Ketenagakerjaan" in config.keywords


def test_demo_sources_load() -> None:
    config = load_sources(site_dir() / "sources.yaml")
    assert [s.name for s in config.sources] == ["flobamora-pos", "kabar-sasando", "suara-lontar"]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"feeds": "https://x.test/rss"}, "sources[0].feeds: expected a list"),
        ({"feeds": ["ftp://x.test/rss"]}, "sources[0].feeds[0]: not an http(s) URL"),
        ({"homepage": "kupang.tribunnews.com"}, "sources[0].homepage: not an http(s) URL"),
        ({"name": "Pos Kupang"}, "sources[0].name: must be a lowercase slug"),
        ({"colour": "red"}, "sources[0].colour: unknown key"),
        ({"article_patterns": ["("]}, "sources[0].article_patterns[0]: bad regex"),
        ({"article_patterns": []}, "sources[0].article_patterns: at least one"),
        ({"listings": [{"url": "https://x.test/?p={page}", "pages": 0}]}, "listings[0].pages"),
        ({"listings": [{"url": "https://x.test/", "depth": 2}]}, "listings[0].depth: unknown key"),
    ],
)
def test_bad_source_names_the_key(patch: dict[str, object], message: str) -> None:
    with pytest.raises(SourcesError, match=re.escape(message)):
        parse_sources({"sources": [{**GOOD, **patch}]}, "s.yaml")


def test_duplicate_names_and_missing_keys() -> None:
    with pytest.raises(SourcesError, match="duplicate name 'pos-kupang'"):
        parse_sources({"sources": [GOOD, GOOD]})
    with pytest.raises(SourcesError, match=r"sources\[0\]\.homepage: missing"):
        parse_sources({"sources": [{"name": "x", "article_patterns": ["x"]}]})
    with pytest.raises(SourcesError, match="topic.keywords"):
        parse_sources({"sources": [GOOD], "topic": {"keywords": "BPJS"}})


def test_topic_hits_case_insensitive() -> None:
    config = parse_sources({"sources": [GOOD], "topic": {"keywords": ["BPJS Ketenagakerjaan"]}})
    assert config.topic_hits("Kantor bpjs ketenagakerjaan Kupang") == ["BPJS Ketenagakerjaan"]
    assert config.topic_hits("Festival tenun ikat") == []
