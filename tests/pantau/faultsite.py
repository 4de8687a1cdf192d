"""A fault-injecting proxy in front of a demo site, for `pantau daily`'s failure paths.

Like :class:`pantau.demosite.DemoServer` it answers as an HTTP proxy on 127.0.0.1 (crawl it with
``http_proxy``), but every request whose absolute URL matches a rule gets that rule's fault:

- ``500`` / ``403`` — that status;
- ``junk`` — a 200 page with a topic keyword and no article in it (the cleaner rejects it);
- ``deny`` — for robots.txt: ``Disallow: /``;
- ``hang`` — the response waits until :meth:`FaultServer.release` (or ``HANG_LIMIT_S``).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler

from pantau.demosite import DemoSite, LocalServer, QuietHandler, request_target, send_text

HANG_LIMIT_S = 60.0  # a hung response gives up after this, so a failed test never blocks forever
JUNK_PAGE = (
    "<html><head><title>Pemeliharaan</title></head><body>"
    "<div>Situs sedang dalam pemeliharaan. BPJS Ketenagakerjaan.</div></body></html>"
)


class FaultServer(LocalServer):
    """The demo site with faults, on 127.0.0.1 (free port), in a background thread."""

    def __init__(self, site: DemoSite) -> None:
        self.site = site
        self.rules: list[tuple[re.Pattern[str], str]] = []
        self.hits: Counter[str] = Counter()
        self.released = threading.Event()
        self.lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.handle(self)

        super().__init__(Handler)

    def fault(self, pattern: str, kind: str) -> None:
        self.rules.append((re.compile(pattern), kind))

    def clear(self) -> None:
        self.rules.clear()

    def release(self) -> None:
        self.released.set()

    def _fault_for(self, url: str) -> str | None:
        return next((kind for pattern, kind in self.rules if pattern.search(url)), None)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        host, target = request_target(h)
        kind = self._fault_for(f"http://{host}{target}")
        with self.lock:
            self.hits[kind or "ok"] += 1
        if kind == "hang":
            self.released.wait(HANG_LIMIT_S)
            kind = None
        if kind in ("500", "403"):
            status, ctype, body = int(kind), "text/html; charset=utf-8", f"<h1>{kind}</h1>"
        elif kind == "junk":
            status, ctype, body = 200, "text/html; charset=utf-8", JUNK_PAGE
        elif kind == "deny":
            status, ctype, body = 200, "text/plain", "User-agent: *\nDisallow: /\n"
        else:
            status, ctype, body = self.site.render(host, target)
        with contextlib.suppress(OSError):  # the crawler gave up on a hung request
            send_text(h, status, ctype, body)

    def __exit__(self, *exc: object) -> None:
        self.release()
        super().__exit__(*exc)
