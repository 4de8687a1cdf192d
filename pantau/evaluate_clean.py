"""`pantau eval --clean DIR`: score the cleaning stage on real pages against truth read by hand.

``DIR`` holds ``NAME.html`` pages beside ``NAME.html.truth.json`` files (``../shared/realpages``):
``page_type`` (article|listing|gallery|video|other), ``title`` (the headline as shown),
``published`` (``YYYY-MM-DDTHH:MM+07:00``, the page's own zone; null when the page gives none),
``published_day``, ``authors`` (bylined people; organisations and wires give ``[]``), ``editor``,
``body_first`` / ``body_last`` (the first / last 60 characters of the article's own words) and
``traps`` (prose). An optional ``zone`` (WIB/WITA/WIT) is the outlet's zone passed to the cleaner
as ``tz=`` (default WIB: the pages are from national outlets in Jakarta).

Each page is scored on every field that applies to it, for Pantau's :func:`extract.clean.clean_html`
and beside it for trafilatura's ``bare_extraction`` on the same bytes:

- ``type``: Pantau's page type (``homepage`` counts as ``listing``; a truth ``video`` page is
  right when Pantau rejects it as ``other`` or ``gallery``); trafilatura has no page type of its
  own, so its ``pagetype`` metadata (og:type) is read: ``article`` or not.
- ``title``: the headline as shown, whitespace and typographic quotes normalised, punctuation kept.
- ``day``: the publication day in the page's own zone; ``instant``: the publication time to the
  minute as an instant (offset included; trafilatura gives days only: never right).
- ``authors``: the set of bylined people (case-insensitive).
- ``start`` / ``end``: the body's first paragraph (after a dateline prefix, for both extractors)
  starts with ``body_first``; its last paragraph ends with ``body_last``. **Sign-off rule**: a
  trailing sign-off in parentheses made of initials or a desk code (``(mdk/yan)``, ``(sus)``,
  ``(*/aln)``) is not the article's own words: it is removed from both the truth and the output
  before the end is compared, whether it shares the last paragraph or stands alone.
- ``clean``: no boilerplate: no paragraph of the body is a known furniture line (promo, related
  teaser, photo credit, share/label line: :data:`BOILERPLATE_LINES`) and the body neither starts
  before ``body_first`` nor runs past ``body_last``.

Only ``type`` applies to non-articles (listing, gallery, video, other). When Pantau rejects an
article every other field counts as wrong; trafilatura's fields are scored whatever its
``pagetype`` says (it always returns text).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

FIELDS = ("type", "title", "day", "instant", "authors", "start", "end", "clean")
BODY_FIELDS = FIELDS[1:]
EXTRACTORS = ("pantau", "trafilatura")
BASELINE_FILE = Path(__file__).resolve().parent.parent / "extract" / "gold" / "clean_baseline.json"
DEFAULT_ZONE = "WIB"  # realpages are national outlets' pages, written in Jakarta

# The body's first paragraph may begin with a dateline prefix ("Jakarta (ANTARA) - "): the truth's
# body_first starts after it, so both extractors' first paragraphs are compared from the first
# DATELINE_SLACK characters on (a dateline is never longer than this).
DATELINE_SLACK = 80
# How much of body_first / body_last must match: the truth keeps 60 characters, and the cleaner's
# paragraph may be cut at a different whitespace; 40 normalised characters identify a sentence.
MATCH_CHARS = 40

# A trailing sign-off in brackets: desk codes joined by "/" in any case ("(mdk/yan)", "(Mvi/Ali)",
# "(*/aln)"), or one code in lower case or short capitals ("(sus)", "(ANT)"). One capitalised word
# or a name is the article's own ("(Golkar)", "(Luh Wayanti)").
_CODE = r"(?:\*|\*?[A-Za-z]{1,6})"
SIGNOFF = re.compile(
    rf"\s*[\[(]\s*(?:{_CODE}(?:\s*/\s*{_CODE}){{1,3}}|\*?[a-z]{{1,6}}|[A-Z]{{2,6}})\s*[\])]\s*$"
)

# Furniture lines that are never the article's own words (whole paragraphs, or a paragraph start).
BOILERPLATE_LINES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(?:baca|lihat|simak)\s+(?:juga|pula|video|selengkapnya|berita)\b",
        r"^berita\s+terkait\b",
        r"^\[gambas:",
        r"^artikel\s+ini\s+(?:telah|sudah)\s+(?:tayang|naik|terbit|dimuat)",
        r"^(?:foto|video|sumber\s+foto|ilustrasi)\s*:",
        r"^(?:penulis|editor|reporter|pewarta|redaktur)\s*:",
        r"^(?:advertisement|advertising|scroll\s+to\s+continue|perbesar)\b",
        r"^(?:share|bagikan|tags?)\s*:",
        r"^\d+\s+dari\s+\d+\s+halaman$",
        r"^(?:halaman|page)\s+\d+$",
        r"^(?:cek|ikuti)\s+berita\b.*\b(?:google\s+news|whatsapp|telegram)\b",
    )
)

_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "`": "'", "–": "-", "—": "-"}
)


def norm(text: str | None) -> str:
    """NFKC, typographic quotes and dashes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


