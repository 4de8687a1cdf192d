"""``pantau_rupiah``, ``pantau_percent``, ``pantau_worker_counts``: numbers with meaning.

All three scan ``text_of(doc)`` with the parsers in :mod:`extract.numbers` (Indonesian separators,
multiplier words, number words) and keep character offsets. Vocabulary (counted nouns,
qualifiers, money roles, "per" units) comes from ``quantities.yaml``.

- amounts: "Rp10,08 miliar", "Rp147. 000.000,-", "IDR 2,5 juta", "25 juta rupiah" → integer
  rupiah, with a role from the nearest keyword before it (anggaran, santunan, iuran …) and a
  "per" unit after it ("per bulan", "/orang").
- percentages: "45,83 persen", "77,3%", "delapan persen" → float.
- worker counts: a number directly followed by a noun that counts people ("14.880 pekerja
  rentan", "100 ribu anggota baru", "dua ratus petani"), or a noun then "sebanyak N".
  Years, ages, regulation numbers, money and percentages never qualify.

A number whose value is implausible for its kind (:func:`extract.numbers.implausible`: more
people than live in Indonesia, more than Rp100.000 triliun, more than 10.000 %) is not a fact:
it goes to the ``rejected`` list with its kind (``field``), its text and offsets and the
``reason``, so a reader can see what was left out and why.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc

from ..numbers import (
    DIGITS_AFTER_PREFIX_PATTERN,
    DIGITS_PATTERN,
    Quantity,
    as_number,
    find_quantities,
    implausible,
    json_value,
    multiplier_value,
    parse_id_number,
    parse_number_words,
    vocabulary,
    word_alternation,
    words_re,
)
from .common import (
    add_fact,
    amount_ranges,
    attr,
    is_headline,
    is_skipped,
    load_data,
    make_item,
    percent_ranges,
    sentence_bounds,
    sentence_text,
    text_of,
)

# Confidence levels.
CONF_AMOUNT_PREFIX = 0.95  # "Rp…"/"IDR…": unmistakable
CONF_AMOUNT_SUFFIX = 0.85  # "… rupiah"
CONF_PERCENT = 0.95
CONF_PERCENT_WORDS = 0.85
CONF_COUNT = 0.9  # digits + a worker noun
CONF_COUNT_WORDS = 0.8  # number words + a worker noun ("dua ratus petani")
CONF_COUNT_NOUN_FIRST = 0.75  # "pekerja rentan sebanyak 14.880"
CONF_COUNT_WEAK = 0.6  # people but not obviously workers ("warga", "anak")
CONF_COUNT_GENERIC = 0.55  # "orang", "jiwa"
HEADLINE_PENALTY = 0.1  # headlines repeat body facts and are written loosely

# How far before a count its qualifier may start ("lebih dari 100 ribu"), in characters.
QUALIFIER_WINDOW = 30
# How far before a count "1 desa"/"setiap desa" may stand to make it a quota per unit.
QUOTA_WINDOW = 20
# "Setiap desa menanggung antara lima hingga 15 orang": a distributive word and its unit, then a
# verb and a range, still make a quota. Up to this many words may stand between the unit and the
# number (the verb, "antara", the range's first end and its joiner), in this many characters,
# with no punctuation (a new clause is a new statement).
QUOTA_GAP_WORDS = 4
QUOTA_GAP_WINDOW = 60
# Of the `quota_before` words, the distributive ones ("setiap desa …"): only these start a quota
# with words in between; "1 desa 100 pekerja" must be adjacent.
DISTRIBUTIVE_WORDS = ["setiap", "tiap", "masing-masing", "per"]
# How far back (characters, within the sentence) the whole of a part may stand: "dari sekitar
# 98.000 pekerja di provinsi itu, baru 27.450 yang terlindungi" — the part (a number followed
# by "yang") counts the whole's noun.
PART_OF_WHOLE_WINDOW = 120
# In a per-place list ("Sikka 1.200 pekerja, Ende 950, dan Ngada 870 pekerja") an item without
# its noun takes a neighbour's when that neighbour starts within this many characters (a
# separator, a conjunction and a two- or three-word place name).
LIST_ITEM_GAP = 40
CONF_COUNT_PART = 0.7  # the noun is taken from the whole the part belongs to
# "3,486": one to three digits, a comma, exactly three digits.
_COMMA_THOUSANDS_RE = re.compile(r"\d{1,3},\d{3}")


def _alt(words: list[str]) -> str:
    return word_alternation(words)


def accepted(
    doc: Doc, field: str, value: float, *, extractor: str, version: str, start: int, end: int
) -> bool:
    """Whether ``value`` is a plausible ``field`` figure; if not, it is recorded as rejected."""
    reason = implausible(field, value)
    if reason is None:
        return True
    add_fact(
        doc,
        "rejected",
        make_item(
            doc,
            extractor=extractor,
            version=version,
            start=start,
            end=end,
            confidence=0.0,
            field=field,
            value=json_value(value),
            reason=reason,
        ),
    )
    return False


# A made-up example goes on in the next sentence when that one opens with a condition
# ("Katakanlah SKPD X mengajukan 50 orang … . Kalau SKPD lain mengajukan 51 orang, …").
_CONDITIONAL_OPENER_RE = re.compile(
    r"[\"“]?(?:kalau|kalo|jika|bila|apabila|seandainya|misalnya)\b", re.IGNORECASE
)


def in_hypothetical(doc: Doc, start: int, end: int, marker_re: re.Pattern[str]) -> bool:
    """Whether [start, end) lies in a made-up example: its sentence holds a hypothetical marker
    ("katakanlah"), or opens with a condition right after a sentence that holds one."""
    if marker_re.search(sentence_text(doc, start, end)):
        return True
    s, _ = sentence_bounds(doc, start, end)
    if s == 0 or not _CONDITIONAL_OPENER_RE.match(text_of(doc)[s : s + 12].lstrip()):
        return False
    return bool(marker_re.search(sentence_text(doc, s - 1)))


# --------------------------------------------------------------------------- money


class RupiahExtractor:
    """Rupiah amounts → ``amounts`` facts."""

    def __init__(self, data_file: str, version: str) -> None:
        data = load_data(data_file)["amounts"]
        self.version = version
        mags = list(vocabulary()["magnitudes"]) + list(vocabulary()["approx_magnitudes"])
        money_mags = list(vocabulary()["money_magnitudes"])
        word_mult = rf"[ \u00a0]?(?P<mult>(?i:{_alt(mags)}))(?!\w)"  # "juta", "Miliar"
        money_mult = rf"[ \u00a0]?(?P<mmult>{_alt(money_mags)})(?!\w)"  # "Rp5 M": case matters
        mult = rf"(?:{word_mult}|{money_mult})?"
        prefix = _alt(data["currency_prefixes"])
        self.prefix_re = re.compile(
            rf"(?<![A-Za-z])(?:{prefix})[ \u00a0]?(?P<num>{DIGITS_AFTER_PREFIX_PATTERN}){mult}"
            r"(?P<dash>,-+)?"
        )
        self.suffix_re = re.compile(
            rf"(?P<num>{DIGITS_PATTERN}){mult}[ \u00a0]+(?:{_alt(data['currency_suffixes'])})\b"
        )
        self.words_suffix_re = re.compile(
            rf"(?P<words>{words_re().pattern})[ \u00a0]+(?:{_alt(data['currency_suffixes'])})\b",
            re.IGNORECASE,
        )
        self.roles: dict[str, str] = data["roles"]
        hypothetical = load_data(data_file)["worker_counts"].get("hypothetical_markers", [])
        self.hypothetical_re = re.compile(rf"(?<!\w)(?:{_alt(hypothetical)})(?!\w)", re.I)
        self.role_re = re.compile(rf"(?<!\w)({_alt(list(self.roles))})(?!\w)", re.IGNORECASE)
        self.role_window = int(data["role_window"])
        per_words = _alt(list(data["per"]))
        self.per_map: dict[str, str] = data["per"]
        self.per_fused: dict[str, str] = data["per_fused"]
        self.per_re = re.compile(
            rf"\s*(?:per|/|setiap|tiap)\s*({per_words})(?!\w)|\s*({_alt(list(self.per_fused))})(?!\w)",
            re.IGNORECASE,
        )

    def _value(self, m: re.Match[str]) -> float | None:
        if m.groupdict().get("words"):
            return parse_number_words(m.group("words"))
        value = parse_id_number(m.group("num"))
        if value is None:
            return None
        if m.group("mult"):
            value *= multiplier_value(m.group("mult"))[0]
        elif m.group("mmult"):
            value *= vocabulary()["money_magnitudes"][m.group("mmult")]
        return value

    def role(self, doc: Doc, start: int) -> str | None:
        s, _ = sentence_bounds(doc, start)
        window = text_of(doc)[max(s, start - self.role_window) : start]
        found = list(self.role_re.finditer(window))
        return self.roles[found[-1].group(1).lower()] if found else None

    def per(self, doc: Doc, end: int) -> str | None:
        m = self.per_re.match(text_of(doc), end)
        if not m:
            return None
        if m.group(1):
            return self.per_map[m.group(1).lower()]
        return self.per_fused[m.group(2).lower()]

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        taken: list[tuple[int, int]] = []
        matches: list[tuple[re.Match[str], float]] = []
        for rx, conf in (
            (self.prefix_re, CONF_AMOUNT_PREFIX),
            (self.suffix_re, CONF_AMOUNT_SUFFIX),
            (self.words_suffix_re, CONF_AMOUNT_SUFFIX),
        ):
            for m in rx.finditer(text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                matches.append((m, conf))
        for m, conf in sorted(matches, key=lambda mc: mc[0].start()):
            start, end = m.start(), m.end()
            if is_skipped(doc, start, end):
                continue
            value = self._value(m)
            if value is None or value <= 0:
                continue
            if in_hypothetical(doc, start, end, self.hypothetical_re):
                continue  # "Katakanlah … premi Rp10": a made-up example
            if not accepted(doc, "amounts", value, extractor="pantau_rupiah",
                            version=self.version, start=start, end=end):  # fmt: skip
                continue
            item = make_item(
                doc,
                extractor="pantau_rupiah",
                version=self.version,
                start=start,
                end=end,
                confidence=conf - (HEADLINE_PENALTY if is_headline(doc, start) else 0),
                value=int(round(value)),
                currency="IDR",
                role=self.role(doc, start),
                per=self.per(doc, end),
            )
            add_fact(doc, "amounts", item)
        doc._.pantau_amount_ranges = taken
        return doc


# --------------------------------------------------------------------------- percent


# The lower end of a range written with one sign after the upper end ("60-65 persen", "10 hingga
# 12 persen", "5 s.d. 7%") is a percentage too. Only a lower end smaller than the upper end
# counts, so "2025 - 30 persen" (a year before a share) is not one; "atau" is no joiner ("12
# atau 40 persen" is a count and its share), nor "menjadi" (a change, whose start has its sign).
PERCENT_RANGE_JOINERS = ["-", "–", "hingga", "sampai dengan", "sampai", "s.d.", "s/d"]


class PercentExtractor:
    """Percentages → ``percentages`` facts."""

    def __init__(self, data_file: str, version: str) -> None:
        config = load_data(data_file)["percentages"]
        signs = config["signs"]
        self.rhetorical_values = {float(v) for v in config.get("rhetorical_values", [])}
        self.rhetorical_words = {w.lower() for w in config.get("rhetorical_words", [])}
        self.rhetorical_window = int(config.get("rhetorical_window", 2))
        self.version = version
        self.digits_re = re.compile(rf"(?P<num>{DIGITS_PATTERN})[ \u00a0]?(?:{_alt(signs)})(?!\w)")
        self.words_re = re.compile(
            rf"(?P<words>{words_re().pattern})[ \u00a0]+(?:{_alt(signs)})(?!\w)", re.IGNORECASE
        )
        joiners = _alt(PERCENT_RANGE_JOINERS)
        self.range_low_re = re.compile(
            rf"(?P<num>{DIGITS_PATTERN})[ \u00a0]*(?:{joiners})[ \u00a0]*"
            rf"(?=(?P<high>{DIGITS_PATTERN})[ \u00a0]?(?:{_alt(signs)})(?!\w))"
        )

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        taken: list[tuple[int, int]] = []
        money = amount_ranges(doc)
        lows = (
            (self.range_low_re, CONF_PERCENT),
            (self.digits_re, CONF_PERCENT),
            (self.words_re, CONF_PERCENT_WORDS),
        )
        for rx, conf in lows:
            for m in rx.finditer(text):
                start, end = m.start(), m.end()
                if rx is self.range_low_re:
                    end = m.end("num")  # the lower end only; the upper one is matched next
                if any(s < end and start < e for s, e in taken) or is_skipped(doc, start, end):
                    continue
                if rx is self.range_low_re and not self._range_low(m, money):
                    continue
                if "num" in m.groupdict() and m.groupdict().get("num"):
                    value = parse_id_number(m.group("num"))
                else:
                    value = parse_number_words(m.group("words"))
                if value is None:
                    continue
                taken.append((start, end))
                if self._rhetorical(text, start, end, float(value)):
                    continue
                if not accepted(doc, "percentages", value, extractor="pantau_percent",
                                version=self.version, start=start, end=end):  # fmt: skip
                    continue
                add_fact(
                    doc,
                    "percentages",
                    make_item(
                        doc,
                        extractor="pantau_percent",
                        version=self.version,
                        start=start,
                        end=end,
                        confidence=conf - (HEADLINE_PENALTY if is_headline(doc, start) else 0),
                        value=float(value),
                    ),
                )
        doc._.pantau_percent_ranges = taken
        return doc

    @staticmethod
    def _range_low(m: re.Match[str], money: list[tuple[int, int]]) -> bool:
        """The lower end of "60-65 persen": smaller than the upper end and not part of an amount."""
        low, high = parse_id_number(m.group("num")), parse_id_number(m.group("high"))
        if low is None or high is None or not 0 <= low < high:
            return False
        return not any(s < m.end() and m.start() < e for s, e in money)

    def _rhetorical(self, text: str, start: int, end: int, value: float) -> bool:
        """'100 persen' used as a degree adverb ("sudah 100 persen semuanya")."""
        if value not in self.rhetorical_values:
            return False
        n = self.rhetorical_window
        before = re.findall(r"\w+", text[max(0, start - 80) : start])[-n:]
        after = re.findall(r"\w+", text[end : end + 80])[:n]
        return any(w.lower() in self.rhetorical_words for w in before + after)


# --------------------------------------------------------------------------- counts


class WorkerCountExtractor:
    """Counts of people ("14.880 pekerja rentan") → ``worker_counts`` facts."""

    def __init__(self, data_file: str, version: str) -> None:
        data = load_data(data_file)["worker_counts"]
        self.version = version
        nouns = [n.lower() for n in data["nouns"]]
        generic = [n.lower() for n in data["generic_nouns"]]
        self.generic = set(generic)
        self.weak = {n.lower() for n in data["weak_nouns"]}
        alt = _alt(nouns + generic)
        link = _alt(data.get("linking_words", ["orang"]))
        # "85 anggotanya": the noun may carry the possessive "-nya" (its group's members)
        self.noun_after_re = re.compile(
            rf"[ \u00a0]+(?:(?:{link})[ \u00a0]+)?({alt})(?:nya)?(?!\w)", re.I
        )
        self.qualifiers: dict[str, str | None] = data["qualifiers"]
        self.qual_re = re.compile(rf"(?<!\w)({_alt(list(self.qualifiers))})[\s:]*$", re.IGNORECASE)
        self.noun_first_re = re.compile(
            rf"(?<!\w)({_alt(nouns)})[ \u00a0]+(sebanyak|berjumlah|mencapai|sejumlah|total)"
            rf"[ \u00a0]+$",
            re.IGNORECASE,
        )
        self.blocked = {w.lower() for w in data["blocked_before"]}
        self.not_people_after = {
            noun.lower(): re.compile(rf"[ \u00a0]+(?:{_alt(words)})(?!\w)", re.IGNORECASE)
            for noun, words in (data.get("not_people_after") or {}).items()
        }
        rng = _alt(data.get("range_words", []))
        self.range_re = re.compile(rf"[ \u00a0]*(?:{rng})[ \u00a0]*$", re.IGNORECASE)
        self.hypothetical_re = re.compile(
            rf"(?<!\w)(?:{_alt(data.get('hypothetical_markers', []))})(?!\w)", re.IGNORECASE
        )
        self.quota_re = re.compile(
            rf"(?<!\w)(?:{_alt(data.get('quota_before', []))})[ \u00a0]+"
            rf"(?:{_alt(data.get('quota_units', []))})[ \u00a0]*$",
            re.IGNORECASE,
        )
        distributive = [w for w in data.get("quota_before", []) if w.lower() in DISTRIBUTIVE_WORDS]
        self.quota_gap_re = re.compile(
            rf"(?<!\w)(?:{_alt(distributive)})[ \u00a0]+(?:{_alt(data.get('quota_units', []))})"
            rf"(?:[ \u00a0]+[^\W\d_][\w-]*){{1,{QUOTA_GAP_WORDS}}}[ \u00a0]+$",
            re.IGNORECASE,
        )
        # "210.000 atau 69 persen pekerja": the count's noun comes after its share
        self.share_then_noun_re = re.compile(
            rf"[ \u00a0]+atau[ \u00a0]+{DIGITS_PATTERN}[ \u00a0]*(?:persen|%)[ \u00a0]+"
            rf"(?:dari[ \u00a0]+)?({alt})(?!\w)",
            re.IGNORECASE,
        )
        # "dari 98.000 pekerja …, baru 27.450 yang …": the whole, and the part's "yang"
        self.whole_re = re.compile(
            rf"(?<!\w)dari[ \u00a0]+(?:(?:{_alt(list(self.qualifiers))})[ \u00a0]+)?"
            rf"{DIGITS_PATTERN}(?:[ \u00a0]+(?:ribu|juta))?[ \u00a0]+(?P<noun>{alt})(?!\w)",
            re.IGNORECASE,
        )
        # the part: "baru 27.450 yang …", "baru 11.908 atau 1,33 persen"
        self.part_re = re.compile(r"[ \u00a0]+(?:yang(?!\w)|atau[ \u00a0]+\d)", re.IGNORECASE)
        # "100 tenaga kerja per desa": a quota written after the noun, not a count
        units = _alt(data.get("quota_units", []))
        self.quota_after_re = re.compile(
            rf"[ \u00a0]+(?:per|setiap|tiap)[ \u00a0]+(?:{units})(?!\w)",
            re.IGNORECASE,
        )
        self.list_sep_re = re.compile(r"[ \u00a0]*(?:[,;.]|(?:dan|serta)(?!\w))")
        # "… dengan tenaga kerja 4.382,": a grouped number right after its noun, closing a clause
        self.noun_then_grouped_re = re.compile(rf"(?<!\w)({_alt(nouns)})[ \u00a0]+$", re.I)

    def _blocked(self, text: str, q: Quantity) -> bool:
        before = text[max(0, q.start - 20) : q.start]
        if re.search(r"(?:Rp\.?|IDR)\s*$", before) or before.endswith(("/", "-", "#")):
            return True
        m = re.search(r"([A-Za-z]+)\.?\s*$", before)
        return bool(m and m.group(1).lower() in self.blocked)

    def _listed_noun(
        self, doc: Doc, text: str, q: Quantity, prv: Quantity | None, nxt: Quantity | None
    ) -> str | None:
        """A per-place list with the noun left out of one item ("Sikka 1.200 pekerja, Ende 950,
        dan Ngada 870 pekerja"): the noun of a neighbouring item, when this number follows a
        region's name and the neighbour, also after a region's name, is close by."""
        ends = {sp.end_char for sp in doc.spans.get("pantau_regions", [])}

        def labelled(start: int) -> bool:
            before = text[max(0, start - 3) : start]
            cut = len(before) - len(before.rstrip(" \u00a0:"))
            return cut > 0 and (start - cut) in ends

        if not labelled(q.start) or not self.list_sep_re.match(text, q.end):
            return None
        if re.fullmatch(r"(?:19|20)\d\d", q.text):
            return None  # "Sikka 2025, …": a year after a place, not an item
        for other in (nxt, prv):
            if other is None or not labelled(other.start):
                continue
            gap = other.start - q.end if other is nxt else q.start - other.end
            if not 0 < gap <= LIST_ITEM_GAP:
                continue
            m = self.noun_after_re.match(text, other.end)
            if m:
                return m.group(1).lower()
        return None

    def _whole(self, text: str, start: int) -> str | None:
        """The noun of the whole a part belongs to, earlier in its sentence ("dari 98.000
        pekerja …, baru 27.450 yang …"), or None."""
        window = text[max(0, start - PART_OF_WHOLE_WINDOW) : start]
        cut = max(window.rfind(". "), window.rfind("\n"))
        matches = list(self.whole_re.finditer(window[cut + 1 :]))
        return matches[-1].group("noun").lower() if matches else None

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        money = amount_ranges(doc)
        pct = percent_ranges(doc)
        quantities = list(find_quantities(text))
        for idx, q in enumerate(quantities):
            if _COMMA_THOUSANDS_RE.fullmatch(q.text) and self.noun_after_re.match(text, q.end):
                # "3,486 TK": people are not counted in thousandths, the comma groups thousands
                q = replace(q, value=float(q.text.replace(",", "")))
            if q.value <= 0 or math.isfinite(q.value) and abs(q.value - round(q.value)) > 1e-9:
                continue
            if in_hypothetical(doc, q.start, q.end, self.hypothetical_re):
                continue
            if self.quota_re.search(text[max(0, q.start - QUOTA_WINDOW) : q.start]):
                continue  # "1 desa 100 pekerja rentan": a quota
            if self.quota_gap_re.search(text[max(0, q.start - QUOTA_GAP_WINDOW) : q.start]):
                continue  # "setiap desa menanggung antara lima hingga 15 orang": a quota
            if q.words and q.value < 2:
                continue  # "satu keluarga bisa jatuh miskin": a figure of speech, not a count
            if any(s < q.end and q.start < e for s, e in money + pct):
                continue
            if is_skipped(doc, q.start, q.end) or self._blocked(text, q):
                continue
            m = self.noun_after_re.match(text, q.end) or self.share_then_noun_re.match(text, q.end)
            if not m and text.startswith("-an", q.end):  # "2.500-an orang": about 2.500
                m = self.noun_after_re.match(text, q.end + 3)
                q = replace(q, approx=True)
            nxt = quantities[idx + 1] if idx + 1 < len(quantities) else None
            if not m and nxt is not None and self.range_re.match(text[q.end : nxt.start]):
                m = self.noun_after_re.match(text, nxt.end)  # "200 hingga 300 peserta"
            qual_src = text[max(0, q.start - QUALIFIER_WINDOW) : q.start]
            if m:
                noun = m.group(1).lower()
                end = m.end()
                outlet = self.not_people_after.get(noun)
                if outlet is not None and outlet.match(text, end):
                    continue  # "1.500 agen Bank NTT": outlets
                if self.quota_after_re.match(text, end):
                    continue  # "100 tenaga kerja per desa": a quota
                conf = CONF_COUNT_WORDS if q.words else CONF_COUNT
                qm = self.qual_re.search(qual_src)
                qualifier = self.qualifiers[qm.group(1).lower()] if qm else None
                nm = self.noun_first_re.search(text[max(0, q.start - 60) : q.start])
                if noun in self.generic and nm:  # "pekerja rentan sebanyak 9.100 orang"
                    noun, conf = nm.group(1).lower(), CONF_COUNT_NOUN_FIRST
                    qualifier = self.qualifiers.get(nm.group(2).lower())
            else:
                nm = self.noun_first_re.search(text[max(0, q.start - 60) : q.start])
                grouped = "." in q.text and re.match(r"\s*(?:[,.;)]|$)", text[q.end : q.end + 2])
                if not nm and grouped:
                    nm = self.noun_then_grouped_re.search(text[max(0, q.start - 60) : q.start])
                whole = None
                if not nm and not q.words and self.part_re.match(text, q.end):
                    whole = self._whole(text, q.start)
                listed = None
                if not nm and whole is None and not q.words:
                    prv = quantities[idx - 1] if idx > 0 else None
                    listed = self._listed_noun(doc, text, q, prv, nxt)
                if listed is not None:
                    nm, whole = None, listed  # "Sikka 1.200 pekerja, Ende 950, dan …"
                if (not nm and whole is None) or q.words and q.value < 2:
                    continue
                noun = nm.group(1).lower() if nm else str(whole)
                end = q.end
                om = re.match(r"[ \u00a0]+orang(?!\w)", text[q.end :])
                if om:
                    end = q.end + om.end()
                conf = CONF_COUNT_NOUN_FIRST if nm else CONF_COUNT_PART
                verb = nm.group(2) if nm and nm.lastindex and nm.lastindex >= 2 else None
                qualifier = self.qualifiers.get(verb.lower()) if verb else None
            if noun in self.generic:
                conf = min(conf, CONF_COUNT_GENERIC)
            elif noun in self.weak:
                conf = min(conf, CONF_COUNT_WEAK)
            if q.approx and qualifier is None:
                qualifier = "sekitar"
            if is_headline(doc, q.start):
                conf -= HEADLINE_PENALTY
            if not accepted(doc, "worker_counts", q.value, extractor="pantau_worker_counts",
                            version=self.version, start=q.start, end=end):  # fmt: skip
                continue
            item = make_item(
                doc,
                extractor="pantau_worker_counts",
                version=self.version,
                start=q.start,
                end=end,
                confidence=conf,
                value=as_number(q.value),
                noun=noun,
                qualifier=qualifier,
            )
            add_fact(doc, "worker_counts", item)
        return doc


@Language.factory(
    "pantau_rupiah",
    default_config={"data_file": "quantities.yaml", "version": "0.1.0"},
    requires=[attr("pantau_layout")],
    assigns=[attr("pantau_amount_ranges"), "doc._.pantau_facts"],
)
def make_rupiah(nlp: Language, name: str, data_file: str, version: str) -> RupiahExtractor:
    return RupiahExtractor(data_file, version)


@Language.factory(
    "pantau_percent",
    default_config={"data_file": "quantities.yaml", "version": "0.1.0"},
    requires=[attr("pantau_layout")],
    assigns=[attr("pantau_percent_ranges"), "doc._.pantau_facts"],
)
def make_percent(nlp: Language, name: str, data_file: str, version: str) -> PercentExtractor:
    return PercentExtractor(data_file, version)


@Language.factory(
    "pantau_worker_counts",
    default_config={"data_file": "quantities.yaml", "version": "0.1.0"},
    requires=[attr("pantau_layout"), attr("pantau_amount_ranges"), attr("pantau_percent_ranges")],
    assigns=["doc._.pantau_facts"],
)
def make_worker_counts(
    nlp: Language, name: str, data_file: str, version: str
) -> WorkerCountExtractor:
    return WorkerCountExtractor(data_file, version)
