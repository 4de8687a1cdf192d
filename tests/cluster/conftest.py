"""Cluster test fixtures: a fresh PostgreSQL schema for the shared raw store and a Redis key
prefix of its own per test (both removed afterwards); skipped cleanly when either server or the
``cluster`` extra is absent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.kb.conftest import POSTGRES


@pytest.fixture
def raw_db() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://"),
                                autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    schema = f"cluster_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture
def frontier() -> Iterator[object]:
    """A :class:`crawler.distributed.Frontier` on the local Redis with a prefix of its own."""
    pytest.importorskip("scrapy_redis")
    redis = pytest.importorskip("redis")
    from crawler.distributed import Frontier

    front = Frontier("redis://127.0.0.1:6379/0", f"pantau-test-{uuid.uuid4().hex[:12]}")
    try:
        front.client().ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at 127.0.0.1:6379: {exc}")
    yield front
    client = front.client()
    keys = list(client.scan_iter(f"{front.prefix}*"))  # trials add "-N" to the prefix
    if keys:
        client.delete(*keys)
