"""Person resolution: which names in the KB are the same person, and why.

Each distinct name the extractor reports is a ``person`` row; mentions point at it. After every
ingest batch, :func:`resolve_persons` recomputes (deterministically, from all mentions):

1. **positions** — ``position`` rows are re-derived from the mentions (title, organisation,
   region, first/last article date — the article's day in its outlet's time zone); rows no
   mention supports any more are removed, and so are person rows without any mention or quote
   (left over from an older extractor version).
2. **clusters** of names, by these rules, strongest first; each accepted merge is a
   ``person_merge`` row naming its rule, a score and the reason in words:

   - ``override_force`` — the overrides file says the two names are one person;
   - ``alias`` — the extractor listed one name as an alias of the other;
   - ``short_name`` — every token of the shorter name is, in order, a token of the longer one
     or a prefix of it (``Melki`` → ``Melkiades``; at least :data:`SHORT_NAME_MIN_PREFIX`
     letters; :func:`extract.names.name_fits`, the rule the extractor uses within an article),
     and both held the same position (role and region) — e.g. "Melki Laka Lena" and
     "Emanuel Melkiades Laka Lena", both Gubernur NTT. A shorter name that fits two different
     persons is left alone;
   - ``spelling`` — same number of tokens, the names' similarity (rapidfuzz ratio) at least
     :data:`SPELLING_MIN_SCORE`, every token pair at least :data:`SPELLING_TOKEN_MIN_SCORE` and
     starting with the same letter, and the two share a position or an organisation
     ("Wawan Burhanuddin" / "Wawan Burhauddin"; a shared region alone is not enough).

   The overrides file can also **forbid** a merge: no rule ever joins the clusters of a
   forbidden pair.
3. **canonical** names: in each cluster the fullest name (most tokens, then longest, then most
   mentioned, then alphabetical) is the canonical row (``canonical_id`` NULL); the others point
   at it, and its ``merged_names`` lists the cluster's other names (``aliases`` stays what the
   extractor said).

Nothing depends on the order names were stored in (person ids; issue 16: two processing
workers store pages in another order than one process): names are visited, compared and
chosen by name, never by id (:meth:`Name.rank`).

Cost is linear in the mentions: short-name candidates are looked up by (role, token prefix)
and spelling candidates compared within blocks of the same region or organisation, token count
and initials, never name against name.

The overrides file (YAML, default ``HOME/overrides.yaml``)::

    persons:
      force:                      # same person, whatever the rules say
        - [Melki Laka Lena, Emanuel Melkiades Laka Lena]
      forbid:                     # never the same person
        - [Andi Saputra, Andi Saputro]
    stories:                      # article URLs (see kb/stories.py)
      force:
        - [https://a.test/berita/1, https://b.test/berita/2]
      forbid: []
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import wilayah
from extract.names import MIN_PREFIX_CHARS, name_fits
from kb.models import Article, Mention, Outlet, Position

SHORT_NAME_MIN_PREFIX = MIN_PREFIX_CHARS  # "Melki" ↔ "Melkiades" (extract.names owns the rule)
SPELLING_MIN_SCORE = 90.0  # rapidfuzz ratio of whole names; "Burhanuddin"/"Burhauddin" ≈ 97
SPELLING_TOKEN_MIN_SCORE = 80.0  # each token pair; "Iriawan"/"Irawan" ≈ 92, "Saputra"/"Elu" ≈ 20
REGION_WORDS = {"provinsi", "prov", "kabupaten", "kab", "kota", "daerah", "ri"}
ABBREVIATION = re.compile(r"^[A-Z]{2,4}$")  # NTT, TTU, SBD … (region abbreviations in titles)


class OverridesError(ValueError):
    """The overrides file is malformed; the message names the bad key."""


@dataclass
class Overrides:
    """Pairs to force or forbid: persons by name, stories by article URL."""

    person_force: list[tuple[str, str]] = field(default_factory=list)
    person_forbid: list[tuple[str, str]] = field(default_factory=list)
    story_force: list[tuple[str, str]] = field(default_factory=list)
    story_forbid: list[tuple[str, str]] = field(default_factory=list)
    path: Path | None = None

    @classmethod
    def load(cls, path: str | Path | None) -> Overrides:
        """Read an overrides file; a missing file is no overrides."""
        if path is None or not Path(path).exists():
            return cls()
        path = Path(path)
        where = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise OverridesError(f"{where}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise OverridesError(f"{where}: expected a mapping with 'persons' and/or 'stories'")
        unknown = sorted(set(data) - {"persons", "stories"})
        if unknown:
            raise OverridesError(f"{where}: unknown key {unknown[0]!r} (persons, stories)")
        out = cls(path=path)
        for section in ("persons", "stories"):
            block = data.get(section) or {}
            if not isinstance(block, dict):
                raise OverridesError(f"{where}: {section}: expected a mapping (force, forbid)")
            bad = sorted(set(block) - {"force", "forbid"})
            if bad:
                raise OverridesError(f"{where}: {section}: unknown key {bad[0]!r} (force, forbid)")
            for kind in ("force", "forbid"):
                pairs = block.get(kind) or []
                if not isinstance(pairs, list):
                    raise OverridesError(f"{where}: {section}.{kind}: expected a list of pairs")
                prefix = {"persons": "person", "stories": "story"}[section]
                target = getattr(out, f"{prefix}_{kind}")
                for i, pair in enumerate(pairs):
                    ok = (
                        isinstance(pair, list)
                        and len(pair) == 2
                        and all(isinstance(x, str) and x.strip() for x in pair)
                    )
                    if not ok:
                        raise OverridesError(
                            f"{where}: {section}.{kind}[{i}]: expected a pair of two strings,"
                            f" got {pair!r}"
                        )
                    target.append((pair[0].strip(), pair[1].strip()))
        return out


# -- union-find with cannot-link constraints ---------------------------------------------------
class Clusters:
    """Disjoint sets of ids; a union that would join a forbidden pair is refused."""

    def __init__(self, ids: Iterable[int], forbid: Iterable[tuple[int, int]] = ()) -> None:
        self.parent = {i: i for i in ids}
        self.members: dict[int, set[int]] = {i: {i} for i in self.parent}
        self.forbid = [(a, b) for a, b in forbid if a in self.parent and b in self.parent]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def same(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def allowed(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        ma, mb = self.members[ra], self.members[rb]
        return not any((x in ma and y in mb) or (x in mb and y in ma) for x, y in self.forbid)

    def union(self, a: int, b: int) -> bool:
        """Join the sets of a and b; False if already joined or forbidden."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb or not self.allowed(a, b):
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra  # the root is the smallest id; the smaller set is copied
        small, big = sorted((self.members.pop(rb), self.members[ra]), key=len)
        big |= small
        self.members[ra] = big
        return True

    def groups(self) -> list[set[int]]:
        return [self.members[r] for r in sorted(self.members)]


