"""SITE_PROXIES: catalogue traffic through an HTTP or SOCKS5 proxy per host, the rest direct — in httpx and yt-dlp.

The proxies are tiny loopback servers that answer every request themselves and record what was asked of them,
so a test sees which requests went through which proxy (and with which target) without any real network.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.hls import HlsDownloader, HlsOptions, NotOwnHls
from anibridge.adapters.resolving import parse_pairs, proxy_for
from anibridge.adapters.ytdlp import YtDlpDownloader
from anibridge.ports.streams import DirectStream
from anibridge.settings import load_settings
from anibridge.wiring.catalog import build_http_client

pytestmark = pytest.mark.anyio

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nvia proxy"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.seen: list[str] = []


class _HttpProxy(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline().decode("latin-1").strip()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.server.seen.append(line)  # type: ignore[attr-defined]
        self.wfile.write(ANSWER)


class _Socks5(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        head = self.rfile.read(2)
        self.rfile.read(head[1])  # offered methods
        self.wfile.write(b"\x05\x00")  # no authentication
        _ver, _cmd, _rsv, atyp = self.rfile.read(4)
        if atyp == 3:
            target = self.rfile.read(self.rfile.read(1)[0]).decode()
        elif atyp == 1:
            target = socket.inet_ntoa(self.rfile.read(4))
        else:
            return
        port = int.from_bytes(self.rfile.read(2), "big")
        self.server.seen.append(f"{target}:{port}")  # type: ignore[attr-defined]
        self.wfile.write(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + port.to_bytes(2, "big"))
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.wfile.write(ANSWER)


@pytest.fixture
def proxies() -> Iterator[tuple[_Server, _Server]]:
    servers = (_Server(_HttpProxy), _Server(_Socks5))
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True) for s in servers]
    for t in threads:
        t.start()
    yield servers
    for s in servers:
        s.shutdown()
        s.server_close()


def test_proxy_for_matches_host_parent_domain_then_star() -> None:
    table = parse_pairs(["serienstream.to=socks5://127.0.0.1:1080", "voe.sx=http://p:3128", "bad-item", "*=http://all:1"])
    assert proxy_for("https://serienstream.to/r?t=1", table) == "socks5://127.0.0.1:1080"
    assert proxy_for("https://cdn.voe.sx/v.mp4", table) == "http://p:3128"
    assert proxy_for("https://example.org/", table) == "http://all:1"
    assert proxy_for("https://example.org/", parse_pairs(["serienstream.to=http://p:1"])) is None


async def test_catalogue_host_goes_through_its_proxy_others_do_not(proxies: tuple[_Server, _Server],
                                                                   tmp_path: Path) -> None:
    http_proxy, socks = proxies
    settings = load_settings({
        "DATA_DIR": str(tmp_path),
        "SITE_PROXIES": (f"serienstream.to=socks5://127.0.0.1:{socks.server_address[1]},"
                         f"aniworld.to=http://127.0.0.1:{http_proxy.server_address[1]}"),
    })
    async with build_http_client(settings) as client:
        via_socks = await client.get("http://serienstream.to/serien")
        via_http = await client.get("http://www.aniworld.to/animes")
    assert via_socks.text == via_http.text == "via proxy"
    assert socks.seen == ["serienstream.to:80"]  # the name reaches the proxy: a DNS block at home does not matter
    assert http_proxy.seen == ["GET http://www.aniworld.to/animes HTTP/1.1"]


async def test_ytdlp_takes_the_hosters_proxy(proxies: tuple[_Server, _Server], tmp_path: Path) -> None:
    http_proxy, _socks = proxies
    downloader = YtDlpDownloader(socket_timeout=5, proxies={"voe.invalid": f"http://127.0.0.1:{http_proxy.server_address[1]}"})
    path = await downloader.download(DirectStream("http://cdn.voe.invalid/clip.mp4", "VOE"), tmp_path, "x",
                                     lambda p: None, lambda: False)
    assert http_proxy.seen and http_proxy.seen[0].startswith("GET http://cdn.voe.invalid/clip.mp4")
    assert path.read_bytes() == b"via proxy"


async def test_the_own_hls_path_takes_the_hosters_proxy(proxies: tuple[_Server, _Server], tmp_path: Path) -> None:
    http_proxy, _socks = proxies
    budget = ConnectionBudget(2)
    options = HlsOptions(socket_timeout=5, proxies=(("voe.invalid", f"http://127.0.0.1:{http_proxy.server_address[1]}"),))
    with pytest.raises(NotOwnHls):  # the proxy answers "via proxy", which is no playlist: yt-dlp's turn
        HlsDownloader(budget, options).download(DirectStream("http://cdn.voe.invalid/index.m3u8", "VOE", is_hls=True),
                                                tmp_path, "x", lambda p: None, lambda: False)
    assert http_proxy.seen == ["GET http://cdn.voe.invalid/index.m3u8 HTTP/1.1"]
