"""Falcon resources of the STRM proxy. Thin: authenticate, parse, call `StrmProxy`, write bytes.

Streams are handed to Falcon as an object whose `close()` awaits the upstream's `aclose()`: Falcon calls
`close()` when the response ends or the disconnect guard aborts it, so an aborted or seeking player releases
the hoster connection at once instead of downloading the rest of the file (falcon#2015).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl

import falcon
import falcon.asgi

from anibridge.delivery.asgi import ResponseAborted
from anibridge.delivery.strm.playback_log import PlaybackLog
from anibridge.domain.streams.hls_playlist import decimal
from anibridge.domain.strm.hls_file import StaleLayout
from anibridge.domain.strm.proxy import (
    ProxyReply,
    StrmProxy,
    StrmProxyError,
)
from anibridge.domain.strm.urls import (
    SignatureError,
    authenticate,
    child_headers,
    stream_identity,
)
from anibridge.ports.upstream import UpstreamError, UpstreamResponse

log = logging.getLogger(__name__)

CHUNK = None  # forward upstream reads as they arrive (≤ 256 KiB, see strm_upstream): no re-chunking copy


class UpstreamBody:
    """Async iterator over upstream wire bytes; `close()` releases the upstream connection (idempotent).

    An upstream that breaks mid-body (a hoster dropping the connection, a segment no longer the size the HLS file
    layout says) aborts the response with one WARNING line: the headers promised a length, and a body that ends
    short without the connection dropping, or padded to it, would hand the player wrong bytes.
    """

    def __init__(self, upstream: UpstreamResponse, what: str, promised: int | None,
                 chunk_size: int | None = CHUNK) -> None:
        self._upstream = upstream
        self._chunks: AsyncIterator[bytes] = upstream.iter_raw(chunk_size)
        self._closed = False
        self._what = what
        self._promised = promised
        self._sent = 0

    def __aiter__(self) -> UpstreamBody:
        return self

    async def __anext__(self) -> bytes:
        if self._closed:
            raise StopAsyncIteration
        try:
            chunk = await self._chunks.__anext__()
        except StopAsyncIteration:
            await self.close()
            raise
        except UpstreamError as ex:
            relearn = "; the layout will be learnt again" if isinstance(ex, StaleLayout) else ""
            log.warning("strm: %s cut short after %d of %s bytes (%s): connection closed%s", self._what,
                        self._sent, self._promised if self._promised is not None else "?", ex, relearn)
            await self.close()
            raise ResponseAborted(str(ex)) from None
        self._sent += len(chunk)
        return chunk

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        aclose = getattr(self._chunks, "aclose", None)
        try:
            if aclose is not None:
                await aclose()
        finally:
            await self._upstream.aclose()


def _params(req: falcon.asgi.Request) -> dict[str, str]:
    """Query parameters, last value winning for repeated keys, as the reference reads them to verify signatures."""
    return dict(parse_qsl(req.query_string, keep_blank_values=True))


def _client_headers(req: falcon.asgi.Request) -> dict[str, str]:
    out = {}
    for name in ("Range", "User-Agent"):
        value = req.get_header(name)
        if value:
            out[name] = value
    return out


def _fail(resp: falcon.asgi.Response, status: int, reason: str) -> None:
    resp.status = status
    resp.media = {"detail": reason}


def _apply(reply: ProxyReply, resp: falcon.asgi.Response, method: str, what: str) -> None:
    resp.status = reply.status
    for name, value in reply.headers.items():
        resp.set_header(name, value)
    if reply.stream is not None:
        if method == "HEAD":
            raise AssertionError("HEAD replies never carry a stream")
        promised = decimal(next((v for k, v in reply.headers.items() if k.lower() == "content-length"), ""))
        resp.stream = UpstreamBody(reply.stream, what, promised)
    elif method != "HEAD":
        resp.data = reply.body


class _Base:
    def __init__(self, proxy: StrmProxy, now: Callable[[], float], playback: PlaybackLog | None = None) -> None:
        self._proxy = proxy
        self._now = now
        self._playback = playback or PlaybackLog()

    def _authenticated(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> dict[str, str] | None:
        params = _params(req)
        o = self._proxy.options
        try:
            authenticate(params, o.auth_mode, o.secret, self._now())
        except SignatureError as ex:
            if ex.reason == "auth misconfigured":
                # Only reachable without STRM_PROXY_MODE=proxy (settings refuse proxy mode without a secret):
                # the proxy is off, so this is a URL that does not exist here, not a server fault.
                log.info("strm: %s refused: the STRM proxy is off (STRM_PROXY_AUTH=%s without STRM_PROXY_SECRET)",
                         req.path, o.auth_mode)
                _fail(resp, 404, "STRM proxy not enabled (set STRM_PROXY_MODE=proxy and STRM_PROXY_SECRET)")
            else:
                log.info("strm: refused %s from %s: %s", req.path, req.remote_addr, ex.reason)
                _fail(resp, 403, ex.reason)
            return None
        return params


class StreamResource(_Base):
    """`/strm/stream?site=&slug=&s=&e=&lang=[&provider=]` — the stable URL inside `.strm` files."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._serve(req, resp, "GET")

    async def on_head(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._serve(req, resp, "HEAD")

    async def _serve(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, method: str) -> None:
        params = self._authenticated(req, resp)
        if params is None:
            return
        try:
            ref, provider = stream_identity(params)
        except ValueError as ex:
            log.info("strm: bad stream request %s: %s", req.query_string, ex)
            _fail(resp, 400, str(ex))
            return
        try:
            reply = await self._proxy.stream(ref, provider, method, _client_headers(req))
        except StrmProxyError as ex:
            _fail(resp, ex.status, ex.reason)
            return
        client = req.remote_addr or "?"
        self._playback.note((ref, provider, client), "strm: %s plays %s%s", client, ref.label,
                            f" ({provider})" if provider else "")
        _apply(reply, resp, method, ref.label + (f" ({provider})" if provider else ""))


class ProxyResource(_Base):
    """`/strm/proxy[/{name}]?u=…` — playlist children (variants, segments, keys, init sections)."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, name: str = "") -> None:
        await self._serve(req, resp, "GET")

    async def on_head(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, name: str = "") -> None:
        await self._serve(req, resp, "HEAD")

    async def _serve(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, method: str) -> None:
        params = self._authenticated(req, resp)
        if params is None:
            return
        url = params.get("u", "").strip()
        if not url:
            _fail(resp, 400, "missing upstream url")
            return
        try:
            reply = await self._proxy.child(url, method, _client_headers(req), child_headers(params))
        except StrmProxyError as ex:
            if ex.status == 400:
                log.warning("strm: refused upstream %s: %s", url.split("?", 1)[0], ex.reason)
            _fail(resp, ex.status, ex.reason)
            return
        _apply(reply, resp, method, url.split("?", 1)[0])


def add_strm_routes(app: falcon.asgi.App[Any, Any], proxy: StrmProxy, now: Callable[[], float]) -> None:
    stream = StreamResource(proxy, now)
    child = ProxyResource(proxy, now)
    app.add_route("/strm/stream", stream)
    app.add_route("/strm/proxy", child)
    app.add_route("/strm/proxy/{name}", child)
