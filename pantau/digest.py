"""The daily digest: a Markdown and an HTML report of new coverage, for staff to email.

For each new story (articles grouped when they share a headline figure or most of their
headline words): its outlets, and per article the officials named, quotes, figures as printed,
and links to the article and to its row in Datasette. Then the source-health table of the day.

The digest of a day covers every ``pantau daily`` run of that day: the ids of the new articles
are kept in ``DIGESTS/YYYY-MM-DD.json`` and both files are re-rendered after each run, so a
second run the same day never replaces the day's coverage with "nothing new".

Everything taken from pages is escaped: HTML by Jinja2's autoescape, Markdown by :func:`md`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader

import wilayah
from extract.numbers import format_number, format_rupiah
from kb.health import SourceHealth
from kb.queries import ArticleSummary, Figure, article_summaries

DATASETTE_URL = "http://127.0.0.1:8001"  # where `pantau serve` listens by default
DATASETTE_DB = "pantau"  # Datasette names the database after the snapshot file pantau.db
MAX_QUOTES = 3  # per article: the digest points at the KB for the rest
MAX_FIGURES = 8  # per article
QUOTE_CHARS = 300  # a long quote is cut; the full text is one click away
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
TEMPLATES = Path(__file__).parent / "templates"


def md(value: Any) -> str:
    """Escape text for Markdown: no markup, links or HTML can come from a page."""
    text = " ".join(str(value).split())
    return MD_SPECIAL.sub(r"\\\1", text)


def md_url(value: Any) -> str:
    """A URL safe inside Markdown ``(…)``: spaces and parentheses percent-encoded."""
    return quote(str(value), safe=":/?#=&%@+,;~.-_!*'")


def safe_url(url: str | None) -> str:
    """Only http(s) links leave Pantau; anything else becomes ``#``."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return "#"


@dataclass
class DigestArticle:
    id: int
    url: str
    title: str
    outlet: str
    outlet_title: str
    published: str | None
    datasette: str
    officials: list[dict[str, str | None]] = field(default_factory=list)
    quotes: list[dict[str, str | None]] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    story_id: int | None = None  # the KB's story clustering, when it has run


@dataclass
class Story:
    title: str
    articles: list[DigestArticle]

    @property
    def outlets(self) -> list[str]:
        return sorted({a.outlet_title for a in self.articles})


@dataclass
class HealthLine:
    outlet: str
    status: str
    expected: str
    collected: int
    attempted: int
    failed: int
    blocked: int
    cleaned: int
    flags: list[str]
    detail: str | None


@dataclass
class Digest:
    day: str
    stories: list[Story]
    updated: int
    health: list[HealthLine]
    health_url: str
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def article_count(self) -> int:
        return sum(len(s.articles) for s in self.stories)

    @property
    def summary_line(self) -> str:
        status = self.run.get("status")
        flagged = [h.outlet for h in self.health if h.flags]
        parts = [f"{self.article_count} new articles"]
        if status:
            parts.append(f"last run: {status}")
        if flagged:
            parts.append(f"outlets to check: {', '.join(flagged)}")
        return "; ".join(parts) + "."

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "new_articles": self.article_count,
            "stories": [
                {"title": s.title, "outlets": s.outlets, "articles": [a.id for a in s.articles]}
                for s in self.stories
            ],
            "updated": self.updated,
            "health": [asdict(h) for h in self.health],
        }


# -- building -------------------------------------------------------------------------------
def _figure(figure: Figure) -> str:
    """The figure as printed, with its normalised value: 'Rp10,08 miliar (iuran) = Rp…'."""
    text = " ".join(figure.text.split())
    if figure.kind == "amount":
        extra = f" ({figure.role})" if figure.role else ""
        return f"{text}{extra} = {format_rupiah(figure.value)}"
    if figure.kind == "worker_count":
        return f"{text} = {format_number(int(figure.value))}"
    return text


def local_time(article: ArticleSummary) -> str | None:
    """When it was published, in its outlet's local time with the zone: '2025-10-27 07.50 WITA'."""
    local = article.published_local
    return f"{local:%Y-%m-%d %H.%M} {local.tzname()}" if local else None


