"""Issue 12 item 7: user errors are one line with the documented exit code, and one writer at a
time.

Before: `pantau daily` on a read-only or full HOME exited 1 ("partial") with a traceback from
an ``OSError`` in its lock; a bad ``--db`` (refused connection, missing driver, not a URL) or a
KB written by a newer Pantau gave 40-129-line tracebacks (exit 1, or 6 from `daily`); two
concurrent `pantau process` runs crashed with ``UNIQUE constraint failed: article.url`` (only
`daily` locked). Now every command opens the KB through :func:`pantau.config.open_kb` (one
line, exit 2) and every command that writes the KB holds ``HOME/daily.lock``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kb.store import KB, sqlite_url
from pantau import daily as d
from pantau.config import ConfigError
from pantau.demosite import DemoSite
from tests.conftest import run_pantau
from tests.pantau.test_poison import fill_raw, on_topic_urls


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr
    return lines[0]


# -- item 1: HOME where the lock cannot be created ---------------------------------------------
@contextlib.contextmanager
def tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def read_only_home(tmp: Path) -> contextlib.AbstractContextManager[Path]:
    return tmpfs(tmp / "ro", "ro,size=1m")


@contextlib.contextmanager
def full_home(tmp: Path) -> Iterator[Path]:
    with tmpfs(tmp / "full", "size=256k") as mnt:
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
        os.close(fd)
        yield mnt


@contextlib.contextmanager
def lock_is_a_folder(tmp: Path) -> Iterator[Path]:
    (tmp / "home" / d.LOCK_NAME).mkdir(parents=True)
    yield tmp / "home"


@contextlib.contextmanager
def home_under_a_file(tmp: Path) -> Iterator[Path]:
    (tmp / "file").write_text("x")
    yield tmp / "file" / "home"


HOMES: list[tuple[str, Callable[[Path], contextlib.AbstractContextManager[Path]], str]] = [
    ("read-only", read_only_home, "Read-only file system"),
    ("full", full_home, "No space left on device"),
    ("lock is a folder", lock_is_a_folder, "Is a directory"),
    ("home under a file", home_under_a_file, "Not a directory"),
]


@pytest.mark.parametrize(("case", "make", "reason"), HOMES, ids=[h[0] for h in HOMES])
@pytest.mark.parametrize("own_log", [True, False], ids=["--log-file elsewhere", "log in HOME"])
def test_daily_on_an_unusable_home_is_a_config_error(
    tmp_path: Path, case: str, make: Callable[[Path], contextlib.AbstractContextManager[Path]],
    reason: str, own_log: bool,
) -> None:
    with make(tmp_path) as home:
        log = ["--log-file", str(tmp_path / "log" / "pantau.log")] if own_log else []
        result = run_pantau("daily", "--quiet", "--home", str(home), *log, timeout=120)
    line = one_line(result.stderr)
    print(f"{case}, {'own log' if own_log else 'log in HOME'}: exit {result.returncode}: {line}")
    assert result.returncode == d.EXIT_CONFIG == 2
    assert reason in line and str(home) in line


def test_lock_error_names_the_path(tmp_path: Path) -> None:
    with lock_is_a_folder(tmp_path) as home, pytest.raises(ConfigError) as err, \
            d.write_lock(home):
        pass
    assert str(err.value) == f"{home / d.LOCK_NAME}: cannot create the lock: Is a directory"


# -- item 2: a bad --db, a KB from a newer Pantau ----------------------------------------------
BAD_DBS = [
    ("refused", "postgresql+psycopg://nobody@127.0.0.1:1/x", "cannot connect: "),
    ("no driver", "mysql://x/y", "database driver not installed: MySQLdb"),
    ("not a URL", "foo", "not a database URL"),
]
KB_COMMANDS = ["process", "resolve", "daily", "demo"]


def newer_kb(home: Path) -> str:
    """A KB whose schema revision this Pantau does not know (written by a newer one)."""
    url = sqlite_url(home / "kb.db")
    KB(url, seed=False).close()
    con = sqlite3.connect(home / "kb.db")
    with con:
        con.execute("UPDATE alembic_version SET version_num = 'f00dcafe9999'")
    con.close()
    return url


def run_all(commands: list[tuple[str, ...]]) -> list[subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(lambda args: run_pantau(*args, timeout=120), commands))


def test_bad_db_is_one_line_exit_2_for_every_command(tmp_path: Path) -> None:
    from kb.raw import RawStore

    cases = [(cmd, name, url, why) for cmd in [*KB_COMMANDS, "publish"] for name, url, why in BAD_DBS]
    schema = newer_kb(tmp_path / "newer")
    cases += [(cmd, "newer KB", schema, "written by a newer Pantau") for cmd in KB_COMMANDS]
    homes = [tmp_path / f"home{i}" for i in range(len(cases))]  # one each: they run at once
    for home in homes:
        home.mkdir()
        RawStore(home / "raw.db").close()  # so that `process` gets as far as the KB
    results = run_all([
        (cmd, "--home", str(home), "--db", url, *(["--no-serve"] if cmd == "demo" else []),
         *(["--quiet", "--log-file", str(home / "log")] if cmd == "daily" else []))
        for (cmd, _, url, _), home in zip(cases, homes, strict=True)
    ])
    for (cmd, name, _url, why), result in zip(cases, results, strict=True):
        line = one_line(result.stderr)
        print(f"{cmd:8} {name:10} exit {result.returncode}: {line[:110]}")
        assert result.returncode == 2, (cmd, name, result.stderr[-2000:])
        assert why in line, (cmd, name, line)  # publish too: it reads a PostgreSQL KB


def test_bad_db_message_hides_the_password(tmp_path: Path) -> None:
    result = run_pantau("resolve", "--home", str(tmp_path),
                        "--db", "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/x")
    line = one_line(result.stderr)
    assert result.returncode == 2 and "s3cret" not in line and "nobody:***@127.0.0.1" in line


# -- item 3: one writer at a time --------------------------------------------------------------
def test_two_concurrent_process_runs_share_the_lock(tmp_path: Path, fixture_site: DemoSite) -> None:
    """Before the lock: 3 crashes in 3 tries on a fresh KB (``UNIQUE constraint failed:
    region.code`` while both seeded it; ``article.url`` once past it)."""
    fill_raw(fixture_site, tmp_path / "raw.db")
    env = {**os.environ}
    args = [sys.executable, "-m", "pantau.cli", "process", "--home", str(tmp_path), "--workers", "2"]
    started = time.monotonic()
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    seconds = time.monotonic() - started
    codes = [p.returncode for p in procs]
    waited = sum("another run holds the lock" in err for _, err in outs)
    print(f"two concurrent `pantau process`: exit codes {codes}, {waited} waited for the lock,"
          f" {seconds:.1f} s")
    for _, err in outs:
        assert "UNIQUE constraint failed" not in err and "Traceback" not in err, err[-3000:]
    assert codes == [0, 0]
    con = sqlite3.connect(tmp_path / "kb.db")
    try:
        articles = {u for (u,) in con.execute("SELECT url FROM article")}
        pages = con.execute("SELECT count(*), count(DISTINCT url) FROM processed_page").fetchone()
        errors = con.execute("SELECT count(*) FROM processed_page WHERE outcome = 'error'").fetchone()[0]
    finally:
        con.close()
    assert articles == on_topic_urls(fixture_site)
    assert pages[0] == pages[1] == len(fixture_site.articles) and errors == 0


@pytest.mark.parametrize("command", ["process", "resolve"])
def test_a_writer_waits_then_exits_4(tmp_path: Path, fixture_site: DemoSite, command: str) -> None:
    fill_raw(fixture_site, tmp_path / "raw.db")
    with d.write_lock(tmp_path):
        started = time.monotonic()
        result = run_pantau(command, "--home", str(tmp_path), "--lock-wait", "1")
        seconds = time.monotonic() - started
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    print(f"{command} while locked: exit {result.returncode} after {seconds:.1f} s: {lines}")
    assert result.returncode == d.EXIT_RUNNING == 4
    assert "Traceback" not in result.stderr
    assert lines[0].endswith("waiting up to 1 s") and f"pid {os.getpid()}" in lines[0]
    assert lines[-1].startswith("Error: ") and "after waiting 1 s" in lines[-1]
    assert not (tmp_path / "kb.db").exists()  # it never opened the KB


def test_daily_does_not_start_while_process_writes(tmp_path: Path) -> None:
    with d.write_lock(tmp_path, wait=1):  # as `pantau process` holds it
        result = run_pantau("daily", "--quiet", "--home", str(tmp_path))
    assert result.returncode == d.EXIT_RUNNING
    assert "already_running" in result.stderr
