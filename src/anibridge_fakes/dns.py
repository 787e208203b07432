"""DNS on loopback: real host names for the fakes, a CUII-blocking ISP resolver, an honest DNS-over-HTTPS server.

German ISPs block SerienStream by DNS: their resolver answers a CNAME to `notice.cuii.info`, whose server shows
"Diese Webseite ist aus urheberrechtlichen Gründen nicht verfügbar" (over HTTPS a certificate error first).
IP addresses are not blocked, and other resolvers (1.1.1.1, 8.8.8.8, DNS-over-HTTPS) answer truthfully. A name
given up by its owner (`s.to` since July 2026) does not resolve anywhere.

Model, all on loopback: every fake listens on 127.0.0.1 (the sites' "origin IP") on its own port, and a URL like
`http://serienstream.to:<port>/` names the site. `FakeDns` holds the zone and answers in two views: `isp` (the
system resolver of a German household: blocked names CNAME to `notice.cuii.info`) and `doh` (honest). The CUII
notice server listens on another loopback address, 127.0.66.1, on the *same port* as each blocked site, so a
blocked name lands on the notice page whatever port the URL carries. `DohApp` serves the honest view as the
JSON DNS-over-HTTPS API (`GET /dns-query?name=&type=A`, `application/dns-json`, as Cloudflare and Google answer).

The hook: `ResolvingTransport` (httpx) connects to the address a resolver function gives for the URL's host and
keeps the name in `Host` (and as TLS SNI) — the way a client applies an address override or a DoH answer. Tests
use it with `dns.isp` (blocked), `dns.doh` (honest) or a fixed address (the override).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from anibridge.adapters.resolving import sent_to_address  # the same rewrite the service's transport makes
from anibridge_fakes.http import App, FakeServer, Request, Response

NOTICE_HOST = "notice.cuii.info"
NOTICE_IP = "127.0.66.1"
ORIGIN_IP = "127.0.0.1"

NOTICE_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Diese Webseite ist aus urheberrechtlichen Gründen nicht verfügbar</title></head><body>
<h1>Diese Webseite ist aus urheberrechtlichen Gründen nicht verfügbar.</h1>
<p>Der Zugang zu der von Ihnen aufgerufenen Internetseite wurde gesperrt, weil sie nach Prüfung durch die
Clearingstelle Urheberrecht im Internet (CUII) systematisch Urheberrechte verletzt.</p>
<p>Weitere Informationen finden Sie unter <a href="https://cuii.info/empfehlungen/">cuii.info</a>.</p>
</body></html>
"""


class DnsFailure(OSError):
    """NXDOMAIN: the name does not exist (anywhere, or in this view)."""


@dataclass(frozen=True)
class DnsAnswer:
    name: str
    cname: str | None
    addresses: tuple[str, ...]


@dataclass
class FakeDns:
    records: dict[str, str] = field(default_factory=dict)  # name → IPv4 address
    blocked: set[str] = field(default_factory=set)  # the ISP view CNAMEs these to notice.cuii.info
    dead: set[str] = field(default_factory=set)  # NXDOMAIN in every view
    queries: list[tuple[str, str]] = field(default_factory=list)  # (view, name) for tests
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, name: str, view: str = "isp") -> DnsAnswer:
        name = name.lower().rstrip(".")
        with self._lock:
            self.queries.append((view, name))
        if name in self.dead:
            raise DnsFailure(f"{name}: NXDOMAIN")
        if view == "isp" and name in self.blocked:
            return DnsAnswer(name, NOTICE_HOST, (NOTICE_IP,))
        if name == NOTICE_HOST:
            return DnsAnswer(name, None, (NOTICE_IP,))
        address = self.records.get(name)
        if address is None:
            raise DnsFailure(f"{name}: NXDOMAIN")
        return DnsAnswer(name, None, (address,))

    def isp(self, name: str) -> str:
        """The system resolver of a German household (CUII blocks applied)."""
        return self.resolve(name, "isp").addresses[0]

    def doh(self, name: str) -> str:
        """An honest resolver (what a DNS-over-HTTPS query returns)."""
        return self.resolve(name, "doh").addresses[0]


