"""The SSRF guard covers downloads: hoster pages, media URLs, playlists and redirect hops.

Regression: the guard covered only the STRM proxy; a hoster's media URL that redirected to loopback was fetched
by yt-dlp and the answer (a local "metadata" service's secret) saved as a completed download.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.ssrf import SsrfGuard
from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.ports.errors import DownloadFailed
from anibridge.ports.streams import DirectStream
from anibridge.settings import load_settings
from anibridge.wiring.guard import trusted_hosts

pytestmark = pytest.mark.anyio

SECRET = b"SECRET-METADATA-TOKEN-" * 200


class Server:
    """A loopback HTTP server answering from a path → (status, headers, body) table, counting hits."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner.hits.append(self.path)
                status, headers, body = routes.get(self.path.split("?")[0], (404, {}, b""))
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def secret() -> Iterator[Server]:
    server = Server({"/secret.mp4": (200, {"Content-Type": "video/mp4"}, SECRET)})
    yield server
    server.close()


@pytest.fixture
def hoster(secret: Server) -> Iterator[Server]:
    server = Server({"/media.mp4": (302, {"Location": secret.url("/secret.mp4")}, b""),
                     "/page": (302, {"Location": secret.url("/secret.mp4")}, b"")})
    yield server
    server.close()


def _no_secret_saved(root: Path) -> None:
    for path in root.rglob("*"):
        assert not (path.is_file() and SECRET[:22] in path.read_bytes()), path


async def test_media_url_redirecting_to_a_private_address_is_not_saved(
    tmp_path: Path, hoster: Server, secret: Server
) -> None:
    guard = SsrfGuard([f"127.0.0.1:{hoster.port}"])  # the hoster is trusted, where it redirects to is not
    downloader = YtDlpDownloader(socket_timeout=5, guard=guard)
    with pytest.raises(DownloadFailed, match="refused"):
        await downloader.download(DirectStream(hoster.url("/media.mp4"), "Vidoza"), tmp_path, "X.S01E01",
                                  lambda _p: None, lambda: False)
    _no_secret_saved(tmp_path)


async def test_hls_segment_and_key_on_a_private_address_are_never_requested(tmp_path: Path, secret: Server) -> None:
    """A trusted hoster's playlist may name any URL; the own HLS path checks each segment and key URL too."""
    for target in (f"#EXTINF:2,\n{secret.url('/secret.mp4')}\n",
                   f'#EXT-X-KEY:METHOD=AES-128,URI="{secret.url("/secret.mp4")}"\n#EXTINF:2,\nseg.ts\n'):
        playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n{target}#EXT-X-ENDLIST\n".encode()
        hoster = Server({"/index.m3u8": (200, {"Content-Type": "application/vnd.apple.mpegurl"}, playlist),
                         "/seg.ts": (200, {"Content-Type": "video/mp2t"}, b"G" * 4096)})
        try:
            downloader = YtDlpDownloader(socket_timeout=5, guard=SsrfGuard([f"127.0.0.1:{hoster.port}"]))
            with pytest.raises(DownloadFailed, match="refused"):
                await downloader.download(DirectStream(hoster.url("/index.m3u8"), "VOE", is_hls=True), tmp_path,
                                          "X.S01E01", lambda _p: None, lambda: False)
        finally:
            hoster.close()
    assert secret.hits == []
    _no_secret_saved(tmp_path)


async def test_media_url_on_a_private_address_is_never_requested(tmp_path: Path, secret: Server) -> None:
    downloader = YtDlpDownloader(socket_timeout=5, guard=SsrfGuard())
    with pytest.raises(DownloadFailed, match="refused"):
        await downloader.download(DirectStream(secret.url("/secret.mp4"), "Vidoza"), tmp_path, "X.S01E01",
                                  lambda _p: None, lambda: False)
    assert secret.hits == []
    _no_secret_saved(tmp_path)


async def test_page_fetch_redirect_hops_are_checked_before_they_are_sent(hoster: Server, secret: Server) -> None:
    guard = SsrfGuard([f"127.0.0.1:{hoster.port}"])
    async with httpx.AsyncClient(event_hooks={"request": [guard.httpx_hook]}, follow_redirects=True) as client:
        with pytest.raises(httpx.ConnectError, match="SSRF guard"):
            await client.get(hoster.url("/page"))
    assert hoster.hits == ["/page"] and secret.hits == []


def test_one_allowlist_covers_the_proxy_and_downloads_plus_configured_hosts() -> None:
    settings = load_settings({"STRM_PROXY_UPSTREAM_ALLOWLIST": "cdn.lan", "ANIWORLD_BASE_URL": "http://127.0.0.1:8081",
                              "HOSTER_HOSTS": "VOE=127.0.0.1:8090"})
    hosts = trusted_hosts(settings)
    assert {"cdn.lan", "127.0.0.1:8081", "127.0.0.1:8090", "serienstream.to", "skyhook.sonarr.tv"} <= set(hosts)
    assert {"serienstream.cx", "aniworld.cc"} <= set(hosts)  # the failover mirrors of the same sites
    assert "127.0.0.1" not in hosts
