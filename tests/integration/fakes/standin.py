"""A tiny stand-in hoster farm so the site fakes are tested without the real hosters (no ffmpeg, instant)."""

from __future__ import annotations

from anibridge_fakes.http import App, FakeServer, Request, Response


class StandInFarm:
    """One loopback server answering `/<provider>/e/<video id>` with a page naming what was asked for."""

    def __init__(self) -> None:
        app = App("standin-hosters")

        @app.route(r"/(?P<provider>[a-z]+)/e/(?P<video>\w+)")
        def embed(request: Request) -> Response:
            return Response.html(f"<p>{request.params['provider']} {request.params['video']} {request.query.get('kind')}</p>")

        self.server = FakeServer(app)
        self.servers: dict[str, FakeServer] = {"standin": self.server}

    def start(self) -> StandInFarm:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def embed_url(self, provider: str, video_id: str, kind: str = "mp4") -> str:
        return f"{self.server.base_url}/{provider.lower()}/e/{video_id}?kind={kind}"
