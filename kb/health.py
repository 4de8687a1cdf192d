"""Source health: one row per outlet per daily run, published with the KB.

``pantau daily`` compares what each outlet yielded today with what it usually yields
(``expected``: the median of the outlet's daily counts of new pages over the previous
:data:`HISTORY_DAYS` days of crawl history) and flags:

- ``drop`` — far fewer new pages than expected (a changed site layout, a broken feed …);
- ``all_failed_cleaning`` — pages were fetched but none of them cleaned into an article;
- ``blocked`` — robots.txt or HTTP 401/403/451 refused us;
- ``failing`` — most fetches failed (5xx, timeouts, connection errors).

The table lives in the KB's metadata (imported by :mod:`kb.store`) so migrations and the
published snapshot include it and Datasette shows it. The assessment itself works on plain
values (ledger rows with their :class:`kb.ledger.Outcome` codes, processing outcomes, daily
counts): it knows nothing of HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Field, Session, SQLModel, select

from kb.ledger import Outcome, State
from kb.raw import RawStore

HEALTH_FLAGS = ("drop", "all_failed_cleaning", "blocked", "failing")
HISTORY_DAYS = 14  # two weeks: covers the weekday/weekend rhythm of a newsroom
MIN_HISTORY_DAYS = 3  # a median of fewer days says little about an outlet's usual volume
DROP_FRACTION = 0.3  # under 30 % of the usual volume: something broke, not a slow news day
MIN_EXPECTED_FOR_DROP = 3.0  # an outlet with 1–2 new pages a day has quiet days; not a drop
FAILING_RATIO = 0.5  # at least half of an outlet's fetches failed


def ledger_outcome(row: Mapping[str, Any]) -> Outcome:
    """The outcome code of a ledger row (:meth:`kb.raw.RawStore.ledger`)."""
    return Outcome(row["outcome"])


class SourceHealth(SQLModel, table=True):
    """Health of one outlet in one daily run: expected vs collected, with flags."""

    __tablename__ = "source_health"
    id: int | None = Field(default=None, primary_key=True)
    crawl_run_id: int | None = Field(
        default=None, index=True, description="Crawl run (raw store id) this row judges"
    )
    checked_at: str = Field(index=True, description="UTC time of the check, ISO 8601")
    day: str = Field(index=True, description="Local day of the run, YYYY-MM-DD")
    outlet: str = Field(index=True, description="Source slug (outlet.name)")
    expected: float | None = Field(
        default=None, description="Usual new pages a day: median of recent days (None: no history)"
    )
    collected: int = Field(default=0, description="New pages stored today (all runs of the day)")
    attempted: int = Field(default=0, description="URLs fetched or tried in this run")
    failed: int = Field(default=0, description="URLs that failed in this run")
    blocked: int = Field(default=0, description="URLs refused by robots.txt or HTTP 401/403/451")
    cleaned: int = Field(default=0, description="This run's pages that became articles")
    rejected: int = Field(default=0, description="This run's pages the cleaner rejected or errored")
    status: str = Field(index=True, description="ok | warning (one or more flags)")
    flags: str = Field(default="[]", description="JSON list: drop, all_failed_cleaning, blocked …")
    detail: str | None = Field(default=None, description="What the flags mean for this outlet")


@dataclass
class OutletRun:
    """What one outlet did in one run, counted from the run's ledger and processing outcomes."""

    outlet: str
    answered: int = 0  # stored pages + discovery pages that answered
    failed: int = 0
    blocked: int = 0
    stored_urls: list[str] = field(default_factory=list)
    cleaned: int = 0
    rejected: int = 0

    @property
    def attempted(self) -> int:
        return self.answered + self.failed


def outlet_runs(
    sources: Iterable[str],
    ledger: Iterable[Mapping[str, Any]],
    outcomes: Mapping[str, str] | None = None,
) -> dict[str, OutletRun]:
    """Per outlet counts for one run from its ledger rows and ``{page url: outcome}``."""
    runs = {name: OutletRun(name) for name in sources}
    for row in ledger:
        run = runs.setdefault(str(row.get("source") or ""), OutletRun(str(row.get("source"))))
        code = ledger_outcome(row)
        if code.state is State.FAILED:
            run.failed += 1
        elif code.answered:
            run.answered += 1
        if code in (Outcome.NEW, Outcome.CHANGED):
            run.stored_urls.append(str(row["url"]))
        if code.blocked:
            run.blocked += 1
    for run in runs.values():
        for url in run.stored_urls:
            outcome = (outcomes or {}).get(url)
            if outcome == "article":
                run.cleaned += 1
            elif outcome in ("rejected", "error"):
                run.rejected += 1
    runs.pop("", None)
    return runs


