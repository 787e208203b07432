"""Fake Filemoon/Byse: `/api/videos/<code>` answers the AES-256-GCM encrypted playback JSON;
legacy uploads (codes starting with `legacy`) have no API entry and a Dean-Edwards packed JW player config.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable

from anibridge.adapters.hosters.aes import gcm_encrypt
from anibridge_fakes.hosters.common import MediaCdn, code_page, is_gone, kind_of, require_referer
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def encrypt_playback(plaintext: dict[str, object], code: str) -> dict[str, object]:
    """Byse's `playback` object: key split into two parts, 12-byte IV, payload = ciphertext || tag."""
    key = hashlib.sha256(f"key|{code}".encode()).digest()
    iv = hashlib.sha256(f"iv|{code}".encode()).digest()[:12]
    cipher, tag = gcm_encrypt(key, iv, json.dumps(plaintext).encode())
    return {"key_parts": [_b64url(key[:16]), _b64url(key[16:])], "iv": _b64url(iv),
            "payload": _b64url(cipher + tag), "algorithm": "AES-256-GCM"}


def _base(n: int, radix: int) -> str:
    out = ""
    while True:
        out = _DIGITS[n % radix] + out
        n //= radix
        if n == 0:
            return out


def pack(source: str, radix: int = 36) -> str:
    """Dean Edwards' packer (word dictionary variant): every word becomes its base-`radix` index."""
    words: list[str] = []
    index: dict[str, int] = {}
    for w in re.findall(r"\b\w+\b", source):
        if w not in index:
            index[w] = len(words)
            words.append(w)
    body = re.sub(r"\b\w+\b", lambda m: _base(index[m.group(0)], radix), source)
    body = body.replace("\\", "\\\\").replace("'", "\\'")
    return (
        "eval(function(p,a,c,k,e,d){e=function(c){return c.toString(36)};if(!''.replace(/^/,String)){while(c--)"
        "{d[c.toString(a)]=k[c]||c.toString(a)}k=[function(e){return d[e]}];e=function(){return'\\\\w+'};c=1};"
        "while(c--){if(k[c]){p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}return p}"
        f"('{body}',{radix},{len(words)},'{'|'.join(words)}'.split('|'),0,{{}}))"
    )


def build_app(media: Callable[[], MediaSet]) -> App:
    app = App("filemoon")
    cdn = MediaCdn(app, media, check=require_referer(lambda r: r.base_url))

    def sources(request: Request, code: str) -> list[dict[str, object]]:
        kind = kind_of(code)
        if kind == "mp4":
            return [{"url": cdn.url(request.base_url, kind, f"{h}p.mp4"), "height": h} for h in (720, 1080)]
        return [{"url": cdn.url(request.base_url, kind, f"{h}p.m3u8"), "height": h} for h in (720, 1080)]

    @app.route(r"/api/videos/(?P<code>\w+)")
    def api(request: Request) -> Response:
        code = request.params["code"]
        if app.faults.challenge:
            return Response.json('{"error": "captcha required", "captcha": true}', status=403)
        if is_gone(code) or code.startswith("legacy"):
            return Response.json('{"error": "not found"}', status=404)
        if app.faults.layout_changed:
            return Response.json(json.dumps({"video": {"code": code, "stream": "v2"}}))
        playback = encrypt_playback({"sources": sources(request, code)}, code)
        return Response.json(json.dumps({"id": code, "title": f"{code}.mp4", "playback": playback}))

    @code_page(app, r"/(?:e|d)/(?P<code>\w+)")
    def embed(request: Request, code: str) -> Response:
        if not code.startswith("legacy") or app.faults.layout_changed:
            return Response.html(f'<html><head><title>Byse</title></head><body><div id="app" data-code="{code}"></div>'
                                 '<script src="/assets/app.js"></script></body></html>')
        best = sources(request, code)[-1]["url"]
        player = (f'jwplayer("vplayer").setup({{sources:[{{file:"{best}"}}],image:"{request.base_url}/t/{code}.jpg",'
                  'width:"100%",height:"100%",stretching:"uniform",duration:"2"});')
        return Response.html(f"<html><head><title>Watch {code}</title></head><body><div id=\"vplayer\"></div>"
                             f"<script type='text/javascript'>{pack(player)}</script></body></html>")

    return app
