"""Score the fact extractors against a gold corpus: per-field precision, recall and F1.

Two gold formats are read:

- a folder in the format of ``shared/seeds/``: ``NAME.txt`` (article text) beside
  ``NAME.facts.json``. Pantau's own gold corpus (``extract/gold/``, the default) uses it, with
  two optional keys the seeds lack: ``published`` (ISO date-time, anchors year-less dates such as
  "Senin (15/9)") and ``quotes`` (``[{"speaker", "evidence"}]``);
- the bundled demo site (``--demo``): each article's front matter carries its ``facts``.

Fields are compared as sets per article, micro-averaged over the corpus: officials by name,
worker counts, amounts and percentages by value, event dates by ISO date, regions by name,
quotes by (quote containing the gold evidence, speaker). A field is scored only on articles
whose gold lists it (the seeds have no ``quotes``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

FIELDS = (
    "officials",
    "worker_counts",
    "amounts",
    "percentages",
    "event_dates",
    "regions",
    "quotes",
)
GOLD_DIR = Path(__file__).resolve().parents[1] / "extract" / "gold"
BASELINE_FILE = GOLD_DIR / "baseline.json"


@dataclass
class GoldArticle:
    name: str
    text: str
    facts: dict[str, Any]
    published: datetime | None = None


def _values(items: Iterable[Any] | None, key: str = "value") -> list[Any]:
    return [i.get(key) if isinstance(i, dict) else i for i in items or []]


def _norm(text: str) -> str:
    return " ".join(str(text).casefold().split())


def gold_sets(facts: dict[str, Any]) -> dict[str, set[Any]]:
    """Normalise a gold facts mapping (seeds or demo front matter) into one set per field.

    ``quotes`` is present only when the gold lists quotes: a set of (evidence, speaker).
    """
    out: dict[str, set[Any]] = {
        "officials": {_norm(n) for n in _values(facts.get("officials"), "name") if n},
        "worker_counts": {int(v) for v in _values(facts.get("worker_counts"))},
        "amounts": {int(v) for v in _values(facts.get("amounts_idr") or facts.get("amounts"))},
        "percentages": {round(float(v), 2) for v in _values(facts.get("percentages"))},
        "event_dates": {str(v)[:10] for v in _values(facts.get("event_dates"))},
        "regions": {_norm(r) for r in _values(facts.get("regions"), "name") if r},
    }
    if "quotes" in facts:
        out["quotes"] = {
            (_norm(q["evidence"]), _norm(q.get("speaker") or "")) for q in facts["quotes"] or []
        }
    return out


def _score_quotes(
    predicted: list[dict[str, Any]], gold: set[tuple[str, str]]
) -> tuple[int, int, int, list[str], list[str]]:
    """(tp, fp, fn, missed, spurious): a gold quote is found when a predicted quote contains
    its evidence and names the same speaker."""
    pred = [(_norm(q.get("text", "")), _norm(q.get("speaker") or "")) for q in predicted]
    used: set[int] = set()
    tp, missed = 0, []
    for evidence, speaker in sorted(gold):
        hit = next((i for i, (t, _) in enumerate(pred) if i not in used and evidence in t), None)
        if hit is not None:
            used.add(hit)
            if pred[hit][1] == speaker:
                tp += 1
                continue
            missed.append(f"{evidence[:40]}… by {speaker} (got {pred[hit][1] or None})")
            continue
        missed.append(f"{evidence[:40]}… by {speaker} (not found)")
    spurious = [f"{t[:40]}… by {s or None}" for i, (t, s) in enumerate(pred) if i not in used]
    wrong_speaker = len(used) - tp
    return tp, len(spurious) + wrong_speaker, len(missed), missed, spurious


def predicted_sets(facts: dict[str, Any]) -> dict[str, set[Any]]:
    """Normalise :func:`extract.facts.extract_facts` output into one set per field."""
    return {
        "officials": {_norm(o["name"]) for o in facts.get("officials", []) if o.get("name")},
        "worker_counts": {int(c["value"]) for c in facts.get("worker_counts", [])},
        "amounts": {int(a["value"]) for a in facts.get("amounts", [])},
        "percentages": {round(float(p["value"]), 2) for p in facts.get("percentages", [])},
        "event_dates": {str(e["date"])[:10] for e in facts.get("events", []) if e.get("date")},
        "regions": {_norm(r["name"]) for r in facts.get("regions", []) if r.get("name")},
    }


@dataclass
class FieldScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    articles: int = 0
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    misses: list[dict[str, Any]] = field(default_factory=list)
    scored: set[str] = field(default_factory=set)  # fields some article's gold lists

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "fields": {
                name: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for name, s in self.fields.items()
                if name in self.scored
            },
        }

    def table(self) -> str:
        lines = [
            f"{'field':<14} {'precision':>9} {'recall':>7} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}"
        ]
        for name, s in self.fields.items():
            if name not in self.scored:
                lines.append(f"{name:<14} {'(not in gold)':>9}")
                continue
            lines.append(
                f"{name:<14} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f}"
                f" {s.tp:>5} {s.fp:>5} {s.fn:>5}"
            )
        lines.append(f"({self.articles} articles)")
        return "\n".join(lines)

    def regressions(self, baseline: dict[str, Any]) -> list[str]:
        """Fields whose precision/recall/F1 fell below the floors in ``baseline``
        (``{"fields": {field: {metric: floor}}}``, see :func:`floors_for`)."""
        out = []
        for name, floors in baseline.get("fields", {}).items():
            score = self.fields.get(name)
            if score is None or name not in self.scored:
                continue
            for metric, floor in floors.items():
                value = getattr(score, metric)
                if value + 1e-9 < float(floor):
                    out.append(f"{name}.{metric} = {value:.3f} < floor {float(floor):.3f}")
        return out


def floors_for(baseline: dict[str, Any], corpus: str) -> dict[str, Any]:
    """The floors for ``corpus`` ("gold", "demo" or a ``--gold`` folder's name such as "seeds")
    from a baseline file: either one ``{"fields": …}`` mapping for any corpus, or one per corpus
    (``{"gold": {"fields": …}, "seeds": {"fields": …}}``)."""
    if "fields" in baseline:
        return baseline
    floors: dict[str, Any] = baseline.get(corpus, {})
    return floors


def read_seeds_format(folder: Path) -> Iterator[GoldArticle]:
    for facts_file in sorted(folder.glob("*.facts.json")):
        text_file = facts_file.with_name(facts_file.name.removesuffix(".facts.json") + ".txt")
        if not text_file.exists():
            continue
        facts = json.loads(facts_file.read_text(encoding="utf-8"))
        published = None
        if facts.get("published"):
            published = datetime.fromisoformat(str(facts["published"]))
        yield GoldArticle(text_file.name, text_file.read_text(encoding="utf-8"), facts, published)


def read_demo_site() -> Iterator[GoldArticle]:
    from pantau.demosite import DemoSite

    for a in DemoSite().articles:
        yield GoldArticle(a.id, "\n\n".join(a.paragraphs), a.facts, a.published)


def evaluate(
    gold: Iterable[GoldArticle],
    extract: Callable[..., dict[str, Any]] | None = None,
) -> EvalReport:
    if extract is None:
        from extract.facts import extract_facts

        extract = extract_facts
    report = EvalReport()
    for article in gold:
        report.articles += 1
        facts = extract(article.text, published=article.published)
        predicted = predicted_sets(facts)
        expected = gold_sets(article.facts)
        for name in FIELDS:
            if name not in expected:
                continue
            report.scored.add(name)
            score = report.fields[name]
            if name == "quotes":
                found = facts.get("quotes", [])
                tp, fp, fn, missed, spurious = _score_quotes(found, expected[name])
                score.tp, score.fp, score.fn = score.tp + tp, score.fp + fp, score.fn + fn
                if missed or spurious:
                    report.misses.append(
                        {"article": article.name, "field": name, "missed": missed,
                         "spurious": spurious}
                    )  # fmt: skip
                continue
            p, e = predicted[name], expected[name]
            score.tp += len(p & e)
            score.fp += len(p - e)
            score.fn += len(e - p)
            if p != e:
                report.misses.append(
                    {
                        "article": article.name,
                        "field": name,
                        "missed": sorted(map(str, e - p)),
                        "spurious": sorted(map(str, p - e)),
                    }
                )
    return report