# -- names and positions -----------------------------------------------------------------------
def tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^\w']+", name.lower()) if t]


def role(title: str, region: str | None, organization: str | None) -> str:
    """The role part of a title: "Gubernur NTT" and "Gubernur Nusa Tenggara Timur" → gubernur."""
    org_words = set(tokens(organization or ""))
    region_words = set(tokens(region or ""))
    kept = []
    for word in title.split():
        low = word.lower().strip(".,")
        if ABBREVIATION.match(word) and low not in org_words:
            continue
        if low in REGION_WORDS or low in region_words:
            continue
        kept.append(low)
    return " ".join(kept)


def short_name_of(short: list[str], long: list[str]) -> bool:
    """``short`` is a shorter form of ``long``: every token fits, in order, a distinct token of
    ``long`` (equal, or a prefix of :data:`SHORT_NAME_MIN_PREFIX` letters; no initials across
    articles)."""
    if not short or short == long or len(short) > len(long):
        return False
    return name_fits(short, long, ordered=True, initials=False)


def spelling_variant(a: list[str], b: list[str]) -> float | None:
    """Whole-name score when a and b are spelling variants (same token count), else None."""
    if len(a) != len(b) or a == b:
        return None
    for x, y in zip(a, b, strict=True):
        if x[0] != y[0] or fuzz.ratio(x, y) < SPELLING_TOKEN_MIN_SCORE:
            return None
    score = fuzz.ratio(" ".join(a), " ".join(b))
    return score if score >= SPELLING_MIN_SCORE else None


@dataclass
class Name:
    id: int
    name: str
    aliases: list[str]
    tokens: list[str]
    mentions: int = 0
    positions: set[tuple[str, str | None]] = field(default_factory=set)  # (role, region)
    titles: dict[tuple[str, str | None], str] = field(default_factory=dict)  # position → title
    organizations: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)

    def rank(self) -> tuple[int, int, int, str]:
        """Sort key, canonical first: the fullest name (most tokens, then longest, then most
        mentioned), then alphabetical (names are unique; the id is store order)."""
        return (-len(self.tokens), -len(self.name), -self.mentions, self.name)


