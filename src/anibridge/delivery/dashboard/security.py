"""Browser-facing protections: a strict Content-Security-Policy and friends on every dashboard response, and
CSRF tokens bound to a per-browser cookie (plus an Origin check) on every form that changes something."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

import falcon.asgi

CSRF_COOKIE = "ab_csrf"
CSRF_FIELD = "csrf"

# No inline script or style at all: everything the pages run or style comes from /static on this origin.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(resp: falcon.asgi.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        resp.set_header(name, value)


class Csrf:
    """Token = HMAC(secret, the browser's random `ab_csrf` cookie): a page from another site can neither read the
    cookie nor compute the token, and the cookie is SameSite=Strict on top."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def token_for(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> str:
        seed = req.cookies.get(CSRF_COOKIE) or getattr(req.context, "csrf_seed", "") or ""
        if len(seed) < 16:
            seed = secrets.token_urlsafe(24)
            resp.set_cookie(CSRF_COOKIE, seed, path="/", http_only=True, secure=False, same_site="Strict")
            req.context.csrf_seed = seed  # one page render may ask twice
        return self._sign(seed)

    def _sign(self, seed: str) -> str:
        return hmac.new(self._secret, seed.encode(), hashlib.sha256).hexdigest()

    def valid(self, req: falcon.asgi.Request, token: str) -> bool:
        seed = req.cookies.get(CSRF_COOKIE) or ""
        if len(seed) < 16 or not token:
            return False
        if not same_origin(req):
            return False
        return hmac.compare_digest(self._sign(seed), token)


def same_origin(req: falcon.asgi.Request) -> bool:
    """A browser names the page a form came from in `Origin`; it must be this host (absent on some old browsers).

    Behind a reverse proxy that rewrites `Host`, the public name arrives in `X-Forwarded-Host`; either matches.
    """
    origin = req.get_header("Origin")
    if not origin or origin == "null":
        return origin is None
    hosts = {(req.get_header("Host") or "").lower()}
    forwarded = req.get_header("X-Forwarded-Host")
    if forwarded:
        hosts.add(forwarded.split(",")[0].strip().lower())
    return urlsplit(origin).netloc.lower() in hosts
