"""Vidoza: the MP4 URL is in the player's `sourcesCode` and in `<video><source src>`."""

from __future__ import annotations

import re

from anibridge.adapters.hosters.base import DESKTOP_UA, HosterAdapter, looks_hls
from anibridge.ports.streams import DirectStream

_SOURCES_CODE = re.compile(r'sourcesCode\s*:\s*\[\s*\{\s*src\s*:\s*"([^"]+)"')


class VidozaResolver(HosterAdapter):
    name = "Vidoza"
    hints = ("vidoza",)

    async def _resolve(self, embed_url: str) -> DirectStream:
        page = await self.fetch("GET", embed_url, what="embed page")
        m = _SOURCES_CODE.search(page.text)
        url = m.group(1) if m else None
        if url is None and page.text.strip():
            from lxml import html as lxml_html  # only this fallback parses HTML: lxml stays unloaded until then

            srcs = lxml_html.fromstring(page.text).xpath("//video//source/@src")
            url = str(srcs[0]) if isinstance(srcs, list) and srcs else None
        if not url or not url.startswith("http"):
            raise self.fail("no sourcesCode/<source> in page (layout changed?)", embed_url)
        return DirectStream(url, self.name, {"User-Agent": DESKTOP_UA}, looks_hls(url))
