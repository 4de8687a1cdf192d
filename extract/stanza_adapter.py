"""Optional linguistic enrichment with stanza's Indonesian models (the ``stanza`` extra).

The rule pipeline (:mod:`extract.nlp`) decides attachment by adjacency: "14.880 pekerja rentan",
"Bupati TTU Yosep …". When stanza and its ``id`` models (tokenize, pos, lemma, depparse) are
installed locally, a dependency parse can attach what adjacency misses: a number to the noun it
counts through a ``nummod`` arc ("14.880 orang pekerja rentan"), and a title to a name through
``appos``/``flat``/``nmod`` arcs. This module:

- :func:`load_pipeline` — loads ``stanza.Pipeline("id", download_method=None)`` from the local
  model folder (``STANZA_RESOURCES_DIR``, default ``~/stanza_resources``); never downloads. When
  stanza or the models are missing it logs one clear message ("model not installed: …") once per
  process and returns None, so callers run the rule path;
- :func:`count_attachments` / :func:`title_attachments` — read a ``stanza.Document`` (from the
  pipeline, or built from CoNLL-U text with ``stanza.utils.conll.CoNLL.conll2doc`` in tests);
- :func:`enrich` — adds to a facts mapping (from :func:`extract.facts.extract_facts`) the worker
  counts and officials the parse attaches and the rules missed, marked with this extractor's name.

No database, no HTTP: model files are read from disk only.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .components.common import load_data
from .numbers import implausible, parse_id_number, parse_number_words

log = logging.getLogger(__name__)

EXTRACTOR = "stanza_adapter"
VERSION = "0.1.0"
PROCESSORS = "tokenize,pos,lemma,depparse"
# Confidence of facts added from a parse: a model's attachment, not checked by a rule.
CONF_PARSED_COUNT = 0.6
CONF_PARSED_OFFICIAL = 0.6
# Arcs from a title to a name (or back) that mean "this person holds this position".
TITLE_NAME_ARCS = {"appos", "flat", "flat:name", "nmod", "compound"}
# Arcs that extend a counted noun to its phrase ("pekerja" + amod "rentan").
NOUN_PHRASE_ARCS = {"amod", "compound", "flat", "nmod"}

_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


@lru_cache(maxsize=1)
def load_pipeline(resources_dir: str | None = None) -> Any | None:
    """The local stanza ``id`` pipeline, or None (after one message) when unavailable."""
    try:
        import stanza
    except ImportError:
        _warn_once("stanza not installed (pip install -e '.[stanza]'); using the rule path")
        return None
    folder = (
        resources_dir
        or os.environ.get("STANZA_RESOURCES_DIR")
        or os.path.expanduser("~/stanza_resources")
    )
    try:
        return stanza.Pipeline(
            "id", dir=folder, processors=PROCESSORS, download_method=None, verbose=False
        )
    except (FileNotFoundError, ValueError, KeyError) as exc:
        # ResourcesFileNotFoundError subclasses FileNotFoundError; a missing processor model
        # raises FileNotFoundError or ValueError depending on the stanza version.
        _warn_once(
            f"model not installed: stanza 'id' models ({PROCESSORS}) not found in {folder}"
            f" ({type(exc).__name__}); using the rule path"
        )
        return None


# --------------------------------------------------------------------------- reading a parse


@dataclass(frozen=True)
class CountAttachment:
    number: str  # as written: "14.880", "dua ratus"
    value: int
    noun: str  # the counted noun phrase, lower case: "pekerja rentan"
    sentence: int
    start: int | None = None  # character offsets into the parsed text (None from CoNLL-U)
    end: int | None = None


@dataclass(frozen=True)
class TitleAttachment:
    title: str  # "Bupati TTU"
    name: str  # "Yosep Falentinus Delasalle Kebo"
    sentence: int
    start: int | None = None  # the name's character offsets (None from CoNLL-U)
    end: int | None = None


def _offsets(words: list[Any]) -> tuple[int | None, int | None]:
    starts = [getattr(w, "start_char", None) for w in words]
    ends = [getattr(w, "end_char", None) for w in words]
    known_starts = [int(x) for x in starts if x is not None]
    known_ends = [int(x) for x in ends if x is not None]
    if len(known_starts) < len(starts) or len(known_ends) < len(ends):
        return None, None
    return min(known_starts), max(known_ends)


def _children(sentence: Any) -> dict[int, list[Any]]:
    kids: dict[int, list[Any]] = {}
    for w in sentence.words:
        kids.setdefault(int(w.head), []).append(w)
    return kids


def _span_text(words: list[Any]) -> str:
    return " ".join(w.text for w in sorted(words, key=lambda w: int(w.id)))


def _subtree(word: Any, kids: dict[int, list[Any]], arcs: set[str]) -> list[Any]:
    """``word`` plus its descendants through ``arcs`` (contiguous to its right only)."""
    out = [word]
    for child in kids.get(int(word.id), []):
        if child.deprel in arcs and int(child.id) > int(word.id):
            out.extend(_subtree(child, kids, arcs))
    return out


def _number_value(words: list[Any]) -> int | None:
    text = " ".join(w.text for w in words)
    value = parse_id_number(words[0].text) if len(words) == 1 else None
    if value is None:
        value = parse_number_words(text)
    if value is None:
        try:
            multiplier = int(load_data("numbers.yaml")["magnitudes"][words[-1].text.lower()])
        except (KeyError, TypeError):
            return None
        base = parse_id_number(words[0].text)
        value = base * multiplier if base is not None else None
    if value is None or value <= 0 or implausible("worker_counts", value):
        return None  # implausible: the rule extractors record it as rejected
    return int(value)


def count_attachments(doc: Any) -> list[CountAttachment]:
    """Numbers attached by ``nummod`` to a noun, with the noun's phrase."""
    out = []
    for si, sentence in enumerate(doc.sentences):
        kids = _children(sentence)
        for w in sentence.words:
            if w.deprel != "nummod" or w.upos != "NUM":
                continue
            number = [w] + [
                c for c in kids.get(int(w.id), []) if c.deprel in {"flat", "compound", "nummod"}
            ]  # "100 ribu", "dua ratus"
            value = _number_value(sorted(number, key=lambda x: int(x.id)))
            head = sentence.words[int(w.head) - 1] if int(w.head) > 0 else None
            if value is None or head is None or head.upos not in {"NOUN", "PROPN"}:
                continue
            phrase = _subtree(head, kids, NOUN_PHRASE_ARCS)
            noun = _span_text(phrase).lower()
            start, end = _offsets(number + phrase)
            out.append(CountAttachment(_span_text(number), value, noun, si, start, end))
    return out


