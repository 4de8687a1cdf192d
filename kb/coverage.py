"""Coverage of an announcement: which articles picked up a press release, and how faithfully.

A *release* (an agency's press release: an article of an issuer source, or a page or file the
caller cleaned and extracted) is compared with the articles of the KB published within a window
after it. An article *covers* the release when it is in the release's story, or when its text
contains at least :data:`CANDIDATE_CONTAINMENT` of the release's word 3-grams, or when it shares
at least :data:`MIN_SHARED_FACTS` of the release's distinctive facts (officials, counts, amounts,
percentages, event dates).

For each covering article: its outlet, its local publication time with the zone (WIB/WITA/WIT
of the outlet's region), the pickup delay, the *kind* from text overlap — ``verbatim`` (a
repost), ``rewrite`` (a light rewrite) or ``own`` (own reporting) — the officials it quotes, and
each key fact of the release (officials with their titles, amounts, counts of people,
percentages, event dates, places) as ``reproduced``, ``missing`` or ``different``. A fact is
*different* when the article states the same kind of fact about the same thing with another
value: the same person with a title of another office, organisation or region; a count of the
same noun, an amount of the same role, a percentage in a similar sentence, whose value is close
but not equal (:func:`near`); an event of the same type on another date. Both evidence sentences
are kept side by side.

Pure comparisons on facts (:class:`KeyFact`) plus KB queries; no HTTP and no extraction: the
caller turns a fetched page or a file into facts (``pantau coverage`` uses the project's own
``clean_html`` and ``extract_facts``) and passes them in as a :class:`Document`.

The words and times shown to readers have one owner here, in both languages: :data:`LABELS_ID`
and :data:`LABELS_EN` (:func:`label`), :func:`local_time` ("3 Nov 2025 11.40 WITA" / "3 Nov 2025
11:40 WITA") and :func:`delay_text` ("2 jam 40 menit" / "2 hours 40 minutes"); the report dicts
(:meth:`CoverageReport.as_dict`) and the clippings (:func:`iter_clippings`) take a ``lang``,
Indonesian by default.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection, Engine

import wilayah
from kb.models import (
    Amount,
    Article,
    ArticleRegion,
    Event,
    Mention,
    Outlet,
    Percentage,
    Quote,
    Region,
    WorkerCount,
)
from kb.resolve import table

DEFAULT_WINDOW_DAYS = 7  # a release is news for a week; later articles cite it, not cover it
# Articles stamped up to this long *before* the release still count: agencies often post the
# release hours after the event, while outlets at the event publish first.
RELEASE_LEAD = dt.timedelta(hours=12)
SHINGLE_WORDS = 3  # word 3-grams: a copied clause matches, shared names and set phrases barely
# Kind of coverage from containment: the share of the release's word 3-grams in the article.
VERBATIM_CONTAINMENT = 0.8  # a repost keeps nearly every phrase (the outlet adds a dateline)
REWRITE_CONTAINMENT = 0.25  # a light rewrite keeps whole clauses; own reporting shares < 0.15
CANDIDATE_CONTAINMENT = 0.15  # below this, shared phrases are names and set phrases only
MIN_SHARED_FACTS = 2  # one shared figure can be chance; two are the same announcement
SMALL_COUNT = 10  # counts below this ("dua orang", "40 nelayan" of one group) are too common
# "Different" numbers: a figure of the same kind about the same thing, misprinted. Same order
# of magnitude, and one digit typed wrong, dropped, added or two swapped (10,08 → 10,8;
# 14.880 → 14.800; 3,47 → 3,74), or within a rounding of NEAR_RATIO.
MAX_MAGNITUDE_RATIO = 10.0
MAX_DIGIT_EDITS = 1
NEAR_RATIO = 1.1
SENTENCE_OVERLAP = 0.3  # percentages: the two sentences share this share of their words
# Words that change which office a title names: "Wakil Gubernur" is not "Gubernur".
RANK_WORDS = frozenset({
    "wakil", "plt", "plh", "pj", "penjabat", "pelaksana", "sekretaris", "ketua", "kepala",
    "anggota", "asisten", "staf", "deputi", "direktur", "utama", "mantan",
})  # fmt: skip
TITLE_ABBREVIATIONS = {  # short forms written in titles, expanded before comparing words
    "wagub": "wakil gubernur", "wabup": "wakil bupati", "wawali": "wakil wali kota",
    "sekda": "sekretaris daerah", "kadis": "kepala dinas", "kaban": "kepala badan",
    "dirut": "direktur utama", "kacab": "kepala cabang", "kakacab": "kepala kantor cabang",
    "kakanwil": "kepala kantor wilayah", "prov": "provinsi",
}  # fmt: skip

KINDS = ("official", "amount", "count", "percent", "date", "place")
STATUSES = ("reproduced", "different", "missing")
COVERAGE_KINDS = ("verbatim", "rewrite", "own")
LABELS_ID = {
    "verbatim": "salinan utuh", "rewrite": "tulis ulang ringan", "own": "liputan sendiri",
    "reproduced": "dimuat", "different": "berbeda", "missing": "tidak dimuat",
    "official": "pejabat", "amount": "nilai rupiah", "count": "jumlah orang",
    "percent": "persentase", "date": "tanggal", "place": "tempat",
}  # fmt: skip
LABELS_EN = {  # the same codes in English (the Datasette pages of an English snapshot)
    "verbatim": "verbatim copy", "rewrite": "light rewrite", "own": "own reporting",
    "reproduced": "reproduced", "different": "different", "missing": "missing",
    "official": "official", "amount": "rupiah amount", "count": "number of people",
    "percent": "percentage", "date": "date", "place": "place",
}  # fmt: skip
LABELS = {"id": LABELS_ID, "en": LABELS_EN}
BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# Words of times and delays by language: month abbreviations, the hour-minute separator
# ("11.40" / "11:40"), units (singular, plural), "less than a minute", "… before the release".
TIME_WORDS: dict[str, dict[str, Any]] = {
    "id": {"months": BULAN, "clock": "%H.%M", "day": ("hari", "hari"), "hour": ("jam", "jam"),
           "minute": ("menit", "menit"), "none": "kurang dari 1 menit",
           "before": "{} sebelum rilis"},
    "en": {"months": MONTHS_EN, "clock": "%H:%M", "day": ("day", "days"),
           "hour": ("hour", "hours"), "minute": ("minute", "minutes"),
           "none": "less than a minute", "before": "{} before the release"},
}  # fmt: skip


def label(code: str, lang: str = "id") -> str:
    """A kind of coverage, a fact status or a fact kind (``verbatim``, ``missing``, ``amount``
    …) in ``lang`` ("tulis ulang ringan" / "light rewrite")."""
    return LABELS[lang][code]


# -- facts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyFact:
    """One key fact of a document, in the form the comparison needs.

    ``subject`` says what the value is about: the official's name, the counted noun, the
    amount's role, the event type, the region's name; ``value`` is the title, the number, the
    ISO date or the region code."""

    kind: str
    subject: str
    value: Any
    text: str
    sentence: str
    organization: str | None = None
    region: str | None = None
    per: str | None = None

    @property
    def label(self) -> str:
        """As a reader says it: 'Kepala Dinas Nakertrans NTT Marthen Rihi Hede', 'Rp3,47
        miliar (anggaran)', '9.640 pekerja rentan', '31,2 persen', '2025-11-03 (handover)'."""
        if self.kind == "official":
            return f"{self.value} {self.subject}".strip()
        if self.kind == "amount":
            return f"{self.text} ({self.subject})" if self.subject else self.text
        if self.kind == "date":
            return f"{self.value} ({self.subject})"
        if self.kind == "place":
            return self.subject
        return self.text


