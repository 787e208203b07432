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

from anibridge.adapters.sites.gates import classify, read_bridge
from anibridge.domain.catalog.identity import Site
from anibridge.ports.errors import NotFound, SiteUnavailable

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


class SiteHttp:
    """GETs for one site. Retries transport errors and 5xx `retries` times with a short back-off."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        site: Site | str,
        *,
        timeout: float,
        retries: int = 1,
        backoff: float = 0.2,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._site = str(site)
        self._timeout = timeout
        self._retries = max(0, retries)
        self._backoff = backoff
        self._headers = {**BROWSER_HEADERS, **(headers or {})}

    @property
    def client(self) -> httpx.AsyncClient:
        return self._client

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
    ) -> httpx.Response:
        """The response of a successful GET (2xx, or 3xx when not following); typed errors otherwise."""
        attempts = 1 + (self._retries if retries is None else max(0, retries))
        merged = {**self._headers, **(headers or {})}
        last: str = "no attempt"
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self._backoff * attempt)
            try:
                response = await self._client.get(
                    url,
                    params=params,
                    headers=merged,
                    follow_redirects=follow_redirects,
                    timeout=httpx.Timeout(timeout or self._timeout),
                )
            except httpx.TimeoutException as ex:
                last = f"timeout after {timeout or self._timeout:g}s ({type(ex).__name__})"
                continue
            except httpx.TransportError as ex:
                last = f"{type(ex).__name__}: {ex}"
                continue
            status = response.status_code
            if check_challenge:
                self.raise_for_gate(response, allow_bridge=allow_bridge)
            if status == 404 or status == 410:
                raise NotFound(f"{self._site}: {url} answered HTTP {status}")
            if status >= 500 or status == 429:
                last = f"HTTP {status}"
                continue
            if status >= 400:
                raise SiteUnavailable(f"{self._site}: {url} answered HTTP {status}")
            return response
        log.warning("%s unavailable: GET %s failed %d time(s): %s", self._site, url, attempts, last)
        raise SiteUnavailable(f"{self._site}: GET {url} failed after {attempts} attempt(s): {last}")

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
        gate = classify(status, response.headers, response.text, str(response.url))
        if gate is not None and gate.blocking:
            log.info("%s: %s at %s (HTTP %d)", self._site, gate.kind.value, response.url, status)
            raise gate.error()

    async def post_form(
        self, url: str, data: Mapping[str, str], *, headers: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> httpx.Response:
        """One form POST, redirects not followed (the caller reads `Location`); never retried: a form is spent once."""
        try:
            return await self._client.post(
                url,
                data=dict(data),
                headers={**self._headers, **(headers or {})},
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
