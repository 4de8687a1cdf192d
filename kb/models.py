"""The knowledge-base schema (SQLModel).

Every fact row carries its evidence: the sentence, character offsets into ``article.text``,
the extractor's name and version, and a confidence in 0..1. Lists (authors, tags, aliases) are
stored as JSON text so the schema is the same on SQLite and PostgreSQL.

The schema is versioned with Alembic (``kb/migrations/``): every change here needs a new
revision there; ``tests/kb/test_migrations.py`` fails when the models and the migrations differ.
Columns filled by resolution (``person.canonical_id``, ``person_merge``) and story clustering
(``story``, ``article.story_id`` …) are derived data, recomputed after every ingest batch.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class Outlet(SQLModel, table=True):
    """A news outlet (one entry of the sources file)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, description="Source slug from the sources file")
    title: str = Field(description="Outlet name as shown to readers")
    homepage: str | None = Field(default=None, description="Outlet home page URL")
    region_code: str | None = Field(default=None, description="Home region (Kemendagri code)")


class CrawlRun(SQLModel, table=True):
    """One crawl, mirrored from the raw store with Scrapy's stats."""

    __tablename__ = "crawl_run"
    id: int = Field(primary_key=True, description="Crawl run id in the raw store")
    started_at: str = Field(description="UTC start time, ISO 8601")
    finished_at: str | None = Field(default=None, description="UTC end time, ISO 8601")
    status: str = Field(description="Scrapy finish reason (finished, shutdown, closespider_…)")
    sources: str = Field(default="[]", description="JSON list of crawled source names")
    stats: str = Field(default="{}", description="JSON of Scrapy stats for the run")


class ExtractionRun(SQLModel, table=True):
    """One `pantau process` run."""

    __tablename__ = "extraction_run"
    id: int | None = Field(default=None, primary_key=True)
    extractor_version: str = Field(description="Version of the fact extractors")
    started_at: str = Field(description="UTC start time, ISO 8601")
    finished_at: str | None = Field(default=None, description="UTC end time, ISO 8601")
    pages: int = Field(default=0, description="Raw pages examined")
    articles_new: int = Field(default=0, description="Articles added")
    articles_updated: int = Field(default=0, description="Articles re-extracted or changed")
    unchanged: int = Field(default=0, description="Pages already processed with this version")
    rejected: int = Field(default=0, description="Pages rejected by the cleaner (not articles …)")
    errors: int = Field(default=0, description="Pages whose processing failed or timed out")


class ProcessedPage(SQLModel, table=True):
    """Outcome of processing each raw page: every page ends in exactly one outcome."""

    __tablename__ = "processed_page"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True, description="Canonical URL of the raw page")
    source: str = Field(index=True, description="Source slug")
    page_sha256: str = Field(description="SHA-256 of the raw body that was processed")
    extractor_version: str = Field(description="Extractor version that processed it")
    outcome: str = Field(index=True, description="article | rejected | off_topic | error")
    reason: str | None = Field(default=None, description="Why it was rejected or failed")
    article_id: int | None = Field(default=None, foreign_key="article.id")
    processed_at: str = Field(description="UTC time, ISO 8601")


