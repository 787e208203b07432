"""Fake Doodstream: page JS with `$.get('/pass_md5/<a>/<b>')` and a `token=` in `makePlay`.

pass_md5 insists on a Referer from the embed host and answers a base URL; the client appends 10 random
characters and `?token=&expiry=`. The media answers only with the same User-Agent that fetched pass_md5 and
the embed host as Referer.
"""

from __future__ import annotations

from collections.abc import Callable

from anibridge_fakes.hosters.common import MediaCdn, code_page, issued_now, sign
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet


def build_app(media: Callable[[], MediaSet]) -> App:
    app = App("doodstream")
    cdn = MediaCdn(app, media)
    agents: dict[str, str] = {}  # token -> User-Agent that asked pass_md5

    @code_page(app, r"/e/(?P<code>\w+)")
    def embed(request: Request, code: str) -> Response:
        token = sign("tok", code)
        script = (f"$.get('/pass_md5/{sign('a', code)[:8]}-{code}/{token}', function(data) {{ dsplayer.src(makePlay(data)); }});\n"
                  if not app.faults.layout_changed else "loadPlayer('/api/source/" + code + "');\n")
        return Response.html(
            "<!DOCTYPE html><html><head><title>" + code + " - DoodStream</title></head><body>"
            '<video id="video_player" class="video-js"></video><script>\n' + script +
            "function makePlay(a){for(var t='',n='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',"
            "o=n.length,i=0;10>i;i++)t+=n.charAt(Math.floor(Math.random()*o));"
            f"return a+t+'?token={token}&expiry='+Date.now();}}\n</script></body></html>"
        )

    @app.route(r"/pass_md5/(?P<a>[\w]+)-(?P<code>\w+)/(?P<token>\w+)")
    def pass_md5(request: Request) -> Response:
        code, token = request.params["code"], request.params["token"]
        if token != sign("tok", code) or request.params["a"] != sign("a", code)[:8]:
            return Response(403, b"RELOAD", content_type="text/plain")
        if not request.header("referer").startswith(request.base_url):
            return Response(403, b"RELOAD", content_type="text/plain")
        agents[token] = request.header("user-agent")
        issued = issued_now()
        return Response(200, f"{request.base_url}/cloud/{sign('mp4', issued)}/{issued}/{code}~".encode(),
                        content_type="text/plain")

    @app.route(r"/cloud/(?P<sig>\w+)/(?P<issued>\d+)/(?P<code>\w+)~(?P<rand>[A-Za-z0-9]{10})")
    def media_file(request: Request) -> Response:
        p = request.params
        token = request.query.get("token", "")
        if p["sig"] != sign("mp4", p["issued"]) or token != sign("tok", p["code"]) or not request.query.get("expiry"):
            return Response(403, b"bad token", content_type="text/plain")
        if agents.get(token) != request.header("user-agent"):
            return Response(403, b"user agent mismatch", content_type="text/plain")
        if not request.header("referer").startswith(request.base_url):
            return Response(403, b"referer required", content_type="text/plain")
        return cdn.serve_media(request, "mp4", p["issued"], "1080p.mp4")

    return app
