"""SerienStream's redirect gate on `/r?t=`, as the live site ran it from August 2026, switchable per test.

Tiers (per visitor = client IP): `none` — `GET /r?t=` answers `302` to the hoster; `turnstile` and
`turnstile_altcha` — the episode page carries the gate and `GET /r?t=` answers the ~890-byte
"Stream wird vorbereitet..." bridge page instead of a redirect.

Episode page (gated visitors only; what an unflagged visitor's page holds is not documented, the fake omits it):
`<div id="episode-redirect-gate-root" data-redirect-gate-tier=… data-altcha-challenge-url=<absolute URL>
data-turnstile-sitekey=…>`, modal `#playerPrepareModal` with `form#player-prepare-form[method=POST][action=/r]`
holding `_token` (the session's CSRF token, also in `<meta name="csrf-token">`), `t` (`#player-prepare-token`),
`altcha`, containers `#player-prepare-turnstile` / `#player-prepare-altcha`, `#player-prepare-error` and a
"Weiter" submit; scripts: the gate JS and Turnstile's api.js.

Bridge page: `<title>Stream wird vorbereitet...</title>`, `var t = "<fresh token bound to the session>"`, a
`postMessage({type:"frameBridge", v:1, t, err:""})` to the parent; opened top-level it bounces to `/`.
`gated_get` switches to the other answers seen: `gone` (410) or `ddos-guard` (403 DDoS-Guard page).

`GET /api/inline/verify-init` → ALTCHA v1 challenge JSON (lowercase `maxnumber`).

`POST /r` (form): Laravel CSRF (`_token` must match the session, else 419 "Page Expired"), `t` (the
`data-play-url` token or the bridge's fresh one, the latter only for the session it was issued to), `altcha`
(tier `turnstile_altcha`; single use) and `cf-turnstile-response` (both gated tiers, unless
`turnstile_enforced` is off — the ALTCHA-only tier some clients pass). Success: `302 Location: <hoster>` or,
with `success_shape="page"`, a 200 page with `var t = "<hoster>"` posted via frameBridge. Failure: 200 with
`var err = "Das hat leider nicht geklappt. Bitte versuche es erneut."` (~937 bytes).

Login: `GET /login` (form with `_token`, no captcha), `POST /login` with `_token`, `email`, `password` → 302 to
`/account` or back to `/login`; `GET /account` answers a logged-out visitor with a 302 to `/login` (Laravel's guest
redirect). A logged-in session gets at most `logged_in_tier` (one report: `turnstile` instead of `turnstile_altcha`
from a datacenter IP, no gate at all on a phone; off by default). `expire_sessions()` forgets every session, as the
site does when a session's lifetime ends: the old cookie then starts a fresh, anonymous one.

Escalation: `escalate_after` hoster resolutions within `window` seconds raise the visitor to `escalate_to`; the
visitor drops back to the base tier `cooldown` seconds after that (users report gates after 2-10 episodes
and a 30-60 minute wait). Time comes from the injectable `clock`.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs

from anibridge.adapters.clock import SystemClock
from anibridge.ports.system import Clock
from anibridge_fakes.altcha import AltchaVerifier
from anibridge_fakes.gate_scripts import ALTCHA_JS, GATE_JS
from anibridge_fakes.gates import Burst, ddos_guard_page
from anibridge_fakes.http import Request, Response
from anibridge_fakes.sitekit import esc
from anibridge_fakes.turnstile import SCRIPT_PATH, TurnstileFake

TIERS = ("none", "turnstile", "turnstile_altcha")
SESSION_COOKIE = "laravel_session"
GATE_JS_PATH = "/build/assets/episode-redirect-gate-Fk4k3d1x.js"
VERIFY_INIT_PATH = "/api/inline/verify-init"
FAILURE_TEXT = "Das hat leider nicht geklappt. Bitte versuche es erneut."


@dataclass
class _Session:
    csrf: str
    fresh: dict[str, int] = field(default_factory=dict)  # bridge token → link id
    account: str | None = None  # the e-mail of a logged-in session


@dataclass
class Submission:
    """One `POST /r` as the fake saw it, for tests to check what a client sent."""

    visitor: str
    tier: str
    ok: bool
    reason: str
    referer: str
    origin: str
    fields: dict[str, str]


def _pad(html: str, size: int) -> str:
    missing = size - len(html.encode()) - len("<!--  -->")
    return html if missing <= 0 else html.replace("</body>", f"<!-- {'.' * missing} --></body>")


def _bridge_html(title: str, t: str, err: str, size: int) -> str:
    return _pad(
        "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><meta name=\"robots\" content=\"noindex\"></head><body>"
        "<p class=\"text-muted small\">Stream wird vorbereitet...</p><script>"
        f"var t = {json.dumps(t)};\nvar err = {json.dumps(err)};\n"
        "try { window.parent.postMessage({type: \"frameBridge\", v: 1, t: t, err: err}, window.location.origin); }"
        " catch (e) {}\n"
        "if (window.top === window.self) { window.location.replace('/'); }\n"
        "</script></body></html>",
        size,
    )


@dataclass
class RedirectGate:
    tier: str = "none"
    tier_for: dict[str, str] = field(default_factory=dict)  # visitor (client IP) → base tier
    escalate_after: int | None = None
    escalate_to: str = "turnstile"  # the tier a visitor is raised to (never lowered below the base tier)
    window: float = 600.0
    cooldown: float = 1800.0
    turnstile_enforced: bool = True
    success_shape: Literal["redirect", "page"] = "redirect"
    gated_get: Literal["bridge", "gone", "ddos-guard"] = "bridge"
    strict_headers: bool = False  # require Origin = site and Referer = an episode page on POST /r
    turnstile_script: str = SCRIPT_PATH  # where the episode page loads api.js from
    accounts: dict[str, str] = field(default_factory=dict)  # e-mail → password for `/login`
    logged_in_tier: str | None = None  # the tier a logged-in session gets at most (None: login changes nothing)
    altcha: AltchaVerifier = field(default_factory=AltchaVerifier)
    turnstile: TurnstileFake = field(default_factory=TurnstileFake)
    clock: Clock = field(default_factory=SystemClock)
    resolutions: int = 0
    submissions: list[Submission] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)  # (e-mail, accepted) per `POST /login`, no password
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _burst: Burst | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_clock(self, clock: Clock) -> None:
        self.clock = clock
        self.altcha.clock = clock
        self.turnstile.clock = clock
        if self._burst is not None:
            self._burst.clock = clock

    @property
    def active(self) -> bool:
        """Anything switched on at all (off: the site behaves exactly as without a gate)."""
        return self.tier != "none" or bool(self.tier_for) or self.escalate_after is not None

    # -- tiers -----------------------------------------------------------------------------------------------
    def tier_of(self, visitor: str) -> str:
        base = TIERS.index(self.tier_for.get(visitor, self.tier))
        burst = self._escalation()
        if burst is not None and burst.tripped(visitor):
            base = max(base, TIERS.index(self.escalate_to))
        return TIERS[base]

    def tier_for_request(self, request: Request) -> str:
        """The visitor's tier, lowered to `logged_in_tier` for a logged-in session (a single report says so)."""
        tier = self.tier_of(request.client)
        session = self._sessions.get(request.cookie(SESSION_COOKIE) or "")
        if session is not None and session.account is not None and self.logged_in_tier is not None:
            return TIERS[min(TIERS.index(tier), TIERS.index(self.logged_in_tier))]
        return tier

    def _escalation(self) -> Burst | None:
        if self.escalate_after is None:
            return None
        if self._burst is None:
            self._burst = Burst(self.escalate_after, self.window, self.cooldown, self.clock)
        burst = self._burst
        burst.limit, burst.window, burst.cooldown, burst.clock = self.escalate_after, self.window, self.cooldown, self.clock
        return burst

    def _resolved(self, visitor: str) -> None:
        with self._lock:
            self.resolutions += 1
        burst = self._escalation()
        if burst is not None:
            burst.record(visitor)

    def retry_after(self, visitor: str) -> float:
        """Seconds until an escalated visitor relaxes to the base tier (0: not escalated)."""
        burst = self._escalation()
        return burst.retry_after(visitor) if burst is not None else 0.0

    # -- sessions --------------------------------------------------------------------------------------------
    def session(self, request: Request) -> tuple[str, _Session, list[str]]:
        """The visitor's Laravel session (created when the cookie is missing or unknown) and cookies to set."""
        sid = request.cookie(SESSION_COOKIE) or ""
        with self._lock:
            known = self._sessions.get(sid)
            if known is not None:
                return sid, known, []
            sid = secrets.token_urlsafe(30)
            known = self._sessions[sid] = _Session(secrets.token_urlsafe(30)[:40])
        cookies = [f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax",
                   f"XSRF-TOKEN={known.csrf}; Path=/; SameSite=Lax"]
        return sid, known, cookies

    def expire_sessions(self) -> None:
        """Forget every session (their lifetime ended): logged-in visitors are anonymous again."""
        with self._lock:
            self._sessions.clear()

    # -- episode page ----------------------------------------------------------------------------------------
    def decorate_episode(self, request: Request, html: str) -> Response:
        """The episode page with the session's CSRF token and, for gated visitors, the gate markup."""
        _sid, session, cookies = self.session(request)
        head_start = html.find('<meta name="csrf-token" content="')
        if head_start >= 0:
            end = html.find('">', head_start)
            html = html[:head_start] + f'<meta name="csrf-token" content="{session.csrf}' + html[end:]
        tier = self.tier_for_request(request)
        if tier != "none":
            html = html.replace("</body>", self._gate_markup(request, tier, session.csrf) + "\n</body>")
        response = Response.html(html)
        response.cookies.extend(cookies)
        return response

    def _gate_markup(self, request: Request, tier: str, csrf: str) -> str:
        return f"""<div id="episode-redirect-gate-root" data-redirect-gate-tier="{tier}" data-altcha-challenge-url="{esc(request.base_url + VERIFY_INIT_PATH)}" data-turnstile-sitekey="{esc(self.turnstile.sitekey)}"></div>
<div class="modal fade" id="playerPrepareModal" tabindex="-1" aria-hidden="true" style="display:none"><div class="modal-dialog modal-dialog-centered"><div class="modal-content">
  <div class="modal-header"><h5 class="modal-title">Stream wird vorbereitet</h5></div>
  <div class="modal-body">
    <form id="player-prepare-form" method="POST" action="/r" target="player-iframe">
      <input type="hidden" name="_token" value="{esc(csrf)}">
      <input type="hidden" name="t" id="player-prepare-token" value="">
      <input type="hidden" name="altcha" value="">
      <div id="player-prepare-turnstile"></div>
      <div id="player-prepare-altcha"></div>
      <div id="player-prepare-error" class="text-danger small"></div>
      <button type="submit" class="btn btn-primary w-100">Weiter</button>
    </form>
  </div></div></div></div>
<script src="{esc(self.turnstile_script)}" defer></script>
<script type="module" src="{GATE_JS_PATH}"></script>"""

    # -- /r and friends --------------------------------------------------------------------------------------
    def verify_init(self, request: Request) -> Response:
        return Response.json(json.dumps(self.altcha.create_challenge()), )

    def turnstile_challenge(self, request: Request) -> Response:
        sid = request.cookie(SESSION_COOKIE) or ""
        return self.turnstile.challenge(request, sid)

    def get_r(self, request: Request, link_id: int, hoster: str) -> Response:
        """`GET /r?t=`: 302 for ungated visitors, the bridge (or 410/403) for gated ones."""
        tier = self.tier_for_request(request)
        if tier == "none":
            self._resolved(request.client)
            return Response.redirect(hoster)
        if self.gated_get == "gone":
            return Response(410, b"Gone", content_type="text/plain")
        if self.gated_get == "ddos-guard":
            return ddos_guard_page(request.host or "serienstream.to")
        _sid, session, cookies = self.session(request)
        fresh = _laravel_token()
        with self._lock:
            session.fresh[fresh] = link_id
        response = Response.html(_bridge_html("Stream wird vorbereitet...", fresh, "", 890))
        response.cookies.extend(cookies)
        return response

    def post_r(self, request: Request, read_token: Callable[[str], int | None],
               hoster_of: Callable[[int], str | None]) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace"), keep_blank_values=True).items()}
        visitor = request.client
        tier = self.tier_for_request(request)
        sid = request.cookie(SESSION_COOKIE) or ""
        session = self._sessions.get(sid)

        def refuse(reason: str) -> Response:
            self.submissions.append(Submission(visitor, tier, False, reason, request.header("referer"),
                                               request.header("origin"), form))
            return Response.html(_bridge_html("Stream wird vorbereitet...", "", FAILURE_TEXT, 937))

        if session is None or not secrets.compare_digest(form.get("_token", ""), session.csrf):
            self.submissions.append(Submission(visitor, tier, False, "csrf", request.header("referer"),
                                               request.header("origin"), form))
            return Response.html("<!DOCTYPE html><html><head><title>Page Expired</title></head>"
                                 "<body><h1>419</h1><p>Page Expired</p></body></html>", status=419)
        if self.strict_headers and (request.header("origin") != request.base_url
                                    or not request.header("referer").startswith(request.base_url + "/serie/")):
            return refuse("origin/referer")
        token = form.get("t", "")
        link_id = session.fresh.pop(token, None)
        if link_id is None:
            link_id = read_token(token)
        hoster = hoster_of(link_id) if link_id is not None else None
        if hoster is None:
            return refuse("token")
        if tier in ("turnstile", "turnstile_altcha") and (self.turnstile_enforced or form.get("cf-turnstile-response")):
            ok, why = self.turnstile.verify(form.get("cf-turnstile-response", ""), session=sid, client=visitor,
                                            user_agent=request.header("user-agent"))
            if not ok:
                return refuse(f"turnstile: {why}")
        if tier == "turnstile_altcha":
            ok, why = self.altcha.verify(form.get("altcha", ""))
            if not ok:
                return refuse(f"altcha: {why}")
        self.submissions.append(Submission(visitor, tier, True, "ok", request.header("referer"),
                                           request.header("origin"), form))
        self._resolved(visitor)
        if self.success_shape == "page":
            return Response.html(_bridge_html("Weiterleitung...", hoster, "", 700))
        return Response.redirect(hoster)

    # -- account login (no captcha on the form) -------------------------------------------------------------
    def login_page(self, request: Request) -> Response:
        _sid, session, cookies = self.session(request)
        body = ("<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Login | SerienStream (S.to)</title>"
                f'<meta name="csrf-token" content="{session.csrf}"></head><body>'
                '<form method="POST" action="/login" id="login-form">'
                f'<input type="hidden" name="_token" value="{session.csrf}">'
                '<input type="email" name="email"><input type="password" name="password">'
                '<button type="submit">Anmelden</button></form></body></html>')
        response = Response.html(body)
        response.cookies.extend(cookies)
        return response

    def login(self, request: Request) -> Response:
        """`POST /login`: 302 to `/account` when e-mail and password match, else 302 back to `/login`."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace"), keep_blank_values=True).items()}
        session = self._sessions.get(request.cookie(SESSION_COOKIE) or "")
        if session is None or not secrets.compare_digest(form.get("_token", ""), session.csrf):
            return Response.html("<h1>419</h1><p>Page Expired</p>", status=419)
        email, password = form.get("email", ""), form.get("password", "")
        if email in self.accounts and secrets.compare_digest(self.accounts[email], password):
            session.account = email
            self.logins.append((email, True))
            return Response.redirect("/account")
        self.logins.append((email, False))
        return Response.redirect("/login")

    def account_page(self, request: Request) -> Response:
        session = self._sessions.get(request.cookie(SESSION_COOKIE) or "")
        if session is None or session.account is None:
            return Response.redirect("/login")
        return Response.html(f'<html><body><div id="chat-root" data-auth="1"></div><p>{esc(session.account)}</p></body></html>')

    # -- browser-side scripts ----------------------------------------------------------------------------------
    @staticmethod
    def gate_js() -> Response:
        return Response(200, GATE_JS.encode(), content_type="application/javascript; charset=utf-8")

    @staticmethod
    def altcha_js() -> Response:
        return Response(200, ALTCHA_JS.encode(), content_type="application/javascript; charset=utf-8")


def _laravel_token() -> str:
    """A fresh opaque token shaped like Laravel's encrypted payload (`{"iv","value","mac","tag"}`, base64)."""
    raw = {"iv": base64.b64encode(secrets.token_bytes(16)).decode(), "value": base64.b64encode(secrets.token_bytes(48)).decode(),
           "mac": secrets.token_hex(32), "tag": ""}
    return base64.b64encode(json.dumps(raw, separators=(",", ":")).encode()).decode()
