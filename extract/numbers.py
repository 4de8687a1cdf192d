"""Indonesian number parsing: digits with Indonesian separators, multipliers and number words.

Indonesian writes "." for thousands and "," for decimals ("14.880", "10,08"); journalists also
leave stray spaces after the thousands dot ("8. 561", "Rp147. 000.000,-"). Large numbers carry a
multiplier word ("100 ribu", "1,5 juta", "Rp10,08 miliar") and small ones are often spelled out
("dua ratus", "dua belas", "delapan"). This module turns all of those into numbers and finds them
in running text with character offsets. Vocabulary lives in ``extract/data/numbers.yaml``.

Pure functions only: no spaCy, no I/O beyond reading the vocabulary file once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"

# Longest stretch of whitespace allowed inside a spaced thousands group ("8. 561"): one space.
# More would join unrelated numbers across a sentence break ("tahun 2025.  100 orang").
MAX_GROUP_SPACE = 1


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The number vocabulary from ``numbers.yaml`` (cached)."""
    with open(DATA_DIR / "numbers.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# --------------------------------------------------------------------------- digits

_SP = r"[ \u00a0]" + ("?" if MAX_GROUP_SPACE == 1 else f"{{0,{MAX_GROUP_SPACE}}}")
# A thousands-grouped number ("14.880", "147. 000.000", "1.500.000,50") or a plain/decimal one
# ("100", "45,83", "1.5"). Not preceded or followed by digits, dots, commas-with-digits or "/"
# so dates ("3/9/2025") and regulation numbers ("18/2025") never match.
DIGITS_PATTERN = (
    r"(?<![\d/])(?<![\d][.,])"
    r"(?:\d{1,3}(?:\." + _SP + r"\d{3}(?!\d))+(?:,\d+)?|\d+(?:[.,]\d+)?)"
    r"(?!\d)(?!/\d)"
)
DIGITS_RE = re.compile(DIGITS_PATTERN)


def parse_id_number(text: str) -> float | None:
    """Parse one number written the Indonesian way.

    >>> parse_id_number("14.880"), parse_id_number("10,08"), parse_id_number("147. 000.000,-")
    (14880.0, 10.08, 147000000.0)
    """
    s = text.strip().replace("\u00a0", " ")
    s = re.sub(r",-+$", "", s).rstrip(".")
    s = re.sub(r"\.\s+(?=\d{3}(?!\d))", ".", s)
    if not s or not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit():
        return None
    if "," in s:
        whole, _, frac = s.rpartition(",")
        if "," in whole:
            return None
        if "." in whole and not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", whole):
            return None
        whole = whole.replace(".", "")
        if not frac.isdigit() or not whole.isdigit():
            return None
        return float(f"{whole}.{frac}")
    if "." in s:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
            return float(s.replace(".", ""))
        if re.fullmatch(r"\d+\.\d+", s):  # English-style decimal ("1.5 juta")
            return float(s)
        return None
    return float(s)


# --------------------------------------------------------------------------- words


def _word_value_tables() -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]:
    v = vocabulary()
    return v["units"], v["se_forms"], v["small_multipliers"], v["magnitudes"]


def parse_number_words(text: str) -> float | None:
    """Parse spelled-out Indonesian numbers: "dua ratus" → 200, "satu juta" → 1e6,
    "dua belas" → 12, "dua koma lima" → 2.5. Returns None if the words are not a number."""
    v = vocabulary()
    units, se_forms, small_mult, mags = _word_value_tables()
    approx = v["approx_magnitudes"]
    words = text.lower().split()
    if not words:
        return None
    if v["decimal_word"] in words:
        i = words.index(v["decimal_word"])
        whole = parse_number_words(" ".join(words[:i]))
        digits = [units.get(w) for w in words[i + 1 :]]
        if whole is None or not digits or any(d is None for d in digits):
            return None
        return float(f"{int(whole)}.{''.join(str(d) for d in digits)}")
    total = 0
    small = 0  # the group below one thousand being built
    last: int | None = None  # last unit word, the operand of belas/puluh/ratus
    seen_any = False
    for w in words:
        if w in units:
            if last is not None:
                return None  # "dua tiga" is not a number
            small += units[w]
            last = units[w]
        elif w in se_forms:
            val = se_forms[w]
            if val >= 1000:
                total += val if small == 0 else small * val
                small, last = 0, None
            else:
                small += val
                last = None
        elif w == v["teen_word"]:
            if last is None:
                return None
            small += 10
            last = None
        elif w in small_mult:
            if last is None:
                return None
            small += last * (small_mult[w] - 1)
            last = None
        elif w in mags or w in approx:
            mag = mags.get(w) or approx[w]
            if small == 0:
                return None
            total += small * mag
            small, last = 0, None
        else:
            return None
        seen_any = True
    if not seen_any:
        return None
    return float(total + small)


