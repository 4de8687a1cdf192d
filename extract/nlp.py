"""The spaCy pipeline for fact extraction: rules, gazetteers and parsers, no trained model.

spaCy has no trained Indonesian pipeline (and model weights cannot be fetched here), so the
pipeline is ``spacy.blank("id")`` (Indonesian tokenizer) plus Pantau's registered components.
The pipeline is data: component names and their configs are listed in :data:`PIPELINE`, and
every component reads its vocabulary from ``extract/data/*.yaml``.

Start-up: spaCy's Indonesian tokenizer has 15,963 exceptions, and building them (a
special-case entry and a PhraseMatcher pattern each) took ~96% of the pipeline's start-up. Almost
all (15,614) are hyphenated words kept whole ("anak-anak", "sebaik-baiknya"), so
:class:`PantauTokenizer` keeps those as a set looked up by ``token_match`` and re-joins them
where other punctuation split them ("anak-anak/remaja"), as spaCy's special-case matcher does;
the other exceptions stay spaCy special cases. The tokens are the same as with every exception
loaded (``tests/extract/test_tokenizer.py`` compares both on every exception and on the corpora).

Every component declares what it reads and writes (``requires``/``assigns`` in its factory,
:func:`extract.components.common.check_pipeline`), and :func:`create_pipeline` refuses an order
in which a component would read what no earlier one wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, cast

import numpy
from spacy.attrs import ORTH, SPACY
from spacy.lang.id import Indonesian
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from . import components  # noqa: F401  - registers the pantau_* factories
from .components.common import check_pipeline

# (factory name, config overrides). Order matters: layout first (sentences, furniture), the
# gazetteers before the extractors that read their spans, money/percent before worker counts
# (which must not reuse their numbers), officials before quotes (speaker resolution). The order
# is checked against what each component requires and assigns (``check_pipeline``).
#
# Each fact records the version of the component that made it (``COMPONENT_VERSIONS``): bump a
# component's version when its output can change, and ``extract.facts.EXTRACTOR_VERSION`` with
# it (that one decides which stored pages are re-extracted).
COMPONENT_VERSIONS: dict[str, str] = {
    "pantau_regions": "0.3.5",  # agency-name last words and "(ABBR)" before a unit's place
    "pantau_rupiah": "0.3.3",
    "pantau_percent": "0.3.5",  # the lower end of a range ("60-65 persen")
    "pantau_worker_counts": "0.3.5",  # quotas with a verb in between, "85 anggotanya"
    "pantau_officials": "0.3.5",  # "(Title)" after a name, named places, Chinese names, ranks
    "pantau_quotes": "0.2.1",
    "pantau_events": "0.3.3",  # captions with credits and unfinished lines are not headlines
}
PIPELINE: list[tuple[str, dict[str, Any]]] = [
    ("pantau_layout", {}),
    ("pantau_orgs", {}),
    ("pantau_regions", {"version": COMPONENT_VERSIONS["pantau_regions"]}),
    ("pantau_rupiah", {"version": COMPONENT_VERSIONS["pantau_rupiah"]}),
    ("pantau_percent", {"version": COMPONENT_VERSIONS["pantau_percent"]}),
    ("pantau_worker_counts", {"version": COMPONENT_VERSIONS["pantau_worker_counts"]}),
    ("pantau_officials", {"version": COMPONENT_VERSIONS["pantau_officials"]}),
    ("pantau_quotes", {"version": COMPONENT_VERSIONS["pantau_quotes"]}),
    ("pantau_events", {"version": COMPONENT_VERSIONS["pantau_events"]}),
]

# Quotes glued to words when a space was lost ("Bone Bolango,”ungkap", "dia.”Kami"): split them
# off, or the place or name before them is one token with the next word. Given to the tokenizer
# when it is built: setting infixes afterwards reloads its exceptions again.
PANTAU_INFIXES = [
    *Indonesian.Defaults.infixes,
    r"(?<=[\w.,!?])[”“\"](?=\w)",
    r"(?<=\w)[,.](?=[”“\"]\w)",
]
# A hyphenated word made of letters and digits ("anak-anak", "ke-2"); emoticons ("-_-") and
# exceptions with several tokens or a NORM stay spaCy special cases.
_HYPHEN_WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)+")


def _split_exceptions(
    exceptions: dict[str, list[dict[int, str]]],
) -> tuple[dict[str, list[dict[int, str]]], frozenset[str]]:
    """(exceptions left to spaCy, hyphenated one-token words kept whole by ``token_match``)."""
    words = frozenset(
        k
        for k, v in exceptions.items()
        if _HYPHEN_WORD_RE.fullmatch(k) and len(v) == 1 and v[0] == {ORTH: k}
    )
    return {k: v for k, v in exceptions.items() if k not in words}, words


KEPT_EXCEPTIONS, HYPHEN_WORDS = _split_exceptions(Indonesian.Defaults.tokenizer_exceptions)
# Most tokens a hyphenated word splits into when other punctuation stops it being whole: its
# words and hyphens (test_tokenizer checks the bound on every word).
MAX_WORD_TOKENS = 2 * max(w.count("-") for w in HYPHEN_WORDS) + 1


class _FullDefaults(Indonesian.Defaults):  # type: ignore[misc,valid-type]
    infixes = PANTAU_INFIXES


class FullPantauIndonesian(Indonesian):  # type: ignore[no-untyped-call]
    """``spacy.blank("id")`` with Pantau's infixes and all 15,963 exceptions as special cases
    (slow to build; the reference :class:`PantauTokenizer` is tested against)."""

    lang = "id"
    Defaults = _FullDefaults


class _PantauIndonesianDefaults(Indonesian.Defaults):  # type: ignore[misc,valid-type]
    infixes = PANTAU_INFIXES
    tokenizer_exceptions = KEPT_EXCEPTIONS
    token_match = HYPHEN_WORDS.__contains__


class PantauTokenizer(Tokenizer):  # type: ignore[misc]
    """spaCy's tokenizer with the hyphenated exceptions as a set (``token_match``), re-joining
    them where punctuation around them split them, like spaCy's special-case matcher: a glued
    run of tokens spelling a hyphenated word ("anak-anak/remaja" → "anak-anak", "/", "remaja").
    """

    def __init__(self, vocab: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(vocab, *args, **kwargs)
        self.plain = Tokenizer(
            vocab,
            rules={},
            prefix_search=self.prefix_search,
            suffix_search=self.suffix_search,
            infix_finditer=self.infix_finditer,
            token_match=None,
            url_match=self.url_match,
        )
        self.hyphen = vocab.strings.add("-")
        self._patterns: dict[str, list[str]] = {}

    def __call__(self, string: str) -> Doc:
        doc: Doc = super().__call__(string)
        if "-" in string and len(doc) >= 3:
            self._join_hyphen_words(doc)
        doc._.pantau_text = string  # doc.text would rebuild it from a Token per token
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def _pattern(self, word: str) -> list[str]:
        """The tokens of ``word`` without the exceptions (spaCy's special-case pattern)."""
        if word not in self._patterns:
            self._patterns[word] = [t.text for t in self.plain(word)]
        return self._patterns[word]

    def _join_hyphen_words(self, doc: Doc) -> None:
        arr = doc.to_array([ORTH, SPACY])
        hyphens = numpy.flatnonzero(arr[:, 0] == self.hyphen)
        n = len(doc)
        # only a hyphen glued on both sides can be joined into a word
        if not any(0 < h < n - 1 and not arr[h - 1, 1] and not arr[h, 1] for h in hyphens):
            return
        texts = [t.text for t in doc]
        # every match spaCy's special-case PhraseMatcher finds (by ORTH, spaces or not) ...
        found: set[tuple[int, int]] = set()
        for h in hyphens.tolist():
            for i in range(max(0, h - MAX_WORD_TOKENS + 1), h + 1):
                for j in range(h + 1, min(n, i + MAX_WORD_TOKENS) + 1):
                    word = "".join(texts[i:j])
                    if word in HYPHEN_WORDS and self._pattern(word) == texts[i:j]:
                        found.add((i, j))
        # ... filtered as spaCy filters them: longest first, then leftmost; a match is kept when
        # its first and last tokens are not yet taken
        seen: set[int] = set()
        kept = []
        for i, j in sorted(found, key=lambda m: (m[1] - m[0], -m[0]), reverse=True):
            if i not in seen and j - 1 not in seen:
                kept.append((i, j))
            seen.update(range(i, j))
        # ... and joined only when nothing separates the tokens
        joins = [(i, j) for i, j in kept if not any(arr[k, 1] for k in range(i, j - 1))]
        if joins:
            with doc.retokenize() as retokenizer:
                for i, j in joins:
                    retokenizer.merge(doc[i:j])


class PantauIndonesian(Indonesian):  # type: ignore[no-untyped-call]
    """``spacy.blank("id")`` with Pantau's infixes and :class:`PantauTokenizer`."""

    lang = "id"
    Defaults = _PantauIndonesianDefaults

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tok = cast(Tokenizer, self.tokenizer)
        self.tokenizer = PantauTokenizer(
            self.vocab,
            rules=tok.rules,
            prefix_search=tok.prefix_search,
            suffix_search=tok.suffix_search,
            infix_finditer=tok.infix_finditer,
            token_match=tok.token_match,
            url_match=tok.url_match,
        )


def create_pipeline(pipeline: list[tuple[str, dict[str, Any]]] | None = None) -> Language:
    """A fresh pipeline (use :func:`build_pipeline` for the shared cached one). Raises
    ``ValueError`` when a component would read what no component before it writes."""
    nlp = PantauIndonesian()
    for name, config in pipeline or PIPELINE:
        nlp.add_pipe(name, config=config)
    check_pipeline(nlp)
    return nlp


@lru_cache(maxsize=1)
def build_pipeline() -> Language:
    """The shared extraction pipeline, built once per process."""
    return create_pipeline()