@dataclass
class Document:
    """A release or an article: text, time, outlet and key facts."""

    title: str
    text: str
    facts: list[KeyFact]
    published: dt.datetime | None = None
    id: int | None = None
    url: str | None = None
    outlet: str | None = None
    outlet_title: str | None = None
    region_code: str | None = None
    story_id: int | None = None
    quotes: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text)

    @property
    def zone(self) -> dt.tzinfo:
        return wilayah.zone_of(self.region_code)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """KB times are UTC (stored without a zone on SQLite)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def sentence_at(text: str, start: int | None) -> str:
    """The sentence of ``text`` around offset ``start`` (for facts stored without one)."""
    if start is None or not 0 <= start < len(text):
        return ""
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    ends = [i for i in (text.find(". ", start), text.find("\n", start)) if i >= 0]
    right = min(ends) + 1 if ends else len(text)
    return text[left + 1 : right].strip()


def facts_from_extracted(facts: Mapping[str, Any], text: str = "") -> list[KeyFact]:
    """Key facts from ``extract_facts``'s JSON form (the lists by field)."""
    out: list[KeyFact] = []
    for o in facts.get("officials") or []:
        out.append(KeyFact("official", str(o.get("name") or ""), o.get("title") or "",
                           str(o.get("text") or ""), str(o.get("sentence") or ""),
                           o.get("organization"), o.get("region")))  # fmt: skip
    for c in facts.get("worker_counts") or []:
        out.append(KeyFact("count", str(c.get("noun") or ""), int(c["value"]),
                           str(c.get("text") or ""), str(c.get("sentence") or "")))  # fmt: skip
    for a in facts.get("amounts") or []:
        out.append(KeyFact("amount", str(a.get("role") or ""), int(a["value"]),
                           str(a.get("text") or ""), str(a.get("sentence") or ""),
                           per=a.get("per")))  # fmt: skip
    for p in facts.get("percentages") or []:
        out.append(KeyFact("percent", "", float(p["value"]), str(p.get("text") or ""),
                           str(p.get("sentence") or "")))  # fmt: skip
    for e in facts.get("events") or []:
        if e.get("date"):
            out.append(KeyFact("date", str(e.get("type") or ""), str(e["date"])[:10],
                               str(e.get("text") or ""), str(e.get("sentence") or "")))  # fmt: skip
    for r in facts.get("regions") or []:
        sentence = str(r.get("sentence") or sentence_at(text, r.get("start")))
        out.append(KeyFact("place", str(r.get("name") or ""), str(r.get("code") or r.get("name")),
                           str(r.get("text") or ""), sentence))  # fmt: skip
    return _dedupe(out)


