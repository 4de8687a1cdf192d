"""Imported once by the processing pool's fork server (``pantau.pipeline``): builds the
extraction pipeline and loads the cleaning stage's lazy parts there, so that every worker forked
from it starts warm instead of paying ~3 s CPU of imports and pipeline building each (and a
worker replaced after a timeout kill starts in milliseconds).

It also quiets one harmless error of the fork server's children: a worker still starting when
the process that owns the pool exits (Ctrl+C, SIGTERM) finds the pool's semaphores already
removed (``FileNotFoundError`` in ``SemLock._rebuild``) and would print a traceback after the
owner's last line. The fork server reports a child's start failure through ``sys.excepthook``;
every other error still goes to the default hook."""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from pantau.pipeline import _warm_up


def _owner_gone(exc: BaseException, tb: TracebackType | None) -> bool:
    """A child's start failed because the pool's owner removed its semaphores on exit."""
    if not isinstance(exc, FileNotFoundError) or tb is None:
        return False
    return traceback.extract_tb(tb)[-1].name == "__setstate__"  # SemLock, while unpickling


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if not _owner_gone(exc, tb):
        sys.__excepthook__(kind, exc, tb)


sys.excepthook = _excepthook
_warm_up()
