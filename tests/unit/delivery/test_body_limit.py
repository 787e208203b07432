"""Request bodies are bounded before anything reads them (regression: a 300 MiB body to /downloader/download
took the server to 1 GB RSS, and the 32 MiB cap of torrents/add still let memory peak at 734 MB, because the
disconnect guard drained the socket into an unbounded queue ahead of the app)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from anibridge.delivery.body_limit import DEFAULT_BODY_LIMIT, QBITTORRENT_BODY_LIMIT
from anibridge.settings import load_settings
from anibridge.wiring.app import build_app
from anibridge.wiring.container import create_container

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024


class Client:
    """A client that sends an endless chunked body and counts how much the server pulled."""

    def __init__(self, path: str, content_length: int | None = None, total: int | None = None) -> None:
        headers = [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")]
        if content_length is not None:
            headers.append((b"content-length", str(content_length).encode()))
        self.scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 5555), "server": ("127.0.0.1", 8000),
        }
        self.pulled = 0
        self.total = total
        self.sent: list[dict[str, Any]] = []
        self.done = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if self.total is not None and self.pulled >= self.total or self.done.is_set():
            await self.done.wait()
            return {"type": "http.disconnect"}
        self.pulled += CHUNK
        await asyncio.sleep(0)
        return {"type": "http.request", "body": b"[" * CHUNK, "more_body": True}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self.done.set()

    @property
    def status(self) -> int:
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return build_app(create_container(load_settings({"DATA_DIR": str(tmp_path / "data")})))


@pytest.mark.parametrize("path", ["/downloader/download", "/api/v2/torrents/add", "/jobs/x", "/nowhere"])
async def test_announced_oversize_body_is_refused_unread(app: Any, path: str) -> None:
    client = Client(path, content_length=300 * 2**20)
    await asyncio.wait_for(app(client.scope, client.receive, client.send), 10)
    assert client.status == 413 and client.pulled <= CHUNK  # the guard's pump may prefetch one chunk at most
    if path.startswith("/api/v2/"):
        assert client.body.startswith(b"Request body too large")
    else:
        assert b'"title": "Payload Too Large"' in client.body


@pytest.mark.parametrize(("path", "limit"), [("/downloader/download", DEFAULT_BODY_LIMIT),
                                             ("/api/v2/torrents/add", QBITTORRENT_BODY_LIMIT)])
async def test_chunked_body_reading_stops_at_the_limit(app: Any, path: str, limit: int) -> None:
    client = Client(path)  # endless: only the limit ends it
    await asyncio.wait_for(app(client.scope, client.receive, client.send), 30)
    assert client.status == 413
    assert limit < client.pulled <= limit + 3 * CHUNK


async def test_small_bodies_still_reach_the_app(app: Any) -> None:
    client = Client("/downloader/download", content_length=3 * CHUNK, total=3 * CHUNK)
    await asyncio.wait_for(app(client.scope, client.receive, client.send), 10)
    assert client.status == 422  # the JSON is malformed ("[[[..."), but it was read and judged by the app
