"""The request and response values every fake handler and protection works with (no server code here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)
    client: str = "127.0.0.1"  # the peer's IP: protections that key on the visitor's address use it

    @property
    def host(self) -> str:
        """The host name the client asked for (Host header, without port): virtual hosts key on it."""
        return self.header("host").rsplit(":", 1)[0].strip("[]").lower() if self.header("host") else ""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def cookie(self, name: str) -> str | None:
        for part in self.header("cookie").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    cookies: list[str] = field(default_factory=list)  # one `Set-Cookie` header each (a dict holds only one)

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), content_type="text/html; charset=utf-8")

    @classmethod
    def json(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), content_type="application/json")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", headers={"Location": location})

    @classmethod
    def not_found(cls) -> Response:
        return cls(404, b"Not Found", content_type="text/plain")
