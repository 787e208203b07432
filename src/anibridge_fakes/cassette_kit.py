"""What both cassette recorders (sites and hosters) share: the vcrpy set-up and loopback routing of fixed hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpcore


class LoopbackPool(httpcore.AsyncConnectionPool):
    """Sends requests for the fixed hosts to the fakes' ports; the Host header keeps the fixed name."""

    def __init__(self, ports: dict[str, int]) -> None:
        super().__init__()
        self._ports = ports

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        port = self._ports.get(request.url.host.decode())
        if port is not None:
            request.url = httpcore.URL(scheme=b"http", host=b"127.0.0.1", port=port, target=request.url.target)
        return await super().handle_async_request(request)


def vcr_config(directory: Path, record_mode: str) -> Any:
    import vcr

    return vcr.VCR(
        cassette_library_dir=str(directory),
        record_mode=record_mode,
        match_on=["method", "scheme", "host", "port", "path", "query"],
        filter_headers=["authorization"],
        decode_compressed_response=True,
    )
