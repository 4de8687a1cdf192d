"""`pantau sources list/add/check`: the CLI over the sources file, checked against a local site."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from pantau.cli import cli
from tests.crawler.sites import FixtureSite, sources_yaml, tribun_outlet


def test_list_shows_every_source() -> None:
    result = CliRunner().invoke(cli, ["sources", "list"])
    assert result.exit_code == 0, result.output
    assert "pos-kupang" in result.output and "[disabled]" in result.output
    data = json.loads(CliRunner().invoke(cli, ["sources", "list", "--json"]).output)
    assert "BPJS Ketenagakerjaan" in data["keywords"]


def test_add_appends_keeping_comments(tmp_path: Path) -> None:
    target = tmp_path / "sources.yaml"
    runner = CliRunner()
    result = runner.invoke(cli, [
        "sources", "add", "suara-timor", "--homepage", "https://suaratimor.test",
        "--preset", "wordpress", "--region", "53.05", "--title", "Suara Timor",
        "--sources", str(target),
    ])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Real NTT outlets")  # a copy of the shipped file, comments kept
    added = next(s for s in yaml.safe_load(text)["sources"] if s["name"] == "suara-timor")
    assert added["feeds"] == ["https://suaratimor.test/feed/"]
    assert added["region"] == "53.05"
    again = runner.invoke(cli, ["sources", "add", "suara-timor", "--homepage",
                                "https://suaratimor.test", "--preset", "wordpress",
                                "--sources", str(target)])
    assert again.exit_code == 1 and "duplicate name 'suara-timor'" in again.output
    bad = runner.invoke(cli, ["sources", "add", "tanpa-pola", "--homepage", "https://x.test",
                              "--sources", str(target)])
    assert bad.exit_code == 1 and "article_patterns: at least one pattern" in bad.output
    assert "tanpa-pola" not in target.read_text(encoding="utf-8")  # nothing written
    missing = runner.invoke(cli, ["sources", "add", "x", "--homepage", "https://x.test"],
                            env={"PANTAU_SOURCES": ""})
    assert missing.exit_code == 1 and "pass --sources FILE" in missing.output


def test_check_validates_and_names_the_bad_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: x\n    homepage: https://x.test/\n"
                   "    article_patterns: ['x']\n    feeds: [ftp://x.test/rss]\n")
    result = CliRunner().invoke(cli, ["sources", "check", "--sources", str(bad)])
    assert result.exit_code == 1
    assert "sources[0].feeds[0]: not an http(s) URL: 'ftp://x.test/rss'" in result.output
    ok = CliRunner().invoke(cli, ["sources", "check"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["valid"] is True


def test_check_fetch_probes_a_live_site(tmp_path: Path) -> None:
    with FixtureSite() as site:
        outlet = tribun_outlet(site)
        good = tmp_path / "good.yaml"
        good.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        runner = CliRunner()
        result = runner.invoke(cli, ["sources", "check", "--fetch", "--sources", str(good)],
                               env={"no_proxy": "*"})
        assert result.exit_code == 0, result.output
        (report,) = json.loads(result.stdout)
        assert report["ok"] and report["feeds"][0]["articles"] > 0
        assert report["sitemaps"][0]["kind"] == "index" and report["sitemaps"][0]["articles"] > 0
        # Patterns that no longer fit the site are reported, and the command fails.
        outlet.entry["article_patterns"] = [r"^https://elsewhere\.test/\d+$"]
        stale = tmp_path / "stale.yaml"
        stale.write_text(yaml.safe_dump(sources_yaml(outlet)), encoding="utf-8")
        result = runner.invoke(cli, ["sources", "check", "--fetch", "--sources", str(stale)],
                               env={"no_proxy": "*"})
    assert result.exit_code == 1
    assert "none matches article_patterns" in result.output
