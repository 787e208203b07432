"""One access policy for every route that changes or reveals state: the qBittorrent API, the JSON job API and
any web page to come. Torznab (its apikey), the STRM routes (their signatures) and `/health` stay outside it.

The checks, in qBittorrent's order (its WebUI answers 401 for the first two and 403 for the rest):
1. Host header against the configured domain list (`*` = any): a DNS-rebinding page reaches us under its own
   name, which is not in a real list. IP-literal hosts always pass (rebinding needs a name).
2. Cross-site request: when an `Origin` (else `Referer`) header is present its host and port must equal the
   `X-Forwarded-Host` (behind a proxy) or `Host` header. API clients such as Sonarr send neither and pass;
   a browser on a foreign page always sends `Origin` with a POST, so it cannot delete torrents from there.
3. A banned client IP (too many failed logins or wrong API keys) gets 403 and qBittorrent's ban text.
4. A login: a valid `SID` session cookie or `Authorization: Bearer <API key>`; no login only when the user
   configured no credentials at all.

The policy answers with a `Denial`; each surface renders it in its client's format (qBittorrent plain text,
JSON problem for the job API). `login_required` is the Falcon hook JSON resources and pages use.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import falcon
import falcon.asgi

from anibridge.delivery.sessions import BANNED_TEXT, Sessions

log = logging.getLogger(__name__)

SESSION_COOKIE = "SID"


@dataclass(frozen=True, slots=True)
class Denial:
    status: int
    text: str
    """qBittorrent's plain-text body."""
    reason: str
    """What a JSON client or page is told."""


WRONG_HOST = Denial(401, "Unauthorized", "the Host header is not in WEB_UI_DOMAIN_LIST")
CROSS_SITE = Denial(401, "Unauthorized", "cross-site request refused: Origin/Referer does not match Host")
FORBIDDEN = Denial(403, "Forbidden", "log in first: a qBittorrent session cookie (POST /api/v2/auth/login)"
                   " or Authorization: Bearer <QBIT_API_KEY>")
BANNED = Denial(403, BANNED_TEXT, BANNED_TEXT)


def _split_host(value: str) -> tuple[str, int | None] | None:
    """`name`, `name:port`, `[v6]:port` → (lowercase host, port); None when unparsable."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        return (parts.hostname or "").rstrip(".").lower(), parts.port
    except ValueError:
        return None


def _origin_of(value: str) -> tuple[str, int | None] | None:
    """The (host, port) of an Origin/Referer URL; the scheme's default port is filled in like a browser would."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.hostname.rstrip(".").lower(), port


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.strip().lower().split("*")) + "$")


class AccessPolicy:
    def __init__(self, sessions: Sessions, domains: Iterable[str] = ("*",)) -> None:
        self.sessions = sessions
        patterns = [d for d in (x.strip() for x in domains) if d]
        self._any_host = not patterns or "*" in patterns
        self._domains = [_wildcard(p) for p in patterns]

    # --- the individual checks ---------------------------------------------------------------------------

    def host_allowed(self, host_header: str | None) -> bool:
        if self._any_host:
            return True
        parsed = _split_host(host_header or "")
        if parsed is None or not parsed[0]:
            return False
        host = parsed[0]
        try:
            ipaddress.ip_address(host)
            return True
        except ValueError:
            pass
        return any(p.match(host) for p in self._domains)

    @staticmethod
    def cross_site(host_header: str | None, forwarded_host: str | None, origin: str | None,
                   referer: str | None) -> bool:
        """True when Origin (or, without it, Referer) names another host:port than the request was sent to."""
        source = origin if origin else referer
        if not source:
            return False
        if source.strip().lower() == "null":  # sandboxed frames and some redirects: never our own page
            return True
        claimed = _origin_of(source)
        target_raw = (forwarded_host or "").split(",")[0].strip() or (host_header or "")
        target = _split_host(target_raw)
        if claimed is None or target is None:
            return True
        target_host, target_port = target
        claimed_host, claimed_port = claimed
        if target_port is None:  # Host without a port: the default port of the Origin's own scheme
            target_port = claimed_port
        return (claimed_host, claimed_port) != (target_host, target_port)

    # --- the policy ----------------------------------------------------------------------------------------

    def check(self, req: falcon.asgi.Request, *, public: bool = False) -> Denial | None:
        """None when `req` may proceed; `public` routes (the login itself) skip only the credential check."""
        peer = req.remote_addr or "?"
        if not self.host_allowed(req.get_header("Host")):
            log.warning("refused %s %s from %s: Host %r is not in WEB_UI_DOMAIN_LIST", req.method, req.path,
                        peer, req.get_header("Host"))
            return WRONG_HOST
        if self.cross_site(req.get_header("Host"), req.get_header("X-Forwarded-Host"), req.get_header("Origin"),
                           req.get_header("Referer")):
            log.warning("refused cross-site %s %s from %s (Origin %r, Referer %r)", req.method, req.path, peer,
                        req.get_header("Origin"), req.get_header("Referer"))
            return CROSS_SITE
        if self.sessions.open:
            return None
        if self.sessions.banned(peer):
            return BANNED
        if public:
            return None
        authorization = req.get_header("Authorization")
        if self.sessions.authorized(req.get_cookie_values(SESSION_COOKIE) or [], authorization):
            return None
        if self.sessions.bearer_given(authorization) and self.sessions.login_failed(peer):
            log.warning("banned %s after too many wrong API keys", peer)
        return FORBIDDEN


async def login_required(req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: Any,
                         params: Any) -> None:
    """Falcon `before` hook for JSON resources and pages: `resource.access` decides; a JSON 401/403 otherwise."""
    policy: AccessPolicy = resource.access
    denial = policy.check(req)
    if denial is None:
        return
    if denial.status == 401:
        raise falcon.HTTPUnauthorized(title="Unauthorized", description=denial.reason, challenges=["Bearer"])
    raise falcon.HTTPForbidden(title="Forbidden", description=denial.reason)
