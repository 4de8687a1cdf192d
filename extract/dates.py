"""Indonesian date and time parsing for news pages.

Regional Indonesian news writes dates in a handful of shapes that generic parsers get wrong
(day-first numerics, weekday-in-parentheses, WIB/WITA/WIT zones, ``Agt``/``Nop`` abbreviations,
years left out because "the reader knows"). This module is a small regex parser for exactly those
shapes; ``dateparser`` is only a last-resort fallback for short strings (it ignores weekdays and
guesses month order, so it never overrides a regex hit).

Public API:

* :func:`parse_id_datetime` -- the first date in a string, as a :class:`ParsedDate`.
* :func:`iter_id_datetimes` -- every date in a string, in order (used by fact extraction and by the
  weekday-consistency check in :mod:`extract.clean`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import wilayah
from wilayah import WIB, WIT, WITA

__all__ = [
    "DEFAULT_TZ",
    "local_zone",
    "WIB",
    "WIT",
    "WITA",
    "DateScan",
    "ParsedDate",
    "iter_id_datetimes",
    "parse_id_datetime",
]

# The zones and which province keeps which are owned by :mod:`wilayah`; a time with no zone and no
# outlet zone is read in the default province's zone (Pantau started in NTT: WITA).
DEFAULT_TZ: tzinfo = wilayah.DEFAULT_ZONE
# The zone of the outlet being read, for the duration of :func:`local_zone` (one page's cleaning):
# the dates of an outlet in Java are WIB without every caller passing it down.
_LOCAL_ZONE: ContextVar[tzinfo] = ContextVar("pantau_local_zone", default=DEFAULT_TZ)


@contextmanager
def local_zone(tz: tzinfo | None) -> Iterator[None]:
    """Read times written without a zone in ``tz`` (an outlet's zone) inside the block."""
    token = _LOCAL_ZONE.set(tz or DEFAULT_TZ)
    try:
        yield
    finally:
        _LOCAL_ZONE.reset(token)


# Two-digit years at or above this pivot are 19xx, below are 20xx ("15/5/25" -> 2025).
TWO_DIGIT_YEAR_PIVOT = 70
# Plausible range for a news date; anything outside is a mis-parse (phone numbers, IDs).
MIN_YEAR, MAX_YEAR = 1990, 2100
# dateparser is slow and guesses freely; only hand it short strings that the regexes missed.
FALLBACK_MAX_CHARS = 64
# With no year, walk back at most this many years looking for a valid date (29 Feb).
NO_YEAR_LOOKBACK = 8

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "januari jan january",
        "februari pebruari feb peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nopember nov nop",
        "desember des dec december",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num

_WEEKDAYS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "senin monday mon",
        "selasa tuesday tue tues",
        "rabu wednesday wed",
        "kamis thursday thu thur thurs",
        "jumat jum'at jum’at jumaat friday fri",
        "sabtu saturday sat",
        "minggu ahad sunday sun",
    ]
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _num

_ZONES: dict[str, tzinfo] = {
    "wib": WIB,
    "wita": WITA,
    "wit": WIT,
    "gmt": UTC,
    "utc": UTC,
    "z": UTC,
}


def _alt(words: list[str]) -> str:
    # Longest first so "jumat" wins over "jum", "agustus" over "agu".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTH_RE = rf"(?P<month>{_alt(list(_MONTHS))})\.?"
_WD_RE = rf"(?P<wd>{_alt(list(_WEEKDAYS))})"
_TZ_RE = r"(?P<tz>WITA|WIB|WIT|GMT|UTC|Z|[+-]\d{2}:?\d{2})"
# Optional time after a date: separators seen in the wild are ",", "|", "-", "pukul", "jam".
_TIME_TAIL = (
    r"(?:\s*[,|\-–—/]?\s*(?:(?:pukul|pkl\.?|jam)\s*)?"
    r"(?P<hh>[01]?\d|2[0-3])[:.](?P<mi>[0-5]\d)(?:[:.](?P<ss>[0-5]\d))?(?!\d)"
    rf"(?:\s*{_TZ_RE}(?![A-Za-z]))?)?"
)

