"""``pantau_orgs`` and ``pantau_regions``: gazetteer matching of organisations and regions.

Both use spaCy's PhraseMatcher over aliases from YAML files and leave spans in
``doc.spans["pantau_orgs"]`` / ``doc.spans["pantau_regions"]`` (``kb_id_`` = canonical name or
Kemendagri code) for the officials/events components. ``pantau_regions`` also emits the
``regions`` facts: distinct provinces and NTT kabupaten/kota mentioned as places.

Region rules: a prefix word decides the kind ("Kabupaten Kupang", "Bupati Kupang" → kabupaten;
"Kota Kupang", "Wali Kota Kupang", bare "Kupang" → kota); ambiguous aliases that are also
surnames ("Eflin Rote") need a non-name left neighbour; regions inside organisation names
("Bank NTT") and inside an office's jurisdiction list ("wilayah Bali, Nusa Tenggara, dan Papua")
are not places.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

import wilayah

from .common import (
    RegionEntry,
    add_fact,
    attr,
    in_ranges,
    is_skipped,
    layout,
    load_data,
    make_item,
    org_entries,
    text_of,
    words,
)

# Confidence of a region mention by how it was recognised.
# Capitalised words before a place name that make it a sea or strait named after the place
# ("Laut Maluku", "Laut Natuna", "Selat Makassar"), not the place itself.
SEA_WORDS = {"Laut", "Selat", "Samudra", "Samudera"}
CONF_REGION_CLEAR = 0.95  # full name or unambiguous abbreviation
CONF_REGION_AMBIGUOUS = 0.7  # an alias that is also a surname/common word, accepted by context
CONF_REGION_BARE_DEFAULT = 0.8  # "Kupang" with no prefix: taken as Kota Kupang
CONF_REGION_DATELINE = 0.6  # where the story was filed, not always where it happened

# How many tokens after "wilayah" a jurisdiction list may run ("wilayah Bali, Nusa Tenggara,
# dan Papua (Banuspa)" is 9 tokens).
JURISDICTION_MAX_TOKENS = 16
# Words that open an office's jurisdiction ("Kantor Wilayah …", "Kanwil …", "Deputi Direktur
# Wilayah …", "Kantor Regional …").
JURISDICTION_WORDS = {"wilayah", "kanwil", "regional"}
# Longest kecamatan name in tokens looked up after a cue ("Kecamatan Pulau Banyak Barat").
KECAMATAN_MAX_TOKENS = 4
# How far before an office word ("Cabang") an organisation may end for the region after it to
# name the office ("BPJS Ketenagakerjaan Kantor Cabang Lhokseumawe": 1 token).
OFFICE_ORG_WINDOW = 2
# Words between an organisation with offices and the place naming the office ("BPJS
# Ketenagakerjaan Kantor Wilayah Provinsi X", "BPJS Ketenagakerjaan di X").
OFFICE_LINK_WORDS = {"Kantor", "Wilayah", "Provinsi", "Kabupaten", "Kota", "Prov.", "Kab.", "di",
                     "Area", "Unit", "Kanwil", "Daerah"}  # fmt: skip
# Longest parenthesised abbreviation between an organisation and its office word ("(BPJS-TK)").
OFFICE_PAREN_MAX_TOKENS = 6
# How far back a venue word may stand before the town ending its name ("Hotel Aston Kupang").
VENUE_MAX_TOKENS = 3
# Label of a dash-joined list of regions naming an office's area ("Sumbar-Riau-Kepri").
AREA_LIST = "area-list"
# An all-capitals word this short after a place name is an acronym ("Sleman DIY"), not a name.
ACRONYM_MAX_CHARS = 5


def _is_cap(text: str) -> bool:
    return bool(text) and text[0].isupper() and any(c.isalpha() for c in text)


class OrgMatcher:
    """Organisation aliases → ``doc.spans["pantau_orgs"]`` (kb_id_ = canonical name)."""

    def __init__(self, nlp: Language, data_file: str) -> None:
        data = load_data(data_file)
        self.orgs: dict[str, dict[str, Any]] = {o["name"]: o for o in data["orgs"]}
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        for org in data["orgs"]:
            single = [a for a in org["aliases"] if len(a.split()) == 1]
            multi = [a for a in org["aliases"] if len(a.split()) > 1]
            if single:
                self.exact.add(org["name"], [nlp.make_doc(a) for a in single])
            if multi:
                self.lower.add(org["name"], [nlp.make_doc(a.lower()) for a in multi])

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for matcher in (self.exact, self.lower):
            for match_id, s, e in matcher(doc):
                name = doc.vocab.strings[match_id]
                spans.append(Span(doc, s, e, label="ORG", kb_id=name))
        doc.spans["pantau_orgs"] = filter_spans(spans)
        doc._.pantau_org_entries = self.orgs
        return doc


class RegionMatcher:
    """Region aliases (from :mod:`wilayah`) → spans + ``regions`` facts."""

    def __init__(self, nlp: Language, data_file: str, version: str, report_towns: bool) -> None:
        data = load_data(data_file)
        self.version = version
        self.report_towns = report_towns
        self.regions: list[RegionEntry] = region_entries()
        self.entries = {r["code"] + r["kind"]: r for r in self.regions}  # for the officials
        self.by_alias: dict[str, list[int]] = {}
        for i, reg in enumerate(self.regions):
            for alias in reg["aliases"]:
                self.by_alias.setdefault(alias, []).append(i)
        # One-word aliases match as written ("Bone", not "bone"); longer ones in any case after
        # a capital ("Sulawesi tenggara", "Kota bogor").
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        tokenizer = cast(Tokenizer, nlp.tokenizer)
        for alias, doc in zip(self.by_alias, tokenizer.pipe(self.by_alias), strict=True):
            self.matcher.add(alias, [doc])
            if len(doc) > 1:
                self.lower_matcher.add(alias, [nlp.make_doc(alias.lower())])
        # prefix text -> kind, longest first so "Wakil Bupati" beats "Bupati"
        self.prefixes = sorted(
            ((p, kind) for kind, ps in data["prefixes"].items() for p in ps),
            key=lambda pk: len(pk[0]),
            reverse=True,
        )
        # the same, bucketed by last character (a text ends with a prefix only if it ends with
        # its last character): each alias start tries a handful instead of every prefix
        self.prefixes_by_last: dict[str, list[tuple[str, str]]] = {}
        for p, kind in self.prefixes:
            self.prefixes_by_last.setdefault(p[-1:], []).append((p, kind))
        if "" in self.prefixes_by_last:  # an empty prefix ends every text: in every bucket
            self.prefixes_by_last = {
                last: [pk for pk in self.prefixes if pk[0][-1:] in {last, ""}]
                for last in self.prefixes_by_last
            }
        self.absorbable = {"Provinsi", "Prov.", "Prov", "Kabupaten", "Kab.", "Kab", "Kota"}
        self.place_cues = set(data["place_cues"])
        self.subarea_prefixes = set(data.get("subarea_prefixes", []))
        self.compass = set(data.get("compass_words", []))
        self.kecamatan_cues = set(data.get("kecamatan_cues", []))
        self.office_words = set(data.get("office_words", []))
        self.ethnic = set(data.get("ethnic_before", []))
        self.venue_heads = set(data.get("venue_heads", []))
        self.kecamatan: dict[tuple[str, ...], str] = {}
        self.joined_kecamatan: set[tuple[str, ...]] = set()  # "Tanjungmorawa"
        for code, name in wilayah.kecamatan():
            for form in wilayah.spelling_variants(name):
                key = tuple(form.split())
                self.kecamatan.setdefault(key, code)
                if len(key) == 1 and len(name.split()) > 1:
                    self.joined_kecamatan.add(key)

    def _prefix(self, doc: Doc, start_char: int) -> tuple[str, str, int] | None:
        """(prefix, kind, prefix start offset) of a kind cue right before a region alias."""
        before = text_of(doc)[max(0, start_char - 40) : start_char]
        stripped = before.rstrip(" \u00a0")
        if len(stripped) == len(before):
            return None  # glued to the previous word
        candidates = self.prefixes_by_last.get(stripped[-1:]) or self.prefixes_by_last.get("", [])
        for p, kind in candidates:
            if stripped.endswith(p):
                head = stripped[: len(stripped) - len(p)]
                if not head or not head[-1].isalnum():
                    return p, kind, start_char - (len(before) - len(stripped)) - len(p)
        return None

    def _jurisdiction_tokens(self, doc: Doc, area_tokens: set[int]) -> set[int]:
        """Token indices inside "wilayah A, B, dan C (X)" lists naming a regional office's area:
        lists that name a multi-province area ("Nusa Tenggara", "Banuspa"). A list of kabupaten
        ("klaim untuk wilayah Sikka, Flores Timur dan Lembata") names places."""
        out: set[int] = set()
        texts = words(doc)
        for i in [i for i, w in enumerate(texts) if w.lower() in JURISDICTION_WORDS]:
            items, j, idxs = 0, i + 1, []
            limit = min(len(doc), i + 1 + JURISDICTION_MAX_TOKENS)
            while j < limit:
                t = texts[j]
                if t in {",", "dan", "serta", "-"} or _is_cap(t):
                    if t in {",", "dan", "serta", "-"}:
                        items += 1
                    idxs.append(j)
                    j += 1
                    continue
                break
            if items >= 1 and len(idxs) >= 3 and area_tokens & set(idxs):
                out.update(idxs)
        return out

    def _kecamatan_spans(self, doc: Doc, office_ends: set[int]) -> list[Span]:
        """"Kecamatan Ngaglik", "Distrik Manokwari Selatan", "Camat Depok": the kecamatan's
        name as a span (label ``kecamatan``), longest known name after the cue. Right after an
        office ("BPJS Ketenagakerjaan Tanjung Morawa") a name of two words or more counts too."""
        out = []
        texts = words(doc)
        cues = self.kecamatan_cues
        for i in [i for i, w in enumerate(texts) if w in cues or i + 1 in office_ends]:
            cue = texts[i] in cues
            first = i + 1
            if cue and first < len(doc) and texts[first] == "." and not doc[i].whitespace_:
                first += 1  # "Kec. Ngaglik"
            for size in range(KECAMATAN_MAX_TOKENS, 0, -1):
                name = tuple(texts[first : first + size])
                if not cue and size == 1 and name not in self.joined_kecamatan:
                    continue  # a one-word name needs a cue; "Tanjungmorawa" is two words joined
                if len(name) == size and name in self.kecamatan:
                    code, end = self.kecamatan[name], first + size
                    while end < len(doc) and texts[end] in self.compass:
                        end += 1  # "Kupang Barat Laut": a compass word the data lacks
                    out.append(Span(doc, first, end, label="kecamatan", kb_id=code))
                    break
        return out

    def _hyphen_lists(self, doc: Doc, raw: list[Span]) -> list[Span]:
        """"Sumbar-Riau-Kepri", "DIY – Jawa Tengah": regions joined by dashes name a regional
        office's area (label: the first area alias), not places of the story."""
        by_start = {sp.start: sp for sp in raw}
        texts, n = words(doc), len(doc)
        out = []
        i = 0  # the end of the last list: lists never overlap
        for start in sorted(by_start):
            if start < i:
                continue
            j, parts = by_start[start].end, 1
            while j + 1 < n and texts[j] in {"-", "–", "—"} and (j + 1) in by_start:
                j, parts = by_start[j + 1].end, parts + 1
            if parts >= 2:
                out.append(Span(doc, start, j, label=AREA_LIST))
                i = j
        return out

    def _dateline_spans(self, doc: Doc, datelines: list[tuple[int, int]]) -> list[Span]:
        """Place names written in capitals in a dateline ("BANJARMASIN, OUTLET.COM –"): the
        span is labelled with the alias it spells ("Banjarmasin")."""
        out = []
        for s, e in datelines:
            span = doc.char_span(s, e, alignment_mode="expand")
            if span is None:
                continue
            for i in range(span.start, span.end):
                for size in (3, 2, 1):
                    toks = doc[i : min(i + size, span.end)]
                    if len(toks) < size or not all(t.text.isupper() for t in toks):
                        continue
                    alias = " ".join(t.text.capitalize() for t in toks)
                    if alias in self.by_alias:
                        out.append(Span(doc, toks.start, toks.end, label=alias))
                        break
        return out

    def _office_tokens(self, doc: Doc, org_ends: set[int], office_ends: set[int]) -> set[int]:
        """Token indices where a region names an office, not a place: right after an office
        word that follows an organisation ("BPJS Ketenagakerjaan Cabang Lhokseumawe", "Kanwil
        BPJS Ketenagakerjaan Sumbagsel", "Kepala Cabang Sulawesi Barat"), or right after an
        organisation with offices ("BPJS Ketenagakerjaan Baubau", "BPJS Ketenagakerjaan
        Wilayah Sumatera Utara dan Aceh", "BPJS Ketenagakerjaan di Provinsi X")."""
        out: set[int] = set()
        for end in office_ends:
            k = end
            if k + 2 < len(doc) and doc[k].text == "(":  # "… Ketenagakerjaan (BPJS-TK) Cabang X"
                inside = range(k + 1, min(k + OFFICE_PAREN_MAX_TOKENS, len(doc)))
                close = next((j for j in inside if doc[j].text == ")"), None)
                k = close + 1 if close is not None else k
            while k < len(doc) and (
                doc[k].text.capitalize() in self.office_words or doc[k].text in OFFICE_LINK_WORDS
            ):
                k += 1
            out.add(k)
        texts = words(doc)
        for i in [i for i, w in enumerate(texts) if w.capitalize() in self.office_words]:
            word = texts[i]
            near_org = any(i - w in org_ends for w in range(OFFICE_ORG_WINDOW + 1))
            head = i > 0 and texts[i - 1] in {"Kepala", "Kantor", "Pimpinan"}
            if word == "Kanwil" or near_org or head:
                out.add(i + 1)
                if word == "Kanwil":  # "Kanwil BPJS Ketenagakerjaan Sumbagsel"
                    out.update(e for e in org_ends if i < e <= i + OFFICE_ORG_WINDOW)
        return out

    def __call__(self, doc: Doc) -> Doc:
        org_spans = doc.spans.get("pantau_orgs", [])
        orgs = org_entries(doc)
        region_in_org = [
            (s.start, s.end) for s in org_spans if orgs.get(s.kb_id_, {}).get("contains_region")
        ]
        raw = [Span(doc, s, e, label=doc.vocab.strings[m]) for m, s, e in self.matcher(doc)]
        texts = words(doc)
        raw += [
            Span(doc, s, e, label=doc.vocab.strings[m])
            for m, s, e in self.lower_matcher(doc)
            if texts[s][:1].isupper()
        ]
        raw += self._hyphen_lists(doc, raw)
        area_tokens = {
            k
            for sp in raw
            if sp.label_ == AREA_LIST
            or any(self.regions[i]["kind"] == "area" for i in self.by_alias[sp.label_])
            for k in range(sp.start, sp.end)
        }
        juris = self._jurisdiction_tokens(doc, area_tokens)
        org_ends = {s.end for s in org_spans}
        office_ends = {s.end for s in org_spans if orgs.get(s.kb_id_, {}).get("offices")}
        office = self._office_tokens(doc, org_ends, office_ends)
        datelines = layout(doc).dateline_ranges
        office_places = office_ends | {
            i + 1 for i, w in enumerate(words(doc)) if w in self.office_words
        }
        found = raw + self._kecamatan_spans(doc, office_places)
        found += self._dateline_spans(doc, datelines)
        spans = filter_spans(found)
        cues = {sp.start: self._prefix(doc, sp.start_char) for sp in spans}
        context = self._context(spans, cues)
        starts = {sp.start for sp in spans}
        ends = {sp.end for sp in spans}
        kept: list[Span] = []
        seen: dict[str, dict[str, Any]] = {}
        for span in spans:
            if span.label_ == "kecamatan":
                kept.append(span)
                continue
            if span.label_ == AREA_LIST:
                kept.append(Span(doc, span.start, span.end, label="area", kb_id=AREA_LIST))
                continue
            alias = span.label_
            prefix = cues[span.start]
            cue = prefix[1] if prefix else None
            if cue is None and in_ranges(datelines, span.start_char):
                cue = "kota"  # a dateline names the town the story was filed from
            if cue is None:
                cue = self._other_in_list(doc, span, spans, cues)
            reg = self._choose(alias, cue, context)
            if reg is None:
                continue
            prev = doc[span.start - 1] if span.start > 0 else None
            nxt = doc[span.end] if span.end < len(doc) else None
            single = len(span) == 1 and reg["kind"] != "provinsi"
            if (
                single
                and prefix is None
                and not self._single_word_ok(doc, span, org_ends, starts, ends)
            ):
                continue
            if reg["kind"] != "provinsi" and (
                (prev is not None and prev.text in self.subarea_prefixes)
                or (nxt is not None and nxt.text in self.compass)
            ):
                continue  # "Kecamatan Kupang Tengah", "Camat Kupang Tengah": a kecamatan
            if nxt is not None and nxt.text in {"-", "."} and nxt.idx == span.end_char:
                after = text_of(doc)[span.end_char : span.end_char + 2]
                if len(after) == 2 and after[1].isalnum():
                    continue  # "POS-KUPANG.COM"-like compounds
            start = span.start_char
            if prefix and prefix[0] in self.absorbable:
                start = prefix[2]
            out = Span(doc, span.start, span.end, label=reg["kind"], kb_id=reg["code"])
            kept.append(out)
            joined = span.end + 1 < len(doc) and doc[span.end].text in {"dan", ",", "-", "–"}
            if span.start in office and joined:
                office.add(span.end + 1)  # "Wilayah Sumatera Utara dan Aceh"
            if reg["kind"] == "area" or (reg["kind"] == "town" and not self.report_towns):
                continue
            dateline = in_ranges(datelines, span.start_char, span.end_char)
            if span.start in office or (
                not dateline and is_skipped(doc, span.start_char, span.end_char)
            ):
                continue
            if any(s <= span.start < e for s, e in region_in_org) or span.start in juris:
                continue
            if reg["name"] in seen:
                seen[reg["name"]]["mentions"].append([start, span.end_char])
                continue
            if prev is not None and prev.text in SEA_WORDS:
                continue  # "perairan Laut Maluku", "Selat Makassar": a sea named after the place
            if reg["kind"] == "provinsi" and prev is not None and prev.lower_ in self.ethnic:
                continue  # "mama-mama Papua", "orang Aceh": the people, not the province
            if dateline:
                conf = CONF_REGION_DATELINE
            elif single and prefix is None:
                conf = CONF_REGION_AMBIGUOUS
            elif len(self.by_alias[alias]) > 1 and prefix is None:
                conf = CONF_REGION_BARE_DEFAULT
            else:
                conf = CONF_REGION_CLEAR
            item = make_item(
                doc,
                extractor="pantau_regions",
                version=self.version,
                start=start,
                end=span.end_char,
                confidence=conf,
                name=reg["name"],
                code=reg["code"],
                kind=reg["kind"],
            )
            item["mentions"] = [[start, span.end_char]]
            seen[reg["name"]] = item
            add_fact(doc, "regions", item)
        doc.spans["pantau_regions"] = kept
        doc._.pantau_region_entries = self.entries
        return doc

    def _other_in_list(
        self, doc: Doc, span: Span, spans: list[Span], cues: dict[int, tuple[str, str, int] | None]
    ) -> str | None:
        """A bare list item whose name a nearby item of the same list already gave with its kind
        ("Kota Sorong, Kabupaten Maybrat, Sorong Selatan, Sorong, Tambrauw"): the kind of the
        other region of that name (here the regency); else None."""
        if span.start < 1 or doc[span.start - 1].text not in {",", "dan"}:
            return None
        if span.label_ in {"kecamatan", AREA_LIST}:
            return None
        candidates = [self.regions[i] for i in self.by_alias[span.label_]]
        names = {r["name"]: r["kind"] for r in candidates}
        if len(names) != 2:
            return None
        for other in spans:
            if other.start == span.start or abs(other.start - span.start) > LIST_WINDOW_TOKENS:
                continue
            if other.label_ in {"kecamatan", AREA_LIST}:
                continue
            regs = [self.regions[i] for i in self.by_alias[other.label_]]
            cue = cues.get(other.start)
            if cue:
                regs = [r for r in regs if r["kind"] == cue[1]] or regs
            if len(regs) != 1 or regs[0]["name"] not in names:
                continue
            lo, hi = min(other.end, span.end), max(other.start, span.start)
            if any(doc[k].text == "." or "\n" in doc[k].text for k in range(lo, hi)):
                continue  # another sentence
            rest = [kind for name, kind in names.items() if name != regs[0]["name"]]
            return rest[0]
        return None

    def _single_word_ok(
        self,
        doc: Doc,
        span: Span,
        org_ends: set[int],
        region_starts: set[int],
        region_ends: set[int],
    ) -> bool:
        """A one-word kabupaten/kota/town alias with no kind cue is a place only when it is not
        glued into a run of capitalised words: "Eflin Rote", "PT Semen Gresik", "Bima Arya"
        are a person or a company; "di Sleman", "warga Bantul", "Dinas Sosial Sleman" are
        places."""
        prev = doc[span.start - 1] if span.start > 0 else None
        abbr = prev is not None and prev.text == ")" and span.start >= 4
        if abbr and doc[span.start - 3].text == "(":
            prev = doc[span.start - 4]  # "Sekretaris Daerah (Sekda) Sikka": the unit's place
        after_unit = prev is not None and (
            span.start in org_ends
            or span.start in region_ends
            or (prev.text.isupper() and len(prev.text) >= 2)  # "Polres Sleman", "PPN Tual"
        )
        # "Hotel Aston Kupang", "Universitas Brawijaya Malang": the venue's town
        before = doc[max(0, span.start - VENUE_MAX_TOKENS) : span.start]
        venue = any(t.text in self.venue_heads for t in before)
        if prev is not None and not after_unit and not venue:
            if _is_cap(prev.text) and prev.text not in self.place_cues:
                return False
            if prev.text == "-" and not text_of(doc)[: span.start_char].endswith("se-"):
                return False
        if prev is not None and (prev.text in self.place_cues or after_unit):
            return True  # "Dinas Perikanan Lembata Agustinus Lega": a title's place
        nxt = doc[span.end] if span.end < len(doc) else None
        # "Bima Arya …": a place name opening a run of capitalised words is a person's name
        return not (
            nxt is not None
            and span[-1].whitespace_ == " "
            and _is_cap(nxt.text)
            and nxt.i not in region_starts
            and nxt.text not in self.compass
            and nxt.text not in self.place_cues
            and not (nxt.text.isupper() and len(nxt.text) <= ACRONYM_MAX_CHARS)
        )

    def _context(
        self, spans: list[Span], cues: dict[int, tuple[str, str, int] | None]
    ) -> Context:
        """What the article says unambiguously: the provinces its places lie in, and for a name
        shared by a kabupaten and a kota, the kind a cue gave it elsewhere ("Pemkab Bogor …
        di Bogor")."""
        provinces: set[str] = set()
        kinds: dict[str, str] = {}
        for sp in spans:
            if sp.label_ in {"kecamatan", AREA_LIST}:
                continue
            regs = [self.regions[i] for i in self.by_alias[sp.label_]]
            cue = cues[sp.start]
            if cue:
                cued = [r for r in regs if r["kind"] == cue[1]]
                if len(cued) == 1:
                    regs = cued
                    kinds.setdefault(sp.label_, cue[1])
            if len(regs) == 1 and regs[0]["kind"] != "area":
                provinces.add(regs[0]["code"][:2])
        return Context(provinces, kinds)

    def _choose(
        self, alias: str, cue: str | None, context: Context | None = None
    ) -> RegionEntry | None:
        regs = [self.regions[i] for i in self.by_alias[alias]]
        if len(regs) == 1:
            return regs[0]
        if cue:
            cued = [r for r in regs if r["kind"] == cue]
            regs = cued or regs
        if context is not None and len(regs) > 1:
            near = [r for r in regs if r["code"][:2] in context.provinces]
            if near and len(near) < len(regs):  # "Sumbar": Sumba Barat in an NTT story
                regs = near
            kind = context.kinds.get(alias)
            same = [r for r in regs if r["kind"] == kind]
            if not cue and kind and same:
                regs = same
        return min(regs, key=lambda r: KIND_ORDER.get(r["kind"], 9))


