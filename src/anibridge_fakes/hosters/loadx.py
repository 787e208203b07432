"""Fake LoadX: the embed redirects to `/video/<hash>/<name>`; `POST /player/index.php?data=<hash>&do=getVideo`
with `X-Requested-With: XMLHttpRequest` answers JSON whose `videoSource` is the stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from anibridge_fakes.hosters.common import MediaCdn, code_page, kind_of, sign
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet


def build_app(media: Callable[[], MediaSet]) -> App:
    app = App("loadx")
    cdn = MediaCdn(app, media)
    hashes: dict[str, str] = {}

    @code_page(app, r"/e/(?P<code>\w+)")
    def embed(request: Request, code: str) -> Response:
        digest = sign("lx", code)
        hashes[digest] = code
        return Response.redirect(f"/video/{digest}/{code}.mp4")

    @app.route(r"/video/(?P<hash>\w+)/(?P<name>[\w.]+)")
    def video_page(request: Request) -> Response:
        return Response.html('<html><body><div id="player"></div><script src="/player/player.js"></script></body></html>')

    @app.route(r"/player/index\.php", methods="POST")
    def get_video(request: Request) -> Response:
        if request.query.get("do") != "getVideo" or request.header("x-requested-with") != "XMLHttpRequest":
            return Response(403, b"forbidden", content_type="text/plain")
        code = hashes.get(request.query.get("data", ""))
        if code is None:
            return Response.json('{"error": "video not found"}', status=404)
        if app.faults.layout_changed:
            return Response.json(json.dumps({"hls": True, "data": "v2"}))
        kind = kind_of(code)
        return Response.json(json.dumps({"hls": kind != "mp4", "videoSource": cdn.url(request.base_url, kind),
                                         "securedLink": "", "ck": sign("ck", code)[:8]}))

    return app
