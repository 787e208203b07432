"""GXPlayer (Megakino): `"uid"`, `"md5"`, `"id"` from the embed page build the `master.txt` HLS URL.

The embed is only served with a Referer from the Megakino site; the playlist lives on the embed's own host.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, urlencode

import httpx

from anibridge.adapters.hosters.base import DESKTOP_UA, HosterAdapter, origin
from anibridge.ports.streams import DirectStream


def _field(name: str, text: str) -> str | None:
    m = re.search(rf'"{name}"\s*:\s*"([^"]+)"', text)
    return m.group(1) if m else None


class GxplayerResolver(HosterAdapter):
    name = "GXPlayer"
    hints = ("gxplayer",)

    def __init__(self, client: httpx.AsyncClient, timeout: float = 15.0, extra_hosts: Sequence[str] = (),
                 site_referer: str = "https://megakino1.to/") -> None:
        super().__init__(client, timeout, extra_hosts)
        self._site_referer = site_referer

    async def _resolve(self, embed_url: str) -> DirectStream:
        page = await self.fetch("GET", embed_url, headers={"Referer": self._site_referer}, what="embed page")
        uid, md5, vid = (_field(n, page.text) for n in ("uid", "md5", "id"))
        if not (uid and md5 and vid):
            raise self.fail("uid/md5/id not in embed page (layout changed?)", embed_url)
        query = urlencode({"s": "1", "id": vid, "cache": "1"})
        url = f"{origin(str(page.url))}/m3u8/{quote(uid, safe='')}/{quote(md5, safe='')}/master.txt?{query}"
        return DirectStream(url, self.name, {"User-Agent": DESKTOP_UA, "Referer": origin(embed_url) + "/"}, True)
