"""Story clustering: articles reporting the same event, across outlets.

After every ingest batch, :func:`cluster_stories` recomputes the stories from all articles
(deterministic; one transaction). Two articles published at most :data:`STORY_WINDOW_DAYS`
apart are linked when

- ``text`` — their texts are near-duplicates: the Jaccard similarity of their word
  :data:`SHINGLE_WORDS`-gram sets reaches :data:`TEXT_JACCARD`. It is estimated from MinHash
  signatures (:data:`MINHASH_PERMUTATIONS` of datasketch's permutations, computed with numpy for
  all articles at once); candidates come from LSH bands of the signatures, compared only with
  articles published in the window around them; pairs whose estimate is within
  :data:`EXACT_MARGIN` of a threshold are measured exactly; or
- ``shared_facts`` — they share at least :data:`MIN_SHARED_FACTS` distinctive facts with a
  total weight of at least :data:`MIN_FACT_WEIGHT`: the same official (resolved person), worker
  count, rupiah amount, percentage or dated event. A fact's weight is its inverse document
  frequency, ``log(N / df)``, so what every article says (the standard Rp16.800 premium, the
  head of the provincial office) counts for little; a fact found in more than
  :data:`MAX_FACT_SHARE` of the articles, or in more than :data:`MAX_FACT_ARTICLES`, counts
  for nothing; or
- ``override`` — the overrides file forces the pair (``stories.force``); ``stories.forbid``
  keeps two articles' clusters apart (see :mod:`kb.resolve` for the file).

Each article keeps at most :data:`MAX_NEIGHBOURS` links (its strongest). Linked articles form
a story — not by chaining (A like B, B like C, … joined every article of a templated corpus
into one story): two groups join, strongest link first, only when at least
:data:`MIN_LINKED_SHARE` of their article pairs are linked (average linkage) and the joined
story spans at most :data:`STORY_SPAN_DAYS`. A story has at least two articles. The earliest
published article is its ``original``; a later article whose text has Jaccard similarity of
at least :data:`SYNDICATED_JACCARD` with an earlier one is ``syndicated`` (a wire copy or a
press release reposted), with ``syndicated_of`` naming that earlier article (the most similar;
the earliest of equals). Story ids stay stable across runs: a cluster keeps the id most of its
articles already had.

No result depends on the order articles were stored in (issue 16: two processing workers store
pages in another order than one process, so ids differ): every tie — between articles of the
same publication time, between links of the same rule and weight, in the order links are
capped and groups joined — is broken by the articles' canonical URLs (unique), never by id
(:func:`_by_time`, :func:`_link_order`). Only the story ids themselves may differ.

Cost is linear in the articles (for a steady number of articles a day): each article is
shingled and signed once, compared with its LSH neighbours in the window, and the grouping
touches each link once per pass.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from datasketch import MinHash
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from kb.models import (
    Amount,
    Article,
    Event,
    ExtractionRun,
    Mention,
    Outlet,
    Percentage,
    Person,
    Story,
    WorkerCount,
)
from kb.resolve import Clusters, Overrides, table

STORY_WINDOW_DAYS = 4  # follow-ups and late reposts come within days; a month later is news again
STORY_SPAN_DAYS = STORY_WINDOW_DAYS  # first to last article of a story: every pair in the window
SHINGLE_WORDS = 3  # word 3-grams: robust to small edits, rare enough across unrelated articles
MINHASH_PERMUTATIONS = 128  # estimate's standard error ≤ 0.045; 512 bytes per article
LSH_ROWS = 2  # 64 bands of 2 rows: a pair at Jaccard 0.3 is a candidate with p > 0.99
TEXT_JACCARD = 0.3  # rewritten reports share < 0.15 of their 3-grams; copies with edits > 0.5
SYNDICATED_JACCARD = 0.6  # a wire copy or press-release repost: mostly the same text
EXACT_MARGIN = 0.12  # ~2.5 standard errors: estimates this close to a threshold are measured
MIN_SHARED_FACTS = 2  # one shared figure can be chance; two are the same event
MIN_FACT_WEIGHT = 3.0  # e.g. two facts each in ≤ 1/5 of the articles (log 5 ≈ 1.6)
MAX_FACT_SHARE = 0.25  # a fact in over a quarter of all articles says nothing about the event
MAX_FACT_ARTICLES = 200  # and one in more articles than this is no event's (pairs grow as n²)
SMALL_COUNT = 10  # counts below this ("dua orang", "11 ahli waris" aside) are too common
# An article's strongest links kept (of either end: ~2× as many on average). A story joins
# groups linked on half their pairs, so this carries stories of ~30 articles in a window — the
# biggest demo/NTT stories have about a dozen; beyond it the links are a template or a whole
# outlet's boilerplate (every article of the templated bench corpus is like every other),
# and the cost of grouping grows with them.
MAX_NEIGHBOURS = 16
# LSH bucket neighbours compared per article and band, in time order: copies of one story meet
# in many of the 64 bands (and by their facts), so 8 find its pairs (the realistic bench's text
# links are the same as with 16); a bigger bucket in one window is a template or boilerplate.
MAX_BUCKET_NEIGHBOURS = 8
MIN_LINKED_SHARE = 0.5  # two groups join when half their article pairs are linked
JOIN_PASSES = 3  # links refused early may pass once their groups have grown; then stable
IN_CHUNK = 900  # ids per "IN (…)" list: below SQLite's oldest limit of 999 variables
SIGN_CHUNK = 64  # articles signed per numpy batch (≈ 6 MiB of permuted hashes: in cache)

_MAX_HASH = np.uint64((1 << 32) - 1)
_WORD = re.compile(r"\w+")
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]


@dataclass
class Doc:
    id: int
    url: str
    outlet: str
    published: dt.datetime | None
    title: str
    shingles: U32  # sorted unique 32-bit hashes of the word shingles
    facts: set[tuple[Any, ...]] = field(default_factory=set)


class Hasher:
    """Word shingles as 32-bit hashes (deterministic across runs: CRC-32 of each word, mixed)."""

    def __init__(self) -> None:
        self.words: dict[str, int] = {}

    def shingles(self, text: str, size: int = SHINGLE_WORDS) -> U32:
        words = _WORD.findall(text.lower())
        cache = self.words
        ids = list(map(cache.get, words))
        if None in ids:
            for w in words:
                if w not in cache:
                    cache[w] = zlib.crc32(w.encode("utf-8"))
            ids = list(map(cache.__getitem__, words))
        v = np.array(ids, dtype=np.uint64)
        if len(v) == 0:
            return np.zeros(0, dtype=np.uint32)
        if len(v) < size:
            h64 = np.array([np.bitwise_xor.reduce(v * _MIXERS[: len(v)])], dtype=np.uint64)
        else:
            n = len(v) - size + 1
            h64 = np.zeros(n, dtype=np.uint64)
            for k in range(size):
                h64 ^= v[k : k + n] * _MIXERS[k]
        return _unique((h64 >> np.uint64(29)).astype(np.uint32) ^ h64.astype(np.uint32))


# odd 64-bit multipliers, one per word position in a shingle (wrapping multiplication)
_MIXERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                    0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)  # fmt: skip


def _unique(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted unique values (by sorting: numpy's hash-based ``unique`` is slower here)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def shingles(text: str, size: int = SHINGLE_WORDS) -> U32:
    """The shingle hashes of one text (see :class:`Hasher`)."""
    return Hasher().shingles(text, size)


def jaccard(a: U32, b: U32) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if not len(a) or not len(b):
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def signatures(docs: list[Doc]) -> U32:
    """MinHash signatures (rows) of the docs, numpy in batches: one permutation of the 32-bit
    shingle hashes per column, ``a·x + b mod 2³²`` (``a`` odd: a bijection; the shingle hashes
    are already mixed), with ``a`` and ``b`` from datasketch's permutation seeds."""
    a, b = (p.astype(np.uint32) for p in MinHash(num_perm=MINHASH_PERMUTATIONS, seed=1)
            .permutations)  # fmt: skip
    a |= np.uint32(1)
    out = np.full((len(docs), MINHASH_PERMUTATIONS), _MAX_HASH, dtype=np.uint32)
    for first in range(0, len(docs), SIGN_CHUNK):
        chunk = [d.shingles for d in docs[first : first + SIGN_CHUNK]]
        rows = [k for k, sh in enumerate(chunk) if len(sh)]
        if not rows:
            continue
        hv = np.concatenate([chunk[k] for k in rows])
        starts = np.cumsum([0] + [len(chunk[k]) for k in rows[:-1]])
        phv = hv[:, None] * a
        phv += b
        out[first + np.array(rows)] = np.minimum.reduceat(phv, starts, axis=0)
    return out


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def load_docs(
    conn: Connection, scope: set[int] | None = None
) -> tuple[dict[int, Doc], dict[int, str], dict[tuple[Any, ...], float]]:
    """The articles of ``scope`` (None: all) with shingles and facts; the names of the
    (canonical) persons; and every fact's weight (from all articles' facts, see
    :func:`fact_weights`)."""
    a, o = table(Article), table(Outlet)
    docs: dict[int, Doc] = {}
    hasher = Hasher()
    query = select(a.c.id, a.c.url, o.c.name, a.c.published, a.c.title, a.c.text).select_from(
        a.outerjoin(o, o.c.id == a.c.outlet_id)
    )
    chunks = [None] if scope is None else [sorted(scope)[k : k + IN_CHUNK]
                                           for k in range(0, len(scope), IN_CHUNK)]  # fmt: skip
    for chunk in chunks:
        where = query if chunk is None else query.where(a.c.id.in_(chunk))
        for aid, url, outlet, published, title, body in conn.execute(where):
            docs[aid] = Doc(
                aid, url, outlet or "", _utc(published), title, hasher.shingles(f"{title}\n{body}")
            )
    facts: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    m, p = table(Mention), table(Person)
    people = conn.execute(select(p.c.id, p.c.canonical_id, p.c.name)).all()
    canonical = {pid: cid or pid for pid, cid, _ in people}
    names = {pid: name for pid, cid, name in people if cid is None}
    for aid, pid in conn.execute(select(m.c.article_id, m.c.person_id)):
        facts[aid].add(("person", canonical.get(pid, pid)))
    wc, am, pc, ev = table(WorkerCount), table(Amount), table(Percentage), table(Event)
    for aid, value in conn.execute(select(wc.c.article_id, wc.c.value)):
        if value >= SMALL_COUNT:
            facts[aid].add(("count", value))
    for aid, value in conn.execute(select(am.c.article_id, am.c.value)):
        facts[aid].add(("amount", value))
    for aid, value in conn.execute(select(pc.c.article_id, pc.c.value)):
        facts[aid].add(("percent", round(value, 2)))
    for aid, kind, day in conn.execute(
        select(ev.c.article_id, ev.c.type, ev.c.date).where(ev.c.date.is_not(None))
    ):
        facts[aid].add(("event", kind, day))
    for aid, doc in docs.items():
        doc.facts = facts.get(aid, set())
    total = conn.execute(select(func.count()).select_from(a)).scalar_one()
    return docs, names, fact_weights(facts.values(), total)


