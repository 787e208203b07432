"""Protections a fake site or hoster can switch on, per test: DDoS-Guard and Cloudflare fronts, bursts, 429, moves.

Every switch is off by default, so fakes behave exactly as before unless a test turns one on; `reset()` turns
them all off again. The shapes follow what the real fronts serve to a plain HTTP client in 2026:

- **DDoS-Guard** (AniWorld, SerienStream): `403`, `Server: ddos-guard`, a ~900-byte page titled "DDoS-Guard" that
  loads `check.js`, `view.js` and `index.js` from `/.well-known/ddos-guard/`, and `__ddg8_`/`__ddg9_`/`__ddg10_`
  cookies. The current check fingerprints a browser and then sets `__ddg1_`; the fake's `index.js` does that from
  a value only a layout engine computes (the width of a styled element), so only a browser passes. The old
  "check.js names `/.well-known/ddos-guard/id/<id>`, GET it for `__ddg2_`" dance can be enabled with
  `ddos_guard_legacy=True`.
- **Cloudflare** (Megakino, VOE): `403`, `cf-mitigated: challenge`, `Server: cloudflare`, `cf-ray`,
  `<title>Just a moment...</title>`, `/cdn-cgi/challenge-platform/` script, `__cf_bm` cookie. A `cf_clearance`
  handed out by `grant_cf_clearance(user_agent[, client])` passes, but only with that same User-Agent (and IP).
- **Bursts**: `front_after` arms the front only after N requests in a window (VOE's 403s after a run of episodes);
  `rate_limit` answers 429 with `Retry-After` once tripped (no site has been seen doing this; clients must cope
  anyway). Both relax after their cool-down, measured on the injectable `clock` (the Clock port; tests pass
  their FakeClock).
- **Moved hosts**: a request whose Host header names a moved domain answers `301` to the same path on the new one.

Visitors are keyed by client IP (any 127.x.y.z address is a different visitor on loopback).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from anibridge.adapters.clock import SystemClock
from anibridge.ports.system import Clock
from anibridge_fakes.messages import Request, Response

FRONTS = ("none", "ddos-guard", "cloudflare")
DDG_COOKIES = ("__ddg8_", "__ddg9_", "__ddg10_")
_SECRET = b"fake-front-secret"
# The fingerprint element the DDoS-Guard fake's index.js measures: 10em at 12px plus 2×4px padding = 128px.
DDG_PROBE_STYLE = "display:inline-block;box-sizing:content-box;width:10em;padding:0 4px;border:0;font-size:12px"
DDG_PROBE_WIDTH = 128


@dataclass
class Burst:
    """Counts events per visitor in a sliding `window`; the `limit`-th trips it for `cooldown` seconds.

    While tripped, further events do not extend the block (users report a fixed 30-60 minute wait).
    """

    limit: int
    window: float
    cooldown: float
    clock: Clock = field(default_factory=SystemClock)
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _tripped: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tripped(self, visitor: str) -> bool:
        return self.retry_after(visitor) > 0

    def retry_after(self, visitor: str) -> float:
        """Seconds until the visitor's block lifts (0: not blocked)."""
        with self._lock:
            since = self._tripped.get(visitor)
            if since is None:
                return 0.0
            left = since + self.cooldown - self.clock.monotonic()
            if left <= 0:
                del self._tripped[visitor]
                return 0.0
            return left

    def record(self, visitor: str) -> bool:
        """Count one event; True when this one tripped the burst."""
        if self.tripped(visitor):
            return False
        now = self.clock.monotonic()
        with self._lock:
            events = self._events.setdefault(visitor, deque())
            events.append(now)
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                events.clear()
                self._tripped[visitor] = now
                return True
        return False


