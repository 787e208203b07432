"""Reach catalogue hosts around DNS blocks: a fixed address per name, or DNS-over-HTTPS, with TLS and Host unchanged.

German ISPs block SerienStream by DNS (their resolver answers a CNAME to `notice.cuii.info`); the sites' IP
addresses are not blocked. Two ways around it, both as an httpx transport so every request of the shared client
profits without the site adapters knowing:
- an address override per host (`serienstream.to=186.2.175.5`), like curl's `--resolve`;
- a DNS-over-HTTPS resolver (the JSON API Cloudflare and Google answer at `/dns-query?name=&type=A`) for a set of
  hosts, with the system resolver as fallback when DoH fails.
The request is sent to the address, while the TLS SNI and certificate check and the `Host` header keep the
name — so the site sees exactly what a browser with a working resolver would send.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)


def parse_pairs(items: Iterable[str]) -> dict[str, str]:
    """`host=value` items (as SITE_ADDRESSES / SITE_PROXIES give them) → {host: value}; malformed items ignored."""
    out: dict[str, str] = {}
    for item in items:
        host, sep, value = item.partition("=")
        host, value = host.strip().lower().rstrip("."), value.strip()
        if sep and host and value:
            out[host] = value
    return out


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class DohResolver:
    """A-record lookups over DNS-over-HTTPS (JSON API), cached for the answer's TTL (at least `min_ttl`)."""

    def __init__(self, url: str, *, timeout: float = 5.0, min_ttl: float = 60.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self._min_ttl = min_ttl
        # Its own client: the DoH server's name must not go through the resolving transport it serves.
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._clock = clock
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    async def resolve(self, host: str) -> str | None:
        """An IPv4 address of `host`, or None when DoH does not know it or cannot be asked."""
        host = host.lower().rstrip(".")
        hit = self._cache.get(host)
        if hit is not None and hit[1] > self._clock():
            return hit[0]
        async with self._lock:
            hit = self._cache.get(host)
            if hit is not None and hit[1] > self._clock():
                return hit[0]  # answered while this one waited for the lock
            try:
                response = await self._client.get(self.url, params={"name": host, "type": "A"},
                                                   headers={"Accept": "application/dns-json"})
                data = json.loads(response.text)
            except (httpx.HTTPError, ValueError) as ex:
                log.warning("DNS-over-HTTPS %s could not resolve %s: %s", self.url, host, ex)
                return None
        for answer in data.get("Answer") or [] if isinstance(data, dict) else []:
            if isinstance(answer, dict) and answer.get("type") == 1 and is_ip(str(answer.get("data", ""))):
                ttl = answer.get("TTL")
                ttl = float(ttl) if isinstance(ttl, (int, float)) else self._min_ttl
                self._cache[host] = (str(answer["data"]), self._clock() + max(ttl, self._min_ttl))
                return str(answer["data"])
        log.warning("DNS-over-HTTPS %s has no A record for %s (status %s)", self.url, host,
                    data.get("Status") if isinstance(data, dict) else "?")
        return None


def sent_to_address(request: httpx.Request, address: str) -> httpx.Request:
    """The same request sent to `address`, with Host and TLS SNI (and so the certificate check) on the name."""
    url = request.url.copy_with(host=address)
    inner = httpx.Request(request.method, url, headers=request.headers, stream=request.stream,
                          extensions={**request.extensions, "sni_hostname": request.url.host})
    inner.headers["Host"] = request.headers.get("Host") or request.url.netloc.decode("ascii")
    return inner


class ResolvingTransport(httpx.AsyncBaseTransport):
    """Connects to the overridden or DoH-resolved address of a host; other hosts go through unchanged."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, addresses: Mapping[str, str] | None = None,
                 doh: DohResolver | None = None, doh_hosts: Iterable[str] = ()) -> None:
        self._inner = inner
        self._addresses = {k.lower(): v for k, v in (addresses or {}).items()}
        self._doh = doh
        self._doh_hosts = {h.lower() for h in doh_hosts}

    async def address_of(self, host: str) -> str | None:
        host = host.lower().rstrip(".")
        fixed = self._addresses.get(host)
        if fixed is not None:
            return fixed
        if self._doh is not None and host in self._doh_hosts and not is_ip(host):
            return await self._doh.resolve(host)
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        address = await self.address_of(request.url.host)
        if address is not None:
            request = sent_to_address(request, address)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
        if self._doh is not None:
            await self._doh.aclose()


CUII_NOTICE_HOST = "notice.cuii.info"


@dataclass(frozen=True, slots=True)
class DnsVerdict:
    """What the system resolver answers for a host: its canonical name, aliases and addresses."""

    host: str
    canonical: str
    aliases: tuple[str, ...]
    addresses: tuple[str, ...]
    error: str = ""

    @property
    def cuii_blocked(self) -> bool:
        """The German ISPs' DNS block: the name is a CNAME of notice.cuii.info."""
        names = (self.canonical, *self.aliases)
        return any(n.lower().rstrip(".").endswith("cuii.info") for n in names)


def system_lookup(host: str,
                  lookup: Callable[[str], tuple[str, list[str], list[str]]] = socket.gethostbyname_ex) -> DnsVerdict:
    """Ask the system resolver (blocking: run it in a thread). A failure is a verdict too, never an exception."""
    try:
        canonical, aliases, addresses = lookup(host)
    except OSError as ex:
        return DnsVerdict(host, "", (), (), error=f"{type(ex).__name__}: {ex}")
    return DnsVerdict(host, canonical, tuple(aliases), tuple(addresses))


def dns_block_advice(host: str) -> str:
    """What to set when `host` is blocked by DNS (for `anibridge check` and logs)."""
    return (f"{host} is blocked by your DNS resolver (CNAME to {CUII_NOTICE_HOST}): set DOH_URL="
            f"https://cloudflare-dns.com/dns-query, or SITE_ADDRESSES={host}=<the site's IP>, or give the "
            "container another resolver (e.g. 1.1.1.1)")


def proxy_for(url: str, proxies: Mapping[str, str]) -> str | None:
    """The SITE_PROXIES entry for `url`'s host (the host itself, a parent domain, then `*`); None: none configured."""
    host = (httpx.URL(url).host or "").lower().rstrip(".")
    labels = host.split(".")
    for i in range(len(labels)):
        hit = proxies.get(".".join(labels[i:]))
        if hit:
            return hit
    return proxies.get("*") or None
