"""Story clustering: articles reporting the same event, across outlets.

After every ingest batch, :func:`cluster_stories` recomputes the stories from all articles
(deterministic; one transaction). Two articles published at most :data:`STORY_WINDOW_DAYS`
apart are linked when

- ``text`` — their texts are near-duplicates: MinHash LSH (datasketch, word
  :data:`SHINGLE_WORDS`-grams, :data:`MINHASH_PERMUTATIONS` permutations) proposes candidates
  and the exact Jaccard similarity of the shingle sets must reach :data:`TEXT_JACCARD`; or
- ``shared_facts`` — they share at least :data:`MIN_SHARED_FACTS` distinctive facts with a
  total weight of at least :data:`MIN_FACT_WEIGHT`: the same official (resolved person), worker
  count, rupiah amount, percentage or dated event. A fact's weight is its inverse document
  frequency, ``log(N / df)``, so what every article says (the standard Rp16.800 premium, the
  head of the provincial office) counts for little; a fact found in more than
  :data:`MAX_FACT_SHARE` of the articles, or in more than :data:`MAX_FACT_ARTICLES`, counts
  for nothing; or
- ``override`` — the overrides file forces the pair (``stories.force``); ``stories.forbid``
  keeps two articles' clusters apart (see :mod:`kb.resolve` for the file).

Linked articles form a story (connected components, at least two articles). The earliest
published article is its ``original``; a later article whose text has Jaccard similarity of
at least :data:`SYNDICATED_JACCARD` with an earlier one is ``syndicated`` (a wire copy or a
press release reposted), with ``syndicated_of`` naming that earlier article. Story ids stay
stable across runs: a cluster keeps the id most of its articles already had.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from datasketch import MinHash, MinHashLSH
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from kb.models import (
    Amount,
    Article,
    Event,
    Mention,
    Outlet,
    Percentage,
    Person,
    Story,
    WorkerCount,
)
from kb.resolve import Clusters, Overrides

STORY_WINDOW_DAYS = 4  # follow-ups and late reposts come within days; a month later is news again
SHINGLE_WORDS = 3  # word 3-grams: robust to small edits, rare enough across unrelated articles
MINHASH_PERMUTATIONS = 128  # LSH recall at TEXT_JACCARD ≈ 0.99; 1 KiB per article in memory
TEXT_JACCARD = 0.3  # rewritten reports share < 0.15 of their 3-grams; copies with edits > 0.5
SYNDICATED_JACCARD = 0.6  # a wire copy or press-release repost: mostly the same text
MIN_SHARED_FACTS = 2  # one shared figure can be chance; two are the same event
MIN_FACT_WEIGHT = 3.0  # e.g. two facts each in ≤ 1/5 of the articles (log 5 ≈ 1.6)
MAX_FACT_SHARE = 0.25  # a fact in over a quarter of all articles says nothing about the event
MAX_FACT_ARTICLES = 200  # and one in more articles than this is no event's (pairs grow as n²)
SMALL_COUNT = 10  # counts below this ("dua orang", "11 ahli waris" aside) are too common


@dataclass
class Doc:
    id: int
    url: str
    outlet: str
    published: dt.datetime | None
    title: str
    shingles: set[str]
    facts: set[tuple[Any, ...]] = field(default_factory=set)


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def load_docs(conn: Connection) -> tuple[dict[int, Doc], dict[int, str]]:
    """Every article's shingles and facts; and the names of the (canonical) persons."""
    a, o = Article.__table__, Outlet.__table__
    docs: dict[int, Doc] = {}
    rows = conn.execute(
        select(a.c.id, a.c.url, o.c.name, a.c.published, a.c.title, a.c.text).select_from(
            a.outerjoin(o, o.c.id == a.c.outlet_id)
        )
    ).all()
    for aid, url, outlet, published, title, body in rows:
        docs[aid] = Doc(
            aid, url, outlet or "", _utc(published), title, shingles(f"{title}\n{body}")
        )
    m, p = Mention.__table__, Person.__table__
    people = conn.execute(select(p.c.id, p.c.canonical_id, p.c.name)).all()
    canonical = {pid: cid or pid for pid, cid, _ in people}
    names = {pid: name for pid, cid, name in people if cid is None}
    for aid, pid in conn.execute(select(m.c.article_id, m.c.person_id)):
        docs[aid].facts.add(("person", canonical.get(pid, pid)))
    for aid, value in conn.execute(select(WorkerCount.__table__.c.article_id, WorkerCount.value)):
        if value >= SMALL_COUNT:
            docs[aid].facts.add(("count", value))
    for aid, value in conn.execute(select(Amount.__table__.c.article_id, Amount.value)):
        docs[aid].facts.add(("amount", value))
    for aid, value in conn.execute(select(Percentage.__table__.c.article_id, Percentage.value)):
        docs[aid].facts.add(("percent", round(value, 2)))
    for aid, kind, day in conn.execute(
        select(Event.__table__.c.article_id, Event.type, Event.date).where(Event.date.is_not(None))
    ):
        docs[aid].facts.add(("event", kind, day))
    return docs, names


