"""The crawl ledger's vocabulary: what became of each URL of a crawl run, as codes.

The crawler decides the code (it knows HTTP statuses, robots.txt, AMP pages …) and keeps its
free-text explanation as ``detail`` (``"http 503"``, ``"amp copy of https://…"``); the knowledge
base reads codes only (source health, the daily exit code) and never parses the detail.

Every :class:`Outcome` belongs to exactly one :class:`State` (:attr:`Outcome.state`):

- ``stored``: ``new``, ``changed``, ``unchanged``;
- ``skipped`` and answered by the site (:data:`ANSWERED`): a discovery page read (``feed``,
  ``sitemap``, ``listing``), ``not_modified`` (a 304), ``end_of_listing`` (a 404 past a
  listing's last page), ``amp_copy``, ``duplicate``, ``canonical`` (fetched, then found to be
  another article's page);
- ``skipped`` without a fetch: ``already_stored``, ``out_of_window``, ``sitemap_skipped``,
  ``robots_disallowed``;
- ``failed``: ``unfinished`` / ``interrupted`` (a run ended first), ``http_blocked`` (the site
  refused us), ``not_found``, ``http_error``, ``timeout``, ``network_error``,
  ``robots_unreachable``, ``redirect_loop``, ``too_large``, ``malformed``, ``ignored``,
  ``error``.

Whether a failure is worth retrying is kept beside the code (``retryable``): the same
``http_error`` code covers a 503 (retryable) and a 400 (not).
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    STORED = "stored"
    SKIPPED = "skipped"
    FAILED = "failed"


class Outcome(StrEnum):
    # stored
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    # skipped, the site answered
    FEED = "feed"
    SITEMAP = "sitemap"
    LISTING = "listing"
    NOT_MODIFIED = "not_modified"
    END_OF_LISTING = "end_of_listing"
    AMP_COPY = "amp_copy"
    DUPLICATE = "duplicate"
    CANONICAL = "canonical"
    # skipped, never fetched
    ALREADY_STORED = "already_stored"
    OUT_OF_WINDOW = "out_of_window"
    SITEMAP_SKIPPED = "sitemap_skipped"
    ROBOTS_DISALLOWED = "robots_disallowed"
    SKIPPED = "skipped"  # a skip an older crawler recorded in words no code covers
    # failed
    UNFINISHED = "unfinished"
    INTERRUPTED = "interrupted"
    HTTP_BLOCKED = "http_blocked"
    NOT_FOUND = "not_found"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    ROBOTS_UNREACHABLE = "robots_unreachable"
    REDIRECT_LOOP = "redirect_loop"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    IGNORED = "ignored"
    ERROR = "error"

    @property
    def state(self) -> State:
        return _STATE[self]

    @property
    def answered(self) -> bool:
        """The site answered (a page stored, a discovery page read, a 304 …)."""
        return self in ANSWERED

    @property
    def blocked(self) -> bool:
        """The site refused us (robots.txt or an HTTP refusal): a human should look."""
        return self in BLOCKED


STORED_OUTCOMES = frozenset({Outcome.NEW, Outcome.CHANGED, Outcome.UNCHANGED})
DISCOVERY = frozenset({Outcome.FEED, Outcome.SITEMAP, Outcome.LISTING})
ANSWERED = STORED_OUTCOMES | DISCOVERY | {
    Outcome.NOT_MODIFIED, Outcome.END_OF_LISTING, Outcome.AMP_COPY, Outcome.DUPLICATE,
    Outcome.CANONICAL,
}
SKIPPED_OUTCOMES = (ANSWERED - STORED_OUTCOMES) | {
    Outcome.ALREADY_STORED, Outcome.OUT_OF_WINDOW, Outcome.SITEMAP_SKIPPED,
    Outcome.ROBOTS_DISALLOWED, Outcome.SKIPPED,
}
BLOCKED = frozenset({Outcome.HTTP_BLOCKED, Outcome.ROBOTS_DISALLOWED})
_STATE: dict[Outcome, State] = {
    o: State.STORED if o in STORED_OUTCOMES
    else State.SKIPPED if o in SKIPPED_OUTCOMES
    else State.FAILED
    for o in Outcome
}
