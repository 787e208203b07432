"""A fake Cloudflare Turnstile whose token only JavaScript running in a real browser produces.

The real widget runs an opaque challenge in an iframe from challenges.cloudflare.com and hands the page a token
(valid 300 s, single use: a second check answers `timeout-or-duplicate`). Offline, the fake keeps those rules and
replaces the opaque part with something a plain HTTP client cannot do either: `api.js`'s `turnstile.render()`
draws a styled element, measures it with the layout engine (`getBoundingClientRect`), fetches a challenge `c`
bound to the visitor (session cookie and IP), and answers `c + "." + SHA-256(c | width | navigator.userAgent)`
computed with WebCrypto. The server checks it against the width its CSS implies and the User-Agent of the request
that submits it. So a token needs a browser that lays out the page, on the same session, IP and User-Agent — the
properties that make real Turnstile tokens unusable when solved elsewhere. (Code that re-implements the formula
defeats the fake; anibridge's HTTP paths must never do that.)

`api.js` is served by the fake site itself (the real one comes from challenges.cloudflare.com, which loopback
tests cannot reach); the script URL is a setting of the gate. Cloudflare's documented dummy token
`XXXX.DUMMY.TOKEN.XXXX` passes only when `accept_dummy` is on (what a site using test keys would do).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field

from anibridge.adapters.clock import SystemClock
from anibridge.ports.system import Clock
from anibridge_fakes.http import Request, Response

SITEKEY = "0x4AAAAAAAFBfchmT6XFij7y"  # the sitekey format SerienStream's gate carries
DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"
TOKEN_LIFETIME = 300.0
# The widget element api.js measures: 9em at 12px + 11px, plus 2×3px padding = 125px wide in any layout engine.
WIDGET_STYLE = ("display:inline-block;box-sizing:content-box;width:calc(9em + 11px);padding:0 3px;border:0;"
                "margin:0;font-size:12px;height:65px")
WIDGET_WIDTH = 125
SCRIPT_PATH = "/turnstile/v0/api.js"
CHALLENGE_PATH = "/turnstile/v0/challenge"


def token_digest(challenge: str, width: int, user_agent: str) -> str:
    return hashlib.sha256(f"{challenge}|{width}|{user_agent}".encode()).hexdigest()


@dataclass
class _Issued:
    session: str
    client: str
    at: float


@dataclass
class TurnstileFake:
    sitekey: str = SITEKEY
    accept_dummy: bool = False
    lifetime: float = TOKEN_LIFETIME
    clock: Clock = field(default_factory=SystemClock)
    issued_count: int = 0
    _issued: dict[str, _Issued] = field(default_factory=dict)
    _spent: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self) -> Response:
        return Response(200, API_JS.encode(), content_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    def challenge(self, request: Request, session: str) -> Response:
        """`GET /turnstile/v0/challenge?sitekey=` → `{"c": "<challenge>"}` bound to session and IP."""
        if request.query.get("sitekey") != self.sitekey:
            return Response.json('{"error":"invalid-sitekey"}', status=400)
        c = secrets.token_hex(16)
        with self._lock:
            self._issued[c] = _Issued(session, request.client, self.clock.monotonic())
            self.issued_count += 1
        return Response.json(f'{{"c":"{c}"}}')

    def verify(self, token: str, *, session: str, client: str, user_agent: str) -> tuple[bool, str]:
        """(valid, error code as siteverify names them)."""
        if not token:
            return False, "missing-input-response"
        if token == DUMMY_TOKEN:
            return (True, "ok") if self.accept_dummy else (False, "invalid-input-response")
        c, _, digest = token.partition(".")
        with self._lock:
            issued = self._issued.get(c)
            if issued is None:
                return False, "invalid-input-response"
            if c in self._spent or self.clock.monotonic() - issued.at > self.lifetime:
                return False, "timeout-or-duplicate"
            if issued.session != session or issued.client != client:
                return False, "invalid-input-response"
            if not hmac.compare_digest(digest, token_digest(c, WIDGET_WIDTH, user_agent)):
                return False, "invalid-input-response"
            self._spent.add(c)
        return True, "ok"


API_JS = f"""/* fake Turnstile api.js (offline stand-in for challenges.cloudflare.com/turnstile/v0/api.js) */
(function () {{
  function hex(buf) {{
    return Array.prototype.map.call(new Uint8Array(buf), function (b) {{ return ('0' + b.toString(16)).slice(-2); }}).join('');
  }}
  function resolve(container) {{
    return typeof container === 'string' ? document.querySelector(container) : container;
  }}
  window.turnstile = {{
    render: function (container, opts) {{
      var host = resolve(container);
      var widget = document.createElement('div');
      widget.className = 'cf-turnstile';
      widget.setAttribute('data-sitekey', opts.sitekey);
      widget.setAttribute('style', '{WIDGET_STYLE}');
      host.appendChild(widget);
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = 'cf-turnstile-response';
      host.appendChild(input);
      var width = Math.round(widget.getBoundingClientRect().width);
      fetch('{CHALLENGE_PATH}?sitekey=' + encodeURIComponent(opts.sitekey), {{credentials: 'include'}})
        .then(function (r) {{ return r.json(); }})
        .then(function (d) {{
          var data = new TextEncoder().encode(d.c + '|' + width + '|' + navigator.userAgent);
          return crypto.subtle.digest('SHA-256', data).then(function (buf) {{ return d.c + '.' + hex(buf); }});
        }})
        .then(function (token) {{
          input.value = token;
          widget.setAttribute('data-state', 'solved');
          if (typeof opts.callback === 'function') {{ opts.callback(token); }}
        }})
        .catch(function (e) {{ widget.setAttribute('data-state', 'error'); }});
      return 'cf-chl-widget-fake';
    }},
    getResponse: function (container) {{
      var input = resolve(container || 'body').querySelector('input[name="cf-turnstile-response"]');
      return input ? input.value : undefined;
    }}
  }};
}})();
"""
