"""Watchlists and the digest's issue-15 sections: the pickup of yesterday's releases, and what
the day's new articles say about the watched keywords, officials, organisations and regions.

A watchlist is a YAML file, validated when `pantau daily --watchlist FILE` starts (a bad one is
one line naming the key, before any crawl)::

    keywords: [BPJS Ketenagakerjaan, pekerja rentan]   # words or phrases, any case
    officials: [Agustinus Lelo]                        # part of a name, any case
    organisations: [BPJS Ketenagakerjaan, Dinas Nakertrans]
    regions: [Malaka, "53.71"]                         # region name or Kemendagri code
    alerts:                                            # optional: where the section is sent
      email:
        to: [humas@example.go.id]
        from: pantau@example.org
        smtp_host: 127.0.0.1
        smtp_port: 25                                  # default 25
        starttls: false                                # default false
        username: pantau                               # optional, with the password in the
        password_env: PANTAU_SMTP_PASSWORD             # environment variable named here
        subject: "Pantau: daftar pantauan"             # optional
      webhook:
        url: https://hooks.example.org/pantau          # receives a JSON POST

An article matches when its title or text holds a keyword (whole words), an official it names
or quotes holds a watched name, an organisation it names (or its text) holds a watched
organisation, or a region it mentions has a watched name or code. The section lists the
matches with what matched. It is sent (e-mail, webhook) only when something matched, and only
the articles not already sent that day (``DIGESTS/DAY.watchlist.json`` remembers them), so a
second daily run the same day sends only what is new. A failed send is reported in the daily
JSON (``digest.alerts``) and logged; it never fails the run.

The release-pickup section ("Pemberitaan rilis kemarin") lists yesterday's releases of the
sources marked ``issuer: true`` and, for each, the articles that picked it up
(:func:`kb.coverage.find_coverage`): outlet, delay, kind, and the facts they got different.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import smtplib
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

import wilayah

if TYPE_CHECKING:  # the KB is imported when a digest is written, not when the CLI starts
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

LIST_KEYS = ("keywords", "officials", "organisations", "regions")
ALERT_KEYS = {"email", "webhook"}
EMAIL_KEYS = {"to", "from", "smtp_host", "smtp_port", "starttls", "username", "password_env",
              "subject"}  # fmt: skip
SEND_TIMEOUT = 20.0  # seconds per SMTP session or webhook POST: a dead server must not hang cron
MAX_TERM_CHARS = 200  # one watched term; longer is a pasted paragraph, not a term
RELEASE_WINDOW_DAYS = 2  # yesterday's releases: pickups of the release day and of today
MATCH_BATCH = 500


class WatchlistError(ValueError):
    """A watchlist file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class EmailAlert:
    to: tuple[str, ...]
    sender: str
    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    subject: str = "Pantau: daftar pantauan"


@dataclass(frozen=True)
class Watchlist:
    keywords: tuple[str, ...] = ()
    officials: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    email: EmailAlert | None = None
    webhook: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.officials or self.organisations or self.regions)


