"""The speed shortcuts of the whole-text scans change nothing that matches (issue 17).

Date patterns are tried only where ``extract.dates._STARTS_RE`` says a date can start, and word
alternations lead with a look-ahead for their words' first letters: both must give exactly what
the plain scans give.
"""

from __future__ import annotations

import re

import pytest

from extract import dates
from extract.numbers import DIGITS_RE, word_alternation

TEXTS = [
    "Rapat digelar Senin (15/9/2025) pukul 10.30 WITA di Kupang.",
    "Pada Jum'at, 3 Oktober 2025, warga berkumpul; JUMAT 4 okt 2025 juga.",
    "Tanggal 2025-11-05T10:08:58Z dan 05-11-2015, lalu 12/2025 bukan tanggal.",
    "Sejak Agustus 17, 2017 hingga 1 Agt 2018 dan 31 Des; nomor 123456 7/8/25.",
    "Jumlahnya 14.880 pekerja, Rp1,5 miliar, 45,83 persen; Sabtu-Minggu 20-21 Sept 2025.",
    "jumlah Maret-an mei Mei2025 12Januari 2026 x3 Mar 2024 Sen 1/1/2020",
]


@pytest.mark.parametrize("text", TEXTS)
def test_date_scan_at_starts_equals_full_scan(text: str) -> None:
    starts = [m.start() for m in dates._STARTS_RE.finditer(text)]
    for pattern in dates._PATTERNS:
        shortcut = [m.span() for m in dates._finditer(pattern, text, starts)]
        assert shortcut == [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    ("words", "flags", "text"),
    [
        (["ribu", "juta", "miliar", "triliun"], re.IGNORECASE, "dua JUTA, tiga Miliar, ribuan"),
        (["pekerja", "buruh", "petani", "nelayan"], 0, "pekerja Buruh petani nelayan-nelayan"),
        (["persen", "%"], re.IGNORECASE, "45 persen, 3 % dan 7 PERSEN"),
        (["Rp", "IDR"], 0, "Rp5 juta, IDR 10, rp 3"),
    ],
)
def test_word_alternation_matches_as_plain(words: list[str], flags: int, text: str) -> None:
    plain = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    fast = re.compile(rf"(?<!\w)({word_alternation(words)})", flags)
    slow = re.compile(rf"(?<!\w)({plain})", flags)
    assert [m.span(1) for m in fast.finditer(text)] == [m.span(1) for m in slow.finditer(text)]


def test_digits_found_as_without_lookahead() -> None:
    slow = re.compile(DIGITS_RE.pattern.replace(r"(?=\d)", ""))
    for text in TEXTS:
        assert [m.span() for m in DIGITS_RE.finditer(text)] == [m.span() for m in slow.finditer(text)]
