"""Fake GXPlayer (Megakino): the embed page (Referer required) carries `"uid"`, `"md5"`, `"id"`, from which the
client builds `/m3u8/<uid>/<md5>/master.txt?s=1&id=<id>&cache=1` — an HLS master served as .txt.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from anibridge_fakes.hosters.common import MediaCdn, code_page, issued_now, kind_of, sign
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet


def build_app(media: Callable[[], MediaSet]) -> App:
    app = App("gxplayer")
    cdn = MediaCdn(app, media)

    @code_page(app, r"/watch/(?P<code>\w+)")
    def embed(request: Request, code: str) -> Response:
        if not request.header("referer"):
            return Response.html("<html><body>Access denied: embed only</body></html>", status=403)
        kind = kind_of(code)
        kind = "hls" if kind == "mp4" else kind
        issued = issued_now()
        if app.faults.layout_changed:
            return Response.html(f'<html><body><div data-player="{code}"></div></body></html>')
        cfg = {"uid": f"{kind}.{issued}", "md5": sign(kind, issued), "id": code, "status": "ok"}
        return Response.html("<html><head><title>GXPlayer</title></head><body><div id=\"player\"></div>"
                             f"<script>var video = {json.dumps(cfg, indent=1)};</script></body></html>")

    @app.route(r"/m3u8/(?P<kind>[\w-]+)\.(?P<issued>\d+)/(?P<sig>\w+)/(?P<name>[\w.]+)")
    def playlist(request: Request) -> Response:
        p = request.params
        if p["sig"] != sign(p["kind"], p["issued"]):
            return Response(403, b"bad signature", content_type="text/plain")
        return cdn.serve_media(request, p["kind"], p["issued"], p["name"])

    return app
