"""The sources file: the shipped one loads, and bad files fail naming the bad key."""

from __future__ import annotations

import re
from pathlib import Path

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
    assert [s.name for s in config.sources] == [
        "flobamora-pos", "kabar-sasando", "suara-lontar", "humas-ntt"
    ]
    assert [s.name for s in config.sources if s.issuer] == ["humas-ntt"]  # press releases


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
        ({"listings": [{"url": "https://x.test/?d={date}", "days": 90}]}, "listings[0].days: expected an integer 1..31"),
        ({"listings": [{"url": "https://x.test/?h={halaman}"}]}, "listings[0].url: unknown placeholder {halaman}"),
        ({"listings": [{"url": "https://x.test/?h={page"}]}, "listings[0].url: bad URL template"),
        ({"page_param": "page number"}, "sources[0].page_param: expected a query parameter name"),
        ({"user_agent": ""}, "sources[0].user_agent: expected a string"),
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


def test_dated_listing_template() -> None:
    from datetime import date

    config = parse_sources({"sources": [{**GOOD, "listings": [
        {"url": "https://kupang.tribunnews.com/index-news?date={date}&page={page}", "pages": 3},
        {"url": "https://x.test/arsip/{date:%d-%m-%Y}"},
    ]}]})
    daily, plain = config.sources[0].listings
    assert daily.dated and daily.paginated and daily.days == 2
    assert daily.page_url(2, date(2025, 7, 1)).endswith("index-news?date=2025-07-01&page=2")
    assert plain.page_url(1, date(2025, 7, 1)) == "https://x.test/arsip/01-07-2025"


def test_shipped_sources_cover_the_ntt_outlets() -> None:
    config = load_sources()
    names = {s.name for s in config.sources}
    assert {"pos-kupang", "tribun-flores", "antara-kupang", "ekora-ntt", "victory-news",
            "timex-kupang", "nttonlinenow", "flores-pos", "rri-kupang", "pemprov-ntt"} <= names
    pos = config.get("pos-kupang")
    assert pos.is_article("https://kupang.tribunnews.com/2025/08/01/bpjs-ketenagakerjaan-kupang")
    assert pos.is_article("https://kupang.tribunnews.com/provinsi-ntt/123456/pekerja-rentan-sikka")
    assert any(x.dated for x in pos.listings)
    assert config.get("antara-kupang").is_article("https://kupang.antaranews.com/berita/123456/judul-berita")
    assert config.get("ekora-ntt").is_article("https://ekorantt.com/?p=1234")


def test_region_is_a_kemendagri_code_and_gives_the_zone(tmp_path: Path) -> None:
    import wilayah

    base = tmp_path / "s.yaml"
    for region, zone in [("53", "WITA"), ("35.15", "WIB"), ("94.01", "WIT")]:
        base.write_text(
            "sources:\n  - name: warta\n    homepage: https://warta.test/\n"
            f'    region: "{region}"\n    feeds: [https://warta.test/feed]\n'
            "    article_patterns: ['^https://warta\\.test/berita/']\n",
            encoding="utf-8",
        )
        source = load_sources(base).sources[0]
        assert source.zone is wilayah.ZONES[zone]
    base.write_text(base.read_text(encoding="utf-8").replace('"94.01"', '"53.99"'), "utf-8")
    with pytest.raises(SourcesError, match=r"region: '53.99' is not a Kemendagri"):
        load_sources(base)


GOOD_SOURCE = (
    "  - name: warta\n    homepage: https://warta.test/\n    feeds: [https://warta.test/feed]\n"
    "    article_patterns: ['^https://warta\\.test/berita/']\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources:\n" + GOOD_SOURCE + '    enabled: "false"\n', r"sources\[0\]\.enabled: expected true or false"),
        ("topic: [1]\nsources:\n" + GOOD_SOURCE, r"topic: expected a mapping"),
        ("topic:\n  keywords: [1]\nsources:\n" + GOOD_SOURCE, r"topic\.keywords: expected a list of non-empty strings"),
        ("sources:\n" + GOOD_SOURCE + "    title: 5\n", r"title: expected a string"),
        ("sources:\n" + GOOD_SOURCE + "    feeds: [https://warta.test/lain]\n", r"line 6, column 5: duplicate key 'feeds'"),
        ("sources:\n" + GOOD_SOURCE.replace("https://warta.test/feed", '"http://[::1/rss"'), r"feeds\[0\]: not a valid URL"),
        ("sources:\n  - name: [\n", r"not valid YAML at line \d+, column \d+: "),
        ("sources:\n" + GOOD_SOURCE + "    name: lain\n", r"duplicate key 'name'"),
    ],
)  # fmt: skip
def test_wrong_types_and_duplicate_keys_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourcesError, match=message):
        load_sources(path)


def test_unreadable_or_binary_sources_file_is_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00sources")
    with pytest.raises(SourcesError, match="not a UTF-8 text file"):
        load_sources(binary)
    with pytest.raises(SourcesError, match="cannot read"):
        load_sources(tmp_path)  # a directory
