"""Watchlists and the digest sections of issue 15: validation, matching on the demo KB, the
pickup of yesterday's releases, alerts to a local SMTP server (aiosmtpd) and a local webhook;
nothing sent when nothing matched; and one real `pantau daily --watchlist` run."""

from __future__ import annotations

import datetime as dt
import email.policy
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kb.store import KB, sqlite_url
from pantau.cli import cli
from pantau.demosite import DemoServer, DemoSite, LocalServer
from pantau.watchlist import (
    Watchlist,
    WatchlistError,
    digest_extras,
    match_articles,
    parse_watchlist,
)
from tests.datasette.conftest import build_demo_kb


# -- validation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("tokoh", "expected a mapping"),
        ({"kata": ["BPJS"]}, "kata: unknown key"),
        ({"keywords": "BPJS"}, "keywords: expected a list of strings"),
        ({"keywords": ["BPJS", ""]}, "keywords[1]: empty"),
        ({"keywords": [["a"]]}, "keywords[0]: expected a string"),
        ({"officials": ["x" * 201]}, "officials[0]: longer than 200 characters"),
        ({}, "nothing to watch"),
        ({"keywords": ["BPJS"], "alerts": {"sms": {}}}, "alerts.sms: unknown key"),
        ({"keywords": ["BPJS"], "alerts": {"webhook": {"url": "ftp://x"}}}, "alerts.webhook.url: not an http(s) URL"),
        ({"keywords": ["BPJS"], "alerts": {"email": {"to": ["humas"], "from": "a@b.id", "smtp_host": "h"}}}, "alerts.email.to: expected one or more e-mail addresses"),
        ({"keywords": ["BPJS"], "alerts": {"email": {"to": "a@b.id", "from": "a@b.id", "smtp_host": "h", "smtp_port": "25"}}}, "smtp_port: expected a port number"),
        ({"keywords": ["BPJS"], "alerts": {"email": {"to": "a@b.id", "from": "a@b.id", "smtp_host": "h", "starttls": "ya"}}}, "starttls: expected true or false"),
        ({"keywords": ["BPJS"], "alerts": {"email": {"to": "a@b.id", "from": "a@b.id", "smtp_host": "h", "pasword": "x"}}}, "alerts.email.pasword: unknown key"),
    ],
)
def test_bad_watchlists(data: Any, message: str) -> None:
    with pytest.raises(WatchlistError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        parse_watchlist(data, "pantauan.yaml")


def test_a_good_watchlist() -> None:
    watch = parse_watchlist({
        "keywords": ["petani garam"], "officials": ["Agustinus Lelo"], "regions": ["Malaka", "53.71"],
        "alerts": {"email": {"to": "humas@nttprov.test", "from": "pantau@uji.test", "smtp_host": "127.0.0.1"},
                   "webhook": {"url": "http://127.0.0.1:9/kait"}},
    })
    assert watch.keywords == ("petani garam",) and watch.regions == ("Malaka", "53.71")
    assert watch.email is not None and watch.email.to == ("humas@nttprov.test",) and watch.email.port == 25


@pytest.mark.parametrize(
    ("text", "message"),
    [("keywords: [BPJS\n", "not YAML"), ("keywords: [BPJS]\nkata: [x]\n", "kata: unknown key")],
)
def test_daily_refuses_a_bad_watchlist_before_crawling(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "pantauan.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["daily", "--home", str(tmp_path), "--watchlist", str(path)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "raw.db").exists()  # nothing crawled


# -- matching and the digest sections on the demo KB ---------------------------------------------
@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KB]:
    kb = KB(sqlite_url(build_demo_kb(tmp_path_factory.mktemp("pantauan") / "kb.db")))
    yield kb
    kb.close()


def all_ids(kb: KB) -> list[int]:
    from sqlalchemy import text

    with kb.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM article ORDER BY id"))]


@pytest.mark.parametrize(
    ("watch", "outlets", "why"),
    [
        (Watchlist(keywords=("petani garam",)), {"flobamora-pos", "kabar-sasando", "humas-ntt"}, "kata kunci: petani garam"),
        (Watchlist(officials=("agustinus lelo",)), {"flobamora-pos", "kabar-sasando", "suara-lontar", "humas-ntt"}, "tokoh: Agustinus Lelo"),
        (Watchlist(regions=("Malaka",)), None, "wilayah: Malaka"),
        (Watchlist(regions=("53.21",)), None, "wilayah: Malaka"),
        (Watchlist(organisations=("Dinas Nakertrans",)), None, "organisasi: Dinas Nakertrans"),
        (Watchlist(keywords=("garam laut",)), set(), None),  # whole phrases only
    ],
)
def test_match_articles(demo_kb: KB, watch: Watchlist, outlets: set[str] | None, why: str | None) -> None:
    matches = match_articles(demo_kb.engine, watch, all_ids(demo_kb))
    if outlets is not None:
        hosts = {"www.flobamorapos.test": "flobamora-pos", "kabarsasando.test": "kabar-sasando",
                 "suaralontar.test": "suara-lontar", "humas.nttprov.test": "humas-ntt"}
        assert {hosts[m.url.split("/")[2]] for m in matches} == outlets
    else:
        assert matches
    assert all(why in m.why for m in matches)


@dataclass
class Received:
    mails: list[Any] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def servers() -> Iterator[tuple[Received, int, str]]:
    """A local SMTP server (aiosmtpd) and a local webhook receiver."""
    from aiosmtpd.controller import Controller

    got = Received()

    class Mail:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            got.mails.append(envelope)
            return "250 OK"

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.posts.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    smtp = Controller(Mail(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with LocalServer(Hook) as hook:
            yield got, port, hook.proxy + "/kait"
    finally:
        smtp.stop()


@dataclass
class FakeSource:
    name: str
    issuer: bool = False


@dataclass
class FakeConfig:
    sources: list[FakeSource]


def digest_files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    md, html = folder / "2025-11-04.md", folder / "2025-11-04.html"
    md.write_text("# Pantau digest — 2025-11-04\n\nNo new articles.\n", encoding="utf-8")
    html.write_text("<html><body><h1>Pantau digest</h1>\n</body></html>\n", encoding="utf-8")
    return md, html


def write_watchlist(path: Path, port: int, hook: str, **lists: list[str]) -> Path:
    path.write_text(yaml.safe_dump({
        **lists,
        "alerts": {"email": {"to": ["humas@nttprov.test"], "from": "pantau@uji.test",
                             "smtp_host": "127.0.0.1", "smtp_port": port},
                   "webhook": {"url": hook}},
    }, allow_unicode=True), encoding="utf-8")
    return path


def test_digest_sections_and_alerts(demo_kb: KB, tmp_path: Path, servers: tuple[Received, int, str]) -> None:
    got, port, hook = servers
    md, html = digest_files(tmp_path / "digests")
    watch = write_watchlist(tmp_path / "pantauan.yaml", port, hook, officials=["Agustinus Lelo"])
    config = FakeConfig([FakeSource("flobamora-pos"), FakeSource("humas-ntt", issuer=True)])
    report, markdown = digest_extras(demo_kb.engine, dt.date(2025, 11, 4), all_ids(demo_kb), config, watch, md, html)
    text = md.read_text(encoding="utf-8")
    assert markdown.strip() in text
    # yesterday's release and who picked it up, the misreported figure and title
    assert "## Pemberitaan rilis kemarin" in text
    assert "Diberitakan 3 artikel di 3 media; 2 fakta berbeda." in text
    assert "salinan utuh" in text and "tulis ulang ringan" in text and "liputan sendiri" in text
    assert "Rp3,47 miliar \\(anggaran\\) → Rp3,74 miliar" in text
    assert "Kepala BPJS Ketenagakerjaan Provinsi NTT Agustinus Lelo" in text
    assert report["releases"][0]["articles"] == 3 and report["releases"][0]["different"] == 2
    page = html.read_text(encoding="utf-8")
    assert page.index("Pemberitaan rilis kemarin") < page.index("</body>")
    assert "Daftar pantauan" in page
    # the watchlist: 4 articles name Agustinus Lelo; sent once by e-mail and once to the webhook
    assert "## Daftar pantauan" in text and "4 artikel baru cocok" in text
    assert report["watchlist"] == {"matched": 4, "new": 4, "email": "sent", "webhook": "sent (HTTP 204)"}
    assert len(got.mails) == 1 and got.mails[0].rcpt_tos == ["humas@nttprov.test"]
    mail = message_from_bytes(got.mails[0].content, policy=email.policy.default)
    assert mail["Subject"] == "Pantau: daftar pantauan — 2025-11-04 (4 artikel)"
    body = mail.get_body(("plain",))
    assert body is not None and "tokoh: Agustinus Lelo" in body.get_content()
    assert len(got.posts) == 1 and len(got.posts[0]["matches"]) == 4 and got.posts[0]["day"] == "2025-11-04"
    # a second run the same day: the section again, nothing sent again
    md, html = digest_files(tmp_path / "digests")
    report, _ = digest_extras(demo_kb.engine, dt.date(2025, 11, 4), all_ids(demo_kb), config, watch, md, html)
    assert report["watchlist"] == {"matched": 4, "new": 0}
    assert len(got.mails) == 1 and len(got.posts) == 1


def test_nothing_sent_when_nothing_matched(demo_kb: KB, tmp_path: Path, servers: tuple[Received, int, str]) -> None:
    got, port, hook = servers
    md, html = digest_files(tmp_path / "digests")
    watch = write_watchlist(tmp_path / "pantauan.yaml", port, hook, keywords=["gempa bumi"])
    report, _ = digest_extras(demo_kb.engine, dt.date(2025, 11, 4), all_ids(demo_kb), FakeConfig([]), watch, md, html)
    assert report == {"watchlist": {"matched": 0, "new": 0}}
    assert "Tidak ada artikel baru yang cocok" in md.read_text(encoding="utf-8")
    assert "Pemberitaan rilis kemarin" not in md.read_text(encoding="utf-8")  # no issuer configured
    assert got.mails == [] and got.posts == []


def test_a_dead_alert_server_does_not_fail_the_digest(demo_kb: KB, tmp_path: Path) -> None:
    md, html = digest_files(tmp_path / "digests")
    watch = write_watchlist(tmp_path / "pantauan.yaml", free_port(), f"http://127.0.0.1:{free_port()}/kait", officials=["Agustinus Lelo"])
    report, _ = digest_extras(demo_kb.engine, dt.date(2025, 11, 4), all_ids(demo_kb), FakeConfig([]), watch, md, html)
    assert report["watchlist"]["email"].startswith("failed:")
    assert report["watchlist"]["webhook"].startswith("failed:")
    assert not (tmp_path / "digests" / "2025-11-04.watchlist.json").exists()  # tried again next run


def test_issuer_release_without_pickup(demo_kb: KB, tmp_path: Path) -> None:
    md, html = digest_files(tmp_path / "digests")
    config = FakeConfig([FakeSource("humas-ntt", issuer=True)])
    report, _ = digest_extras(demo_kb.engine, dt.date(2025, 11, 5), [], config, None, md, html)
    assert report == {"releases": []}
    assert "Tidak ada rilis dari sumber penerbit pada 2025-11-04." in md.read_text(encoding="utf-8")


# -- a real daily run ----------------------------------------------------------------------------
@pytest.mark.slow
def test_daily_with_a_watchlist(tmp_path: Path, fixture_site: DemoSite, servers: tuple[Received, int, str]) -> None:
    got, port, hook = servers
    watch = write_watchlist(tmp_path / "pantauan.yaml", port, hook, keywords=["pekerja rentan"])
    home = tmp_path / "home"
    args = ["daily", "--home", str(home), "--sources", str(fixture_site.root / "sources.yaml"), "--fast",
            "--workers", "0", "--watchlist", str(watch), "--digest-stdout"]
    with DemoServer(fixture_site) as site:  # crawled through the proxy; the webhook is direct
        env = {**os.environ, "http_proxy": site.proxy, "no_proxy": "127.0.0.1:" + hook.split(":")[2].split("/")[0]}
        env.pop("NO_PROXY", None)
        result = subprocess.run([sys.executable, "-m", "pantau.cli", *args], capture_output=True, text=True,
                                env=env, timeout=240, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "## Daftar pantauan" in result.stdout
    assert "kata kunci: pekerja rentan" in result.stdout
    assert len(got.mails) == 1 and len(got.posts) == 1
    assert got.posts[0]["matches"]


def test_a_watchlist_gone_bad_after_the_start_does_not_fail_the_digest(demo_kb: KB, tmp_path: Path) -> None:
    md, html = digest_files(tmp_path / "digests")
    path = tmp_path / "pantauan.yaml"
    path.write_text("keywords: [\n", encoding="utf-8")  # edited mid-run
    report, _ = digest_extras(demo_kb.engine, dt.date(2025, 11, 4), all_ids(demo_kb), FakeConfig([]), path, md, html)
    assert report["watchlist"]["error"].startswith("WatchlistError:")
    assert md.read_text(encoding="utf-8").startswith("# Pantau digest")
