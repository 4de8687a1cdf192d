"""Build small KB articles with facts, in the shape the extractors produce (our own text)."""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Callable
from typing import Any

from kb.store import KB


def kill_at(at: int) -> Callable[..., None]:
    """A SQLAlchemy event listener that SIGKILLs this process on its ``at``-th call (crash
    tests: a kill at every SQL statement)."""
    count = 0

    def maybe_kill(*_args: Any, **_kw: Any) -> None:
        nonlocal count
        count += 1
        if count == at:
            os.kill(os.getpid(), signal.SIGKILL)

    return maybe_kill


def ev(sentence: str = "kalimat uji", start: int = 0, end: int = 1) -> dict[str, Any]:
    return {"start": start, "end": end, "sentence": sentence, "extractor": "uji", "version": "0",
            "confidence": 0.9}


def official(name: str, title: str, region: str | None = None,
             organization: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "title": title, "region": region, "organization": organization,
            "text": name, **ev(), **extra}


def facts(*, officials: list[dict[str, Any]] | None = None, counts: tuple[int, ...] = (),
          amounts: tuple[int, ...] = (), percents: tuple[float, ...] = (),
          events: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    return {
        "officials": officials or [],
        "worker_counts": [{"value": v, "noun": "pekerja rentan", "text": str(v), **ev()}
                          for v in counts],
        "amounts": [{"value": v, "currency": "IDR", "text": f"Rp{v}", **ev()} for v in amounts],
        "percentages": [{"value": v, "text": f"{v} persen", **ev()} for v in percents],
        "events": [{"type": t, "date": d, "text": t, **ev()} for t, d in events],
        "quotes": [],
        "regions": [],
    }


def add(kb: KB, url: str, text: str, *, published: str, source: str = "uji",
        title: str | None = None, version: str = "1", **fact_args: Any) -> str:
    body = f"{title or text[:60]}\n{text}"
    return kb.ingest(
        source=source,
        page_sha256=hashlib.sha256(f"{url}{body}{version}".encode()).hexdigest(),
        fetched_at=None,
        article={"url": url, "title": title or text[:60], "text": text, "published": published},
        facts=facts(**fact_args),
        extractor_version=version,
    )
