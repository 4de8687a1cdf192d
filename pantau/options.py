"""Click options and output helpers shared by the CLI's command modules.

Kept out of :mod:`pantau.cli` so the commands defined in their own modules (coverage, report,
sources, cluster) can use them: ``python -m pantau.cli`` runs that module as ``__main__``, and
importing it again from a command module would be circular.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def home_options(fn: F) -> F:
    """--home and --db, shared by every command that touches stored data."""
    fn = click.option(
        "--db",
        envvar="PANTAU_DB",
        help="SQLAlchemy URL of the knowledge base [default: sqlite:///HOME/kb.db]",
    )(fn)
    fn = click.option(
        "--home",
        envvar="PANTAU_HOME",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("pantau-data"),
        show_default=True,
        help="Folder for the raw store, the KB and the published snapshot [env: PANTAU_HOME]",
    )(fn)
    return fn


def say(message: str) -> None:
    """A message for people: on stderr, so stdout stays data."""
    click.echo(message, err=True)
