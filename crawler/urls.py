"""URL canonicalisation, so that one article is one row.

- scheme and host lower-cased, default ports and fragments dropped;
- tracking parameters (``utm_*``, ``fbclid``, ``gclid`` …) removed, the rest sorted;
- AMP variants mapped to the canonical page (``/amp/`` path segment, ``?amp=1``, ``/amp`` suffix);
- the trailing slash removed (except for the root path).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|_ga|ref|amp|outputType)$", re.I)
AMP_SEGMENT = re.compile(r"/amp(?=/|$)")
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = AMP_SEGMENT.sub("", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    )
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def fetch_url(url: str) -> str:
    """The URL to request for a discovered link: tracking parameters, AMP markers and the
    fragment removed, but the path kept as the site wrote it (a WordPress permalink keeps its
    trailing slash, so fetching it costs no redirect). Its identity is :func:`canonical_url`."""
    parts = urlsplit(url.strip())
    path = AMP_SEGMENT.sub("", parts.path) or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))
