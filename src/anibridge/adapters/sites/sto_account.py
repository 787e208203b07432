"""An optional SerienStream account, logged in once per origin and kept in the site client's cookie jar.

One report (an Android client's login code, Sept 2026) says a logged-in visitor meets a lower redirect-gate tier:
`turnstile` instead of `turnstile_altcha` from a datacenter address, no gate at all on a phone. It is a single
source, so the account is optional and everything works without it.

The form, as that client posts it: `GET /login` carries the CSRF `_token` (no captcha on the form); `POST /login`
with `_token`, `email`, `password` answers 302 to `/account` on success and 302 back to `/login` on a wrong
e-mail or password. The Laravel session cookie then marks the visitor as logged in, so every later request of the
same client (episode page, `/r`, the gate's form) goes out logged in. A session ends after a while: a gated
episode page makes us ask `/account` (a logged-out visitor is sent to `/login`) and log in again.

A refused login is not retried (it cannot get better until the configuration changes, and repeated wrong
passwords can lock an account): anibridge goes on anonymously and says why in the log and in `anibridge check`.
The password never appears in a log line, an exception or `repr`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from anibridge.adapters.sites.html import attr, first, parse, xp
from anibridge.adapters.sites.http import SiteHttp, absolute
from anibridge.adapters.sites.options import AccountLogin
from anibridge.domain.kit.single_flight import SingleFlight
from anibridge.ports.errors import PortError

log = logging.getLogger(__name__)

RECHECK_SECONDS = 60.0
"""A session confirmed this recently is trusted without asking `/account` again (one extra page at most per minute)."""
RETRY_SECONDS = 600.0
"""After a login that failed for a passing reason (site down, gate in front of `/login`), try again this much later."""


LOGIN_ATTEMPTS = 3
"""Form round trips per login when the site answers 419: pages fetched at the same time (an ended session makes each
of them start a new anonymous one) replace the session cookie between `GET /login` and `POST /login`."""


class LoginRefused(RuntimeError):
    """The site refused the e-mail and password: going on without an account."""


class _TokenExpired(ValueError):
    """The form's CSRF token no longer matched the session (HTTP 419): a fresh form is worth another try."""


@dataclass
class _Origin:
    logged_in: bool = False
    confirmed_at: float = 0.0
    failed_at: float | None = None
    problem: str = ""


