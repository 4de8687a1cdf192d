"""``pantau_layout``: sentence boundaries, page furniture and headline lines.

Runs first. Splits the text into sentences with a rule splitter that knows Indonesian
abbreviations ("Pj. Sekda", "Drs.", "Rp.") and line breaks, sets ``token.is_sent_start`` so
``doc.sents`` works, and records character ranges later components should ignore:
``skip_ranges`` (cross-links "Baca juga:", bylines, publication stamps, breadcrumbs, share bars,
related-article rows ending in "|", the headline-like lines under a list header such as
"Berita Terkait" or a bare "Baca Juga", and the dateline "Kupang (ANTARA) -" at the start of the
body) and ``headline_ranges`` (Title Case lines, where capitalised words are not names).
"""

from __future__ import annotations

import re
from typing import cast

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from thinc.types import Ints2d

from .common import Layout as LayoutState
from .common import attr, load_data, text_of

# A sentence may end at . ! ? or an ellipsis, optionally followed by closing quotes/brackets,
# then whitespace and something that can start a sentence.
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
# What a one-sentence Title Case headline never holds: a sentence ending inside the line
# ("… Kamis (26/1/2023). (Foto: Istimewa)", "… dokumen kerja sama. Bupati …") or a comma followed
# by a lower-case clause ("Kepala Cabang BPJS …, Hermanto mengatakan, saat ini …"). Lines with
# these are captions or body sentences, whose capitalised words are names.
_PROSE_IN_LINE_RE = re.compile(r"(?:(?<![A-Za-z])[a-z]{2,}|\))[.!?]\s+\S|,\s+[a-z]{3,}")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z.]+)[.!?…]*[\"”’)\]]*\s*$")


class Layout:
    """Sentence splitter + furniture/headline detector driven by ``layout.yaml``."""

    def __init__(self, data_file: str) -> None:
        data = load_data(data_file)
        self.abbreviations = {a.replace(".", "") for a in data["abbreviations"]}
        self.furniture = [re.compile(p, re.IGNORECASE) for p in data["furniture_lines"]]
        self.list_headers = [re.compile(p, re.IGNORECASE) for p in data.get("list_headers", [])]
        self.datelines = [re.compile(p) for p in data.get("datelines", [])]
        self.headline_share = float(data["headline_min_capital_share"])
        self.headline_words = int(data["headline_min_words"])
        self.headline_max_words = int(data.get("headline_max_words", 10**6))

    # -------------------------------------------------------------- lines
    @staticmethod
    def lines(text: str) -> list[tuple[int, int]]:
        """(start, end) of each non-blank line, stripped."""
        out = []
        pos = 0
        for raw in text.split("\n"):
            s = pos + (len(raw) - len(raw.lstrip()))
            e = pos + len(raw.rstrip())
            if e > s:
                out.append((s, e))
            pos += len(raw) + 1
        return out

    def is_headline(self, line: str) -> bool:
        if re.search(r"[.!?\"”:;,]\s*$", line):
            return False
        if _PROSE_IN_LINE_RE.search(line):
            return False  # a caption or a body sentence that lost its final period
        words = re.findall(r"[A-Za-z][\w'’-]*", line)
        if not self.headline_words <= len(words) <= self.headline_max_words:
            return False
        caps = sum(1 for w in words if w[0].isupper())
        return caps / len(words) >= self.headline_share

    def is_abbreviation(self, text: str, boundary: int) -> bool:
        m = _WORD_BEFORE_RE.search(text[max(0, boundary - 30) : boundary + 1])
        if not m:
            return False
        word = m.group(1).rstrip(".")
        last = word.split(".")[-1] if "." in word else word
        if word.replace(".", "") in self.abbreviations or last in self.abbreviations:
            return True
        return len(last) == 1 and last.isupper()  # an initial: "A. Yani"

    def split(self, text: str, start: int, end: int) -> list[int]:
        """Sentence start offsets inside one line."""
        starts = [start]
        chunk = text[start:end]
        for m in _BOUNDARY_RE.finditer(chunk):
            if self.is_abbreviation(chunk, m.start()):
                continue
            starts.append(start + m.end())
        return starts

    # -------------------------------------------------------------- component
    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        starts: list[int] = []
        skip: list[tuple[int, int]] = []
        heads: list[tuple[int, int]] = []
        datelines: list[tuple[int, int]] = []
        in_list = False  # under a list header: headline-like lines are links
        for s, e in self.lines(text):
            line = text[s:e]
            if any(p.search(line) for p in self.list_headers):
                skip.append((s, e))
                in_list = True
            elif any(p.search(line) for p in self.furniture) or (
                in_list and not re.search(r"[.!?\"”]\s*$", line)
            ):
                skip.append((s, e))
            else:
                in_list = False
                if self.is_headline(line):
                    heads.append((s, e))
                for rx in self.datelines:
                    m = rx.match(line)
                    if m:
                        skip.append((s, s + m.end()))
                        datelines.append((s, s + m.end()))
                        break
            starts.extend(self.split(text, s, e))
        if not starts:
            starts = [0]
        ends = [*starts[1:], len(text)]
        doc._.pantau_layout = LayoutState(starts, ends, skip, heads, datelines)
        if len(doc):
            # SENT_START: 1 = starts a sentence, -1 = does not; a token starts one when it is
            # the first token at or after a sentence's start offset (and the first token).
            # from_array is O(n); setting token.is_sent_start one by one re-checks the doc.
            idx = doc.to_array([IDX])
            not_start = numpy.array(-1, dtype="int64").astype("uint64")  # spaCy wants uint64
            flags = numpy.full((len(doc), 1), not_start, dtype="uint64")
            first = numpy.searchsorted(idx, numpy.asarray(starts, dtype=idx.dtype), side="left")
            flags[first[first < len(doc)], 0] = 1
            flags[0, 0] = 1
            doc.from_array([SENT_START], cast(Ints2d, flags))
        return doc


@Language.factory(
    "pantau_layout",
    default_config={"data_file": "layout.yaml"},
    assigns=["token.is_sent_start", attr("pantau_layout")],
)
def make_layout(nlp: Language, name: str, data_file: str) -> Layout:
    return Layout(data_file)