def _digest_article(a: ArticleSummary, base: str) -> DigestArticle:
    out = DigestArticle(
        id=a.id,
        url=safe_url(a.url),
        title=a.title or a.url,
        outlet=a.outlet,
        outlet_title=a.outlet_title,
        published=local_time(a),
        datasette=f"{base}/article/{a.id}",  # facts highlighted in the text
        story_id=a.story_id,
    )
    for name, title in a.officials:
        if all(o["name"] != name for o in out.officials):
            out.officials.append({"name": name, "title": title})
    for speaker, said in a.quotes[:MAX_QUOTES]:
        text = " ".join(said.split())
        if len(text) > QUOTE_CHARS:
            text = text[: QUOTE_CHARS - 1].rstrip() + "…"
        out.quotes.append({"speaker": speaker, "text": text})
    for figure in a.figures:
        text = _figure(figure)
        if text not in out.figures and len(out.figures) < MAX_FIGURES:
            out.figures.append(text)
    return out


def load_articles(engine: Any, ids: Iterable[int], datasette_url: str) -> list[DigestArticle]:
    """The articles with their officials, quotes and figures, newest first."""
    base = datasette_url.rstrip("/")
    summaries = article_summaries(engine, ids)
    newest = sorted(
        summaries, key=lambda a: (a.published or dt.datetime.min.replace(tzinfo=dt.UTC), a.id)
    )
    return [_digest_article(a, base) for a in reversed(newest)]


def group_stories(articles: Sequence[DigestArticle]) -> list[Story]:
    """Group the new articles by the KB's stories (``article.story_id``).

    Clustering is the KB's job (:mod:`kb.stories`, run after every processing batch): an article
    it left without a story is reported on its own, even when it shares a standard figure
    (the Rp42 juta death benefit) with another.
    """
    groups: dict[object, list[DigestArticle]] = {}
    for a in articles:
        groups.setdefault(a.story_id if a.story_id is not None else ("article", a.id), []).append(a)
    stories = [Story(members[0].title, members) for members in groups.values()]
    stories.sort(key=lambda s: (-len(s.articles), s.title))
    return stories


def health_lines(rows: Iterable[SourceHealth]) -> list[HealthLine]:
    return [
        HealthLine(
            outlet=r.outlet,
            status=r.status,
            expected="–" if r.expected is None else f"{r.expected:g}",
            collected=r.collected,
            attempted=r.attempted,
            failed=r.failed,
            blocked=r.blocked,
            cleaned=r.cleaned,
            flags=json.loads(r.flags or "[]"),
            detail=r.detail,
        )
        for r in rows
    ]


def build_digest(
    engine: Any,
    *,
    day: str,
    new_ids: Iterable[int],
    updated: int = 0,
    health: Iterable[SourceHealth] = (),
    run: dict[str, Any] | None = None,
    datasette_url: str = DATASETTE_URL,
) -> Digest:
    base = datasette_url.rstrip("/")
    return Digest(
        day=day,
        stories=group_stories(load_articles(engine, new_ids, datasette_url)),
        updated=updated,
        health=health_lines(health),
        health_url=f"{base}/{DATASETTE_DB}/source_health?day={day}&_sort_desc=id",
        run=run or {},
    )


# -- rendering --------------------------------------------------------------------------------
def _env(html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=html,  # everything in the HTML digest is escaped; Markdown uses |md
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md
    env.filters["mdurl"] = md_url
    return env


def render_markdown(digest: Digest) -> str:
    text = _env(False).get_template("digest.md.j2").render(d=digest)
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(digest: Digest) -> str:
    return _env(True).get_template("digest.html.j2").render(d=digest)


# -- the day's state ------------------------------------------------------------------------
def day_state(folder: Path, day: str) -> dict[str, Any]:
    path = folder / f"{day}.json"
    if not path.exists():
        return {"new": [], "updated": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"new": [], "updated": []}
    return {"new": list(data.get("new") or []), "updated": list(data.get("updated") or [])}


def remember(folder: Path, day: str, new: Iterable[int], updated: Iterable[int]) -> dict[str, Any]:
    """Add this run's article ids to the day's state file; return the day's state."""
    folder.mkdir(parents=True, exist_ok=True)
    state = day_state(folder, day)
    state["new"] = sorted(set(state["new"]) | set(new))
    state["updated"] = sorted((set(state["updated"]) | set(updated)) - set(state["new"]))
    _atomic_write(folder / f"{day}.json", json.dumps(state))
    return state


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_digest(digest: Digest, folder: Path) -> tuple[Path, Path]:
    """Write ``DAY.md`` and ``DAY.html`` into ``folder`` (replacing the day's earlier ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    md_path, html_path = folder / f"{digest.day}.md", folder / f"{digest.day}.html"
    _atomic_write(md_path, render_markdown(digest))
    _atomic_write(html_path, render_html(digest))
    return md_path, html_path


def today(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(wilayah.DEFAULT_ZONE)).date().isoformat()
