"""STRM proxy test rig: the real proxy app on uvicorn (so ffmpeg can play through it) in front of a fake CDN.

The CDN is the hosters' signed `MediaCdn` over the cached ffmpeg media (MP4, HLS, AES-128 HLS, fMP4 HLS); the
stream finder is a small fake that hands out fresh CDN URLs per slug and counts how often it was asked.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import falcon.asgi
import pytest
import uvicorn

from anibridge.adapters.aes_cbc import NativeSegmentCipher
from anibridge.adapters.clock import SystemClock
from anibridge.adapters.memory import InMemoryStrmMappingRepo
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.adapters.strm.upstream import HttpxUpstream
from anibridge.delivery.disconnect import DisconnectGuard
from anibridge.delivery.strm import add_strm_routes
from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.strm.proxy import (
    ProxyOptions,
    StrmProxy,
)
from anibridge.domain.strm.urls import AuthMode
from anibridge.ports.errors import HosterUnavailable
from anibridge.ports.streams import DirectStream
from anibridge_fakes.hosters.common import MediaCdn, serve_file
from anibridge_fakes.http import App, FakeServer, Request, Response
from anibridge_fakes.media import MediaSet, ensure_media

REFERER = "https://voe.example/e/abc"
BIG_CHUNK = 1024 * 1024
BIG_CHUNKS = 2000  # 2 GB: far more than any socket buffer, so a proxy that keeps reading is obvious


@dataclass
class FakeFinder:
    """Slug names the media kind: `show-mp4`, `show-hls`, `show-hls-aes`, `show-hls-fmp4`."""

    cdn: MediaCdn
    base_url: str
    calls: list[tuple[EpisodeRef, str | None, frozenset[str]]] = field(default_factory=list)
    fail: bool = False

    async def find(self, ref: EpisodeRef, preferred: str | None = None,
                   exclude: frozenset[str] = frozenset()) -> DirectStream:
        self.calls.append((ref, preferred, exclude))
        if self.fail:
            raise HosterUnavailable("all hosters down")
        kind = ref.slug.split("-", 1)[1]
        if kind.startswith("nobw-"):  # a master without BANDWIDTH, served by the rig's own route
            return DirectStream(url=f"{self.base_url}/nobw/{kind[5:]}/master.m3u8", provider="VOE",
                                headers={"Referer": REFERER}, is_hls=True)
        if kind == "nolength-mp4":  # an MP4 whose 200 carries no Content-Length (ranged answers do)
            return DirectStream(url=f"{self.base_url}/nolength/720p.mp4", provider="VOE",
                                headers={"Referer": REFERER}, is_hls=False)
        name = "720p.mp4" if kind == "mp4" else None
        if kind.endswith("-media"):  # a media playlist without a master
            kind, name = kind[:-6], "720p.m3u8"
        url = self.cdn.url(self.base_url, kind, name)
        return DirectStream(url=url, provider="VOE", headers={"Referer": REFERER}, is_hls=kind != "mp4")


class OneStream:
    """A finder that always finds the same stream (tests with a CDN of their own)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def find(self, ref: EpisodeRef, preferred: str | None = None,
                   exclude: frozenset[str] = frozenset()) -> DirectStream:
        return DirectStream(url=self.url, provider="VOE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServedApp:
    """An ASGI app on a real uvicorn in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Rig:
    cdn_server: FakeServer
    cdn: MediaCdn
    finder: FakeFinder
    mappings: InMemoryStrmMappingRepo
    proxy: StrmProxy
    served: ServedApp
    media: MediaSet
    requests: list[Request]
    big_sent: list[int]

    @property
    def base_url(self) -> str:
        return self.served.base_url


def build_app(proxy: StrmProxy) -> Any:
    app: falcon.asgi.App[Any, Any] = falcon.asgi.App()
    clock = SystemClock()
    add_strm_routes(app, proxy, lambda: clock.now().timestamp())
    return DisconnectGuard(app)


def make_proxy(finder: Any, mappings: InMemoryStrmMappingRepo, base_url: str, auth: str = "token",
               secret: str = "s3cret", allow: tuple[str, ...] = ("127.0.0.1",), child_ttl: int = 86400,
               layout_seconds: float = 8.0) -> StrmProxy:
    upstream = HttpxUpstream(SsrfGuard(allow))
    return StrmProxy(finder, mappings, upstream, SystemClock(),
                     ProxyOptions(base_url, AuthMode(auth), secret, child_ttl=child_ttl,
                                  hls_layout_seconds=layout_seconds), cipher=NativeSegmentCipher())


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    media = ensure_media()
    app = App("cdn")
    seen: list[Request] = []

    def check(request: Request) -> str | None:
        seen.append(request)
        return None if request.header("referer") == REFERER else "referer required"

    cdn = MediaCdn(app, lambda: media, check=check)

    @app.route(r"/redirect-private")
    def _redirect_private(request: Request) -> Response:
        return Response.redirect("http://10.1.2.3/video.mp4")

    @app.route(r"/redirect-loopback")
    def _redirect_loopback(request: Request) -> Response:
        return Response.redirect("http://[::1]:9/video.mp4")

    @app.route(r"/nobw/(?P<kind>[\w-]+)/master.m3u8")
    def _master_without_bandwidth(request: Request) -> Response:
        # The kind's own master with BANDWIDTH removed and absolute (signed) variant URLs.
        kind = request.params["kind"]
        path = media.file(kind, "master.m3u8")
        if path is None:
            return Response.not_found()
        lines = []
        for line in path.read_text().splitlines():
            if line.startswith("#EXT-X-STREAM-INF:"):
                attrs = [a for a in line.split(":", 1)[1].split(",") if not a.startswith("BANDWIDTH=")]
                line = "#EXT-X-STREAM-INF:" + ",".join(attrs)
            elif line and not line.startswith("#"):
                line = cdn.url(server_url[0], kind, line)
            lines.append(line)
        return Response(200, ("\n".join(lines) + "\n").encode(), content_type="application/vnd.apple.mpegurl")

    @app.route(r"/nolength/(?P<name>[\w.]+)")
    def _without_length(request: Request) -> Response:
        path = media.file("mp4", request.params["name"])
        if path is None:
            return Response.not_found()
        answer = serve_file(request, path)
        if answer.status != 200 or not isinstance(answer.body, bytes):
            return answer
        whole = answer.body
        return Response(200, iter([whole]), headers={"Accept-Ranges": "bytes"}, content_type=answer.content_type)

    server_url = [""]
    big_sent = [0]

    @app.route(r"/big.mp4")
    def _big(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            chunk = b"\0" * BIG_CHUNK
            for _ in range(BIG_CHUNKS):
                big_sent[0] += 1
                yield chunk

        return Response(200, body(), headers={"Content-Length": str(BIG_CHUNK * BIG_CHUNKS)}, content_type="video/mp4")

    server = FakeServer(app).start()
    server_url[0] = server.base_url
    finder = FakeFinder(cdn, server.base_url)
    mappings = InMemoryStrmMappingRepo()
    port = free_port()
    # Only the CDN's port is allowlisted: the proxy's own port and other loopback services stay refused.
    proxy = make_proxy(finder, mappings, f"http://127.0.0.1:{port}", allow=(f"127.0.0.1:{server.port}",))
    served = ServedApp(build_app(proxy), port).start()
    yield Rig(server, cdn, finder, mappings, proxy, served, media, seen, big_sent)
    served.stop()
    server.stop()


@pytest.fixture
def playlist_mode(rig: Rig) -> Iterator[Rig]:
    """The rig with STRM_HLS_AS_FILE=playlist: HLS answered as rewritten playlists, as before the file mode."""
    before = rig.proxy.options
    rig.proxy.options = replace(before, hls_as_file=False)
    try:
        yield rig
    finally:
        rig.proxy.options = before
