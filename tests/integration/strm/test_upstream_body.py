"""The lean upstream body path (adapters/upstream_body.py) keeps httpx's guarantees: exact bytes, pooled
keep-alive after a complete body, a closed connection after an abandoned one, errors on a short body, and the
normal path for framings it does not handle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from anibridge.adapters.ssrf import SsrfGuard
from anibridge.adapters.strm.body import direct_body
from anibridge.adapters.strm.upstream import HttpxUpstream
from anibridge.ports.upstream import UpstreamError

BODY = bytes(range(256)) * 8192  # 2 MiB, larger than one read


class Origin:
    """Keep-alive HTTP/1.1 origin on loopback; counts connections and notices when a client hangs up."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                path = head.split(" ", 2)[1]
                if path == "/chunked":
                    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + b"%x\r\n" % len(BODY) + BODY + b"\r\n0\r\n\r\n")
                elif path == "/tiny":  # the whole body in the segment that carries the headers
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY[:100])
                elif path == "/stall":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY[:1000])
                    await writer.drain()
                    await asyncio.sleep(5)
                    return
                elif path == "/short":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(BODY) + 10) + BODY)
                    await writer.drain()
                    return
                else:  # headers and the first body bytes in one segment, the rest in 64 KiB writes
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY[:1000])
                    for i in range(1000, len(BODY), 65536):
                        writer.write(BODY[i:i + 65536])
                        await writer.drain()
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed.set()
        finally:
            writer.close()

    async def __aenter__(self) -> Origin:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


async def _collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([c async for c in chunks])


@pytest.fixture
async def origin() -> AsyncIterator[Origin]:
    async with Origin() as o:
        yield o


@pytest.mark.anyio
async def test_full_body_is_exact_and_connection_is_reused(origin: Origin) -> None:
    up = HttpxUpstream(SsrfGuard(["127.0.0.1"]))
    try:
        for _ in range(3):
            r = await up.open("GET", f"http://127.0.0.1:{origin.port}/v.mp4", {})
            assert direct_body(r._r) is not None  # the lean path applies to this response
            assert await _collect(r.iter_raw(None)) == BODY
            await r.aclose()
        assert origin.connections == 1  # h11 saw the end of each body, so the pool kept the connection
    finally:
        await up.aclose()


@pytest.mark.anyio
async def test_abandoned_body_closes_the_connection(origin: Origin) -> None:
    up = HttpxUpstream(SsrfGuard(["127.0.0.1"]))
    try:
        r = await up.open("GET", f"http://127.0.0.1:{origin.port}/v.mp4", {})
        chunks = r.iter_raw(None)
        assert len(await chunks.__anext__()) > 0
        await chunks.aclose()  # type: ignore[attr-defined]
        await r.aclose()
        await asyncio.wait_for(origin.closed.wait(), 1.0)
        r = await up.open("GET", f"http://127.0.0.1:{origin.port}/v.mp4", {})
        assert await _collect(r.iter_raw(None)) == BODY
        await r.aclose()
        assert origin.connections == 2
    finally:
        await up.aclose()


@pytest.mark.anyio
async def test_short_body_is_an_upstream_error(origin: Origin) -> None:
    up = HttpxUpstream(SsrfGuard(["127.0.0.1"]))
    try:
        r = await up.open("GET", f"http://127.0.0.1:{origin.port}/short", {})
        with pytest.raises(UpstreamError, match="closed the body early"):
            await _collect(r.iter_raw(None))
        await r.aclose()
    finally:
        await up.aclose()


@pytest.mark.anyio
async def test_chunked_body_takes_the_normal_path(origin: Origin) -> None:
    up = HttpxUpstream(SsrfGuard(["127.0.0.1"]))
    try:
        r = await up.open("GET", f"http://127.0.0.1:{origin.port}/chunked", {})
        assert direct_body(r._r) is None
        assert await _collect(r.iter_raw(None)) == BODY
        await r.aclose()
    finally:
        await up.aclose()


@pytest.mark.anyio
async def test_body_buffered_with_the_headers_and_reuse(origin: Origin) -> None:
    up = HttpxUpstream(SsrfGuard(["127.0.0.1"]))
    try:
        for _ in range(2):
            r = await up.open("GET", f"http://127.0.0.1:{origin.port}/tiny", {})
            assert await _collect(r.iter_raw(None)) == BODY[:100]
            await r.aclose()
        assert origin.connections == 1
    finally:
        await up.aclose()


@pytest.mark.anyio
async def test_stalled_body_times_out_as_upstream_error(origin: Origin) -> None:
    up = HttpxUpstream(SsrfGuard(["127.0.0.1"]), read_timeout=0.3)
    try:
        r = await up.open("GET", f"http://127.0.0.1:{origin.port}/stall", {})
        with pytest.raises(UpstreamError, match="ReadTimeout"):
            await _collect(r.iter_raw(None))
        await r.aclose()
    finally:
        await up.aclose()


@pytest.mark.anyio
async def test_wide_reads_are_bounded_and_given_back(origin: Origin) -> None:
    from anibridge.adapters.strm import body as upstream_body

    slots = upstream_body.WIDE_SLOTS
    assert upstream_body._wide._free == slots
    up = HttpxUpstream(SsrfGuard(["127.0.0.1"]))
    try:
        opened = [await up.open("GET", f"http://127.0.0.1:{origin.port}/v.mp4", {}) for _ in range(slots + 2)]
        bodies = [r.iter_raw(None) for r in opened]
        for body in bodies:
            await body.__anext__()  # type: ignore[attr-defined]
        assert upstream_body._wide._free == 0  # only WIDE_SLOTS of the six got wide reads
        for body, r in zip(bodies, opened):
            await body.aclose()  # type: ignore[attr-defined]
            await r.aclose()
        assert upstream_body._wide._free == slots
        r = await up.open("GET", f"http://127.0.0.1:{origin.port}/v.mp4", {})
        assert await _collect(r.iter_raw(None)) == BODY
        await r.aclose()
        assert upstream_body._wide._free == slots
    finally:
        await up.aclose()


@pytest.mark.anyio
async def test_a_url_httpx_refuses_is_an_upstream_error() -> None:
    """urlsplit lets a NUL in the host pass (and the allowlist skips resolving it); httpx refuses to build it."""
    up = HttpxUpstream(SsrfGuard(["exa\x00mple"]))
    try:
        with pytest.raises(UpstreamError, match="InvalidURL"):
            await up.open("GET", "http://exa\x00mple/seg.ts", {})
    finally:
        await up.aclose()
