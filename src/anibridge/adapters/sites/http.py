"""Page fetching for catalogue sites: timeouts, a small retry budget and typed errors instead of raw httpx ones.

Every site adapter goes through `SiteHttp` so a 5xx, a dropped connection, a 404 and a gate are reported the same
way for every site (SiteUnavailable, NotFound, SiteGated — a ChallengeRequired naming site, gate and retry time).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

import httpx

from anibridge.adapters.sites.gates import DEFAULT_RETRY_SECONDS, classify, read_bridge
from anibridge.adapters.sites.origins import SiteOrigins
from anibridge.adapters.sites.pacing import PAGE, SitePacer
from anibridge.domain.catalog.identity import Site
from anibridge.ports.errors import GateKind, NotFound, SiteGated, SiteUnavailable

log = logging.getLogger(__name__)

BROWSER_HEADERS: dict[str, str] = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36"
    ),
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7",
    # DDoS-Guard offers Brotli to browser-like clients; without a Brotli decoder the body would be unreadable.
    "Accept-Encoding": "gzip, deflate",
}

# Markers of Cloudflare / DDoS-Guard / Turnstile interstitials (a challenge page instead of content).
_CHALLENGE_MARKERS = (
    re.compile(r"<title>\s*just a moment", re.I),
    re.compile(r"<title>\s*attention required", re.I),
    re.compile(r"cdn-cgi/challenge-platform", re.I),
    re.compile(r"\bcf_chl_", re.I),
)


FAILOVER_GATES = frozenset({GateKind.DNS_BLOCK, GateKind.DDOS_GUARD, GateKind.CLOUDFLARE})
"""Gates that sit in front of one name or address but maybe not another: worth asking the next origin."""


def looks_like_challenge(body: str, status: int = 200) -> bool:
    """True for captcha/Turnstile/bot-check pages (never for a normal catalogue page).

    "ddos-guard" alone only counts on an error status: normal pages served through DDoS-Guard may mention it.
    """
    head = body[:20000]
    lowered = head.lower()
    if "cf-turnstile" in lowered and "captcha-form" in lowered:
        return True
    if "stream wird vorbereitet" in lowered and "captcha" in lowered:
        return True
    if status >= 400 and "ddos-guard" in lowered:
        return True
    return any(marker.search(head) for marker in _CHALLENGE_MARKERS)


def absolute(base: str, href: str) -> str:
    """Join a (possibly relative) href onto a base URL."""
    return urljoin(base.rstrip("/") + "/", href.strip())


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.hostname or "").lower() == (pb.hostname or "").lower() and pa.port == pb.port


class OriginUnreachable(SiteUnavailable):
    """The name did not resolve or nobody answered the connection: another origin of the site may."""


class SiteHttp:
    """GETs for one site. Retries timeouts and 5xx `retries` times with a short back-off; moves to the site's next
    origin (mirror) on a DNS or connection failure or a front gate; paces requests and honours cool-downs."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        site: Site | str,
        *,
        timeout: float,
        retries: int = 1,
        backoff: float = 0.2,
        headers: Mapping[str, str] | None = None,
        origins: SiteOrigins | None = None,
        pacer: SitePacer | None = None,
        gate_retry_seconds: float = DEFAULT_RETRY_SECONDS,
    ) -> None:
        self._client = client
        self._site = str(site)
        self._timeout = timeout
        self._retries = max(0, retries)
        self._backoff = backoff
        self._headers = {**BROWSER_HEADERS, **(headers or {})}
        self.origins = origins
        self.pacer = pacer
        self.gate_retry_seconds = gate_retry_seconds

    @property
    def client(self) -> httpx.AsyncClient:
        return self._client

    @property
    def user_agent(self) -> str:
        """The User-Agent every request of this site carries (a browser pass must present the same one)."""
        return self._headers.get("User-Agent", "")

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
        timeout: float | None = None,
        retries: int | None = None,
        check_challenge: bool = True,
        allow_bridge: bool = False,
        kind: str = PAGE,
    ) -> httpx.Response:
        """The response of a successful GET (2xx, or 3xx when not following); typed errors otherwise.

        A URL on one of the site's origins is tried on each origin in turn (the last good one first) until one
        answers; NotFound and the redirect gate end the walk (another name of the same site answers the same).
        """
        origins = self.origins
        if origins is None or not origins.covers(url):
            return await self._get_one(url, params, headers, follow_redirects, timeout, retries, check_challenge,
                                       allow_bridge, kind)
        first_gate: SiteGated | None = None
        last: OriginUnreachable | None = None
        for origin in origins.candidates():
            extra = dict(headers or {})
            host = origins.host_header(origin)
            if host is not None:
                extra.setdefault("Host", host)
            try:
                response = await self._get_one(origins.rewrite(url, origin), params, extra, follow_redirects,
                                               timeout, retries, check_challenge, allow_bridge, kind,
                                               connect_fails_fast=len(origins.origins) > 1)
            except SiteGated as ex:
                if ex.kind not in FAILOVER_GATES:
                    raise
                origins.failed(origin, str(ex))
                first_gate = first_gate or ex
                continue
            except OriginUnreachable as ex:
                origins.failed(origin, str(ex))
                last = ex
                continue
            origins.succeeded(origin)
            if self.pacer is not None:
                self.pacer.succeeded()
            return response
        if first_gate is not None:
            raise first_gate
        assert last is not None
        raise last

    async def _get_one(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        follow_redirects: bool,
        timeout: float | None,
        retries: int | None,
        check_challenge: bool,
        allow_bridge: bool,
        kind: str,
        *,
        connect_fails_fast: bool = False,
    ) -> httpx.Response:
        attempts = 1 + (self._retries if retries is None else max(0, retries))
        merged = {**self._headers, **(headers or {})}
        last: str = "no attempt"
        unreachable = False
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self._backoff * attempt)
            if self.pacer is not None:
                await self.pacer.admit(kind)
            try:
                response = await self._client.get(
                    url,
                    params=params,
                    headers=merged,
                    follow_redirects=follow_redirects,
                    timeout=httpx.Timeout(timeout or self._timeout),
                )
            except httpx.ConnectError as ex:  # DNS failure or refused connection: another origin may answer
                last, unreachable = f"{type(ex).__name__}: {ex}", True
                if connect_fails_fast:
                    break
                continue
            except httpx.TimeoutException as ex:
                last = f"timeout after {timeout or self._timeout:g}s ({type(ex).__name__})"
                unreachable = isinstance(ex, httpx.ConnectTimeout)
                continue
            except httpx.TransportError as ex:
                last, unreachable = f"{type(ex).__name__}: {ex}", False
                continue
            unreachable = False
            status = response.status_code
            if check_challenge:
                try:
                    self.raise_for_gate(response, allow_bridge=allow_bridge)
                except SiteGated as ex:
                    if self.pacer is not None:
                        self.pacer.gated(ex, kind)
                    raise
            if status == 404 or status == 410:
                raise NotFound(f"{self._site}: {url} answered HTTP {status}")
            if status >= 500 or status == 429:
                last = f"HTTP {status}"
                continue
            if status >= 400:
                if status == 403 and self.pacer is not None:
                    self.pacer.forbidden(url)
                raise SiteUnavailable(f"{self._site}: {url} answered HTTP {status}")
            return response
        log.warning("%s unavailable: GET %s failed %d time(s): %s", self._site, url, attempts, last)
        cls = OriginUnreachable if unreachable else SiteUnavailable
        raise cls(f"{self._site}: GET {url} failed after {attempts} attempt(s): {last}")

    def raise_for_gate(self, response: httpx.Response, *, allow_bridge: bool = False) -> None:
        """SiteGated when the answer is a gate (DNS block, DDoS-Guard, Cloudflare, verification, 429), not a page.

        Gates are recognised before anything is parsed, so a gate never turns into "no episodes" or "no hoster".
        An episode page that merely announces SerienStream's redirect gate is still a page (not blocking);
        `allow_bridge` hands a 200 `/r` answer page (bridge, success or refusal) to the caller to read.
        """
        status = response.status_code
        if status not in (200, 403, 410, 429, 503) and not (300 <= status < 400):
            return
        if allow_bridge and status == 200 and read_bridge(response.text, str(response.url)) is not None:
            return
        gate = classify(status, response.headers, response.text, str(response.url),
                        default_retry=self.gate_retry_seconds)
        if gate is not None and gate.blocking:
            log.info("%s: %s at %s (HTTP %d)", self._site, gate.kind.value, response.url, status)
            raise gate.error()

    async def post_form(
        self, url: str, data: Mapping[str, str], *, headers: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> httpx.Response:
        """One form POST, redirects not followed (the caller reads `Location`); never retried: a form is spent once."""
        merged = {**self._headers, **(headers or {})}
        if self.origins is not None and self.origins.covers(url):
            host = self.origins.host_header(url)
            if host is not None:
                merged.setdefault("Host", host)
        try:
            return await self._client.post(
                url,
                data=dict(data),
                headers=merged,
                follow_redirects=False,
                timeout=httpx.Timeout(timeout or self._timeout),
            )
        except httpx.TimeoutException as ex:
            raise SiteUnavailable(f"{self._site}: POST {url} timed out ({type(ex).__name__})") from None
        except httpx.TransportError as ex:
            raise SiteUnavailable(f"{self._site}: POST {url} failed: {type(ex).__name__}: {ex}") from None

    async def text(
        self, url: str, *, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> str:
        response = await self.get(url, params=params, headers=headers)
        return response.text
