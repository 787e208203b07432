"""Fake Vidmoly and Luluvdo: JW Player configs with `file:"…"`.

Vidmoly: `/embed-<code>.html` (plus `/v/<code>` view pages without a player, which clients must rewrite);
its playlists and segments need the Vidmoly Referer. Luluvdo: `/e/<code>` only frames
`/dl?op=embed&file_code=…`, which needs the mobile Firefox UA; media needs that UA and the Luluvdo Referer.
"""

from __future__ import annotations

from collections.abc import Callable

from anibridge_fakes.hosters.common import (
    MOBILE_FIREFOX,
    MediaCdn,
    challenge_page,
    code_page,
    gone_page,
    is_gone,
    kind_of,
    require_referer,
)
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet


def _jw(url: str, image: str) -> str:
    return (f'<script type="text/javascript">var player = jwplayer("vplayer");\nplayer.setup({{\n'
            f'  sources: [{{file:"{url}"}}],\n  image:"{image}",\n  tracks: [],\n  width: "100%"\n}});</script>')


def build_vidmoly(media: Callable[[], MediaSet]) -> App:
    app = App("vidmoly")
    cdn = MediaCdn(app, media, check=require_referer(lambda r: r.base_url))

    @code_page(app, r"/embed-(?P<code>\w+)\.html")
    def embed(request: Request, code: str) -> Response:
        if app.faults.layout_changed:
            return Response.html('<html><body><div id="vplayer"></div><script>loadConfig("/cfg");</script></body></html>')
        if code.startswith("hop"):  # some embeds first bounce through a JS location.replace
            return Response.html(f"<html><script>window.location.replace('/embed-{code[3:]}.html');</script></html>")
        url = cdn.url(request.base_url, kind_of(code))
        return Response.html(f"<html><head><title>Vidmoly</title></head><body><div id=\"vplayer\"></div>"
                             f"{_jw(url, request.base_url + '/img/' + code + '.jpg')}</body></html>")

    @code_page(app, r"/v/(?P<code>\w+)")
    def view(request: Request, code: str) -> Response:
        return Response.html(f'<html><body><h1>{code}</h1><a href="/embed-{code}.html">Watch</a></body></html>')

    return app


def build_luluvdo(media: Callable[[], MediaSet]) -> App:
    app = App("luluvdo")

    def media_check(request: Request) -> str | None:
        if request.header("user-agent") != MOBILE_FIREFOX:
            return "mobile user agent required"
        return require_referer(lambda r: r.base_url)(request)

    cdn = MediaCdn(app, media, check=media_check)

    @code_page(app, r"/e/(?P<code>\w+)")
    def embed(request: Request, code: str) -> Response:
        src = f"/dl?op=embed&file_code={code}&embed=1&referer=luluvdo.com&adb=0"
        return Response.html(f'<html><body><iframe src="{src}" allowfullscreen></iframe></body></html>')

    @app.route(r"/dl")
    def dl(request: Request) -> Response:
        code = request.query.get("file_code", "")
        if app.faults.challenge:
            return challenge_page()
        if not code or is_gone(code):
            return gone_page()
        if request.query.get("op") != "embed" or request.header("user-agent") != MOBILE_FIREFOX:
            return Response.html("<html><body>Video is not available for your device</body></html>")
        if app.faults.layout_changed:
            return Response.html('<html><body><div id="player" data-cfg="enc"></div></body></html>')
        url = cdn.url(request.base_url, kind_of(code))
        return Response.html(f"<html><body><div id=\"vplayer\"></div>{_jw(url, request.base_url + '/i/' + code + '.jpg')}</body></html>")

    return app
