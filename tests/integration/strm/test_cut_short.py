"""A HLS-as-file body whose segment changed size mid-stream: aborted with one WARNING, no server traceback.

The headers promised a length; a segment that is no longer the size the layout says cannot fill it, so the
connection is dropped (never padded, never a short body that looks whole), the layout is forgotten, and the next
request learns it again. Through real uvicorn: the traceback this used to print came from the server itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anibridge.delivery.logs import AbortedResponsesQuiet, log_config
from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.strm.urls import stream_url
from anibridge_fakes.hosters.common import serve_file
from anibridge_fakes.http import App, FakeServer, Request, Response

from .conftest import InMemoryStrmMappingRepo, OneStream, ServedApp, build_app, free_port, make_proxy

REF = EpisodeRef(Site.ANIWORLD, "cut-short", 1, 1, Language.GERMAN_DUB)
PLAYLIST = b"#EXTM3U\n#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\nb.ts\n#EXT-X-ENDLIST\n"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    (tmp_path / "a.ts").write_bytes(b"a" * 188 * 40)
    (tmp_path / "b.ts").write_bytes(b"b" * 188 * 40)
    app = App("cdn")

    @app.route(r"/hls/index.m3u8")
    def _playlist(request: Request) -> Response:
        return Response(200, PLAYLIST, content_type="application/vnd.apple.mpegurl")

    @app.route(r"/hls/(?P<name>[ab]\.ts)")
    def _segment(request: Request) -> Response:
        return serve_file(request, tmp_path / request.params["name"])

    cdn = FakeServer(app).start()
    port = free_port()
    proxy = make_proxy(OneStream(f"{cdn.base_url}/hls/index.m3u8"), InMemoryStrmMappingRepo(),
                       f"http://127.0.0.1:{port}", allow=(f"127.0.0.1:{cdn.port}",))
    app_server = ServedApp(build_app(proxy), port).start()
    o = proxy.options
    try:
        yield stream_url(o.public_base_url, REF, "VOE", o.auth_mode, o.secret), tmp_path
    finally:
        app_server.stop()
        cdn.stop()


def test_the_production_log_config_quiets_aborted_responses() -> None:
    assert log_config("info")["loggers"]["uvicorn.error"]["filters"] == ["aborted_responses_quiet"]


def test_a_segment_that_shrank_aborts_the_body_with_one_warning(served: tuple[str, Path]) -> None:
    url, folder = served
    server_log, own_log = logging.getLogger("uvicorn.error"), logging.getLogger("anibridge.delivery.strm.resources")
    quiet, seen = AbortedResponsesQuiet(), Records()
    server_log.addFilter(quiet)  # as log_config puts it there in production
    for logger in (server_log, own_log):
        logger.addHandler(seen)
    try:
        assert len(httpx.get(url, timeout=10).content) == 2 * 188 * 40  # the layout is learnt
        (folder / "b.ts").write_bytes(b"B" * 188 * 30)
        with httpx.stream("GET", url, timeout=10) as resp:
            assert resp.headers["content-length"] == str(2 * 188 * 40)
            got = b""
            with pytest.raises(httpx.RemoteProtocolError):  # the connection dropped: never padded
                for chunk in resp.iter_raw():
                    got += chunk
        assert got == b"a" * 188 * 40
        assert httpx.get(url, timeout=10).content == b"a" * 188 * 40 + b"B" * 188 * 30  # learnt again
    finally:
        server_log.removeFilter(quiet)
        for logger in (server_log, own_log):
            logger.removeHandler(seen)
    assert [r for r in seen.records if r.levelno >= logging.ERROR] == []
    warnings = [r.getMessage() for r in seen.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "cut-short" in warnings[0] and f"7520 of {2 * 188 * 40} bytes" in warnings[0]
    assert "5640 bytes now, 7520 when the layout was learnt" in warnings[0] and "learnt again" in warnings[0]
