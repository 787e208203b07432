"""Who may log in, who is logged in, and who is banned for guessing: the credential store of every login route.

Like qBittorrent's WebUI: `SID` cookie sessions with a sliding expiry, an optional API key used as a Bearer token
(qBittorrent 5.2's scheme, stateless so it also works across several instances behind one address), and an IP ban
after repeated failed logins (qBittorrent's `WebUIMaxAuthFailCount`, default 5, and `WebUIBanDuration`, default
3600 s; a count of 0 disables the ban). With no username, password or key configured everything is open and no
session is ever created: there is nothing a session would prove.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable

BANNED_TEXT = "Your IP address has been banned after too many failed authentication attempts."
"""qBittorrent's exact 403 body for a banned client."""

_MAX_TRACKED_PEERS = 10_000
"""Failure counters kept at most; beyond this the oldest are forgotten (a flood of spoofed peers stays bounded)."""


class Sessions:
    """In-memory sessions (a restart logs everybody out; clients log in again on the 403)."""

    def __init__(
        self,
        username: str,
        password: str,
        timeout_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        api_key: str = "",
        max_auth_failures: int = 5,
        ban_seconds: float = 3600.0,
    ) -> None:
        self._api_key = api_key
        self._username = username
        self._password = password
        self._timeout = timeout_seconds
        self._clock = clock
        self._max_failures = max_auth_failures
        self._ban_seconds = ban_seconds
        self._sessions: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._banned_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def username(self) -> str:
        return self._username

    @property
    def open(self) -> bool:
        """No credential configured: the user chose to run without a login."""
        return not self._username and not self._password and not self._api_key

    def authorized(self, sids: str | Iterable[str] | None, authorization: str | None) -> bool:
        """A valid session (any of the `SID` cookies sent), or the API key as a Bearer token.

        A Basic header is not a credential here (Sonarr sends one pre-emptively with the login's user/password).
        """
        if self.open:
            return True
        candidates = [sids] if isinstance(sids, str) or sids is None else list(sids)
        return any(self.valid(sid) for sid in candidates) or self._bearer_ok(authorization)

    def bearer_given(self, authorization: str | None) -> bool:
        return bool(authorization) and (authorization or "").strip().lower().startswith("bearer ")

    def _bearer_ok(self, authorization: str | None) -> bool:
        if not self._api_key or not authorization:
            return False
        scheme, _, token = authorization.strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self._api_key.encode())

    def credentials_match(self, username: str, password: str) -> bool:
        if not self._username and not self._password:
            return False  # only an API key is configured: there is nothing to log in with
        user_ok = hmac.compare_digest(username.encode(), self._username.encode())
        pass_ok = hmac.compare_digest(password.encode(), self._password.encode())
        return user_ok and pass_ok

    def create(self) -> str:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self._prune()
            self._sessions[sid] = self._clock() + self._timeout
        return sid

    def valid(self, sid: str | None) -> bool:
        """A known, unexpired session; each use extends it (qBittorrent's sliding timeout)."""
        if self.open:
            return True
        if not sid:
            return False
        now = self._clock()
        with self._lock:
            expires = self._sessions.get(sid)
            if expires is None:
                return False
            if expires <= now:
                del self._sessions[sid]
                return False
            self._sessions[sid] = now + self._timeout
            return True

    def drop(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(sid, None)

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    # --- the ban after repeated failures -------------------------------------------------------------------

    def banned(self, peer: str) -> bool:
        if self._max_failures <= 0:
            return False
        with self._lock:
            until = self._banned_until.get(peer)
            if until is None:
                return False
            if until <= self._clock():
                del self._banned_until[peer]
                return False
            return True

    def login_failed(self, peer: str) -> bool:
        """Count a failed attempt from `peer`; True when this one got it banned."""
        if self._max_failures <= 0:
            return False
        with self._lock:
            count = self._failures.pop(peer, 0) + 1  # re-inserted last: the dict stays in least-recent order
            if count >= self._max_failures:
                self._banned_until[peer] = self._clock() + self._ban_seconds
                return True
            self._failures[peer] = count
            while len(self._failures) > _MAX_TRACKED_PEERS:
                del self._failures[next(iter(self._failures))]
            return False

    def login_succeeded(self, peer: str) -> None:
        with self._lock:
            self._failures.pop(peer, None)

    def _prune(self) -> None:
        now = self._clock()
        for sid in [s for s, exp in self._sessions.items() if exp <= now]:
            del self._sessions[sid]
        for peer in [p for p, until in self._banned_until.items() if until <= now]:
            del self._banned_until[peer]
