"""Killed publishes: the next publish removes what they left; a live publish is never touched.

`pantau publish` runs in a child process and is killed with SIGKILL while it writes its
snapshot (as soon as its temporary files appear, and a little later each time). The next
publish must leave no temporary file behind, and the served snapshot must be whole.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.datasette.conftest import build_demo_kb, enlarge

KILLS = 5
EXTRA_KILLS = 5  # immediate kills when none of the timed ones caught the build mid-way
COPIES = 150  # copies of each demo article: the build takes long enough to be killed in
START_SECONDS = 120


@pytest.fixture(scope="module")
def big_kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    kb = build_demo_kb(tmp_path_factory.mktemp("kb") / "kb.db")
    return kb, enlarge(kb, COPIES)


def start_publish(home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pantau.cli", "publish", "--home", str(home)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def temp_files(published: Path) -> list[Path]:
    """Temporary files of a publish: building folders, *.tmp-PID files, stray links."""
    found = []
    for path in published.rglob("*"):
        rel = str(path.relative_to(published))
        temporary = ".building-" in rel or ".tmp-" in path.name or ".new-" in path.name
        if temporary and (path.is_file() or path.is_symlink()):
            found.append(path)
    return sorted(found)


def wait_for_temp_files(
    proc: subprocess.Popen[bytes], published: Path, existing: list[Path] | None = None
) -> bool:
    """True once the publish has written a temporary file (not among ``existing``); False if
    it ended first."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if set(temp_files(published)) - set(existing or []):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    raise AssertionError("publish wrote nothing in time")


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def served(home: Path) -> tuple[str, int]:
    """Which file `published/pantau.db` is: its real path and inode."""
    db = home / "published" / "pantau.db"
    return os.path.realpath(db), db.stat().st_ino


def check_snapshot(home: Path, articles: int) -> None:
    db = home / "published" / "pantau.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM article").fetchone()[0] == articles
        assert con.execute("SELECT count(*) FROM coverage").fetchone()[0] == articles
    finally:
        con.close()


def test_next_publish_removes_what_killed_publishes_left(
    tmp_path: Path, big_kb: tuple[Path, int]
) -> None:
    kb, articles = big_kb
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(kb, home / "kb.db")
    published = home / "published"
    first = start_publish(home)
    assert first.wait(timeout=300) == 0, first.communicate()[1][-3000:]

    killed = 0
    for n in range(KILLS + EXTRA_KILLS):
        if n >= KILLS and temp_files(published):
            break  # a killed publish left its files: the premise of the test holds
        left_before = temp_files(published)  # by the publish killed before
        proc = start_publish(home)
        if wait_for_temp_files(proc, published, left_before):
            # another point of the build each time; the extra tries kill at once (a fast
            # machine finishes the build inside the longer waits)
            time.sleep(0.05 * max(0, KILLS - 1 - n))
            proc.send_signal(signal.SIGKILL)
            killed += proc.wait() == -signal.SIGKILL
        else:
            proc.wait()
    left = temp_files(published)
    size = sum(p.stat().st_size for p in left if p.is_file() and not p.is_symlink())
    # temporary files of the single-file layout (earlier Pantau): of a dead and a live process
    legacy_dead = [published / f".pantau.db.tmp-{dead_pid()}", published / f".pantau.db.tmp-{dead_pid()}-journal",
                   published / f".pantau.metadata.json.tmp-{dead_pid()}"]  # fmt: skip
    legacy_live = published / f".pantau.db.tmp-{os.getpid()}"
    for path in [*legacy_dead, legacy_live]:
        path.write_bytes(b"sisa")
    # the served snapshot is whole: the first one, or one whose publish was killed after the switch
    check_snapshot(home, articles)
    before = served(home)

    after = start_publish(home)
    _, err = after.communicate(timeout=300)
    assert after.returncode == 0, err[-3000:]
    remaining = [p for p in temp_files(published) if p != legacy_live]
    print(
        f"\nkilled publishes: {killed}/{KILLS} killed mid-way left {len(left)} temporary files"
        f" ({size / 1e6:.1f} MB); after the next publish: {len(remaining)} left"
    )
    assert killed >= 1 and left, "no publish was killed while it wrote"
    assert remaining == []
    assert legacy_live.exists()  # its process is alive: perhaps an earlier Pantau's publish
    check_snapshot(home, articles)
    assert served(home) != before
    versions = [p for p in (published / "pantau.versions").iterdir() if p.is_dir()]
    kept = sorted(str(p / "pantau.db") for p in versions)
    assert kept == sorted([before[0], served(home)[0]])  # keep 2: the last two, no orphan


def test_a_live_publish_is_never_cleaned_up(tmp_path: Path, big_kb: tuple[Path, int]) -> None:
    from kb.publish import clean

    kb, articles = big_kb
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(kb, home / "kb.db")
    published = home / "published"
    proc = start_publish(home)
    assert wait_for_temp_files(proc, published), "the publish ended before it could be paused"
    proc.send_signal(signal.SIGSTOP)  # alive, holding its lock, mid-way
    try:
        building = temp_files(published)
        assert clean(published / "pantau.db") is None  # busy: touches nothing
        assert all(p.exists() for p in building)
    finally:
        proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    assert temp_files(published) == []
    check_snapshot(home, articles)
    assert clean(published / "pantau.db") == []  # nothing left to clean
