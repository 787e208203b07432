"""`auth/login` and `auth/logout` like qBittorrent's WebUI: `SID` cookie, 403 (never 401) without a session.

Sonarr re-logs in only on 403 and treats 401 as a hard failure; it (and Radarr) also send a pre-emptive
`Authorization: Basic` header, which is ignored. With empty QBIT_USERNAME, QBIT_PASSWORD and QBIT_API_KEY no
login is required (Sonarr then never calls auth/login) and a login call answers `Ok.` without creating a
session. The session store, the API key and the IP ban live in `anibridge.delivery.sessions`; who may pass is
decided by `anibridge.delivery.auth.AccessPolicy`.
"""

from __future__ import annotations

import logging

from anibridge.delivery.auth import SESSION_COOKIE
from anibridge.delivery.qbittorrent.forms import Form
from anibridge.delivery.qbittorrent.wire import Reply, text
from anibridge.delivery.sessions import BANNED_TEXT, Sessions

__all__ = ["COOKIE", "Sessions", "login", "logout"]

log = logging.getLogger(__name__)

COOKIE = SESSION_COOKIE


def login(sessions: Sessions, form: Form, peer: str) -> Reply:
    """200 `Ok.` + cookie on success, 200 `Fails.` on bad credentials (what Sonarr and qbittorrent-api expect),
    403 with qBittorrent's ban text once the peer failed too often."""
    if sessions.open:
        return text("Ok.")
    if sessions.banned(peer):
        return text(BANNED_TEXT, 403)
    if not sessions.credentials_match(form.text("username"), form.text("password")):
        log.warning("qBittorrent API login failed for user %r from %s", form.text("username")[:64], peer)
        if sessions.login_failed(peer):
            log.warning("banned %s after too many failed qBittorrent API logins", peer)
        return text("Fails.")
    sessions.login_succeeded(peer)
    reply = text("Ok.")
    reply.cookies.append((COOKIE, sessions.create(), None))
    return reply


def logout(sessions: Sessions, sid: str | None) -> Reply:
    sessions.drop(sid)
    reply = text("")
    reply.cookies.append((COOKIE, "", 0))
    return reply
