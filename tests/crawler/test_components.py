"""The crawler's components on their own: failure classification, the ledger, the outcome codes,
the User-Agent choice and the crawl arguments (the crawls themselves are in test_sites.py,
test_faults.py and test_kill_resume.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure

from crawler import settings
from crawler.ledger import Ledger, classify_failure
from crawler.run import CrawlArgumentError, check_crawl_arguments
from crawler.settings import source_user_agent
from crawler.sources import SourcesConfig, load_sources
from kb.ledger import ANSWERED, BLOCKED, Outcome, State
from kb.raw import RawStore

RETRYABLE = frozenset(settings.RETRY_HTTP_CODES)
ARTICLE = "https://kabar.test/2025/08/01/banjir-rob"


def failure(exc: Exception, kind: str = "article", page: int | None = None) -> Failure:
    meta: dict[str, object] = {"pantau_kind": kind, "pantau_source": "kabar"}
    if page is not None:
        meta["pantau_page"] = page
    f = Failure(exc)  # type: ignore[no-untyped-call]
    f.request = Request(ARTICLE, meta=meta)  # type: ignore[attr-defined]
    return f


def http(status: int) -> HttpError:
    return HttpError(Response(ARTICLE, status=status), "Ignoring non-200 response")


@pytest.mark.parametrize(
    ("exc", "kind", "page", "outcome", "detail", "retryable"),
    [
        (http(403), "article", None, Outcome.HTTP_BLOCKED, "http 403", False),
        (http(451), "article", None, Outcome.HTTP_BLOCKED, "http 451", False),
        (http(404), "article", None, Outcome.NOT_FOUND, "http 404", False),
        (http(410), "article", None, Outcome.NOT_FOUND, "http 410", False),
        (http(404), "listing", 2, Outcome.END_OF_LISTING, "end of listing", False),
        (http(503), "article", None, Outcome.HTTP_ERROR, "http 503", True),
        (http(429), "article", None, Outcome.HTTP_ERROR, "http 429", True),
        (http(400), "article", None, Outcome.HTTP_ERROR, "http 400", False),
        (http(502), "article_part", None, Outcome.HTTP_ERROR, f"part {ARTICLE}: http 502", True),
        (IgnoreRequest("robots.txt unreachable"), "article", None, Outcome.ROBOTS_UNREACHABLE,
         "robots.txt unreachable", True),
        (IgnoreRequest("Forbidden by robots.txt"), "article", None, Outcome.ROBOTS_DISALLOWED,
         "robots.txt", False),
        (IgnoreRequest("max redirections reached"), "article", None, Outcome.REDIRECT_LOOP,
         "max redirections reached", False),
        (IgnoreRequest("Ignored response: exceeded DOWNLOAD_MAXSIZE (16 B)"), "article", None,
         Outcome.TOO_LARGE, "Ignored response", False),
        (IgnoreRequest("ditolak"), "article", None, Outcome.IGNORED, "ditolak", False),
        (DownloadTimeoutError("lewat 2 detik"), "article", None, Outcome.TIMEOUT,
         "DownloadTimeoutError: lewat 2 detik", True),
        (ConnectionLost("putus di tengah"), "article", None, Outcome.NETWORK_ERROR,
         "ConnectionLost", True),
    ],
)
def test_failures_are_classified_once(
    exc: Exception, kind: str, page: int | None, outcome: Outcome, detail: str, retryable: bool
) -> None:
    v = classify_failure(failure(exc, kind, page), RETRYABLE)
    assert (v.outcome, v.retryable) == (outcome, retryable)
    assert v.detail.startswith(detail)
    assert len(v.detail) <= 200


def test_retryable_statuses_come_from_the_setting() -> None:
    assert classify_failure(failure(http(503)), frozenset()).retryable is False
    assert classify_failure(failure(http(403)), frozenset({403})).retryable is True


def test_every_outcome_has_one_state() -> None:
    states = {o: o.state for o in Outcome}
    assert {s for s in states.values()} == set(State)
    assert all(o.state is not State.FAILED for o in ANSWERED)
    assert {o.state for o in BLOCKED} == {State.FAILED, State.SKIPPED}
    assert Outcome("amp_copy").answered and not Outcome("already_stored").answered


def test_ledger_writes_as_it_goes_and_the_last_word_counts(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.db") as raw:
        run = raw.start_run(["kabar"])
        ledger = Ledger(raw, run)
        assert ledger.claim(ARTICLE, "kabar") and not ledger.claim(ARTICLE, "kabar")
        assert raw.ledger(run) == []  # a claim is not written: nothing was requested yet
        ledger.pending(ARTICLE, "kabar")
        assert [(e["state"], e["outcome"]) for e in raw.ledger(run)] == [
            ("failed", Outcome.UNFINISHED)
        ]
        ledger.stored(ARTICLE, "kabar", Outcome.NEW)
        ledger.skipped(ARTICLE, "kabar", Outcome.DUPLICATE, "duplicate of x")  # too late
        ledger.failed(ARTICLE, "kabar", Outcome.HTTP_ERROR, "http 503", True)  # too late
        ledger.pending("https://kabar.test/a", "kabar")
        ledger.pending("https://kabar.test/b", "kabar")
        counts = ledger.flush(raw, run, reached={"https://kabar.test/a"})
        rows = {e["url"]: (e["outcome"], e["retryable"]) for e in raw.ledger(run)}
    assert counts == {State.STORED: 1, State.FAILED: 2}
    assert rows == {
        ARTICLE: (Outcome.NEW, 0),
        "https://kabar.test/a": (Outcome.INTERRUPTED, 1),
        "https://kabar.test/b": (Outcome.UNFINISHED, 1),
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, "Pantau/1.0 (news monitoring; +mailto:redaksi@kabar.test)"),
        ("compatible", "Mozilla/5.0 (compatible; Pantau/1.0; +mailto:redaksi@kabar.test)"),
        ("PembacaBerita/2.0", "PembacaBerita/2.0"),
    ],
)
def test_one_user_agent_choice(choice: str | None, expected: str) -> None:
    default = "Pantau/1.0 (news monitoring; +mailto:redaksi@kabar.test)"
    assert source_user_agent(choice, "mailto:redaksi@kabar.test", default) == expected


def test_user_agent_default_is_pantaus_own() -> None:
    ua = source_user_agent(None, "mailto:redaksi@kabar.test")
    assert ua == settings.user_agent("mailto:redaksi@kabar.test")


@pytest.fixture(scope="module")
def shipped() -> SourcesConfig:
    return load_sources(None)


@pytest.mark.parametrize(
    ("only", "since", "until", "error"),
    [
        (("tidak-ada",), None, None, "unknown source: tidak-ada"),
        ((), "2025-08-05", "2025-08-01", "--since 2025-08-05 is after --until 2025-08-01"),
    ],
)
def test_bad_crawl_arguments(
    shipped: SourcesConfig, only: tuple[str, ...], since: str | None, until: str | None,
    error: str,
) -> None:
    def day(iso: str | None) -> date | None:
        return date.fromisoformat(iso) if iso else None

    with pytest.raises(CrawlArgumentError, match=error):
        check_crawl_arguments(shipped, only, day(since), day(until))


def test_a_ledger_batch_is_one_write_at_its_end(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.db") as raw:
        run = raw.start_run(["kabar"])
        ledger = Ledger(raw, run)
        with ledger.batch():
            ledger.skipped("https://kabar.test/lama", "kabar", Outcome.ALREADY_STORED)
            with ledger.batch():  # another callback's batch, ending first, writes both
                ledger.pending("https://kabar.test/baru", "kabar")
            assert len(raw.ledger(run)) == 2
            ledger.stored("https://kabar.test/baru", "kabar", Outcome.NEW)
            assert len(raw.ledger(run)) == 2 and raw.ledger(run)[0]["outcome"] == "unfinished"
        rows = {e["url"]: e["outcome"] for e in raw.ledger(run)}
    assert rows == {"https://kabar.test/lama": Outcome.ALREADY_STORED,
                    "https://kabar.test/baru": Outcome.NEW}
