"""``pantau sources``: list, add and check the outlets the crawler visits (the sources file).

A thin layer over :mod:`crawler.sources` (loading, validating, appending) and
:mod:`crawler.check` (probing a live site). Data on stdout, messages on stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def sources_file_option(*, must_exist: bool = True) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        return click.option(
            "--sources",
            "sources_file",
            envvar="PANTAU_SOURCES",
            type=click.Path(dir_okay=False, exists=must_exist, path_type=Path),
            help="Sources file (YAML) [env: PANTAU_SOURCES; default: the shipped file]",
        )(fn)

    return decorate


def _load(path: Path | None) -> Any:
    from crawler.sources import SourcesError, load_sources

    try:
        return load_sources(path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _summary(s: Any) -> dict[str, Any]:
    return {
        "name": s.name,
        "title": s.title,
        "homepage": s.homepage,
        "region": s.region,
        "enabled": s.enabled,
        "feeds": list(s.feeds),
        "sitemaps": list(s.sitemaps),
        "listings": [{"url": x.url, "pages": x.pages, "days": x.days} for x in s.listings],
        "article_patterns": [p.pattern for p in s.article_patterns],
        "page_param": s.page_param,
        "user_agent": s.user_agent,
        "css": s.css,
    }


@click.group()
def sources() -> None:
    """List, add and check the outlets the crawler visits."""


@sources.command("list")
@sources_file_option()
@click.option("--json", "as_json", is_flag=True, help="Print every source's settings as JSON")
def list_cmd(sources_file: Path | None, as_json: bool) -> None:
    """List the sources (validating the file); disabled ones are marked."""
    config = _load(sources_file)
    if as_json:
        _emit({"path": config.path, "keywords": list(config.keywords),
               "sources": [_summary(s) for s in config.sources]})
        return
    width = max(len(s.name) for s in config.sources)
    for s in config.sources:
        found = f"{len(s.feeds)} feeds, {len(s.sitemaps)} sitemaps, {len(s.listings)} listings"
        flag = "" if s.enabled else "  [disabled]"
        click.echo(f"{s.name:<{width}}  {s.region or '-':<6} {s.homepage}  ({found}){flag}")


@sources.command()
@click.argument("name")
@click.option("--homepage", required=True, help="The outlet's homepage URL")
@click.option("--title", help="Display name [default: NAME]")
@click.option("--region", help="Province or kabupaten/kota code (Kemendagri), e.g. 53.71")
@click.option(
    "--preset",
    type=click.Choice(["wordpress", "yoast", "tribun", "antara"]),
    help="Fill feeds, sitemaps, listings and article patterns from a site engine's URL shapes",
)
@click.option("--feed", "feeds", multiple=True, help="RSS/Atom feed URL (repeatable)")
@click.option("--sitemap", "sitemaps", multiple=True, help="Sitemap or sitemap index URL")
@click.option(
    "--listing", "listings", multiple=True,
    help="Listing URL template with {page} and/or {date} (repeatable)",
)
@click.option("--pages", type=int, default=3, show_default=True, help="Pages per --listing")
@click.option("--pattern", "patterns", multiple=True, help="Article URL regex (repeatable)")
@click.option("--user-agent", help="'compatible' or a User-Agent string for this source")
@click.option("--disabled", is_flag=True, help="Add it switched off (enabled: false)")
@sources_file_option(must_exist=False)
def add(
    name: str,
    homepage: str,
    title: str | None,
    region: str | None,
    preset: str | None,
    feeds: tuple[str, ...],
    sitemaps: tuple[str, ...],
    listings: tuple[str, ...],
    pages: int,
    patterns: tuple[str, ...],
    user_agent: str | None,
    disabled: bool,
    sources_file: Path | None,
) -> None:
    """Add an outlet to a sources file (created from the shipped one if missing)."""
    from crawler.sources import SourcesError, add_source, source_entry

    if sources_file is None:
        raise click.ClickException(
            "pass --sources FILE (or set PANTAU_SOURCES): the shipped file is not edited;"
            " a missing FILE starts as a copy of it"
        )
    try:
        entry = source_entry(
            name, homepage, preset=preset, title=title, region=region, feeds=feeds,
            sitemaps=sitemaps, listings=[{"url": u, "pages": pages} for u in listings],
            article_patterns=patterns, user_agent=user_agent,
            enabled=False if disabled else None,
        )
        config = add_source(sources_file, entry)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    _emit(_summary(config.get(name)))
    click.echo(f"Added {name} to {sources_file} ({len(config.sources)} sources)", err=True)


@sources.command()
@click.argument("names", nargs=-1)
@sources_file_option()
@click.option(
    "--fetch", is_flag=True,
    help="Also probe each source live: robots.txt, feeds, sitemaps, first listing page",
)
@click.option(
    "--timeout", type=float, default=15.0, show_default=True, help="Seconds per request (--fetch)"
)
def check(names: tuple[str, ...], sources_file: Path | None, fetch: bool, timeout: float) -> None:
    """Validate the sources file; with --fetch, probe the sources NAMES (default: all enabled).

    Exits 1 when the file is invalid or a probed source has a problem.
    """
    from crawler.check import check_source
    from crawler.settings import contact, source_user_agent
    from crawler.sources import SourcesError

    config = _load(sources_file)
    try:
        chosen = [config.get(n) for n in names] or [s for s in config.sources if s.enabled]
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    if not fetch:
        _emit({"path": config.path, "valid": True, "sources": [s.name for s in chosen]})
        click.echo(f"{config.path}: valid, {len(config.sources)} sources", err=True)
        return
    reports = []
    for s in chosen:
        ua = source_user_agent(s.user_agent, contact())  # the crawl's choice, the crawl's code
        click.echo(f"checking {s.name} …", err=True)
        reports.append(check_source(s, ua, timeout))
    _emit([r.as_dict() for r in reports])
    bad = [r for r in reports if not r.ok]
    for r in bad:
        for problem in r.problems:
            click.echo(f"{r.name}: {problem}", err=True)
    if bad:
        raise click.ClickException(f"{len(bad)} of {len(reports)} sources have problems")
