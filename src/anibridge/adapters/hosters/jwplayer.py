"""Vidmoly and Luluvdo: JW Player pages whose config holds `file:"…"`."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin, urlsplit

from anibridge.adapters.hosters.base import DESKTOP_UA, MOBILE_FIREFOX_UA, HosterAdapter, looks_hls, origin
from anibridge.ports.streams import DirectStream

_FILE = re.compile(r"""file\s*:\s*["'](https?://[^"']+)["']""")
_LOCATION_REPLACE = re.compile(r"""window\.location\.replace\(\s*['"]([^'"]+)['"]""")
_VIEW = re.compile(r"^/v/([A-Za-z0-9_]+)")


class VidmolyResolver(HosterAdapter):
    name = "Vidmoly"
    hints = ("vidmoly",)

    async def _resolve(self, embed_url: str) -> DirectStream:
        view = _VIEW.match(urlsplit(embed_url).path)
        if view:  # view URLs show no player; the embed page of the same id does
            embed_url = f"{origin(embed_url)}/embed-{view.group(1)}.html"
        headers = {"Referer": origin(embed_url) + "/", "User-Agent": DESKTOP_UA}
        page = await self.fetch("GET", embed_url, headers=headers, what="embed page")
        m = _FILE.search(page.text)
        if not m:
            hop = _LOCATION_REPLACE.search(page.text)
            if hop:
                page = await self.fetch("GET", urljoin(str(page.url), hop.group(1)), headers=headers, what="redirected page")
                m = _FILE.search(page.text)
        if not m:
            raise self.fail("no JW player file in page (layout changed?)", embed_url)
        url = m.group(1)
        return DirectStream(url, self.name, {"Referer": origin(str(page.url)) + "/", "User-Agent": DESKTOP_UA}, looks_hls(url))


class LuluvdoResolver(HosterAdapter):
    name = "Luluvdo"
    hints = ("luluvdo",)

    async def _resolve(self, embed_url: str) -> DirectStream:
        code = urlsplit(embed_url).path.rstrip("/").rsplit("/", 1)[-1]
        if not code:
            raise self.fail("no file code in embed URL", embed_url)
        base = origin(embed_url)
        host = urlsplit(embed_url).hostname or ""
        query = urlencode({"op": "embed", "file_code": code, "embed": "1", "referer": host, "adb": "0"})
        headers = {"User-Agent": MOBILE_FIREFOX_UA, "Origin": base, "Referer": base + "/"}
        page = await self.fetch("GET", f"{base}/dl?{query}", headers=headers, what="player page")
        m = _FILE.search(page.text)
        if not m:
            raise self.fail("no JW player file in /dl page (layout changed?)", embed_url)
        return DirectStream(m.group(1), self.name, headers, looks_hls(m.group(1)))
