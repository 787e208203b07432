"""anibridge's one access-log format, and log lines that cannot leak secrets or forge lines.

uvicorn's own access log printed `apikey=<INDEXER_API_KEY>`, the STRM apikey and long-lived STRM signatures in
clear, and wrote a newline or terminal escape from a Torznab `q` raw into the log (a forged line, a recoloured
terminal). This ASGI middleware replaces it (uvicorn runs with `access_log=False`):
`<peer> "<METHOD> <path>?<query>" <status> <bytes> <ms>ms` with secret query values masked and every control,
bidi and zero-width character escaped. `EscapingFilter` gives every other log line the same escaping.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from urllib.parse import parse_qsl

from anibridge.delivery.asgi import HttpMiddleware, Message, Receive, Scope, Send

log = logging.getLogger("anibridge.access")

SECRET_PARAMS = frozenset({"apikey", "api_key", "sig", "token", "password", "passwd", "pass", "secret", "key",
                           "sid", "auth", "authorization", "passkey"})
MASK = "***"


def escape(text: str) -> str:
    """Control, format (bidi, zero-width) and separator characters as visible `\\xNN`/`\\uNNNN` escapes.

    Idempotent (a backslash itself is left alone), so a record passing several handlers' filters, or a line
    escaped by the access log and then by the filter, is escaped once."""
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def masked_query(query: str) -> str:
    """`a=1&apikey=s3cret&q=x%0Ay` → `a=1&apikey=***&q=x\\x0ay` (names compared case-insensitively)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{escape(k)}={MASK if k.lower() in SECRET_PARAMS else escape(v)}" for k, v in pairs)


def request_line(method: str, path: str, query: str) -> str:
    line = f"{escape(method)} {escape(path)}"
    return f"{line}?{masked_query(query)}" if query else line


class AccessLog(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        status = 0
        sent = 0

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self._app(scope, receive, counting_send)
        finally:
            client = scope.get("client")
            peer = f"{client[0]}:{client[1]}" if client else "-"
            query = scope.get("query_string", b"").decode("latin-1")
            log.info('%s "%s" %d %d %.0fms', peer,
                     request_line(str(scope.get("method", "")), str(scope.get("path", "")), query),
                     status, sent, (time.monotonic() - started) * 1000, extra={"status": status})


class EscapingFilter(logging.Filter):
    """Escapes control characters in every record's message (tracebacks, formatted separately, keep lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = escape(message)
        if escaped != message:
            record.msg, record.args = escaped, None
        return True


def install_escaping() -> None:
    """Put the filter on every root handler (call after logging is configured)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, EscapingFilter) for f in handler.filters):
            handler.addFilter(EscapingFilter())