def fact_weights(
    facts: Iterable[set[tuple[Any, ...]]], articles: int
) -> dict[tuple[Any, ...], float]:
    """Each distinctive fact's inverse document frequency ``log(N / df)`` over all articles
    (facts in one article, more than :data:`MAX_FACT_ARTICLES` or :data:`MAX_FACT_SHARE` of
    them are left out)."""
    n = max(articles, 1)
    df = Counter(f for fs in facts for f in fs)
    return {
        f: math.log(n / c)
        for f, c in df.items()
        if 2 <= c <= MAX_FACT_ARTICLES and c / n <= MAX_FACT_SHARE
    }


def batch_scope(conn: Connection, overrides: Overrides) -> set[int] | None:
    """The articles to cluster again after a processing batch; None: all of them.

    The batch is every unfinished extraction run (the one being resolved, and any run killed
    before its resolution): the articles it processed, and every article published within two
    story windows of one of them (the links of an article reach one window; the stories they
    may join, one more), with all members of the stories these are in. All articles when no
    run is unfinished (``pantau resolve``), when the overrides name stories (they may join any
    two articles) or when the batch has an undated article (it may pair with any article).
    """
    if overrides.story_force or overrides.story_forbid:
        return None
    er, a = table(ExtractionRun), table(Article)
    since = conn.execute(
        select(func.min(er.c.started_at)).where(er.c.finished_at.is_(None))
    ).scalar()
    if since is None:
        return None
    rows = conn.execute(select(a.c.id, a.c.published, a.c.story_id, a.c.processed_at)).all()
    touched = [_utc(published) for _, published, _, processed in rows if processed >= since]
    if any(t is None for t in touched):
        return None
    reach = dt.timedelta(days=2 * STORY_WINDOW_DAYS)
    spans: list[list[dt.datetime]] = []
    for t in sorted(t for t in touched if t is not None):
        if spans and t - reach <= spans[-1][1]:
            spans[-1][1] = t + reach
        else:
            spans.append([t - reach, t + reach])
    starts = [lo for lo, _ in spans]

    def inside(published: dt.datetime | None) -> bool:
        if published is None:
            return True
        k = bisect.bisect_right(starts, published) - 1
        return k >= 0 and published <= spans[k][1]

    scope = {aid for aid, published, _, _ in rows if spans and inside(_utc(published))}
    stories = {sid for aid, _, sid, _ in rows if sid is not None and aid in scope}
    return scope | {aid for aid, _, sid, _ in rows if sid in stories}