def strip_signoff(text: str) -> str:
    """Drop a trailing sign-off ``(mdk/yan)`` (see the module docstring's rule)."""
    out = norm(text)
    while True:
        cut = SIGNOFF.sub("", out).rstrip()
        if cut == out:
            return out
        out = cut


# --------------------------------------------------------------------------- reading the truth


@dataclass
class Page:
    name: str
    html: Path
    truth: dict[str, Any]

    @property
    def zone(self) -> tzinfo:
        from wilayah import ZONES

        return ZONES.get(str(self.truth.get("zone") or DEFAULT_ZONE), ZONES[DEFAULT_ZONE])


def read_pages(folder: Path) -> list[Page]:
    """Every ``NAME.truth.json`` in ``folder`` with its page (``NAME``), sorted by name."""
    pages = []
    for truth_path in sorted(folder.glob("*.truth.json")):
        page = truth_path.with_name(truth_path.name[: -len(".truth.json")])
        if page.is_file():
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            pages.append(Page(page.name, page, truth))
    return pages


# --------------------------------------------------------------------------- one extractor's view


@dataclass
class Output:
    """What an extractor says about a page, in the shape the scorer compares."""

    page_type: str
    title: str | None = None
    published: datetime | date | None = None
    authors: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


def neutral_url(page: Page) -> str:
    """A URL that says nothing about the page (no 'readfoto', no '/indeks'): the page type must
    come from the page itself, the URL being only a hint."""
    return f"https://realpages.test/berita/{zlib.crc32(page.name.encode()):08x}"


def run_pantau(page: Page) -> Output:
    from extract.clean import CleanError, clean_html

    try:
        art = clean_html(page.html.read_bytes(), neutral_url(page), tz=page.zone)
    except CleanError as exc:
        kind = exc.reason.split(":", 1)[1] if exc.reason.startswith("not_article:") else "other"
        return Output(page_type="listing" if kind == "homepage" else kind)
    return Output(
        page_type="article",
        title=art.title,
        published=art.published,
        authors=list(art.authors),
        paragraphs=[p for p in art.text.split("\n\n") if p.strip()],
    )


def run_trafilatura(page: Page) -> Output:
    from trafilatura import bare_extraction

    try:
        doc = bare_extraction(page.html.read_bytes(), url=neutral_url(page), with_metadata=True)
    except Exception:  # noqa: BLE001 - a third-party crash scores as nothing extracted
        doc = None
    if doc is None:
        return Output(page_type="other")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    day: date | None = None
    try:
        day = date.fromisoformat(str(data.get("date") or "")[:10])
    except ValueError:
        day = None
    authors = [a.strip() for a in re.split(r"[;,]", str(data.get("author") or "")) if a.strip()]
    return Output(
        page_type="article" if str(data.get("pagetype") or "").lower() == "article" else "other",
        title=data.get("title"),
        published=day,
        authors=authors,
        paragraphs=[p for p in str(data.get("text") or "").split("\n") if p.strip()],
    )


# --------------------------------------------------------------------------- scoring


def _type_right(truth: str, got: str, extractor: str) -> bool:
    if extractor == "trafilatura":
        return (got == "article") == (truth == "article")
    if truth == "video":
        return got in ("other", "gallery", "video")
    return got == truth


def _truth_instant(truth: dict[str, Any]) -> datetime | None:
    value = truth.get("published")
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _starts(paragraphs: list[str], first: str) -> bool:
    if not paragraphs:
        return False
    want = norm(first)[:MATCH_CHARS]
    lead = norm(paragraphs[0])
    at = lead.find(want)
    return 0 <= at <= DATELINE_SLACK


def _ends(paragraphs: list[str], last: str) -> bool:
    if not paragraphs:
        return False
    want = strip_signoff(last)[-MATCH_CHARS:]
    return strip_signoff(paragraphs[-1]).endswith(want)


def _boilerplate(paragraphs: Iterable[str]) -> list[str]:
    return [p for p in paragraphs if any(rx.search(norm(p)) for rx in BOILERPLATE_LINES)]


def score_page(page: Page, out: Output, extractor: str) -> dict[str, bool | None]:
    """field -> right (True/False) or None when the field does not apply to this page."""
    truth = page.truth
    scores: dict[str, bool | None] = dict.fromkeys(FIELDS)
    scores["type"] = _type_right(truth["page_type"], out.page_type, extractor)
    if truth["page_type"] != "article":
        return scores
    got_article = out.page_type == "article" or extractor == "trafilatura"
    want_instant = _truth_instant(truth)
    if not got_article:
        for key in BODY_FIELDS:
            scores[key] = False
        if want_instant is None:
            scores["instant"] = None
        return scores
    scores["title"] = norm(out.title) == norm(truth.get("title"))
    day = out.published
    zone = want_instant.tzinfo if want_instant else page.zone
    if isinstance(day, datetime):
        day = day.astimezone(zone).date()
    scores["day"] = day is not None and day.isoformat() == truth.get("published_day")
    if want_instant is not None:
        got = out.published
        scores["instant"] = (
            isinstance(got, datetime)
            and got.tzinfo is not None
            and abs(got - want_instant) < timedelta(minutes=1)
        )
    scores["authors"] = {norm(a).lower() for a in out.authors} == {
        norm(a).lower() for a in truth.get("authors") or []
    }
    scores["start"] = _starts(out.paragraphs, truth["body_first"])
    scores["end"] = _ends(out.paragraphs, truth["body_last"])
    scores["clean"] = bool(scores["start"] and scores["end"]) and not _boilerplate(out.paragraphs)
    return scores


