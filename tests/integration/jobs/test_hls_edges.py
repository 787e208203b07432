"""The own HLS downloader at its edges, over an httpx transport of the test's own (real ffmpeg, no server):
a key URL that sends far more than a key, and a cancel while a worker is still waiting for its connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.downloads.budget import ConnectionBudget
from anibridge.adapters.downloads.hls import MAX_KEY_BYTES, HlsDownloader, HlsOptions
from anibridge.ports.errors import DownloadCancelled, MediaRejected
from anibridge.ports.streams import DirectStream

BASE = "https://cdn.example/v/"
PLAIN = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg0.ts\n#EXT-X-ENDLIST\n"
ENCRYPTED = PLAIN.replace("#EXTINF", '#EXT-X-KEY:METHOD=AES-128,URI="key.bin"\n#EXTINF', 1)


class CountedBody(httpx.SyncByteStream):
    """`total` bytes in 1 KiB chunks; counts what was read and whether the response was closed."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read = 0
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        while self.read < self.total:
            self.read += 1024
            yield b"k" * 1024

    def close(self) -> None:
        self.closed.set()


class Text(httpx.SyncByteStream):
    """A body read off the wire (the downloader reads raw chunks: an httpx.Response(text=...) is already read)."""

    def __init__(self, text: str) -> None:
        self.data = text.encode()

    def __iter__(self) -> Iterator[bytes]:
        yield self.data


def _download(handler: httpx.MockTransport, tmp_path: Path, cancelled: threading.Event | None = None) -> None:
    downloader = HlsDownloader(ConnectionBudget(1), HlsOptions(connections=1, socket_timeout=5, retry_delay=0.01),
                               transport=handler)
    is_cancelled = cancelled.is_set if cancelled is not None else (lambda: False)
    downloader.download(DirectStream(BASE + "index.m3u8", "VOE", is_hls=True), tmp_path, "e", lambda p: None,
                        is_cancelled)


def test_a_key_url_sending_megabytes_is_refused_after_a_few_kilobytes(tmp_path: Path) -> None:
    body = CountedBody(64 * 1024 * 1024)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("index.m3u8"):
            return httpx.Response(200, stream=Text(ENCRYPTED))
        if request.url.path.endswith("key.bin"):
            return httpx.Response(200, stream=body)
        return httpx.Response(404)

    with pytest.raises(MediaRejected, match="key is not a key"):
        _download(httpx.MockTransport(answer), tmp_path)
    assert body.read <= MAX_KEY_BYTES + 1024 and body.closed.is_set()


def test_a_worker_still_connecting_at_cancel_leaves_no_tmp_file(tmp_path: Path) -> None:
    connecting, connected = threading.Event(), threading.Event()
    body = CountedBody(188 * 100)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("index.m3u8"):
            return httpx.Response(200, stream=Text(PLAIN))
        connecting.set()  # the segment request: its connection takes until the test lets it through
        connected.wait(30)
        return httpx.Response(200, stream=body)

    cancelled = threading.Event()
    threading.Thread(target=lambda: connecting.wait(30) and cancelled.set(), daemon=True).start()
    with pytest.raises(DownloadCancelled):
        _download(httpx.MockTransport(answer), tmp_path, cancelled)
    assert list(tmp_path.glob("*.tmp")) == []
    connected.set()  # the connection completes after the download was cancelled and cleaned up
    assert body.closed.wait(30)  # the worker is done with the segment's response
    assert list(tmp_path.glob("*.tmp")) == []