def _by_time(d: Doc) -> tuple[bool, dt.datetime, str]:
    """Undated articles first (they may pair with any article), then by publication time, then
    by URL (not by id: the order pages were stored in)."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (d.published is not None, d.published or far, d.url)


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


def _seconds(d: Doc) -> float:
    return d.published.timestamp() if d.published is not None else math.nan


def text_similar(docs: dict[int, Doc]) -> dict[tuple[int, int], float]:
    """Pairs (a < b) of articles at most the window apart whose texts reach
    :data:`TEXT_JACCARD`, with their similarity (see the module docstring). The articles are
    indexed in :func:`_by_time` order, so every tie below (LSH buckets, the strongest links of
    an article) is broken by time and URL."""
    ordered = sorted(docs.values(), key=_by_time)
    ordered = [d for d in ordered if len(d.shingles)]
    if len(ordered) < 2:
        return {}
    ids = np.array([d.id for d in ordered], dtype=np.int64)
    when = np.array([_seconds(d) for d in ordered])
    sig = signatures(ordered)
    window = STORY_WINDOW_DAYS * 86400.0
    undated = np.isnan(when)
    found: list[npt.NDArray[np.int64]] = []
    bands = MINHASH_PERMUTATIONS // LSH_ROWS
    for band in range(bands):
        cols = sig[:, band * LSH_ROWS : (band + 1) * LSH_ROWS]
        key = cols[:, 0].astype(np.uint64) << np.uint64(32) | cols[:, 1]
        order = np.argsort(key, kind="stable")  # by key, then time and URL (the input order)
        skey = key[order]
        for step in range(1, MAX_BUCKET_NEIGHBOURS + 1):
            same = skey[step:] == skey[:-step]
            if not same.any():
                break
            x, y = order[:-step][same], order[step:][same]
            near = np.abs(when[y] - when[x]) <= window
            near |= undated[x] | undated[y]
            if near.any():
                found.append(np.stack([x[near], y[near]], axis=1))
    if not found:
        return {}
    both = np.sort(np.concatenate(found), axis=1)
    codes = _unique(both[:, 0] * len(ordered) + both[:, 1])
    pairs = np.stack([codes // len(ordered), codes % len(ordered)], axis=1)
    estimate = np.empty(len(pairs))
    for first in range(0, len(pairs), 65_536):
        p = pairs[first : first + 65_536]
        estimate[first : first + 65_536] = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
    keep = estimate >= TEXT_JACCARD - EXACT_MARGIN
    pairs, estimate = pairs[keep], estimate[keep]
    keep = _strongest(pairs, estimate, MAX_NEIGHBOURS)
    pairs, estimate = pairs[keep], estimate[keep]
    grey = np.minimum(np.abs(estimate - TEXT_JACCARD), np.abs(estimate - SYNDICATED_JACCARD))
    for k in np.flatnonzero(grey < EXACT_MARGIN).tolist():
        x, y = pairs[k]
        estimate[k] = jaccard(ordered[x].shingles, ordered[y].shingles)
    keep = estimate >= TEXT_JACCARD
    a, b = ids[pairs[keep, 0]], ids[pairs[keep, 1]]
    lo, hi = np.minimum(a, b).tolist(), np.maximum(a, b).tolist()
    return dict(zip(zip(lo, hi, strict=True), estimate[keep].tolist(), strict=True))


def _strongest(
    pairs: npt.NDArray[np.int64], score: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.bool_]:
    """Which pairs are among the ``k`` highest-scoring of either end (ties: in pair order, i.e.
    by the ends' indices, which :func:`text_similar` gives in time and URL order)."""
    n = len(pairs)
    if n == 0:
        return np.zeros(0, dtype=bool)
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]])
    index = np.concatenate([np.arange(n), np.arange(n)])
    # one sort key: the end, then the score descending (scores are in [0, 1]); stable for ties
    key = ends.astype(np.float64) * 2.0 - np.concatenate([score, score])
    order = np.argsort(key, kind="stable")
    sorted_ends = ends[order]
    starts = np.flatnonzero(np.r_[True, sorted_ends[1:] != sorted_ends[:-1]])
    rank = np.arange(2 * n) - np.repeat(starts, np.diff(np.r_[starts, 2 * n]))
    keep = np.zeros(n, dtype=bool)
    keep[index[order][rank < k]] = True
    return keep


