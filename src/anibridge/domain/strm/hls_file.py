"""HLS served as one file: learn each part's size once, then answer any byte range from the right segments.

Sizes come from the playlist's byte ranges, else from a 1-byte ranged GET per part (the total in its
Content-Range), a bounded number at a time. An AES-128 part's served size is its plaintext size: a suffix range
`bytes=-32` yields the ciphertext total and the last two blocks, whose decryption gives the PKCS#7 padding. CBC
allows decryption from any block given the block before it, so a range inside an encrypted segment costs at most
16 extra bytes. Bodies stream part by part: memory stays at one read, whatever the range.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.domain.streams.hls_playlist import AES_BLOCK, decimal, is_master
from anibridge.domain.strm.hls_layout import (
    MP4_TYPE,
    TS_TYPE,
    Layout,
    NotAFile,
    Part,
    cipher_span,
    padding,
    parse_media,
    pick_variant,
)
from anibridge.ports.upstream import UpstreamError

if TYPE_CHECKING:
    from anibridge.ports.upstream import CbcDecryptor, MediaUpstreamPort, SegmentCipher, UpstreamResponse

log = logging.getLogger(__name__)

LAYOUT_PARALLEL = 8  # size requests in flight per playlist: quick layouts without a burst at the hoster's CDN
LAYOUT_SECONDS = 8.0  # a first answer well inside a media server's probe timeout (Jellyfin's ffprobe waits ~20 s)
LAYOUT_CACHE_SIZE = 64  # streams whose layout is remembered (probe, then play, then seeks: discovered once)
MAX_PLAYLIST_BYTES = 16 * 1024 * 1024
MAX_KEY_BYTES = 64
TAIL_BYTES = 2 * AES_BLOCK
DRAIN_BYTES = 64 * 1024  # surplus a 206 may carry that is still read to keep its connection pooled


class StaleLayout(UpstreamError):
    """A segment is not the size the layout says (the hoster changed the stream): the layout must be learnt again."""


@dataclass(frozen=True, slots=True)
class FileLayout:
    layout: Layout
    keys: dict[str, bytes]


def _headers(hoster: Mapping[str, str], byte_range: str | None = None) -> dict[str, str]:
    out = dict(hoster)
    if byte_range:
        out["Range"] = byte_range
    out["Accept-Encoding"] = "identity"
    return out


def _total(resp: UpstreamResponse) -> int | None:
    """The resource's full size from a ranged answer (or a plain 200's length)."""
    if resp.status == 206:
        return decimal(resp.headers.get("content-range", "").rpartition("/")[2])
    return decimal(resp.headers.get("content-length", "")) if resp.status == 200 else None


class HlsFiles:
    """Layouts by stream URL, each learnt once, and the bodies served from them.

    Learning a layout costs a request per segment; on a slow CDN a long playlist would delay the first byte past
    the media server's probe timeout. A request waits at most `layout_seconds` (the `timer` sleeps it; tests pass
    a fake): past it, it gets None (the playlist, as for a stream that cannot be one file) while the learning goes
    on in the background, once per stream, so a later request gets the file.
    """

    def __init__(self, upstream: MediaUpstreamPort, cipher: SegmentCipher | None,
                 parallel: int = LAYOUT_PARALLEL, cache_size: int = LAYOUT_CACHE_SIZE,
                 layout_seconds: float = LAYOUT_SECONDS,
                 timer: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._upstream = upstream
        self._cipher = cipher
        self._parallel = parallel
        self._cache_size = cache_size
        self._layout_seconds = layout_seconds
        self._timer = timer
        # None remembers "cannot be one file", so such a stream costs the discovery once, not on every request.
        self._layouts: OrderedDict[str, FileLayout | None] = OrderedDict()
        self._learning: dict[str, asyncio.Task[FileLayout | None]] = {}

    def forget(self, url: str) -> None:
        self._layouts.pop(url, None)

    def _forget_layout(self, found: FileLayout) -> None:
        for url in [url for url, known in self._layouts.items() if known is found]:
            del self._layouts[url]

    async def layout(self, url: str, hoster: Mapping[str, str]) -> FileLayout | None:
        """The file layout of the HLS stream at `url` (cached), or None when it must stay a playlist, or is not
        learnt within `layout_seconds` (this request only: the learning goes on)."""
        if url in self._layouts:
            self._layouts.move_to_end(url)
            return self._layouts[url]
        task = self._learning.get(url)
        if task is None:
            task = asyncio.create_task(self._learn(url, hoster))
            self._learning[url] = task
            task.add_done_callback(lambda done: self._learnt(url, done))
        if not task.done():
            deadline = asyncio.ensure_future(self._timer(self._layout_seconds))
            try:
                # A caller cancelled here (the player went away) leaves the task running: it is shared.
                await asyncio.wait((task, deadline), return_when=asyncio.FIRST_COMPLETED)
            finally:
                deadline.cancel()
        if not task.done():
            log.info("strm: the layout of %s takes longer than %g s to learn: the playlist this time, the file once "
                     "it is learnt", url.split("?", 1)[0], self._layout_seconds)
            return None
        return task.result()

    async def _learn(self, url: str, hoster: Mapping[str, str]) -> FileLayout | None:
        found = await self._discover(url, hoster)
        self._layouts[url] = found
        while len(self._layouts) > self._cache_size:
            self._layouts.popitem(last=False)
        return found

    def _learnt(self, url: str, task: asyncio.Task[FileLayout | None]) -> None:
        if self._learning.get(url) is task:
            del self._learning[url]
        if not task.cancelled() and task.exception() is not None:  # a bug: said once, not "never retrieved"
            log.error("strm: learning the layout of %s failed", url.split("?", 1)[0], exc_info=task.exception())

    async def _discover(self, url: str, hoster: Mapping[str, str]) -> FileLayout | None:
        try:
            return await self._discover_now(url, hoster)
        except* (UpstreamError, ValueError, ArithmeticError) as failures:
            # ValueError: NotAFile, and any number in the hoster's playlist the parser could not read ("²", a
            # 50-digit sequence number): an odd playlist is served as it is, never answered with a 500.
            first_failure = failures.exceptions[0]
            reason = first_failure if isinstance(first_failure, NotAFile | UpstreamError) else repr(first_failure)
            log.info("strm: %s stays a playlist: %s", url.split("?", 1)[0], reason)
        return None

    async def _discover_now(self, url: str, hoster: Mapping[str, str]) -> FileLayout | None:
        text, base = await self._text(url, hoster)
        if is_master(text):
            base = pick_variant(text, base)
            text, base = await self._text(base, hoster)
        playlist = parse_media(text, base)
        keys = await self._keys(playlist.parts, hoster)
        limit = asyncio.Semaphore(self._parallel)

        async def sized(part: Part) -> int:
            async with limit:
                return await self._size(part, keys, hoster)

        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(sized(p)) for p in playlist.parts]
        sizes = tuple(t.result() for t in tasks)
        layout = Layout(playlist.parts, sizes, MP4_TYPE if playlist.fragmented else TS_TYPE)
        if layout.total <= 0:
            return None
        return FileLayout(layout, keys)

    async def _open(self, url: str, headers: dict[str, str]) -> UpstreamResponse:
        return await self._upstream.open("GET", url, headers)

    async def _text(self, url: str, hoster: Mapping[str, str]) -> tuple[str, str]:
        resp = await self._open(url, _headers(hoster))
        try:
            if resp.status != 200:
                raise NotAFile(f"playlist answered {resp.status}")
            raw = await resp.read(MAX_PLAYLIST_BYTES)
        finally:
            await resp.aclose()
        return raw.decode("utf-8", errors="replace"), resp.url

    async def _keys(self, parts: tuple[Part, ...], hoster: Mapping[str, str]) -> dict[str, bytes]:
        urls = {p.key.url for p in parts if p.key is not None}
        if urls and self._cipher is None:
            raise NotAFile("no AES-128 cipher")
        keys = {}
        for url in sorted(urls):
            resp = await self._open(url, _headers(hoster))
            try:
                key = await resp.read(MAX_KEY_BYTES) if resp.status == 200 else b""
            finally:
                await resp.aclose()
            if len(key) != AES_BLOCK:
                raise NotAFile("key is not 16 bytes")
            keys[url] = key
        return keys

    async def _size(self, part: Part, keys: dict[str, bytes], hoster: Mapping[str, str]) -> int:
        """The bytes this part contributes to the file (plaintext for an encrypted part)."""
        if part.key is None:
            if part.length is not None:
                return part.length
            resp = await self._open(part.url, _headers(hoster, "bytes=0-0"))
            await resp.aclose()
            total = _total(resp)
            if total is None:
                raise NotAFile(f"segment size unknown ({resp.status})")
            return total
        return await self._plain_size(part, keys[part.key.url], hoster)

    async def _plain_size(self, part: Part, key: bytes, hoster: Mapping[str, str]) -> int:
        if part.length is not None and part.offset is not None:
            start = part.offset + max(0, part.length - TAIL_BYTES)
            wanted = f"bytes={start}-{part.offset + part.length - 1}"
        else:
            wanted = f"bytes=-{TAIL_BYTES}"
        resp = await self._open(part.url, _headers(hoster, wanted))
        try:
            total = _total(resp)
            if total is None:
                raise NotAFile(f"segment size unknown ({resp.status})")
            tail = await self._tail(resp, TAIL_BYTES)
        finally:
            await resp.aclose()
        size = part.length if part.length is not None else total
        if size < AES_BLOCK or size % AES_BLOCK or len(tail) < min(size, TAIL_BYTES):
            raise NotAFile("encrypted segment is not whole blocks")
        previous = tail[-TAIL_BYTES:-AES_BLOCK] if size >= TAIL_BYTES else part.key.iv  # type: ignore[union-attr]
        assert self._cipher is not None  # _keys refused encrypted playlists without one
        last = self._cipher.aes128_cbc(key, previous).decrypt(tail[-AES_BLOCK:])
        return size - padding(last)

    @staticmethod
    async def _tail(resp: UpstreamResponse, keep: int) -> bytes:
        """The last `keep` bytes of a body (a server that ignored the Range sends the whole segment)."""
        if resp.status not in (200, 206):
            return b""
        buf = b""
        async for chunk in resp.iter_raw():
            buf = (buf + chunk)[-keep:]
        return buf

    def body(self, found: FileLayout, first: int, last: int, hoster: Mapping[str, str],
             headers: dict[str, str], status: int) -> FileBody:
        return FileBody(self._upstream, self._cipher, found, first, last, hoster, headers, status,
                        on_stale=lambda: self._forget_layout(found))


class FileBody:
    """File bytes first..last streamed from the parts that hold them; an `UpstreamResponse` for the delivery.

    `start()` opens the first part before any header goes out, so an expired hoster URL can still be refreshed.
    Exactly last-first+1 bytes come out or an UpstreamError ends the body (the Content-Length is promised). A
    segment whose size is not the layout's (its total says so, or it ends early) ends it with StaleLayout and
    `on_stale` drops the layout: otherwise every later request would be served from the wrong offsets.
    """

    def __init__(self, upstream: MediaUpstreamPort, cipher: SegmentCipher | None, found: FileLayout,
                 first: int, last: int, hoster: Mapping[str, str], headers: dict[str, str], status: int,
                 on_stale: Callable[[], None] | None = None) -> None:
        self._on_stale = on_stale
        self._upstream = upstream
        self._cipher = cipher
        self._found = found
        self._pieces = found.layout.pieces(first, last)
        self._hoster = hoster
        self._headers = headers
        self._status = status
        self._current: UpstreamResponse | None = None
        self._opened: tuple[UpstreamResponse, int] | None = None  # the first part, opened by start()
        # The next part is requested while the current one streams: a CDN's round trip per segment would
        # otherwise be a gap in every segment (only its headers and a socket buffer of body wait meanwhile).
        self._next: asyncio.Future[tuple[UpstreamResponse, int]] | None = None
        self._url = found.layout.parts[0].url if found.layout.parts else ""

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    @property
    def url(self) -> str:
        return self._url

    async def start(self) -> int | None:
        """Open the first part; its status when the hoster refused it (the caller re-resolves), else None."""
        if not self._pieces:
            return None
        index, a, b = self._pieces[0]
        try:
            resp, skip = await self._open_piece(index, a, b)
        except StaleLayout:
            self._stale()
            raise
        if resp.status not in (200, 206):
            await resp.aclose()
            return resp.status
        self._opened = (resp, skip)
        return None

    def _fetch_span(self, part: Part, a: int, b: int) -> tuple[int, int]:
        """Upstream bytes (within the part's URL) that carry part bytes a..b."""
        base = part.offset or 0
        if part.key is None:
            return base + a, base + b
        fetch_from, fetch_to, _ = cipher_span(a, b)
        return base + fetch_from, base + fetch_to

    def _stale(self) -> None:
        if self._on_stale is not None:
            self._on_stale()

    def _upstream_size(self, index: int) -> int | None:
        """The size the part's URL must have for the layout to hold (None: a byte range of a larger resource)."""
        part, size = self._found.layout.parts[index], self._found.layout.sizes[index]
        if part.offset is not None:
            return None
        return size if part.key is None else (size // AES_BLOCK + 1) * AES_BLOCK  # PKCS#7 adds 1..16 bytes

    async def _open_piece(self, index: int, a: int, b: int) -> tuple[UpstreamResponse, int]:
        """The open upstream response and how many leading body bytes to drop (a server that ignored Range)."""
        part = self._found.layout.parts[index]
        start, end = self._fetch_span(part, a, b)
        resp = await self._upstream.open("GET", part.url, _headers(self._hoster, f"bytes={start}-{end}"))
        expected, total = self._upstream_size(index), _total(resp)
        if expected is not None and total is not None and total != expected:
            await resp.aclose()
            raise StaleLayout(f"segment {index + 1} is {total} bytes now, {expected} when the layout was learnt")
        if resp.status == 206:
            span = resp.headers.get("content-range", "").removeprefix("bytes ").partition("-")[0].strip()
            if span != str(start):
                await resp.aclose()
                raise UpstreamError(f"segment answered range {span!r} for {start}")
            return resp, 0
        return resp, start

    async def iter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._chunks():
                yield chunk
        except StaleLayout:
            self._stale()
            raise
        finally:
            await self._drop_next()

    async def _chunks(self) -> AsyncIterator[bytes]:
        parts = self._found.layout.parts
        for position, (index, a, b) in enumerate(self._pieces):
            part = parts[index]
            if position == 0 and self._opened is not None:
                resp, skip = self._opened
                self._opened = None
            elif self._next is not None:
                pending, self._next = self._next, None
                resp, skip = await pending
            else:
                resp, skip = await self._open_piece(index, a, b)
            self._current = resp
            if position + 1 < len(self._pieces):
                following, c, d = self._pieces[position + 1]
                self._next = asyncio.ensure_future(self._open_piece(following, c, d))
            try:
                if resp.status not in (200, 206):
                    raise UpstreamError(f"segment answered {resp.status}")
                source = self._ranged(resp, skip, *self._fetch_span(part, a, b))
                if part.key is None:
                    async for chunk in source:
                        yield chunk
                else:
                    async for chunk in self._decrypted(source, part, a, b):
                        yield chunk
            finally:
                self._current = None
                await resp.aclose()

    @staticmethod
    async def _ranged(resp: UpstreamResponse, skip: int, start: int, end: int) -> AsyncIterator[bytes]:
        """Exactly end-start+1 body bytes after dropping `skip`; UpstreamError when the body is shorter."""
        want = end - start + 1
        extra = 0
        async for chunk in resp.iter_raw(None):
            if want <= 0:  # reading on to the end of a 206 lets the connection go back to the pool
                extra += len(chunk)
                if extra > DRAIN_BYTES:
                    return
                continue
            if skip:
                if len(chunk) <= skip:
                    skip -= len(chunk)
                    continue
                chunk, skip = chunk[skip:], 0
            if len(chunk) >= want:
                yield chunk[:want]
                want = 0
                if resp.status != 206:
                    return  # the rest of a whole-file 200 is not wanted: closing drops it
                continue
            want -= len(chunk)
            yield chunk
        if want > 0:
            raise StaleLayout(f"segment ended {want} bytes early")

    async def _decrypted(self, source: AsyncIterator[bytes], part: Part, a: int, b: int) -> AsyncIterator[bytes]:
        assert part.key is not None and self._cipher is not None
        key = self._found.keys[part.key.url]
        _, _, drop = cipher_span(a, b)
        want = b - a + 1
        chain: CbcDecryptor | None = self._cipher.aes128_cbc(key, part.key.iv) if a < AES_BLOCK else None
        pending = b""
        async for chunk in source:
            pending += chunk
            if chain is None:  # the first fetched block is the IV of the first wanted block
                if len(pending) < AES_BLOCK:
                    continue
                chain = self._cipher.aes128_cbc(key, pending[:AES_BLOCK])
                pending = pending[AES_BLOCK:]
            whole = len(pending) - len(pending) % AES_BLOCK
            if not whole:
                continue
            plain = chain.decrypt(pending[:whole])
            pending = pending[whole:]
            if drop:
                plain, drop = plain[drop:], max(0, drop - len(plain))
            # The source ends with the block holding the last wanted byte; reading it to its end (not returning
            # early) lets the connection go back to the pool.
            if plain and want > 0:
                out = plain[:want]
                want -= len(out)
                yield out
        if want > 0:
            raise StaleLayout("encrypted segment ended early")

    async def read(self, limit: int) -> bytes:
        buf = bytearray()
        async for chunk in self.iter_raw():
            buf += chunk
            if len(buf) > limit:
                raise UpstreamError(f"body larger than {limit} bytes")
        return bytes(buf)

    async def _drop_next(self) -> None:
        """Release the part requested ahead (the player went away, or the body failed)."""
        pending, self._next = self._next, None
        if pending is None:
            return
        if not pending.done():
            pending.cancel()
        await asyncio.wait([pending])  # a cancellation of our own caller still propagates from here
        if pending.cancelled() or pending.exception() is not None:
            return
        await pending.result()[0].aclose()

    async def aclose(self) -> None:
        await self._drop_next()
        for resp in (self._current, self._opened[0] if self._opened else None):
            if resp is not None:
                await resp.aclose()
        self._current = self._opened = None
