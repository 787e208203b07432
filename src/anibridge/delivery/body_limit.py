"""ASGI guard that bounds request bodies before anything reads them, whoever sends them.

A body announced larger than its route's limit (`Content-Length`) is answered 413 without reading a byte; a
chunked body is counted as it arrives and answered 413 as soon as it passes the limit, so memory stays flat
whatever a client sends (before, a 300 MiB body was buffered whole — ahead of any login check). The limit is
per route family: the qBittorrent API takes `.torrent` uploads (32 MiB, qBittorrent's own default cap); every
other route takes small JSON or nothing (1 MiB). The 413 comes in the client's format: plain text for the
qBittorrent API, the JSON error shape elsewhere.

It also answers `OPTIONS` with 405 everywhere: anibridge serves no browser cross-origin API, and Falcon's default
200 with an `Allow` list for every path told a scanner which methods each route takes.
"""

from __future__ import annotations

import json

from anibridge.delivery.asgi import HttpMiddleware, Message, Receive, Scope, Send

QBITTORRENT_BODY_LIMIT = 32 * 2**20
DEFAULT_BODY_LIMIT = 2**20


class BodyTooLarge(Exception):
    """Raised from `receive()` once the body passed the limit; the 413 has already been sent."""


def limit_for(path: str) -> int:
    return QBITTORRENT_BODY_LIMIT if path.startswith("/api/v2/") else DEFAULT_BODY_LIMIT


def _content_length(scope: Scope) -> int | None:
    """The announced length; -1 for a malformed or repeated-and-different one (answered 400 by the caller)."""
    values = {v for k, v in scope.get("headers", []) if k.lower() == b"content-length"}
    if not values:
        return None
    if len(values) > 1:
        return -1
    raw = values.pop().strip()
    if not raw.isdigit() or len(raw) > 18:
        return -1
    return int(raw)


_TITLES = {400: "Bad Request", 405: "Method Not Allowed", 413: "Payload Too Large"}


def _refusal(path: str, status: int, text: str) -> tuple[bytes, bytes]:
    if path.startswith("/api/v2/"):
        return text.encode(), b"text/plain; charset=UTF-8"
    if path.startswith("/torznab"):
        doc = f'<?xml version="1.0" encoding="UTF-8"?>\n<error code="900" description="{text}"/>'
        return doc.encode(), b"application/xml; charset=utf-8"
    title = _TITLES.get(status, "Bad Request")
    return json.dumps({"title": title, "description": text}).encode(), b"application/json"


class BodyLimit(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if str(scope.get("method", "")).upper() == "OPTIONS":
            await _answer(send, path, 405, "Method Not Allowed")
            return
        limit = limit_for(path)
        announced = _content_length(scope)
        if announced == -1:
            await _answer(send, path, 400, "Invalid Content-Length")
            return
        if announced is not None and announced > limit:
            await _answer(send, path, 413, f"Request body too large (limit {limit} bytes)")
            return
        received = 0
        refused = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _answer(send, path, 413, f"Request body too large (limit {limit} bytes)")
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is out; whatever the app answers to the exception is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not refused:
                raise


async def _answer(send: Send, path: str, status: int, text: str) -> None:
    body, content_type = _refusal(path, status, text)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})