@dataclass
class CleanReport:
    """Per page and per field: right or not, for each extractor."""

    pages: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    scores: dict[str, list[dict[str, bool | None]]] = field(
        default_factory=lambda: {e: [] for e in EXTRACTORS}
    )
    details: list[dict[str, Any]] = field(default_factory=list)

    def totals(self, extractor: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for key in FIELDS:
            values = [s[key] for s in self.scores[extractor] if s[key] is not None]
            out[key] = {"right": sum(1 for v in values if v), "of": len(values)}
        return out

    def rates(self, extractor: str = "pantau") -> dict[str, float]:
        return {
            key: (t["right"] / t["of"] if t["of"] else 1.0)
            for key, t in self.totals(extractor).items()
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": len(self.pages),
            "fields": {e: self.totals(e) for e in EXTRACTORS},
            "per_page": [
                {"page": name, "page_type": kind, **{e: self.scores[e][i] for e in EXTRACTORS}}
                for i, (name, kind) in enumerate(zip(self.pages, self.types, strict=True))
            ],
            "details": self.details,
        }

    def table(self) -> str:
        """Per page: one mark per field, Pantau then trafilatura ('+' right, '-' wrong, '.' n/a);
        then per field: right / applicable for both."""

        def mark(v: bool | None) -> str:
            return "." if v is None else "+" if v else "-"

        width = max([len(p) for p in self.pages] + [4])
        head = f"{'page':<{width}}  {'truth':<8} " + " ".join(f"{k:>7}" for k in FIELDS)
        lines = [head, "-" * len(head)]
        for i, name in enumerate(self.pages):
            cells = " ".join(
                f"{mark(self.scores['pantau'][i][k]) + mark(self.scores['trafilatura'][i][k]):>7}"
                for k in FIELDS
            )
            lines.append(f"{name:<{width}}  {self.types[i]:<8} {cells}")
        lines += ["", f"{'field':<9} {'pantau':>9} {'trafilatura':>12}"]
        ours, theirs = self.totals("pantau"), self.totals("trafilatura")
        for key in FIELDS:
            p, t = ours[key], theirs[key]
            t_cell = "n/a" if key == "instant" else f"{t['right']}/{t['of']}"
            lines.append(f"{key:<9} {p['right']:>5}/{p['of']:<3} {t_cell:>12}")
        lines.append(
            "(per page: Pantau mark, then trafilatura; + right, - wrong, . not applicable)"
        )
        return "\n".join(lines)

    def regressions(self, floors: dict[str, float]) -> list[str]:
        rates = self.rates("pantau")
        return [
            f"{key}: {rates[key]:.3f} < floor {floor:.3f}"
            for key, floor in sorted(floors.items())
            if key in rates and rates[key] + 1e-9 < floor
        ]


def _detail(page: Page, out: Output, scores: dict[str, bool | None]) -> dict[str, Any]:
    wrong = [k for k, v in scores.items() if v is False]
    got: dict[str, Any] = {"page_type": out.page_type}
    if out.page_type == "article":
        got.update(
            title=out.title,
            published=out.published.isoformat() if out.published else None,
            authors=out.authors,
            first=out.paragraphs[0][:80] if out.paragraphs else None,
            last=out.paragraphs[-1][-80:] if out.paragraphs else None,
            boilerplate=_boilerplate(out.paragraphs)[:3],
        )
    return {"page": page.name, "wrong": wrong, "got": got}


def evaluate_clean(folder: Path, *, trafilatura: bool = True) -> CleanReport:
    """Score both extractors on every page of ``folder`` that has a truth file."""
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs every page it rejects
    report = CleanReport()
    for page in read_pages(folder):
        report.pages.append(page.name)
        report.types.append(str(page.truth["page_type"]))
        ours = run_pantau(page)
        scores = score_page(page, ours, "pantau")
        report.scores["pantau"].append(scores)
        if any(v is False for v in scores.values()):
            report.details.append(_detail(page, ours, scores))
        if trafilatura:
            report.scores["trafilatura"].append(
                score_page(page, run_trafilatura(page), "trafilatura")
            )
        else:
            report.scores["trafilatura"].append(dict.fromkeys(FIELDS))
    return report


def floors_for(baseline: dict[str, Any], corpus: str) -> dict[str, float]:
    """The floors (field -> minimum share of pages right) pinned for ``corpus``."""
    entry = baseline.get(corpus) or {}
    return {k: float(v) for k, v in (entry.get("fields") or {}).items()}
