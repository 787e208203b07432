"""VOE: the embed page JS-redirects to a rotating mirror whose page holds the encoded player config."""

from __future__ import annotations

from anibridge.adapters.hosters.base import (
    DESKTOP_UA,
    HosterAdapter,
    is_challenge,
    looks_hls,
    origin,
    redirect_candidate,
)
from anibridge.adapters.hosters.decoders import voe_config_from_html
from anibridge.ports.errors import ChallengeRequired
from anibridge.ports.streams import DirectStream

_MAX_HOPS = 3


class VoeResolver(HosterAdapter):
    name = "VOE"
    hints = ("voe",)

    async def _resolve(self, embed_url: str) -> DirectStream:
        url = embed_url
        visited: set[str] = set()
        for _ in range(_MAX_HOPS):
            visited.add(url)
            headers = {"Accept": "*/*", "Accept-Language": "en-US,en;q=0.5", "Referer": origin(embed_url) + "/"}
            page = await self.fetch("GET", url, headers=headers, what="embed page")
            html = page.text
            config = voe_config_from_html(html)
            if config is not None:
                source = config.get("source") or _first_source(config.get("sources"))
                if not isinstance(source, str) or not source.startswith("http"):
                    raise self.fail("player config has no source", url)
                media_headers = {"User-Agent": DESKTOP_UA, "Referer": origin(str(page.url)) + "/"}
                return DirectStream(source, self.name, media_headers, looks_hls(source))
            if "<title>maintenance mode</title>" in html.lower():
                raise self.fail("hoster is in maintenance mode", url)
            if is_challenge(html):
                raise ChallengeRequired(f"{self.name}: mirror page is behind a bot challenge ({url})")
            nxt = redirect_candidate(html, str(page.url))
            if nxt is None or nxt in visited:
                break
            url = nxt
        raise self.fail("no encoded player config found (layout changed?)", url)


def _first_source(value: object) -> str | None:
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                src = item.get("file") or item.get("src") or item.get("url")
                if isinstance(src, str):
                    return src
    return None
