"""LoadX: HEAD the embed (following redirects) to learn the hash, then POST `getVideo` as XHR."""

from __future__ import annotations

from urllib.parse import urlsplit

from anibridge.adapters.hosters.base import DESKTOP_UA, HosterAdapter, looks_hls, origin
from anibridge.ports.streams import DirectStream


class LoadxResolver(HosterAdapter):
    name = "LoadX"
    hints = ("loadx",)

    async def _resolve(self, embed_url: str) -> DirectStream:
        head = await self.fetch("HEAD", embed_url, what="embed redirect")
        final = str(head.url)
        segments = urlsplit(final).path.split("/")
        if len(segments) < 3 or not segments[2]:
            raise self.fail(f"embed did not lead to /<x>/<hash>/… (got {final})", embed_url)
        base = origin(final)
        answer = await self.fetch(
            "POST", f"{base}/player/index.php", params={"data": segments[2], "do": "getVideo"},
            headers={"X-Requested-With": "XMLHttpRequest", "Accept": "*/*", "Referer": final}, what="getVideo",
        )
        try:
            data = answer.json()
        except ValueError:
            raise self.fail("getVideo answered no JSON", embed_url) from None
        url = data.get("videoSource") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url.startswith("http"):
            raise self.fail("getVideo JSON has no videoSource (layout changed?)", embed_url)
        return DirectStream(url, self.name, {"User-Agent": DESKTOP_UA, "Referer": base + "/"}, looks_hls(url))