@dataclass
class Link:
    a: int
    b: int
    rule: str
    weight: float
    detail: str
    # the ends' ranks in URL order, lower first: equal links are tried in the order of their
    # articles' URLs (ints: as cheap to compare as the ids were)
    by_url: tuple[int, int] = (0, 0)


RULE_ORDER = {"override": 0, "text": 1, "shared_facts": 2}


def _link_order(lk: Link) -> tuple[int, float, tuple[int, int]]:
    """Strongest first: by rule, then weight, then the ends' URLs (not ids: store order)."""
    return (RULE_ORDER[lk.rule], -lk.weight, lk.by_url)


def _cap_neighbours(links: list[Link]) -> list[Link]:
    """Each article's :data:`MAX_NEIGHBOURS` strongest links (a link stays when it is among
    the strongest of either end); forced links always stay."""
    ranked = sorted(links, key=_link_order)
    degree: Counter[int] = Counter()
    kept = []
    for lk in ranked:
        if lk.rule == "override" or min(degree[lk.a], degree[lk.b]) < MAX_NEIGHBOURS:
            kept.append(lk)
            degree[lk.a] += 1
            degree[lk.b] += 1
    return kept


def find_links(
    docs: dict[int, Doc],
    overrides: Overrides,
    names: dict[int, str] | None = None,
    weight: dict[tuple[Any, ...], float] | None = None,
) -> tuple[list[Link], dict[str, Any]]:
    """The links between ``docs`` by the rules (``weight``: the facts' weights, by default
    from ``docs`` alone) and a report."""
    links: list[Link] = []
    by_url = {d.url: d.id for d in docs.values()}
    report: dict[str, Any] = {"unknown_override_urls": []}

    rank = {d.id: k for k, d in enumerate(sorted(docs.values(), key=lambda d: d.url))}

    def link(x: int, y: int, rule: str, weight: float, detail: str) -> Link:
        rx, ry = rank[x], rank[y]
        ends = (rx, ry) if rx < ry else (ry, rx)
        return Link(min(x, y), max(x, y), rule, weight, detail, ends)

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
        links.append(link(x, y, "override", 100.0, "forced by the overrides file"))
    report["forbid"] = pairs(overrides.story_forbid)

    for (x, y), sim in sorted(text_similar(docs).items()):
        links.append(link(x, y, "text", round(sim, 3), f"text similarity {sim:.2f}"))
    linked = {(lk.a, lk.b) for lk in links}

    # shared facts, weighted by inverse document frequency
    if weight is None:
        weight = fact_weights((d.facts for d in docs.values()), len(docs))
    postings: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for d in sorted(docs.values(), key=_by_time):
        for f in d.facts:
            if f in weight:
                postings[f].append(d.id)
    shared: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
    for f, ids in postings.items():
        for x, y in _pairs_in_window(ids, docs):
            shared[(min(x, y), max(x, y))].append(f)
    candidates = [(pair, facts) for pair, facts in shared.items() if len(facts) >= MIN_SHARED_FACTS]
    for (x, y), facts in sorted(candidates):
        total = math.fsum(weight[f] for f in facts)  # exact: the same in any order of facts
        if total < MIN_FACT_WEIGHT or (x, y) in linked:
            continue
        labels = sorted((-weight[f], _fact_label(f, names or {})) for f in facts)
        named = ", ".join(label for _, label in labels[:4])
        links.append(
            link(x, y, "shared_facts", round(total, 2), f"{len(facts)} shared facts: {named}")
        )
    report["unknown_override_urls"] = sorted(set(report["unknown_override_urls"]))
    report["capped_links"] = len(links)
    links = _cap_neighbours(links)
    report["capped_links"] -= len(links)
    return links, report


