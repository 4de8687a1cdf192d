"""The spaCy pipeline for fact extraction: rules, gazetteers and parsers, no trained model.

spaCy has no trained Indonesian pipeline (and model weights cannot be fetched here), so the
pipeline is ``spacy.blank("id")`` (Indonesian tokenizer) plus Pantau's registered components.
The pipeline is data: component names and their configs are listed in :data:`PIPELINE`, and
every component reads its vocabulary from ``extract/data/*.yaml``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spacy.lang.id import Indonesian
from spacy.language import Language

from . import components  # noqa: F401  - registers the pantau_* factories

# (factory name, config overrides). Order matters: layout first (sentences, furniture), the
# gazetteers before the extractors that read their spans, money/percent before worker counts
# (which must not reuse their numbers), officials before quotes (speaker resolution).
#
# Each fact records the version of the component that made it (``COMPONENT_VERSIONS``): bump a
# component's version when its output can change, and ``extract.facts.EXTRACTOR_VERSION`` with
# it (that one decides which stored pages are re-extracted).
COMPONENT_VERSIONS: dict[str, str] = {
    "pantau_regions": "0.3.1",  # national gazetteer (wilayah), datelines, office names
    "pantau_rupiah": "0.3.1",  # implausible numbers rejected
    "pantau_percent": "0.3.1",
    "pantau_worker_counts": "0.3.1",
    "pantau_officials": "0.3.1",  # national nomenclature, initials, coordinated officials
    "pantau_quotes": "0.2.1",
    "pantau_events": "0.3.0",  # publication stamps, long captions are not headlines
}
PIPELINE: list[tuple[str, dict[str, Any]]] = [
    ("pantau_layout", {}),
    ("pantau_orgs", {}),
    ("pantau_regions", {"version": COMPONENT_VERSIONS["pantau_regions"]}),
    ("pantau_rupiah", {"version": COMPONENT_VERSIONS["pantau_rupiah"]}),
    ("pantau_percent", {"version": COMPONENT_VERSIONS["pantau_percent"]}),
    ("pantau_worker_counts", {"version": COMPONENT_VERSIONS["pantau_worker_counts"]}),
    ("pantau_officials", {"version": COMPONENT_VERSIONS["pantau_officials"]}),
    ("pantau_quotes", {"version": COMPONENT_VERSIONS["pantau_quotes"]}),
    ("pantau_events", {"version": COMPONENT_VERSIONS["pantau_events"]}),
]


class _PantauIndonesianDefaults(Indonesian.Defaults):  # type: ignore[misc,valid-type]
    # Quotes glued to words when a space was lost ("Bone Bolango,”ungkap", "dia.”Kami"): split
    # them off, or the place or name before them is one token with the next word. Given to the
    # tokenizer when it is built: setting infixes afterwards reloads its 16k exceptions again.
    infixes = [
        *Indonesian.Defaults.infixes,
        r"(?<=[\w.,!?])[”“\"](?=\w)",
        r"(?<=\w)[,.](?=[”“\"]\w)",
    ]


class PantauIndonesian(Indonesian):  # type: ignore[misc,valid-type]
    """``spacy.blank("id")`` with Pantau's extra tokenizer infixes."""

    Defaults = _PantauIndonesianDefaults


def create_pipeline(pipeline: list[tuple[str, dict[str, Any]]] | None = None) -> Language:
    """A fresh pipeline (use :func:`build_pipeline` for the shared cached one)."""
    nlp = PantauIndonesian()
    for name, config in pipeline or PIPELINE:
        nlp.add_pipe(name, config=config)
    return nlp


@lru_cache(maxsize=1)
def build_pipeline() -> Language:
    """The shared extraction pipeline, built once per process."""
    return create_pipeline()
