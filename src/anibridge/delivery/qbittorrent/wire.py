"""qBittorrent wire conventions: plain-text errors, compact JSON, capitalised .NET booleans."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TEXT = "text/plain; charset=UTF-8"
JSON = "application/json"


class QbitError(Exception):
    """Answered as qBittorrent does: the status with a short plain-text body (never Falcon's JSON error)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass(slots=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = TEXT
    cookies: list[tuple[str, str, int | None]] = field(default_factory=list)
    """(name, value, max_age); max_age 0 expires the cookie."""


def text(body: str, status: int = 200) -> Reply:
    return Reply(status=status, body=body.encode())


def ok() -> Reply:
    return text("Ok.")


def done() -> Reply:
    """What qBittorrent answers for an action without a result: 200 and an empty body."""
    return Reply()


def as_json(payload: Any) -> Reply:
    return Reply(body=json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(), content_type=JSON)


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def parse_bool(raw: str | None, default: bool = False) -> bool:
    """Sonarr sends `True`/`False` (.NET), qbittorrent-api `true`/`false`; anything else is a 400."""
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise QbitError(400, f"Invalid boolean: {raw}")
