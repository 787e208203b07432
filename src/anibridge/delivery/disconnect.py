"""ASGI guard that makes streaming responses stop when the client goes away.

NOTE: Falcon 4.4 on uvicorn keeps iterating `resp.stream` after a disconnect (falcon#2015) because uvicorn's
`send()` silently returns. Without this guard the STRM proxy would pull a whole upstream file for every aborted
or seeking player. The guard watches `receive()` for `http.disconnect` once the request body is read and turns
the next `send()` into an exception, so the stream's `finally`/`close()` runs and the upstream is released.
"""

from __future__ import annotations

import asyncio

from anibridge.delivery.asgi import HttpMiddleware, Message, Receive, Scope, Send


class ClientGone(Exception):
    """Raised from `send()` after the client disconnected; swallowed by the guard."""


class DisconnectGuard(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()
        # One message at most waits here: the pump must not drain the socket ahead of the app, or a large body
        # would pile up in memory whatever the app's limit (uvicorn pauses reading while nobody receives).
        inbox: asyncio.Queue[Message] = asyncio.Queue(maxsize=1)

        async def pump() -> None:
            # Owns receive(): forwards body chunks to the app and notices a disconnect even when the app never
            # reads the body again (GET streams).
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    gone.set()
                await inbox.put(message)
                if message["type"] == "http.disconnect":
                    return

        async def guarded_send(message: Message) -> None:
            # Only an intermediate body chunk is refused: that is where a stream would keep pulling upstream
            # data. Start and final messages pass (a no-op on a closed connection), which keeps one-shot
            # responses intact for clients such as Falcon's test conductor that "disconnect" right after sending.
            if gone.is_set() and message["type"] == "http.response.body" and message.get("more_body", False):
                raise ClientGone()
            await send(message)

        pump_task = asyncio.create_task(pump())
        try:
            await self._app(scope, inbox.get, guarded_send)
        except ClientGone:
            pass
        finally:
            if not pump_task.done():
                pump_task.cancel()
