"""Fake Vidoza: the MP4 sits in `<video id="player"><source src>` and in the player's `sourcesCode`."""

from __future__ import annotations

from collections.abc import Callable

from anibridge_fakes.hosters.common import MediaCdn, code_page
from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import MediaSet


def build_app(media: Callable[[], MediaSet]) -> App:
    app = App("vidoza")
    cdn = MediaCdn(app, media)

    @code_page(app, r"/embed-(?P<code>\w+)\.html")
    def embed(request: Request, code: str) -> Response:
        if app.faults.layout_changed:
            return Response.html('<html><body><div class="player" data-file-id="x"></div></body></html>')
        url = cdn.url(request.base_url, "mp4")
        return Response.html(
            "<!DOCTYPE html><html><head><title>Watch video</title></head><body>"
            f'<video id="player" class="video-js"><source src="{url}" type="video/mp4"></video>'
            "<script>var player = videojs('player');\n"
            f'window.pData = {{ sourcesCode: [{{ src: "{url}", type: "video/mp4", label:"SD", res:"720" }}] }};'
            "</script></body></html>"
        )

    return app