def expected_volume(
    days: Mapping[dt.date, int], today: dt.date, *, history_days: int = HISTORY_DAYS
) -> float | None:
    """Median new pages per day over the previous ``history_days`` days with a run."""
    start = today - dt.timedelta(days=history_days)
    counts = [n for day, n in days.items() if start <= day < today]
    if len(counts) < MIN_HISTORY_DAYS:
        return None
    return float(statistics.median(counts))


def assess(
    run: OutletRun, *, expected: float | None, collected: int
) -> tuple[list[str], str | None]:
    """The flags for one outlet and a one-line explanation (None when healthy)."""
    flags: list[str] = []
    notes: list[str] = []
    if (
        expected is not None
        and expected >= MIN_EXPECTED_FOR_DROP
        and collected < DROP_FRACTION * expected
    ):
        flags.append("drop")
        notes.append(f"{collected} new pages today, usually {expected:g}")
    if run.stored_urls and run.cleaned == 0 and run.rejected > 0:
        flags.append("all_failed_cleaning")
        notes.append(f"none of {run.rejected} fetched pages cleaned into an article")
    if run.blocked:
        flags.append("blocked")
        notes.append(f"{run.blocked} URLs refused (robots.txt or HTTP 401/403/451)")
    if run.failed and run.failed >= FAILING_RATIO * run.attempted:
        flags.append("failing")
        notes.append(f"{run.failed} of {run.attempted} fetches failed")
    return flags, "; ".join(notes) or None


def health_rows(
    runs: Mapping[str, OutletRun],
    history: Mapping[str, Mapping[dt.date, int]],
    *,
    today: dt.date,
    crawl_run_id: int | None,
    checked_at: str,
) -> list[SourceHealth]:
    """One :class:`SourceHealth` row per outlet of the run."""
    rows = []
    for name in sorted(runs):
        run = runs[name]
        days = history.get(name, {})
        expected = expected_volume(days, today)
        collected = int(days.get(today, 0))
        flags, detail = assess(run, expected=expected, collected=collected)
        rows.append(
            SourceHealth(
                crawl_run_id=crawl_run_id,
                checked_at=checked_at,
                day=today.isoformat(),
                outlet=name,
                expected=expected,
                collected=collected,
                attempted=run.attempted,
                failed=run.failed,
                blocked=run.blocked,
                cleaned=run.cleaned,
                rejected=run.rejected,
                status="warning" if flags else "ok",
                flags=json.dumps(flags),
                detail=detail,
            )
        )
    return rows


def _local_day(iso: str, tz: dt.tzinfo | None) -> dt.date:
    moment = dt.datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz).date()


def daily_new_pages(
    raw_path: str | Path, *, tz: dt.tzinfo | None = None, since: dt.date | None = None
) -> dict[str, dict[dt.date, int]]:
    """``{outlet: {local day: new pages stored}}`` from the raw store's crawl history.

    Every day with a run that included the outlet appears, with 0 when nothing new came.
    """
    with RawStore(raw_path, readonly=True) as raw:
        runs = [(r["id"], r["started_at"], r["sources"]) for r in raw.runs()]
        new = raw.new_pages_per_run()
    day_of: dict[int, dt.date] = {}
    out: dict[str, dict[dt.date, int]] = {}
    for run_id, started, sources in runs:
        day = _local_day(str(started), tz)
        if since and day < since:
            continue
        day_of[int(str(run_id))] = day
        for name in sources if isinstance(sources, list) else []:
            out.setdefault(name, {}).setdefault(day, 0)
    for run_id, source, n in new:
        if run_id in day_of and source:
            days = out.setdefault(source, {})
            days[day_of[run_id]] = days.get(day_of[run_id], 0) + int(n)
    return out


def store_health(engine: Any, rows: Iterable[SourceHealth]) -> None:
    """Write health rows to the KB (one transaction)."""
    with Session(engine, expire_on_commit=False) as s:  # callers read the rows afterwards
        for row in rows:
            s.add(row)
        s.commit()


def latest_health(engine: Any, day: str | None = None) -> list[SourceHealth]:
    """The rows of the most recent check (of ``day`` when given), by outlet."""
    with Session(engine) as s:
        query = select(SourceHealth)
        if day:
            query = query.where(SourceHealth.day == day)
        last = s.exec(query.order_by(SourceHealth.id.desc())).first()  # type: ignore[union-attr]
        if last is None:
            return []
        rows = s.exec(
            select(SourceHealth)
            .where(SourceHealth.checked_at == last.checked_at)
            .order_by(SourceHealth.outlet)
        ).all()
        return list(rows)
