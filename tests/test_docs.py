"""The README documents every command and every option, and starts with the two commands."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from pantau.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def section(command: str) -> str:
    match = re.search(rf"^### pantau {command}\n(.*?)(?=^#{{2,3}} |\Z)", README, re.M | re.S)
    assert match, f"README has no '### pantau {command}' section"
    return match.group(1)


def test_readme_starts_with_the_two_commands() -> None:
    lines = README.splitlines()
    assert lines[0].startswith("```")
    assert lines[1].split("#")[0].strip() == "make demo"
    assert lines[2].split("#")[0].strip() == "make test"
    assert lines[3] == "```"
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == "make test"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_and_options_documented(name: str) -> None:
    command = cli.commands[name]
    text = section(name)
    shared = {"--home", "--db"}
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        for opt in param.opts:
            if opt.startswith("--") and opt not in shared:
                assert opt in text or opt in README, f"{opt} of `pantau {name}` is undocumented"
