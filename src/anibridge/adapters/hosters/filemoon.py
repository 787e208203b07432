"""Filemoon/Byse: `/api/videos/<code>` with an AES-256-GCM encrypted playback payload; legacy pages carry a
Dean-Edwards packed JW player config instead.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from anibridge.adapters.hosters.aes import AuthenticationError, gcm_decrypt
from anibridge.adapters.hosters.base import DESKTOP_UA, HosterAdapter, looks_hls, origin
from anibridge.adapters.hosters.decoders import unpack_js
from anibridge.ports.errors import NotFound
from anibridge.ports.streams import DirectStream

_CODE = re.compile(r"/(?:e|d)/([A-Za-z0-9_]+)")
_IFRAME = re.compile(r"""<iframe[^>]+src=["']([^"']+)["']""", re.I)
_URL_PATTERNS = (
    re.compile(r'sources\s*:\s*\[\s*\{\s*file\s*:\s*"([^"]+)"'),
    re.compile(r'"(https?://[^"]+\.m3u8[^"]*)"'),
    re.compile(r'file\s*:\s*"(https?://[^"]+)"'),
)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decrypt_playback(playback: dict[str, Any]) -> dict[str, Any]:
    """Key = concatenated key_parts, nonce = iv, payload = ciphertext || 16-byte tag; `iv2/payload2` as fallback."""
    key = b"".join(_b64url(part) for part in playback["key_parts"])
    last: Exception | None = None
    for iv_name, payload_name in (("iv", "payload"), ("iv2", "payload2")):
        if not playback.get(iv_name) or not playback.get(payload_name):
            continue
        blob = _b64url(playback[payload_name])
        try:
            plain = gcm_decrypt(key, _b64url(playback[iv_name]), blob[:-16], blob[-16:])
        except (AuthenticationError, ValueError) as ex:
            last = ex
            continue
        data = json.loads(plain)
        if isinstance(data, dict):
            return data
    raise ValueError(f"playback payload did not decrypt: {last}")


def best_source(data: dict[str, Any]) -> str | None:
    sources = data.get("sources")
    if isinstance(sources, list) and sources:
        ranked = [s for s in sources if isinstance(s, dict) and isinstance(s.get("url") or s.get("file"), str)]
        if ranked:
            best = max(ranked, key=lambda s: int(s.get("height") or 0))
            return str(best.get("url") or best.get("file"))
    for key in ("source", "file"):
        if isinstance(data.get(key), str):
            return str(data[key])
    return None


class FilemoonResolver(HosterAdapter):
    name = "Filemoon"
    hints = ("filemoon", "byse")

    async def _resolve(self, embed_url: str) -> DirectStream:
        m = _CODE.search(urlsplit(embed_url).path)
        if not m:
            raise self.fail("no file code in embed URL", embed_url)
        base = origin(embed_url)
        headers = {"Referer": base + "/", "User-Agent": DESKTOP_UA}
        api_cause = "API answered no playback"
        try:
            api = await self.fetch("GET", f"{base}/api/videos/{m.group(1)}", headers={**headers, "Accept": "application/json"},
                                   what="video API")
            data = api.json()
            playback = data.get("playback") if isinstance(data, dict) else None
            if isinstance(playback, dict):
                url = best_source(decrypt_playback(playback))
                if url:
                    return DirectStream(url, self.name, headers, looks_hls(url))
        except NotFound as ex:
            api_cause = str(ex)
        except ValueError as ex:
            api_cause = f"API payload unreadable: {ex}"
        url = await self._from_page(embed_url, headers)
        if url is None:
            raise self.fail(f"{api_cause}; no packed player config in page either (layout changed?)", embed_url)
        return DirectStream(url, self.name, headers, looks_hls(url))

    async def _from_page(self, embed_url: str, headers: dict[str, str]) -> str | None:
        page = await self.fetch("GET", embed_url, headers=headers, what="embed page")
        html = page.text
        if "eval(function(p,a,c,k,e,d)" not in html:
            frame = _IFRAME.search(html)
            if frame:
                html = (await self.fetch("GET", urljoin(str(page.url), frame.group(1)), headers=headers,
                                         what="player frame")).text
        for script in unpack_js(html):
            for pattern in _URL_PATTERNS:
                found = pattern.search(script)
                if found:
                    return found.group(1)
        return None
