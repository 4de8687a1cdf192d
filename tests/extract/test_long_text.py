"""Issue 12 item 8: a text longer than spaCy's 1,000,000 characters is processed whole.

Before, `extract_facts` cut the text at ``nlp.max_length - 1`` without a word: a fact in the
last paragraph of a 1.2M-character text was silently lost. Now the text is split into chunks at
paragraph boundaries and the facts are merged with their offsets into the whole text.
"""

from __future__ import annotations

import time

import pytest

from extract.facts import chunks, extract_facts

FILLER = ("Pemerintah Kabupaten Kupang terus memantau harga bahan pokok di pasar tradisional"
          " menjelang hari raya, kata petugas dinas perdagangan setempat kepada wartawan.")
LAST = ("Sebanyak 4.321 pekerja rentan di Kota Kupang terdaftar sebagai peserta BPJS"
        " Ketenagakerjaan, kata Kepala Dinas Nakertrans NTT Silvya Pekudjawang.")


def long_text(chars: int) -> str:
    count = chars // (len(FILLER) + 2) + 1
    return "\n\n".join([FILLER] * count + [LAST])


def test_fact_in_the_last_paragraph_of_a_long_text_is_found() -> None:
    text = long_text(1_200_000)
    started = time.monotonic()
    facts = extract_facts(text)
    seconds = time.monotonic() - started
    counts = [(w["value"], w["start"], w["end"]) for w in facts["worker_counts"]]
    print(f"{len(text):,} characters, {len(chunks(text, 999_999))} chunks, {seconds:.1f} s:"
          f" worker_counts {counts}")
    assert len(text) > 1_200_000
    (count,) = facts["worker_counts"]
    assert count["value"] == 4321 and text[count["start"] : count["end"]] == "4.321 pekerja rentan"
    assert count["start"] > 1_000_000
    official = next(o for o in facts["officials"] if o["name"] == "Silvya Pekudjawang")
    assert text[official["start"] : official["end"]].endswith("Silvya Pekudjawang")
    kupang = next(r for r in facts["regions"] if r["name"] == "Kabupaten Kupang")  # every chunk
    assert len(kupang["mentions"]) == text.count("Kabupaten Kupang")
    assert all(text[s:e] == "Kabupaten Kupang" for s, e in kupang["mentions"])
    assert len({r["name"] for r in facts["regions"]}) == len(facts["regions"])


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("aaa\n\nbbb\n\nccc", 100, ["aaa\n\nbbb\n\nccc"]),
        ("aaa\n\nbbb\n\nccc", 10, ["aaa\n\nbbb\n\n", "ccc"]),
        ("aaa\nbbb ccc", 6, ["aaa\n", "bbb ", "ccc"]),
        ("Satu. Dua tiga", 9, ["Satu. ", "Dua tiga"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("", 4, [""]),
    ],
)
def test_chunks_cut_at_paragraphs_and_join_back(text: str, limit: int, parts: list[str]) -> None:
    got = chunks(text, limit)
    assert [p for _, p in got] == parts
    assert "".join(parts) == text and all(text[o : o + len(p)] == p for o, p in got)
    assert all(len(p) <= limit for _, p in got)
