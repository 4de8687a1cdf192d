"""`pantau eval`: the gold corpus, its floors (extract/gold/baseline.json) and quote scoring.

The eval tests fail when the extractor regresses below a floor on the gold corpus, the seed
articles (skipped when ../shared is absent) or the demo articles.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.cli import cli
from pantau.evaluate import (
    BASELINE_FILE,
    FIELDS,
    GOLD_DIR,
    _score_quotes,
    evaluate,
    floors_for,
    read_demo_site,
    read_seeds_format,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEEDS = SHARED / "seeds"
NATIONAL_DEV = SHARED / "national-dev"
GOLD_NATIONAL = GOLD_DIR.parent / "gold_national"
BASELINE = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))
GOLD_KEYS = {"file", "published", "officials", "worker_counts", "amounts_idr", "percentages",
             "event_dates", "regions", "quotes"}  # fmt: skip


# --------------------------------------------------------------------------- the gold corpus


def test_gold_corpus_is_complete_and_its_evidence_is_in_the_text() -> None:
    facts_files = sorted(GOLD_DIR.glob("*.facts.json"))
    assert len(facts_files) >= 40
    for path in facts_files:
        gold = json.loads(path.read_text(encoding="utf-8"))
        assert set(gold) >= GOLD_KEYS, path.name
        text = (GOLD_DIR / gold["file"]).read_text(encoding="utf-8")
        for field in ("officials", "worker_counts", "amounts_idr", "percentages", "event_dates",
                      "quotes"):  # fmt: skip
            for item in gold[field]:
                assert item["evidence"] in text, (path.name, field, item["evidence"])
        for official in gold["officials"]:
            assert official["name"] in text and official["title"] in text, (path.name, official)


# --------------------------------------------------------------------------- floors


def _check(corpus: str, articles: list) -> None:
    report = evaluate(articles)
    failed = report.regressions(floors_for(BASELINE, corpus))
    assert not failed, f"{corpus}:\n{report.table()}\n" + "\n".join(failed)


def test_gold_scores_hold_their_floors() -> None:
    _check("gold", list(read_seeds_format(GOLD_DIR)))


def test_demo_scores_hold_their_floors() -> None:
    _check("demo", list(read_demo_site()))


def test_seed_scores_hold_their_floors() -> None:
    if not SEEDS.is_dir() or not list(SEEDS.glob("*.facts.json")):
        pytest.skip(f"no seed articles at {SEEDS}")
    _check("seeds", list(read_seeds_format(SEEDS)))


def test_national_dev_scores_hold_their_floors() -> None:
    if not NATIONAL_DEV.is_dir() or not list(NATIONAL_DEV.glob("*.facts.json")):
        pytest.skip(f"no national development set at {NATIONAL_DEV}")
    _check("national-dev", list(read_seeds_format(NATIONAL_DEV)))


def test_blind_national_round_holds_its_floors() -> None:
    assert len(list(GOLD_NATIONAL.glob("*.facts.json"))) >= 20
    _check("gold_national", list(read_seeds_format(GOLD_NATIONAL)))


def test_third_blind_round_holds_its_floors() -> None:
    """extract/gold_national/r3: 16 articles, scored once blind, then tuned on (see its README)."""
    assert len(list((GOLD_NATIONAL / "r3").glob("*.facts.json"))) >= 16
    _check("gold_national_r3", list(read_seeds_format(GOLD_NATIONAL / "r3")))


def test_fourth_blind_round_holds_its_floors() -> None:
    """extract/gold_national/r4: 16 articles, scored once blind, then tuned on (see its README)."""
    assert len(list((GOLD_NATIONAL / "r4").glob("*.facts.json"))) >= 16
    _check("gold_national_r4", list(read_seeds_format(GOLD_NATIONAL / "r4")))


def test_fifth_blind_round_holds_its_floors() -> None:
    """extract/gold_national/r5: 12 articles, scored once blind, then tuned on (see its README)."""
    assert len(list((GOLD_NATIONAL / "r5").glob("*.facts.json"))) >= 12
    _check("gold_national_r5", list(read_seeds_format(GOLD_NATIONAL / "r5")))


def test_baseline_covers_every_field() -> None:
    assert set(floors_for(BASELINE, "gold")["fields"]) == set(FIELDS)
    assert floors_for({"fields": {"amounts": {"f1": 0.5}}}, "anything")["fields"]
    assert floors_for(BASELINE, "unknown") == {}


# --------------------------------------------------------------------------- scoring


@pytest.mark.parametrize(
    ("predicted", "expected", "counts"),
    [
        ([{"text": "Kami hadir untuk pekerja", "speaker": "Wawan Burhanuddin"}],
         {("kami hadir", "wawan burhanuddin")}, (1, 0, 0)),
        ([{"text": "Kami hadir untuk pekerja", "speaker": "Melki Laka Lena"}],
         {("kami hadir", "wawan burhanuddin")}, (0, 1, 1)),
        ([{"text": "Desa harus hadir bagi warga", "speaker": None}],
         {("kami hadir", "wawan burhanuddin")}, (0, 1, 1)),
        ([], {("kami hadir", "wawan burhanuddin")}, (0, 0, 1)),
    ],
)  # fmt: skip
def test_quote_scoring(predicted: list, expected: set, counts: tuple[int, int, int]) -> None:
    assert _score_quotes(predicted, expected)[:3] == counts


def test_published_anchors_year_less_dates(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Peluncuran digelar di Aula Kantor Bupati Ende, Senin (29/12).")
    facts = {"event_dates": ["2025-12-29"], "published": "2026-01-02T10:00:00+08:00"}
    (tmp_path / "a.facts.json").write_text(json.dumps(facts))
    report = evaluate(read_seeds_format(tmp_path))
    assert report.fields["event_dates"].tp == 1
    assert "quotes" not in report.scored and "quotes" not in report.as_dict()["fields"]


# --------------------------------------------------------------------------- CLI


def test_cli_eval_gold_json_and_baseline_regression(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["eval", "--json", "--baseline", str(BASELINE_FILE)])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["articles"] >= 40 and set(scores["fields"]) == set(FIELDS)
    impossible = tmp_path / "floors.json"
    impossible.write_text(json.dumps({"gold": {"fields": {"quotes": {"f1": 1.01}}}}))
    result = runner.invoke(cli, ["eval", "--baseline", str(impossible)])
    assert result.exit_code == 1
    assert "regression: quotes.f1" in result.stderr


@pytest.mark.parametrize(
    ("corpus", "checked"),
    [("gold_national_r3", True), ("r3", True), ("another", False)],
)
def test_cli_eval_finds_the_floors_of_a_nested_round(
    tmp_path: Path, corpus: str, checked: bool
) -> None:
    """``--gold gold_national/r3`` is checked against ``r3`` or else ``gold_national_r3``; a
    corpus without floors says so on stderr instead of passing in silence."""
    folder = tmp_path / "gold_national" / "r3"
    folder.mkdir(parents=True)
    for src in sorted((GOLD_NATIONAL / "r3").glob("*.facts.json"))[:1]:
        (folder / src.name).write_bytes(src.read_bytes())
        txt = src.with_name(src.name.removesuffix(".facts.json") + ".txt")
        (folder / txt.name).write_bytes(txt.read_bytes())
    impossible = tmp_path / "floors.json"
    impossible.write_text(json.dumps({corpus: {"fields": {"amounts": {"f1": 1.01}}}}))
    result = CliRunner().invoke(cli, ["eval", "--gold", str(folder), "--baseline", str(impossible)])
    assert result.exit_code == (1 if checked else 0), result.output
    assert ("regression: amounts.f1" in result.stderr) == checked
    assert ("no floors for corpus 'r3'" in result.stderr) == (not checked)


def test_cli_eval_rejects_demo_with_gold(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "--demo", "--gold", str(tmp_path)])
    assert result.exit_code == 1 and "exclusive" in result.output
    result = CliRunner().invoke(cli, ["eval", "--gold", str(tmp_path)])
    assert result.exit_code == 1 and "no NAME.txt" in result.output
