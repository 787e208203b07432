"""Follow a site's hoster token (AniWorld `/redirect/<id>`, s.to `/r?t=`) to the hoster embed URL.

The token answers 301/302 with `Location`; a 200 page instead is a Turnstile/captcha interstitial
(ChallengeRequired) or an unknown layout (SiteUnavailable). Redirects that stay on the site are followed a few
hops; the first hop that leaves the site is the embed URL — we never fetch the hoster page here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from anibridge.adapters.sites.http import SiteHttp, absolute, looks_like_challenge, same_origin
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


async def follow_token(http: SiteHttp, site_base: str, link: HosterLink, *, timeout: float, retries: int) -> str:
    """The embed URL behind `link.url`; identity when the link already points off-site.

    A token is recognised by its path too, so links scraped from a moved domain (pages followed there by
    redirect) are still followed rather than handed to a hoster as if they were embeds.
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
        if looks_like_challenge(body) or "captcha" in body.lower():
            raise ChallengeRequired(f"{link.provider} link {link.url} is behind a captcha/Turnstile challenge")
        raise SiteUnavailable(
            f"{link.provider} link {link.url} did not redirect (HTTP {response.status_code}, {len(body)} bytes)"
        )
    raise SiteUnavailable(f"{link.provider} link {link.url} redirected more than {MAX_HOPS} times on the site")