def _number_word_alternation() -> str:
    v = vocabulary()
    words = (
        list(v["units"])
        + list(v["se_forms"])
        + [v["teen_word"]]
        + list(v["small_multipliers"])
        + list(v["magnitudes"])
        + list(v["approx_magnitudes"])
    )
    words = sorted({w for w in words if len(w) > 2}, key=len, reverse=True)  # "rb"/"jt" digits only
    return "|".join(re.escape(w) for w in words)


@lru_cache(maxsize=1)
def words_re() -> re.Pattern[str]:
    """Regex for a run of number words (validated afterwards by :func:`parse_number_words`)."""
    alt = _number_word_alternation()
    dec = re.escape(vocabulary()["decimal_word"])
    return re.compile(
        rf"(?<![\w-])(?:{alt})(?:\s+(?:{alt}|{dec}))*(?![\w-])",
        re.IGNORECASE,
    )


@lru_cache(maxsize=1)
def multiplier_re() -> re.Pattern[str]:
    """A multiplier word right after digits: "100 ribu", "1,5 jt", "5 ribuan"."""
    v = vocabulary()
    words = sorted(list(v["magnitudes"]) + list(v["approx_magnitudes"]), key=len, reverse=True)
    alt = "|".join(re.escape(w) for w in words)
    return re.compile(rf"[ \u00a0]?({alt})(?![\w])", re.IGNORECASE)


# --------------------------------------------------------------------------- finder


@dataclass(frozen=True)
class Quantity:
    """A number found in text. ``approx`` is set for "ribuan"-style magnitudes."""

    value: float
    start: int
    end: int
    text: str
    approx: bool = False
    words: bool = False


def multiplier_value(word: str) -> tuple[int, bool]:
    """(factor, approximate) for a magnitude word, case-insensitive."""
    v = vocabulary()
    w = word.lower()
    if w in v["magnitudes"]:
        return v["magnitudes"][w], False
    return v["approx_magnitudes"][w], True


def find_quantities(text: str) -> list[Quantity]:
    """All numbers in ``text`` (digits, digits + multiplier, number words), sorted by start.

    Digits inside dates/regulation numbers ("3/9/2025", "18/2025") are not returned.
    """
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in DIGITS_RE.finditer(text):
        value = parse_id_number(m.group(0))
        if value is None:
            continue
        end = m.end()
        approx = False
        mm = multiplier_re().match(text, end)
        if mm:
            factor, approx = multiplier_value(mm.group(1))
            value *= factor
            end = mm.end()
        found.append(Quantity(value, m.start(), end, text[m.start() : end], approx))
        taken.append((m.start(), end))
    for m in words_re().finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        phrase = m.group(0)
        value = parse_number_words(phrase)
        if value is None:
            continue
        approx = any(w.lower() in vocabulary()["approx_magnitudes"] for w in phrase.split())
        found.append(Quantity(value, m.start(), m.end(), phrase, approx, words=True))
    found.sort(key=lambda q: q.start)
    return found


def as_number(value: float) -> int | float:
    """An int when the value is whole (JSON-friendly, "14.880" → 14880), else the float."""
    return int(round(value)) if abs(value - round(value)) < 1e-9 else value
