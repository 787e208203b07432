"""Passing SerienStream's redirect gate where code can: the ALTCHA proof of work, never Turnstile.

The episode page announces the gate (`#episode-redirect-gate-root`, `data-redirect-gate-tier`), and for a gated
visitor `/r?t=` answers the "Stream wird vorbereitet..." bridge page with a fresh, session-bound token instead of
redirecting. The browser then posts `#player-prepare-form` to `POST /r` with `_token` (CSRF of the session),
`t`, `altcha` (tier `turnstile_altcha`) and `cf-turnstile-response`. A Turnstile token needs a real browser on the
same IP and session, so code can only try the ALTCHA-only submission: some visitors' gates do not enforce
Turnstile and accept it, others answer `var err = "Das hat leider nicht geklappt…"` — then the user gets a
SiteGated naming the tier and a retry time. Tier `turnstile` alone is not attempted at all.

Everything goes through the same client (cookie jar) as the episode page: the CSRF token, the session cookie and
the bridge token belong together. `Referer` is the episode page and `Origin` its origin, as the browser sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit

from anibridge.adapters.sites.altcha import AltchaError, parse_challenge, solve_async
from anibridge.adapters.sites.gates import DEFAULT_RETRY_SECONDS, read_bridge, site_name
from anibridge.adapters.sites.html import attr, first, xp
from anibridge.adapters.sites.http import SiteHttp, absolute, same_origin
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import GateKind, SiteGated

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

PASSABLE_TIERS = ("turnstile_altcha",)  # tiers where an ALTCHA-only submission is worth one try


@dataclass(frozen=True)
class GateContext:
    """What the episode page tells about its gate: needed to answer the bridge page with a form."""

    episode_url: str
    tier: str
    csrf: str
    altcha_url: str | None


def read_context(doc: HtmlElement, episode_url: str) -> GateContext | None:
    """The gate announced on an episode page; None when the page has no gate root (not gated for us)."""
    root = first(xp(doc, "//*[@id='episode-redirect-gate-root']"))
    if root is None:
        return None
    token = first(xp(doc, "//form[@id='player-prepare-form']//input[@name='_token']"))
    meta = first(xp(doc, "//meta[@name='csrf-token']"))
    csrf = attr(token, "value") if token is not None else ""
    if not csrf and meta is not None:
        csrf = attr(meta, "content")
    altcha = attr(root, "data-altcha-challenge-url")
    return GateContext(
        episode_url,
        attr(root, "data-redirect-gate-tier").strip().lower(),
        csrf,
        urljoin(episode_url, altcha) if altcha else None,
    )


class StoGatePass:
    """`gate_pass` for `follow_token`: answers SerienStream's bridge page with an ALTCHA-only form when it may."""

    def __init__(self, http: SiteHttp, *, enabled: bool = True, time_limit: float = 10.0,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._http = http
        self._enabled = enabled
        self._time_limit = time_limit
        self._retry = retry_seconds
        self._now = now
        self._contexts: dict[str, GateContext] = {}

    def remember(self, links: list[HosterLink] | tuple[HosterLink, ...], context: GateContext | None) -> None:
        """Keep the episode page's gate for its hoster links (the pass needs page, CSRF and tier later)."""
        for link in links:
            if context is None:
                self._contexts.pop(link.url, None)
            else:
                self._contexts[link.url] = context
        if len(self._contexts) > 2000:  # links of long-gone pages; the page is fetched again before each use
            for key in list(self._contexts)[:1000]:
                del self._contexts[key]

    def _gated(self, url: str, detail: str) -> SiteGated:
        return SiteGated(site_name(url), GateKind.VERIFICATION, detail=detail,
                         retry_at=self._now() + timedelta(seconds=self._retry), url=url)

    async def __call__(self, link: HosterLink, token_url: str, fresh_token: str) -> str:
        context = self._contexts.get(link.url)
        if context is None:
            raise self._gated(token_url, "stream wird vorbereitet")
        tier = context.tier or "unknown tier"
        if not self._enabled or context.tier not in PASSABLE_TIERS or not context.altcha_url or not context.csrf:
            raise self._gated(token_url, tier)
        challenge = await self._http.get(
            context.altcha_url,
            headers={"Referer": context.episode_url, "X-CSRF-TOKEN": context.csrf,
                     "X-Requested-With": "XMLHttpRequest", "Accept": "application/json"},
            retries=0,
        )
        try:
            solution = await solve_async(parse_challenge(challenge.text), time_limit=self._time_limit)
        except AltchaError as ex:
            log.warning("%s: ALTCHA not solved: %s", site_name(token_url), ex)
            raise self._gated(token_url, f"{tier}; ALTCHA not solved") from None
        parts = urlsplit(context.episode_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        token = fresh_token or (parse_qs(urlsplit(token_url).query).get("t") or [""])[0]
        form = {"_token": context.csrf, "t": token, "altcha": solution.payload(), "cf-turnstile-response": ""}
        response = await self._http.post_form(
            absolute(origin, "/r"), form,
            headers={"Referer": context.episode_url, "Origin": origin, "X-CSRF-TOKEN": context.csrf},
        )
        if response.is_redirect:
            target = absolute(str(response.url), response.headers.get("location", "").strip())
            if target and not same_origin(target, origin):
                log.info("%s: redirect gate passed with ALTCHA (n=%d, %d ms)", site_name(origin),
                         solution.number, solution.took_ms)
                return target
            raise self._gated(token_url, f"{tier}; the site sent us back to itself")
        if response.status_code == 200:
            answer = read_bridge(response.text, str(response.url))
            if answer is not None and answer[0] == "hoster":
                return answer[1]
            if answer is not None and answer[0] == "error":
                raise self._gated(token_url, f"{tier}; ALTCHA alone was refused, a browser is needed")
        self._http.raise_for_gate(response)
        raise self._gated(token_url, f"{tier}; POST /r answered HTTP {response.status_code}")