def _dedupe(facts: Iterable[KeyFact]) -> list[KeyFact]:
    seen: set[tuple[str, str, Any]] = set()
    out = []
    for f in facts:
        key = (f.kind, f.subject.lower(), f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def quotes_from_extracted(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(q.get("speaker") or ""), str(q.get("text") or ""))
            for q in facts.get("quotes") or [] if q.get("speaker")]  # fmt: skip


# -- loading from the KB -------------------------------------------------------------------------
def load_documents(conn: Connection, ids: Sequence[int]) -> dict[int, Document]:
    """Articles with their outlet and key facts, in a few queries (batches of ids)."""
    docs: dict[int, Document] = {}
    a, o = table(Article), table(Outlet)
    for chunk in _chunks(ids):
        rows = conn.execute(
            select(a.c.id, a.c.url, a.c.title, a.c.text, a.c.published, a.c.story_id,
                   o.c.name, o.c.title, o.c.region_code)
            .select_from(a.outerjoin(o, o.c.id == a.c.outlet_id))
            .where(a.c.id.in_(chunk))
        ).all()  # fmt: skip
        for aid, url, title, text, published, story, oname, otitle, region in rows:
            docs[aid] = Document(
                title=title, text=text, facts=[], published=_aware(published), id=aid, url=url,
                outlet=oname, outlet_title=otitle or oname, region_code=region, story_id=story,
            )
        _load_facts(conn, chunk, docs)
    return docs


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _load_facts(conn: Connection, ids: list[int], docs: dict[int, Document]) -> None:
    m = table(Mention)
    for aid, name, title, org, region, text, sentence in conn.execute(
        select(m.c.article_id, m.c.name, m.c.title, m.c.organization, m.c.region, m.c.text,
               m.c.sentence).where(m.c.article_id.in_(ids)).order_by(m.c.start)
    ):  # fmt: skip
        docs[aid].facts.append(
            KeyFact("official", name, title or "", text, sentence, org, region)
        )
    w = table(WorkerCount)
    for aid, value, noun, text, sentence in conn.execute(
        select(w.c.article_id, w.c.value, w.c.noun, w.c.text, w.c.sentence)
        .where(w.c.article_id.in_(ids)).order_by(w.c.start)
    ):  # fmt: skip
        docs[aid].facts.append(KeyFact("count", noun, int(value), text, sentence))
    am = table(Amount)
    for aid, value, role, per, text, sentence in conn.execute(
        select(am.c.article_id, am.c.value, am.c.role, am.c.per, am.c.text, am.c.sentence)
        .where(am.c.article_id.in_(ids)).order_by(am.c.start)
    ):  # fmt: skip
        docs[aid].facts.append(KeyFact("amount", role or "", int(value), text, sentence, per=per))
    pc = table(Percentage)
    for aid, value, text, sentence in conn.execute(
        select(pc.c.article_id, pc.c.value, pc.c.text, pc.c.sentence)
        .where(pc.c.article_id.in_(ids)).order_by(pc.c.start)
    ):  # fmt: skip
        docs[aid].facts.append(KeyFact("percent", "", float(value), text, sentence))
    e = table(Event)
    for aid, kind, day, text, sentence in conn.execute(
        select(e.c.article_id, e.c.type, e.c.date, e.c.text, e.c.sentence)
        .where(e.c.article_id.in_(ids), e.c.date.is_not(None)).order_by(e.c.start)
    ):  # fmt: skip
        docs[aid].facts.append(KeyFact("date", kind, str(day)[:10], text, sentence))
    ar, r = table(ArticleRegion), table(Region)
    for aid, code, name, start, end in conn.execute(
        select(ar.c.article_id, ar.c.region_code, r.c.name, ar.c.start, ar.c.end)
        .select_from(ar.join(r, r.c.code == ar.c.region_code))
        .where(ar.c.article_id.in_(ids)).order_by(ar.c.start)
    ):  # fmt: skip
        doc = docs[aid]
        shown = doc.text[start:end] if start is not None and end is not None else name
        doc.facts.append(KeyFact("place", name, code, shown, sentence_at(doc.text, start)))
    q = table(Quote)
    for aid, speaker, text in conn.execute(
        select(q.c.article_id, q.c.speaker, q.c.text)
        .where(q.c.article_id.in_(ids), q.c.speaker.is_not(None)).order_by(q.c.start)
    ):  # fmt: skip
        docs[aid].quotes.append((speaker, text))
    for doc in docs.values():
        doc.facts = _dedupe(doc.facts)


