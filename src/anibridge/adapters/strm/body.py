"""Lean read path for a Content-Length HTTP/1.1 media body: socket reads forwarded as they arrive.

Why: profiling one 500 MB stream showed the proxy spending most of its CPU in h11's receive buffer, which
copies every 256 KiB read four times (bytearray append, two slices, `bytes()` in httpcore) before the proxy
sees it. Here httpx/httpcore still do everything up to the headers — request, redirects (each hop checked by
the SSRF guard), pooling, timeouts — and the body is then read straight from httpcore's network stream with
one copy (the `recv`). h11's Content-Length reader is told how much was consumed, so when the body is complete
h11 reaches DONE and httpcore returns the connection to the pool exactly as after a normal read; when the
player goes away mid-body h11 is not DONE and httpcore closes the connection (prompt release).

It relies on private httpx/httpcore/h11 attributes (httpx 0.28, httpcore 1.0, h11 0.14-0.16). Anything
unexpected — another transport, HTTP/2, chunked or compressed framing, a changed layout — makes
`direct_body` return None and the caller keeps the normal `aiter_raw` path.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

READ_BYTES = 256 * 1024  # per-read bound for most bodies (asyncio's own recv size)
WIDE_READ_BYTES = 1024 * 1024  # for the first few concurrent bodies: a quarter of the per-chunk overhead
WIDE_SLOTS = 4  # 1 MiB reads for every stream pushed 50-stream RSS growth to ~94 MB; 4 wide ones cost ≤ ~8 MB


class _WideReads:
    """Hands out the few wide-read slots, process-wide (threads may each run an event loop, hence the lock)."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self._free <= 0:
                return False
            self._free -= 1
            return True

    def release(self) -> None:
        with self._lock:
            self._free += 1


_wide = _WideReads(WIDE_SLOTS)


def _socket_transport(network: Any) -> Any | None:
    """The asyncio transport under httpcore's anyio stream (plain TCP only), whose `max_size` bounds each recv."""
    transport = getattr(getattr(network, "_stream", None), "_transport", None)
    return transport if isinstance(getattr(transport, "max_size", None), int) else None


def _connection(response: httpx.Response) -> Any | None:
    """The httpcore HTTP/1.1 connection behind a streamed httpx response, or None."""
    try:
        from httpcore._async.http11 import AsyncHTTP11Connection, HTTP11ConnectionByteStream
    except ImportError:  # pragma: no cover - a future httpcore layout
        return None
    stream: Any = getattr(response, "stream", None)
    # httpx BoundAsyncStream → httpx AsyncResponseStream → httpcore PoolByteStream → HTTP11ConnectionByteStream
    for attr in ("_stream", "_httpcore_stream", "_stream"):
        stream = getattr(stream, attr, None)
    if not isinstance(stream, HTTP11ConnectionByteStream):
        return None
    conn = getattr(stream, "_connection", None)
    return conn if isinstance(conn, AsyncHTTP11Connection) else None


def direct_body(response: httpx.Response) -> AsyncIterator[bytes] | None:
    """An iterator over the raw body, or None when the fast path does not apply (use `aiter_raw`)."""
    if response.is_stream_consumed or response.is_closed or response.request.method == "HEAD":
        return None
    if "transfer-encoding" in response.headers or "content-length" not in response.headers:
        return None
    conn = _connection(response)
    if conn is None:
        return None
    state = getattr(conn, "_h11_state", None)
    reader = getattr(state, "_reader", None)
    network = getattr(conn, "_network_stream", None)
    if not isinstance(state, h11.Connection) or network is None or not isinstance(
        getattr(reader, "_remaining", None), int
    ) or type(reader).__name__ != "ContentLengthReader":
        return None
    timeout = response.request.extensions.get("timeout", {}).get("read")
    return _read(response, state, reader, network, timeout)


async def _read(response: httpx.Response, state: h11.Connection, reader: Any, network: Any,
                timeout: float | None) -> AsyncIterator[bytes]:
    # Hand the stream to httpx as consumed so nobody iterates it a second time through h11.
    response.is_stream_consumed = True
    transport = _socket_transport(network)
    read_bytes = READ_BYTES
    wide = False
    if transport is not None and reader._remaining > WIDE_READ_BYTES and _wide.acquire():
        wide = True
        # Only this connection's transport: an instance attribute over asyncio's class default, removed below
        # so the pooled connection goes back to normal reads.
        transport.max_size = read_bytes = WIDE_READ_BYTES
    try:
        # Body bytes that arrived together with the headers sit in h11's buffer: take them through h11 itself
        # until it needs more data (or the body is already complete).
        while True:
            event = state.next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif event is h11.NEED_DATA:
                break
            else:  # EndOfMessage: the whole body was buffered
                return
        while reader._remaining > 0:
            data: bytes = await network.read(min(read_bytes, reader._remaining), timeout=timeout)
            if not data:
                raise httpx.RemoteProtocolError(
                    f"upstream closed the body early ({reader._length - reader._remaining} of {reader._length} bytes)"
                )
            reader._remaining -= len(data)
            yield data
        # Let h11 see the end of the message: its state becomes DONE, so the owner's aclose() puts the
        # connection back into the pool instead of closing it.
        state.next_event()
    except h11.RemoteProtocolError as ex:
        raise httpx.RemoteProtocolError(str(ex)) from ex
    finally:
        if wide and transport is not None:
            _wide.release()
            vars(transport).pop("max_size", None)