class Article(SQLModel, table=True):
    """A cleaned news article."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True, description="Canonical article URL")
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    title: str = Field(description="Headline")
    text: str = Field(description="Cleaned body text; fact offsets point into it")
    published: dt.datetime | None = Field(default=None, index=True, description="Publication time")
    published_source: str | None = Field(
        default=None, description="Where the date came from: meta | byline | dateline"
    )
    modified: dt.datetime | None = Field(default=None, description="Last modification time")
    month: str | None = Field(default=None, index=True, description="YYYY-MM of publication")
    authors: str = Field(default="[]", description="JSON list of authors")
    editor: str | None = Field(default=None, description="Editor named in the byline")
    reporter: str | None = Field(default=None, description="Reporter named in the byline")
    dateline: str | None = Field(default=None, description="Dateline place, e.g. KEFAMENANU")
    section: str | None = Field(default=None, description="Section / rubric")
    tags: str = Field(default="[]", description="JSON list of tags")
    image: str | None = Field(default=None, description="Lead image URL")
    language: str | None = Field(default=None, description="Language code")
    advertorial: bool = Field(default=False, description="Marked advertorial/sponsored")
    boilerplate: str = Field(
        default="[]", description="JSON list of removed furniture (Baca juga links …)"
    )
    content_sha256: str = Field(description="SHA-256 of title + text")
    previous_sha256: str = Field(default="[]", description="JSON list of earlier content hashes")
    page_sha256: str = Field(description="SHA-256 of the raw page this came from")
    extractor_version: str = Field(description="Extractor version of the stored facts")
    fetched_at: str | None = Field(default=None, description="When the page was fetched (UTC)")
    processed_at: str = Field(description="When facts were extracted (UTC)")
    story_id: int | None = Field(
        default=None, foreign_key="story.id", index=True, description="Story it belongs to"
    )
    original: bool = Field(default=False, description="Earliest article of its story")
    syndicated: bool = Field(
        default=False, description="Near-copy of an earlier article (wire copy, press release)"
    )
    syndicated_of: int | None = Field(
        default=None, foreign_key="article.id", description="The earlier article it copies"
    )
    story_rule: str | None = Field(
        default=None, description="Why it joined its story: text | shared_facts | override"
    )
    story_score: float | None = Field(
        default=None, description="Text similarity (Jaccard) to its story's original"
    )


class Region(SQLModel, table=True):
    """Provinces and kabupaten/kota (Kemendagri codes)."""

    code: str = Field(primary_key=True, description="Region code in `scheme`, e.g. 53.03")
    name: str = Field(
        index=True,
        description="Canonical name: Timor Tengah Utara, Kota Kupang, Kabupaten Bogor, Jawa Timur",
    )
    kind: str | None = Field(default=None, description="provinsi | kabupaten | kota")
    parent: str | None = Field(default=None, description="Code of the province")
    latitude: float | None = Field(default=None, description="Latitude of the seat (degrees)")
    longitude: float | None = Field(default=None, description="Longitude of the seat (degrees)")
    scheme: str | None = Field(
        default=None, description="Code scheme: kemendagri (BPS codes differ; not used)"
    )
    seat: str | None = Field(default=None, description="Seat (ibu kota), e.g. Kefamenanu")
    utc_offset: int | None = Field(
        default=None, description="Hours ahead of UTC: 7 WIB, 8 WITA, 9 WIT (by province)"
    )


class Organization(SQLModel, table=True):
    """An organisation named in an official's position (canonical name + forms seen)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, description="Canonical name from the extractor")
    aliases: str = Field(default="[]", description="JSON list of other forms seen")
    region: str | None = Field(default=None, description="Canonical region name, if regional")


class Person(SQLModel, table=True):
    """A name, as written, of a person named with a position in at least one article.

    Resolution groups the names of one person: ``canonical_id`` points at the row of the
    fullest name (NULL on that row itself); ``person_merge`` says which rule merged them.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, description="Name as extracted, no honorifics")
    aliases: str = Field(default="[]", description="JSON list of aliases the extractor gave")
    merged_names: str = Field(
        default="[]", description="JSON list of the other names resolved to this person"
    )
    canonical_id: int | None = Field(
        default=None,
        foreign_key="person.id",
        index=True,
        description="The person this name resolves to (NULL: this row is canonical)",
    )


class PersonMerge(SQLModel, table=True):
    """One resolution decision: two names are the same person, by a named rule."""

    __tablename__ = "person_merge"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, description="One name")
    other_id: int = Field(foreign_key="person.id", index=True, description="The other name")
    rule: str = Field(index=True, description="alias | short_name | spelling | override_force")
    score: float = Field(description="Name similarity 0..100 behind the decision")
    detail: str = Field(description="Why, in words: shared position, similar tokens …")
    decided_at: str = Field(description="UTC time, ISO 8601")


class Position(SQLModel, table=True):
    """A position a person held, with when Pantau saw it."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    title: str = Field(description="Position as written, e.g. Bupati TTU")
    organization: str | None = Field(default=None, description="Canonical organisation")
    region: str | None = Field(default=None, description="Canonical region name")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    first_seen: dt.date | None = Field(default=None, description="Earliest article date")
    last_seen: dt.date | None = Field(default=None, description="Latest article date")


