"""Shared plumbing for Pantau's spaCy components: data files, typed Doc extensions, fact items.

Pipeline state lives in registered, typed ``Doc`` extensions and span groups, each written by
exactly one component (its owner) and read by the components after it:

========================================  ==========================  =====================
state                                     owner                       read by
========================================  ==========================  =====================
``doc._.pantau_inputs`` (:class:`Inputs`)  the caller (extract_facts)  events
``doc._.pantau_layout`` (:class:`Layout`)  ``pantau_layout``           every later component
``doc.spans["pantau_orgs"]`` +            ``pantau_orgs``             regions, officials
``doc._.pantau_org_entries``
``doc.spans["pantau_regions"]`` +         ``pantau_regions``          officials, events
``doc._.pantau_region_entries``
``doc._.pantau_amount_ranges``            ``pantau_rupiah``           worker counts
``doc._.pantau_percent_ranges``           ``pantau_percent``          worker counts
``doc._.pantau_people``                   ``pantau_officials``        quotes
========================================  ==========================  =====================

Each factory declares the extensions its component reads (``requires``) and writes
(``assigns``); :func:`check_pipeline` (run by :func:`extract.nlp.create_pipeline`) refuses a
pipeline where a component reads what no earlier component writes, or where two components write
the same state. Reading state that is not there raises :class:`PipelineOrderError` naming the
component that should have written it. Facts go to ``doc._.pantau_facts[<field>]`` (a list of
JSON-ready dicts; each component adds its own fields).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

import yaml
from spacy.attrs import IDX, LENGTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# libyaml's loader when PyYAML was built with it (10x faster: start-up), else the Python one.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

log = logging.getLogger(__name__)

Range = tuple[int, int]


class Inputs(TypedDict, total=False):
    """What the caller knows about the article besides its text."""

    published: datetime | None  # anchors year-less dates ("Senin (15/9)")
    title: str | None


@dataclass(frozen=True)
class Layout:
    """Sentences and page furniture (``pantau_layout``): character ranges into the text."""

    sent_starts: list[int]
    sent_ends: list[int]
    skip_ranges: list[Range]  # cross-links, bylines, stamps, datelines: not facts
    headline_ranges: list[Range]  # Title Case lines: capitalised words are not names
    dateline_ranges: list[Range]  # "Kupang (ANTARA) -": where the story was filed


class RegionEntry(TypedDict):
    """One region the gazetteer knows (``pantau_regions``)."""

    name: str
    code: str
    kind: str  # provinsi, kabupaten, kota, town (a seat), area (several provinces)
    aliases: tuple[str, ...]


class PersonRef(TypedDict):
    """A person named in the article (``pantau_officials``), for quote attribution."""

    name: str
    mentions: list[Range]
    official: bool


# extension -> (owner, default). The owner is the component (or the caller) that writes it.
STATE: dict[str, str] = {
    "pantau_inputs": "the caller",
    "pantau_layout": "pantau_layout",
    "pantau_org_entries": "pantau_orgs",
    "pantau_region_entries": "pantau_regions",
    "pantau_amount_ranges": "pantau_rupiah",
    "pantau_percent_ranges": "pantau_percent",
    "pantau_people": "pantau_officials",
}
FACTS = "doc._.pantau_facts"  # the output: written by every extractor, each its own fields
SPANS = "doc.spans"  # span groups, each under its owner's name ("pantau_orgs", "pantau_regions")
TEXT = "pantau_text"  # doc.text, cached (spaCy rebuilds the string on every access)
WORDS = "pantau_words"  # the tokens' texts, cached (:func:`words`)

for _name in (*STATE, "pantau_facts", TEXT, WORDS):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


class PipelineOrderError(RuntimeError):
    """A component read pipeline state no earlier component wrote."""


def _required(doc: Doc, name: str) -> Any:
    stored: dict[Any, Any] = doc.user_data  # doc._.<name>, read where spaCy keeps it
    value = stored.get(_stored(name))
    if value is None:
        raise PipelineOrderError(f"doc._.{name} is not set: {STATE[name]} must run first")
    return value


def attr(name: str) -> str:
    """The ``requires``/``assigns`` string of a state extension ("doc._.pantau_layout")."""
    if name not in STATE:
        raise KeyError(name)
    return f"doc._.{name}"


def check_pipeline(nlp: Language) -> None:
    """Raise ``ValueError`` when a component requires state no component before it assigns, or
    when two components assign the same state (the facts excepted)."""
    written: dict[str, str] = {attr("pantau_inputs"): "the caller"}
    for name in nlp.pipe_names:
        meta = nlp.get_pipe_meta(name)
        missing = [a for a in meta.requires if a not in written]
        if missing:
            raise ValueError(
                f"{name} requires {', '.join(missing)}: no component before it sets it"
            )
        for a in meta.assigns:
            if a not in (FACTS, SPANS) and a in written:
                raise ValueError(f"{a} is assigned by both {written[a]} and {name}")
            written[a] = name


@lru_cache(maxsize=32)
def load_data(name: str) -> dict[str, Any]:
    """A YAML data file from ``extract/data``, checked against its schema
    (:func:`extract.schemas.validate`: a bad file is a ``DataFileError`` naming the key; its
    duplicates and overlaps are logged). Cached; treat the result as read-only."""
    from ..schemas import problems, validate

    path = Path(name) if Path(name).is_absolute() else DATA_DIR / name
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=YAML_LOADER) or {}
    validate(path, data)
    for problem in problems(path.name, data):
        log.warning("%s", problem)
    return data


# --------------------------------------------------------------------------- state


def _stored(name: str) -> tuple[str, str, None, None]:
    """Where spaCy keeps ``doc._.<name>`` in ``doc.user_data`` (``Underscore._get_key``): the
    text and token caches and the pipeline state are read there directly, as ``doc._`` builds an
    object per access and they are read thousands of times per document (written through
    ``doc._``; ``test_cached_text_and_tokens_are_the_extensions`` pins the two together)."""
    return ("._.", name, None, None)


_TEXT_KEY, _WORDS_KEY = _stored(TEXT), _stored(WORDS)


def text_of(doc: Doc) -> str:
    """``doc.text``, cached: spaCy rebuilds the string from tokens on every access."""
    stored: dict[Any, Any] = doc.user_data  # typed dict[str, Any] by spaCy; keys are tuples
    text = stored.get(_TEXT_KEY)
    if text is None:
        text = doc._.pantau_text = doc.text
    return str(text)


def facts(doc: Doc) -> dict[str, list[dict[str, Any]]]:
    """The facts collected on ``doc`` so far, by field."""
    if doc._.pantau_facts is None:
        doc._.pantau_facts = {}
    found: dict[str, list[dict[str, Any]]] = doc._.pantau_facts
    return found


def inputs(doc: Doc) -> Inputs:
    """The caller's inputs (``published``, ``title``); set them before running the components."""
    if doc._.pantau_inputs is None:
        doc._.pantau_inputs = Inputs()
    found: Inputs = doc._.pantau_inputs
    return found