def shared_position(a: Name, b: Name) -> tuple[str, str | None] | None:
    for r, region in sorted(a.positions, key=str):
        for r2, region2 in sorted(b.positions, key=str):
            if r and r == r2 and (region == region2 or region is None or region2 is None):
                return (r, region or region2)
    return None


def _describe(pos: tuple[str, str | None], a: Name, b: Name) -> str:
    titles = {t for (r, _), t in (a.titles | b.titles).items() if r == pos[0]}
    written = " / ".join(sorted(titles)) or pos[0]
    return f"{written} ({pos[1]})" if pos[1] else written


# -- the resolution run ------------------------------------------------------------------------
def _utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def table(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel class (typed: SQLModel does not declare ``__table__``)."""
    t: Table = model.__table__  # type: ignore[attr-defined]
    return t


def local_day(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> dt.date | None:
    """The publication day in ``zone`` — the outlet's (:func:`wilayah.zone_of` its region
    code); the default province's zone when None. Stored datetimes come back in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone or wilayah.DEFAULT_ZONE).date()


@dataclass
class _Seen:
    """One (person, title): its organisations and regions counted, first and last local day."""

    orgs: Counter[tuple[str | None, int | None]] = field(default_factory=Counter)
    regions: Counter[str | None] = field(default_factory=Counter)
    first: dt.date | None = None
    last: dt.date | None = None


def rederive_positions(conn: Connection) -> dict[str, int]:
    """Positions from mentions: one row per (person, title); stale rows removed. First and last
    seen are the articles' days in their outlets' zones (an outlet without a region code: the
    default province's)."""
    m, a, o, pos = table(Mention), table(Article), table(Outlet), table(Position)
    keys = (m.c.person_id, m.c.title, m.c.organization, m.c.organization_id, m.c.region,
            o.c.region_code)  # fmt: skip
    rows = conn.execute(
        select(*keys, func.count(), func.min(a.c.published), func.max(a.c.published))
        .select_from(m.join(a, a.c.id == m.c.article_id).outerjoin(o, o.c.id == a.c.outlet_id))
        .where(m.c.title.is_not(None), m.c.title != "")
        .group_by(*keys)
    ).all()  # one row per person, title and outlet zone: not one per mention
    zones: dict[str | None, dt.tzinfo] = {}
    agg: dict[tuple[int, str], _Seen] = {}
    for person_id, title, org, org_id, region, code, count, earliest, latest in rows:
        entry = agg.get((person_id, title))
        if entry is None:
            entry = agg[(person_id, title)] = _Seen()
        entry.orgs[(org, org_id)] += count
        entry.regions[region] += count
        zone = zones.get(code)
        if zone is None:
            zone = zones[code] = wilayah.zone_of(code)
        first, last = local_day(earliest, zone), local_day(latest, zone)
        if first and last:
            entry.first = first if entry.first is None else min(entry.first, first)
            entry.last = last if entry.last is None else max(entry.last, last)
    existing = {(r.person_id, r.title): r for r in conn.execute(select(pos)).all()}
    stats = {"added": 0, "updated": 0, "removed": 0}
    for key, entry in sorted(agg.items()):
        (org, org_id), _ = max(entry.orgs.items(), key=lambda kv: (kv[1], str(kv[0])))
        region, _ = max(entry.regions.items(), key=lambda kv: (kv[1], str(kv[0])))
        values = {
            "organization": org,
            "organization_id": org_id,
            "region": region,
            "first_seen": entry.first,
            "last_seen": entry.last,
        }
        row = existing.pop(key, None)
        if row is None:
            conn.execute(insert(pos).values(person_id=key[0], title=key[1], **values))
            stats["added"] += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            conn.execute(update(pos).where(pos.c.id == row.id).values(**values))
            stats["updated"] += 1
    for row in existing.values():
        conn.execute(delete(pos).where(pos.c.id == row.id))
        stats["removed"] += 1
    return stats


