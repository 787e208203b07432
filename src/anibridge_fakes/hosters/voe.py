"""Fake VOE: an embed page that only JS-redirects to a rotating mirror host, whose page holds the player
config as `<script type="application/json">["<encoded>"]</script>`.

The encoder is the exact inverse of the six decode steps: JSON → base64 → reverse → shift +3 → base64 →
junk tokens sprinkled in → ROT13, wrapped in a one-string JSON array.
"""

from __future__ import annotations

import base64
import codecs
import json
import random
from collections.abc import Callable, Mapping

from anibridge_fakes.hosters.common import MediaCdn, code_page, kind_of
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet

JUNK = ("@$", "^^", "~@", "%?", "*~", "!!", "#&")


def encode_config(config: Mapping[str, object], seed: int = 7) -> str:
    """The encoded string VOE puts into its JSON script (without the surrounding `["…"]`)."""
    step1 = base64.b64encode(json.dumps(config).encode()).decode()
    step2 = "".join(chr(ord(c) + 3) for c in step1[::-1])
    step3 = base64.b64encode(step2.encode("latin-1")).decode()
    rng = random.Random(seed)
    out: list[str] = []
    for i, ch in enumerate(step3):
        out.append(ch)
        if i % 7 == 3:
            out.append(rng.choice(JUNK))
    return codecs.encode("".join(out), "rot13")


def build_apps(media: Callable[[], MediaSet], mirror_base: Callable[[], str]) -> tuple[App, App]:
    """(embed app on the `voe.sx`-like host, mirror app on the rotating domain that serves config + media)."""
    embed = App("voe")
    mirror = App("voe-mirror")
    embed.protection.site_host = "voe.sx"  # Cloudflare-fronted: switch with `embed.protection.front = "cloudflare"`
    cdn = MediaCdn(mirror, media, owner=embed)

    @code_page(embed, r"/e/(?P<code>\w+)")
    def embed_page(request: Request, code: str) -> Response:
        target = f"{mirror_base()}/e/{code}"
        return Response.html(
            "<!DOCTYPE html><html><head><title>Redirecting...</title>"
            '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
            f"<script>window.location.href = '{target}';</script></head>"
            "<body>Please wait, you are being redirected.</body></html>"
        )

    @code_page(mirror, r"/e/(?P<code>\w+)")
    def mirror_page(request: Request, code: str) -> Response:
        kind = kind_of(code)
        if code.startswith("maint"):
            return Response.html("<html><head><title>Maintenance Mode</title></head><body>We are back soon.</body></html>")
        if mirror.faults.layout_changed:
            return Response.html(f'<html><body><div id="vp" data-v="{code}"></div><script src="/js/p2.js"></script></body></html>')
        source = cdn.url(request.base_url, kind)
        config = {"title": f"{code}.mp4", "source": source, "default_captions_language": "de", "captions": []}
        return Response.html(
            "<!DOCTYPE html><html><head><title>VOE | Content Delivery Network (CDN) &amp; Video Cloud</title>"
            '</head><body><div id="voe-player"></div>'
            f'<script type="application/json">["{encode_config(config)}"]</script>'
            '<script src="/js/loader.js"></script></body></html>'
        )

    return embed, mirror
