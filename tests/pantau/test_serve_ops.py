"""`pantau serve` and `pantau demo` as an operator sees them, with real processes.

A busy port (a socket this test holds) is one line and exit 1, before Datasette or the crawl
starts; SIGTERM and SIGINT to pantau stop its Datasette child (no orphan) and leave no temporary
folder; a 404 is one line in the server log, not a traceback; `make demo PORT=… HOST=…` passes
both on. The snapshot served is an empty KB, published: serving does not depend on its rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.publish import publish
from kb.store import KB, sqlite_url
from pantau.config import datasette_dir
from tests.datasette.conftest import children, get

START_SECONDS = 60  # Datasette starts in ~1 s; a loaded CI machine may be slower
STOP_SECONDS = 30  # the supervisor stops its Datasette within serve.STOP_SECONDS (10 s)
REPO = Path(__file__).resolve().parents[2]
PANTAU = str(Path(sys.executable).with_name("pantau"))  # the installed command, as users run it


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pantau home with an empty KB published."""
    home = tmp_path_factory.mktemp("home")
    KB(sqlite_url(home / "kb.db")).close()
    publish(home / "kb.db", home / "published" / "pantau.db", datasette_dir())
    return home


@contextlib.contextmanager
def occupied_port() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def datasette_children(pid: int) -> list[int]:
    found = []
    for child in children(pid):
        with contextlib.suppress(OSError):
            if b"datasette" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
    return found


def pantau(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PANTAU, *args], capture_output=True, text=True, timeout=120, check=False)


def start(args: list[str], tmp: Path, tmpdir: Path | None = None) -> subprocess.Popen[str]:
    """`pantau ARGS` with ``tmpdir`` as TMPDIR (to see what it leaves there); stderr to a file."""
    env = {**os.environ, "TMPDIR": str(tmpdir or tmp)}
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    with (tmp / "stderr.log").open("w") as err:
        return subprocess.Popen(
            [PANTAU, *args], stdout=subprocess.PIPE, stderr=err, text=True, env=env,
        )  # fmt: skip


def wait_serving(proc: subprocess.Popen[str], tmp: Path, timeout: float = START_SECONDS) -> str:
    """The URL pantau printed, once Datasette answers there."""
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()  # printed once the address is bound
    assert url.startswith("http://"), (tmp / "stderr.log").read_text()[-3000:]
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            if get(f"{url}-/versions.json", timeout=5)[0] == 200:
                return url
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"not serving: {(tmp / 'stderr.log').read_text()[-3000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[str], sig: int, datasette: list[int]) -> int:
    """Send ``sig`` to pantau alone (not its group); its Datasette must be gone when it exits."""
    proc.send_signal(sig)
    code = proc.wait(timeout=STOP_SECONDS)
    assert datasette and not [pid for pid in datasette if alive(pid)]
    return code


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("serve", []),
        ("demo", []),  # fails before the crawl: nothing fetched for a server that cannot start
    ],
)
def test_busy_port_is_one_line_and_exit_1(home: Path, tmp_path: Path, command: str, extra: list[str]) -> None:
    target = home if command == "serve" else tmp_path / "demo-home"
    with occupied_port() as port:
        result = pantau(command, "--home", str(target), "--port", str(port), *extra)
    assert result.returncode == 1
    assert result.stdout == ""  # no URL printed for a server that does not run
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == (
        f"Error: 127.0.0.1:{port} is already in use (another `pantau serve`?);"
        " choose another port with --port"
    )
    assert "Traceback" not in result.stderr
    assert "Demo site" not in result.stderr and "Uvicorn" not in result.stderr
    assert not (tmp_path / "demo-home" / "raw.db").exists()


def test_unknown_host_is_one_line(home: Path) -> None:
    result = pantau("serve", "--home", str(home), "--host", "tidak-ada.invalid", "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: --host tidak-ada.invalid: unknown address")
    assert "Traceback" not in result.stderr