class _LoopBound:
    """What waits on the event loop: an asyncio.Lock and a task belong to the loop that first used them, and the
    account outlives a loop (a test's, or the service's before a restart in the same process)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.login = asyncio.Lock()  # one login at a time (concurrent ones would replace each other's session)
        self.checks: SingleFlight[str, bool] = SingleFlight()  # one `/account` question per origin at a time


class StoAccount:
    """Keeps a logged-in session per SerienStream origin; never raises into the catalogue's work (anonymous fallback)."""

    def __init__(self, http: SiteHttp, login: AccountLogin, primary: str, *,
                 monotonic: Callable[[], float] = time.monotonic, recheck_seconds: float = RECHECK_SECONDS,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self._http = http
        self._login = login
        self._primary = primary.rstrip("/")
        self._monotonic = monotonic
        self._recheck = recheck_seconds
        self._retry = retry_seconds
        self._origins: dict[str, _Origin] = {}
        self._refused: str | None = None  # why the site refused the account (the same at every origin): not asked again
        self._bound: _LoopBound | None = None

    @property
    def email(self) -> str:
        return self._login.email

    def _state(self, origin: str) -> _Origin:
        return self._origins.setdefault(origin, _Origin())

    def status(self) -> str:
        """The account's state in words (for `anibridge check` and the dashboard)."""
        if self._refused is not None:
            return self._refused
        if any(o.logged_in for o in self._origins.values()):
            return f"logged in as {self._login.email}"
        failed = [o for o in self._origins.values() if o.problem]
        return failed[0].problem if failed else f"not logged in yet as {self._login.email}"

    async def ensure(self) -> bool:
        """Logged in somewhere, logging in at the primary if not yet (a refused account is not asked again)."""
        if self._refused is not None:
            return False
        if any(o.logged_in for o in self._origins.values()):
            return True
        return await self.log_in()

    async def settle(self, page_url: str, *, gated: bool) -> bool:
        """Make the session of the origin that served `page_url` a logged-in one; True when a login happened now
        (the caller fetches the page again, as the logged-in visitor sees it).

        A gated page of a session we believe logged in makes us check whether it still is (sessions expire).
        """
        origin = self._origin_of(page_url)
        state = self._state(origin)
        if self._refused is not None:
            return False
        if state.logged_in:
            if not gated or self._monotonic() - state.confirmed_at < self._recheck:
                return False
            if await self._still_logged_in(origin):
                return False
            log.info("%s: the account session of %s ended; logging in again", _host(origin), self._login.email)
            state.logged_in = False
        elif state.failed_at is not None and self._monotonic() - state.failed_at < self._retry:
            return False
        return await self.log_in(origin)

    async def log_in(self, origin: str | None = None) -> bool:
        """Log in at `origin` (default: the primary, moved by SiteHttp to the origin that answers). True on success;
        a refusal or a failure is recorded and logged, never raised."""
        async with self._loop_bound().login:
            target = origin or self._primary
            state = self._state(target)
            if state.logged_in:
                return True  # another task logged in while this one waited for the lock
            if self._refused is not None:
                return False
            try:
                served_by = await self._post_login_retrying(target)
            except LoginRefused as ex:
                self._refused = str(ex)
                log.warning("%s", ex)
                return False
            except (PortError, ValueError) as ex:
                state.logged_in, state.failed_at = False, self._monotonic()
                state.problem = (f"login as {self._login.email} failed: {ex}; going on without an account, "
                                 f"trying again in {self._retry / 60:g} min")
                log.warning("%s: %s", _host(target), state.problem)
                return False
            done = self._state(served_by)  # the session lives in the cookies of the origin that answered
            done.logged_in, done.confirmed_at, done.failed_at, done.problem = True, self._monotonic(), None, ""
            if served_by != target:
                state.failed_at, state.problem = None, ""
            log.info("%s: logged in as %s", _host(served_by), self._login.email)
            return True

    async def _post_login_retrying(self, origin: str) -> str:
        for attempt in range(1, LOGIN_ATTEMPTS + 1):
            try:
                return await self._post_login(origin)
            except _TokenExpired:
                if attempt == LOGIN_ATTEMPTS:
                    raise
                log.info("%s: the login form expired meanwhile (HTTP 419); fetching a fresh one", _host(origin))
        raise AssertionError("unreachable")

    async def _post_login(self, origin: str) -> str:
        """The login form round trip; the origin that answered it. LoginRefused on a wrong e-mail or password."""
        page = await self._http.get(origin + "/login", headers={"Referer": origin + "/"})
        served_by = self._origin_of(str(page.url))
        doc = parse(page.text)
        field = first(xp(doc, "//form[.//input[@name='password']]//input[@name='_token']"))
        meta = first(xp(doc, "//meta[@name='csrf-token']"))
        token = attr(field, "value") if field is not None else (attr(meta, "content") if meta is not None else "")
        if not token:
            raise ValueError("the login page has no form token (layout changed?)")
        answer = await self._http.post_form(
            served_by + "/login",
            {"_token": token, "email": self._login.email, "password": self._login.password},
            headers={"Referer": served_by + "/login", "Origin": served_by},
        )
        location = absolute(served_by + "/", answer.headers.get("location", "").strip()) if answer.is_redirect else ""
        if location and urlsplit(location).path.rstrip("/") == "/login":
            raise LoginRefused(f"{_host(served_by)}: login as {self._login.email} refused: wrong e-mail or password "
                               "(STO_EMAIL, STO_PASSWORD); going on without an account")
        if location:
            return served_by
        if answer.status_code == 419:
            raise _TokenExpired("the site refused the form token (HTTP 419, session changed meanwhile)")
        raise ValueError(f"POST /login answered HTTP {answer.status_code} instead of a redirect")

    def _loop_bound(self) -> _LoopBound:
        loop = asyncio.get_running_loop()
        if self._bound is None or self._bound.loop is not loop:
            self._bound = _LoopBound(loop)
        return self._bound

    async def _still_logged_in(self, origin: str) -> bool:
        """Gated pages fetched at the same time share one `/account` question (and its answer)."""
        return await self._loop_bound().checks.do(origin, lambda: self._ask_account(origin))

    async def _ask_account(self, origin: str) -> bool:
        """`/account` answers a logged-in visitor with the page, a logged-out one with a redirect to `/login`."""
        state = self._state(origin)
        try:
            answer = await self._http.get(origin + "/account", follow_redirects=False, retries=0)
        except PortError as ex:
            log.info("%s: cannot tell whether the account session lives: %s", _host(origin), ex)
            return True  # keep the cookie; the next gated page asks again
        if answer.is_redirect:
            location = absolute(origin + "/", answer.headers.get("location", "").strip())
            if urlsplit(location).path.rstrip("/").endswith("/login"):
                return False
            # Sent on somewhere else (a profile page, a trailing slash): still logged in. Taking every redirect
            # for "logged out" would post the password again on every gated page once a minute.
        state.confirmed_at = self._monotonic()
        return True

    def _origin_of(self, url: str) -> str:
        origins = self._http.origins
        base = origins.base_of(url) if origins is not None else None
        if base is not None:
            return base.rstrip("/")
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"


def _host(origin: str) -> str:
    return urlsplit(origin).netloc or origin
