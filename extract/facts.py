"""Fact extraction from one cleaned article: the public entry point of ``extract``.

:func:`extract_records` runs the rule pipeline from :mod:`extract.nlp` over the article body and
returns a :class:`Facts`: typed records of officials, worker counts, rupiah amounts,
percentages, events, regions and quotes, each with character offsets into the text (required),
the sentence, the extractor (component) name, its version and a confidence. This is the
contract between ``extract`` and ``kb`` (:meth:`kb.store.KB.ingest` takes a :class:`Facts`).
:func:`extract_facts` returns the same facts serialised (:meth:`Facts.as_dict`: the JSON of
``pantau extract --json``), and :meth:`Facts.from_dict` reads that form back, refusing an item
without offsets or with a value of the wrong type in one line (:class:`FactValueError`).

Duplicates (the same count or amount repeated in headline and body) are merged into one item
with ``mentions``. Numbers left out because their value is implausible
(:func:`extract.numbers.implausible`) are listed under ``rejected``, each with its ``field``,
``value`` and ``reason``.

A text longer than the pipeline's ``max_length`` (spaCy's 1,000,000 characters) is processed
whole, never truncated: it is split into chunks at paragraph boundaries (a paragraph longer than
a chunk at its last line break, sentence end or space), each chunk is extracted on its own, and
the facts are merged with their offsets shifted back into ``text`` (:func:`chunks`).

No database, no HTTP: text in, records out. Safe to call from threads and worker processes (the
pipeline is built once per process and holds no per-document state). Importing this module
does not load spaCy (the KB imports the records): the pipeline is imported on first use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import wilayah

# 0.2: gold-corpus fixes (names, units, datelines, dates); 0.2.1: blind batch g51-g60 (fraksi,
# police ranks, village/kecamatan units, ranges, "Sumbar", bank agents); 0.3: national regions
# (wilayah: 514 kabupaten/kota, Kemendagri codes), datelines count, office names do not;
# 0.3.1: implausible numbers rejected, no fragments of "1e309" or codes, invisible characters
# inside numbers; 0.3.2: coordinated officials, military units, office places, glued quotes
# 0.3.5: blind round 5 (titles in parentheses, named village places, Chinese-Indonesian names,
# percentage ranges, quotas with a verb in between, agency-name place cues)
EXTRACTOR_VERSION = "0.3.5"

FIELDS = ("officials", "worker_counts", "amounts", "percentages", "events", "regions", "quotes")
REJECTED = "rejected"  # numbers that were not facts, with the reason (not a fact field)
SHORT_VALUE_CHARS = 40  # of a refused value quoted in a FactValueError


class FactValueError(ValueError):
    """A fact that cannot be a record: no offsets, a value of the wrong type, a non-finite
    number; or (raised by the KB) an integer its column cannot hold."""


def short(value: Any) -> str:
    """``value`` for a one-line message: at most SHORT_VALUE_CHARS characters of it."""
    try:
        text = str(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return "(a number of thousands of digits)"
    if len(text) <= SHORT_VALUE_CHARS:
        return text
    return f"{text[:SHORT_VALUE_CHARS]}… ({len(text)} characters)"


# -- typed records ------------------------------------------------------------------------------
Span = tuple[int, int]


@dataclass(kw_only=True, slots=True)
class Fact:
    """Evidence every fact carries: where in the text, in which sentence, found by what.

    ``start``/``end`` are character offsets into the article text (end exclusive);
    ``mentions`` lists every place the same fact is written (None: not merged)."""

    KIND: ClassVar[str] = "fact"  # the KB's name for it in messages
    text: str
    start: int
    end: int
    sentence: str = ""
    extractor: str = ""
    version: str = ""
    confidence: float = 0.0
    mentions: list[Span] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: the fact's own fields first, then the evidence (as extractors write
        it); optional fields that were never set are left out."""
        own: dict[str, Any] = {}
        evidence: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _EVIDENCE:
                if f.name == "mentions":
                    if value is not None:
                        evidence["mentions"] = [[s, e] for s, e in value]
                    continue
                evidence[f.name] = value
            elif f.name not in _OMIT_UNSET or value not in (None, ()):
                own[f.name] = value.isoformat() if isinstance(value, dt.date) else value
        return {**own, **evidence}


