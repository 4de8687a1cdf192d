"""Personal names: when a short form can stand for a full name. The one owner of short-name
matching: the officials component (within an article, :func:`name_fits` unordered, initials
allowed) and the KB's person resolution (across articles, ordered, no initials) both use it.

Plain Python, no spaCy: ``kb`` imports it without loading the extraction pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence

# Shortest prefix that may stand for a full name token ("Melki" for "Melkiades"); a 3-letter
# prefix ("Yos") fits too many names.
MIN_PREFIX_CHARS = 4


def token_fits(tok: str, word: str, initials: bool = True) -> bool:
    """Name token ``tok`` can stand for ``word`` (both lower case): the same, a prefix of at
    least :data:`MIN_PREFIX_CHARS` letters ("melki" → "melkiades"), or an initial
    ("a." → "andi")."""
    if tok == word or (len(tok) >= MIN_PREFIX_CHARS and word.startswith(tok)):
        return True
    bare = tok.rstrip(".")
    return initials and len(bare) == 1 and len(word) > 1 and word.startswith(bare)


def name_fits(
    short: Sequence[str], full: Sequence[str], *, ordered: bool = False, initials: bool = True
) -> bool:
    """Every token of ``short`` fits a token of ``full`` (lower-case tokens; see
    :func:`token_fits`). ``ordered``: fits distinct tokens of ``full``, in order (the stricter
    rule across articles: "Lena Laka" is not "Melki Laka Lena")."""
    if not ordered:
        return all(any(token_fits(t, w, initials) for w in full) for t in short)
    j = 0
    for tok in short:
        while j < len(full) and not token_fits(tok, full[j], initials):
            j += 1
        if j == len(full):
            return False
        j += 1
    return True
