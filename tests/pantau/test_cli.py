"""The CLI surface: every command has --help, --version works, user errors are clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.cli import cli

COMMANDS = ["crawl", "process", "extract", "publish", "serve", "daily", "eval", "demo", "sources",
            "resolve", "coverage", "report", "worker", "cluster"]


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("pantau, version ")


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_every_command_is_listed() -> None:
    assert sorted(cli.commands) == sorted(COMMANDS)


def test_process_without_raw_store_is_a_user_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["process", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "no raw store yet" in result.output


def test_publish_without_kb_is_a_user_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["publish", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "no knowledge base yet" in result.output


@pytest.mark.parametrize(("args", "env", "lang"), [
    (["--lang", "en"], {}, "en"),
    ([], {"PANTAU_LANG": "en"}, "en"),
    ([], {"PANTAU_LANG": None}, "id"),
])
def test_publish_language(tmp_path, args, env, lang) -> None:  # type: ignore[no-untyped-def]
    import json

    from pantau.config import Paths, open_kb

    open_kb(Paths.from_options(tmp_path, None).db_url).close()  # an empty, migrated KB
    result = CliRunner().invoke(cli, ["publish", "--home", str(tmp_path), *args], env=env)
    assert result.exit_code == 0, result.output
    metadata = Path(json.loads(result.stdout)["metadata"])
    meta = json.loads(metadata.read_text(encoding="utf-8"))
    assert meta["plugins"]["pantau-lang"] == {"lang": lang}


def test_publish_unknown_language_is_a_user_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["publish", "--home", str(tmp_path), "--lang", "fr"])
    assert result.exit_code == 2 and "'fr' is not one of 'id', 'en'" in result.output