def _close(a: Doc, b: Doc) -> bool:
    if a.published is None or b.published is None:
        return True
    return abs(a.published - b.published) <= dt.timedelta(days=STORY_WINDOW_DAYS)


def _by_time(d: Doc) -> tuple[bool, dt.datetime, int]:
    """Undated articles first (they may pair with any article), then by publication time."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (d.published is not None, d.published or far, d.id)


def _pairs_in_window(ids: list[int], docs: dict[int, Doc]) -> list[tuple[int, int]]:
    """Pairs of ``ids`` (sorted by :func:`_by_time`) published at most the story window apart.

    A sweep over time, so a fact repeated all year (a standard premium, a regular official)
    yields pairs only among articles of the same few days, not n² pairs.
    """
    window = dt.timedelta(days=STORY_WINDOW_DAYS)
    undated = [i for i in ids if docs[i].published is None]
    dated = ids[len(undated) :]
    pairs = [(x, y) for k, x in enumerate(undated) for y in ids[k + 1 :]]
    for k, x in enumerate(dated):
        start = docs[x].published
        assert start is not None
        for y in dated[k + 1 :]:
            published = docs[y].published
            assert published is not None
            if published - start > window:
                break
            pairs.append((x, y))
    return pairs


def _minhash(d: Doc) -> MinHash:
    mh = MinHash(num_perm=MINHASH_PERMUTATIONS, seed=1)
    mh.update_batch([s.encode("utf-8") for s in d.shingles])
    return mh


def _text_candidates(docs: dict[int, Doc]) -> set[tuple[int, int]]:
    """Pairs whose MinHash signatures collide, among articles at most the window apart.

    The LSH index slides over time: an article is queried against those published in the
    window before it, then added; older ones leave the index. Undated articles are matched
    against every article.
    """
    window = dt.timedelta(days=STORY_WINDOW_DAYS)
    ordered = sorted(docs.values(), key=_by_time)
    hashes = {d.id: _minhash(d) for d in ordered}
    pairs: set[tuple[int, int]] = set()
    undated = [d.id for d in ordered if d.published is None]
    if undated:
        everything = MinHashLSH(threshold=TEXT_JACCARD, num_perm=MINHASH_PERMUTATIONS)
        for d in ordered:
            everything.insert(d.id, hashes[d.id])
        for i in undated:
            pairs.update((min(i, j), max(i, j)) for j in everything.query(hashes[i]) if j != i)
    lsh = MinHashLSH(threshold=TEXT_JACCARD, num_perm=MINHASH_PERMUTATIONS)
    recent: deque[Doc] = deque()
    for d in ordered:
        if d.published is None:
            continue
        while recent and d.published - recent[0].published > window:  # type: ignore[operator]
            lsh.remove(recent.popleft().id)
        pairs.update((min(d.id, j), max(d.id, j)) for j in lsh.query(hashes[d.id]))
        lsh.insert(d.id, hashes[d.id])
        recent.append(d)
    return pairs


@dataclass
class Link:
    a: int
    b: int
    rule: str
    weight: float
    detail: str


def find_links(
    docs: dict[int, Doc], overrides: Overrides, names: dict[int, str] | None = None
) -> tuple[list[Link], dict[str, Any]]:
    links: list[Link] = []
    by_url = {d.url: d.id for d in docs.values()}
    report: dict[str, Any] = {"unknown_override_urls": []}

    def pairs(raw: list[tuple[str, str]]) -> list[tuple[int, int]]:
        out = []
        for x, y in raw:
            missing = [u for u in (x, y) if u not in by_url]
            if missing:
                report["unknown_override_urls"].extend(missing)
            else:
                out.append((by_url[x], by_url[y]))
        return out

    for x, y in pairs(overrides.story_force):
        links.append(Link(min(x, y), max(x, y), "override", 100.0, "forced by the overrides file"))
    report["forbid"] = pairs(overrides.story_forbid)

    # text: MinHash LSH candidates, confirmed by exact Jaccard
    for x, y in sorted(_text_candidates(docs)):
        sim = jaccard(docs[x].shingles, docs[y].shingles)
        if sim >= TEXT_JACCARD:
            links.append(Link(x, y, "text", round(sim, 3), f"text similarity {sim:.2f}"))
    linked = {(lk.a, lk.b) for lk in links}

    # shared facts, weighted by inverse document frequency
    n = max(len(docs), 1)
    df = Counter(f for d in docs.values() for f in d.facts)
    weight = {
        f: math.log(n / c)
        for f, c in df.items()
        if 2 <= c <= MAX_FACT_ARTICLES and c / n <= MAX_FACT_SHARE
    }
    postings: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for d in sorted(docs.values(), key=_by_time):
        for f in d.facts:
            if f in weight:
                postings[f].append(d.id)
    shared: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
    for f, ids in postings.items():
        for x, y in _pairs_in_window(ids, docs):
            shared[(min(x, y), max(x, y))].append(f)
    for (x, y), facts in sorted(shared.items()):
        total = sum(weight[f] for f in facts)
        if len(facts) < MIN_SHARED_FACTS or total < MIN_FACT_WEIGHT or (x, y) in linked:
            continue
        named = ", ".join(
            _fact_label(f, names or {}) for f in sorted(facts, key=lambda f: -weight[f])[:4]
        )
        links.append(
            Link(x, y, "shared_facts", round(total, 2), f"{len(facts)} shared facts: {named}")
        )
    report["unknown_override_urls"] = sorted(set(report["unknown_override_urls"]))
    return links, report


def _fact_label(f: tuple[Any, ...], names: dict[int, str]) -> str:
    kind = f[0]
    if kind == "person":
        return names.get(f[1], f"person #{f[1]}")
    if kind == "amount":
        return f"Rp{f[1]:,}".replace(",", ".")
    if kind == "event":
        return f"{f[1]} on {f[2]}"
    if kind == "percent":
        return f"{f[1]}%"
    return f"{f[1]} people"


def cluster_stories(engine: Engine, overrides: Overrides | None = None) -> dict[str, Any]:
    """Recompute stories and the articles' story columns in one transaction."""
    overrides = overrides or Overrides()
    with engine.begin() as conn:
        docs, names = load_docs(conn)
        links, report = find_links(docs, overrides, names)
        clusters = Clusters(sorted(docs), report.pop("forbid"))
        rule_of: dict[int, tuple[str, float]] = {}
        similar: dict[int, dict[int, float]] = defaultdict(dict)  # text links, both directions
        for lk in links:
            if lk.rule == "text":
                similar[lk.a][lk.b] = similar[lk.b][lk.a] = lk.weight
        order = {"override": 0, "text": 1, "shared_facts": 2}
        for link in sorted(links, key=lambda lk: (order[lk.rule], -lk.weight, lk.a, lk.b)):
            if clusters.union(link.a, link.b):
                for end in (link.a, link.b):
                    rule_of.setdefault(end, (link.rule, link.weight))
        a, st = Article.__table__, Story.__table__
        previous = {
            r.id: (r.story_id, r.original, r.syndicated, r.syndicated_of, r.story_rule,
                   r.story_score)
            for r in conn.execute(
                select(a.c.id, a.c.story_id, a.c.original, a.c.syndicated, a.c.syndicated_of,
                       a.c.story_rule, a.c.story_score)
            )
        }  # fmt: skip
        old_stories = {r.id: r for r in conn.execute(select(st))}
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        wanted: dict[int, tuple[Any, ...]] = {aid: (None, False, False, None, None, None)
                                             for aid in docs}  # fmt: skip
        used_ids: set[int] = set()
        stories_rows: list[dict[str, Any]] = []
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        groups = [g for g in clusters.groups() if len(g) >= 2]
        for group in sorted(groups, key=min):
            members = sorted(group, key=lambda i: (docs[i].published or far, i))
            original = docs[members[0]]
            votes = Counter(previous[i][0] for i in members if previous[i][0] is not None)
            story_id = next(
                (sid for sid, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
                 if sid not in used_ids and sid in old_stories),
                None,
            )  # fmt: skip
            syndicated = 0
            position = {i: k for k, i in enumerate(members)}
            row_values: dict[int, tuple[Any, ...]] = {}
            for k, i in enumerate(members):
                doc = docs[i]
                score = round(jaccard(doc.shingles, original.shingles), 3)
                synd_of = None
                earlier = [(sim, -j) for j, sim in similar[i].items() if j in position
                           and position[j] < k and sim >= SYNDICATED_JACCARD]  # fmt: skip
                if earlier:
                    synd_of = -max(earlier)[1]
                    syndicated += 1
                rule = "original" if k == 0 else rule_of.get(i, ("shared_facts", 0.0))[0]
                row_values[i] = (k == 0, synd_of is not None, synd_of, rule, score)
            published = [docs[i].published for i in members if docs[i].published]
            values = {
                "title": original.title,
                "original_article_id": original.id,
                "first_published": min(published) if published else None,
                "last_published": max(published) if published else None,
                "articles": len(members),
                "outlets": len({docs[i].outlet for i in members}),
                "syndicated": syndicated,
            }
            if story_id is None:
                story_id = conn.execute(
                    insert(st).values(**values, updated_at=now)
                ).inserted_primary_key[0]  # noqa: E501
            else:
                old = old_stories[story_id]
                if any(_differs(getattr(old, k), v) for k, v in values.items()):
                    conn.execute(
                        update(st).where(st.c.id == story_id).values(**values, updated_at=now)
                    )
            used_ids.add(story_id)
            stories_rows.append(values)
            for i, vals in row_values.items():
                wanted[i] = (story_id, *vals)
        for aid, vals in sorted(wanted.items()):
            if _row_differs(previous[aid], vals):
                conn.execute(
                    update(a)
                    .where(a.c.id == aid)
                    .values(story_id=vals[0], original=vals[1], syndicated=vals[2],
                            syndicated_of=vals[3], story_rule=vals[4], story_score=vals[5])
                )  # fmt: skip
        stale = sorted(set(old_stories) - used_ids)
        if stale:
            conn.execute(delete(st).where(st.c.id.in_(stale)))
    rules = Counter(lk.rule for lk in links)
    return {
        "articles": len(docs),
        "stories": len(stories_rows),
        "in_stories": sum(r["articles"] for r in stories_rows),
        "syndicated": sum(r["syndicated"] for r in stories_rows),
        "links": dict(sorted(rules.items())),
        **report,
    }


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return _utc(old) != _utc(new)
    return bool(old != new)


def _row_differs(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return any(_differs(o, n) for o, n in zip(old, new, strict=True))