@dataclass
class Context:
    provinces: set[str]
    kinds: dict[str, str]  # alias -> kind a cue gave it elsewhere in the article


# How far (tokens) a list item may stand from the cued item of the same name it is told
# apart from ("Kota Sorong, Kabupaten Maybrat, Sorong Selatan, Sorong": 8 tokens).
LIST_WINDOW_TOKENS = 30

# A bare name shared by several regions, with no cue and no context: the province ("Jambi"),
# then the city ("Bogor" as written in datelines and "di Bogor"), then the regency.
KIND_ORDER = {"provinsi": 0, "kota": 1, "kabupaten": 2, "town": 3, "area": 4}


@lru_cache(maxsize=1)
def region_entries() -> list[RegionEntry]:
    """Every region the gazetteer matches, as dicts: provinces and kabupaten/kota with their
    aliases, seats (``kind: town``, not reported) and multi-province areas (``kind: area``)."""
    out: list[RegionEntry] = []
    aliases = wilayah.aliases()
    for r in wilayah.regions():
        out.append({"name": r.name, "code": r.code, "kind": r.kind, "aliases": aliases[r.code]})
    for seat, code in wilayah.seats().items():
        out.append({"name": seat, "code": code, "kind": "town", "aliases": (seat,)})
    for i, area in enumerate(wilayah.areas()):
        forms = (area.name, *area.aliases) if area.name not in area.aliases else area.aliases
        out.append({"name": area.name, "code": f"area-{i}", "kind": "area", "aliases": forms})
    return out


@Language.factory(
    "pantau_orgs",
    default_config={"data_file": "orgs.yaml"},
    assigns=["doc.spans", attr("pantau_org_entries")],
)
def make_orgs(nlp: Language, name: str, data_file: str) -> OrgMatcher:
    return OrgMatcher(nlp, data_file)


@Language.factory(
    "pantau_regions",
    default_config={"data_file": "region_rules.yaml", "version": "0.1.0", "report_towns": False},
    requires=[attr("pantau_layout"), attr("pantau_org_entries")],
    assigns=["doc.spans", attr("pantau_region_entries"), "doc._.pantau_facts"],
)
def make_regions(
    nlp: Language, name: str, data_file: str, version: str, report_towns: bool
) -> RegionMatcher:
    return RegionMatcher(nlp, data_file, version, report_towns)
