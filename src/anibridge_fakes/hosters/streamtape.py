"""Fake Streamtape: `robotlink` innerHTML built from quoted parts with `.substring(n)` chains, decoy hidden
divs, and `/get_video?id&expires&ip&token` answering a 302 to the CDN MP4.
"""

from __future__ import annotations

from collections.abc import Callable

from anibridge_fakes.hosters.common import MediaCdn, code_page, issued_now, sign
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet


def build_app(media: Callable[[], MediaSet]) -> App:
    app = App("streamtape")
    cdn = MediaCdn(app, media, prefix="tapecontent")

    @code_page(app, r"/e/(?P<code>\w+)")
    def embed(request: Request, code: str) -> Response:
        expires = issued_now()
        token = sign("st", code, expires)
        host = request.base_url.split("://", 1)[1]
        if app.faults.layout_changed:
            script = f"player.load('{code}');"
        else:
            script = (f"document.getElementById('robotlink').innerHTML = '//{host}/get_video?id={code}&expires={expires}"
                      f"&ip=F0xYRTkRKxSH&token={token[:6]}' + ('xcd{token[6:]}').substring(1).substring(2);")
        return Response.html(
            "<!DOCTYPE html><html><head><title>Streamtape</title></head><body>"
            f'<div id="ideoolink" style="display:none;">/{host}/get_video?id={code}&expires=0&ip=x&token=decoy</div>'
            f'<div id="robotlink" style="display:none;">/{host}/get_video?id={code}&expires=0&ip=x&token=decoy2</div>'
            f"<script>{script}</script></body></html>"
        )

    @app.route(r"/get_video")
    def get_video(request: Request) -> Response:
        code, expires = request.query.get("id", ""), request.query.get("expires", "0")
        if not expires.isdigit() or request.query.get("token") != sign("st", code, expires):
            return Response(403, b"invalid token", content_type="text/plain")
        if cdn.expired(expires):
            return Response(403, b"link expired", content_type="text/plain")
        return Response.redirect(cdn.url(request.base_url, "mp4"))

    return app
