"""SSRF guard for every outbound fetch whose URL came from a page: only public http(s) targets, checked after DNS
resolution.

The STRM proxy fetches URLs taken from signed query strings and from hoster playlists; downloads fetch hoster
pages, media URLs, playlists and segments named by site and hoster pages. Without this guard a signed-URL holder
or a malicious page or playlist could make anibridge read cloud metadata (169.254.169.254), the router UI or
services on localhost — and save the answer as a finished download. `httpx_hook` checks each request of an httpx
client (every redirect hop included, before it is sent); `check_sync` serves yt-dlp's worker threads. Every spelling of an address is caught by asking the system resolver —
the same one the HTTP client will use — so `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`, `[::1]` and
`[::ffff:127.0.0.1]` all resolve to loopback and are refused. Allowlisted hosts (exact name or `name:port`)
skip the check, for self-hosted CDNs and the loopback fakes in tests.

Limit: the address is checked, then the HTTP client resolves again; a DNS server answering differently on the
second query (rebinding) could slip through. Pinning the connection to the checked IP needs a custom
transport; the signed URLs already restrict who can ask.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import httpx

from anibridge.ports.upstream import UpstreamRefused

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


async def system_resolve(host: str, port: int) -> list[str]:
    """All addresses the system resolver returns for `host` (numeric spellings included)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_forbidden(ip: IPAddress) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified, shared (CGNAT) or otherwise non-global."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None and is_forbidden(mapped):
            return True
        if ip.teredo is not None and any(is_forbidden(x) for x in ip.teredo):
            return True
    return (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified or not ip.is_global
    )


def sync_resolve(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class SsrfGuard:
    def __init__(self, allowlist: Iterable[str] = (), resolver: Resolver = system_resolve,
                 sync_resolver: Callable[[str, int], list[str]] = sync_resolve) -> None:
        self._allow = {a.strip().lower().strip("[]") for a in allowlist if a.strip()}
        self._resolve = resolver
        self._sync_resolve = sync_resolver

    def allowed_host(self, host: str, port: int) -> bool:
        return host in self._allow or f"{host}:{port}" in self._allow

    async def check(self, url: str) -> None:
        """Raise UpstreamRefused unless `url` is http(s) to a public address or an allowlisted host."""
        target = self._target(url)
        if target is None:
            return
        try:
            addresses = await self._resolve(*target)
        except (OSError, UnicodeError):
            raise UpstreamRefused("unresolvable upstream host") from None
        self._judge(addresses)

    def check_sync(self, url: str) -> None:
        """`check` for code running in a worker thread (yt-dlp)."""
        target = self._target(url)
        if target is None:
            return
        try:
            addresses = self._sync_resolve(*target)
        except (OSError, UnicodeError):
            raise UpstreamRefused("unresolvable upstream host") from None
        self._judge(addresses)

    async def httpx_hook(self, request: httpx.Request) -> None:
        """httpx `request` event hook: runs before every request is sent, redirect hops included."""
        try:
            await self.check(str(request.url))
        except UpstreamRefused as ex:
            raise httpx.ConnectError(f"refused by the SSRF guard: {ex.reason} ({request.url.host})",
                                     request=request) from None

    def _target(self, url: str) -> tuple[str, int] | None:
        """(host, port) to resolve and judge; None when the host is allowlisted."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise UpstreamRefused("invalid upstream url") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise UpstreamRefused("invalid upstream url scheme")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise UpstreamRefused("invalid upstream host")
        port = port or (443 if scheme == "https" else 80)
        if self.allowed_host(host, port):
            return None
        if host == "localhost" or host.endswith(".localhost"):
            raise UpstreamRefused("upstream host not allowed")
        return host, port

    @staticmethod
    def _judge(addresses: list[str]) -> None:
        if not addresses:
            raise UpstreamRefused("unresolvable upstream host")
        for raw in addresses:
            try:
                ip = ipaddress.ip_address(raw.split("%", 1)[0])
            except ValueError:
                raise UpstreamRefused("unresolvable upstream host") from None
            if is_forbidden(ip):
                raise UpstreamRefused("upstream host not allowed")