_EVIDENCE = frozenset(f.name for f in dataclasses.fields(Fact))
# Optional fields some producers give (older extractors, other tools): written only when set.
_OMIT_UNSET = frozenset({"aliases", "organization_text", "organization_region"})


@dataclass(kw_only=True, slots=True)
class Official(Fact):
    """A person named with a position: "Bupati TTU, Yosep Falentinus Delasalle Kebo"."""

    KIND: ClassVar[str] = "official"
    name: str
    title: str | None = None
    organization: str | None = None
    region: str | None = None
    aliases: tuple[str, ...] = ()
    organization_text: str | None = None  # the organisation as written, when it differs
    organization_region: str | None = None


@dataclass(kw_only=True, slots=True)
class WorkerCount(Fact):
    """A number of people: "14.880 pekerja rentan" → 14880."""

    KIND: ClassVar[str] = "worker_count"
    value: int
    noun: str = ""
    qualifier: str | None = None


@dataclass(kw_only=True, slots=True)
class Amount(Fact):
    """A money amount in whole units: "Rp10,08 miliar" → 10080000000."""

    KIND: ClassVar[str] = "amount"
    value: int
    currency: str = "IDR"
    role: str | None = None
    per: str | None = None


@dataclass(kw_only=True, slots=True)
class Percentage(Fact):
    KIND: ClassVar[str] = "percentage"
    value: float


@dataclass(kw_only=True, slots=True)
class Event(Fact):
    """An event (launch, handover, working visit …) with its date resolved, and its place."""

    KIND: ClassVar[str] = "event"
    type: str = "other"
    date: dt.date | None = None
    place: str | None = None


@dataclass(kw_only=True, slots=True)
class RegionMention(Fact):
    """A province or kabupaten/kota named in the text (Kemendagri code)."""

    KIND: ClassVar[str] = "region"
    name: str
    code: str
    kind: str | None = None


@dataclass(kw_only=True, slots=True)
class Quote(Fact):
    KIND: ClassVar[str] = "quote"
    speaker: str | None = None


@dataclass(kw_only=True, slots=True)
class Rejected(Fact):
    """A number left out as implausible: its field, parsed value and why."""

    KIND: ClassVar[str] = "rejected"
    field: str = ""
    value: int | float | None = None
    reason: str = ""


