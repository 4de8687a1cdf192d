"""Resource limits for the SQL Datasette runs on the snapshot (``--plugins-dir datasette/plugins``).

Datasette stops a query at ``sql_time_limit_ms`` with a progress handler that SQLite calls every
1000 virtual-machine steps. One step can take far longer than that: a single function call over
a huge value (``replace(hex(zeroblob(450000000)), '0', '0')`` ran 36 s at 3.1 GB, with no step
boundary inside), a quadratic one (``instr`` of a long needle in a long haystack), and a row of
2,000 values can be fetched into Python memory before the limit is reached. So every connection
to the snapshot gets bounds the time limit cannot step around:

- SQLite limits: ``SQLITE_LIMIT_LENGTH`` — no expression may build a string or blob longer than
  ``max_value_bytes`` (never below the longest value stored in the snapshot, which
  ``pantau publish`` records as ``longest_value_bytes``), so ``zeroblob``, ``randomblob``,
  ``hex``, ``||``, ``group_concat`` … fail at once with "string or blob too big";
  ``SQLITE_LIMIT_LIKE_PATTERN_LENGTH`` (LIKE/GLOB cost is length × pattern), ``SQL_LENGTH``,
  ``ATTACHED`` 0;
- ``instr``, ``replace``, ``trim``/``ltrim``/``rtrim`` replaced by linear versions (Python's
  string search), and ``printf``/``format`` refusing a width or precision above the length
  limit (SQLite 3.40 spends seconds on ``printf('%.*c', 2000000000, 'x')`` and returns NULL);
  each of them also checks the time limit on every call, not every 1000 steps;
- a budget for what one statement returns (``max_result_bytes``), counted row by row as
  Datasette fetches them: past it the query fails with "query result too large";
- ``PRAGMA hard_heap_limit`` (``heap_limit_bytes``): all SQLite memory in the process.

The values live in ``metadata.yml`` under ``plugins: pantau-limits:``. Canned queries run
under the same limits. For a public deployment, arbitrary SQL can be turned off altogether
(``pantau serve --no-sql``): see the README, "Public deployments".
"""

from __future__ import annotations

import re
import sqlite3
import time
import weakref
from collections.abc import Callable
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("datasette")  # datasette.hookimpl, typed (pluggy ships types)
PLUGIN = "pantau-limits"
DEFAULTS = {
    "max_value_bytes": 1024 * 1024,  # raised to the longest value stored (publish records it)
    "max_like_pattern_bytes": 100,  # a LIKE/GLOB pattern: names, phrases
    "max_sql_bytes": 100_000,
    "max_result_bytes": 32 * 1024 * 1024,  # a page of 2000 articles is ~10 MB
    "heap_limit_bytes": 512 * 1024 * 1024,  # SQLite, whole process
}
SKIP = {"_internal"}  # Datasette's own catalog database
FORMAT_SPEC = re.compile(r"%([-+ 0#!,]*)(\*|\d+)?(?:\.(\*|\d+)?)?(l{0,2})(.)", re.DOTALL)
VALUE_OVERHEAD = 16  # bytes counted per returned value besides its text or blob


def limits(datasette: Any) -> dict[str, int]:
    """The configured limits, with ``max_value_bytes`` raised to the longest stored value."""
    config = datasette.plugin_config(PLUGIN) or {}
    values = {key: int(config.get(key, default)) for key, default in DEFAULTS.items()}
    values["max_value_bytes"] = max(
        values["max_value_bytes"], int(config.get("longest_value_bytes") or 0)
    )
    return values