def _terms(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        raise WatchlistError(f"{where}: expected a list of strings")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise WatchlistError(f"{where}[{i}]: expected a string: {item!r}")
        text = " ".join(str(item).split())
        if not text:
            raise WatchlistError(f"{where}[{i}]: empty")
        if len(text) > MAX_TERM_CHARS:
            raise WatchlistError(f"{where}[{i}]: longer than {MAX_TERM_CHARS} characters")
        out.append(text)
    return tuple(out)


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.match(r"https?://[^\s/]+", value):
        raise WatchlistError(f"{where}: not an http(s) URL: {value!r}")
    return value


def _email(raw: Any, where: str) -> EmailAlert:
    if not isinstance(raw, dict):
        raise WatchlistError(f"{where}: expected a mapping")
    unknown = sorted(set(raw) - EMAIL_KEYS)
    if unknown:
        raise WatchlistError(f"{where}.{unknown[0]}: unknown key (allowed: {sorted(EMAIL_KEYS)})")
    to = raw.get("to")
    to = [to] if isinstance(to, str) else to
    if not to or not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
        raise WatchlistError(f"{where}.to: expected one or more e-mail addresses")
    sender = raw.get("from")
    if not isinstance(sender, str) or "@" not in sender:
        raise WatchlistError(f"{where}.from: expected an e-mail address")
    host = raw.get("smtp_host")
    if not isinstance(host, str) or not host.strip():
        raise WatchlistError(f"{where}.smtp_host: expected a host name")
    port = raw.get("smtp_port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise WatchlistError(f"{where}.smtp_port: expected a port number: {port!r}")
    starttls = raw.get("starttls", False)
    if not isinstance(starttls, bool):
        raise WatchlistError(f"{where}.starttls: expected true or false (unquoted)")
    for key in ("username", "password_env", "subject"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            raise WatchlistError(f"{where}.{key}: expected a string")
    return EmailAlert(
        to=tuple(to), sender=sender, host=host, port=port, starttls=starttls,
        username=raw.get("username"), password_env=raw.get("password_env"),
        subject=raw.get("subject") or EmailAlert.subject,
    )  # fmt: skip


def parse_watchlist(data: Any, name: str = "watchlist") -> Watchlist:
    if not isinstance(data, dict):
        raise WatchlistError(f"{name}: expected a mapping of {', '.join(LIST_KEYS)}, alerts")
    unknown = sorted(set(data) - {*LIST_KEYS, "alerts"})
    if unknown:
        raise WatchlistError(
            f"{name}: {unknown[0]}: unknown key (allowed: {', '.join(LIST_KEYS)}, alerts)"
        )
    lists = {k: _terms(data.get(k), f"{name}: {k}") for k in LIST_KEYS}
    alerts = data.get("alerts") or {}
    if not isinstance(alerts, dict):
        raise WatchlistError(f"{name}: alerts: expected a mapping with email and/or webhook")
    bad = sorted(set(alerts) - ALERT_KEYS)
    if bad:
        raise WatchlistError(f"{name}: alerts.{bad[0]}: unknown key (allowed: email, webhook)")
    email = _email(alerts["email"], f"{name}: alerts.email") if alerts.get("email") else None
    hook = alerts.get("webhook")
    if hook is not None:
        if not isinstance(hook, dict) or set(hook) - {"url"}:
            raise WatchlistError(f"{name}: alerts.webhook: expected a mapping with url")
        hook = _url(hook.get("url"), f"{name}: alerts.webhook.url")
    watch = Watchlist(**lists, email=email, webhook=hook)
    if watch.empty:
        raise WatchlistError(f"{name}: nothing to watch (give {', '.join(LIST_KEYS)})")
    return watch


def load_watchlist(path: Path) -> Watchlist:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise WatchlistError(f"{path}: cannot read: {why}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise WatchlistError(f"{path}:{where} not YAML: {getattr(exc, 'problem', exc)}") from exc
    return parse_watchlist(data, path.name)


# -- matching ------------------------------------------------------------------------------------
@dataclass
class Match:
    article_id: int
    title: str
    url: str
    outlet: str
    published_local: str
    why: list[str] = field(default_factory=list)  # "kata kunci: BPJS Ketenagakerjaan" …

    def as_dict(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "title": self.title, "url": self.url,
                "outlet": self.outlet, "published_local": self.published_local, "why": self.why}


def _word_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)", re.I)


def match_articles(engine: Engine, watch: Watchlist, ids: Sequence[int]) -> list[Match]:
    """The articles among ``ids`` that match the watchlist, with what matched."""
    from sqlalchemy import select

    from kb.coverage import local_time
    from kb.models import Article, ArticleRegion, Mention, Outlet, Quote, Region
    from kb.resolve import table

    a, o, m, q = table(Article), table(Outlet), table(Mention), table(Quote)
    ar, r = table(ArticleRegion), table(Region)
    keywords = [(k, _word_pattern(k)) for k in watch.keywords]
    orgs = [(k, _word_pattern(k)) for k in watch.organisations]
    matches: list[Match] = []
    for start in range(0, len(ids), MATCH_BATCH):
        chunk = list(ids[start : start + MATCH_BATCH])
        with engine.connect() as conn:
            arts = conn.execute(
                select(a.c.id, a.c.title, a.c.text, a.c.url, a.c.published, o.c.title,
                       o.c.region_code)
                .select_from(a.outerjoin(o, o.c.id == a.c.outlet_id))
                .where(a.c.id.in_(chunk)).order_by(a.c.published, a.c.id)
            ).all()  # fmt: skip
            people: dict[int, set[str]] = {}
            organisations: dict[int, set[str]] = {}
            for aid, name, org in conn.execute(
                select(m.c.article_id, m.c.name, m.c.organization).where(m.c.article_id.in_(chunk))
            ):
                people.setdefault(aid, set()).add(name)
                if org:
                    organisations.setdefault(aid, set()).add(org)
            for aid, speaker in conn.execute(
                select(q.c.article_id, q.c.speaker)
                .where(q.c.article_id.in_(chunk), q.c.speaker.is_not(None))
            ):  # fmt: skip
                people.setdefault(aid, set()).add(speaker)
            places: dict[int, set[tuple[str, str]]] = {}
            if watch.regions:
                for aid, code, name in conn.execute(
                    select(ar.c.article_id, r.c.code, r.c.name)
                    .select_from(ar.join(r, r.c.code == ar.c.region_code))
                    .where(ar.c.article_id.in_(chunk))
                ):  # fmt: skip
                    places.setdefault(aid, set()).add((code, name))
        for aid, title, text, url, published, outlet, region in arts:
            why: list[str] = []
            body = f"{title}\n{text}"
            why += [f"kata kunci: {k}" for k, p in keywords if p.search(body)]
            for official in watch.officials:
                hit = sorted(n for n in people.get(aid, ()) if official.lower() in n.lower())
                if hit:
                    why.append(f"tokoh: {hit[0]}")
            for org, pattern in orgs:
                named = [n for n in organisations.get(aid, ()) if org.lower() in n.lower()]
                if named or pattern.search(body):
                    why.append(f"organisasi: {org}")
            for watched in watch.regions:
                hit = sorted(n for c, n in places.get(aid, ())
                             if watched == c or watched.lower() == n.lower())  # fmt: skip
                if hit:
                    why.append(f"wilayah: {hit[0]}")
            if why:
                when = local_time(published, wilayah.zone_of(region))
                matches.append(Match(aid, title, url, outlet or "", when, why))
    return matches


# -- sections ------------------------------------------------------------------------------------
def _md(text: Any) -> str:
    from pantau.digest import md

    return md(text)


def _link(url: str | None) -> str:
    """A URL for a Markdown link: only http(s), percent-encoded where Markdown needs it."""
    from pantau.digest import md_url, safe_url

    return md_url(safe_url(url))


def watchlist_markdown(matches: Sequence[Match], watch: Watchlist) -> str:
    lines = ["## Daftar pantauan", ""]
    if not matches:
        return "\n".join([*lines, "Tidak ada artikel baru yang cocok dengan daftar pantauan.", ""])
    lines.append(f"{len(matches)} artikel baru cocok dengan daftar pantauan.")
    lines.append("")
    for x in matches:
        lines.append(f"- [{_md(x.title)}]({_link(x.url)}) — {_md(x.outlet)}, {x.published_local}")
        lines.append(f"  - {_md('; '.join(x.why))}")
    return "\n".join([*lines, ""])


def watchlist_html(matches: Sequence[Match]) -> str:
    if not matches:
        return "<h2>Daftar pantauan</h2>\n<p>Tidak ada artikel baru yang cocok.</p>\n"
    items = "".join(
        f'<li><a href="{escape(x.url)}">{escape(x.title)}</a> — {escape(x.outlet)},'
        f" {escape(x.published_local)}<br><small>{escape('; '.join(x.why))}</small></li>\n"
        for x in matches
    )
    head = f"<h2>Daftar pantauan</h2>\n<p>{len(matches)} artikel baru cocok.</p>\n"
    return f"{head}<ul>\n{items}</ul>\n"


def release_pickups(engine: Engine, issuers: Iterable[str], day: dt.date) -> list[Any]:
    """Coverage reports of the issuers' releases published on ``day`` (local, WITA)."""
    from kb.coverage import find_coverage, load_documents, releases_between

    start = dt.datetime.combine(day, dt.time(), wilayah.DEFAULT_ZONE)
    ids = releases_between(engine, issuers, start, start + dt.timedelta(days=1))
    if not ids:
        return []
    with engine.connect() as conn:
        docs = load_documents(conn, ids)
    names = list(issuers)
    return [
        find_coverage(engine, docs[i], window_days=RELEASE_WINDOW_DAYS, exclude_outlets=names)
        for i in ids if i in docs
    ]  # fmt: skip


def pickup_markdown(reports: Sequence[Any], day: dt.date) -> str:
    from kb.coverage import LABELS_ID

    lines = ["## Pemberitaan rilis kemarin", ""]
    if not reports:
        return "\n".join([*lines, f"Tidak ada rilis dari sumber penerbit pada {day}.", ""])
    for rep in reports:
        d = rep.as_dict()
        r = d["release"]
        lines.append(f"### [{_md(r['title'])}]({_link(r['url'])})")
        lines.append("")
        lines.append(f"{_md(r['outlet_title'] or r['outlet'])}, {r['published_local']}")
        lines.append("")
        if not d["articles"]:
            lines += ["Belum diberitakan.", ""]
            continue
        s = d["summary"]
        lines.append(f"Diberitakan {s['articles']} artikel di {s['outlets']} media;"
                     f" {s['different']} fakta berbeda.")  # fmt: skip
        lines.append("")
        for a in d["articles"]:
            f = a["facts"]
            lines.append(
                f"- [{_md(a['title'])}]({_link(a['url'])}) — {_md(a['outlet_title'])},"
                f" {a['published_local']} (+{a['delay']}), {a['kind_id']}; fakta: {f['reproduced']}"
                f" dimuat, {f['different']} berbeda, {f['missing']} tidak dimuat"
            )
            for c in a["checks"]:
                if c["status"] == "different":
                    lines.append(f"  - berbeda ({LABELS_ID[c['kind']]}): {_md(c['label'])} →"
                                 f" {_md(c['article_label'])}")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def pickup_html(reports: Sequence[Any], day: dt.date) -> str:
    out = ["<h2>Pemberitaan rilis kemarin</h2>"]
    if not reports:
        out.append(f"<p>Tidak ada rilis dari sumber penerbit pada {day}.</p>")
    for rep in reports:
        d = rep.as_dict()
        r = d["release"]
        out.append(f'<h3><a href="{escape(r["url"] or "#")}">{escape(r["title"])}</a></h3>')
        if not d["articles"]:
            out.append("<p>Belum diberitakan.</p>")
            continue
        out.append("<ul>")
        for a in d["articles"]:
            diff = "".join(
                f"<br><small>berbeda: {escape(c['label'])} →"
                f" {escape(c['article_label'] or '')}</small>"
                for c in a["checks"] if c["status"] == "different"
            )  # fmt: skip
            out.append(
                f'<li><a href="{escape(a["url"])}">{escape(a["title"])}</a> —'
                f" {escape(a['outlet_title'] or '')}, {escape(a['published_local'])}"
                f" (+{escape(a['delay'])}), {escape(a['kind_id'])}{diff}</li>"
            )
        out.append("</ul>")
    return "\n".join(out) + "\n"


# -- sending -------------------------------------------------------------------------------------
def send_email(alert: EmailAlert, subject: str, text: str, html: str) -> None:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, alert.sender, ", ".join(alert.to)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    with smtplib.SMTP(alert.host, alert.port, timeout=SEND_TIMEOUT) as smtp:
        if alert.starttls:
            smtp.starttls()
        if alert.username:
            smtp.login(alert.username, os.environ.get(alert.password_env or "", ""))
        smtp.send_message(msg)


def post_webhook(url: str, payload: dict[str, Any]) -> int:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
        return int(response.status)


def _sent_state(folder: Path, day: str) -> set[int]:
    try:
        return set(json.loads((folder / f"{day}.watchlist.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def send_alerts(
    watch: Watchlist, matches: Sequence[Match], day: str, folder: Path
) -> dict[str, Any]:
    """Send the matches not sent yet today; nothing when nothing (new) matched."""
    sent = _sent_state(folder, day)
    fresh = [x for x in matches if x.article_id not in sent]
    result: dict[str, Any] = {"matched": len(matches), "new": len(fresh)}
    if not fresh or not (watch.email or watch.webhook):
        return result
    text = watchlist_markdown(fresh, watch)
    ok = False
    if watch.email:
        try:
            subject = f"{watch.email.subject} — {day} ({len(fresh)} artikel)"
            send_email(watch.email, subject, text, watchlist_html(fresh))
            result["email"], ok = "sent", True
        except (OSError, smtplib.SMTPException) as exc:
            result["email"] = f"failed: {exc}"
            log.warning("watchlist e-mail to %s failed: %s", watch.email.host, exc)
    if watch.webhook:
        payload = {"day": day, "matches": [x.as_dict() for x in fresh], "markdown": text}
        try:
            result["webhook"], ok = f"sent (HTTP {post_webhook(watch.webhook, payload)})", True
        except (OSError, urllib.error.URLError, ValueError) as exc:
            result["webhook"] = f"failed: {exc}"
            log.warning("watchlist webhook %s failed: %s", watch.webhook, exc)
    if ok:
        folder.mkdir(parents=True, exist_ok=True)
        state = folder / f"{day}.watchlist.json"
        tmp = state.with_name(f".{state.name}.tmp")
        tmp.write_text(json.dumps(sorted(sent | {x.article_id for x in fresh})), encoding="utf-8")
        tmp.replace(state)
    return result


# -- the digest hook -----------------------------------------------------------------------------
def _append(path: Path, markdown: str | None = None, html: str | None = None) -> None:
    text = path.read_text(encoding="utf-8")
    if markdown is not None:
        text = text.rstrip("\n") + "\n\n" + markdown.rstrip("\n") + "\n"
    if html is not None:
        at = text.lower().rfind("</body>")
        text = text[:at] + html + text[at:] if at >= 0 else text + html
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def digest_extras(
    engine: Engine,
    day: dt.date,
    new_ids: Sequence[int],
    config: Any,
    watchlist_file: Path | None,
    md_path: Path,
    html_path: Path,
) -> tuple[dict[str, Any], str]:
    """Append the release-pickup and watchlist sections to the day's digest files (each only
    when configured: issuer sources, a watchlist) and send the watchlist alerts. Returns the
    part of the daily report and the Markdown appended."""
    report: dict[str, Any] = {}
    markdown = ""
    issuers = [s.name for s in getattr(config, "sources", []) if getattr(s, "issuer", False)]
    if issuers:
        try:
            yesterday = day - dt.timedelta(days=1)
            reports = release_pickups(engine, issuers, yesterday)
            md = pickup_markdown(reports, yesterday)
            _append(md_path, markdown=md)
            _append(html_path, html=pickup_html(reports, yesterday))
            markdown += "\n" + md
            report["releases"] = [
                {"release": r.release.id, "title": r.release.title, "articles": len(r.articles),
                 "different": sum(a.count("different") for a in r.articles)}
                for r in reports
            ]  # fmt: skip
        except Exception as exc:  # an extra section never fails the daily run
            log.exception("digest: release pickup section failed")
            report["releases"] = {"error": f"{type(exc).__name__}: {exc}"}
    if watchlist_file is not None:
        try:
            watch = load_watchlist(watchlist_file)  # validated at start; it may have changed
            matches = match_articles(engine, watch, list(new_ids))
            md = watchlist_markdown(matches, watch)
            _append(md_path, markdown=md)
            _append(html_path, html=watchlist_html(matches))
            markdown += "\n" + md
            report["watchlist"] = send_alerts(watch, matches, day.isoformat(), md_path.parent)
        except Exception as exc:  # an extra section never fails the daily run
            log.exception("digest: watchlist section failed")
            report["watchlist"] = {"error": f"{type(exc).__name__}: {exc}"}
    return report, markdown


def watchlist_option(fn: Any) -> Any:
    """``--watchlist FILE`` for `pantau daily`: validated at once (a bad file is exit 2 with one
    line, before any crawl); the path is kept in ``ctx.obj["watchlist"]``."""
    import click

    def check(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
        if value is None:
            return
        try:
            load_watchlist(value)
        except WatchlistError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param_hint="--watchlist") from exc
        ctx.ensure_object(dict)
        ctx.obj["watchlist"] = value

    return click.option(
        "--watchlist",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        expose_value=False,
        callback=check,
        help="Watchlist (YAML): a digest section, sent by e-mail/webhook when something matched",
    )(fn)