def _name_words(word: Any, kids: dict[int, list[Any]]) -> list[Any]:
    return _subtree(word, kids, {"flat", "flat:name"})


def title_attachments(doc: Any, titles: set[str] | None = None) -> list[TitleAttachment]:
    """(title, name) pairs: a title noun from ``positions.yaml`` linked to a PROPN name."""
    heads = titles if titles is not None else _title_words()
    out = []
    for si, sentence in enumerate(doc.sentences):
        kids = _children(sentence)
        for w in sentence.words:
            if w.text.lower() not in heads:
                continue
            title_words = [w]
            name_word = None
            for child in kids.get(int(w.id), []):
                if child.upos == "PROPN" and child.deprel in TITLE_NAME_ARCS:
                    if name_word is None and child.deprel in {"appos", "flat", "flat:name"}:
                        name_word = child
                    elif child.deprel in {"nmod", "compound"} and name_word is None:
                        title_words.append(child)  # "Bupati TTU": the region qualifies it
            parent = sentence.words[int(w.head) - 1] if int(w.head) > 0 else None
            hangs = parent is not None and parent.upos == "PROPN" and w.deprel in {"appos", "nmod"}
            if name_word is None and hangs:
                name_word = parent  # "Yosep …, Bupati TTU": the title hangs on the name
            if name_word is None:
                continue
            title = _span_text(
                title_words
                + [
                    c
                    for t in title_words[1:]
                    for c in kids.get(int(t.id), [])
                    if c.deprel == "flat"
                ]
            )
            name = _name_words(name_word, kids)
            out.append(TitleAttachment(title, _span_text(name), si, *_offsets(name)))
    return out


@lru_cache(maxsize=1)
def _title_words() -> frozenset[str]:
    data = load_data("positions.yaml")
    return frozenset(p[0] for h in data["heads"] for p in h["patterns"] if len(p) == 1)


@lru_cache(maxsize=1)
def _count_nouns() -> frozenset[str]:
    data = load_data("quantities.yaml")["worker_counts"]
    return frozenset(n.lower() for n in data["nouns"] + data["generic_nouns"])


# --------------------------------------------------------------------------- enrichment


def enrich(facts: dict[str, list[dict[str, Any]]], doc: Any) -> dict[str, list[dict[str, Any]]]:
    """Add to ``facts`` what the parse ``doc`` attaches and the rules missed (in place)."""
    nouns = _count_nouns()
    known_counts = {c["value"] for c in facts.get("worker_counts", [])}
    for att in count_attachments(doc):
        noun = next((n for n in sorted(nouns, key=len, reverse=True) if att.noun.startswith(n)),
                    None)  # fmt: skip
        if noun is None or att.value in known_counts:
            continue
        known_counts.add(att.value)
        facts.setdefault("worker_counts", []).append(
            {"value": att.value, "noun": noun, "qualifier": None, "text": att.number,
             "start": att.start, "end": att.end, "sentence": doc.sentences[att.sentence].text,
             "extractor": EXTRACTOR, "version": VERSION, "confidence": CONF_PARSED_COUNT}
        )  # fmt: skip
    known_names = [o["name"] for o in facts.get("officials", [])]
    from .components.officials import same_person

    for title in title_attachments(doc):
        if any(same_person(title.name, n) for n in known_names):
            continue
        known_names.append(title.name)
        facts.setdefault("officials", []).append(
            {"name": title.name, "title": title.title, "organization": None, "region": None,
             "text": title.name, "start": title.start, "end": title.end,
             "sentence": doc.sentences[title.sentence].text, "extractor": EXTRACTOR,
             "version": VERSION, "confidence": CONF_PARSED_OFFICIAL}
        )  # fmt: skip
    return facts


def enrich_text(
    facts: dict[str, list[dict[str, Any]]], text: str
) -> dict[str, list[dict[str, Any]]]:
    """Parse ``text`` with the local pipeline and :func:`enrich` ``facts``; unchanged (after one
    message) when stanza or its models are not installed."""
    nlp = load_pipeline()
    if nlp is None:
        return facts
    return enrich(facts, nlp(text))