def load_document(engine: Engine, article_id: int) -> Document | None:
    with engine.connect() as conn:
        return load_documents(conn, [article_id]).get(article_id)


# -- comparing -----------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def title_words(title: str) -> set[str]:
    words: list[str] = []
    for w in _words(title):
        words += TITLE_ABBREVIATIONS.get(w, w).split()
    return set(words)


def same_person(a: str, b: str) -> bool:
    """The same name, or one written shorter with at least two of its words ('Melki Laka
    Lena' in 'Emanuel Melkiades Laka Lena' needs the KB's resolution; this sees spellings)."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    if wa == wb:
        return True
    short, long = sorted((wa, wb), key=len)
    return len(short) >= 2 and set(short) <= set(long)


def titles_agree(a: KeyFact, b: KeyFact) -> bool:
    """Two titles of one person name the same office: no other organisation or region (when
    both are known), and no rank word (wakil, plt, sekretaris …) on one side only."""
    if a.organization and b.organization and a.organization != b.organization:
        return False
    if a.region and b.region and a.region != b.region:
        return False
    wa, wb = title_words(str(a.value)), title_words(str(b.value))
    return not ((wa ^ wb) & RANK_WORDS)


def significant_digits(value: float) -> str:
    """'1008' for 10.080.000.000, '3125' for 31,25: the digits a typist could get wrong."""
    digits = f"{abs(value):.12g}".replace(".", "").lstrip("0").split("e")[0]
    return digits.rstrip("0") or "0"


def near(a: float, b: float) -> bool:
    """A misprint of the same figure: same order of magnitude, and one digit wrong (or two
    swapped), or within :data:`NEAR_RATIO`."""
    if a <= 0 or b <= 0 or a == b:
        return False
    ratio = max(a, b) / min(a, b)
    if ratio > MAX_MAGNITUDE_RATIO:
        return False
    if ratio <= NEAR_RATIO:
        return True
    return OSA.distance(significant_digits(a), significant_digits(b)) <= MAX_DIGIT_EDITS


def sentence_overlap(a: str, b: str) -> float:
    """Share of the shorter sentence's words (of 4+ letters) found in the other."""
    wa = {w for w in _words(a) if len(w) >= 4}
    wb = {w for w in _words(b) if len(w) >= 4}
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def _noun_head(noun: str) -> str:
    words = _words(noun)
    return words[0] if words else ""


def _same(kind: str, r: KeyFact, f: KeyFact) -> bool:
    if kind == "official":
        return same_person(r.subject, f.subject) and titles_agree(r, f)
    if kind == "date":
        return bool(r.value == f.value)
    if kind == "percent":
        return abs(float(r.value) - float(f.value)) < 0.005
    if kind == "count":
        return bool(r.value == f.value)
    return bool(r.value == f.value)