def group_links(
    docs: dict[int, Doc], links: list[Link], forbid: list[tuple[int, int]]
) -> tuple[Clusters, dict[int, tuple[str, float]]]:
    """Groups of linked articles by average linkage within the story span (see the module
    docstring); and the rule and weight of the first link that joined each article. Links are
    tried in :func:`_link_order` (ties by URL), so which groups join does not depend on ids;
    a group's root id only names it."""
    clusters = Clusters(sorted(docs), forbid)
    between: dict[int, Counter[int]] = defaultdict(Counter)  # root → root → links
    for lk in links:
        between[lk.a][lk.b] += 1
        between[lk.b][lk.a] += 1
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    near = dt.datetime.min.replace(tzinfo=dt.UTC)
    span = {i: (d.published or far, d.published or near) for i, d in docs.items()}
    size = dict.fromkeys(docs, 1)
    limit = dt.timedelta(days=STORY_SPAN_DAYS)
    rule_of: dict[int, tuple[str, float]] = {}
    ranked = sorted(links, key=_link_order)
    for _ in range(JOIN_PASSES):
        joined = False
        refused = []
        for lk in ranked:
            ra, rb = clusters.find(lk.a), clusters.find(lk.b)
            if ra == rb:
                continue
            refused.append(lk)
            first = min(span[ra][0], span[rb][0])
            last = max(span[ra][1], span[rb][1])
            if lk.rule != "override" and (
                between[ra][rb] < MIN_LINKED_SHARE * size[ra] * size[rb]
                or (last > first and last - first > limit)
            ):
                continue
            if not clusters.union(lk.a, lk.b):
                continue
            refused.pop()
            joined = True
            root = clusters.find(lk.a)
            gone = rb if root == ra else ra
            size[root] += size.pop(gone)
            span[root] = (first, last)
            moved = between.pop(gone, Counter())
            moved.pop(root, None)
            between[root].pop(gone, None)
            for other, count in moved.items():
                between[root][other] += count
                row = between[other]
                row[root] += row.pop(gone, 0)
            for end in (lk.a, lk.b):
                rule_of.setdefault(end, (lk.rule, lk.weight))
        if not joined:
            break
        ranked = refused
    return clusters, rule_of


