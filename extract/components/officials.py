"""``pantau_officials``: people named with a position, one item per person.

A spaCy Matcher finds position heads (patterns from ``positions.yaml``: Gubernur, Wakil Bupati,
Kepala, Direktur Utama, Sekda, Asisten I …). From each head the title is extended over
organisations and regions found by the gazetteer components ("Kepala BPJS Ketenagakerjaan
Provinsi NTT"), unit words ("Direktur Kepesertaan BPJS …", "Kepala Dinas Nakertrans TTU") and
office jurisdictions ("untuk wilayah Bali, Nusa Tenggara, dan Papua (Banuspa)"). The name is the
capitalised run after it (optionally after ",", "adalah", honorifics), or, failing that, the run
before "<Name>, <Title>". Honorifics (H., Drs., AKBP …) and degrees (S.Sos, M.Si …) are dropped.

Short references ("Melki", "Falentinus", "VBL") are merged into the fullest name of the same
person; name-only mentions ("kata Wawan") are recorded in ``mentions`` and, for the quotes
component, in ``doc._.pantau_people``. People named without a position in an apposition ("Salah
seorang penenun, Mama Veronika Ina, mengaku …", "Yakobus Nenosono (47) masih ingat …") are not
officials, but they go to ``doc._.pantau_people`` (``official: False``) so their quotes are
attributed to them and not to the last official named.

Positions inside the names of things are not titles: "Peraturan Bupati Nomor 27", "Aula Kantor
Bupati TTU" (``not_after`` in ``positions.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from ..names import name_fits
from .common import (
    PersonRef,
    RegionEntry,
    add_fact,
    attr,
    is_headline,
    is_skipped,
    load_data,
    make_item,
    org_entries,
    region_entries_of,
    text_of,
    tokens,
    words,
)

# Longest plausible personal name in tokens ("Yosep Falentinus Delasalle Kebo" is 4).
MAX_NAME_TOKENS = 6
# Confidence by pattern.
CONF_TITLE_THEN_NAME = 0.9  # "Bupati TTU, Yosep …" / "Gubernur Melki"
CONF_NAME_THEN_TITLE = 0.75  # "Yosep …, Bupati TTU,"
CONF_MULTI_MENTION_BONUS = 0.05  # the same person named again later
CONF_MAX = 0.98
# "D.", "G.L.", "W." — initials inside a name ("Kosmas D. Lana", "Herybertus G.L. Nabit").
_INITIALS_RE = re.compile(r"(?:[A-Z]\.)+")
_LONE_INITIAL_RE = re.compile(r"[A-Z]\.?")
# A military unit's number right after its commander's title ("Danrem 042/Garuda Putih").
_UNIT_NUMBER_RE = re.compile(r"\d{2,4}")
# An honorific glued to the name by its dot ("H.Bambang", "Dr.Ir.Yusuf"): dropped from the name.
_GLUED_HONORIFIC_RE = re.compile(r"^(?:(?:H|Hj|Dr|Drs|Dra|Ir|Prof|dr)\.)+(?=[A-Z][a-z])")
# Academic degree shapes not in the list ("SKM", "MKM", "M.Kes"): S/M/D + capitals.
_DEGREE_RE = re.compile(r"[SMD]\.?[A-Z][A-Za-z]{0,4}")
# Balinese birth-order particles that start a name as a one-letter word ("I Gede Eka Putra").
NAME_START_PARTICLES = {"I", "Ni"}
# Given names written abbreviated with a dot inside a name ("Laode Muh. Syarif", "Moh. Rizal",
# "Abd. Rahman"): the dot does not end the name when a name word follows.
NAME_ABBREVIATIONS = {"Muh", "Moh", "Mohd", "Muhd", "Mhd", "Moch", "Abd", "Ach", "Mochd", "St"}
# "Kepala Dinas" written as one word fused with its unit's abbreviation ("Kadisnakertrans",
# "Kadisnaker", "Kadinsos", "Kadishub", "Kadiskominfo"): a head that names its own unit, so it
# needs no qualifier. At least 3 letters after "Kadis"/"Kadin" ("Kadin" alone is the chamber of
# commerce; "Kadis" alone is the plain head in positions.yaml).
# Words that begin a name before a given name ("Andi Moh. Yusuf", "La Ode Muh. Ali", "Teuku
# Muh. Daud"): not a place word left between a title and the name.
NAME_PREFIX_WORDS = {
    "Andi", "La", "Wa", "Ode", "Laode", "Waode", "Tb", "Raden", "Teuku", "Tengku", "Cut",
    "Daeng", "Puang", "Lalu", "Baiq", "Gusti", "Sitti", "Siti",
}  # fmt: skip
# "Kepala Kantor" fused the same way: "Kakankemenag", "Kakanpajak" ("Kakanwil" is a head of its
# own; "Kakanda" is a kinship word, 2 letters after "Kakan").
_FUSED_KADIS_RE = re.compile(r"Kadi[sn][a-z]{3,}|Kakan(?!wil)[a-z]{3,}")
FUSED_KADIS_HEAD = "Kepala Dinas (fused abbreviation)"
# After a military rank, the service and a corps code in parentheses still belong to the rank
# ("Kolonel Laut (P) Andi Rasyid", "Mayor Udara (K) …"), not to the name.
RANK_SERVICES = {"Laut", "Udara"}
# First words of Indonesian compound place names, never a place alone: a village written right
# after its head's title with no comma takes the next word too ("Wali Nagari Koto Baru Hendri
# Saputra", "Kepala Desa Tanjung Harapan Sugiarto", "Lurah Sungai Lulut Mariani").
TOPONYM_FIRST_WORDS = {
    "Sungai", "Sei", "Tanjung", "Batu", "Bukit", "Air", "Pulau", "Muara", "Lubuk", "Koto",
    "Kota", "Gunung", "Pasir", "Rantau", "Simpang", "Tanah", "Ujung", "Kuala", "Labuhan",
    "Karang", "Pematang", "Talang", "Teluk", "Padang", "Sumber", "Rawa", "Bandar", "Parit",
    "Pangkalan", "Kampung", "Suka", "Tegal", "Ranca", "Pagar", "Sido", "Kali", "Kebon", "Kebun",
}  # fmt: skip
# Words that start a person's name inside a capitalised run after a unit word ("Pimpinan Cabang
# BRI Unit Sengkang Andi Rahman …", "Kepala Desa Lapuko La Ode …"): the unit ends before them.
NAME_START_IN_RUN = NAME_START_PARTICLES | {
    "Andi", "La", "Wa", "Laode", "Waode", "Teuku", "Tengku", "Lalu", "Baiq", "Cut", "Siti",
    "Sitti",
}  # fmt: skip
# Area words naming a village or district in running text ("di Kalurahan Hargotirto"): a place
# so named may later stand between a village head's title and a one-word name.
AREA_NAME_WORDS = {
    "Desa", "Kelurahan", "Kalurahan", "Kecamatan", "Kapanewon", "Distrik", "Gampong", "Nagari",
    "Pekon", "Dusun", "Jorong", "Kampung",
}  # fmt: skip
AREA_NAMES_KEY = "pantau_officials_area_names"  # doc.user_data: the story's named places
# Chinese-Indonesian family names written first ("Lie Ah Hong", "Tjong Kim Hwa"): followed by
# exactly two more capitalised words at the end of a capitalised run, they start a person's name
# ("Direktur CV Sinar Bahari Lie Ah Hong"), as "I"/"Andi" do. Only forms that are not ordinary
# Indonesian words.
CHINESE_SURNAMES = {
    "Lie", "Liem", "Lim", "Tan", "Tjoa", "Tjong", "Tjhin", "Tjan", "Oei", "Oey", "Ong", "Kwee",
    "Kwik", "Gouw", "Thio", "Njoo", "Sie", "Siauw", "Yap", "Lauw", "Khoe", "Phang", "Liauw",
    "Tjie", "Tjio", "Kho",
}  # fmt: skip
# Words that are an honorific only right after another one ("Jero Mangku Ketut …": a temple
# priest), and a name word elsewhere ("Mangku Alam").
HONORIFIC_AFTER = {"Jero": {"Mangku"}}
# Position heads that are also common name words ("Lukman Hakim Siregar"): after a capitalised
# name word they are part of that name, not a title.
NAME_LIKE_HEADS = {"Hakim"}
# Lower-case words between a title and ", <Name>" that neither continue the title nor start the
# name: the owner ("Manajer Keuangan perusahaan, …", "… perusahaan tersebut, …") or the time
# ("Kepala Desa Sumberejo saat ini, …"). At most TITLE_FILLER_MAX_TOKENS of them.
TITLE_FILLER_WORDS = {
    "perusahaan", "perseroan", "tersebut", "itu", "ini", "setempat", "saat", "kala", "ketika",
    "waktu", "sebelumnya", "terdahulu", "definitif", "terpilih",
}  # fmt: skip
TITLE_FILLER_MAX_TOKENS = 3
# A title without a unit ("Kepala Kantor Cabang, …") only takes a full name: one word after it
# could be the unit's place ("Kepala Kantor Cabang, Kupang").
BARE_TITLE_NAME_MIN_TOKENS = 2
# Last words of compound place names, never a one-word name after one ("Desa Sungai Lulut Hulu",
# "Kelurahan Tanjung Batu Kecil").
TOPONYM_LAST_WORDS = {
    "Hulu", "Hilir", "Ilir", "Ulu", "Baru", "Lama", "Jaya", "Indah", "Raya", "Makmur", "Sari",
    "Asri", "Permai", "Besar", "Kecil", "Dalam", "Luar", "Atas", "Bawah", "Mulya", "Mulia",
    "Sejahtera", "Harapan", "Agung", "Kidul", "Lor", "Wetan", "Kulon",
}  # fmt: skip
_CORPS_CODE_RE = re.compile(r"[A-Z]{1,3}")
# Place words that may start a link of a title's place chain ("Lurah Oebobo, Kota Kupang, …").
# Longest run of a unit's own words joined by "," or "dan" ("Kepemudaan dan Olahraga").
UNIT_JOIN_MAX_TOKENS = 5
# Longest run after an office that may name the office's place before ", <Name>" ("BPJS
# Ketenagakerjaan Tanjung Morawa, Roby").
OFFICE_PLACE_MAX_TOKENS = 3
# Longest title written in parentheses after the name it belongs to ("Yuliana Pratiwi (Kepala
# Dinas Pemberdayaan Masyarakat dan Desa Seluma)"): the ")" must close within this many tokens
# after the head, or the parenthesis is something else.
PAREN_TITLE_MAX_TOKENS = 14
# ... and the name before such a parenthesis has two words or more: a lone word before "(" is as
# often a place, a nickname or a thing as a person.
PAREN_NAME_MIN_TOKENS = 2
# Area words written abbreviated with a dot, which the tokenizer splits off ("Kab.", "Kec.").
ABBREVIATED_AREAS = {"Kab", "Kec", "Kel", "Prov", "Ds", "Kota"}
AREA_WORDS = {"Kecamatan", "Kelurahan", "Desa", "Kabupaten", "Kota", "Provinsi", "Kab.", "Kec."}
# What may open an apposition naming someone (", Mama Veronika Ina, mengaku").
_APPOSITION_OPENERS = {",", "-", "–", "—"}
# Distinct token texts whose name-word verdict is remembered before the memo is emptied: the
# verdict depends on the text alone and is asked ~10 times per token (the main loops, the name
# reader); a long-running worker's vocabulary must not grow the memo without end.
NAME_WORD_MEMO_MAX = 100_000
# Name pairs whose same-person verdict is remembered: each capitalised run of an article is
# compared with every person found (~50 pairs per article, many repeated).
SAME_PERSON_MEMO_MAX = 8_192


def _is_cap_text(txt: str) -> bool:
    """Capitalised and made of letters (apostrophes aside): "Yosep", "D'Souza"."""
    return bool(txt) and txt[0].isupper() and txt.replace("'", "").replace("’", "").isalpha()


@dataclass
class Mention:
    """One titled mention of a person."""

    name: str
    start: int  # name character offsets
    end: int
    title: str
    org: str | None
    region: str | None
    confidence: float


@dataclass
class Person:
    best: Mention
    mentions: list[tuple[int, int]] = field(default_factory=list)
    count: int = 1

    @property
    def tokens(self) -> list[str]:
        return self.best.name.lower().split()


@lru_cache(maxsize=SAME_PERSON_MEMO_MAX)
def same_person(short: str, full: str) -> bool:
    """Whether name ``short`` can refer to ``full`` (subset, prefix "Melki"→"Melkiades",
    or initials "VBL")."""
    s, f = short.lower().split(), full.lower().split()
    if not s or not f:
        return False
    if len(s) > len(f):
        s, f = f, s
        short, full = full, short
    if len(s) == 1 and short.isupper() and 2 <= len(short) <= 5:
        return short.lower() == "".join(w[0] for w in f)
    return name_fits(s, f)


class OfficialsExtractor:
    """Titled people → ``officials`` facts (+ ``doc._.pantau_people`` for quote attribution)."""

    def __init__(self, nlp: Language, data_file: str, version: str) -> None:
        data = load_data(data_file)
        self.version = version
        self.heads: dict[str, dict[str, Any]] = {FUSED_KADIS_HEAD: {"title": FUSED_KADIS_HEAD}}
        # position heads are plain word sequences matched in lower case: a PhraseMatcher
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for h in data["heads"]:
            self.heads[h["title"]] = h
            self.matcher.add(h["title"], [nlp.make_doc(" ".join(pat)) for pat in h["patterns"]])
        self.acting = set(data["acting_prefixes"])
        self.acting_long = [tuple(f) for f in data.get("acting_long_forms", [])]
        self.title_words = set(data["title_words"])
        self.unit_expecting = set(data["unit_expecting"])
        self.introducers = set(data["name_introducers"])
        self.honorifics = {h.replace(".", "") for h in data["honorifics"]}
        self.degrees = {d.replace(".", "") for d in data["degrees"]}
        self.particles = set(data["name_particles"])
        self.stopwords = set(data["name_stopwords"])
        self.portfolio = set(data.get("portfolio_words", []))
        self.not_after = set(data.get("not_after", []))
        self.from_continuations = set(data.get("from_continuations", []))
        self.subarea_units = set(data.get("subarea_units", []))
        self.place_compass = set(data.get("place_compass_words", []))
        self.name_before_links = set(data.get("name_before_links", []))
        self.named_units = set(data.get("named_units", []))
        self.unit_words = self.title_words | self.portfolio | self.stopwords | self.named_units
        self.soft_stopwords = set(data.get("soft_stopwords", []))
        self._name_words: dict[str, bool] = {}  # text -> _name_text verdict

    # ------------------------------------------------------------------ token tests
    def _is_cap(self, t: Token) -> bool:
        return _is_cap_text(t.text)

    def _is_name_token(self, t: Token, blocked: set[int]) -> bool:
        return self._is_name_word(t.i, t.text, blocked)

    def _is_name_word(self, i: int, txt: str, blocked: set[int]) -> bool:
        """Whether token ``i`` (text ``txt``) can be part of a person's name."""
        if i in blocked:
            return False
        found = self._name_words.get(txt)
        if found is None:
            if len(self._name_words) >= NAME_WORD_MEMO_MAX:
                self._name_words.clear()
            found = self._name_words[txt] = self._name_text(txt)
        return found

    def _name_text(self, txt: str) -> bool:
        """Whether a token written ``txt`` can be part of a person's name (its position aside)."""
        if "." in txt and _GLUED_HONORIFIC_RE.match(txt):
            txt = _GLUED_HONORIFIC_RE.sub("", txt)
            return txt.isalpha() and txt not in self.stopwords  # "H.Bambang"
        if len(txt) < 2 or not _is_cap_text(txt):
            return False
        if txt.isupper() and _DEGREE_RE.fullmatch(txt.replace(".", "")):
            return False  # "SKM", "MKM"
        if txt in self.stopwords or txt.replace(".", "") in self.degrees:
            return False
        if txt in self.named_units:
            return False  # "Serikat", "Koperasi", "PT": a body's name, never a person's
        if txt.isupper() and len(txt) > 5:
            return False
        return txt.replace(".", "") not in self.honorifics

    def _soft_name_word(self, doc: Doc, k: int, blocked: set[int]) -> bool:
        """A weekday/month word inside a name ("Dominikus Minggu Mere"): between two name
        tokens and not followed by a date; or ending a name before ", <Name>" ("Direktur
        Kepatuhan Bank NTT Hilarius Minggu, Kepala …") — a weekday before "," is followed by a
        date ("Minggu, 12 Oktober"), never by a capitalised word."""
        n, texts = len(doc), words(doc)
        if texts[k] not in self.soft_stopwords or k in blocked or not 0 < k < n - 1:
            return False
        if not self._is_name_word(k - 1, texts[k - 1], blocked):
            return False
        nxt = texts[k + 1]
        if nxt == "," and k + 2 < n:
            after = texts[k + 2]
            return _is_cap_text(after) and after not in self.soft_stopwords
        return self._is_name_word(k + 1, nxt, blocked) and not (k + 2 < n and texts[k + 2] == "(")

    @staticmethod
    def _is_initial(t: Token) -> bool:
        return bool(_INITIALS_RE.fullmatch(t.text))

    def _is_lone_initial(self, t: Token) -> bool:
        return self._lone_initial(t.text)

    def _lone_initial(self, txt: str) -> bool:
        """"M", "M.", "R", "P": one capital letter standing for a name ("M. Syukur", "R Heru
        Setyawan", "Andi P Siregar"); "H." is Haji, an honorific."""
        return bool(_LONE_INITIAL_RE.fullmatch(txt)) and txt.replace(".", "") not in self.honorifics

    def _coordinated(
        self,
        doc: Doc,
        head: Span,
        pending: list[tuple[Span, int, int, Span | None, Span | None]],
        name: tuple[int, int],
        blocked: set[int],
        claimed: set[int],
    ) -> tuple[Span, int, tuple[int, int]] | None:
        """"<Head1> dan <Head2> <qualifier>, <Name1> dan <Name2>": the first head (still
        pending, with no name of its own) and its start, and the second name; else None."""
        if head.start < 2 or doc[head.start - 1].lower_ != "dan" or not pending:
            return None
        first, first_start = pending[-1][0], pending[-1][1]
        if first.end != head.start - 1:
            return None
        k = name[1]
        if k + 1 >= len(doc) or doc[k].lower_ != "dan":
            return None
        second = self._read_name(doc, self._skip_honorifics(doc, k + 1), blocked)
        if second is None or claimed & set(range(*second)):
            return None
        claimed.update(range(*second))
        pending.pop()
        return first, first_start, second

    def _after_office(self, doc: Doc, end: int, orgs: dict[int, Span]) -> bool:
        """Whether the title ending at ``end`` ends with an office: an organisation with
        branch offices ("BPJS Ketenagakerjaan") or an office word ("Cabang")."""
        if end < 1:
            return False
        sp = orgs.get(end - 1)
        entry = org_entries(doc).get(sp.kb_id_, {}) if sp is not None else {}
        return bool(entry.get("offices")) or doc[end - 1].text in {"Cabang", "Wilayah", "KCP"}

    @staticmethod
    def _apposition_ends(doc: Doc, k: int) -> bool:
        """Whether a name ending at ``k`` closes an apposition (", Roby, forum …")."""
        return k >= len(doc) or doc[k].text in {",", ".", ")", ";", ":"} or doc[k].is_lower

    def _acting_start(self, doc: Doc, tstart: int) -> int:
        """Where an acting title starts: "Plt Bupati", "Pj. Sekda", "Pelaksana Harian (Plh)
        Bupati", "Penjabat Bupati"."""
        texts = words(doc)
        if tstart >= 2 and texts[tstart - 1] == "." and texts[tstart - 2] in self.acting:
            return tstart - 2
        if tstart >= 1 and texts[tstart - 1].rstrip(".") in self.acting:
            return tstart - 1
        k = tstart
        parens = k >= 3 and texts[k - 1] == ")" and texts[k - 3] == "("
        if parens and texts[k - 2].rstrip(".") in self.acting:
            k -= 3  # "(Plh)"
        for form in self.acting_long:
            m = len(form)
            if k >= m and tuple(w.capitalize() for w in texts[k - m : k]) == form:
                return k - m
        return tstart

    def _abbrev(self, t: Token) -> bool:
        """An abbreviation in parentheses after a unit's long name: "(Kadisnaker)", "(DJPT)",
        "(Sulama)" — one capitalised word that is not a person's name introducer."""
        return t.is_upper or (self._is_cap(t) and t.text not in self.stopwords)

    def _is_honorific(self, t: Token) -> bool:
        return t.text.replace(".", "") in self.honorifics

    def _skip_honorifics(self, doc: Doc, j: int) -> int:
        n, toks = len(doc), tokens(doc)
        texts, idx = toks.text, toks.idx
        start = j
        while j < n and texts[j].replace(".", "") in self.honorifics:
            j += 1
            if j < n and texts[j] == "." and idx[j] == idx[j - 1] + len(texts[j - 1]):
                j += 1
            if j < n and texts[j] in HONORIFIC_AFTER.get(texts[j - 1], ()):
                j += 1  # "Jero Mangku"
        if j > start and j < n and texts[j] in RANK_SERVICES:
            j += 1  # "Kolonel Laut"
            corps = j + 2 < n and texts[j] == "(" and texts[j + 2] == ")"
            if corps and _CORPS_CODE_RE.fullmatch(texts[j + 1]):
                j += 3  # "(P)"
            return self._skip_honorifics(doc, j) if j < n else j
        return j

    def _read_name(self, doc: Doc, j: int, blocked: set[int]) -> tuple[int, int] | None:
        """Token range [j, k) of the capitalised name starting at ``j``."""
        n, k, count = len(doc), j, 0
        toks = tokens(doc)
        texts, space = toks.text, toks.space
        while k < n and count < MAX_NAME_TOKENS:
            word = texts[k]
            if self._is_name_word(k, word, blocked):
                count += 1
                k += 1
                continue
            nxt_is_name = k + 1 < n and self._is_name_word(k + 1, texts[k + 1], blocked)
            if not count and word in NAME_START_PARTICLES and nxt_is_name:
                count += 1  # "I Gede Eka Putra Astawa"
                k += 1
                continue
            if self._lone_initial(word) and nxt_is_name and k not in blocked:
                k += 1  # "M. Syukur", "R Heru Setyawan", "Andi P Siregar"
                continue
            glued_dot = k + 2 < n and word == "." and not space[k - 1] and count
            if glued_dot and texts[k - 1] in NAME_ABBREVIATIONS and nxt_is_name:
                k += 1  # "Laode Muh. Syarif", "Moh. Rizal Taher"
                continue
            if word.endswith(".") and word[:-1] in NAME_ABBREVIATIONS and nxt_is_name:
                k += 1  # "St. Nurhaliza": the tokenizer kept the dot on the word
                continue
            if count and _INITIALS_RE.fullmatch(word) and k not in blocked:
                m = k
                while m < n and _INITIALS_RE.fullmatch(texts[m]):
                    m += 1
                if m < n and self._is_name_word(m, texts[m], blocked):
                    k = m  # "Kosmas D. Lana", "Paulus S. K. Limu"
                    continue
            if count and self._soft_name_word(doc, k, blocked):
                k += 1  # "Dominikus Minggu Mere"
                continue
            glued = k + 1 < n and not space[k - 1] and not space[k]
            joiner = (word in {"-", "'", "’"} and glued) or (word in self.particles and k + 1 < n)
            if count and joiner and nxt_is_name:
                k += 1
                continue
            two_particles = (
                word in self.particles
                and k + 2 < n
                and texts[k + 1] in self.particles
                and self._is_name_word(k + 2, texts[k + 2], blocked)
            )
            if count and two_particles:
                k += 2  # "Johanna van der Berg", "Maria dos Santos"
                continue
            break
        return (j, k) if count else None

    def _read_name_backward(self, doc: Doc, k: int, blocked: set[int]) -> tuple[int, int] | None:
        """Name ending at token ``k`` (inclusive), reading leftwards past degrees."""
        while k >= 0 and (doc[k].text == "," or doc[k].text.replace(".", "") in self.degrees):
            k -= 1
        end = k + 1
        count = 0
        while k >= 0 and count < MAX_NAME_TOKENS:
            if self._is_name_token(doc[k], blocked):
                count += 1
                k -= 1
            elif count and k > 0 and self._soft_name_word(doc, k, blocked):
                k -= 1
            elif count and self._is_initial(doc[k]) and k > 0:
                k -= 1  # "Jonas M. Selly, Sekretaris Daerah …"
            elif count and k > 0 and doc[k].text == "." and doc[k - 1].text in NAME_ABBREVIATIONS:
                k -= 2  # "Hj. Muh. Nurhaliza, Kepala Bidang …"
            elif count and doc[k].text.endswith(".") and doc[k].text[:-1] in NAME_ABBREVIATIONS:
                k -= 1  # "Hj. St. Nurhaliza": one token
            elif (
                count
                and k > 0
                and doc[k].text in self.particles
                and self._is_name_token(doc[k - 1], blocked)
            ):
                k -= 1  # "Rosmawati br Sinaga, Camat …"
            elif (
                count
                and k > 1
                and doc[k].text in self.particles
                and doc[k - 1].text in self.particles
                and self._is_name_token(doc[k - 2], blocked)
            ):
                k -= 2  # "Johanna van der Berg, Kepala …"
            elif (
                count
                and k > 0
                and doc[k].text in {"-", "'", "’"}
                and not doc[k - 1].whitespace_
                and not doc[k].whitespace_
                and self._is_name_token(doc[k - 1], blocked)
            ):
                k -= 1  # "Muhammad Yusuf Al-Hamid, Kepala …": a glued joiner, as read forwards
            else:
                break
        if k + 1 < end and self._is_initial(doc[k + 1]):
            k += 1
        if count and k >= 0 and doc[k].text in NAME_START_PARTICLES:
            k -= 1  # "I Ketut Sudiarta, Kepala Desa …"
        if not count:
            return None
        start = k + 1
        while start < end and doc[start].text.replace(".", "") in self.honorifics:
            start += 1
        return (start, end) if start < end else None

    # ------------------------------------------------------------------ title
    def _extend_title(
        self, doc: Doc, head: Span, orgs: dict[int, Span], regs: dict[int, Span], heads: set[int]
    ) -> tuple[int, Span | None, Span | None, bool]:
        n = len(doc)
        i = last = head.end
        org: Span | None = None
        region: Span | None = None
        consumed = False
        # "Wali Kota": "Kota" there is the head's own word, not "Kota <name of the town>"
        own_kota = head.label_.endswith("Wali Kota")
        expecting = doc[head.end - 1].text in self.unit_expecting and not own_kota
        after_acronym = False
        while i < n:
            t = doc[i]
            if i in heads and i != head.start:
                break
            if i in orgs:
                sp = orgs[i]
                org = org or sp
                i = last = sp.end
                # "Ketua DPD Serikat Petani …": a body's own name may follow the organisation
                expecting = doc[i - 1].text in self.unit_expecting or (
                    i < n and doc[i].text in self.named_units
                )
                consumed = True
                continue
            compound_place = (
                i in regs
                and regs[i].end == i + 1
                and t.text in TOPONYM_FIRST_WORDS
                and i + 1 < n
                and self._is_cap(doc[i + 1])
                and not self._is_honorific(doc[i + 1])
            )  # "Kapolsek Tanjung Karang Barat": not the town "Tanjung"
            if i in regs and not compound_place:
                sp = regs[i]
                region = region or sp
                i = last = sp.end
                consumed, expecting = True, False
                continue
            # "Ketua Koperasi Kopi Colol": the cooperative's name follows; "Dinas Koperasi": not
            unit_name = expecting and t.text in self.named_units and doc[i - 1].text not in {
                "Dinas", "Badan", "Bidang", "Seksi", "Bagian", "Kantor"}  # fmt: skip
            acronym = expecting and t.is_upper and t.is_alpha and len(t.text) >= 3
            acronym = acronym and t.text not in self.named_units and t.text not in self.unit_words
            if acronym and i + 1 < n and doc[i + 1].text not in {",", "("}:
                i = last = i + 1  # "Kepala DPMPTSP Sulastri": an agency's acronym
                # its place or own name may follow ("Ketua KAN Sungai Limau, Syamsuardi", "Ketua
                # DPC Serikat Petani …"), but only before ", <Name>" (see after_acronym below)
                consumed, expecting, after_acronym = True, True, True
                continue
            prev_abbrev = doc[i - 1].text in ABBREVIATED_AREAS and not doc[i - 1].whitespace_
            if t.text == "." and prev_abbrev:
                i += 1  # "Setda Kab. Bogor": the abbreviation's dot
                continue
            if t.is_lower and consumed and t.text.capitalize() in self.title_words:
                i = last = i + 1  # "BPJS Ketenagakerjaan cabang Garut"
                expecting = t.text.capitalize() in self.unit_expecting
                continue
            if t.text in self.title_words or (t.text in self.portfolio and not unit_name):
                i = last = i + 1
                consumed = True
                expecting = t.text in self.unit_expecting
                continue
            if consumed and t.text in {"dan", ",", "&"} and i + 1 < n:
                nxt = doc[i + 1]
                after_region = doc[i - 1].i in regs
                if (
                    nxt.text in self.portfolio
                    or (nxt.is_lower and nxt.text.capitalize() in self.portfolio)
                    or (t.text != "," and after_region and (i + 1) in regs)
                    or (
                        doc[i - 1].text in self.portfolio
                        and self._unit_continues(doc, i, heads, orgs, regs)
                    )
                ):
                    i += 1  # "Dinas Kelautan dan Perikanan", "Bali, Nusa Tenggara dan Papua"
                    continue
                chain = self._place_chain(doc, i, regs) if t.text == "," else None
                if chain is not None:
                    i = last = chain  # "Lurah Oebobo, Kota Kupang, Yanuarius Dapa Loka"
                    continue
                break
            if (
                t.lower_ == "pada"
                and consumed
                and i + 1 < n
                and doc[i + 1].text in self.title_words
            ):
                i += 1  # "Kepala Bidang Perlindungan Sosial pada Dinas Sosial Sikka, …"
                expecting = False
                continue
            if (
                t.lower_ == "dari"
                and consumed
                and i + 1 < n
                and doc[i + 1].text in self.from_continuations
            ):
                i += 1  # "Anggota DPRD NTT dari Fraksi Golkar, …"
                continue
            if (
                t.lower_ == "di"
                and consumed
                and (i - 1) in orgs
                and i + 1 < n
                and (i + 1) in regs
            ):
                i += 1  # "… BPJS Ketenagakerjaan di DIY – Jawa Tengah, Asri Basir"
                continue
            if t.text in {"-", "–", "—"} and (i - 1) in regs and i + 1 < n and (i + 1) in regs:
                i += 1  # "DIY – Jawa Tengah"
                continue
            lower_unit = t.is_lower and doc[i - 1].text in {"dan", ","} and consumed
            if lower_unit and t.text.capitalize() in self.portfolio:
                i = last = i + 1  # "Dinas Ketenagakerjaan dan transmigrasi"
                continue
            if t.lower_ in {"untuk", "wilayah"}:
                j = i + 1 if t.lower_ == "untuk" else i
                if j < n and doc[j].lower_ == "wilayah":
                    k = j + 1
                    while k < n and (self._is_cap(doc[k]) or doc[k].text in {",", "dan", "serta"}):
                        k += 1
                    while k > j + 1 and doc[k - 1].text in {",", "dan", "serta"}:
                        k -= 1
                    if k > j + 1:
                        if k + 2 < n and doc[k].text == "(" and doc[k + 2].text == ")":
                            k += 3
                        i = last = k
                        consumed, expecting = True, False
                        continue
                break
            first = (not consumed and i == head.end) or (i - 1) in orgs
            if _UNIT_NUMBER_RE.fullmatch(t.text) and first:
                i = last = i + 2 if i + 1 < n and doc[i + 1].text == "/" else i + 1
                consumed, expecting = True, True  # "Danrem 042/Garuda Putih", "Dandim 0732/Sleman"
                continue
            if t.text == "(" and i + 2 < n and doc[i + 2].text == ")" and self._abbrev(doc[i + 1]):
                i = last = i + 3  # an abbreviation: "(Banuspa)", "(BPJAMSOSTEK)", "(Disnakerin)"
                if consumed:  # the unit's place may follow: "Lembaga Adat (LA) Sungai Limau, …"
                    expecting, after_acronym = True, True
                continue
            if t.text == "(" and i + 4 < n and doc[i + 4].text == ")" and doc[i + 2].text == "-":
                i = last = i + 5  # "(TP-PKK)"
                continue
            split = self._subarea_split(doc, i, heads) if expecting else None
            if split is not None:
                # "Camat Rote Barat Daya Frans Lenggu": the name follows, even one starting with a
                # word that could continue a title ("Perbekel Tejakula I Made …")
                last, consumed = split, True
                break
            if self._is_cap(t) or (expecting and t.text in self.named_units):
                run_end, named, rank = i, False, False
                while run_end < n and run_end not in heads:
                    tk = doc[run_end]
                    if run_end > i and not named and self._is_honorific(tk):
                        rank = True  # "Kapolsek Kelapa Lima Iptu Yance …": the rank ends it
                        break
                    if expecting and not named and run_end > i and self._starts_name(doc, run_end):
                        rank = True  # "… BRI Unit Sengkang A. Rahman …": a name starts here
                        break
                    if expecting and run_end > i + 1 and self._chinese_name_ends_run(doc, run_end):
                        rank = True  # "Direktur CV Sinar Bahari Lie Ah Hong"
                        break
                    if self._is_cap(tk) or tk.text in self.named_units:
                        named = named or tk.text in self.named_units
                    elif named and tk.like_num and doc[run_end - 1].text in self.named_units:
                        pass  # a school's number: "SMPN 3 Mataram", "SDN 12 Ampenan"
                    elif not (named and (self._is_initial(tk) or self._is_honorific(tk))):
                        break
                    run_end += 1
                gaz = [k for k in range(i + 1, run_end) if k in orgs or k in regs]
                if gaz:
                    i = gaz[0]
                    consumed = True
                    continue
                unitish = any(doc[k].text in self.unit_words for k in range(i, run_end))
                fill_end = self._skip_fillers(doc, run_end)  # "… Sumberejo saat ini, <Name>"
                follows = doc[fill_end].text if fill_end < n else ""
                after_comma = self._skip_honorifics(doc, fill_end + 1) if fill_end + 1 < n else n
                name_follows = (
                    follows == ","
                    and after_comma < n
                    and fill_end + 1 not in heads
                    and self._is_cap(doc[after_comma])
                )  # ", Yohanes …" or ", dr. Fransiska …"
                body = t.text in self.named_units and name_follows  # "PT Sinar Abadi, <Name>"
                # "…, kata Siti Aminah, Ketua Koperasi Wanita Sejahtera.": a title in apposition
                # after a name, its body's own name running to the end of the clause
                apposed = head.start > 0 and doc[head.start - 1].text == ","
                body_ends = (
                    apposed
                    and (t.text in self.named_units or expecting)
                    and follows in {".", ";"}
                )  # "…, kata Paulus Wara, Kades Nebe.": the unit's place ends the sentence
                if (expecting or body or body_ends) and (
                    (follows == "," and (name_follows or not after_acronym))
                    or body_ends
                    or rank
                    or (unitish and (follows == "(" or run_end in regs or run_end in orgs))
                ):
                    i = last = run_end  # the unit's own name: "Kepala Desa Nduaria, …"
                    consumed, expecting = True, False
                    continue
            break
        return last, org, region, consumed

    def _linked_unit_end(self, doc: Doc, tstart: int, end: int, heads: set[int]) -> int | None:
        """"<Name> selaku Kepala Desa Tri Karya mengatakan …": after a name linked by "selaku"
        the title's capitalised run is its unit, up to a lower-case word or punctuation; the end
        of that run, or None."""
        if tstart < 2 or doc[tstart - 1].lower_ not in self.name_before_links:
            return None
        if not self._is_cap(doc[tstart - 2]):
            return None
        k, n = end, len(doc)
        while k < n and k not in heads and self._is_cap(doc[k]) and not self._is_honorific(doc[k]):
            k += 1
        if k == end or k - end > OFFICE_PLACE_MAX_TOKENS:
            return None
        return k if k == n or doc[k].is_lower or doc[k].is_punct else None

    def _paren_title_close(
        self, doc: Doc, tstart: int, end: int, heads: set[int], blocked: set[int]
    ) -> int | None:
        """"<Name> (<Title>)": the index of the ")" closing a title that opens right after
        "(" and a name word, when nothing but the title's own capitalised words (no comma, no
        lower-case word, no other position or parenthesis) stands between the title's end and
        it; else None."""
        if tstart < 2 or doc[tstart - 1].text != "(":
            return None
        if not self._is_name_token(doc[tstart - 2], blocked):
            return None  # "Sekretaris Daerah (Sekda)", "Kabupaten Sikka (Bupati …)": no person
        n = len(doc)
        for m in range(end, min(n, tstart + PAREN_TITLE_MAX_TOKENS)):
            txt = doc[m].text
            if txt == ")":
                return m
            if txt in {"(", ",", '"', "\n"} or m in heads:
                return None
            if doc[m].is_sent_start or doc[m].is_lower:
                return None
        return None

    def _bare_title_apposition(self, doc: Doc, k: int, blocked: set[int]) -> bool:
        """At ``k``: ", <Name of two words or more>," or "… <verb>" — a person named in
        apposition after a title with no unit of its own."""
        n = len(doc)
        if k + 1 >= n or doc[k].text != ",":
            return False
        name = self._read_name(doc, self._skip_honorifics(doc, k + 1), blocked)
        if name is None or name[1] - name[0] < BARE_TITLE_NAME_MIN_TOKENS:
            return False
        return name[1] < n and (doc[name[1]].text == "," or doc[name[1]].is_lower)

    def _starts_name(self, doc: Doc, k: int) -> bool:
        """Whether token ``k`` inside a capitalised run can only start a person's name: a lone
        initial ("A. Rahman") or a name prefix ("Andi", "La", "I", "Ni"), before a name word."""
        n, txt = len(doc), doc[k].text
        if k + 1 >= n or not self._is_cap(doc[k + 1]) or self._is_honorific(doc[k + 1]):
            return False
        return (
            txt in NAME_START_IN_RUN
            or (len(txt) == 2 and txt[1] == "." and self._lone_initial(txt))
            or (self._lone_initial(txt) and k + 2 < n and doc[k + 1].text == ".")
        )

    def _chinese_name_ends_run(self, doc: Doc, k: int) -> bool:
        """Whether a Chinese-Indonesian name of three words ("Lie Ah Hong") starts at ``k`` and
        ends the capitalised run."""
        n = len(doc)
        if doc[k].text not in CHINESE_SURNAMES or k + 2 >= n:
            return False
        if not all(self._is_cap(doc[m]) and not self._is_honorific(doc[m]) for m in (k + 1, k + 2)):
            return False
        return k + 3 >= n or not self._is_cap(doc[k + 3])

    def _name_like_head(self, doc: Doc, head: Span) -> bool:
        """"Lukman Hakim Siregar", "Bupati Lukman Hakim": a head that is also a name word,
        right after a capitalised name word, belongs to that name."""
        if head.text not in NAME_LIKE_HEADS or head.start == 0:
            return False
        prev = doc[head.start - 1].text
        return self._name_text(prev) and prev not in self.title_words

    @staticmethod
    def _skip_fillers(doc: Doc, k: int) -> int:
        """Index after the lower-case filler words at ``k`` when a "," follows them
        ("… perusahaan tersebut, <Name>"), else ``k``."""
        n, m = len(doc), k
        while m < n and m - k < TITLE_FILLER_MAX_TOKENS and doc[m].text in TITLE_FILLER_WORDS:
            m += 1
        return m if m > k and m < n and doc[m].text == "," else k

    def _subarea_split(self, doc: Doc, i: int, heads: set[int]) -> int | None:
        """After "Desa"/"Camat"/… at ``i - 1``: the end of the place name in a comma-less run
        "<Place> [compass words] <Name of two words or more>", or None."""
        if i < 1 or doc[i - 1].text not in self.subarea_units:
            return None
        n = len(doc)
        if i in heads or not self._is_cap(doc[i]) or doc[i].text in self.title_words:
            return None
        place_end = i + 1  # "Kupang Barat Laut": the place may be a name stopword
        particle = None
        for m in range(i + 1, min(n - 1, i + 1 + OFFICE_PLACE_MAX_TOKENS)):
            if self._starts_name(doc, m):  # "I Made …", "Andi Sitti …", "A. Rahman …"
                particle = m
                break
            if not self._is_cap(doc[m]):
                break  # the run of the place and the name ends here
        if particle is not None:
            place_end = particle  # "Perbekel Tejakula I Made Arya": "I"/"Ni" start the name
        compound = (
            particle is None
            and doc[i].text in TOPONYM_FIRST_WORDS
            and place_end < n
            and self._is_cap(doc[place_end])
            and not self._is_honorific(doc[place_end])
        )
        if compound:
            place_end += 1  # "Sungai Lulut", "Koto Baru": a compound place name
        known = self._area_names(doc)
        two = f"{doc[i].text} {doc[place_end].text}" if place_end < n else ""
        if not compound and particle is None and place_end == i + 1 and two in known:
            place_end += 1  # "Lurah Guntur Raya Siti …" after "Kelurahan Guntur Raya" earlier
            compound = True
        while place_end < n and doc[place_end].text in self.place_compass:
            place_end += 1
        k = place_end
        if particle is not None:
            k += 1  # "I": one letter, not a capitalised word of its own
        while (
            k < n
            and k not in heads
            and self._is_cap(doc[k])
            and not self._is_honorific(doc[k])
            and doc[k].text not in self.title_words
            and doc[k].text not in self.stopwords
        ):
            k += 1
        mononym = (
            compound
            and k - place_end == 1
            and doc[place_end].text not in TOPONYM_LAST_WORDS
            and (k == n or doc[k].is_lower or doc[k].text == ",")
        )  # "Lurah Sungai Lulut Mariani meninjau …": a one-word name after a compound place
        # "Lurah Hargotirto Suparjo mengatakan …" after "Kalurahan Hargotirto" earlier: the
        # place is known from the story, so a one-word name may follow it
        named_place = (
            not compound
            and particle is None
            and k - place_end == 1
            and place_end == i + 1
            and doc[i].text in known
            and (k == n or doc[k].is_lower or doc[k].text == ",")
        )
        if k - place_end < 2 and not mononym and not named_place:
            return None  # a one-word name: the older rules decide
        if k + 1 < n and doc[k].text == "," and self._is_cap(doc[k + 1]):
            return None  # "Desa Wolotopo Kecamatan Ndona, Yosef …": the run is the unit
        return place_end

    def _area_names(self, doc: Doc) -> set[str]:
        """One-word places the story names with an area word ("Kalurahan Hargotirto", "Desa
        Oeseli", "Kelurahan Guntur Raya"): one or two capitalised words after the area word."""
        memo = doc.user_data.get(AREA_NAMES_KEY)
        if isinstance(memo, set):
            return memo
        found: set[str] = set()
        doc.user_data[AREA_NAMES_KEY] = found
        for t in doc[:-1]:
            if t.text not in AREA_NAME_WORDS:
                continue
            run = t.i + 1
            while run < len(doc) and run - t.i <= 3 and self._is_cap(doc[run]):
                run += 1
            if run - t.i in (2, 3):  # "Kalurahan Hargotirto", "Kelurahan Guntur Raya"
                found.add(doc[t.i + 1 : run].text)
        return found

    def _unit_continues(
        self, doc: Doc, i: int, heads: set[int], orgs: dict[int, Span], regs: dict[int, Span]
    ) -> bool:
        """After a portfolio word + "," / "dan" at ``i``: whether the unit's own words run on —
        "Dinas Pendidikan, Kepemudaan dan Olahraga Ende" (after ",": a list closed by "dan"),
        "Bidang Humas dan Antar Lembaga BPJS Ketenagakerjaan" (after "dan": up to an
        organisation or region). A person's name after "," never holds "dan"."""
        if (i - 1) in orgs:
            return False  # "… BPJS Ketenagakerjaan, I Made Suartana": the title is complete
        n, m, has_dan = len(doc), i + 1, False
        while m < n and m - i <= UNIT_JOIN_MAX_TOKENS and m not in heads:
            if m in orgs or m in regs:
                return m > i + 1 and (doc[i].text == "dan" or has_dan)
            if doc[m].text == "dan":
                has_dan = True
            elif not self._is_cap(doc[m]):
                break
            m += 1
        return False

    def _place_chain(self, doc: Doc, i: int, regs: dict[int, Span]) -> int | None:
        """At the "," of "<unit>, Kecamatan Kelimutu, Kabupaten Ende, <Name>": the index of the
        "," after the place link, when a name follows it; else None."""
        n = len(doc)
        k = i + 1
        area = k < n and doc[k].text in AREA_WORDS
        if area:
            k += 1
        if k < n and k in regs:
            k = regs[k].end
        elif area and k < n and self._is_cap(doc[k]):
            while k < n and self._is_cap(doc[k]) and k not in regs:
                k += 1
        else:
            return None
        if k + 1 < n and doc[k].text == "," and self._is_cap(doc[k + 1]):
            return k
        return None

    # ------------------------------------------------------------------ org/region names
    @staticmethod
    def _region_label(reg: RegionEntry) -> str:
        name = reg["name"]
        if reg["kind"] == "provinsi":
            return f"Provinsi {name}"
        if reg["kind"] == "kabupaten" and not name.startswith("Kabupaten "):
            return f"Kabupaten {name}"
        return name

    def _org_name(self, doc: Doc, org: str | None, region: RegionEntry | None) -> str | None:
        if org is None:
            return None
        entry = org_entries(doc).get(org, {})
        if region is None and entry.get("level") and org.startswith("Pemerintah "):
            return None  # "Gubernur Melki": which province is not said here
        if not entry.get("level") or region is None:
            return org
        label = self._region_label(region)
        if org.startswith("Pemerintah "):
            return f"Pemerintah {label}"
        return f"{org} {label}"

    def _region_entry(self, doc: Doc, span: Span | None) -> RegionEntry | None:
        if span is None:
            return None
        entries = region_entries_of(doc)
        if span.label_ == "town":
            return next(
                (r for r in entries.values() if r["code"] == span.kb_id_ and r["kind"] != "town"),
                None,
            )
        return entries.get(span.kb_id_ + span.label_)

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc) -> Doc:
        orgs: dict[int, Span] = {}
        for sp in doc.spans.get("pantau_orgs", []):
            for k in range(sp.start, sp.end):
                orgs[k] = sp
        regs: dict[int, Span] = {}
        for sp in doc.spans.get("pantau_regions", []):
            for k in range(sp.start, sp.end):
                regs[k] = sp
        raw_heads = [Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)]
        raw_heads += [
            Span(doc, k, k + 1, label=FUSED_KADIS_HEAD)
            for k, txt in enumerate(words(doc))
            if txt[:2] == "Ka" and _FUSED_KADIS_RE.fullmatch(txt)
        ]
        heads = [
            h
            for h in filter_spans(raw_heads)
            if not is_skipped(doc, h.start_char, h.end_char)
            and not is_headline(doc, h.start_char)
            and not (h.start > 0 and doc[h.start - 1].text in self.not_after)
            and not self._name_like_head(doc, h)
        ]
        head_starts = {h.start for h in heads}
        blocked: set[int] = (
            set(orgs) | set(regs) | {k for h in heads for k in range(h.start, h.end)}
        )
        claimed: set[int] = set()
        mentions: list[Mention] = []
        pending: list[tuple[Span, int, int, Span | None, Span | None]] = []
        for head in heads:
            spec = self.heads[head.label_]
            tstart = self._acting_start(doc, head.start)
            end, org, region, consumed = self._extend_title(doc, head, orgs, regs, head_starts)
            close = self._paren_title_close(doc, tstart, end, head_starts, blocked)
            if close is not None:
                # "Yuliana Pratiwi (Kepala Dinas … Seluma)": the whole parenthesis is the title
                # of the person named before it
                pending.append((head, tstart, close, org, region))
                continue
            linked = tstart >= 2 and doc[tstart - 1].lower_ in self.name_before_links
            if linked and self._is_cap(doc[tstart - 2]):
                # "<Name> selaku Camat Pangururan": the person is named before the title; the
                # capitalised run after the head is its unit
                run = self._linked_unit_end(doc, tstart, end, head_starts)
                if run is not None:
                    end, consumed = run, True
                if not (spec.get("needs_qualifier") and not consumed):
                    pending.append((head, tstart, end, org, region))
                continue
            fill_end = self._skip_fillers(doc, end)
            if spec.get("needs_qualifier") and not consumed:
                # "Kepala Kantor Cabang, <Full Name>,": a head of two words or more ending in a
                # unit word names its office with the unit known from the story; so does a head
                # with its owner after it ("Manajer perusahaan, …")
                unit_head = len(head) >= 2 and doc[head.end - 1].text in self.title_words
                if not (unit_head or fill_end > end):
                    continue
                if not self._bare_title_apposition(doc, fill_end, blocked):
                    continue
            j = fill_end
            if j < len(doc) and doc[j].text == ",":
                j += 1
            if j < len(doc) and doc[j].lower_ in self.introducers:
                j += 1
            j = self._skip_honorifics(doc, j)
            name = self._read_name(doc, j, blocked) if j < len(doc) else None
            lower = not head.text[0].isupper() and not spec.get("lowercase")
            if lower and name and name[1] - name[0] < 2:
                name = None  # "kata bupati, Drs Edi Budoyo" yes; "bupati Sleman" no
            if name and name[1] - name[0] <= OFFICE_PLACE_MAX_TOKENS:
                # "Kepala Kanwil BPJS Ketenagakerjaan Banuspa, Kuncoro Budi Winarno": a lone
                # word before ", <Full Name>" names the unit, not the person; after an office
                # ("BPJS Ketenagakerjaan Tanjung Morawa, Roby, …") a short run does too.
                k = name[1]
                nxt = self._read_name(doc, k + 1, blocked) if k + 1 < len(doc) else None
                lone = name[1] - name[0] == 1 and nxt is not None and nxt[1] - nxt[0] >= 2
                office = self._after_office(doc, end, orgs) and nxt is not None
                office = office and self._apposition_ends(doc, nxt[1]) if nxt else False
                # "Kepala Cabang Bank NTB Syariah Praya, Baiq Rina …": after any organisation a
                # short run before ", <Full Name>," is the office's own name or place
                if nxt is not None and (end - 1) in orgs and nxt[1] - nxt[0] >= 2:
                    office = office or self._apposition_ends(doc, nxt[1])
                if k < len(doc) and doc[k].text == "," and nxt and (lone or office):
                    end, name = name[1], nxt
            if name and j == end and name[1] - name[0] >= 3:
                # "Sekda Lasolo Moh Zain Taher": a given-name abbreviation starts the name; the
                # one unknown word before it (a place the gazetteer does not know, a misspelt
                # one) ends the title
                lead, given = words(doc)[name[0]], words(doc)[name[0] + 1]
                if given in NAME_ABBREVIATIONS and lead not in NAME_PREFIX_WORDS:
                    end, name = name[0] + 1, (name[0] + 1, name[1])
            if (
                name
                and j == end
                and name[1] - name[0] == 1
                and name[1] < len(doc)
                and doc[name[1]].text in {".", ";", "!", "?"}
                and tstart >= 2
                and doc[tstart - 1].text == ","
                and self._is_name_token(doc[tstart - 2], blocked)
            ):
                # "…, kata Paulus Wara, Kades Nebe.": after "<Name>," the one word closing the
                # sentence is the title's place, not a second person
                end, name = name[1], None
            if name and not (claimed & set(range(*name))):
                conf = CONF_TITLE_THEN_NAME
                claimed.update(range(*name))
            else:
                name = None
            pending.append((head, tstart, end, org, region))
            if name is None:
                continue
            pending.pop()
            pair = self._coordinated(doc, head, pending, name, blocked, claimed)
            if pair is not None:  # "Bupati dan Wakil Bupati Sleman, A dan B"
                first, first_start, second = pair
                qualifier = doc[head.end : end].text
                title = f"{doc[first_start : first.end].text} {qualifier}".strip(" ,")
                m = self._mention(doc, self.heads[first.label_], first_start, end, name, org,
                                  region, conf)  # fmt: skip
                m.title = title
                mentions.append(m)
                name = second
            mentions.append(self._mention(doc, spec, tstart, end, name, org, region, conf))
        for head, tstart, end, org, region in pending:  # "<Name>, <Title>" appositions
            k = tstart - 1
            if k >= 1 and doc[k].lower_ in self.name_before_links:
                k -= 1  # "Andreas Agas selaku Bupati Manggarai Timur"
            elif k >= 1 and doc[k].text == "(" and end < len(doc) and doc[end].text == ")":
                k -= 1  # "Maria Goreti da Silva (Kepala Dinas …)": closed by _paren_title_close
            elif k < 1 or doc[k].text != ",":
                continue
            name = self._read_name_backward(doc, k, blocked)
            if name and doc[k + 1].text == "(" and name[1] - name[0] < PAREN_NAME_MIN_TOKENS:
                continue
            if not name or claimed & set(range(*name)):
                continue
            before = doc[name[0] - 1] if name[0] > 0 else None
            rank_before = before is not None and self._is_honorific(before)
            if rank_before and doc[tstart - 1].lower_ not in self.name_before_links:
                rank_before = False  # only "Kompol Hadi Susanto selaku Kabag Ops …"
            if (
                before is not None
                and self._is_cap(before)
                and before.text not in self.stopwords
                and not rank_before
            ):
                continue  # part of a longer capitalised run: not a clean apposition
            claimed.update(range(*name))
            spec = self.heads[head.label_]
            mentions.append(
                self._mention(doc, spec, tstart, end, name, org, region, CONF_NAME_THEN_TITLE)
            )
        mentions.sort(key=lambda m: m.start)
        people = self._merge(mentions)
        others = self._merge(self._other_people(doc, blocked, claimed, people))
        self._name_only_mentions(doc, people + others, blocked, claimed)
        named: list[PersonRef] = [
            {"name": p.best.name, "mentions": sorted(p.mentions), "official": official}
            for group, official in ((people, True), (others, False))
            for p in group
        ]
        doc._.pantau_people = named
        for p in people:
            b = p.best
            conf = b.confidence + (CONF_MULTI_MENTION_BONUS if len(p.mentions) > 1 else 0)
            item = make_item(
                doc,
                extractor="pantau_officials",
                version=self.version,
                start=b.start,
                end=b.end,
                confidence=min(CONF_MAX, conf),
                name=b.name,
                title=b.title,
                organization=b.org,
                region=b.region,
            )
            item["mentions"] = [list(m) for m in sorted(set(p.mentions))]
            add_fact(doc, "officials", item)
        return doc

    def _mention(
        self,
        doc: Doc,
        spec: dict[str, Any],
        tstart: int,
        tend: int,
        name: tuple[int, int],
        org: Span | None,
        region: Span | None,
        conf: float,
    ) -> Mention:
        title = doc[tstart:tend].text.strip(" ,")
        reg = self._region_entry(doc, region)
        org_key = org.kb_id_ if org is not None else spec.get("org")
        span = doc[name[0] : name[1]]
        return Mention(
            name=_GLUED_HONORIFIC_RE.sub("", span.text),
            start=span.start_char,
            end=span.end_char,
            title=title,
            org=self._org_name(doc, org_key, reg),
            region=reg["name"] if reg else None,
            confidence=conf,
        )

    def _other_people(
        self, doc: Doc, blocked: set[int], claimed: set[int], people: list[Person]
    ) -> list[Mention]:
        """People named without a position, in an apposition: ", Mama Veronika Ina, mengaku",
        "Maria Goreti Luruk, istri almarhum …" (sentence start), "Yakobus Nenosono (47)"."""
        out: list[Mention] = []
        n = len(doc)
        texts = words(doc)
        sent_start = doc.to_array([SENT_START]).tolist()  # 1: the token starts a sentence
        firsts = [
            k for k in range(n) if sent_start[k] == 1 or k and texts[k - 1] in _APPOSITION_OPENERS
        ]
        for k in firsts:
            if k in claimed:
                continue
            j = self._skip_honorifics(doc, k)
            rng = self._read_name(doc, j, blocked) if j < n else None
            if rng is None or rng[1] - rng[0] < 2 or claimed & set(range(*rng)):
                continue
            e = rng[1]
            age = e + 2 < n and doc[e].text == "(" and doc[e + 1].like_num  # "(47)"
            age = age and doc[e + 2].text == ")"
            if not (age or (e < n and doc[e].text == ",")):
                continue
            span = doc[rng[0] : e]
            if is_skipped(doc, span.start_char, span.end_char) or is_headline(doc, span.start_char):
                continue
            if any(same_person(span.text, p.best.name) for p in people):
                continue
            claimed.update(range(*rng))
            out.append(Mention(span.text, span.start_char, span.end_char, "", None, None, 0.0))
        return out

    @staticmethod
    def _merge(mentions: list[Mention]) -> list[Person]:
        people: list[Person] = []
        for m in mentions:
            match = next((p for p in people if same_person(m.name, p.best.name)), None)
            if match is None:
                people.append(Person(best=m, mentions=[(m.start, m.end)]))
                continue
            match.mentions.append((m.start, m.end))
            match.count += 1
            if len(m.name.split()) > len(match.best.name.split()):
                match.best = m
        return people

    def _name_only_mentions(
        self, doc: Doc, people: list[Person], blocked: set[int], claimed: set[int]
    ) -> None:
        if not people:
            return
        toks, text = tokens(doc), text_of(doc)
        texts, idx = toks.text, toks.idx
        k = 0  # the end of the last name read: names never overlap
        for c in self._name_word_indices(texts):
            if c < k or c in claimed or c in blocked:
                continue
            rng = self._read_name(doc, c, blocked)
            if rng is None or is_skipped(doc, idx[c]):
                continue
            start, end = idx[rng[0]], idx[rng[1] - 1] + len(texts[rng[1] - 1])
            hits = [p for p in people if same_person(text[start:end], p.best.name)]
            if len(hits) == 1:
                hits[0].mentions.append((start, end))
            k = rng[1]

    def _name_word_indices(self, texts: list[str]) -> list[int]:
        """Indices of the tokens whose text may be part of a name (:meth:`_name_text`), with
        the memo filled for all of them in one pass (no method call per token)."""
        memo = self._name_words
        missing = {w for w in texts if w not in memo}
        if len(memo) + len(missing) > NAME_WORD_MEMO_MAX:
            memo.clear()
            missing = set(texts)
        for w in missing:
            memo[w] = self._name_text(w)
        return [k for k, w in enumerate(texts) if memo[w]]


@Language.factory(
    "pantau_officials",
    default_config={"data_file": "positions.yaml", "version": "0.1.0"},
    requires=[
        attr("pantau_layout"),
        attr("pantau_org_entries"),
        attr("pantau_region_entries"),
    ],
    assigns=[attr("pantau_people"), "doc._.pantau_facts"],
)
def make_officials(nlp: Language, name: str, data_file: str, version: str) -> OfficialsExtractor:
    return OfficialsExtractor(nlp, data_file, version)