def _load_names(conn: Connection) -> dict[int, Name]:
    names: dict[int, Name] = {}
    for pid, name, aliases in conn.execute(text("SELECT id, name, aliases FROM person")).all():
        try:
            alias_list = [a for a in json.loads(aliases or "[]") if isinstance(a, str)]
        except ValueError:
            alias_list = []
        names[pid] = Name(pid, name, alias_list, tokens(name))
    roles: dict[tuple[str, str | None, str | None], str] = {}
    for pid, title, org, region, count in conn.execute(
        text(
            "SELECT person_id, title, organization, region, count(*) FROM mention"
            " GROUP BY person_id, title, organization, region"
        )
    ).all():
        n = names.get(pid)
        if n is None:
            continue
        n.mentions += count
        if title:
            r = roles.get((title, region, org))
            if r is None:
                r = roles[(title, region, org)] = role(title, region, org)
            key = (r, region)
            n.positions.add(key)
            n.titles[key] = min(title, n.titles.get(key, title))
        if org:
            n.organizations.add(org)
        if region:
            n.regions.add(region)
    return names


@dataclass
class Merge:
    a: int  # of the two names, the first in alphabetical order (not the lower id: store order)
    b: int
    rule: str
    score: float
    detail: str


def find_merges(
    names: dict[int, Name], overrides: Overrides
) -> tuple[Clusters, list[Merge], dict[str, Any]]:
    """Cluster the names by the rules; return the clusters, accepted merges and a report."""
    by_name = {n.name: n.id for n in names.values()}
    report: dict[str, Any] = {"unknown_override_names": []}

    def ids(pairs: list[tuple[str, str]]) -> list[tuple[int, int]]:
        out = []
        for x, y in pairs:
            missing = [v for v in (x, y) if v not in by_name]
            if missing:
                report["unknown_override_names"].extend(missing)
                continue
            out.append((by_name[x], by_name[y]))
        return out

    clusters = Clusters(sorted(names), ids(overrides.person_forbid))
    merges: list[Merge] = []
    refused = 0

    def join(a: int, b: int, rule: str, score: float, detail: str) -> None:
        nonlocal refused
        if clusters.same(a, b):
            return
        if clusters.union(a, b):
            first, second = sorted((a, b), key=lambda i: names[i].name)
            merges.append(Merge(first, second, rule, round(score, 1), detail))
        else:
            refused += 1

    for a, b in ids(overrides.person_force):
        join(a, b, "override_force", 100.0, "forced by the overrides file")

    for n in sorted(names.values(), key=lambda n: n.name):
        for alias in n.aliases:
            other = by_name.get(alias)
            if other is not None and other != n.id:
                join(n.id, other, "alias", 100.0, f"the extractor gave {alias!r} as an alias")

    # short_name: candidates share a (role, region) position; longest short names first. A
    # longer name the short one fits has a token starting with the short name's first token's
    # first SHORT_NAME_MIN_PREFIX letters: candidates are looked up by (role, that prefix).
    by_key: dict[tuple[str, str], list[Name]] = defaultdict(list)
    for n in names.values():
        for r in {r for r, _ in n.positions if r}:
            for tok in set(n.tokens):
                by_key[(r, tok[:SHORT_NAME_MIN_PREFIX])].append(n)
    for n in sorted(names.values(), key=lambda n: (-len(n.tokens), n.name)):
        if not n.tokens:
            continue
        fits: dict[int, tuple[Name, tuple[str, str | None]]] = {}
        for r in sorted({r for r, _ in n.positions if r}):
            for cand in by_key.get((r, n.tokens[0][:SHORT_NAME_MIN_PREFIX]), ()):
                if cand.id == n.id or cand.id in fits or not short_name_of(n.tokens, cand.tokens):
                    continue
                pos = shared_position(n, cand)
                if pos:
                    fits[cand.id] = (cand, pos)
        roots = {clusters.find(i) for i in fits}
        if len(roots) != 1:
            continue  # no candidate, or ambiguous: two different persons fit
        longer, pos = min(fits.values(), key=lambda fit: fit[0].rank())
        join(
            n.id,
            longer.id,
            "short_name",
            fuzz.token_set_ratio(n.name, longer.name),
            f"{n.name!r} is a short form of {longer.name!r}; both {_describe(pos, n, longer)}",
        )

    # spelling: compare names within blocks sharing a region or an organisation, the token
    # count and the initials (spelling_variant needs both: no pair across blocks could match).
    blocks: dict[tuple[str, str], set[int]] = defaultdict(set)
    for n in names.values():
        initials = "".join(t[0] for t in n.tokens)
        for value in n.regions | n.organizations:
            blocks[(value, initials)].add(n.id)
    seen_pairs: set[tuple[int, int]] = set()
    for key in sorted(blocks):
        members = sorted(blocks[key], key=lambda i: names[i].name)
        if len(members) < 2:
            continue
        strings = [" ".join(names[i].tokens) for i in members]
        matrix = process.cdist(strings, strings, scorer=fuzz.ratio, score_cutoff=SPELLING_MIN_SCORE)
        for x, y in np.argwhere(np.triu(matrix > 0, 1)).tolist():
            na, nb = names[members[x]], names[members[y]]
            if (na.id, nb.id) in seen_pairs:
                continue
            seen_pairs.add((na.id, nb.id))
            score = spelling_variant(na.tokens, nb.tokens)
            if score is None:
                continue
            pos = shared_position(na, nb)
            orgs = sorted(na.organizations & nb.organizations)
            if pos is None and not orgs:
                continue  # a shared region alone is too broad: two people may be alike
            shared = f"both {_describe(pos, na, nb)}" if pos else f"both with {orgs[0]}"
            join(
                na.id,
                nb.id,
                "spelling",
                score,
                f"{na.name!r} and {nb.name!r} differ only in spelling (similarity"
                f" {score:.0f}); {shared}",
            )
    report["refused_by_overrides"] = refused
    report["unknown_override_names"] = sorted(set(report["unknown_override_names"]))
    return clusters, merges, report