_PATTERNS: list[re.Pattern[str]] = [
    # ISO 8601, tolerant of "2015-11-05 T10:08:58Z" and a space instead of the T.
    re.compile(
        r"(?<!\d)(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})(?!\d)"
        r"(?:(?:\s*T\s*|\s+)(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?"
        r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|WITA|WIB|WIT|GMT|UTC)?)?",
        re.IGNORECASE,
    ),
    # "Senin (15/9/2025)", "Senin (21/7/2025) 15.30 WITA", "Selasa (23/2)" (no year).
    re.compile(
        rf"\b{_WD_RE}\s*,?\s*\(\s*(?P<day>\d{{1,2}})\s*/\s*(?P<mon>\d{{1,2}})"
        rf"(?:\s*/\s*(?P<year>\d{{4}}|\d{{2}}))?\s*\){_TIME_TAIL}",
        re.IGNORECASE,
    ),
    # "Kamis, 5 November 2015 14:56 WIB", "Rabu, 02 Nov 2022", "7 Juli 2025", "Senin, 7 Juli".
    re.compile(
        rf"(?:\b{_WD_RE}\s*,?\s*)?(?<![\d/])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*[-\s]\s*"
        rf"{_MONTH_RE}(?![a-z])(?:\s*[-\s,]\s*(?P<year>\d{{4}})(?!\d))?{_TIME_TAIL}",
        re.IGNORECASE,
    ),
    # "February 17, 2017" (English month-first, seen on sub-brands).
    re.compile(
        rf"(?:\b{_WD_RE}\s*,?\s*)?\b{_MONTH_RE}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})(?!\d)"
        rf"{_TIME_TAIL}",
        re.IGNORECASE,
    ),
    # Day-first numerics: "5/11/2015", "Kamis, 05/11/2015 09:25 WIB", "15/5/25", "05-11-2015".
    re.compile(
        rf"(?:\b{_WD_RE}\s*,?\s*)?(?<![\d/.\-])(?P<day>\d{{1,2}})(?P<sep>[/.\-])(?P<mon>\d{{1,2}})"
        rf"(?P=sep)(?P<year>\d{{4}}|\d{{2}})(?![\d/]|\.\d){_TIME_TAIL}",
        re.IGNORECASE,
    ),
]


@dataclass(frozen=True)
class ParsedDate:
    """One date found in text.

    ``value`` is a timezone-aware :class:`datetime` when a time of day was stated
    (``has_time``), else a plain :class:`date`. ``weekday_mismatch`` is True when the text names a
    weekday that the date does not fall on. ``matched`` is the exact substring that was parsed.
    ``year_inferred`` is True when the text gave no year and it was taken from ``relative_to``.
    """

    value: datetime | date
    has_time: bool
    weekday_mismatch: bool
    matched: str
    year_inferred: bool = False
    span: tuple[int, int] = (0, 0)

    def as_datetime(self, default_tz: tzinfo | None = None) -> datetime:
        """The value as an aware datetime (a bare date becomes local midnight)."""
        if isinstance(self.value, datetime):
            return self.value
        tz = default_tz or _LOCAL_ZONE.get()
        return datetime(self.value.year, self.value.month, self.value.day, tzinfo=tz)


def _parse_tz(raw: str | None) -> tzinfo | None:
    if not raw:
        return None
    key = raw.lower()
    if key in _ZONES:
        return _ZONES[key]
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", raw)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours > 14 or minutes >= 60:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if m.group(1) == "-" else delta)


def _year(raw: str) -> int:
    y = int(raw)
    if len(raw) == 2:
        y += 1900 if y >= TWO_DIGIT_YEAR_PIVOT else 2000
    return y


