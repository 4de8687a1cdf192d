"""The vocabulary files in extract/data fit their schemas and hold no duplicates or
contradictions; a bad file stops the pipeline with one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extract.components.common import DATA_DIR, load_data
from extract.schemas import SCHEMAS, DataFileError, all_problems, problems, validate


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_data_file_fits_its_schema(name: str) -> None:
    validate(DATA_DIR / name, yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")))


def test_data_files_have_no_duplicates_or_overlaps() -> None:
    assert all_problems(DATA_DIR) == []


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("positions.yaml", {"honorifics": ["Drs", "Drs"]}, "honorifics: repeated ['Drs']"),
        ("positions.yaml", {"honorifics": ["SE"], "degrees": ["SE"]},
         "honorifics and degrees both hold ['SE']"),
        ("positions.yaml", {"heads": [{"title": "Bupati", "patterns": [["bupati"]]},
                                      {"title": "Bupati", "patterns": [["bupati"]]}]},
         "title 'Bupati' given 2 times"),
        ("positions.yaml", {"heads": [{"title": "Kepala Cabang", "patterns": [["kacab"]]},
                                      {"title": "Kepala", "patterns": [["kacab"]]}]},
         "pattern ['kacab'] under ['Kepala', 'Kepala Cabang']"),
        ("positions.yaml", {"soft_stopwords": ["Minggu"], "name_stopwords": []},
         "soft_stopwords not in name_stopwords: ['Minggu']"),
        ("orgs.yaml", {"orgs": [{"name": "Bank NTT", "aliases": ["BPD"]},
                                {"name": "Bank BPD", "aliases": ["BPD"]}]},
         "alias 'BPD' of ['Bank BPD', 'Bank NTT']"),
        ("events.yaml", {"triggers": {"launch": ["peluncuran"], "mou": ["Peluncuran"]}},
         "trigger 'peluncuran' under ['launch', 'mou']"),
        ("events.yaml", {"triggers": {"launch": ["peluncuran"]}, "weak_triggers": ["santunan"]},
         "weak_triggers not in triggers.*: ['santunan']"),
    ],
)  # fmt: skip
def test_problems_are_reported(name: str, data: dict[str, object], problem: str) -> None:
    assert any(problem in p for p in problems(name, data)), problems(name, data)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(needs_qualifer=True), "needs_qualifer: Extra inputs"),
        (lambda d: d["name_stopwords"].append(False), "name_stopwords.\\d+: Input should be a valid string"),
        (lambda d: d.pop("honorifics"), "honorifics: Field required"),
        (lambda d: d["heads"][0].update(patterns=[]), "heads.0.patterns: List should have at least 1"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_clear_error(tmp_path: Path, edit: object, message: str) -> None:
    data = yaml.safe_load((DATA_DIR / "positions.yaml").read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path = tmp_path / "positions.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_data(str(path))


def test_yaml_booleans_are_caught() -> None:
    # "No" unquoted is False in YAML 1.1: a stop word that never matched ("Presiden No 4" read
    # as a person named No); the schema refuses it
    with pytest.raises(DataFileError, match="valid string"):
        validate(Path("positions.yaml"), {**load_data("positions.yaml"),
                                          "name_stopwords": yaml.safe_load("[Nomor, No]")})  # fmt: skip