def _fact_label(f: tuple[Any, ...], names: dict[int, str]) -> str:
    kind = f[0]
    if kind == "person":
        return names.get(f[1], f"person #{f[1]}")
    if kind == "amount":
        from extract.numbers import format_rupiah

        return format_rupiah(f[1])
    if kind == "event":
        return f"{f[1]} on {f[2]}"
    if kind == "percent":
        return f"{f[1]}%"
    return f"{f[1]} people"


def cluster_stories(
    engine: Engine, overrides: Overrides | None = None, *, everything: bool = False
) -> dict[str, Any]:
    """Recompute stories and the articles' story columns in one transaction: of the articles a
    processing batch touched (:func:`batch_scope`), or of all articles (``everything``, or
    when no batch is unfinished)."""
    overrides = overrides or Overrides()
    with engine.begin() as conn:
        scope = None if everything else batch_scope(conn, overrides)
        docs, names, weights = load_docs(conn, scope)
        links, report = find_links(docs, overrides, names, weights)
        clusters, rule_of = group_links(docs, links, report.pop("forbid"))
        similar: dict[int, dict[int, float]] = defaultdict(dict)  # text links, both directions
        for lk in links:
            if lk.rule == "text":
                similar[lk.a][lk.b] = similar[lk.b][lk.a] = lk.weight
        a, st = table(Article), table(Story)
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
        # stories of articles outside the scope stay as they are
        used_ids = {v[0] for aid, v in previous.items() if aid not in docs and v[0] is not None}
        stories_rows: list[dict[str, Any]] = []
        far = dt.datetime.max.replace(tzinfo=dt.UTC)

        def earliest(i: int) -> tuple[dt.datetime, str]:  # ties by URL: ids follow store order
            return (docs[i].published or far, docs[i].url)

        groups = [sorted(g, key=earliest) for g in clusters.groups() if len(g) >= 2]
        for members in sorted(groups, key=lambda g: earliest(g[0])):
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
                # the most similar earlier article; of equals, the earliest
                earlier = [(sim, -position[j]) for j, sim in similar[i].items() if j in position
                           and position[j] < k and sim >= SYNDICATED_JACCARD]  # fmt: skip
                if earlier:
                    synd_of = members[-max(earlier)[1]]
                    syndicated += 1
                rule = "original" if k == 0 else rule_of.get(i, ("shared_facts", 0.0))[0]
                row_values[i] = (k == 0, synd_of is not None, synd_of, rule, score)
            published = [t for i in members if (t := docs[i].published) is not None]
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
                inserted = conn.execute(insert(st).values(**values, updated_at=now))
                story_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
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
        changed = [
            {"aid": aid, "story_id": vals[0], "original": vals[1], "syndicated": vals[2],
             "syndicated_of": vals[3], "story_rule": vals[4], "story_score": vals[5]}
            for aid, vals in sorted(wanted.items()) if _row_differs(previous[aid], vals)
        ]  # fmt: skip
        if changed:
            conn.execute(update(a).where(a.c.id == bindparam("aid")), changed)
        stale = sorted(set(old_stories) - used_ids)
        if stale:
            conn.execute(delete(st).where(st.c.id.in_(stale)))
        totals = conn.execute(
            select(func.count(), func.sum(st.c.articles), func.sum(st.c.syndicated),
                   func.max(st.c.articles))
        ).one()  # fmt: skip
    rules = Counter(lk.rule for lk in links)
    return {
        "articles": len(previous),
        "clustered": len(docs),  # the articles of this run's scope
        "stories": totals[0],
        "in_stories": totals[1] or 0,
        "syndicated": totals[2] or 0,
        "links": dict(sorted(rules.items())),
        "largest_story": totals[3] or 0,
        **report,
    }


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return _utc(old) != _utc(new)
    return bool(old != new)


def _row_differs(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return any(_differs(o, n) for o, n in zip(old, new, strict=True))
