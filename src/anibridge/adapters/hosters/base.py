"""Shared machinery of the hoster adapters: host recognition, guarded HTTP with typed errors, overall deadline.

Every request carries the configured timeout, and `resolve` additionally runs under an overall deadline, so a
hoster that trickles bytes or chains many requests still cannot hang a download or a Torznab probe.
Failures become the port's typed errors with the hoster name and the cause in the message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from anibridge.adapters.sites.gates import classify
from anibridge.ports.errors import ChallengeRequired, HosterUnavailable, NotFound, PortError
from anibridge.ports.streams import DirectStream

log = logging.getLogger(__name__)

DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
MOBILE_FIREFOX_UA = "Mozilla/5.0 (Android 15; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0"
_CHALLENGE_MARKERS = ("cf-turnstile", "captcha-form", "just a moment", "challenge-platform", '"captcha"', "ddos-guard")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_challenge(text: str) -> bool:
    low = text[:20000].lower()
    return any(marker in low for marker in _CHALLENGE_MARKERS)


def looks_hls(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith((".m3u8", ".txt")) or ".m3u8" in url.lower()


class HosterAdapter:
    """Base of one hoster's StreamResolverPort implementation; subclasses implement `_resolve`."""

    name: ClassVar[str] = ""
    hints: ClassVar[tuple[str, ...]] = ()

    def __init__(self, client: httpx.AsyncClient, timeout: float = 15.0, extra_hosts: Sequence[str] = ()) -> None:
        self._client = client
        self._timeout = timeout
        self._extra_hosts = frozenset(h.lower() for h in extra_hosts)

    @property
    def provider(self) -> str:
        return self.name

    def handles(self, embed_url: str) -> bool:
        """Hostname hint match (never userinfo: `https://voe.sx@evil/` is not VOE) or a configured extra host."""
        try:
            parts = urlsplit(embed_url)
            host = (parts.hostname or "").lower()
            netloc = f"{host}:{parts.port}" if parts.port else host
        except ValueError:
            return False
        if not host:
            return False
        return any(hint in host for hint in self.hints) or host in self._extra_hosts or netloc in self._extra_hosts

    async def resolve(self, embed_url: str) -> DirectStream:
        deadline = self._timeout * 3
        try:
            async with asyncio.timeout(deadline):
                stream = await self._resolve(embed_url)
        except TimeoutError:
            raise HosterUnavailable(f"{self.name}: gave no stream within {deadline:g}s ({embed_url})") from None
        except PortError:
            raise
        except (ValueError, KeyError, IndexError, TypeError) as ex:
            raise HosterUnavailable(f"{self.name}: unexpected page data ({ex}) at {embed_url}") from ex
        log.debug("%s resolved %s -> %s", self.name, embed_url, stream.url)
        return stream

    async def _resolve(self, embed_url: str) -> DirectStream:
        raise NotImplementedError

    async def fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        what: str = "page",
        follow: bool = True,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request with the timeout; maps transport errors and bad statuses to typed errors."""
        send_headers = {"User-Agent": DESKTOP_UA, **(headers or {})}
        try:
            response = await self._client.request(
                method, url, headers=send_headers, params=params, timeout=self._timeout, follow_redirects=follow
            )
        except httpx.TimeoutException:
            raise HosterUnavailable(f"{self.name}: {what} timed out after {self._timeout:g}s ({url})") from None
        except httpx.HTTPError as ex:
            raise HosterUnavailable(f"{self.name}: {what} request failed: {type(ex).__name__}: {ex} ({url})") from None
        status = response.status_code
        if method == "HEAD" and status in (403, 429, 503):  # a HEAD has no body to tell a challenge apart
            return await self.fetch("GET", url, headers=headers, what=what, follow=follow, params=params)
        if status in (403, 429, 503):
            gate = classify(status, response.headers, response.text, url, site=self.name)
            if gate is not None and gate.blocking:  # Cloudflare / DDoS-Guard / 429: named, with a retry time
                raise gate.error()
        if status in (403, 429, 503) and is_challenge(response.text):
            raise ChallengeRequired(f"{self.name}: {what} is behind a captcha/bot challenge (HTTP {status}, {url})")
        if status in (404, 410):
            raise NotFound(f"{self.name}: {what} not found (HTTP {status}, {url}) — file removed?")
        if status >= 400:
            raise HosterUnavailable(f"{self.name}: {what} answered HTTP {status} ({url})")
        return response

    def fail(self, cause: str, url: str) -> HosterUnavailable:
        return HosterUnavailable(f"{self.name}: {cause} ({url})")


_URL_IN_HTML = re.compile(r"""https?://[^\s'"<>]+""")
_SKIP_HOSTS = ("challenges.cloudflare.com", "fonts.googleapis.com", "fonts.gstatic.com")
_SKIP_EXT = (".css", ".gif", ".ico", ".jpeg", ".jpg", ".js", ".json", ".png", ".svg", ".webp")


def redirect_candidate(html: str, current: str) -> str | None:
    """The most likely next page in a JS-redirect stub (ranked by `/e/` path, other host, `permanenttoken=`; no DNS)."""
    seen: list[str] = []
    for raw in _URL_IN_HTML.findall(html):
        url = raw.rstrip(");,")
        parts = urlsplit(url)
        if url == current or url in seen or (parts.hostname or "") in _SKIP_HOSTS:
            continue
        if parts.path.lower().endswith(_SKIP_EXT):
            continue
        seen.append(url)
    if not seen:
        return None
    current_host = urlsplit(current).netloc

    def rank(url: str) -> tuple[bool, bool, bool]:
        parts = urlsplit(url)
        return ("/e/" in parts.path, parts.netloc != current_host, "permanenttoken=" in url)

    return max(seen, key=rank)  # max keeps the first of equal ranks: document order
