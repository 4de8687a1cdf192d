"""Schemas of the vocabulary files in ``extract/data``, checked when a file is loaded.

Each file has a pydantic model (:data:`SCHEMAS`, by file name): a missing key, an unknown key
(a typo such as ``needs_qualifer``) or a value of the wrong type stops the pipeline from being
built with one message naming the file and the key. Beyond the shape, :func:`problems` lists what
a schema cannot see and a reader would not notice in 200 lines of YAML: an entry repeated in a
list, a head title or an alias given twice (the second silently replaces the first), a trigger
under two event types, a word in two lists that contradict each other (an honorific that is also
a degree), a weak trigger or noun that is no trigger or noun at all. ``load_data`` logs them;
``tests/extract/test_schemas.py`` asserts there are none.

Cleaning's files (``clean_*.yaml``, ``boilerplate.yaml``) belong to :mod:`extract.clean`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Words = list[str]


# --------------------------------------------------------------------------- positions.yaml


class Head(_Strict):
    title: str
    patterns: list[Words] = Field(min_length=1)
    org: str | None = None
    needs_qualifier: bool = False
    lowercase: bool = False


class Positions(_Strict):
    heads: list[Head]
    acting_prefixes: Words
    acting_long_forms: list[Words] = []
    title_words: Words
    portfolio_words: Words = []
    not_after: Words = []
    from_continuations: Words = []
    name_before_links: Words = []
    named_units: Words = []
    unit_expecting: Words
    subarea_units: Words = []
    place_compass_words: Words = []
    name_introducers: Words
    honorifics: Words
    degrees: Words
    name_particles: Words
    soft_stopwords: Words = []
    name_stopwords: Words


# --------------------------------------------------------------------------- orgs.yaml


class Org(_Strict):
    name: str
    aliases: Words = Field(min_length=1)
    level: str | None = None  # provinsi / kabupaten / kota: completed by a region
    offices: bool = False  # has branch offices named after places
    contains_region: bool = False  # an alias names a region ("Bank NTT")


class Orgs(_Strict):
    orgs: list[Org]


# --------------------------------------------------------------------------- the others


class Events(_Strict):
    triggers: dict[str, Words]
    weak_triggers: Words
    place_introducers: Words
    place_heads: Words
    area_heads: Words
    not_event_before: Words = []


class Layout(_Strict):
    abbreviations: Words
    furniture_lines: Words
    list_headers: Words = []
    datelines: Words = []
    headline_min_capital_share: float = Field(ge=0, le=1)
    headline_min_words: int = Field(ge=1)
    headline_max_words: int = Field(ge=1)


class Numbers(_Strict):
    units: dict[str, int]
    se_forms: dict[str, int]
    teen_word: str
    small_multipliers: dict[str, int]
    magnitudes: dict[str, int]
    approx_magnitudes: dict[str, int]
    decimal_word: str
    money_magnitudes: dict[str, int]


class WorkerCounts(_Strict):
    nouns: Words
    generic_nouns: Words
    weak_nouns: Words
    hypothetical_markers: Words = []
    quota_units: Words = []
    quota_before: Words = []
    range_words: Words = []
    not_people_after: dict[str, Words] = {}
    linking_words: Words = []
    qualifiers: dict[str, str | None]
    blocked_before: Words


class Amounts(_Strict):
    currency_prefixes: Words
    currency_suffixes: Words
    roles: dict[str, str]
    role_window: int = Field(ge=0)
    per: dict[str, str]
    per_fused: dict[str, str]


class Percentages(_Strict):
    signs: Words
    rhetorical_values: list[float] = []
    rhetorical_window: int = Field(default=2, ge=0)
    rhetorical_words: Words = []


class Quantities(_Strict):
    worker_counts: WorkerCounts
    amounts: Amounts
    percentages: Percentages


class Quotes(_Strict):
    after_verbs: Words
    before_verbs: Words
    pronouns: Words
    min_quote_chars: int = Field(ge=0)


class RegionRules(_Strict):
    prefixes: dict[str, Words]
    place_cues: Words
    subarea_prefixes: Words = []
    compass_words: Words = []
    kecamatan_cues: Words = []
    office_words: Words = []
    venue_heads: Words = []
    ethnic_before: Words = []


SCHEMAS: dict[str, type[BaseModel]] = {
    "positions.yaml": Positions,
    "orgs.yaml": Orgs,
    "events.yaml": Events,
    "layout.yaml": Layout,
    "numbers.yaml": Numbers,
    "quantities.yaml": Quantities,
    "quotes.yaml": Quotes,
    "region_rules.yaml": RegionRules,
}

# Lists of one file whose meanings exclude each other: a word in both is a contradiction.
DISJOINT: dict[str, list[tuple[str, str]]] = {
    "positions.yaml": [
        ("honorifics", "degrees"),  # before a name / after it
        ("honorifics", "name_particles"),  # dropped / part of the name ("da", "de")
        ("degrees", "name_particles"),
        ("name_particles", "name_stopwords"),
        ("name_introducers", "name_particles"),
        ("acting_prefixes", "honorifics"),
        ("name_before_links", "name_introducers"),
    ],
    "events.yaml": [("place_heads", "area_heads")],  # a venue / an area
    "quantities.yaml": [
        ("worker_counts.nouns", "worker_counts.generic_nouns"),
        ("worker_counts.nouns", "worker_counts.blocked_before"),
        ("amounts.currency_prefixes", "amounts.currency_suffixes"),
    ],
    "quotes.yaml": [("after_verbs", "pronouns"), ("before_verbs", "pronouns")],
    "region_rules.yaml": [
        ("prefixes.provinsi", "prefixes.kabupaten"),
        ("prefixes.provinsi", "prefixes.kota"),
        ("prefixes.kabupaten", "prefixes.kota"),
        ("subarea_prefixes", "prefixes.provinsi"),
        ("subarea_prefixes", "prefixes.kabupaten"),
        ("subarea_prefixes", "prefixes.kota"),
    ],
}
# (subset, superset) of one file: an entry of the first missing from the second does nothing.
SUBSETS: dict[str, list[tuple[str, str]]] = {
    "events.yaml": [("weak_triggers", "triggers.*")],
    "positions.yaml": [("soft_stopwords", "name_stopwords")],
    "quantities.yaml": [
        ("worker_counts.weak_nouns", "worker_counts.nouns|worker_counts.generic_nouns")
    ],
}


class DataFileError(ValueError):
    """A data file that does not fit its schema."""


def validate(path: Path, data: Any) -> None:
    """Raise :class:`DataFileError` when ``data`` (the YAML of ``path``) does not fit the schema
    of a file of that name; files without a schema (another folder's) pass."""
    schema = SCHEMAS.get(path.name)
    if schema is None:
        return
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataFileError(
            f"{path}: {where}: {first['msg']} ({exc.error_count()} problem(s))"
        ) from None


def _lists(data: Any, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """Every list of strings in ``data`` with its dotted path ("worker_counts.nouns")."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _lists(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list) and data and all(isinstance(x, str) for x in data):
        yield path, data


def _words(lists: dict[str, list[str]], spec: str) -> set[str]:
    """The entries of the lists ``spec`` names: "a|b" (either), "triggers.*" (every child)."""
    out: set[str] = set()
    for part in spec.split("|"):
        if part.endswith(".*"):
            prefix = part[:-1]
            out.update(w for k, v in lists.items() if k.startswith(prefix) for w in v)
        else:
            out.update(lists.get(part, []))
    return out


def problems(name: str, data: Any) -> list[str]:
    """Duplicates and overlaps in the data file ``name`` (see the module's docstring)."""
    out: list[str] = []
    lists = dict(_lists(data))
    for key, words in lists.items():
        repeated = sorted(w for w, n in Counter(words).items() if n > 1)
        if repeated:
            out.append(f"{name}: {key}: repeated {repeated}")
    for a, b in DISJOINT.get(name, []):
        both = sorted(set(lists.get(a, [])) & set(lists.get(b, [])))
        if both:
            out.append(f"{name}: {a} and {b} both hold {both}")
    for sub, sup in SUBSETS.get(name, []):
        dead = sorted(_words(lists, sub) - _words(lists, sup))
        if dead:
            out.append(f"{name}: {sub} not in {sup}: {dead}")
    if name == "positions.yaml":
        heads = data.get("heads", [])
        titles = Counter(h.get("title") for h in heads)
        out += [f"{name}: heads: title {t!r} given {n} times" for t, n in titles.items() if n > 1]
        owners: dict[tuple[str, ...], set[str]] = {}
        for h in heads:
            for pattern in h.get("patterns", []):
                owners.setdefault(tuple(pattern), set()).add(h.get("title"))
        out += [f"{name}: heads: pattern {list(p)} under {sorted(t)}"
                for p, t in owners.items() if len(t) > 1]  # fmt: skip
    if name == "orgs.yaml":
        orgs = data.get("orgs", [])
        names = Counter(o.get("name") for o in orgs)
        out += [f"{name}: org {n!r} given {c} times" for n, c in names.items() if c > 1]
        alias_of: dict[str, set[str]] = {}
        for o in orgs:
            for alias in o.get("aliases", []):
                alias_of.setdefault(alias, set()).add(o.get("name"))
        out += [f"{name}: alias {a!r} of {sorted(n)}" for a, n in alias_of.items() if len(n) > 1]
    if name == "events.yaml":
        types: dict[str, list[str]] = {}
        for etype, phrases in (data.get("triggers") or {}).items():
            for phrase in phrases:
                types.setdefault(phrase.lower(), []).append(etype)
        out += [f"{name}: trigger {p!r} under {t}" for p, t in types.items() if len(set(t)) > 1]
    return out


def all_problems(folder: Path) -> list[str]:
    """:func:`problems` of every file of ``folder`` that has a schema."""
    import yaml

    out: list[str] = []
    for name in sorted(SCHEMAS):
        with open(folder / name, encoding="utf-8") as fh:
            out += problems(
                name, yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            )
    return out


__all__ = ["SCHEMAS", "DataFileError", "all_problems", "problems", "validate"]
