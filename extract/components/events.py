"""``pantau_events``: what happened (launch, handover, visit, MoU …), when and where.

Trigger phrases from ``events.yaml`` are matched with a PhraseMatcher on lower-case tokens
(longest wins: "penyerahan santunan" is a benefit payment, "penyerahan" a handover). The event
date is the first day-precise date in the trigger's sentence, parsed by :mod:`extract.dates`
(one scan per document, read sentence by sentence: :class:`extract.dates.DateScan`), with
year-less dates ("Senin (15/9)") resolved against ``published``. The place is the venue
after "di"/"bertempat di"/"berlangsung di" that starts with a venue word or a known region.
A sentence with a weekday-anchored date but no trigger ("..., Senin (15/9/2025)") still yields
an event of type "other" at low confidence: Indonesian news dates its main event that way.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

import wilayah

from ..dates import DateScan, ParsedDate
from .common import (
    add_fact,
    attr,
    inputs,
    is_headline,
    is_skipped,
    layout,
    load_data,
    make_item,
    sentence_bounds,
    text_of,
)

# Confidence by evidence.
CONF_EVENT_DATED = 0.85
_TIME_RE = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_STAMP_YEAR_RE = re.compile(r"(?:\d{4}|/\d{2})(?!\d)")  # "2025", "05/09/25"; a time follows
CONF_EVENT_STAMP = 0.5  # a page's publication stamp: the date of the text, not of an event
CONF_EVENT_PLACE = 0.7
CONF_EVENT_BARE = 0.45
CONF_EVENT_WEAK_PENALTY = 0.15  # weak triggers ("santunan", "kunjungan")
CONF_EVENT_OTHER = 0.4  # dated sentence without a trigger
# How far before a date (characters) words that make it a non-event may stand ("Nomor 45 Tahun
# 2025 tanggal 3 Maret 2025", "paling lambat 30 September 2025", "lahir 2 Mei 1970").
NOT_EVENT_WINDOW = 40
# Longest venue name in tokens ("Ruang Garuda Lantai II Kantor Wali Kota Kupang" is 8).
MAX_PLACE_WORDS = 10

_WD = r"(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu)"

# (start, end, date, has a weekday) of a day-precise date, offsets into the scanned window
DateHit = tuple[int, int, date, bool]


def _hits(parsed: list[ParsedDate], published: datetime | None) -> list[DateHit]:
    """The dates an event may take: a year-less date only with ``published`` to anchor it."""
    out: list[DateHit] = []
    for p in parsed:
        if p.year_inferred and published is None:
            continue
        value = p.value.date() if isinstance(p.value, datetime) else p.value
        out.append((p.span[0], p.span[1], value, bool(re.match(_WD, p.matched))))
    return out


def scan_dates(text: str, published: datetime | None) -> DateScan:
    """Every date of ``text`` in one scan (:class:`extract.dates.DateScan`). A date without a
    year takes the year that puts it nearest to ``published`` and, when a weekday is written
    ("Kamis (4/12)"), on that weekday: events are reported shortly before or after they
    happen."""
    return DateScan(
        text, default_tz=wilayah.DEFAULT_ZONE, relative_to=published, prefer_nearest=True
    )


def find_dates(text: str, published: datetime | None) -> list[DateHit]:
    """Day-precise dates in ``text`` with offsets: (start, end, date, has_weekday). Without
    ``published``, dates without a year are dropped."""
    return _hits(scan_dates(text, published).window(0, len(text)), published)


def _has_year(text: str) -> bool:
    """Whether a matched date string states its year ("14 Maret 2025", "(3/9/25)")."""
    return bool(re.search(r"(?:\d{4}|/\d{2})\)?\s*$", text.strip()))


class EventExtractor:
    """Event triggers → ``events`` facts."""

    def __init__(self, nlp: Language, data_file: str, version: str) -> None:
        data = load_data(data_file)
        self.version = version
        not_event = "|".join(re.escape(w) for w in data.get("not_event_before", []))
        self.not_event_re = re.compile(rf"(?i)\b(?:{not_event})\b[^.]*$" if not_event else r"(?!)")
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.types: dict[str, str] = {}
        for etype, phrases in data["triggers"].items():
            for ph in phrases:
                key = f"{etype}:{ph}"
                self.types[key] = etype
                self.matcher.add(key, [nlp.make_doc(ph.lower())])
        self.weak = set(data["weak_triggers"])
        intro = "|".join(
            re.escape(w) for w in sorted(data["place_introducers"], key=len, reverse=True)
        )
        word = r"(?:[A-Z][\w'’.-]*|[IVX]+|\d+|dan|&)"
        self.place_res = []
        for key in ("place_heads", "area_heads"):  # a venue beats an area ("di Kota Kupang")
            heads = "|".join(re.escape(w) for w in sorted(data[key], key=len, reverse=True))
            self.place_res.append(
                re.compile(
                    rf"\b(?:{intro})\s+(?P<place>(?:{heads})(?:\s+{word}){{0,{MAX_PLACE_WORDS}}})"
                )
            )
        self.region_place_re = re.compile(
            rf"\b(?:{intro})\s+(?P<place>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{0,3}})"
        )

    def _place(self, doc: Doc, s: int, e: int) -> str | None:
        text = text_of(doc)[s:e]
        for rx in self.place_res:
            m = rx.search(text)
            if m:
                return re.sub(r"\s+(dan|&)$", "", m.group("place")).rstrip(".,")
        regions = doc.spans.get("pantau_regions", [])
        for m in self.region_place_re.finditer(text):
            ps = s + m.start("place")
            for sp in regions:
                if sp.start_char == ps:
                    return str(sp.text)
        return None

    def __call__(self, doc: Doc) -> Doc:
        published = inputs(doc).get("published")
        spans = [
            Span(doc, s, e, label=self.types[doc.vocab.strings[m]]) for m, s, e in self.matcher(doc)
        ]
        by_sentence: dict[tuple[int, int], list[Span]] = {}
        for sp in filter_spans(spans):
            if is_skipped(doc, sp.start_char, sp.end_char) or is_headline(doc, sp.start_char):
                continue
            by_sentence.setdefault(sentence_bounds(doc, sp.start_char), []).append(sp)
        scan = scan_dates(text_of(doc), published)  # one scan; read sentence by sentence
        for (s, e), triggers in by_sentence.items():
            dates = [
                d for d in _hits(scan.window(s, e), published)
                if not is_skipped(doc, s + d[0], s + d[1])
            ]  # fmt: skip
            when = dates[0][2].isoformat() if dates else None
            place = self._place(doc, s, e)
            seen: set[str] = set()
            for sp in triggers:
                if sp.label_ in seen:
                    continue
                weak = sp.text.lower() in self.weak
                if weak and when is None and place is None:
                    continue
                seen.add(sp.label_)
                conf = CONF_EVENT_DATED if when else CONF_EVENT_PLACE if place else CONF_EVENT_BARE
                if weak:
                    conf -= CONF_EVENT_WEAK_PENALTY
                self._add(doc, sp.start_char, sp.end_char, conf, sp.label_, when, place)
        self._publication_stamp(doc, published, scan)
        # dated sentences without a trigger: "..., Senin (15/9/2025).", "... pada 3 Agustus 2025"
        lay = layout(doc)
        starts, ends = lay.sent_starts, lay.sent_ends
        text = text_of(doc)
        for s, e in zip(starts, ends, strict=True):
            if (s, e) in by_sentence or is_headline(doc, s):
                continue
            for ds, de, d, has_wd in _hits(scan.window(s, e), published):
                if is_skipped(doc, s + ds, s + de):
                    continue
                if not has_wd and not _has_year(text[s + ds : s + de]):
                    continue  # "2 September" alone is too often a deadline or a citation
                if self.not_event_re.search(text[max(s, s + ds - NOT_EVENT_WINDOW) : s + ds]):
                    continue
                place = self._place(doc, s, e)
                self._add(doc, s + ds, s + de, CONF_EVENT_OTHER, "other", d.isoformat(), place)
                break
        return doc

    def _publication_stamp(self, doc: Doc, published: datetime | None, scan: DateScan) -> None:
        """The first publication stamp in page furniture or a headline line ("Jumat, 27 Januari
        2023 08:39", "Kamis, 13 Februari 2025 Reporter: …", "… | Jumat, 05/09/2025 | 13:53": a
        full date with its year and a weekday or a time) → a ``publication`` event: the
        annotation rules count page timestamps as dates of the text."""
        text = text_of(doc)
        lay = layout(doc)
        # furniture first: a dated headline names the event, the stamp line the publication
        for s, e in sorted(lay.skip_ranges) + sorted(lay.headline_ranges):
            line = text[s:e]
            if line.lstrip().lower().startswith("baca"):
                continue  # a cross-link's date is another article's
            for ds, de, d, weekday in _hits(scan.window(s, e), published):
                if not _STAMP_YEAR_RE.search(line[ds:de]):
                    continue
                if weekday or _TIME_RE.search(line[ds:de]):  # "Jumat, 27 Januari 2023 08:39"
                    self._add(doc, s + ds, s + de, CONF_EVENT_STAMP, "publication", d.isoformat(),
                              None)  # fmt: skip
                    return

    def _add(
        self, doc: Doc, start: int, end: int, confidence: float, kind: str,
        date: str | None, place: str | None,
    ) -> None:  # fmt: skip
        item = make_item(
            doc, extractor="pantau_events", version=self.version, start=start, end=end,
            confidence=confidence, type=kind, date=date, place=place,
        )  # fmt: skip
        add_fact(doc, "events", item)


@Language.factory(
    "pantau_events",
    default_config={"data_file": "events.yaml", "version": "0.1.0"},
    requires=[attr("pantau_layout"), attr("pantau_region_entries")],
    assigns=["doc._.pantau_facts"],
)
def make_events(nlp: Language, name: str, data_file: str, version: str) -> EventExtractor:
    return EventExtractor(nlp, data_file, version)
