"""SerienStream's redirect gate passed by a real headless Chromium: the Turnstile token only a browser can earn.

A Turnstile token is bound to the visitor's session, address and User-Agent, so the browser must *be* our HTTP
client as far as the site can tell: it gets the client's cookies (the Laravel session and its CSRF token, the
DDoS-Guard marks) and User-Agent before it opens the episode page, on the same address (same proxy, same pinned
address for a DNS-blocked name), and hands its cookies back afterwards (the site may have renewed them).

In the browser the flow is the user's: open the episode page, click the hoster button of our link, let the
page's gate script show its modal and render the widgets, wait until the form holds a Turnstile token (and the
ALTCHA solution for tier `turnstile_altcha`). The browser never presses "Weiter": the filled form is read out and
posted by the HTTP client (see `StoGatePass`), which reads the `302 Location` or the `var t` success page without
ever loading the hoster — a browser would follow the redirect into the hoster's player.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar
from typing import Any
from urllib.parse import urlsplit

from anibridge.adapters.resolving import is_ip, proxy_for
from anibridge.adapters.sites.chromium import BrowserUnavailable, ChromiumPaths, ChromiumWorker

log = logging.getLogger(__name__)

ALTCHA_GRACE_SECONDS = 10.0  # after Turnstile is done, how long the page's own ALTCHA widget may still take
POLL_SECONDS = 0.1

# Click the player button whose data-play-url is our link (as the user does); without one, load the token into
# the player iframe the way the button would. Answers how the player was started.
_START_PLAYER_JS = """
var want = arguments[0];
function same(a) { try { return new URL(a, location.href).href === new URL(want, location.href).href; } catch (e) { return false; } }
function tail(a) { try { var u = new URL(a, location.href); return u.pathname + u.search; } catch (e) { return ''; } }
var buttons = Array.prototype.slice.call(document.querySelectorAll('[data-play-url]'));
var button = buttons.find(function (b) { return same(b.getAttribute('data-play-url')); })
  || buttons.find(function (b) { return tail(b.getAttribute('data-play-url')) === tail(want); });
if (button) { button.click(); return 'button'; }
var frame = document.getElementById('player-iframe') || document.querySelector('iframe[name="player-iframe"]');
if (frame) { frame.src = want; return 'iframe'; }
return 'none';
"""

# The gate form's fields as the page holds them now, and any refusal the gate script showed.
_FORM_STATE_JS = """
var form = document.getElementById('player-prepare-form');
var out = {fields: {}, error: ''};
if (form) {
  Array.prototype.forEach.call(form.querySelectorAll('input[name]'), function (i) { out.fields[i.name] = i.value || ''; });
}
var box = document.getElementById('player-prepare-error');
out.error = (box && box.textContent.trim()) || document.body.getAttribute('data-gate-error') || '';
return out;
"""


class GateRefused(Exception):
    """The site's gate refused in the browser too (or never produced a token): the message says what was seen."""


@dataclass(frozen=True)
class GateJob:
    """One episode page to pass: what the browser opens, as whom, and what it waits for."""

    episode_url: str
    play_url: str
    tier: str
    user_agent: str
    accept_language: str = "de-DE,de,en-US,en"  # what our client sends, in Chromium's --accept-lang form
    cookies: tuple[dict[str, Any], ...] = ()


@dataclass
class GateForm:
    """The filled gate form as the browser left it, and the browser's cookies for the site afterwards."""

    fields: dict[str, str]
    cookies: list[dict[str, Any]] = field(default_factory=list)
    took_ms: int = 0
    started_by: str = ""


Resolve = Callable[[str], Awaitable[str | None]]
"""The address our HTTP client uses for a host (SITE_ADDRESSES, DOH_URL); None: the system resolver's."""


class ChromiumGate:
    """Fills SerienStream's gate form in a real headless Chromium. One browser, reused; one pass at a time."""

    def __init__(self, paths: ChromiumPaths, *, time_limit: float = 60.0, idle_seconds: float = 120.0,
                 proxies: Mapping[str, str] | None = None, resolve: Resolve | None = None,
                 close_resolve: Callable[[], Awaitable[None]] | None = None) -> None:
        self.worker = ChromiumWorker(paths, idle_seconds=idle_seconds)
        self.time_limit = time_limit
        self._proxies = dict(proxies or {})
        self._resolve = resolve
        self._close_resolve = close_resolve  # what `resolve` holds open (a DoH client) ends with the gate

    async def fill(self, job: GateJob) -> GateForm:
        """The form with a Turnstile token (and ALTCHA for `turnstile_altcha`); GateRefused, BrowserUnavailable or
        TimeoutError otherwise."""
        launch = await self._launch_arguments(job)
        try:
            return await self.worker.run(lambda driver: _fill(driver, job, self.time_limit), launch, self.time_limit)
        except (GateRefused, BrowserUnavailable, TimeoutError):
            raise
        except Exception as ex:  # noqa: BLE001 - selenium's errors (a page that never loads, a crashed tab)
            first_line = (str(getattr(ex, "msg", "") or ex).strip().splitlines() or [""])[0][:200]
            raise GateRefused(f"the browser failed: {type(ex).__name__}: {first_line}") from None

    async def _launch_arguments(self, job: GateJob) -> tuple[str, ...]:
        parts = urlsplit(job.episode_url)
        host = (parts.hostname or "").lower()
        arguments = [f"--user-agent={job.user_agent}", f"--accept-lang={job.accept_language}",
                     f"--lang={job.accept_language.split(',')[0]}"]
        proxy = proxy_for(job.episode_url, self._proxies)
        if proxy:
            proxied = urlsplit(proxy)
            if proxied.username or proxied.password:
                raise BrowserUnavailable(f"the proxy for {host} needs a login, which Chromium takes only "
                                         "interactively; use a proxy without credentials for the browser pass")
            port = f":{proxied.port}" if proxied.port else ""
            arguments.append(f"--proxy-server={proxied.scheme}://{proxied.hostname}{port}")
        elif self._resolve is not None and host and not is_ip(host):
            address = await self._resolve(host)
            if address:  # the browser reaches the same address the client does (a DNS block is not its problem)
                arguments.append(f"--host-resolver-rules=MAP {host} {address}")
        if parts.scheme == "http":
            # The live site is HTTPS; over plain HTTP (a local mirror, the test fakes) the page would lack the
            # secure-context APIs its widgets need (WebCrypto), so this one origin is treated as secure.
            arguments.append(f"--unsafely-treat-insecure-origin-as-secure={parts.scheme}://{parts.netloc}")
        return tuple(arguments)

    async def aclose(self) -> None:
        try:
            await self.worker.aclose()
        finally:
            if self._close_resolve is not None:
                await self._close_resolve()


