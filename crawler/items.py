"""Items the spider yields: one fetched page."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(repr=False)
class PageItem:
    url: str  # canonical URL: the page's identity
    final_url: str  # where the fetch ended after redirects
    source: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    on_topic: bool = True
    topic_hits: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # URLs joined into this record (multi-page)

    def __repr__(self) -> str:  # Scrapy logs items on errors: never dump the body
        return f"PageItem({self.url!r}, status={self.status}, {len(self.body)} bytes)"