def _differs(kind: str, r: KeyFact, f: KeyFact) -> bool:
    """``f`` states the same kind of fact about the same thing as ``r``, with another value."""
    if kind == "official":
        return same_person(r.subject, f.subject) and not titles_agree(r, f)
    if kind == "date":
        return r.subject == f.subject and r.value != f.value
    if kind == "count":
        return _noun_head(r.subject) == _noun_head(f.subject) and near(r.value, f.value)
    if kind == "amount":
        if r.subject and f.subject and r.subject != f.subject:
            return False
        if (r.per or None) != (f.per or None):
            return False
        return near(r.value, f.value)
    if kind == "percent":
        return near(r.value, f.value) and sentence_overlap(r.sentence, f.sentence) >= (
            SENTENCE_OVERLAP
        )
    return False


@dataclass
class FactCheck:
    """One key fact of the release as an article reproduces it."""

    kind: str
    label: str
    status: str  # reproduced | different | missing
    release_text: str
    release_sentence: str
    article_text: str | None = None
    article_sentence: str | None = None
    article_label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "label": self.label, "status": self.status,
            "status_id": LABELS_ID[self.status], "release_text": self.release_text,
            "release_sentence": self.release_sentence, "article_text": self.article_text,
            "article_label": self.article_label, "article_sentence": self.article_sentence,
        }  # fmt: skip


def compare_facts(release: Sequence[KeyFact], article: Sequence[KeyFact]) -> list[FactCheck]:
    """Each release fact as ``reproduced``, ``different`` (with the article's evidence) or
    ``missing``. An article fact that reproduces one release fact is not used as a different
    version of another; exact matches are found first."""
    used: set[int] = set()
    checks: list[FactCheck | None] = [None] * len(release)
    for i, r in enumerate(release):
        for j, f in enumerate(article):
            if f.kind == r.kind and _same(r.kind, r, f):
                used.add(j)
                checks[i] = FactCheck(r.kind, r.label, "reproduced", r.text, r.sentence,
                                      f.text, f.sentence, f.label)  # fmt: skip
                break
    for i, r in enumerate(release):
        if checks[i] is not None:
            continue
        best: tuple[float, int] | None = None
        for j, f in enumerate(article):
            if j in used or f.kind != r.kind or not _differs(r.kind, r, f):
                continue
            score = sentence_overlap(r.sentence, f.sentence)
            if best is None or score > best[0]:
                best = (score, j)
        if best is None:
            checks[i] = FactCheck(r.kind, r.label, "missing", r.text, r.sentence)
        else:
            f = article[best[1]]
            used.add(best[1])
            checks[i] = FactCheck(r.kind, r.label, "different", r.text, r.sentence,
                                  f.text, f.sentence, f.label)  # fmt: skip
    return [c for c in checks if c is not None]


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word ``size``-grams of a text, lower-cased (as the story clustering compares texts)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def containment(release_text: str, article_text: str) -> float:
    """Share of the release's word 3-grams found in the article."""
    rs = shingles(release_text)
    if not rs:
        return 0.0
    return len(rs & shingles(article_text)) / len(rs)


def coverage_kind(share: float) -> str:
    if share >= VERBATIM_CONTAINMENT:
        return "verbatim"
    if share >= REWRITE_CONTAINMENT:
        return "rewrite"
    return "own"


# -- times ---------------------------------------------------------------------------------------
def local_time(value: dt.datetime | None, zone: dt.tzinfo, lang: str = "id") -> str:
    """'3 Nov 2025 11.40 WITA' (English '3 Nov 2025 11:40 WITA'): the time in ``zone``, the
    outlet's, with the zone's name, the form of the Datasette pages and the clipping report."""
    if value is None:
        return ""
    words = TIME_WORDS[lang]
    local = _aware(value).astimezone(zone)  # type: ignore[union-attr]
    month = words["months"][local.month - 1]
    return f"{local.day} {month} {local.year} {local.strftime(words['clock'])} {local.tzname()}"


