"""The ASGI disconnect guard on a real uvicorn: a streaming body stops soon after the client goes away.

Without the guard, Falcon keeps iterating `resp.stream` after a disconnect because uvicorn's send() returns
silently (falcon#2015); the STRM proxy would then pull whole upstream files for every aborted player.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import falcon
import falcon.asgi
import pytest
import uvicorn

from anibridge.delivery.disconnect import DisconnectGuard

pytestmark = pytest.mark.anyio


class Endless:
    """Streams 4 KiB chunks forever and records when (and whether) its generator was closed."""

    def __init__(self) -> None:
        self.chunks_sent = 0
        self.closed_at: float | None = None
        self.closed = asyncio.Event()

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = "application/octet-stream"
        resp.stream = self._body()

    async def _body(self) -> AsyncIterator[bytes]:
        try:
            while True:
                self.chunks_sent += 1
                yield b"x" * 4096
                await asyncio.sleep(0.01)
        finally:
            self.closed_at = time.monotonic()
            self.closed.set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_stream_generator_closes_within_a_second_of_client_disconnect() -> None:
    resource = Endless()
    app = falcon.asgi.App()
    app.add_route("/stream", resource)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(DisconnectGuard(app), host="127.0.0.1", port=port, lifespan="off",  # type: ignore[arg-type]
                                           log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        await writer.drain()
        received = 0
        while received < 64 * 1024:
            received += len(await reader.read(65536))
        writer.close()  # the player seeks / stops: TCP connection gone
        gone_at = time.monotonic()
        await asyncio.wait_for(resource.closed.wait(), timeout=3.0)
        assert resource.closed_at is not None and resource.closed_at - gone_at < 1.0
        sent_at_close = resource.chunks_sent
        await asyncio.sleep(0.3)
        assert resource.chunks_sent == sent_at_close, "the generator kept producing after it was closed"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)
