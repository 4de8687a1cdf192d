"""The spaCy pipeline as data: registered components, configs, layout, gazetteer spans."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from extract.components.common import PipelineOrderError, check_pipeline, layout
from extract.components.officials import same_person
from extract.facts import extract_facts
from extract.nlp import PIPELINE, PantauIndonesian, build_pipeline, create_pipeline


def test_pipeline_is_cached_and_ordered() -> None:
    nlp = build_pipeline()
    assert nlp is build_pipeline()
    assert nlp.pipe_names == [name for name, _ in PIPELINE]
    assert nlp.lang == "id"


@pytest.mark.parametrize("name", [name for name, _ in PIPELINE])
def test_components_have_declared_config(name: str) -> None:
    meta = build_pipeline().get_pipe_meta(name)
    assert "data_file" in meta.default_config
    assert build_pipeline().config["components"][name]["factory"] == name


def test_component_config_points_at_other_data(tmp_path: Path) -> None:
    custom = yaml.safe_load(
        (Path(__file__).parents[2] / "extract" / "data" / "events.yaml").read_text()
    )
    custom["triggers"]["groundbreaking"] = ["peletakan batu pertama"]
    path = tmp_path / "events.yaml"
    path.write_text(yaml.safe_dump(custom))
    pipeline = [(n, {"data_file": str(path)} if n == "pantau_events" else c) for n, c in PIPELINE]
    nlp = create_pipeline(pipeline)
    doc = nlp("Peletakan batu pertama dilakukan di Lapangan Oebobo, Senin (15/9/2025).")
    events = doc._.pantau_facts["events"]
    assert [(e["type"], e["date"]) for e in events] == [("groundbreaking", "2025-09-15")]


def test_layout_sentences_respect_abbreviations() -> None:
    doc = build_pipeline()(
        "Pj. Sekda TTU, Drs. Yakobus Anin, hadir. Dana Rp. 5 juta cair.\nBaris baru di sini."
    )
    sents = [s.text.strip() for s in doc.sents]
    assert sents == [
        "Pj. Sekda TTU, Drs. Yakobus Anin, hadir.",
        "Dana Rp. 5 juta cair.",
        "Baris baru di sini.",
    ]


def test_layout_marks_furniture_and_headlines() -> None:
    text = (
        "Baca juga: Bupati Alor Resmikan Pasar Baru\n"
        "Gubernur NTT Tinjau Pelabuhan Tenau Hari Ini\n"
        "Isi berita yang sebenarnya ada di sini."
    )
    doc = build_pipeline()(text)
    lay = layout(doc)
    assert lay.skip_ranges == [(0, text.index("\n"))]
    assert len(lay.headline_ranges) == 1


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (["pantau_layout", "pantau_regions", "pantau_orgs"], "pantau_regions requires doc._.pantau_org"),
        (["pantau_layout", "pantau_orgs", "pantau_quotes"], "doc._.pantau_people"),
        (["pantau_layout", "pantau_percent", "pantau_worker_counts"], "pantau_amount_ranges"),
        (["pantau_layout", "pantau_layout"], "assigned by both"),
    ],
)
def test_pipeline_order_is_checked(order: list[str], message: str) -> None:
    pipeline = [(f"{name}_{i}" if order.count(name) > 1 else name, name) for i, name in
                enumerate(order)]  # fmt: skip
    nlp = PantauIndonesian()
    for name, factory in pipeline:
        nlp.add_pipe(factory, name=name)
    with pytest.raises(ValueError, match=message):
        check_pipeline(nlp)


def test_every_component_declares_what_it_reads_and_writes() -> None:
    nlp = build_pipeline()
    for name in nlp.pipe_names:
        meta = nlp.get_pipe_meta(name)
        assert meta.assigns, name
        assert name in {"pantau_layout", "pantau_orgs"} or "doc._.pantau_layout" in meta.requires


def test_reading_state_before_its_owner_ran_is_an_error() -> None:
    nlp = build_pipeline()
    doc = nlp.make_doc("Bupati Ende, Yosef Badeoda, hadir.")
    with pytest.raises(PipelineOrderError, match="pantau_org_entries is not set: pantau_orgs must"):
        nlp.get_pipe("pantau_regions")(doc)


def test_gazetteer_spans() -> None:
    doc = build_pipeline()("BPJAMSOSTEK dan Pemkab Sikka bertemu di Maumere.")
    orgs = {(s.text, s.kb_id_) for s in doc.spans["pantau_orgs"]}
    assert ("BPJAMSOSTEK", "BPJS Ketenagakerjaan") in orgs
    assert ("Pemkab", "Pemerintah Kabupaten") in orgs
    regions = {(s.text, s.kb_id_, s.label_) for s in doc.spans["pantau_regions"]}
    assert ("Sikka", "53.07", "kabupaten") in regions
    assert ("Maumere", "53.07", "town") in regions
    assert [r["name"] for r in doc._.pantau_facts["regions"]] == ["Sikka"]


@pytest.mark.parametrize(
    ("short", "full", "same"),
    [
        ("Melki", "Emanuel Melkiades Laka Lena", True),
        ("Melki Laka Lena", "Emanuel Melkiades Laka Lena", True),
        ("VBL", "Viktor Bungtilu Laiskodat", True),
        ("Falentinus", "Yosep Falentinus Delasalle Kebo", True),
        ("Yosep Khuabib", "Yosep Falentinus Delasalle Kebo", False),
        ("Mel", "Emanuel Melkiades Laka Lena", False),
        ("ABC", "Viktor Bungtilu Laiskodat", False),
    ],
)
def test_same_person(short: str, full: str, same: bool) -> None:
    assert same_person(short, full) is same


def test_thread_safe() -> None:
    texts = [
        f"Bupati Ende, Yosef Badeoda, menyerahkan kartu kepada {n}.000 pekerja rentan di "
        f"Aula Kantor Bupati Ende, Senin (15/9/2025). Anggaran Rp {n},5 miliar."
        for n in range(1, 9)
    ]
    sequential = [extract_facts(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(extract_facts, texts))
    assert parallel == sequential
    assert [f["worker_counts"][0]["value"] for f in parallel] == [n * 1000 for n in range(1, 9)]


def test_every_fact_carries_its_component_version() -> None:
    from extract.facts import extract_facts
    from extract.nlp import COMPONENT_VERSIONS

    text = (
        "Bupati Sleman, Harda Kiswaya, menyerahkan santunan Rp42 juta kepada 3 ahli waris di "
        'Sleman, Senin (6/10/2025). Cakupan naik 12 persen. "Kami lanjutkan," kata Harda.'
    )
    facts = extract_facts(text)
    seen = set()
    for field in ("officials", "worker_counts", "amounts", "percentages", "events", "regions"):
        for item in facts[field]:
            assert item["version"] == COMPONENT_VERSIONS[item["extractor"]], item
            seen.add(item["extractor"])
    assert {"pantau_officials", "pantau_regions", "pantau_rupiah"} <= seen


def test_cached_text_and_tokens_are_the_extensions() -> None:
    from extract.components.common import text_of, tokens

    doc = build_pipeline()("Bupati Ende, Yosef Badeoda, hadir (anak-anak/remaja).")
    assert text_of(doc) == doc._.pantau_text == doc.text
    toks = tokens(doc)
    assert toks is doc._.pantau_words
    assert toks.text == [t.text for t in doc]
    assert toks.idx == [t.idx for t in doc]
    assert toks.space == [bool(t.whitespace_) for t in doc]