def delay_text(seconds: float | None, lang: str = "id") -> str:
    """'2 jam 40 menit', '1 hari 3 jam', '25 menit sebelum rilis'; English '2 hours 40
    minutes', '1 day 3 hours', '25 minutes before the release' (minutes are left out from a
    day on)."""
    if seconds is None:
        return ""
    words = TIME_WORDS[lang]
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    amounts = [("day", days), ("hour", hours), ("minute", 0 if days else mins)]
    text = " ".join(f"{n} {words[unit][n != 1]}" for unit, n in amounts if n) or words["none"]
    return words["before"].format(text) if seconds < 0 else text


# -- finding coverage ----------------------------------------------------------------------------
@dataclass
class ArticleCoverage:
    article: Document
    kind: str
    containment: float
    delay_seconds: float | None
    checks: list[FactCheck]
    why: list[str]

    @property
    def quoted(self) -> list[str]:
        names: list[str] = []
        for speaker, _ in self.article.quotes:
            if speaker and speaker not in names:
                names.append(speaker)
        return names

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    def as_dict(self, lang: str = "id") -> dict[str, Any]:
        """The JSON form; ``published_local`` and ``delay`` in ``lang`` (``kind_id`` and the
        checks' ``status_id`` are the Indonesian labels whatever ``lang``: :func:`label` gives
        another language's)."""
        a = self.article
        return {
            "article_id": a.id, "url": a.url, "title": a.title, "outlet": a.outlet,
            "outlet_title": a.outlet_title,
            "published": a.published.isoformat() if a.published else None,
            "published_local": local_time(a.published, a.zone, lang),
            "delay_seconds": self.delay_seconds, "delay": delay_text(self.delay_seconds, lang),
            "kind": self.kind, "kind_id": LABELS_ID[self.kind],
            "containment": round(self.containment, 3), "why": self.why,
            "officials_quoted": self.quoted,
            "officials_named": [f.label for f in a.facts if f.kind == "official"],
            "facts": {s: self.count(s) for s in STATUSES},
            "checks": [c.as_dict() for c in self.checks],
        }  # fmt: skip


@dataclass
class CoverageReport:
    release: Document
    window_days: int
    articles: list[ArticleCoverage]

    def as_dict(self, lang: str = "id") -> dict[str, Any]:
        """The JSON form, times and delays in ``lang`` (:meth:`ArticleCoverage.as_dict`)."""
        r = self.release
        differences = sum(a.count("different") for a in self.articles)
        return {
            "release": {
                "article_id": r.id, "url": r.url, "title": r.title, "outlet": r.outlet,
                "outlet_title": r.outlet_title,
                "published": r.published.isoformat() if r.published else None,
                "published_local": local_time(r.published, r.zone, lang),
                "facts": [{"kind": f.kind, "label": f.label, "sentence": f.sentence}
                          for f in r.facts],
            },
            "window_days": self.window_days,
            "articles": [a.as_dict(lang) for a in self.articles],
            "summary": {
                "articles": len(self.articles),
                "outlets": len({a.article.outlet for a in self.articles}),
                "by_kind": {k: sum(1 for a in self.articles if a.kind == k)
                            for k in COVERAGE_KINDS},
                "different": differences,
            },
        }  # fmt: skip


def _fact_keys(facts: Iterable[KeyFact]) -> set[tuple[str, Any]]:
    """The distinctive facts two articles of one announcement share (as in kb.stories)."""
    keys: set[tuple[str, Any]] = set()
    for f in facts:
        if f.kind == "official":
            keys.add(("official", " ".join(_words(f.subject))))
        elif f.kind == "count" and f.value >= SMALL_COUNT:
            keys.add(("count", f.value))
        elif f.kind in ("amount", "date"):
            keys.add((f.kind, f.value))
        elif f.kind == "percent":
            keys.add(("percent", round(float(f.value), 2)))
    return keys


def window_ids(
    conn: Connection, release: Document, window_days: int, exclude_outlets: Iterable[str] = ()
) -> list[int]:
    """Ids of the articles published in the release's window (all, for an undated release),
    not the release itself nor of the release's own outlet (or of ``exclude_outlets``)."""
    a, o = table(Article), table(Outlet)
    query = select(a.c.id, o.c.name).select_from(a.outerjoin(o, o.c.id == a.c.outlet_id))
    if release.published is not None:
        start = release.published.astimezone(dt.UTC) - RELEASE_LEAD
        end = release.published.astimezone(dt.UTC) + dt.timedelta(days=window_days)
        query = query.where(a.c.published >= start, a.c.published <= end)
    skip = {*exclude_outlets, *([release.outlet] if release.outlet else [])}
    return [aid for aid, outlet in conn.execute(query) if aid != release.id and outlet not in skip]


