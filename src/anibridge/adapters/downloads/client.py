"""The HTTP client every own download (Range parts, HLS segments) talks to a hoster through.

One place for what each request needs: the hoster's headers (Referer, User-Agent…) on every request and
redirect, the site's proxy (SITE_PROXIES), no transfer compression (the bytes are counted and written as they
arrive), and the SSRF guard on every URL including each redirect hop — media and segment URLs come from hoster
pages and playlists, which must not make anibridge fetch a loopback or LAN service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from anibridge.adapters.resolving import proxy_for
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.ports.streams import DirectStream
from anibridge.ports.upstream import UpstreamRefused

DEFAULT_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


class GuardRefused(httpx.ConnectError):
    """The SSRF guard stopped a request before it was sent: not worth a retry."""


def hoster_client(stream: DirectStream, *, connections: int, socket_timeout: float, proxies: Mapping[str, str],
                  guard: SsrfGuard | None, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """A blocking client for `stream`'s hoster with room for `connections` requests at once (plus one)."""
    headers = {"User-Agent": DEFAULT_UA, "Accept": "*/*", **dict(stream.headers), "Accept-Encoding": "identity"}
    pool = max(1, connections) + 1
    proxy = proxy_for(stream.url, proxies) if transport is None else None
    return httpx.Client(
        event_hooks={"request": [_guard_hook(guard)]} if guard is not None else None,
        headers=headers, follow_redirects=True, max_redirects=10, transport=transport, proxy=proxy,
        timeout=httpx.Timeout(socket_timeout, connect=min(socket_timeout, 10.0), pool=None),
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
    )


def _guard_hook(guard: SsrfGuard) -> Callable[[httpx.Request], None]:
    def check(request: httpx.Request) -> None:
        try:
            guard.check_sync(str(request.url))
        except UpstreamRefused as ex:
            raise GuardRefused(f"refused by the SSRF guard: {ex.reason} ({request.url.host})",
                                     request=request) from None

    return check
