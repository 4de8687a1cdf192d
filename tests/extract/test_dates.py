"""Table-driven tests for the Indonesian date parser (extract.dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from extract.dates import (
    DEFAULT_TZ,
    WIB,
    WIT,
    WITA,
    DateScan,
    iter_id_datetimes,
    parse_id_datetime,
)

UTC = UTC
# Reference "now" for year-less dates: Wednesday 1 October 2025, 09:00 WITA.
REF = datetime(2025, 10, 1, 9, 0, tzinfo=WITA)


def _dt(y: int, mo: int, d: int, h: int, mi: int, tz: timezone, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=tz)


# (text, expected value, has_time, weekday_mismatch)
CASES: list[tuple[str, date | datetime, bool, bool]] = [
    ("Senin, 7 Juli 2025", date(2025, 7, 7), False, False),
    ("Senin (15/9/2025)", date(2025, 9, 15), False, False),
    ("Kamis, 5 November 2015 14:56 WIB", _dt(2015, 11, 5, 14, 56, WIB), True, False),
    ("Rabu, 02 Nov 2022 17:11 WIB", _dt(2022, 11, 2, 17, 11, WIB), True, False),
    ("Senin (21/7/2025) 15.30 WITA", _dt(2025, 7, 21, 15, 30, WITA), True, False),
    ("5/11/2015", date(2015, 11, 5), False, False),
    ("2015-11-05T14:56:43+07:00", _dt(2015, 11, 5, 14, 56, WIB, 43), True, False),
    ("2025-09-03T10:15:00+08:00", _dt(2025, 9, 3, 10, 15, WITA), True, False),
    ("2015-11-05 T10:08:58Z", _dt(2015, 11, 5, 10, 8, UTC, 58), True, False),
    ("2016-02-16T13:01:52+0700", _dt(2016, 2, 16, 13, 1, WIB, 52), True, False),
    ("2025-07-07", date(2025, 7, 7), False, False),
    ("15/5/25", date(2025, 5, 15), False, False),
    ("Senin (15/9)", date(2025, 9, 15), False, False),
    ("Selasa, 7 Juli 2025", date(2025, 7, 7), False, True),
    ("Jumat (16/9/2025)", date(2025, 9, 16), False, True),
    ("12 Agt 2024", date(2024, 8, 12), False, False),
    ("1 Ags 2023", date(2023, 8, 1), False, False),
    ("17 Agu 2025", date(2025, 8, 17), False, False),
    ("3 Nop 2019", date(2019, 11, 3), False, False),
    ("25 Des 2024", date(2024, 12, 25), False, False),
    ("9 Okt 2025", date(2025, 10, 9), False, False),
    ("28 Mei 2025", date(2025, 5, 28), False, False),
    ("Kamis, 5 November 2015 - 15:56 wib", _dt(2015, 11, 5, 15, 56, WIB), True, False),
    ("Selasa, 16 Februari 2016 | 13:01 WIB", _dt(2016, 2, 16, 13, 1, WIB), True, False),
    ("Jumat , 17 February 2017, 13:16 WIB", _dt(2017, 2, 17, 13, 16, WIB), True, False),
    ("Kamis, 05/11/2015 09:25 WIB", _dt(2015, 11, 5, 9, 25, WIB), True, False),
    ("Thu, 05 Nov 2015 03:12:42 GMT", _dt(2015, 11, 5, 3, 12, UTC, 42), True, False),
    ("Sabtu, 12 Juli 2025 pukul 10.00 WIT", _dt(2025, 7, 12, 10, 0, WIT), True, False),
    ("Minggu, 3 Agustus 2025 08:45", _dt(2025, 8, 3, 8, 45, WITA), True, False),
    ("Jum'at, 4 Juli 2025", date(2025, 7, 4), False, False),
    ("pada Rabu (3/9/2025) di Kupang", date(2025, 9, 3), False, False),
    ("Pebruari 2017: 13 Pebruari 2017", date(2017, 2, 13), False, False),
]


@pytest.mark.parametrize(("text", "expected", "has_time", "mismatch"), CASES)
def test_parse_id_datetime(
    text: str, expected: date | datetime, has_time: bool, mismatch: bool
) -> None:
    parsed = parse_id_datetime(text, relative_to=REF)
    assert parsed is not None, text
    assert parsed.has_time is has_time
    assert parsed.weekday_mismatch is mismatch
    if isinstance(expected, datetime):
        assert isinstance(parsed.value, datetime)
        assert parsed.value == expected
        assert parsed.value.utcoffset() == expected.utcoffset()
    else:
        assert not isinstance(parsed.value, datetime)
        assert parsed.value == expected
    assert parsed.matched in text


@pytest.mark.parametrize(
    ("text", "ref", "expected"),
    [
        # no year: the year that puts the date nearest before/at the reference
        ("Senin (15/9)", datetime(2025, 10, 1, tzinfo=WITA), date(2025, 9, 15)),
        ("Selasa (23/12)", datetime(2025, 1, 10, tzinfo=WITA), date(2024, 12, 23)),
        ("Rabu, 1 Oktober", datetime(2025, 10, 1, 23, 0, tzinfo=WITA), date(2025, 10, 1)),
        ("Kamis (29/2)", datetime(2025, 3, 1, tzinfo=WITA), date(2024, 2, 29)),
    ],
)
def test_year_inferred_from_reference(text: str, ref: datetime, expected: date) -> None:
    parsed = parse_id_datetime(text, relative_to=ref)
    assert parsed is not None
    assert parsed.value == expected
    assert parsed.year_inferred


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [
        ("Senin, 7 Juli 2025 10:00 WIB", 7),
        ("Senin, 7 Juli 2025 10:00 WITA", 8),
        ("Senin, 7 Juli 2025 10:00 WIT", 9),
        ("Senin, 7 Juli 2025 10:00", 8),  # default zone: NTT keeps WITA
        ("2025-07-07T10:00:00", 8),
        ("2025-07-07T10:00:00Z", 0),
    ],
)
def test_zones(text: str, offset_hours: int) -> None:
    parsed = parse_id_datetime(text)
    assert parsed is not None and isinstance(parsed.value, datetime)
    assert parsed.value.utcoffset() == timedelta(hours=offset_hours)


def test_default_tz_is_wita_and_overridable() -> None:
    assert DEFAULT_TZ is WITA
    parsed = parse_id_datetime("7 Juli 2025 10:00", default_tz=WIB)
    assert parsed is not None and isinstance(parsed.value, datetime)
    assert parsed.value.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tidak ada tanggal di sini",
        "Rp 1.500.000",
        "14.880 pekerja rentan",
        "32/13/2025",
        "31 Februari 2025",
        "nomor 45,83 persen",
        "Senin",
    ],
)
def test_no_date(text: str) -> None:
    assert parse_id_datetime(text, relative_to=REF, fallback=False) is None


def test_iter_finds_all_in_order() -> None:
    text = (
        "Acara dibuka Senin (7/7/2025) dan ditutup Rabu, 9 Juli 2025 pukul 16.00 WITA; "
        "laporan dikirim 12/7/2025."
    )
    found = list(iter_id_datetimes(text))
    assert [p.value if not isinstance(p.value, datetime) else p.value.date() for p in found] == [
        date(2025, 7, 7),
        date(2025, 7, 9),
        date(2025, 7, 12),
    ]
    assert found[1].has_time


def test_as_datetime_of_bare_date_is_local_midnight() -> None:
    parsed = parse_id_datetime("Senin, 7 Juli 2025")
    assert parsed is not None
    assert parsed.as_datetime() == datetime(2025, 7, 7, tzinfo=WITA)


def test_fallback_handles_relative_phrase() -> None:
    parsed = parse_id_datetime("2 jam lalu", relative_to=datetime(2025, 10, 1, 12, 0, tzinfo=WITA))
    assert parsed is not None and isinstance(parsed.value, datetime)
    assert parsed.value.date() == date(2025, 10, 1)


# --------------------------------------------------------------------------- one scan per text

_SCAN_TEXT = (
    "Kupang (ANTARA) - Bupati meresmikan pasar pada Senin (15/9/2025) pukul 09.30 WITA.\n"
    "Acara lanjutan digelar 7 Juli 2025. Rapat 12/08/2025-13/08/2025 dihadiri 20 orang.\n"
    "Jumat, 05/09/2025 | 13:53\n"
    "Pada 3 Agustus warga berkumpul, lalu 2025-10-01 10:00 WIB dan Selasa (23/2)."
)


def _scan_windows(text: str) -> list[tuple[int, int]]:
    """Every window an extractor reads (lines, sentence-like pieces) and windows cut anywhere."""
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    out += [(m, n) for m in range(0, len(text), 7) for n in range(m + 1, len(text) + 1, 11)]
    return out


@pytest.mark.parametrize("published", [None, datetime(2025, 9, 16, 8, 0, tzinfo=WITA)])
def test_date_scan_windows_equal_scanning_each_window(published: datetime | None) -> None:
    scan = DateScan(_SCAN_TEXT, default_tz=WITA, relative_to=published, prefer_nearest=True)
    for s, e in _scan_windows(_SCAN_TEXT):
        alone = iter_id_datetimes(
            _SCAN_TEXT[s:e], default_tz=WITA, relative_to=published, prefer_nearest=True
        )
        assert scan.window(s, e) == list(alone), (s, e, _SCAN_TEXT[s:e])


def test_patterns_tried_at_date_starts_only_find_every_match() -> None:
    from extract.dates import _PATTERNS, _STARTS_RE, _finditer

    root = Path(__file__).parents[2]
    texts = [_SCAN_TEXT, "tgl05/11/2015, Jum'at,12 Mei; Kamis12 Juni 2025; 2025-10-01T10:00Z"]
    texts += [
        p.read_text(encoding="utf-8") for p in sorted((root / "extract" / "gold").glob("*.txt"))
    ]
    for text in texts:
        starts = [m.start() for m in _STARTS_RE.finditer(text)]
        for pattern in _PATTERNS:
            assert [m.span() for m in _finditer(pattern, text, starts)] == [
                m.span() for m in pattern.finditer(text)
            ]