class Evidence(SQLModel):
    """Columns shared by every fact: where in which article, found by what."""

    article_id: int = Field(foreign_key="article.id", index=True)
    text: str = Field(description="The matched text")
    start: int = Field(description="Start offset (characters) into article.text")
    end: int = Field(description="End offset (characters, exclusive) into article.text")
    sentence: str = Field(description="The sentence containing the fact")
    extractor: str = Field(description="Extractor (spaCy component) name")
    version: str = Field(description="Extractor version")
    confidence: float = Field(description="Confidence 0..1")


class Mention(Evidence, table=True):
    """An official named in an article, with the position written beside the name."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    name: str = Field(description="Name as resolved in the article")
    title: str | None = Field(default=None, description="Position as written")
    organization: str | None = Field(default=None, description="Canonical organisation")
    region: str | None = Field(default=None, description="Canonical region name")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)


class WorkerCount(Evidence, table=True):
    """A number of people (workers, participants, heirs …)."""

    __tablename__ = "worker_count"
    id: int | None = Field(default=None, primary_key=True)
    value: int = Field(description="Number of people")
    noun: str = Field(description="What is counted, e.g. pekerja rentan")
    qualifier: str | None = Field(default=None, description="lebih dari | sekitar | hingga …")


class Amount(Evidence, table=True):
    """A money amount."""

    id: int | None = Field(default=None, primary_key=True)
    value: int = Field(  # Rp10,08 miliar does not fit a 32-bit INTEGER (PostgreSQL)
        sa_column=Column(BigInteger, nullable=False, comment="Amount in whole rupiah")
    )
    currency: str = Field(default="IDR", description="ISO 4217 currency")
    role: str | None = Field(default=None, description="anggaran | iuran | santunan | klaim …")
    per: str | None = Field(default=None, description="Per unit: bulan | orang | tahun")


class Percentage(Evidence, table=True):
    id: int | None = Field(default=None, primary_key=True)
    value: float = Field(description="Percent (45.83 means 45,83 persen)")


class Event(Evidence, table=True):
    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(index=True, description="launch | handover | working_visit | mou | …")
    date: dt.date | None = Field(default=None, description="Event date resolved against article")
    place: str | None = Field(default=None, description="Where it happened, as written")


class Quote(Evidence, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    speaker: str | None = Field(default=None, description="Speaker as resolved")


class Story(SQLModel, table=True):
    """Articles reporting the same event, across outlets (see kb/stories.py)."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(description="Headline of the original article")
    original_article_id: int = Field(  # no FK: article.story_id points here (avoids a cycle)
        index=True, description="Earliest article of the story (article.id)"
    )
    first_published: dt.datetime | None = Field(
        default=None, description="Publication time of its earliest article"
    )
    last_published: dt.datetime | None = Field(
        default=None, description="Publication time of its latest article"
    )
    articles: int = Field(default=0, description="Number of articles")
    outlets: int = Field(default=0, description="Number of distinct outlets")
    syndicated: int = Field(default=0, description="Articles flagged as syndicated copies")
    updated_at: str = Field(description="UTC time of the clustering that produced it")


class ArticleRegion(SQLModel, table=True):
    """A region mentioned in an article."""

    __tablename__ = "article_region"
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    region_code: str = Field(foreign_key="region.code", index=True)
    start: int | None = Field(default=None, description="First mention offset")
    end: int | None = Field(default=None, description="First mention end offset")


FACT_TABLES: tuple[type[SQLModel], ...] = (
    Mention,
    WorkerCount,
    Amount,
    Percentage,
    Event,
    Quote,
    ArticleRegion,
)