@dataclass(kw_only=True, slots=True)
class Facts:
    """Everything found in one article, by field."""

    officials: list[Official] = field(default_factory=list)
    worker_counts: list[WorkerCount] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    percentages: list[Percentage] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    regions: list[RegionMention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        """The JSON form (``pantau extract --json``): one list of items per field."""
        return {name: [item.as_dict() for item in getattr(self, name)] for name in _FIELD_NAMES}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Facts:
        """Records from the JSON form; :class:`FactValueError` names the first bad item."""
        out = cls()
        for name in _FIELD_NAMES:
            reader = _READERS[name]
            items = data.get(name) or []
            getattr(out, name).extend(reader(item, f"{name}[{i}]") for i, item in enumerate(items))
        return out


_FIELD_NAMES = (*FIELDS, REJECTED)


# -- reading the JSON form ----------------------------------------------------------------------
def _offset(item: Mapping[str, Any], key: str, where: str) -> int:
    value = item.get(key)
    if value is None:
        raise FactValueError(f"{where}: no {key} offset")
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactValueError(f"{key} {short(value)} is not an integer")
    return value


def _integer(value: Any, what: str) -> int:
    """An int (a whole finite float or a numeric string counts), else FactValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        number = float(value)
        if math.isfinite(number) and number == int(number):
            return int(number)
    except (OverflowError, TypeError, ValueError):
        pass
    raise FactValueError(f"{what} {short(value)} is not an integer")


def _finite(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        raise FactValueError(f"{what} {short(value)} is not a finite number") from None
    if not math.isfinite(number):
        raise FactValueError(f"{what} {short(value)} is not a finite number")
    return number


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _evidence(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise FactValueError(f"{where}: not an object")
    mentions = item.get("mentions")
    return {
        "text": str(item.get("text") or ""),
        "start": _offset(item, "start", where),
        "end": _offset(item, "end", where),
        "sentence": str(item.get("sentence") or ""),
        "extractor": str(item.get("extractor") or ""),
        "version": str(item.get("version") or ""),
        "confidence": _finite(item.get("confidence") or 0.0, "confidence"),
        "mentions": None if mentions is None else [(int(s), int(e)) for s, e in mentions],
    }


def _official(item: Mapping[str, Any], where: str) -> Official:
    return Official(
        **_evidence(item, where),
        name=str(item.get("name") or ""),
        title=_optional_str(item.get("title")),
        organization=_optional_str(item.get("organization")),
        region=_optional_str(item.get("region")),
        aliases=tuple(str(a) for a in item.get("aliases") or ()),
        organization_text=_optional_str(item.get("organization_text")),
        organization_region=_optional_str(item.get("organization_region")),
    )


def _worker_count(item: Mapping[str, Any], where: str) -> WorkerCount:
    return WorkerCount(
        **_evidence(item, where),
        value=_integer(item.get("value"), "worker_count value"),
        noun=str(item.get("noun") or ""),
        qualifier=_optional_str(item.get("qualifier")),
    )


def _amount(item: Mapping[str, Any], where: str) -> Amount:
    return Amount(
        **_evidence(item, where),
        value=_integer(item.get("value"), "amount value"),
        currency=str(item.get("currency") or "IDR"),
        role=_optional_str(item.get("role")),
        per=_optional_str(item.get("per")),
    )


def _percentage(item: Mapping[str, Any], where: str) -> Percentage:
    value = _finite(item.get("value"), "percentage value")
    return Percentage(**_evidence(item, where), value=value)


def _event(item: Mapping[str, Any], where: str) -> Event:
    return Event(
        **_evidence(item, where),
        type=str(item.get("type") or "other"),
        date=_date(item.get("date")),
        place=_optional_str(item.get("place")),
    )


def _region(item: Mapping[str, Any], where: str) -> RegionMention:
    return RegionMention(
        **_evidence(item, where),
        name=str(item.get("name") or item.get("code") or ""),
        code=str(item.get("code") or ""),
        kind=_optional_str(item.get("kind")),
    )


def _quote(item: Mapping[str, Any], where: str) -> Quote:
    return Quote(**_evidence(item, where), speaker=_optional_str(item.get("speaker")))


def _rejected(item: Mapping[str, Any], where: str) -> Rejected:
    value = item.get("value")
    number: int | float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    return Rejected(
        **_evidence(item, where),
        field=str(item.get("field") or ""),
        value=number,
        reason=str(item.get("reason") or ""),
    )


_READERS: dict[str, Callable[[Mapping[str, Any], str], Fact]] = {
    "officials": _official,
    "worker_counts": _worker_count,
    "amounts": _amount,
    "percentages": _percentage,
    "events": _event,
    "regions": _region,
    "quotes": _quote,
    REJECTED: _rejected,
}


# -- extraction ---------------------------------------------------------------------------------
def _merge(
    items: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> list[dict[str, Any]]:
    """Keep the first item per key; later duplicates become ``mentions`` of it."""
    out: dict[Any, dict[str, Any]] = {}
    for it in sorted(items, key=lambda i: i["start"]):
        k = key(it)
        if k not in out:
            it.setdefault("mentions", [[it["start"], it["end"]]])
            out[k] = it
            continue
        first = out[k]
        first["mentions"].append([it["start"], it["end"]])
        first["confidence"] = max(first["confidence"], it["confidence"])
    return list(out.values())


def _merge_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = _merge(events, lambda e: (e["type"], e["date"]))
    dated_types = {e["type"] for e in merged if e["date"]}
    typed_dates = {e["date"] for e in merged if e["date"] and e["type"] != "other"}
    out = []
    for e in merged:
        if e["date"] is None and e["type"] in dated_types:
            target = next(x for x in merged if x["type"] == e["type"] and x["date"])
            target["mentions"].extend(e["mentions"])
            if target.get("place") is None:
                target["place"] = e.get("place")
            continue
        if e["type"] == "other" and e["date"] in typed_dates:
            continue
        out.append(e)
    return out


def chunks(text: str, limit: int) -> list[tuple[int, str]]:
    """``text`` as ``(offset, part)`` pieces of at most ``limit`` characters that join back
    into it, cut after a paragraph break (a blank line) where possible, else after a line break,
    a sentence end or a space, and only as a last resort in the middle of a word."""
    if len(text) <= limit:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = 0
        for sep in ("\n\n", "\n", ". ", " "):
            at = window.rfind(sep)
            if at > 0:
                cut = at + len(sep)
                break
        cut = cut or limit
        out.append((start, text[start : start + cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def _shifted(item: dict[str, Any], offset: int) -> dict[str, Any]:
    """A fact of a chunk with its offsets (``start``, ``end``, ``mentions``) into the text."""
    if not offset:
        return item
    for key in ("start", "end"):
        if isinstance(item.get(key), int):
            item[key] += offset
    if isinstance(item.get("mentions"), list):
        item["mentions"] = [[s + offset, e + offset] for s, e in item["mentions"]]
    return item


def _merge_regions(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Regions named in several chunks: the first item, with every chunk's mentions."""
    out: dict[Any, dict[str, Any]] = {}
    for reg in sorted(regions, key=lambda r: r["start"] if r["start"] is not None else -1):
        key = (reg.get("code"), reg.get("name"))
        if key not in out:
            out[key] = reg
            continue
        first = out[key]
        first.setdefault("mentions", []).extend(reg.get("mentions") or [])
        first["confidence"] = max(first.get("confidence", 0), reg.get("confidence", 0))
    return list(out.values())


def _found(
    text: str, published: dt.datetime | None, title: str | None, stanza: bool
) -> dict[str, list[dict[str, Any]]]:
    """The pipeline's items (JSON form), merged and sorted."""
    from .components.common import facts as doc_facts
    from .components.common import inputs
    from .nlp import build_pipeline

    nlp = build_pipeline()
    found: dict[str, list[dict[str, Any]]] = {}
    parts = chunks(text, nlp.max_length - 1)
    for offset, part in parts:
        doc = nlp.make_doc(part)
        given = inputs(doc)
        given["published"] = published
        given["title"] = title
        for _name, proc in nlp.pipeline:
            doc = proc(doc)
        for key, items in doc_facts(doc).items():
            found.setdefault(key, []).extend(_shifted(item, offset) for item in items)
    result: dict[str, list[dict[str, Any]]] = {f: list(found.get(f, [])) for f in FIELDS}
    if len(parts) > 1:  # a region named in several chunks: one item
        result["regions"] = _merge_regions(result["regions"])
    result["worker_counts"] = _merge(result["worker_counts"], lambda i: (i["value"], i["noun"]))
    result["amounts"] = _merge(result["amounts"], lambda i: i["value"])
    result["percentages"] = _merge(result["percentages"], lambda i: i["value"])
    result["quotes"] = _merge(result["quotes"], lambda i: i["text"])
    result["events"] = _merge_events(result["events"])
    if stanza:
        from .stanza_adapter import enrich_text

        result = enrich_text(result, text)
    result[REJECTED] = list(found.get(REJECTED, []))
    for f in (*FIELDS, REJECTED):
        result[f].sort(key=lambda i: i["start"] if i["start"] is not None else len(text))
    return result


def extract_records(
    text: str,
    *,
    published: dt.datetime | None = None,
    title: str | None = None,
    stanza: bool = False,
    zone: dt.tzinfo | None = None,
) -> Facts:
    """Facts found in one cleaned article body ``text`` (paragraphs separated by blank lines).

    Offsets are character offsets into ``text``. ``published`` anchors year-less dates
    ("Senin (15/9)") in the outlet's local time: an aware ``published`` is read in ``zone``
    (the outlet's, from :mod:`wilayah`; default :data:`wilayah.DEFAULT_ZONE`), a naive one is
    taken as local already. ``title`` is accepted for the pipeline's convenience and currently
    only recorded for components (the headline is not part of ``text``, so it yields no
    offsets). ``stanza=True`` adds what stanza's local Indonesian models attach and the rules
    missed (:mod:`extract.stanza_adapter`); without the models it logs once and changes nothing.
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if published is not None and published.tzinfo is not None:
        published = published.astimezone(zone or wilayah.DEFAULT_ZONE)
    return Facts.from_dict(_found(text, published, title, stanza))


def extract_facts(
    text: str,
    *,
    published: dt.datetime | None = None,
    title: str | None = None,
    stanza: bool = False,
    zone: dt.tzinfo | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """:func:`extract_records`, serialised (:meth:`Facts.as_dict`): JSON-ready lists by field."""
    return extract_records(
        text, published=published, title=title, stanza=stanza, zone=zone
    ).as_dict()
