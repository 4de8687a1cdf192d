"""Hiding the column a table page is sorted by (Datasette's "Hide this column", ``_nocol=``, or
a ``_col=`` list without it) made Datasette 0.65 answer 500 whenever there was a next page: the
next-page link is built from the last row's sort value, and the row no longer had it. The
searchable tables sort by ``published_order`` by default, a column people hide.

This ASGI wrapper keeps the sort column in the page's columns: it drops it from ``_nocol`` and
adds it to a ``_col`` list, before Datasette reads the query. Nothing else changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pluggy

hookimpl = pluggy.HookimplMarker("datasette")
Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def sort_column(
    datasette: Any, database: str, table: str, params: list[tuple[str, str]]
) -> str | None:
    """The column the page is sorted by: ``_sort``/``_sort_desc``, else the table's default."""
    for key, value in params:
        if key in ("_sort", "_sort_desc") and value:
            return value
    meta = datasette.table_metadata(database, table) or {}
    found = meta.get("sort_desc") or meta.get("sort")
    return str(found) if found else None


def keep_sort_column(params: list[tuple[str, str]], sort: str) -> list[tuple[str, str]]:
    """``params`` with ``sort`` out of ``_nocol`` and, if there is a ``_col`` list, in it."""
    kept = [(k, v) for k, v in params if not (k == "_nocol" and v == sort)]
    cols = [v for k, v in kept if k == "_col"]
    if cols and sort not in cols:
        kept.append(("_col", sort))
    return kept


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Asgi], Asgi]:
    def wrap(app: Asgi) -> Asgi:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            query = scope.get("query_string", b"")
            if scope.get("type") == "http" and (b"_col=" in query or b"_nocol=" in query):
                parts = scope.get("path", "").strip("/").split("/")
                if len(parts) == 2:  # /DATABASE/TABLE or /DATABASE/TABLE.json
                    database, table = parts[0], parts[1].split(".")[0]
                    params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                    sort = sort_column(datasette, database, table, params)
                    if sort:
                        fixed = keep_sort_column(params, sort)
                        if fixed != params:
                            scope = {**scope, "query_string": urlencode(fixed).encode("latin-1")}
            await app(scope, receive, send)

        return wrapped

    return wrap