class DohApp(App):
    """`GET /dns-query?name=<host>&type=A` → the JSON DNS-over-HTTPS answer of the honest view."""

    def __init__(self, dns: FakeDns) -> None:
        super().__init__("doh")
        self.dns = dns
        self.route(r"/dns-query")(self.query)
        self.route(r"/resolve")(self.query)  # Google's path for the same API

    def query(self, request: Request) -> Response:
        name = request.query.get("name", "").rstrip(".")
        qtype = request.query.get("type", "A").upper()
        if not name:
            return Response.json('{"error":"missing name"}', status=400)
        question = [{"name": f"{name}.", "type": 1}]
        try:
            answer = self.dns.resolve(name, "doh")
        except DnsFailure:
            return Response(200, json.dumps({"Status": 3, "Question": question}).encode(),
                            content_type="application/dns-json")
        records = [] if qtype not in ("A", "1") else [
            {"name": f"{name}.", "type": 1, "TTL": 300, "data": address} for address in answer.addresses]
        body = {"Status": 0, "TC": False, "RD": True, "RA": True, "AD": False, "CD": False,
                "Question": question, "Answer": records}
        return Response(200, json.dumps(body).encode(), content_type="application/dns-json")


class NoticeApp(App):
    """What `notice.cuii.info` answers on every path."""

    def __init__(self) -> None:
        super().__init__("cuii-notice")
        self.route(r"/.*", methods="GET,HEAD,POST")(lambda request: Response.html(NOTICE_PAGE))


class NoticeServers:
    """One notice server on NOTICE_IP per port a blocked site uses."""

    def __init__(self) -> None:
        self.servers: dict[int, FakeServer] = {}

    def cover(self, ports: Iterable[int]) -> None:
        for port in ports:
            if port not in self.servers:
                self.servers[port] = FakeServer(NoticeApp(), port=port, host=NOTICE_IP).start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


def _connect_error(host: str, ex: DnsFailure, request: httpx.Request) -> httpx.ConnectError:
    return httpx.ConnectError(f"[Errno -2] Name or service not known: {host} ({ex})", request=request)


class ResolvingTransport(httpx.BaseTransport):
    """Sync httpx transport connecting to `resolve(host)` with `Host` (and SNI) kept on the name."""

    def __init__(self, resolve: Callable[[str], str], inner: httpx.BaseTransport | None = None) -> None:
        self._resolve = resolve
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            address = self._resolve(host)
        except DnsFailure as ex:
            raise _connect_error(host, ex, request) from None
        return self._inner.handle_request(sent_to_address(request, address))

    def close(self) -> None:
        self._inner.close()


class AsyncResolvingTransport(httpx.AsyncBaseTransport):
    """Async twin of `ResolvingTransport` (what anibridge's own AsyncClient would use)."""

    def __init__(self, resolve: Callable[[str], str], inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._resolve = resolve
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            address = self._resolve(host)
        except DnsFailure as ex:
            raise _connect_error(host, ex, request) from None
        return await self._inner.handle_async_request(sent_to_address(request, address))

    async def aclose(self) -> None:
        await self._inner.aclose()


# Names per fake site (world key → names), as the sites are known in 2026; the first is the canonical one.
SITE_NAMES: dict[str, tuple[str, ...]] = {
    "s.to": ("serienstream.to", "serienstream.cx"),
    "aniworld.to": ("aniworld.to", "aniworld.cc", "anicloud.io"),
    "megakino": ("megakino1.to", "megakino.ms"),
    "megakino-next": ("megakino15.com",),
}
LEGACY_DEAD = ("s.to",)  # SerienStream's old name: stopped resolving in July 2026
CUII_BLOCKED = ("serienstream.to", "serienstream.sx", "serien.sx")  # what the ISP resolver answers with a notice


class FakeInternet:
    """Names, the ISP resolver, a DoH server and the CUII notice servers for a set of started fake sites."""

    def __init__(self, site_ports: dict[str, int]) -> None:
        self.site_ports = dict(site_ports)
        records = {name: ORIGIN_IP for key in site_ports for name in SITE_NAMES.get(key, ())}
        self.dns = FakeDns(records=records, blocked=set(CUII_BLOCKED), dead=set(LEGACY_DEAD))
        self.notices = NoticeServers()
        self.notices.cover(port for key, port in site_ports.items()
                           if any(name in self.dns.blocked for name in SITE_NAMES.get(key, ())))
        self.doh = FakeServer(DohApp(self.dns)).start()

    def url(self, key: str, name: str | None = None) -> str:
        """`http://<name>:<port>` of a site (its canonical name unless `name` picks another one, e.g. `s.to`)."""
        host = name or SITE_NAMES[key][0]
        return f"http://{host}:{self.site_ports[key]}"

    @property
    def doh_url(self) -> str:
        return self.doh.base_url + "/dns-query"

    def stop(self) -> None:
        self.doh.stop()
        self.notices.stop()
