"""Shared plumbing for Pantau's spaCy components: data files, Doc extensions, fact items.

Every component writes its facts to ``doc._.pantau_facts[<field>]`` (a list of JSON-ready
dicts) and may leave working data for later components in ``doc._.pantau_state`` (sentence
bounds, page-furniture ranges, person mentions). Both are created lazily, so a component can
also run on its own.
"""

from __future__ import annotations

import bisect
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from spacy.tokens import Doc

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

if not Doc.has_extension("pantau_facts"):
    Doc.set_extension("pantau_facts", default=None)
if not Doc.has_extension("pantau_state"):
    Doc.set_extension("pantau_state", default=None)


@lru_cache(maxsize=32)
def load_data(name: str) -> dict[str, Any]:
    """A YAML data file from ``extract/data`` (cached; treat the result as read-only)."""
    path = Path(name) if Path(name).is_absolute() else DATA_DIR / name
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def text_of(doc: Doc) -> str:
    """``doc.text``, cached: spaCy rebuilds the string from tokens on every access."""
    st = state(doc)
    if "text" not in st:
        st["text"] = doc.text
    return st["text"]


def facts(doc: Doc) -> dict[str, list[dict[str, Any]]]:
    """The facts collected on ``doc`` so far, by field."""
    if doc._.pantau_facts is None:
        doc._.pantau_facts = {}
    return doc._.pantau_facts


def state(doc: Doc) -> dict[str, Any]:
    """Working data shared between components (not part of the output)."""
    if doc._.pantau_state is None:
        doc._.pantau_state = {}
    return doc._.pantau_state


def add_fact(doc: Doc, field: str, item: dict[str, Any]) -> None:
    facts(doc).setdefault(field, []).append(item)


# --------------------------------------------------------------------------- sentences


def sentence_starts(doc: Doc) -> list[int]:
    """Character offsets where sentences start (from the layout component, else spaCy)."""
    st = state(doc)
    if "sent_starts" not in st:
        if doc.has_annotation("SENT_START"):
            st["sent_starts"] = [s.start_char for s in doc.sents]
        else:
            st["sent_starts"] = [0]
        st.setdefault("sent_ends", st["sent_starts"][1:] + [len(text_of(doc))])
    return st["sent_starts"]


def sentence_bounds(doc: Doc, start: int, end: int | None = None) -> tuple[int, int]:
    """(start, end) of the sentence(s) covering the character range [start, end)."""
    starts = sentence_starts(doc)
    ends = state(doc)["sent_ends"]
    end = start + 1 if end is None or end <= start else end
    i = max(0, bisect.bisect_right(starts, start) - 1)
    j = max(i, bisect.bisect_right(starts, end - 1) - 1)
    return starts[i], ends[j]


def sentence_text(doc: Doc, start: int, end: int | None = None) -> str:
    s, e = sentence_bounds(doc, start, end)
    return text_of(doc)[s:e].strip()


# --------------------------------------------------------------------------- skipping


def in_ranges(ranges: list[tuple[int, int]], start: int, end: int | None = None) -> bool:
    """Whether [start, end) overlaps any of the (sorted or not) ranges."""
    end = start + 1 if end is None or end <= start else end
    return any(s < end and start < e for s, e in ranges)


def is_skipped(doc: Doc, start: int, end: int | None = None) -> bool:
    """Whether the range lies in page furniture (cross-links, bylines, link lists)."""
    return in_ranges(state(doc).get("skip_ranges", []), start, end)


def is_headline(doc: Doc, start: int, end: int | None = None) -> bool:
    """Whether the range lies in a Title Case headline line."""
    return in_ranges(state(doc).get("headline_ranges", []), start, end)


# --------------------------------------------------------------------------- items


def make_item(
    doc: Doc,
    *,
    extractor: str,
    version: str,
    start: int,
    end: int,
    confidence: float,
    **fields: Any,
) -> dict[str, Any]:
    """A fact item: the field values, then text/offsets/sentence/provenance."""
    item: dict[str, Any] = dict(fields)
    item.setdefault("text", text_of(doc)[start:end])
    item["start"] = start
    item["end"] = end
    item["sentence"] = sentence_text(doc, start, end)
    item["extractor"] = extractor
    item["version"] = version
    item["confidence"] = round(max(0.0, min(1.0, confidence)), 3)
    return item


def token_index_at(doc: Doc, char: int) -> int | None:
    """Index of the token containing character offset ``char`` (None in whitespace/outside)."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return span.start if span is not None and len(span) else None
