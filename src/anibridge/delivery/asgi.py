"""ASGI types and the base of anibridge's own HTTP middlewares (access log, disconnect guard, body limit).

Each of them changes how one HTTP request is received or answered, and nothing else: lifespan events must reach
the app untouched (they start and stop the background services), as must any other scope. The base class makes
that pass-through once, so a middleware states only what it does to a request and cannot forget it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ResponseAborted(Exception):
    """A response body cut short on purpose, already logged (one line) by whoever raised it.

    Once the headers are out, dropping the connection is the only way HTTP/1.1 has to say "this body is not
    whole" (padding would hand the player wrong bytes under the promised length). The server drops it for any
    exception out of the app; `logs.AbortedResponsesQuiet` keeps its "Exception in ASGI application" traceback
    out of the log, since nothing failed that the raiser did not already report.
    """


class HttpMiddleware(ABC):
    """Wraps an ASGI app; `handle` sees HTTP requests only, every other scope goes straight to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request through `self._app`, with `receive`/`send` wrapped as the middleware needs."""