def find_coverage(
    engine: Engine,
    release: Document,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    exclude_outlets: Iterable[str] = (),
) -> CoverageReport:
    """Every article of the KB covering ``release`` within the window, earliest first."""
    body = f"{release.title}\n{release.text}"
    release_keys = _fact_keys(release.facts)
    found: list[ArticleCoverage] = []
    with engine.connect() as conn:
        ids = window_ids(conn, release, window_days, exclude_outlets)
        for chunk in _chunks(ids):
            docs = load_documents(conn, chunk)
            for doc in docs.values():
                share = containment(body, f"{doc.title}\n{doc.text}")
                shared = release_keys & _fact_keys(doc.facts)
                why = []
                if release.story_id is not None and doc.story_id == release.story_id:
                    why.append("story")
                if share >= CANDIDATE_CONTAINMENT:
                    why.append("text")
                if len(shared) >= MIN_SHARED_FACTS:
                    why.append("shared_facts")
                if not why:
                    continue
                delay = None
                if doc.published is not None and release.published is not None:
                    delay = (doc.published - release.published).total_seconds()
                found.append(
                    ArticleCoverage(doc, coverage_kind(share), share, delay,
                                    compare_facts(release.facts, doc.facts), why)  # fmt: skip
                )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    found.sort(key=lambda c: (c.article.published or far, c.article.id or 0))
    return CoverageReport(release, window_days, found)


# -- issuers' releases ---------------------------------------------------------------------------
def releases_between(
    engine: Engine, issuers: Iterable[str], start: dt.datetime, end: dt.datetime
) -> list[int]:
    """Ids of the issuers' articles (their releases) published in [start, end)."""
    names = list(issuers)
    if not names:
        return []
    a, o = table(Article), table(Outlet)
    s, e = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    with engine.connect() as conn:
        return [
            aid
            for (aid,) in conn.execute(
                select(a.c.id)
                .select_from(a.join(o, o.c.id == a.c.outlet_id))
                .where(o.c.name.in_(names), a.c.published >= s, a.c.published < e)
                .order_by(a.c.published, a.c.id)
            )
        ]


# -- clippings (the rows of a clipping report) ---------------------------------------------------
CLIP_BATCH = 500  # articles per query: memory stays bounded whatever the period's size
LEAD_CHARS = 300  # of the first paragraph, as the lead/summary column
EARLIEST_OFFSET = dt.timedelta(hours=9)  # WIT: a local day starts at most 9 h before UTC's
LATEST_OFFSET = dt.timedelta(hours=7)  # WIB: and ends at most 7 h after UTC's


@dataclass(frozen=True)
class ClipFilter:
    """A period of local dates (inclusive) and filters: any of the values of one filter, all
    filters together. Text filters are case-insensitive substrings."""

    start: dt.date
    end: dt.date
    keywords: tuple[str, ...] = ()
    stories: tuple[int, ...] = ()
    officials: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # region name or Kemendagri code
    outlets: tuple[str, ...] = ()  # outlet slug or title

    def describe(self) -> list[tuple[str, str]]:
        parts = [
            ("keyword", ", ".join(self.keywords)), ("story", ", ".join(map(str, self.stories))),
            ("official", ", ".join(self.officials)), ("region", ", ".join(self.regions)),
            ("outlet", ", ".join(self.outlets)),
        ]  # fmt: skip
        return [(k, v) for k, v in parts if v]


@dataclass
class Clipping:
    """One article of a clipping report."""

    no: int
    article_id: int
    published: dt.datetime
    day: dt.date  # local date in the outlet's zone
    published_local: str  # "3 Nov 2025 11.40 WITA", in the language iter_clippings was given
    outlet: str
    outlet_title: str
    title: str
    url: str
    quoted: list[str]
    officials: list[str]
    figures: list[str]
    lead: str


def _lead(text: str) -> str:
    first = next((p.strip() for p in text.split("\n\n") if p.strip()), "")
    first = " ".join(first.split())
    return first if len(first) <= LEAD_CHARS else first[: LEAD_CHARS - 1].rstrip() + "…"


def _like(column: Any, value: str) -> Any:
    return func.lower(column).like(f"%{value.lower()}%")


