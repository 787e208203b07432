"""Upstream media port of the STRM proxy: open one HTTP request to a hoster/CDN and stream its body.

Kept apart from the catalogue/hoster ports because the proxy needs raw, streamed, closable responses with
Range passthrough, while resolvers only need a URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol


class UpstreamError(Exception):
    """The upstream could not be reached (DNS, connect, timeout, TLS, too many redirects)."""


class UpstreamRefused(UpstreamError):
    """The SSRF guard refused the URL or one of its redirect hops; `reason` is short and client-safe."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UpstreamResponse(Protocol):
    """An open upstream response. The body is read at most once, by `iter_raw()` or `read()`."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]:
        """Case-insensitive header mapping."""
        ...

    @property
    def url(self) -> str:
        """Final URL after redirects (what relative playlist URIs resolve against)."""
        ...

    def iter_raw(self, chunk_size: int | None = 65536) -> AsyncIterator[bytes]:
        """The body as sent on the wire (no decompression), in chunks of at most `chunk_size`."""
        ...

    async def read(self, limit: int) -> bytes:
        """The whole decoded body; raises UpstreamError when it is larger than `limit` bytes."""
        ...

    async def aclose(self) -> None:
        """Release the connection at once (also mid-body: the player went away)."""
        ...


class MediaUpstreamPort(Protocol):
    async def open(self, method: str, url: str, headers: Mapping[str, str]) -> UpstreamResponse:
        """Send `method` to `url` following redirects (each hop checked by the SSRF guard).

        Raises UpstreamRefused for a forbidden address, UpstreamError for network failures.
        """
        ...


class CbcDecryptor(Protocol):
    def decrypt(self, data: bytes) -> bytes:
        """Plaintext of whole 16-byte blocks; the chain carries over from one call to the next."""
        ...


class SegmentCipher(Protocol):
    """AES-128-CBC for HLS segments the proxy serves decrypted (a native library: media-sized data)."""

    def aes128_cbc(self, key: bytes, iv: bytes) -> CbcDecryptor: ...
