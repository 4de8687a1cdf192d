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

from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .common import add_fact, is_skipped, load_data, make_item, state, text_of

# Confidence of a region mention by how it was recognised.
CONF_REGION_CLEAR = 0.95  # full name or unambiguous abbreviation
CONF_REGION_AMBIGUOUS = 0.7  # an alias that is also a surname/common word, accepted by context
CONF_REGION_BARE_DEFAULT = 0.8  # "Kupang" with no prefix: taken as Kota Kupang

# How many tokens after "wilayah" a jurisdiction list may run ("wilayah Bali, Nusa Tenggara,
# dan Papua (Banuspa)" is 9 tokens).
JURISDICTION_MAX_TOKENS = 16
# Words that open an office's jurisdiction ("Kantor Wilayah …", "Kanwil …", "Deputi Direktur
# Wilayah …", "Kantor Regional …").
JURISDICTION_WORDS = {"wilayah", "kanwil", "regional"}


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
        state(doc)["orgs"] = self.orgs
        return doc


class RegionMatcher:
    """Region aliases → spans + ``regions`` facts."""

    def __init__(self, nlp: Language, data_file: str, version: str, report_towns: bool) -> None:
        data = load_data(data_file)
        self.version = version
        self.report_towns = report_towns
        self.regions: list[dict[str, Any]] = data["regions"]
        self.by_alias: dict[str, list[int]] = {}
        for i, reg in enumerate(self.regions):
            for alias in reg["aliases"]:
                self.by_alias.setdefault(alias, []).append(i)
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for alias in self.by_alias:
            self.matcher.add(alias, [nlp.make_doc(alias)])
        # prefix text -> kind, longest first so "Wakil Bupati" beats "Bupati"
        self.prefixes = sorted(
            ((p, kind) for kind, ps in data["prefixes"].items() for p in ps),
            key=lambda pk: len(pk[0]),
            reverse=True,
        )
        self.absorbable = {"Provinsi", "Prov.", "Prov", "Kabupaten", "Kab.", "Kab", "Kota"}
        self.place_cues = set(data["place_cues"])
        self.subarea_prefixes = set(data.get("subarea_prefixes", []))
        self.compass = set(data.get("compass_words", []))
        self.home = str(data.get("home_province", ""))

    def _prefix(self, doc: Doc, start_char: int) -> tuple[str, str, int] | None:
        """(prefix, kind, prefix start offset) of a kind cue right before a region alias."""
        before = text_of(doc)[max(0, start_char - 40) : start_char]
        stripped = before.rstrip(" \u00a0")
        if len(stripped) == len(before):
            return None  # glued to the previous word
        for p, kind in self.prefixes:
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
        for tok in doc:
            if tok.lower_ not in JURISDICTION_WORDS:
                continue
            items, j, idxs = 0, tok.i + 1, []
            limit = min(len(doc), tok.i + 1 + JURISDICTION_MAX_TOKENS)
            while j < limit:
                t = doc[j]
                if t.text in {",", "dan", "serta"} or _is_cap(t.text):
                    if t.text in {",", "dan", "serta"}:
                        items += 1
                    idxs.append(j)
                    j += 1
                    continue
                break
            if items >= 1 and len(idxs) >= 3 and area_tokens & set(idxs):
                out.update(idxs)
        return out

    def __call__(self, doc: Doc) -> Doc:
        org_spans = doc.spans.get("pantau_orgs", [])
        orgs = state(doc).get("orgs", {})
        region_in_org = [
            (s.start, s.end) for s in org_spans if orgs.get(s.kb_id_, {}).get("contains_region")
        ]
        raw = [Span(doc, s, e, label=doc.vocab.strings[m]) for m, s, e in self.matcher(doc)]
        area_tokens = {
            k
            for sp in raw
            if any(self.regions[i]["kind"] == "area" for i in self.by_alias[sp.label_])
            for k in range(sp.start, sp.end)
        }
        juris = self._jurisdiction_tokens(doc, area_tokens)
        org_ends = {s.end for s in org_spans}
        home_context = self._home_context(raw)
        kept: list[Span] = []
        seen: dict[str, dict[str, Any]] = {}
        for span in filter_spans(raw):
            alias = span.label_
            prefix = self._prefix(doc, span.start_char)
            cue = prefix[1] if prefix else None
            cands = self.by_alias[alias]
            reg = self._choose(cands, cue, home_context)
            if reg is None:
                continue
            prev = doc[span.start - 1] if span.start > 0 else None
            ambiguous = reg.get("ambiguous") and len(span) == 1  # "Rote" yes, "Rote Ndao" no
            if ambiguous and prefix is None and prev is not None and span.start not in org_ends:
                if _is_cap(prev.text) and prev.text not in self.place_cues:
                    continue
                if prev.text == "-" and not text_of(doc)[: span.start_char].endswith("se-"):
                    continue
            nxt = doc[span.end] if span.end < len(doc) else None
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
            if reg["kind"] == "area" or (reg["kind"] == "town" and not self.report_towns):
                continue
            if is_skipped(doc, span.start_char, span.end_char):
                continue
            if any(s <= span.start < e for s, e in region_in_org) or span.start in juris:
                continue
            if reg["name"] in seen:
                seen[reg["name"]]["mentions"].append([start, span.end_char])
                continue
            if ambiguous and prefix is None:
                conf = CONF_REGION_AMBIGUOUS
            elif reg.get("bare") and prefix is None:
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
        state(doc)["region_entries"] = {r["code"] + r["kind"]: r for r in self.regions}
        return doc

    def _is_home(self, reg: dict[str, Any]) -> bool:
        return bool(self.home) and reg["code"].startswith(self.home + ".")

    def _home_context(self, raw: list[Span]) -> bool:
        """Whether the article names a home-province kabupaten/kota by an alias that is neither
        ambiguous nor shared with another region ("Mabar", "Sumtim", "Sumba Timur")."""
        for sp in raw:
            cands = [self.regions[i] for i in self.by_alias[sp.label_]]
            if len(cands) == 1 and not cands[0].get("ambiguous"):
                r = cands[0]
                if r["kind"] in {"kabupaten", "kota"} and self._is_home(r):
                    return True
        return False

    def _choose(
        self, cands: list[int], cue: str | None, home_context: bool = False
    ) -> dict[str, Any] | None:
        regs = [self.regions[i] for i in cands]
        if len(regs) == 1:
            return regs[0]
        if cue:
            for r in regs:
                if r["kind"] == cue:
                    return r
        home = [r for r in regs if self._is_home(r)]
        if home and len(home) < len(regs):  # "Sumbar": Sumba Barat or Sumatera Barat
            regs = home if home_context else [r for r in regs if not self._is_home(r)]
        for r in regs:
            if r.get("bare_default"):
                return r
        return regs[0] if regs else None


@Language.factory("pantau_orgs", default_config={"data_file": "orgs.yaml"})
def make_orgs(nlp: Language, name: str, data_file: str) -> OrgMatcher:
    return OrgMatcher(nlp, data_file)


@Language.factory(
    "pantau_regions",
    default_config={"data_file": "regions.yaml", "version": "0.1.0", "report_towns": False},
)
def make_regions(
    nlp: Language, name: str, data_file: str, version: str, report_towns: bool
) -> RegionMatcher:
    return RegionMatcher(nlp, data_file, version, report_towns)
