"""The qBittorrent API of a test world on a real uvicorn on loopback, for the PyPI client (it speaks HTTP only)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tests.unit.qbittorrent.world import World, make_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_api(world: World) -> Iterator[str]:
    """The API's base URL while the block runs; the server is stopped after it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(make_app(world.ctx), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
