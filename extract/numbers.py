"""Indonesian number parsing: digits with Indonesian separators, multipliers and number words.

Indonesian writes "." for thousands and "," for decimals ("14.880", "10,08"); journalists also
leave stray spaces after the thousands dot ("8. 561", "Rp147. 000.000,-"). Large numbers carry a
multiplier word ("100 ribu", "1,5 juta", "Rp10,08 miliar") and small ones are often spelled out
("dua ratus", "dua belas", "delapan"). This module turns all of those into numbers and finds them
in running text with character offsets. Vocabulary lives in ``extract/data/numbers.yaml``.

Numbers are read only where they stand alone: digits glued to letters ("1e309", "H5N1",
"COVID19") are codes or scientific notation, not a figure and not a fragment of one ("309").
Invisible characters that editors and copy-paste leave inside numbers (zero-width space,
non-joiner and joiner, word joiner, BOM, soft hyphen: "14\u200b.880") are skipped when finding
a number and removed when parsing it, so offsets still point into the original text.

:func:`implausible` says why a parsed value cannot be a figure of its kind (more people than
live in Indonesia, more rupiah than four times the yearly GDP, a percentage beyond any growth
figure, anything that does not fit a signed 64-bit integer); the extractors record such a
number as ``rejected`` with that reason instead of reporting it as a fact.

Pure functions only: no spaCy, no I/O beyond reading the vocabulary file once.
"""

from __future__ import annotations

import math
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
    """The number vocabulary from ``numbers.yaml`` (cached; checked against its schema)."""
    from .schemas import validate

    path = DATA_DIR / "numbers.yaml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=loader)
    validate(path, data)
    return data


# --------------------------------------------------------------------------- digits

# Characters that render as nothing: zero-width space, non-joiner, joiner, word joiner, BOM
# (zero-width no-break space) and the soft hyphen. CMS editors and copy-paste leave them inside
# numbers ("14\u200b.880"), where they would split one figure into two.
INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE_RE = re.compile(f"[{INVISIBLE_CHARS}]")
_I = f"[{INVISIBLE_CHARS}]*"  # inside a number, between any two of its characters
_D = rf"(?:{_I}\d)"  # a further digit
_SP = r"[ \u00a0]" + ("?" if MAX_GROUP_SPACE == 1 else f"{{0,{MAX_GROUP_SPACE}}}")
_LETTER = r"[^\W\d_]"
# A thousands-grouped number ("14.880", "147. 000.000", "1.500.000,50") or a plain/decimal one
# ("100", "45,83", "1.5"). Not preceded or followed by digits, dots, commas-with-digits or "/"
# so dates ("3/9/2025") and regulation numbers ("18/2025") never match, and never a fragment
# of a longer number; not next to an exponent or to letters that run into digits ("1e309",
# "1E+309", "5N1": scientific notation and codes, not figures).
# Each pattern starts by looking ahead for its first digit: every branch starts with one, so
# nothing else matches, but a position without a digit fails at once instead of after the
# four look-behinds (most of the time of a whole-text scan).
DIGITS_AFTER_PREFIX_PATTERN = (
    rf"(?=\d)(?<![\d/])(?<![\d][.,])(?<![\d.,/][{INVISIBLE_CHARS}])(?<!\d[eE][+-])"
    rf"(?:\d{_D}{{0,2}}(?:{_I},{_I}\d{_D}{{2}})+(?:{_I}\.{_I}\d{_D}{{2}}(?!{_D}))+"  # "256,854.330"
    rf"|\d{_D}{{0,2}}(?:{_I}\.{_I}{_SP}{_I}\d{_D}{{2}}(?!{_D}))+(?:{_I},{_I}\d{_D}*)?"
    rf"|\d{_D}*(?:{_I}[.,]{_I}\d{_D}*)?)"
    rf"(?!{_D})(?!{_I}[.,]{_I}\d)(?!{_I}/\d)(?![eE][+-]?\d)(?!{_LETTER}+\d)"
)
# The same, not glued to a letter before it either ("COVID19", the "309" of "1e309"). Only a
# currency prefix may touch a number ("Rp10"): its regex uses DIGITS_AFTER_PREFIX_PATTERN.
DIGITS_PATTERN = rf"(?=\d)(?<!{_LETTER}){DIGITS_AFTER_PREFIX_PATTERN}"
DIGITS_RE = re.compile(DIGITS_PATTERN)