def _infer_year(day: int, month: int, ref: date) -> date | None:
    """The latest valid (year, month, day) on or before ``ref``."""
    for year in range(ref.year, ref.year - NO_YEAR_LOOKBACK, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= ref:
            return candidate
    return None


def _infer_year_nearest(day: int, month: int, ref: date, weekday: int | None) -> date | None:
    """The valid date nearest to ``ref`` (a year either side), on ``weekday`` when one is given
    and any candidate falls on it; ties go to the past."""
    cands = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            cands.append(date(year, month, day))
        except ValueError:
            continue
    if weekday is not None and any(c.weekday() == weekday for c in cands):
        cands = [c for c in cands if c.weekday() == weekday]
    if not cands:
        return None
    return min(cands, key=lambda c: (abs((c - ref).days), c > ref))


def _build(
    m: re.Match[str],
    default_tz: tzinfo,
    relative_to: datetime | None,
    prefer_nearest: bool = False,
) -> ParsedDate | None:
    g = m.groupdict()
    try:
        day = int(g["day"])
        month = _MONTHS[g["month"].lower().rstrip(".")] if g.get("month") else int(g["mon"])
    except (KeyError, ValueError, TypeError):
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    year_inferred = False
    if g.get("year"):
        try:
            d = date(_year(g["year"]), month, day)
        except ValueError:
            return None
    else:
        ref_dt = relative_to or datetime.now(default_tz)
        ref = ref_dt.astimezone(default_tz).date() if ref_dt.tzinfo else ref_dt.date()
        if prefer_nearest:
            wd_name = (g.get("wd") or "").lower()
            inferred = _infer_year_nearest(day, month, ref, _WEEKDAYS.get(wd_name))
        else:
            inferred = _infer_year(day, month, ref)
        if inferred is None:
            return None
        d, year_inferred = inferred, True
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        return None
    mismatch = False
    if g.get("wd"):
        wd = _WEEKDAYS.get(g["wd"].lower())
        mismatch = wd is not None and wd != d.weekday()
    value: datetime | date = d
    has_time = g.get("hh") is not None
    if has_time:
        tz = _parse_tz(g.get("tz")) or default_tz
        try:
            value = datetime(
                d.year,
                d.month,
                d.day,
                int(g["hh"]),
                int(g["mi"]),
                int(g.get("ss") or 0),
                tzinfo=tz,
            )
        except ValueError:
            has_time, value = False, d
    return ParsedDate(
        value=value,
        has_time=has_time,
        weekday_mismatch=mismatch,
        matched=m.group(0).strip(),
        year_inferred=year_inferred,
        span=(m.start(), m.end()),
    )


# Where a date can start: a digit not right after another one (every pattern refuses a digit
# before its first), or a weekday or month name at a word start (every pattern begins with one
# of them). The patterns are tried only there: trying them at every character was most of the
# time of a document's date scan. Only the names no other name begins are needed for the
# starts, written as a trie ("j(?:an|u(?:l|m…))"): a position fails after a character or two
# instead of after trying each name.
def _trie(words: set[str]) -> str:
    """A regex matching any of ``words``, none of which begins another, as a trie."""
    by_first: dict[str, set[str]] = {}
    for w in words:
        by_first.setdefault(w[0], set()).add(w[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        rest = "" if rests == {""} else f"(?:{_trie(rests)})"
        branches.append(re.escape(first) + rest)
    return "|".join(branches)


_NAMES = {*_WEEKDAYS, *_MONTHS}
_STARTS_RE = re.compile(
    r"(?<!\d)\d|\b(?:"
    + _trie({w for w in _NAMES if not any(o != w and w.startswith(o) for o in _NAMES)})
    + ")",
    re.IGNORECASE,
)


def _finditer(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose matches begin only at ``starts``: the
    first match at or after the end of the last one (patterns never match empty)."""
    i, n = 0, len(starts)
    while i < n:
        m = pattern.match(text, starts[i])
        if m is None:
            i += 1
            continue
        yield m
        i = bisect.bisect_left(starts, m.end(), i + 1)


def _candidates(
    text: str, tz: tzinfo, relative_to: datetime | None, prefer_nearest: bool
) -> tuple[list[ParsedDate], list[tuple[int, int]]]:
    """Every pattern's matches in ``text``: the parsed dates, sorted by start then longest first,
    and the spans of all matches (parsed or not)."""
    found: list[ParsedDate] = []
    spans: list[tuple[int, int]] = []
    starts = [m.start() for m in _STARTS_RE.finditer(text)]
    for pattern in _PATTERNS:
        for m in _finditer(pattern, text, starts):
            spans.append(m.span())
            parsed = _build(m, tz, relative_to, prefer_nearest)
            if parsed is not None:
                found.append(parsed)
    found.sort(key=lambda p: (p.span[0], -(p.span[1] - p.span[0])))
    return found, spans


def _longest(found: list[ParsedDate]) -> Iterator[ParsedDate]:
    """Sorted candidates without overlaps: the first (longest) of overlapping ones wins."""
    last_end = -1
    for parsed in found:
        if parsed.span[0] < last_end:
            continue
        last_end = parsed.span[1]
        yield parsed


def iter_id_datetimes(
    text: str,
    *,
    default_tz: tzinfo | None = None,
    relative_to: datetime | None = None,
    prefer_nearest: bool = False,
) -> Iterator[ParsedDate]:
    """Yield every date in ``text`` in reading order; overlapping matches keep the longest.

    A date without a year takes the latest year on or before ``relative_to`` (right for
    publication dates), or with ``prefer_nearest`` the year nearest to it, on the written weekday
    if any (right for events, which articles report shortly before or after).
    """
    if not text:
        return
    tz = default_tz or _LOCAL_ZONE.get()
    yield from _longest(_candidates(text, tz, relative_to, prefer_nearest)[0])


class DateScan:
    """All dates of one text, scanned once, read window by window (sentences, lines):
    :meth:`window` gives what :func:`iter_id_datetimes` gives on ``text[start:end]``.

    The patterns' lookarounds only refuse digits, letters, "/", "." and "-", so a match inside a
    window bounded by whitespace (or the text's ends) is the same match in the window alone. A
    window whose edge a match straddles, or whose edge is not whitespace, is scanned on its own.
    """

    def __init__(
        self,
        text: str,
        *,
        default_tz: tzinfo | None = None,
        relative_to: datetime | None = None,
        prefer_nearest: bool = False,
    ) -> None:
        self.text = text
        self.tz = default_tz or _LOCAL_ZONE.get()
        self.relative_to = relative_to
        self.prefer_nearest = prefer_nearest
        found, spans = _candidates(text, self.tz, relative_to, prefer_nearest)
        self.found = found
        self.starts = [p.span[0] for p in found]
        # every match by start, and the furthest end among the matches up to each one: a match
        # straddles ``pos`` when one starting before it ends after it
        self.span_starts = sorted(s for s, _ in spans)
        self.reach: list[int] = []
        for _, e in sorted(spans):
            self.reach.append(max(e, self.reach[-1]) if self.reach else e)

    def _clean_edge(self, pos: int) -> bool:
        """Whether no match straddles ``pos`` and the text there is an end or whitespace."""
        text = self.text
        if 0 < pos < len(text) and not (text[pos - 1].isspace() or text[pos].isspace()):
            return False
        i = bisect.bisect_left(self.span_starts, pos)
        return i == 0 or self.reach[i - 1] <= pos

    def window(self, start: int, end: int) -> list[ParsedDate]:
        """The dates in ``text[start:end]``, offsets relative to ``start``."""
        if start >= end:
            return []
        if not (self._clean_edge(start) and self._clean_edge(end)):
            return list(
                iter_id_datetimes(
                    self.text[start:end],
                    default_tz=self.tz,
                    relative_to=self.relative_to,
                    prefer_nearest=self.prefer_nearest,
                )
            )
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_left(self.starts, end)
        inside = [p for p in self.found[lo:hi] if p.span[1] <= end]
        return [
            replace(p, span=(p.span[0] - start, p.span[1] - start)) if start else p
            for p in _longest(inside)
        ]


def _fallback(text: str, tz: tzinfo, relative_to: datetime | None) -> ParsedDate | None:
    """dateparser, Indonesian, day-first: for relative phrases such as "2 jam lalu"."""
    stripped = text.strip()
    if len(stripped) > FALLBACK_MAX_CHARS or not re.search(r"\d", stripped):
        return None
    try:
        import dateparser  # imported lazily: ~0.5 s and rarely needed

        settings: dict[str, object] = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past"}
        if relative_to is not None:
            settings["RELATIVE_BASE"] = relative_to.replace(tzinfo=None)
        value = dateparser.parse(stripped, languages=["id"], settings=settings)
    except Exception:  # dateparser raises a zoo of errors on junk; a fallback must not crash
        return None
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    has_time = (value.hour, value.minute, value.second) != (0, 0, 0)
    return ParsedDate(
        value=value if has_time else value.date(),
        has_time=has_time,
        weekday_mismatch=False,
        matched=stripped,
        span=(0, len(text)),
    )


def parse_id_datetime(
    text: str,
    *,
    default_tz: tzinfo | None = None,
    relative_to: datetime | None = None,
    fallback: bool = True,
) -> ParsedDate | None:
    """Parse the first Indonesian date (and time, if any) in ``text``.

    ``default_tz`` applies to times with no stated zone (default: the :func:`local_zone`, else
    :data:`DEFAULT_TZ`, WITA).
    ``relative_to`` supplies the year when the text has none ("Senin (15/9)"): the year that puts
    the date nearest before or at ``relative_to``. Returns None when no date is found.
    """
    if not text:
        return None
    tz = default_tz or _LOCAL_ZONE.get()
    for parsed in iter_id_datetimes(text, default_tz=tz, relative_to=relative_to):
        return parsed
    return _fallback(text, tz, relative_to) if fallback else None
