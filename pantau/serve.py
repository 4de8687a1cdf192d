"""`pantau serve`: Datasette behind a small supervisor that switches snapshots atomically.

Datasette opens an immutable database once and keeps what it learned about it: the table counts,
the schema, and one SQLite connection per thread, each opened the first time its thread runs a
query. Replacing the file under a running Datasette therefore answers some requests from the old
file and some from the new one, and new rows 404 for a while. So the supervisor never changes a
file under a Datasette:

- Datasette runs on the current version's own file (``pantau.versions/NAME/pantau.db``, so the
  database is still called ``pantau``), on a Unix socket in a private folder, and the supervisor
  listens on ``--host``/``--port`` and forwards every request to it (streaming the answer);
- every ``poll`` seconds it reads the pointer ``pantau.current``; when ``pantau publish`` has
  moved it, a second Datasette is started on the new version, and once it answers, every new
  request goes there (one assignment: the switch is atomic). The old one finishes the requests
  it has, then is stopped. No request is refused during the switch, and each request is
  answered by exactly one Datasette — by one snapshot;
- the served version is held (a shared ``flock``, see :func:`kb.publish.hold`), so no publish
  removes it while it is served; a Datasette that dies is started again;
- a version whose Datasette does not start is reported once and the current one stays served.

Operations: the address is bound (:func:`listen_on`) before anything starts, so a busy port is
one line and a non-zero exit, not a Datasette started for nothing; SIGTERM is handled like
Ctrl+C (SIGINT), whoever installed handlers before (Scrapy leaves its own after a crawl in the
same process): the Datasette child is stopped before the supervisor exits, and it gets SIGTERM
from the kernel if the supervisor is killed outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.publish import Version, current_version, hold

POLL_SECONDS = 1.0  # how often the pointer is read (a switch also waits for Datasette to start)
START_SECONDS = 60.0  # Datasette starts in ~1 s; a loaded machine may be slower
DRAIN_SECONDS = 120.0  # an old Datasette finishes its requests (a CSV export) before it stops
STOP_SECONDS = 10.0
UNIX_PATH_MAX = 107  # bytes of a Unix socket path (Linux sun_path: 108 with the final NUL)
SOCKET_NAME = "datasette-{n}.sock"
HOP_BY_HOP = {
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
    b"trailer", b"transfer-encoding", b"upgrade", b"proxy-connection",
}  # fmt: skip

Command = Callable[[Path, Path], list[str]]  # (snapshot file, socket) -> the datasette command


class ServeError(RuntimeError):
    """Datasette could not be started on a version, or the address cannot be used."""


def listen_on(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` (port 0: a free one), not yet accepting.

    Bound before Datasette starts, so a busy port or an unknown host is a :class:`ServeError`
    at once. Until the server accepts on it, connections are refused, as if nothing listened.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: unknown address ({exc.strerror})") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is free
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"{host}:{port} is already in use (another `pantau serve`?); choose another"
                " port with --port"
            ) from exc
        raise ServeError(f"{host}:{port}: cannot listen there ({exc.strerror or exc})") from exc
    return sock


def url_of(sock: socket.socket) -> str:
    """The URL a bound socket serves (the real port when 0 was asked for)."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _stderr() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced sys.stderr (tests)
        return None


def _die_with_parent(parent: int) -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child Datasette gets SIGTERM if the supervisor dies (even by kill -9)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # it died before prctl: no signal will come
            os._exit(1)


_signals_held = False  # see _holding_signals
_pending_signals: list[int] = []


@contextlib.contextmanager
def _holding_signals() -> Iterator[None]:
    """SIGINT/SIGTERM that arrive while a child is being started are raised once its Popen
    exists (and can be stopped); raised inside Popen, they would leave it running."""
    global _signals_held
    _signals_held = True
    try:
        yield
    finally:
        _signals_held = False
        if _pending_signals:
            _pending_signals.clear()
            raise KeyboardInterrupt


