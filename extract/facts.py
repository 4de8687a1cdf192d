"""Fact extraction from one cleaned article: the public entry point of ``extract``.

:func:`extract_facts` runs the rule pipeline from :mod:`extract.nlp` over the article body and
returns JSON-serialisable lists of officials, worker counts, rupiah amounts, percentages,
events, regions and quotes, each item with character offsets into the text, the sentence, the
extractor (component) name, its version and a confidence. Duplicates (the same count or amount
repeated in headline and body) are merged into one item with ``mentions``. Numbers left out
because their value is implausible (:func:`extract.numbers.implausible`) are listed under
``rejected``, each with its ``field``, ``value`` and ``reason``.

A text longer than the pipeline's ``max_length`` (spaCy's 1,000,000 characters) is processed
whole, never truncated: it is split into chunks at paragraph boundaries (a paragraph longer than
a chunk at its last line break, sentence end or space), each chunk is extracted on its own, and
the facts are merged with their offsets shifted back into ``text`` (:func:`chunks`).

No database, no HTTP: text in, dict out. Safe to call from threads and worker processes (the
pipeline is built once per process and holds no per-document state).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .components.common import facts as doc_facts
from .components.common import state
from .nlp import build_pipeline

# 0.2: gold-corpus fixes (names, units, datelines, dates); 0.2.1: blind batch g51-g60 (fraksi,
# police ranks, village/kecamatan units, ranges, "Sumbar", bank agents); 0.3: national regions
# (wilayah: 514 kabupaten/kota, Kemendagri codes), datelines count, office names do not;
# 0.3.1: implausible numbers rejected, no fragments of "1e309" or codes, invisible characters
# inside numbers; 0.3.2: coordinated officials, military units, office places, glued quotes
EXTRACTOR_VERSION = "0.3.2"

FIELDS = ("officials", "worker_counts", "amounts", "percentages", "events", "regions", "quotes")
REJECTED = "rejected"  # numbers that were not facts, with the reason (not a fact field)

WITA = timezone(timedelta(hours=8), "WITA")  # NTT local time: year-less dates are local dates


def _merge(items: list[dict[str, Any]], key: Any) -> list[dict[str, Any]]:
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


def extract_facts(
    text: str,
    *,
    published: datetime | None = None,
    title: str | None = None,
    stanza: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """Facts found in one cleaned article body ``text`` (paragraphs separated by blank lines).

    Offsets are character offsets into ``text``. ``published`` anchors year-less dates
    ("Senin (15/9)"); ``title`` is accepted for the pipeline's convenience and currently only
    recorded for components (the headline is not part of ``text``, so it yields no offsets).
    ``stanza=True`` adds what stanza's local Indonesian models attach and the rules missed
    (:mod:`extract.stanza_adapter`); without the models it logs once and changes nothing.
    """
    nlp = build_pipeline()
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if published is not None and published.tzinfo is not None:
        published = published.astimezone(WITA)
    found: dict[str, list[dict[str, Any]]] = {}
    parts = chunks(text, nlp.max_length - 1)
    for offset, part in parts:
        doc = nlp.make_doc(part)
        st = state(doc)
        st["published"] = published
        st["title"] = title
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