def layout(doc: Doc) -> Layout:
    """Sentences and furniture (written by ``pantau_layout``)."""
    found: Layout = _required(doc, "pantau_layout")
    return found


def org_entries(doc: Doc) -> Mapping[str, Any]:
    """The organisations' data by canonical name (written by ``pantau_orgs``)."""
    found: Mapping[str, Any] = _required(doc, "pantau_org_entries")
    return found


def region_entries_of(doc: Doc) -> Mapping[str, RegionEntry]:
    """The gazetteer's regions by code + kind (written by ``pantau_regions``)."""
    found: Mapping[str, RegionEntry] = _required(doc, "pantau_region_entries")
    return found


def amount_ranges(doc: Doc) -> list[Range]:
    """Character ranges of rupiah amounts (written by ``pantau_rupiah``)."""
    found: list[Range] = _required(doc, "pantau_amount_ranges")
    return found


def percent_ranges(doc: Doc) -> list[Range]:
    """Character ranges of percentages (written by ``pantau_percent``)."""
    found: list[Range] = _required(doc, "pantau_percent_ranges")
    return found


def people(doc: Doc) -> list[PersonRef]:
    """People named in the article (written by ``pantau_officials``)."""
    found: list[PersonRef] = _required(doc, "pantau_people")
    return found


@dataclass(frozen=True)
class Tokens:
    """The tokens as plain lists, read once with ``doc.to_array`` (hot loops over all tokens
    index these instead of making a spaCy ``Token`` per access)."""

    text: list[str]
    idx: list[int]  # character offset of each token
    space: list[bool]  # whether whitespace follows it


def tokens(doc: Doc) -> Tokens:
    """:class:`Tokens` of ``doc``, cached on it (the tokens never change after the tokenizer)."""
    stored: dict[Any, Any] = doc.user_data  # typed dict[str, Any] by spaCy; keys are tuples
    found: Tokens | None = stored.get(_WORDS_KEY)
    if found is None or len(found.text) != len(doc):
        text = text_of(doc)
        if len(doc):
            arr = doc.to_array([IDX, LENGTH, SPACY])  # columns as lists: no tuple per token
            starts: list[int] = arr[:, 0].tolist()
            ends: list[int] = (arr[:, 0] + arr[:, 1]).tolist()
            space: list[bool] = arr[:, 2].astype(bool).tolist()
        else:
            starts, ends, space = [], [], []
        found = Tokens([text[i:e] for i, e in zip(starts, ends, strict=True)], starts, space)
        doc._.pantau_words = found
    return found


def words(doc: Doc) -> list[str]:
    """Every token's text (:func:`tokens`)."""
    return tokens(doc).text


def add_fact(doc: Doc, field: str, item: dict[str, Any]) -> None:
    facts(doc).setdefault(field, []).append(item)


# --------------------------------------------------------------------------- sentences


def sentence_starts(doc: Doc) -> list[int]:
    """Character offsets where sentences start."""
    return layout(doc).sent_starts


def sentence_bounds(doc: Doc, start: int, end: int | None = None) -> tuple[int, int]:
    """(start, end) of the sentence(s) covering the character range [start, end)."""
    lay = layout(doc)
    starts = lay.sent_starts
    end = start + 1 if end is None or end <= start else end
    i = max(0, bisect.bisect_right(starts, start) - 1)
    j = max(i, bisect.bisect_right(starts, end - 1) - 1)
    return starts[i], lay.sent_ends[j]


def sentence_text(doc: Doc, start: int, end: int | None = None) -> str:
    s, e = sentence_bounds(doc, start, end)
    return text_of(doc)[s:e].strip()


# --------------------------------------------------------------------------- skipping


def in_ranges(ranges: list[Range], start: int, end: int | None = None) -> bool:
    """Whether [start, end) overlaps any of the (sorted or not) ranges."""
    end = start + 1 if end is None or end <= start else end
    return any(s < end and start < e for s, e in ranges)


def is_skipped(doc: Doc, start: int, end: int | None = None) -> bool:
    """Whether the range lies in page furniture (cross-links, bylines, link lists)."""
    return in_ranges(layout(doc).skip_ranges, start, end)


def is_headline(doc: Doc, start: int, end: int | None = None) -> bool:
    """Whether the range lies in a Title Case headline line."""
    return in_ranges(layout(doc).headline_ranges, start, end)


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