def resolve_persons(engine: Engine, overrides: Overrides | None = None) -> dict[str, Any]:
    """Re-derive positions and resolve persons, in one transaction; return a report."""
    overrides = overrides or Overrides()
    with engine.begin() as conn:
        positions = rederive_positions(conn)
        orphans = (
            conn.execute(
                text(
                    "SELECT id FROM person WHERE id NOT IN (SELECT person_id FROM mention)"
                    " AND id NOT IN (SELECT person_id FROM quote WHERE person_id IS NOT NULL)"
                )
            )
            .scalars()
            .all()
        )
        if orphans:
            conn.execute(text("UPDATE person SET canonical_id = NULL"))
            conn.execute(text("DELETE FROM person_merge"))
            for pid in orphans:
                conn.execute(text("DELETE FROM person WHERE id = :id"), {"id": pid})
        names = _load_names(conn)
        clusters, merges, report = find_merges(names, overrides)
        canonical: dict[int, int | None] = {}
        merged: dict[int, str] = {}
        for group in clusters.groups():
            head = min((names[i] for i in group), key=Name.rank)
            cluster_names = {names[i].name for i in group}
            for i in group:
                canonical[i] = None if i == head.id else head.id
            for i in group:
                others = sorted(cluster_names - {names[i].name}) if i == head.id else []
                merged[i] = json.dumps(others, ensure_ascii=False)
        now = _utcnow()
        old = {
            (r.person_id, r.other_id, r.rule, r.score, r.detail)
            for r in conn.execute(
                text("SELECT person_id, other_id, rule, score, detail FROM person_merge")
            ).all()
        }
        decided = [(m.a, m.b, m.rule, m.score, m.detail) for m in merges]
        new = set(decided)
        if old != new:
            conn.execute(text("DELETE FROM person_merge"))
            for m in decided:  # in the order decided (by the rules and names, not ids)
                conn.execute(
                    text(
                        "INSERT INTO person_merge (person_id, other_id, rule, score, detail,"
                        " decided_at) VALUES (:a, :b, :rule, :score, :detail, :at)"
                    ),
                    {"a": m[0], "b": m[1], "rule": m[2], "score": m[3], "detail": m[4], "at": now},
                )
        stored = {
            r[0]: (r[1], r[2])
            for r in conn.execute(text("SELECT id, canonical_id, merged_names FROM person"))
        }
        for pid in sorted(names):
            current = stored[pid]
            if current != (canonical[pid], merged[pid]):
                conn.execute(
                    text("UPDATE person SET canonical_id = :c, merged_names = :m WHERE id = :id"),
                    {"c": canonical[pid], "m": merged[pid], "id": pid},
                )
    rules = Counter(m.rule for m in merges)
    return {
        "names": len(names),
        "persons": sum(1 for c in canonical.values() if c is None),
        "merges": dict(sorted(rules.items())),
        "orphans_removed": len(orphans),
        "positions": positions,
        **report,
    }
