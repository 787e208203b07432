"""Passing SerienStream's redirect gate: the ALTCHA proof of work in code, Turnstile with a real browser (opt-in).

The episode page announces the gate (`#episode-redirect-gate-root`, `data-redirect-gate-tier`), and for a gated
visitor `/r?t=` answers the "Stream wird vorbereitet..." bridge page with a fresh, session-bound token instead of
redirecting. The browser then posts `#player-prepare-form` to `POST /r` with `_token` (CSRF of the session),
`t`, `altcha` (tier `turnstile_altcha`) and `cf-turnstile-response`. A Turnstile token needs a real browser on the
same IP and session, so code can only try the ALTCHA-only submission: some visitors' gates do not enforce
Turnstile and accept it, others answer `var err = "Das hat leider nicht geklappt…"`. What code cannot pass
(that refusal, or tier `turnstile`) goes to the optional browser (`browser_gate`), which fills the form in a
real Chromium carrying our cookies and User-Agent; the form is still posted here. Without a browser, or when
the browser is refused too, the user gets a SiteGated naming the tier and a retry time.

Everything goes through the same client (cookie jar) as the episode page: the CSRF token, the session cookie and
the bridge token belong together. `Referer` is the episode page and `Origin` its origin, as the browser sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, urljoin, urlsplit

from anibridge.adapters.sites.altcha import AltchaError, AltchaSolution, parse_challenge, solve_async
from anibridge.adapters.sites.browser_gate import (
    GateForm,
    GateJob,
    GateRefused,
    cookies_for_browser,
    cookies_from_browser,
)
from anibridge.adapters.sites.chromium import BrowserUnavailable
from anibridge.adapters.sites.gates import DEFAULT_RETRY_SECONDS, read_bridge, site_name
from anibridge.adapters.sites.html import attr, first, xp
from anibridge.adapters.sites.http import SiteHttp, absolute, same_origin
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import GateKind, SiteGated

if TYPE_CHECKING:  # lxml loads on the first page parsed, not when the server starts
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

PASSABLE_TIERS = ("turnstile_altcha",)  # tiers where an ALTCHA-only submission is worth one try
BROWSER_TIERS = ("turnstile", "turnstile_altcha")  # tiers a real browser can pass (Turnstile needs one)


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


class GateBrowser(Protocol):
    """What the pass needs of a browser: the gate form filled in a real one (see `browser_gate.ChromiumGate`)."""

    time_limit: float

    async def fill(self, job: GateJob) -> GateForm: ...


class _Refused(Exception):
    """The site answered the submitted form with its refusal page."""


class StoGatePass:
    """`gate_pass` for `follow_token`: answers SerienStream's bridge page with an ALTCHA-only form when it may,
    and with a form a real browser filled (Turnstile) when that is refused or not worth trying."""

    def __init__(self, http: SiteHttp, *, enabled: bool = True, time_limit: float = 10.0,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 browser: GateBrowser | None = None, hint: str = "") -> None:
        self._http = http
        self._enabled = enabled
        self._time_limit = time_limit
        self._retry = retry_seconds
        self._now = now
        self._browser = browser
        self._hint = hint  # what would pass a Turnstile tier, told when no browser is configured
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

    def _hinted(self, detail: str) -> str:
        return f"{detail}; {self._hint}" if self._hint and self._browser is None else detail

    async def __call__(self, link: HosterLink, token_url: str, fresh_token: str) -> str:
        context = self._contexts.get(link.url)
        if context is None:
            raise self._gated(token_url, "stream wird vorbereitet")
        tier = context.tier or "unknown tier"
        token = fresh_token or (parse_qs(urlsplit(token_url).query).get("t") or [""])[0]
        if not self._enabled or not context.csrf:
            raise self._gated(token_url, tier)
        if context.tier in PASSABLE_TIERS and context.altcha_url:
            try:
                return await self._altcha_only(context, token_url, token)
            except _Refused:
                if self._browser is None:
                    raise self._gated(token_url, self._hinted(f"{tier}; ALTCHA alone was refused, a browser is "
                                                              "needed")) from None
                log.info("%s: ALTCHA alone was refused; passing the gate with the browser", site_name(token_url))
        if self._browser is None or context.tier not in BROWSER_TIERS:
            raise self._gated(token_url, self._hinted(tier) if context.tier in BROWSER_TIERS else tier)
        return await self._with_browser(self._browser, context, link, token_url, token)

    async def _altcha_only(self, context: GateContext, token_url: str, token: str) -> str:
        assert context.altcha_url is not None
        solution = await self._solve_altcha(context, context.altcha_url, token_url)
        form = {"_token": context.csrf, "t": token, "altcha": solution.payload(), "cf-turnstile-response": ""}
        target = await self._submit(context, form, token_url)
        log.info("%s: redirect gate passed with ALTCHA (n=%d, %d ms)", site_name(token_url), solution.number,
                 solution.took_ms)
        return target

    async def _solve_altcha(self, context: GateContext, altcha_url: str, token_url: str) -> AltchaSolution:
        challenge = await self._http.get(
            altcha_url,
            headers={"Referer": context.episode_url, "X-CSRF-TOKEN": context.csrf,
                     "X-Requested-With": "XMLHttpRequest", "Accept": "application/json"},
            retries=0,
        )
        try:
            return await solve_async(parse_challenge(challenge.text), time_limit=self._time_limit)
        except AltchaError as ex:
            log.warning("%s: ALTCHA not solved: %s", site_name(token_url), ex)
            raise self._gated(token_url, f"{context.tier}; ALTCHA not solved") from None

    async def _with_browser(self, browser: GateBrowser, context: GateContext, link: HosterLink, token_url: str,
                            token: str) -> str:
        """Let a real Chromium, carrying our cookies and User-Agent, fill the form; post it with our client."""
        tier, site = context.tier, site_name(token_url)
        jar = self._http.client.cookies.jar
        job = GateJob(context.episode_url, link.url, tier, self._http.user_agent,
                      cookies=cookies_for_browser(jar, context.episode_url))
        try:
            filled = await browser.fill(job)
        except GateRefused as ex:
            log.warning("%s: the browser did not pass the gate (%s): %s", site, tier, ex)
            raise self._gated(token_url, f"{tier}; the browser was refused too: {ex}") from None
        except BrowserUnavailable as ex:
            log.warning("%s: no browser for the gate (%s): %s", site, tier, ex)
            raise self._gated(token_url, f"{tier}; browser unavailable: {ex}") from None
        except TimeoutError:
            log.warning("%s: the browser did not pass the gate (%s) within %.0f s", site, tier, browser.time_limit)
            raise self._gated(token_url, f"{tier}; the browser took longer than {browser.time_limit:.0f} s") from None
        cookies_from_browser(jar, filled.cookies)
        form = {"_token": filled.fields.get("_token") or context.csrf, "t": filled.fields.get("t") or token,
                "altcha": filled.fields.get("altcha", ""),
                "cf-turnstile-response": filled.fields.get("cf-turnstile-response", "")}
        if tier in PASSABLE_TIERS and not form["altcha"] and context.altcha_url:
            form["altcha"] = (await self._solve_altcha(context, context.altcha_url, token_url)).payload()
        try:
            target = await self._submit(context, form, token_url)
        except _Refused:
            raise self._gated(token_url, f"{tier}; refused even with the browser's Turnstile token") from None
        log.info("%s: redirect gate (%s) passed with the browser in %d ms", site, tier, filled.took_ms)
        return target

    async def _submit(self, context: GateContext, form: dict[str, str], token_url: str) -> str:
        """POST the gate form with our client; the hoster URL from `Location` or the success page, never fetched."""
        tier = context.tier or "unknown tier"
        parts = urlsplit(context.episode_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        response = await self._http.post_form(
            absolute(origin, "/r"), form,
            headers={"Referer": context.episode_url, "Origin": origin, "X-CSRF-TOKEN": context.csrf},
        )
        if response.is_redirect:
            target = absolute(str(response.url), response.headers.get("location", "").strip())
            if target and not same_origin(target, origin):
                return target
            raise self._gated(token_url, f"{tier}; the site sent us back to itself")
        if response.status_code == 200:
            answer = read_bridge(response.text, str(response.url))
            if answer is not None and answer[0] == "hoster":
                return answer[1]
            if answer is not None and answer[0] == "error":
                raise _Refused(answer[1])
        self._http.raise_for_gate(response)
        raise self._gated(token_url, f"{tier}; POST /r answered HTTP {response.status_code}")
