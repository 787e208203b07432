"""Follow a site's hoster token (AniWorld `/redirect/<id>`, s.to `/r?t=`) to the hoster embed URL.

The token answers 301/302 with `Location`; a 200 page is read: SerienStream's success page (`var t = "<hoster>"`),
its "Stream wird vorbereitet..." bridge (passed by the site adapter's `gate_pass` or raised as SiteGated), another
gate (SiteGated) or an unknown layout (SiteUnavailable). Redirects that stay on the site are followed a few
hops; the first hop that leaves the site is the embed URL — we never fetch the hoster page here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from anibridge.adapters.sites.gates import classify, read_bridge
from anibridge.adapters.sites.http import SiteHttp, absolute, same_origin
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import ChallengeRequired, SiteUnavailable

MAX_HOPS = 5


_TOKEN_PATH = re.compile(r"^/(?:redirect/\d+|r)/?$")


def is_token_url(url: str) -> bool:
    """AniWorld/classic `/redirect/<id>` or s.to v2 `/r?t=<token>`."""
    parts = urlsplit(url)
    if not _TOKEN_PATH.match(parts.path):
        return False
    return parts.path.startswith("/redirect/") or "t=" in parts.query


def _path_and_query(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parts.query


GatePass = Callable[[HosterLink, str, str], Awaitable[str]]
"""`(link, token URL that answered the bridge page, fresh token from it) -> embed URL`, or raises SiteGated."""


async def follow_token(http: SiteHttp, site_base: str, link: HosterLink, *, timeout: float, retries: int,
                       gate_pass: GatePass | None = None) -> str:
    """The embed URL behind `link.url`; identity when the link already points off-site.

    A token is recognised by its path too, so links scraped from a moved domain (pages followed there by
    redirect) are still followed rather than handed to a hoster as if they were embeds. A 200 answer is read,
    not guessed at: the `var t = "<hoster>"` success page yields the hoster; SerienStream's "Stream wird
    vorbereitet..." bridge goes to `gate_pass` when the site adapter can pass it, else raises SiteGated.
    """
    url = link.url
    if not same_origin(url, site_base) and not is_token_url(url):
        return url
    parts = urlsplit(url)
    site_base = f"{parts.scheme}://{parts.netloc}"  # the origin that served the page is "the site" from here on
    for _hop in range(MAX_HOPS):
        response = await http.get(
            url,
            follow_redirects=False,
            timeout=timeout,
            retries=retries,
            headers={"Referer": site_base.rstrip("/") + "/"},
            allow_bridge=True,
        )
        if response.is_redirect:
            location = response.headers.get("location", "").strip()
            if not location:
                raise SiteUnavailable(f"redirect {link.url} answered {response.status_code} without Location")
            target = absolute(url, location)
            moved = _path_and_query(target) == _path_and_query(url)  # a domain move, not the hoster
            url = target
            if not moved and not same_origin(url, site_base):
                return url
            continue
        body = response.text
        bridge = read_bridge(body, url)
        if bridge is not None and bridge[0] == "hoster":
            return bridge[1]
        if bridge is not None and bridge[0] == "token" and gate_pass is not None:
            return await gate_pass(link, url, bridge[1])
        gate = classify(response.status_code, response.headers, body, url)
        if gate is not None:
            raise gate.error()
        if "captcha" in body.lower():
            raise ChallengeRequired(f"{link.provider} link {link.url} is behind a captcha/Turnstile challenge")
        raise SiteUnavailable(
            f"{link.provider} link {link.url} did not redirect (HTTP {response.status_code}, {len(body)} bytes)"
        )
    raise SiteUnavailable(f"{link.provider} link {link.url} redirected more than {MAX_HOPS} times on the site")