class Guard:
    """Per connection: the running statement's deadline and how much it has returned."""

    def __init__(self, conn: sqlite3.Connection, values: dict[str, int], seconds: float) -> None:
        self.conn = conn  # (a cycle through its functions; connections live as long)
        self.values = values
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.returned: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()
        self.helper = sqlite3.connect(":memory:", check_same_thread=False)  # the built-ins
        self.helper.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, values["max_value_bytes"])

    def statement(self, sql: str) -> None:
        """Trace callback: a statement starts (statements SQLite runs inside it — FTS, the
        schema — start it again, so this deadline is a second line behind Datasette's)."""
        self.deadline = time.monotonic() + self.seconds

    def in_time(self) -> bool:
        """False once past the deadline: the functions then return at once, and Datasette's
        progress handler ends the statement ("took too long"). Not ``conn.interrupt()``: its
        flag outlives the statement until SQLite resets it and can interrupt Datasette's own
        next query on the connection (``PRAGMA schema_version`` → HTTP 500)."""
        return time.monotonic() <= self.deadline

    def too_big(self) -> bytes:
        """A value SQLite refuses: the call fails with its own "string or blob too big"."""
        return bytes(self.values["max_value_bytes"] + 1)

    def builtin(self, name: str, *args: Any) -> Any:
        marks = ", ".join("?" for _ in args)
        return self.helper.execute(f"SELECT {name}({marks})", args).fetchone()[0]

    def row(self, cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> sqlite3.Row:
        """Row factory: count what the statement returned (Datasette uses sqlite3.Row)."""
        size = sum(VALUE_OVERHEAD + (len(v) if isinstance(v, str | bytes) else 0) for v in row)
        total = self.returned.get(cursor, 0) + size
        self.returned[cursor] = total
        if total > self.values["max_result_bytes"]:
            mb = self.values["max_result_bytes"] / 1024 / 1024
            raise sqlite3.OperationalError(
                f"query result too large: more than {mb:g} MB; ask for fewer rows or columns"
            )
        return sqlite3.Row(cursor, row)


def _as_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _instr(guard: Guard) -> Callable[[Any, Any], Any]:
    def instr(haystack: Any, needle: Any) -> Any:
        if haystack is None or needle is None or not guard.in_time():
            return None
        if isinstance(haystack, bytes) and isinstance(needle, bytes):
            return haystack.find(needle) + 1  # blobs: a byte offset
        if not isinstance(haystack, str | bytes) or not isinstance(needle, str | bytes):
            return guard.builtin("instr", haystack, needle)  # a number: short
        return _as_text(haystack).find(_as_text(needle)) + 1

    return instr


def _replace(guard: Guard) -> Callable[[Any, Any, Any], Any]:
    def replace(text: Any, old: Any, new: Any) -> Any:
        if text is None or old is None or new is None or not guard.in_time():
            return None
        if not all(isinstance(v, str | bytes) for v in (text, old, new)):
            return guard.builtin("replace", text, old, new)
        text, old, new = _as_text(text), _as_text(old), _as_text(new)
        if not old:
            return text
        size = len(text.encode()) + text.count(old) * (len(new.encode()) - len(old.encode()))
        if size > guard.values["max_value_bytes"]:
            return guard.too_big()
        return text.replace(old, new)

    return replace


def _trim(guard: Guard, name: str) -> Callable[..., Any]:
    left, right = name in ("trim", "ltrim"), name in ("trim", "rtrim")

    def trim(text: Any, chars: Any = " ") -> Any:
        if text is None or chars is None or not guard.in_time():
            return None
        if not isinstance(text, str | bytes) or not isinstance(chars, str | bytes):
            return guard.builtin(name, text, chars)
        text, chars = _as_text(text), _as_text(chars)
        if len(chars) <= 64:  # str.strip looks each character up in ``chars``
            if left and right:
                return text.strip(chars)
            return text.lstrip(chars) if left else text.rstrip(chars)
        drop = set(chars)
        start, end = 0, len(text)
        while left and start < end and text[start] in drop:
            start += 1
        while right and end > start and text[end - 1] in drop:
            end -= 1
        return text[start:end]

    return trim


def _printf(guard: Guard, name: str) -> Callable[..., Any]:
    def printf(*args: Any) -> Any:
        if not args or not guard.in_time():
            return None
        fmt = args[0]
        if isinstance(fmt, str):
            rest = list(args[1:])
            for m in FORMAT_SPEC.finditer(fmt):
                if m.group(5) == "%":
                    continue
                for part in (m.group(2), m.group(3)):
                    if part == "*":
                        value = rest.pop(0) if rest else 0
                        try:
                            part = str(abs(int(value)))
                        except (TypeError, ValueError):
                            part = "0"
                    if part and int(part) > guard.values["max_value_bytes"]:
                        return guard.too_big()
                if rest:
                    rest.pop(0)
        return guard.builtin(name, *args)

    return printf


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    if database in SKIP:
        return
    values = limits(datasette)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, values["max_value_bytes"])
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, values["max_like_pattern_bytes"])
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, values["max_sql_bytes"])
    if database != "_memory":  # --crossdb attaches databases to _memory
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.execute(f"PRAGMA hard_heap_limit = {int(values['heap_limit_bytes'])}")
    guard = Guard(conn, values, datasette.setting("sql_time_limit_ms") / 1000)
    conn.set_trace_callback(guard.statement)
    conn.row_factory = guard.row
    conn.create_function("instr", 2, _instr(guard), deterministic=True)
    conn.create_function("replace", 3, _replace(guard), deterministic=True)
    for name in ("trim", "ltrim", "rtrim"):
        conn.create_function(name, 1, _trim(guard, name), deterministic=True)
        conn.create_function(name, 2, _trim(guard, name), deterministic=True)
    for name in ("printf", "format"):
        conn.create_function(name, -1, _printf(guard, name), deterministic=True)
