"""Issue 16: a dropped PostgreSQL connection under a KB write is retried (bounded, doubling
waits); giving up is one line. The drop is real: pg_terminate_backend from another connection."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from pantau.config import ConnectionLost, open_kb, retry_dropped
from tests.kb.conftest import POSTGRES
from tests.pantau.test_postgres_raw import pg_schema  # noqa: F401  (the fixture)

OUTLET = {"name": "kabar-uji", "title": "Kabar Uji", "homepage": "http://kabar-uji.test/",
          "region_code": "53.71"}


def dropped(invalidated: bool) -> OperationalError:
    return OperationalError("INSERT …", {}, Exception("server closed the connection unexpectedly"),
                            connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("failures", "invalidated", "attempts", "outcome", "waits"),
    [
        (0, True, 4, "ok", []),
        (1, True, 4, "ok", [0.5]),
        (3, True, 4, "ok", [0.5, 1.0, 2.0]),
        (4, True, 4, "gave up", [0.5, 1.0, 2.0]),
        (1, False, 4, "raised", []),  # not a dropped connection: no retry
    ],
)
def test_retry_dropped(
    failures: int, invalidated: bool, attempts: int, outcome: str, waits: list[float]
) -> None:
    calls: list[int] = []
    slept: list[float] = []

    def step() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise dropped(invalidated)
        return "ok"

    def run() -> str:
        return retry_dropped(step, "proses", attempts=attempts, sleep=slept.append)

    if outcome == "ok":
        assert run() == "ok" and len(calls) == failures + 1
    elif outcome == "gave up":
        with pytest.raises(ConnectionLost) as info:
            run()
        assert str(info.value) == (
            "proses: the database connection dropped 4 times, gave up:"
            " server closed the connection unexpectedly")
    else:
        with pytest.raises(OperationalError):
            run()
    assert slept == waits


@pytest.fixture
def kb_and_killer(pg_schema: Callable[[str], str]) -> Iterator[tuple[Any, Callable[[], None]]]:  # noqa: F811
    """A KB on a fresh PostgreSQL schema, and a function that terminates the backend of the
    connection the KB's pool holds (from another connection)."""
    import psycopg

    kb = open_kb(pg_schema("kb"))
    admin = psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://"),
                            autocommit=True)

    def kill() -> None:
        with kb.engine.connect() as conn:  # the pooled connection the next write will use
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    try:
        yield kb, kill
    finally:
        kb.close()
        admin.close()


def outlets(kb: Any) -> list[str]:
    with kb.engine.connect() as conn:
        return list(conn.execute(text("SELECT name FROM outlet")).scalars())


def test_terminated_backend_is_retried(
    kb_and_killer: tuple[Any, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    kb, kill = kb_and_killer
    kill()
    with caplog.at_level(logging.WARNING, logger="pantau.config"):
        retry_dropped(lambda: kb.upsert_outlets([OUTLET]), "process", first_wait=0.01)
    assert outlets(kb) == ["kabar-uji"]
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "process: database connection dropped"]


def test_gives_up_in_one_line(kb_and_killer: tuple[Any, Callable[[], None]]) -> None:
    kb, kill = kb_and_killer

    def write() -> None:
        kill()  # the server drops this connection every time
        kb.upsert_outlets([OUTLET])

    with pytest.raises(ConnectionLost) as info:
        retry_dropped(write, "source health", attempts=3, first_wait=0.01)
    message = str(info.value)
    assert message.startswith("source health: the database connection dropped 3 times, gave up: ")
    assert "\n" not in message
    assert outlets(kb) == []
