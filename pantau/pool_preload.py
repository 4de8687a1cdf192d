"""Imported once by the processing pool's fork server (``pantau.pipeline``): builds the
extraction pipeline and loads the cleaning stage's lazy parts there, so that every worker forked
from it starts warm instead of paying ~3 s CPU of imports and pipeline building each (and a
worker replaced after a timeout kill starts in milliseconds)."""

from __future__ import annotations

from pantau.pipeline import _warm_up

_warm_up()