@pytest.fixture
def tmpdir_short() -> Iterator[Path]:
    """A TMPDIR short enough for Unix sockets (pytest's tmp_path may not be)."""
    folder = Path(tempfile.mkdtemp(prefix="uji-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_datasette(home: Path, tmp_path: Path, tmpdir_short: Path, sig: int) -> None:
    proc = start(["serve", "--home", str(home), "--port", "0"], tmp_path, tmpdir_short)
    try:
        url = wait_serving(proc, tmp_path)
        datasette = datasette_children(proc.pid)
        assert get(url)[0] == 200
        assert stop(proc, sig, datasette) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "stderr.log").read_text()
    assert "Traceback" not in log
    assert not list(tmpdir_short.glob("pantau-serve-*"))  # its socket folder


def test_sigterm_while_datasette_starts(home: Path, tmp_path: Path, tmpdir_short: Path) -> None:
    """Before the supervisor answers (Datasette not ready yet), SIGTERM still stops the child."""
    proc = start(["serve", "--home", str(home), "--port", "0"], tmp_path, tmpdir_short)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (datasette := datasette_children(proc.pid)):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        stop(proc, signal.SIGTERM, datasette)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    assert not list(tmpdir_short.glob("pantau-serve-*"))


def test_deep_tmpdir_still_serves(home: Path, tmp_path: Path) -> None:
    """A TMPDIR too deep for a Unix socket path (108 bytes): the sockets go to /tmp."""
    deep = tmp_path / ("folder-yang-sangat-panjang-" * 4) / "lagi"
    deep.mkdir(parents=True)
    proc = start(["serve", "--home", str(home), "--port", "0"], tmp_path, deep)
    try:
        url = wait_serving(proc, tmp_path)
        assert get(url)[0] == 200
        stop(proc, signal.SIGTERM, datasette_children(proc.pid))
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


def test_404_is_one_line_in_the_log(home: Path, tmp_path: Path) -> None:
    missing = ["/tidak-ada/sama-sekali", "/pantau/tabel_hilang", "/pantau/article/987654", "/article/987654"]
    proc = start(["serve", "--home", str(home), "--port", "0"], tmp_path)
    try:
        url = wait_serving(proc, tmp_path)
        for path in missing:
            assert get(url.rstrip("/") + path)[0] == 404, path
        assert get(f"{url}pantau.json?sql=selec+salah")[0] == 400  # a user's SQL error
        stop(proc, signal.SIGTERM, datasette_children(proc.pid))
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "stderr.log").read_text()
    assert "Traceback" not in log
    for path in missing:
        lines = [line for line in log.splitlines() if f"GET {path} " in line]
        assert len(lines) == 1 and "404" in lines[0], (path, lines)
    assert len(log.splitlines()) < 40, log[-3000:]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["PORT=8123"], "--host 127.0.0.1 --port 8123"),
        (["PORT=9000", "HOST=0.0.0.0"], "--host 0.0.0.0 --port 9000"),
        ([], "--host 127.0.0.1 --port 8001"),
    ],
)
def test_make_demo_passes_host_and_port(args: list[str], expected: str) -> None:
    result = subprocess.run(
        ["make", "-n", "-C", str(REPO), "demo", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in result.stdout.splitlines() if "pantau demo" in line)
    assert line.startswith("exec ") and line.endswith(expected)


@pytest.mark.slow
def test_demo_sigterm_after_the_crawl_aborts(tmp_path: Path) -> None:
    """Scrapy's signal handlers outlive the crawl: without taking them back, SIGTERM during the
    processing was swallowed and the demo went on to serve."""
    proc = start(["demo", "--home", str(tmp_path / "home"), "--port", "0"], tmp_path)
    log = tmp_path / "stderr.log"
    try:
        deadline = time.monotonic() + 240
        while "Crawled:" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert code == 1 and text.rstrip().endswith("Aborted!"), text[-3000:]
    assert "Published:" not in text and "Traceback" not in text
    assert not [pid for pid in children(proc.pid) if alive(pid)]


@pytest.mark.slow
def test_demo_sigterm_while_serving_stops_datasette(tmp_path: Path) -> None:
    proc = start(["demo", "--home", str(tmp_path / "home"), "--port", "0"], tmp_path)
    try:
        url = wait_serving(proc, tmp_path, timeout=300)  # the whole pipeline first
        assert get(url)[0] == 200
        assert stop(proc, signal.SIGTERM, datasette_children(proc.pid)) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


def test_a_stop_that_lands_in_a_weakref_callback_is_not_lost(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """SIGTERM's KeyboardInterrupt raised inside a weakref callback (run by the garbage
    collector) is ignored by Python: the demo went on to publish and serve. It is recorded, not
    printed, and the next stage boundary raises it again."""
    import weakref

    from pantau import serve

    saved = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM),
             sys.unraisablehook)
    try:
        serve.interrupt_on_signals()

        class Holder:
            pass

        held = Holder()
        ref = weakref.ref(held, lambda _: os.kill(os.getpid(), signal.SIGTERM))
        del held  # the callback runs here; the handler raises inside it; Python ignores that
        assert ref() is None
        with pytest.raises(KeyboardInterrupt):
            serve.raise_if_interrupted()
    finally:
        signal.signal(signal.SIGINT, saved[0])
        signal.signal(signal.SIGTERM, saved[1])
        sys.unraisablehook = saved[2]
        serve._received.clear()
    assert "Exception ignored" not in capfd.readouterr().err
