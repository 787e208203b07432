"""One view of a request's parameters: query string, urlencoded body and multipart fields merged.

Falcon's ASGI app does not merge form bodies into `req.params`, drops blank query values by default (but
`category=` means "uncategorised" to qBittorrent) and Sonarr switches to multipart for values over 1024 bytes,
so every qBittorrent endpoint reads its input through `read_form`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import falcon
import falcon.asgi

from anibridge.delivery.qbittorrent.wire import QbitError, parse_bool

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 32 * 2**20
MAX_SPEED_LIMIT = 2**31 - 1


@dataclass(slots=True)
class Form:
    values: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)
    """(field name, file name, content) of uploaded parts, e.g. `torrents`."""

    def add(self, name: str, value: str) -> None:
        if "\x00" in name or "\x00" in value:  # never meaningful; PostgreSQL refuses NUL in every text column
            raise QbitError(400, "Invalid parameter: NUL byte")
        self.values.setdefault(name, []).append(value)

    def get(self, name: str) -> str | None:
        """The last value, as Falcon does for repeated query parameters."""
        found = self.values.get(name)
        return found[-1] if found else None

    def text(self, name: str, default: str = "") -> str:
        found = self.get(name)
        return default if found is None else found

    def required(self, name: str) -> str:
        found = self.get(name)
        if found is None:
            raise QbitError(400, f"Missing required parameter: {name}")
        return found

    def all(self, name: str) -> list[str]:
        return list(self.values.get(name, []))

    def boolean(self, name: str, default: bool = False) -> bool:
        return parse_bool(self.get(name), default)

    def integer(self, name: str, default: int | None = None) -> int | None:
        raw = self.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = int(float(raw.strip()))
        except (ValueError, OverflowError):  # "abc", "nan"; "1e309" is infinity
            raise QbitError(400, f"Invalid integer for {name}: {raw[:64]}") from None
        if not -(2**63) <= value < 2**63:  # would overflow the database columns it ends up in
            raise QbitError(400, f"Integer out of range for {name}: {raw[:64]}")
        return value

    def number(self, name: str, default: float | None = None) -> float | None:
        raw = self.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = float(raw.strip())
        except ValueError:
            raise QbitError(400, f"Invalid number for {name}: {raw[:64]}") from None
        if not math.isfinite(value):  # "inf", "nan", "1e309": nothing downstream can store or compare them
            raise QbitError(400, f"Invalid number for {name}: {raw[:64]}")
        return value

    def speed_limit(self, name: str = "limit") -> int:
        """Bytes/s as the torrent and the global limit setters take it: required; blank, 0 or negative means no
        limit and reads back as 0 like qbittorrent-nox; capped at what qBittorrent stores (a 32-bit int)."""
        raw = self.required(name)
        try:
            value = int(float(raw.strip() or "0"))
        except (ValueError, OverflowError):
            raise QbitError(400, f"Invalid limit: {raw[:64]}") from None
        return min(max(value, 0), MAX_SPEED_LIMIT)


async def read_form(req: falcon.asgi.Request) -> Form:
    form = Form()
    for key, value in parse_qsl(req.query_string or "", keep_blank_values=True):
        form.add(key, value)
    if req.method not in ("POST", "PUT"):
        return form
    content_type = (req.content_type or "").lower()
    if content_type.startswith("multipart/form-data"):
        await _read_multipart(req, form)
    elif req.content_length != 0:
        body = await req.bounded_stream.read(MAX_FORM_BYTES + 1)
        if len(body) > MAX_FORM_BYTES:
            raise QbitError(413, "Request body too large")
        if body and not content_type.startswith("application/json"):
            for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                form.add(key, value)
    return form


async def _read_multipart(req: falcon.asgi.Request, form: Form) -> None:
    try:
        parts = await req.get_media()
        async for part in parts:
            name = part.name or ""
            data = await part.get_data()
            if part.filename:
                form.files.append((name, part.filename, data))
            else:
                form.add(name, data.decode("utf-8", "replace"))
    except falcon.HTTPError as ex:
        log.warning("bad multipart body on %s: %s", req.path, ex.title)
        raise QbitError(400, f"Malformed multipart body: {ex.description or ex.title}") from None
