"""The stanza adapter on stanza Documents built from CoNLL-U text (no model needed), and the
rule path when the ``id`` models are not installed. Skips when stanza is not importable (CI
installs only ``.[dev]``; stanza is the optional ``.[stanza]`` extra)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

stanza_conll = pytest.importorskip("stanza.utils.conll")

from extract import stanza_adapter  # noqa: E402
from extract.facts import extract_facts  # noqa: E402


def _doc(rows: str):  # noqa: ANN202 - a stanza.Document
    lines = []
    for row in rows.strip().splitlines():
        cols = row.split()
        if not cols:  # a blank line ends a sentence
            lines.append("")
            continue
        # ID FORM LEMMA UPOS HEAD DEPREL -> the 10 CoNLL-U columns
        i, form, lemma, upos, head, deprel = cols
        lines.append("\t".join([i, form, lemma, upos, "_", "_", head, deprel, "_", "_"]))
    return stanza_conll.CoNLL.conll2doc(input_str="\n".join(lines) + "\n\n")


# "Pemkab melindungi 14.880 orang pekerja rentan": the number counts "pekerja rentan" through the
# tree even though "orang" stands between them.
COUNT_SENTENCE = """
1 Pemkab Pemkab PROPN 2 nsubj
2 melindungi lindung VERB 0 root
3 14.880 14.880 NUM 5 nummod
4 orang orang NOUN 5 compound
5 pekerja pekerja NOUN 2 obj
6 rentan rentan ADJ 5 amod
"""

# "dua ratus nelayan menerima kartu": number words.
WORDS_SENTENCE = """
1 dua dua NUM 3 nummod
2 ratus ratus NUM 1 flat
3 nelayan nelayan NOUN 4 nsubj
4 menerima terima VERB 0 root
5 kartu kartu NOUN 4 obj
"""

# "Bupati TTU Yosep Falentinus Kebo membuka acara": title -> appos name with flat:name parts.
TITLE_FIRST = """
1 Bupati bupati NOUN 6 nsubj
2 TTU TTU PROPN 1 nmod
3 Yosep Yosep PROPN 1 appos
4 Falentinus Falentinus PROPN 3 flat:name
5 Kebo Kebo PROPN 3 flat:name
6 membuka buka VERB 0 root
7 acara acara NOUN 6 obj
"""

# "Simon Subsidi , Wakil Bupati Sikka , hadir": the title hangs on the name (appos).
NAME_FIRST = """
1 Simon Simon PROPN 8 nsubj
2 Subsidi Subsidi PROPN 1 flat:name
3 , , PUNCT 5 punct
4 Wakil wakil NOUN 5 compound
5 Bupati bupati NOUN 1 appos
6 Sikka Sikka PROPN 5 nmod
7 , , PUNCT 5 punct
8 hadir hadir VERB 0 root
"""


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(COUNT_SENTENCE, [(14880, "pekerja rentan")]), (WORDS_SENTENCE, [(200, "nelayan")])],
)
def test_count_attaches_to_its_noun(rows: str, expected: list[tuple[int, str]]) -> None:
    found = stanza_adapter.count_attachments(_doc(rows))
    assert [(a.value, a.noun) for a in found] == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (TITLE_FIRST, [("Bupati TTU", "Yosep Falentinus Kebo")]),
        (NAME_FIRST, [("Bupati Sikka", "Simon Subsidi")]),
    ],
)
def test_title_attaches_to_its_name(rows: str, expected: list[tuple[str, str]]) -> None:
    found = stanza_adapter.title_attachments(_doc(rows))
    assert [(a.title, a.name) for a in found] == expected


def test_enrich_adds_only_what_the_rules_missed() -> None:
    facts = {"worker_counts": [], "officials": [{"name": "Yosep Falentinus Kebo"}]}
    stanza_adapter.enrich(facts, _doc(COUNT_SENTENCE + "\n" + TITLE_FIRST))
    assert [(c["value"], c["noun"], c["extractor"]) for c in facts["worker_counts"]] == [
        (14880, "pekerja rentan", "stanza_adapter")
    ]
    assert [o["name"] for o in facts["officials"]] == ["Yosep Falentinus Kebo"]


def test_missing_models_give_one_message_and_the_rule_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STANZA_RESOURCES_DIR", str(tmp_path))  # an empty model folder
    stanza_adapter.load_pipeline.cache_clear()
    stanza_adapter._warned.clear()
    text = "Bupati Ende, Yosef Badeoda, melindungi 2.000 pekerja rentan."
    with caplog.at_level(logging.WARNING, logger="extract.stanza_adapter"):
        plain = extract_facts(text)
        enriched = extract_facts(text, stanza=True)
        extract_facts(text, stanza=True)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and messages[0].startswith("model not installed:")
    assert enriched == plain
    stanza_adapter.load_pipeline.cache_clear()