def _sig(*parts: str) -> str:
    return hmac.new(_SECRET, "|".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class Protection:
    """The switchable protections of one fake server (see the module docstring)."""

    front: str = "none"
    front_paths: str | None = None  # regex: the front guards only matching paths (None: all but `/_…`)
    front_after: Burst | None = None  # the front stays open until this burst trips, and again after its cool-down
    rate_limit: Burst | None = None
    ddos_guard_legacy: bool = False
    moved_hosts: dict[str, str] = field(default_factory=dict)  # Host name → new host name (same port, 301)
    site_host: str = "serienstream.to"  # the name the challenge pages talk about
    clock: Clock = field(default_factory=SystemClock)
    hits: list[str] = field(default_factory=list)  # "<kind> <path>" for every request a protection answered
    _cf_clearances: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # value → (User-Agent, IP)

    def reset(self) -> None:
        self.__init__(site_host=self.site_host)  # type: ignore[misc]

    # -- switches ----------------------------------------------------------------------------------------------
    def set_clock(self, clock: Clock) -> None:
        self.clock = clock
        for burst in (self.front_after, self.rate_limit):
            if burst is not None:
                burst.clock = clock

    def grant_cf_clearance(self, user_agent: str, client: str | None = None) -> str:
        """A `cf_clearance` as a solved challenge would set it; valid only with `user_agent` (and from `client`)."""
        value = secrets.token_urlsafe(24) + "-" + str(int(self.clock.now().timestamp())) + "-1.2.1.1-fake"
        self._cf_clearances[value] = (user_agent, client)
        return value

    # -- the request path ------------------------------------------------------------------------------------
    def answer(self, request: Request) -> Response | None:
        """A protection's answer to this request, or None to serve the page."""
        if request.path.startswith("/_"):
            return None
        moved = self.moved_hosts.get(request.host)
        if moved:
            port = request.header("host").rpartition(":")[2] if ":" in request.header("host") else ""
            query = f"?{urlencode(request.query)}" if request.query else ""
            self.hits.append(f"moved {request.path}")
            return Response.redirect(f"http://{moved}{':' + port if port else ''}{request.path}{query}", status=301)
        if self.rate_limit is not None:
            self.rate_limit.record(request.client)
            left = self.rate_limit.retry_after(request.client)
            if left > 0:
                self.hits.append(f"429 {request.path}")
                return Response(429, b"Too Many Requests", headers={"Retry-After": str(int(left + 0.999))},
                                content_type="text/plain")
        if self.front == "none" or not self._guards(request.path):
            return None
        if request.path.startswith("/.well-known/ddos-guard/") and self.front == "ddos-guard":
            return self._ddos_guard_endpoint(request)
        if self.front_after is not None:
            self.front_after.record(request.client)
            if not self.front_after.tripped(request.client):
                return None
        if self.front == "ddos-guard" and not self._ddg_passed(request):
            self.hits.append(f"ddos-guard {request.path}")
            return ddos_guard_page(self.site_host)
        if self.front == "cloudflare" and not self._cf_passed(request):
            self.hits.append(f"cloudflare {request.path}")
            return cloudflare_page(self.site_host)
        return None

    def _guards(self, path: str) -> bool:
        return self.front_paths is None or re.search(self.front_paths, path) is not None

    # -- DDoS-Guard ------------------------------------------------------------------------------------------
    def _ddg_passed(self, request: Request) -> bool:
        ua = request.header("user-agent")
        mark = request.cookie("__ddg1_")
        if mark and "." in mark and hmac.compare_digest(mark.split(".", 1)[1], _sig("ddg1", mark.split(".", 1)[0], ua)):
            return True
        legacy = request.cookie("__ddg2_")
        return bool(self.ddos_guard_legacy and legacy and "." in legacy
                    and hmac.compare_digest(legacy.split(".", 1)[1], _sig("ddg2", legacy.split(".", 1)[0])))

    def _ddos_guard_endpoint(self, request: Request) -> Response:
        path = request.path
        if path == "/.well-known/ddos-guard/check.js":
            ident = secrets.token_hex(8)
            return Response(200, f"new Image().src = '/.well-known/ddos-guard/id/{ident}';".encode(),
                            content_type="application/javascript")
        if path.startswith("/.well-known/ddos-guard/id/") and self.ddos_guard_legacy:
            ident = path.rsplit("/", 1)[1]
            return Response(200, b"", headers={"Set-Cookie": f"__ddg2_={ident}.{_sig('ddg2', ident)}; Path=/"},
                            content_type="image/gif")
        if path == "/.well-known/ddos-guard/js-challenge/index.js":
            return Response(200, DDG_INDEX_JS.encode(), content_type="application/javascript")
        if path == "/.well-known/ddos-guard/mark/" and request.method == "POST":
            width = request.body.decode(errors="replace").strip()
            if width != str(DDG_PROBE_WIDTH):
                return Response(200, b'{"ok":false}', content_type="application/json")
            ident = secrets.token_hex(8)
            ua = request.header("user-agent")
            return Response(200, b'{"ok":true}', content_type="application/json",
                            headers={"Set-Cookie": f"__ddg1_={ident}.{_sig('ddg1', ident, ua)}; Path=/; SameSite=Lax"})
        return Response(404, b"", content_type="text/plain")

    # -- Cloudflare ------------------------------------------------------------------------------------------
    def _cf_passed(self, request: Request) -> bool:
        bound = self._cf_clearances.get(request.cookie("cf_clearance") or "")
        if bound is None:
            return False
        user_agent, client = bound
        return user_agent == request.header("user-agent") and client in (None, request.client)


# The fake's index.js: measures a styled element (only a layout engine knows its width), posts it as the
# "fingerprint", then reloads — the page comes back once `__ddg1_` is set. A plain HTTP client never runs it.
DDG_INDEX_JS = f"""(function () {{
  var probe = document.createElement('span');
  probe.setAttribute('style', '{DDG_PROBE_STYLE}');
  probe.textContent = '\\u00a0';
  document.body.appendChild(probe);
  var width = Math.round(probe.getBoundingClientRect().width);
  fetch('/.well-known/ddos-guard/mark/', {{method: 'POST', credentials: 'include', body: String(width)}})
    .then(function (r) {{ return r.json(); }})
    .then(function (d) {{ if (d.ok) {{ location.reload(); }} }});
}})();
"""


def _pad(html: str, size: int) -> str:
    """Pad with an HTML comment so the page has the byte size seen on the live front."""
    missing = size - len(html.encode()) - len("<!--  -->")
    return html if missing <= 0 else html.replace("</body>", f"<!-- {'x' * missing} --></body>")


def ddos_guard_page(site_host: str) -> Response:
    """DDoS-Guard's 403 browser check as a plain HTTP client sees it (≈900 bytes)."""
    cookies = [f"{name}={secrets.token_hex(8)}; Path=/; Max-Age=31536000" for name in DDG_COOKIES]
    body = _pad(
        "<!DOCTYPE html><html><head><title>DDoS-Guard</title><meta charset=\"utf-8\">"
        '<script src="/.well-known/ddos-guard/check.js" async></script>'
        '<script src="/.well-known/ddos-guard/js-challenge/view.js" async></script>'
        '<script src="/.well-known/ddos-guard/js-challenge/index.js" defer></script></head>'
        f'<body><div id="ddg-l"><h1>Checking your browser before accessing {site_host}</h1>'
        '<p>This process is automatic. Your browser will redirect to your requested content shortly.</p>'
        '<a id="link-ddg" href="https://ddos-guard.net/">DDoS-Guard</a></div></body></html>',
        902,
    )
    response = Response.html(body, status=403)
    response.headers["Server"] = "ddos-guard"
    response.cookies.extend(cookies)
    return response


def cloudflare_page(site_host: str) -> Response:
    """Cloudflare's managed challenge ("Just a moment...") as a plain HTTP client sees it."""
    ray = secrets.token_hex(8)
    body = (
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
        '<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">'
        f'<div class="main-content"><h1 class="zone-name-title h1">{site_host}</h1>'
        '<h2 id="challenge-running" class="h2">Verifying you are human. This may take a few seconds.</h2>'
        "<noscript>Enable JavaScript and cookies to continue</noscript></div></div>"
        f"<script>(function(){{window._cf_chl_opt={{cvId: '3',cZone: '{site_host}',cType: 'managed',cRay: '{ray}'}};"
        "var a=document.createElement('script');"
        f"a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray={ray}';"
        "document.getElementsByTagName('head')[0].appendChild(a);})();</script></body></html>"
    )
    response = Response.html(body, status=403)
    response.cookies.append(f"__cf_bm={secrets.token_urlsafe(32)}; path=/; HttpOnly; SameSite=None")
    response.headers.update({
        "Server": "cloudflare",
        "cf-mitigated": "challenge",
        "cf-ray": f"{ray}-FRA",
        "Cache-Control": "private, max-age=0, no-store, no-cache, must-revalidate",
    })
    return response


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
