"""``pantau_quotes``: quoted speech and who said it.

Finds “…” / "…" quotations and their attribution: after the quote ('…," ujar Melki.',
'…," kata dia.', '…," tegasnya.') or before it ('Melki mengatakan, "…"'). Speakers are resolved
to the officials found by ``pantau_officials`` (``doc._.pantau_people``): a name after the verb is
matched against them, and pronouns/"-nya" take the last person named before the quote (outside
other quotes). Speech verbs live in ``quotes.yaml``.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from .common import (
    PersonRef,
    add_fact,
    attr,
    in_ranges,
    is_skipped,
    load_data,
    make_item,
    people,
    text_of,
)
from .officials import same_person

# Confidence by how the speaker was found.
CONF_NAMED = 0.9  # a name right after/before the speech verb
CONF_PRONOUN = 0.75  # "ujar dia", "tegasnya" → last named person
CONF_UNRESOLVED = 0.5  # attributed, but the speaker is not a known person
# How far after a speech verb the speaker's name may start (characters): "kata Kepala BPJS
# Ketenagakerjaan Provinsi NTT, Wawan Burhanuddin" needs room for the title.
SPEAKER_WINDOW = 90

_QUOTE_RE = re.compile(r"“([^“”\n]+)”|\"([^\"\n]+)\"")
_NAME_RE = re.compile(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,5}")


class QuoteExtractor:
    """Quotations → ``quotes`` facts."""

    def __init__(self, data_file: str, version: str) -> None:
        data = load_data(data_file)
        self.version = version
        self.min_chars = int(data["min_quote_chars"])
        after = "|".join(sorted(data["after_verbs"], key=len, reverse=True))
        before = "|".join(sorted(data["before_verbs"], key=len, reverse=True))
        self.pronouns = set(data["pronouns"])
        self.after_re = re.compile(rf"\s*,?\s*(?P<verb>{after})(?P<nya>nya)?(?!\w)", re.IGNORECASE)
        self.before_re = re.compile(rf"(?P<verb>{before})\s*[,:]?\s*$", re.IGNORECASE)

    @staticmethod
    def _people(doc: Doc) -> list[PersonRef]:
        return people(doc)

    def _last_person(self, doc: Doc, pos: int, quotes: list[tuple[int, int]]) -> str | None:
        best: tuple[int, str] | None = None
        for p in self._people(doc):
            for s, e in p["mentions"]:
                if e <= pos and not in_ranges(quotes, s, e) and (best is None or s > best[0]):
                    best = (s, p["name"])
        return best[1] if best else None

    def _person_at(self, doc: Doc, lo: int, hi: int) -> str | None:
        best: tuple[int, str] | None = None
        for p in self._people(doc):
            for s, _ in p["mentions"]:
                if lo <= s < hi and (best is None or s < best[0]):
                    best = (s, p["name"])
        return best[1] if best else None

    def _resolve_name(self, doc: Doc, name: str) -> str:
        hits = [p["name"] for p in self._people(doc) if same_person(name, p["name"])]
        return hits[0] if len(hits) == 1 else name

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        found = [
            (m.start(1) if m.group(1) else m.start(2), m.end(1) if m.group(1) else m.end(2))
            for m in _QUOTE_RE.finditer(text)
        ]
        quote_ranges = [(s - 1, e + 1) for s, e in found]
        for s, e in found:
            inner = text[s:e].strip()
            if len(inner) < self.min_chars or is_skipped(doc, s, e):
                continue
            speaker: str | None = None
            conf = 0.0
            am = self.after_re.match(text, e + 1)
            if am:
                if am.group("nya"):
                    speaker, conf = self._last_person(doc, s, quote_ranges), CONF_PRONOUN
                else:
                    rest = text[am.end() : am.end() + SPEAKER_WINDOW]
                    first = rest.split()[0].strip(".,;").lower() if rest.split() else ""
                    if first in self.pronouns:
                        speaker, conf = self._last_person(doc, s, quote_ranges), CONF_PRONOUN
                    else:
                        line_end = text.find("\n", am.end())
                        hi = am.end() + SPEAKER_WINDOW
                        hi = min(hi, line_end) if line_end != -1 else hi
                        speaker = self._person_at(doc, am.end(), hi)
                        conf = CONF_NAMED
                        if speaker is None:
                            nm = _NAME_RE.match(rest.lstrip())
                            if nm:
                                speaker = self._resolve_name(doc, nm.group(0))
                                conf = CONF_UNRESOLVED
            else:
                line_start = text.rfind("\n", 0, s) + 1
                bm = self.before_re.search(text[line_start : s - 1])
                if not bm:
                    continue
                lo = line_start
                hi = line_start + bm.start()
                speaker = self._last_person(doc, hi, quote_ranges)
                conf = CONF_NAMED if self._person_at(doc, lo, hi) else CONF_PRONOUN
            if speaker is None:
                conf = min(conf, CONF_UNRESOLVED)
            add_fact(
                doc,
                "quotes",
                make_item(
                    doc,
                    extractor="pantau_quotes",
                    version=self.version,
                    start=s,
                    end=e,
                    confidence=conf,
                    speaker=speaker,
                ),
            )
        return doc


@Language.factory(
    "pantau_quotes",
    default_config={"data_file": "quotes.yaml", "version": "0.1.0"},
    requires=[attr("pantau_layout"), attr("pantau_people")],
    assigns=["doc._.pantau_facts"],
)
def make_quotes(nlp: Language, name: str, data_file: str, version: str) -> QuoteExtractor:
    return QuoteExtractor(data_file, version)