def _socket_folder() -> Path:
    """A private folder for the Datasette sockets: in TMPDIR, or in /tmp when TMPDIR is so deep
    that a socket path there would pass the AF_UNIX limit (Datasette could not listen)."""
    for parent in (None, "/tmp"):
        folder = Path(tempfile.mkdtemp(prefix="pantau-serve-", dir=parent))
        if len(os.fsencode(folder / SOCKET_NAME.format(n=999_999))) <= UNIX_PATH_MAX:
            return folder
        folder.rmdir()
    raise ServeError(f"{folder.parent}: too deep for a Unix socket; set TMPDIR to a short path")


@dataclass
class Backend:
    """One Datasette process serving one version."""

    version: Version
    socket: Path
    proc: subprocess.Popen[bytes]
    client: Any  # httpx.AsyncClient bound to the socket
    held: int  # descriptor of the hold on the version's file
    active: int = 0  # requests being answered

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    async def stop(self) -> None:
        if self.alive:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)
        await self.client.aclose()
        os.close(self.held)
        self.socket.unlink(missing_ok=True)


@dataclass
class Supervisor:
    """Serves the current version of ``target`` and follows its pointer (an ASGI app)."""

    target: Path
    command: Command
    poll: float = POLL_SECONDS
    say: Callable[[str], None] = lambda message: print(message, file=sys.stderr)
    current: Backend | None = None
    failed: set[Path] = field(default_factory=set)
    switches: int = 0
    _rundir: Path | None = None
    _started: int = 0
    _retiring: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        version = current_version(self.target)
        if version is None:
            raise ServeError(f"{self.target}: nothing published yet (run `pantau publish`)")
        self._rundir = _socket_folder()
        self.current = await self.launch(version)
        self.say(f"serve: {self._label(version)}")

    def _label(self, version: Version) -> str:
        return f"version {version.name}" if version.name else str(version.db)

    async def launch(self, version: Version) -> Backend:
        """Start Datasette on ``version`` and return once it answers."""
        import httpx

        assert self._rundir is not None
        try:
            held = hold(version)
        except OSError as exc:
            raise ServeError(f"{version.db}: {exc.strerror or exc}") from exc
        self._started += 1
        sock = self._rundir / SOCKET_NAME.format(n=self._started)
        backend: Backend | None = None
        try:
            with _holding_signals():  # raised below, where `backend` can be stopped
                proc = subprocess.Popen(
                    self.command(version.db, sock),
                    stdin=subprocess.DEVNULL,
                    stdout=_stderr(),  # stdout is for data (the URL)
                    preexec_fn=functools.partial(_die_with_parent, os.getpid()),  # noqa: PLW1509
                )
                client = httpx.AsyncClient(
                    transport=httpx.AsyncHTTPTransport(uds=str(sock)),
                    base_url="http://datasette",
                    timeout=httpx.Timeout(connect=10.0, read=None, write=60.0, pool=None),
                )
                backend = Backend(version, sock, proc, client, held)
            await self._wait_ready(backend)
        except BaseException:
            if backend is not None:
                await backend.stop()
            else:
                os.close(held)
            raise
        return backend

    async def _wait_ready(self, backend: Backend) -> None:
        import httpx

        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_SECONDS
        while True:
            if not backend.alive:
                raise ServeError(
                    f"Datasette on {backend.version.db} exited ({backend.proc.returncode})"
                )
            try:
                response = await backend.client.get("/-/versions.json")
                if response.status_code == 200:
                    await backend.client.get("/")  # warm: the home page counts every table
                    return
            except httpx.TransportError:
                pass
            if loop.time() > deadline:
                raise ServeError(f"Datasette on {backend.version.db} did not start")
            await asyncio.sleep(0.1)

    async def check(self) -> None:
        """Follow the pointer; start Datasette again if it died."""
        assert self.current is not None
        version = current_version(self.target)
        if not self.current.alive:
            self.say(f"serve: Datasette exited ({self.current.proc.returncode}), starting it again")
            await self.switch(version or self.current.version)
        elif version is not None and version.db not in {self.current.version.db, *self.failed}:
            await self.switch(version)

    async def switch(self, version: Version) -> None:
        assert self.current is not None
        try:
            new = await self.launch(version)
        except ServeError as exc:
            self.failed.add(version.db)
            self.say(f"serve: {exc}; still serving {self._label(self.current.version)}")
            return
        old, self.current = self.current, new  # from here on, every new request goes to `new`
        self.switches += 1
        self.say(f"serve: now serving {self._label(version)}")
        task = asyncio.create_task(self.retire(old))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def retire(self, old: Backend) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DRAIN_SECONDS
        while old.active and old.alive and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await old.stop()

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll)
            await self.check()

    async def close(self) -> None:
        for task in list(self._retiring):
            task.cancel()
        if self.current is not None:
            await self.current.stop()
            self.current = None
        if self._rundir is not None:
            shutil.rmtree(self._rundir, ignore_errors=True)

    # -- the proxy --------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # Datasette has no websockets; lifespan is off
            return
        backend = self.current
        if backend is None:
            await _plain(send, 503, b"Pantau is starting\n")
            return
        backend.active += 1  # counted before any await: retire() waits for it
        try:
            await self._forward(backend, scope, receive, send)
        finally:
            backend.active -= 1

    async def _forward(
        self, backend: Backend, scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        import httpx

        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            raw_path += b"?" + scope["query_string"]
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        request = backend.client.build_request(
            scope["method"],
            httpx.URL(scheme="http", host="datasette", raw_path=raw_path),
            headers=headers,
            content=body,
        )
        try:
            response = await backend.client.send(request, stream=True)
        except httpx.TransportError:
            await _plain(send, 502, b"Datasette is restarting, try again\n")
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP
                    ],
                }
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()


