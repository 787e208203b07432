"""The one shared outbound HTTP client (sites, SkyHook): pooled connections, sane timeouts, a browser identity.

One client for the whole process keeps connection reuse and the Megakino session cookie in one place; it is
closed by the app's lifespan on shutdown (and by the CLI when a command ends).
"""

from __future__ import annotations

import httpx

from anibridge.adapters.sites.http import BROWSER_HEADERS
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.settings import Settings


def build_http_client(settings: Settings, guard: SsrfGuard | None = None) -> httpx.AsyncClient:
    """`guard` checks every request (each redirect hop too) before it is sent: hoster pages and redirect targets
    come from site pages, not from the user."""
    timeout = settings.http_timeout_seconds
    return httpx.AsyncClient(
        event_hooks={"request": [guard.httpx_hook]} if guard is not None else None,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=30.0),
        headers=BROWSER_HEADERS,
        follow_redirects=False,
    )
