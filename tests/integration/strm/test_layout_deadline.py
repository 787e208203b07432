"""A long HLS playlist on a slow CDN: the first request gets the playlist within STRM_HLS_LAYOUT_SECONDS, the
layout is learnt once in the background, and a later request gets the file.

Through real uvicorn and a loopback CDN whose size requests take a while each (8 at a time, as the proxy asks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.strm.probe_master import SAMPLE_SEGMENTS
from anibridge.domain.strm.urls import stream_url
from anibridge_fakes.http import App, FakeServer, Request, Response

from .conftest import InMemoryStrmMappingRepo, OneStream, ServedApp, build_app, free_port, make_proxy

REF = EpisodeRef(Site.ANIWORLD, "slow-cdn", 1, 1, Language.GERMAN_DUB)
SEGMENTS = 24
SEGMENT = bytes(range(188)) * 10
SIZE_DELAY = 0.25  # per size request: 24 of them 8 at a time take 0.75 s or more, past the 0.3 s deadline
DEADLINE = 0.3


@pytest.fixture
def slow() -> Iterator[tuple[str, list[str]]]:
    app = App("cdn")
    size_requests: list[str] = []
    lock = threading.Lock()
    text = "#EXTM3U\n" + "".join(f"#EXTINF:4.0,\ns{i}.ts\n" for i in range(SEGMENTS)) + "#EXT-X-ENDLIST\n"

    @app.route(r"/hls/index.m3u8")
    def _playlist(request: Request) -> Response:
        return Response(200, text.encode(), content_type="application/vnd.apple.mpegurl")

    @app.route(r"/hls/(?P<name>s\d+\.ts)")
    def _segment(request: Request) -> Response:
        if request.header("range") == "bytes=0-0":
            with lock:
                size_requests.append(request.params["name"])
            time.sleep(SIZE_DELAY)
            return Response(206, SEGMENT[:1], headers={"Content-Range": f"bytes 0-0/{len(SEGMENT)}"},
                            content_type="video/mp2t")
        return Response(200, SEGMENT, content_type="video/mp2t")

    cdn = FakeServer(app).start()
    port = free_port()
    proxy = make_proxy(OneStream(f"{cdn.base_url}/hls/index.m3u8"), InMemoryStrmMappingRepo(),
                       f"http://127.0.0.1:{port}", allow=(f"127.0.0.1:{cdn.port}",), layout_seconds=DEADLINE)
    served = ServedApp(build_app(proxy), port).start()
    o = proxy.options
    try:
        yield stream_url(o.public_base_url, REF, "VOE", o.auth_mode, o.secret), size_requests
    finally:
        served.stop()
        cdn.stop()


def test_the_first_request_gets_the_playlist_and_a_later_one_the_file(slow: tuple[str, list[str]]) -> None:
    url, size_requests = slow
    first = httpx.get(url, timeout=30)
    assert first.status_code == 200 and first.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert first.text.startswith("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=")  # the playlist answer, bitrate filled in
    for _ in range(100):  # each try waits up to the deadline; the learning needs a few of them
        later = httpx.get(url, timeout=30)
        if later.headers["content-type"] == "video/mp2t":
            break
    assert later.headers["content-type"] == "video/mp2t"
    assert later.content == SEGMENT * SEGMENTS
    # Learnt once for all requests: a size request per segment, plus the few the playlist answer measured once.
    assert set(size_requests) == {f"s{i}.ts" for i in range(SEGMENTS)}
    assert len(size_requests) == SEGMENTS + SAMPLE_SEGMENTS
