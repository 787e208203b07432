"""Cookie sessions like qBittorrent's WebUI: `SID` cookie, sliding expiry, 403 (never 401) without one.

Sonarr re-logs in only on 403 and treats 401 as a hard failure; it (and Radarr) also send a pre-emptive
`Authorization: Basic` header, which is ignored here. With empty QBIT_USERNAME and QBIT_PASSWORD no login
is required (Sonarr then never calls auth/login). QBIT_API_KEY adds qBittorrent 5.2's API-key scheme: a request
carrying `Authorization: Bearer <key>` needs no session (Sonarr's "API Key" field). It is stateless, so it also
works when several anibridge instances stand behind one address, where in-memory sessions would not.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable

from anibridge.delivery.qbittorrent.forms import Form
from anibridge.delivery.qbittorrent.wire import Reply, text

log = logging.getLogger(__name__)

COOKIE = "SID"


class Sessions:
    """In-memory sessions (a restart logs everybody out; clients log in again on the 403)."""

    def __init__(
        self,
        username: str,
        password: str,
        timeout_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        api_key: str = "",
    ) -> None:
        self._api_key = api_key
        self._username = username
        self._password = password
        self._timeout = timeout_seconds
        self._clock = clock
        self._sessions: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def username(self) -> str:
        return self._username

    @property
    def open(self) -> bool:
        return not self._username and not self._password and not self._api_key

    def authorized(self, sid: str | None, authorization: str | None) -> bool:
        """A valid session, or the API key as a Bearer token (a Basic header is not a credential here)."""
        return self.valid(sid) or self._bearer_ok(authorization)

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

    def _prune(self) -> None:
        now = self._clock()
        for sid in [s for s, exp in self._sessions.items() if exp <= now]:
            del self._sessions[sid]


def login(sessions: Sessions, form: Form, peer: str) -> Reply:
    """200 `Ok.` + cookie on success, 200 `Fails.` on bad credentials (what Sonarr and qbittorrent-api expect)."""
    if not sessions.open and not sessions.credentials_match(form.text("username"), form.text("password")):
        log.warning("qBittorrent API login failed for user %r from %s", form.text("username"), peer)
        return text("Fails.")
    reply = text("Ok.")
    reply.cookies.append((COOKIE, sessions.create(), None))
    return reply


def logout(sessions: Sessions, sid: str | None) -> Reply:
    sessions.drop(sid)
    reply = text("")
    reply.cookies.append((COOKIE, "", 0))
    return reply
