"""The fast tokenizer (hyphenated exceptions as a set) splits exactly like spaCy's Indonesian
tokenizer with all 15,963 exceptions loaded as special cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from extract.nlp import (
    HYPHEN_WORDS,
    MAX_WORD_TOKENS,
    FullPantauIndonesian,
    PantauIndonesian,
    PantauTokenizer,
)

ROOT = Path(__file__).parents[2]
# How each hyphenated word is put in a text: alone, in brackets and quotes, glued to other
# punctuation (where spaCy's special-case matcher joins it again), repeated and spaced.
CONTEXTS = ["{}", "({})", "“{}”,", "{}.", "{}-nya", "{} - {}"]
# Glued contexts are slow for both tokenizers: every GLUED_STEP-th word (~2,200 of them).
GLUED_CONTEXTS = ["{}/remaja", "x-{}", "anak-{}/x", "{}-{}", "{}:{}"]
GLUED_STEP = 7


@pytest.fixture(scope="module")
def tokenizers() -> tuple[Language, Language]:
    return PantauIndonesian(), FullPantauIndonesian()


def _tokens(nlp: Language, text: str) -> list[tuple[str, int]]:
    return [(t.text, t.idx) for t in nlp.make_doc(text)]


@pytest.mark.parametrize(
    ("context", "step"), [(c, 1) for c in CONTEXTS] + [(c, GLUED_STEP) for c in GLUED_CONTEXTS]
)
def test_every_exception_splits_as_with_spacys_special_cases(
    tokenizers: tuple[Language, Language], context: str, step: int
) -> None:
    fast, full = tokenizers
    text = " ".join(context.replace("{}", w) for w in sorted(HYPHEN_WORDS)[::step])
    assert _tokens(fast, text) == _tokens(full, text)


@pytest.mark.parametrize(
    "folder", ["extract/gold", "extract/gold_national", "../shared/national-dev"]
)
def test_corpora_split_as_with_spacys_special_cases(
    tokenizers: tuple[Language, Language], folder: str
) -> None:
    fast, full = tokenizers
    files = sorted((ROOT / folder).glob("*.txt"))
    if not files:
        pytest.skip(f"{folder} not present")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _tokens(fast, text) == _tokens(full, text), path.name


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("anak-anak", ["anak-anak"]),
        ("(anak-anak)", ["(", "anak-anak", ")"]),
        ("anak-anak/remaja", ["anak-anak", "/", "remaja"]),
        ("anak - anak", ["anak", "-", "anak"]),
        ("Kupang-Soe", ["Kupang", "-", "Soe"]),
    ],
)
def test_hyphenated_words(
    tokenizers: tuple[Language, Language], text: str, tokens: list[str]
) -> None:
    assert [t for t, _ in _tokens(tokenizers[0], text)] == tokens


def test_the_join_window_covers_every_word(tokenizers: tuple[Language, Language]) -> None:
    tokenizer = tokenizers[0].tokenizer
    assert isinstance(tokenizer, PantauTokenizer)
    assert max(len(tokenizer.plain(w)) for w in HYPHEN_WORDS) <= MAX_WORD_TOKENS