def _clip_query(flt: ClipFilter) -> Any:
    a, o = table(Article), table(Outlet)
    start = dt.datetime.combine(flt.start, dt.time(), dt.UTC) - EARLIEST_OFFSET
    end = dt.datetime.combine(flt.end + dt.timedelta(days=1), dt.time(), dt.UTC) + LATEST_OFFSET
    query = (
        select(a.c.id, a.c.published, a.c.title, a.c.url, a.c.text, o.c.name, o.c.title,
               o.c.region_code)
        .select_from(a.outerjoin(o, o.c.id == a.c.outlet_id))
        .where(a.c.published >= start, a.c.published < end)
    )  # fmt: skip
    if flt.keywords:
        query = query.where(
            or_(*[or_(_like(a.c.title, k), _like(a.c.text, k)) for k in flt.keywords])
        )
    if flt.stories:
        query = query.where(a.c.story_id.in_(flt.stories))
    if flt.officials:
        m = table(Mention)
        named = or_(*[_like(m.c.name, x) for x in flt.officials])
        query = query.where(a.c.id.in_(select(m.c.article_id).where(named)))
    if flt.regions:
        ar, r = table(ArticleRegion), table(Region)
        match = or_(*[or_(_like(r.c.name, x), r.c.code == x) for x in flt.regions])
        query = query.where(
            a.c.id.in_(
                select(ar.c.article_id).select_from(ar.join(r, r.c.code == ar.c.region_code))
                .where(match)
            )
        )  # fmt: skip
    if flt.outlets:
        query = query.where(or_(*[or_(o.c.name == x, _like(o.c.title, x)) for x in flt.outlets]))
    return query


def iter_clippings(engine: Engine, flt: ClipFilter, lang: str = "id") -> Iterable[Clipping]:
    """The period's articles, earliest first, in batches of :data:`CLIP_BATCH` (keyset
    pagination on publication time and id: no cursor is held between batches);
    ``published_local`` in ``lang`` (:func:`local_time`)."""
    a = table(Article)
    base = _clip_query(flt)
    last: tuple[dt.datetime, int] | None = None
    no = 0
    while True:
        query = base
        if last is not None:
            query = query.where(
                or_(a.c.published > last[0], and_(a.c.published == last[0], a.c.id > last[1]))
            )
        with engine.connect() as conn:
            rows = conn.execute(query.order_by(a.c.published, a.c.id).limit(CLIP_BATCH)).all()
            if not rows:
                return
            ids = [r[0] for r in rows]
            quoted, officials, figures = _clip_facts(conn, ids)
        last = (rows[-1][1], rows[-1][0])
        for aid, published, title, url, text, oname, otitle, region in rows:
            when = _aware(published)
            assert when is not None
            zone = wilayah.zone_of(region)
            local = when.astimezone(zone)
            if not flt.start <= local.date() <= flt.end:
                continue
            no += 1
            yield Clipping(
                no=no, article_id=aid, published=when, day=local.date(),
                published_local=local_time(when, zone, lang),
                outlet=oname or "", outlet_title=otitle or oname or "", title=title, url=url,
                quoted=quoted.get(aid, []), officials=officials.get(aid, []),
                figures=figures.get(aid, []), lead=_lead(text),
            )  # fmt: skip


def _append_once(target: dict[int, list[str]], key: int, value: str | None) -> None:
    if value:
        values = target.setdefault(key, [])
        if value not in values:
            values.append(value)


def _clip_facts(
    conn: Connection, ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, list[str]]]:
    quoted: dict[int, list[str]] = {}
    officials: dict[int, list[str]] = {}
    figures: dict[int, list[str]] = {}
    q, m = table(Quote), table(Mention)
    for aid, speaker in conn.execute(
        select(q.c.article_id, q.c.speaker).where(q.c.article_id.in_(ids)).order_by(q.c.start)
    ):
        _append_once(quoted, aid, speaker)
    for aid, name in conn.execute(
        select(m.c.article_id, m.c.name).where(m.c.article_id.in_(ids)).order_by(m.c.start)
    ):
        _append_once(officials, aid, name)
    spans: list[tuple[int, int, str]] = []
    for model in (WorkerCount, Amount, Percentage):
        t = table(model)
        spans += [
            (aid, start, text)
            for aid, start, text in conn.execute(
                select(t.c.article_id, t.c.start, t.c.text).where(t.c.article_id.in_(ids))
            )
        ]
    for aid, _, text in sorted(spans):
        _append_once(figures, aid, text)
    return quoted, officials, figures