async def _plain(send: Any, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": text})


_received: list[int] = []  # signals _interrupt raised for (see raise_if_interrupted)


def _interrupt(signum: int, frame: Any) -> None:
    if _signals_held:
        _pending_signals.append(signum)
        return
    _received.append(signum)
    raise KeyboardInterrupt


def _unraisable(unraisable: Any) -> None:
    """A KeyboardInterrupt of :func:`_interrupt` landing in a weakref callback or ``__del__``
    is ignored by Python, which prints it as "Exception ignored": it is recorded already
    (:func:`raise_if_interrupted` raises it again), so it is not printed. Others as usual."""
    if unraisable.exc_type is KeyboardInterrupt and _received:
        return
    sys.__unraisablehook__(unraisable)


def raise_if_interrupted() -> None:
    """Raise KeyboardInterrupt if SIGINT/SIGTERM arrived since :func:`interrupt_on_signals`.
    Called between stages: the handler's KeyboardInterrupt can land in code that ignores
    exceptions (a weakref callback run by the garbage collector prints "Exception ignored" and
    goes on), and the stop must not be lost."""
    if _received:
        raise KeyboardInterrupt


async def _main(supervisor: Supervisor, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(
        supervisor,
        lifespan="off",
        log_level="warning",
        access_log=False,
        server_header=False,  # Datasette's own headers are forwarded
        date_header=False,
    )
    server = uvicorn.Server(config)
    watcher: asyncio.Task[None] | None = None
    try:
        await supervisor.start()  # a signal while Datasette starts still ends in close()
        watcher = asyncio.create_task(supervisor.watch())
        await server.serve(sockets=[sock])
    finally:
        if watcher is not None:
            watcher.cancel()
        await supervisor.close()


def interrupt_on_signals() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt in the main thread from now on (whatever
    handler was there: Scrapy keeps its own after a crawl and would swallow them), so every
    ``finally`` runs: children stopped, locks released.

    Not Python's own SIGINT handler: with it, asyncio.run cancels its task on Ctrl+C, and the
    cancellation would cut the supervisor's clean-up short (its folder left behind)."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    sys.unraisablehook = _unraisable


def serve(
    target: Path,
    sock: socket.socket,
    command: Command,
    *,
    poll: float = POLL_SECONDS,
    say: Callable[[str], None] | None = None,
) -> None:
    """Serve the current version of ``target`` on the bound ``sock`` (:func:`listen_on`) until
    interrupted (SIGINT or SIGTERM); the Datasette child is stopped before this returns."""
    supervisor = Supervisor(target, command, poll)
    if say is not None:
        supervisor.say = say
    # uvicorn replaces these while it serves, restores them after its graceful shutdown and
    # raises the signal again: the supervisor then stops its Datasette before exiting
    interrupt_on_signals()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_main(supervisor, sock))
    finally:
        sock.close()