def parse_id_number(text: str) -> float | None:
    """Parse one number written the Indonesian way.

    >>> parse_id_number("14.880"), parse_id_number("10,08"), parse_id_number("147. 000.000,-")
    (14880.0, 10.08, 147000000.0)
    """
    s = INVISIBLE_RE.sub("", text).strip().replace("\u00a0", " ")
    s = re.sub(r",-+$", "", s).rstrip(".")
    s = re.sub(r"\.\s+(?=\d{3}(?!\d))", ".", s)
    if not s or not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit():
        return None
    if "," in s and "." in s and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", s):
        return float(re.sub(r"[.,]", "", s))  # "256,854.330": both separators group thousands
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


def word_alternation(words: list[str]) -> str:
    """A regex matching any of ``words`` (longest first, so "jumat" wins over "jum"), as one
    non-capturing group led by a look-ahead for the words' first characters. The look-ahead
    changes nothing that matches (every word starts with one of them; the pattern's case flag
    applies to both) but a position no word can start at fails in one step instead of after
    trying each word: scans over whole texts take a fraction of the time."""
    ordered = sorted(set(words), key=len, reverse=True)
    alt = "|".join(re.escape(w) for w in ordered)
    if not ordered or "" in ordered:
        return f"(?:{alt})"  # an empty word matches anywhere: no first character to look for
    firsts = "".join(re.escape(c) for c in sorted({w[0] for w in ordered}))
    return f"(?=[{firsts}])(?:{alt})"


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
    return word_alternation([w for w in words if len(w) > 2])  # "rb"/"jt": digits only


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


# --------------------------------------------------------------------------- plausibility

# The KB stores amounts as signed 64-bit integers (BIGINT) and counts as INTEGER (32 bits on
# PostgreSQL: MAX_PEOPLE is far below it); kb/store.py checks again before writing.
INT64_MAX = 2**63 - 1
# Indonesia has about 281 million people (BPS, mid-2024): a count of people above 300 million is
# not a count of people in Indonesian news but a typo, two numbers run together or a hostile page.
MAX_PEOPLE = 300_000_000
# Indonesia's GDP is about Rp22.000 triliun (2024) and the national budget about Rp3.600 triliun;
# no amount a news article quotes comes near Rp100.000 triliun (10^17), which also stays far
# inside 64 bits.
MAX_RUPIAH = 10**17
# Shares are 0-100 %; growth figures ("naik 250 persen") reach a few thousand. Above 10.000 %
# (a hundredfold) a "percentage" is a misread number.
MAX_PERCENT = 10_000

PLAUSIBLE_MAX: dict[str, tuple[int, str]] = {
    "worker_counts": (MAX_PEOPLE, "more people than live in Indonesia"),
    "amounts": (MAX_RUPIAH, "over four times Indonesia's yearly GDP"),
    "percentages": (MAX_PERCENT, "beyond any growth figure"),
}


_ID_SEPARATORS = str.maketrans({",": ".", ".": ","})


def format_number(value: float, decimals: int = 0) -> str:
    """A number as Indonesian prints it: "." groups thousands, "," starts the decimals.

    The one formatter of Pantau's output (digest, reports, Datasette pages, messages).

    >>> format_number(14880), format_number(45.833, 2), format_number(-1500000)
    ('14.880', '45,83', '-1.500.000')
    """
    if isinstance(value, int) and not decimals:
        return f"{value:,}".translate(_ID_SEPARATORS)
    return f"{value:,.{decimals}f}".translate(_ID_SEPARATORS)


def format_rupiah(value: float) -> str:
    """Whole rupiah with thousands dots: ``format_rupiah(10_080_000_000)`` → "Rp10.080.000.000"."""
    return "Rp" + format_number(int(round(value)))


def implausible(field: str, value: float) -> str | None:
    """Why ``value`` cannot be a ``field`` figure (``worker_counts``, ``amounts``,
    ``percentages``), or None when it can.

    >>> implausible("worker_counts", 9_223_372_036_854_775_808)
    'above 300.000.000: more people than live in Indonesia'
    """
    if not math.isfinite(value):
        return "not a finite number"
    limit, why = PLAUSIBLE_MAX[field]
    if value > limit:
        return f"above {format_number(limit)}: {why}"
    if abs(value) > INT64_MAX:  # every limit is far below; kept should a limit ever grow
        return "does not fit a 64-bit integer"
    return None


def json_value(value: float) -> int | float | None:
    """A parsed value for a ``rejected`` item: :func:`as_number`, None when not finite."""
    return as_number(value) if math.isfinite(value) else None


def as_number(value: float) -> int | float:
    """An int when the value is whole (JSON-friendly, "14.880" → 14880), else the float."""
    return int(round(value)) if abs(value - round(value)) < 1e-9 else value