def _fill(driver: Any, job: GateJob, limit: float) -> GateForm:
    """The browser side of one pass (runs on the browser thread)."""
    started = time.monotonic()
    deadline = started + limit
    parts = urlsplit(job.episode_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    if job.cookies:
        driver.execute_cdp_cmd("Network.setCookies", {"cookies": list(job.cookies)})
    try:
        driver.get(job.episode_url)
        started_by = str(driver.execute_script(_START_PLAYER_JS, job.play_url))
        if started_by == "none":
            raise GateRefused("the episode page has no player button or player frame for the link")
        needs_altcha = job.tier == "turnstile_altcha"
        turnstile_at: float | None = None
        while True:
            state = driver.execute_script(_FORM_STATE_JS) or {}
            fields = {str(k): str(v) for k, v in (state.get("fields") or {}).items()}
            if state.get("error"):
                raise GateRefused(f"the gate answered: {state['error']}")
            now = time.monotonic()
            if fields.get("cf-turnstile-response"):
                turnstile_at = turnstile_at or now
                if not needs_altcha or fields.get("altcha") or now - turnstile_at > ALTCHA_GRACE_SECONDS:
                    break
            if now > deadline:
                seen = "Turnstile token but no ALTCHA" if turnstile_at else "no Turnstile token"
                raise GateRefused(f"{seen} after {limit:.0f} s")
            time.sleep(POLL_SECONDS)
        reply = driver.execute_cdp_cmd("Network.getCookies", {"urls": [origin + "/"]}) or {}
        cookies = list(reply.get("cookies") or [])
    finally:
        # Nothing of this visitor stays in the browser between passes.
        try:
            driver.get("about:blank")
            driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
        except Exception as ex:  # noqa: BLE001 - a broken browser is closed by the worker anyway
            log.debug("browser clean-up after a pass failed: %s", ex)
    return GateForm(fields, cookies, int((time.monotonic() - started) * 1000), started_by)


def cookies_for_browser(jar: CookieJar, url: str) -> tuple[dict[str, Any], ...]:
    """The jar's cookies for `url`'s host as CDP `Network.setCookies` takes them (domain, path, flags, expiry)."""
    host = (urlsplit(url).hostname or "").lower()
    out = []
    for cookie in jar:
        domain = cookie.domain.lower()
        if not (host == domain.lstrip(".") or host.endswith("." + domain.lstrip("."))):
            continue
        entry: dict[str, Any] = {"name": cookie.name, "value": cookie.value or "", "path": cookie.path or "/",
                                 "secure": bool(cookie.secure),
                                 "httpOnly": bool(cookie.has_nonstandard_attr("HttpOnly")
                                                  or cookie.has_nonstandard_attr("httponly"))}
        if cookie.domain_specified and domain.startswith("."):
            entry["domain"] = domain
        else:
            entry["url"] = f"{urlsplit(url).scheme}://{domain.lstrip('.')}{cookie.path or '/'}"
        if cookie.expires is not None:
            entry["expires"] = float(cookie.expires)
        out.append(entry)
    return tuple(out)


def cookies_from_browser(jar: CookieJar, cookies: list[dict[str, Any]]) -> int:
    """Put the browser's cookies (CDP `Network.getCookies`) into the jar, replacing ours of the same name; the
    number copied."""
    copied = 0
    for item in cookies:
        name, domain = str(item.get("name") or ""), str(item.get("domain") or "")
        if not name or not domain:
            continue
        expires = item.get("expires")
        session = bool(item.get("session")) or not isinstance(expires, int | float) or expires <= 0
        jar.set_cookie(Cookie(
            version=0, name=name, value=str(item.get("value") or ""), port=None, port_specified=False,
            domain=domain, domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
            path=str(item.get("path") or "/"), path_specified=True, secure=bool(item.get("secure")),
            expires=None if session else int(expires), discard=session, comment=None, comment_url=None,  # type: ignore[arg-type]
            rest={"HttpOnly": ""} if item.get("httpOnly") else {},
        ))
        copied += 1
    return copied
