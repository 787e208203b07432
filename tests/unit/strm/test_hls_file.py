"""HLS-as-file with a byte-exact fake CDN: layouts, decrypted ranges, odd servers and refusals."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

import pytest
from Cryptodome.Cipher import AES
from Cryptodome.Util.Padding import pad

from anibridge.adapters.aes_cbc import NativeSegmentCipher
from anibridge.adapters.memory import InMemoryStrmMappingRepo
from anibridge.domain.strm.hls_file import HlsFiles
from anibridge.domain.strm.proxy import ProxyOptions, StrmProxy
from anibridge.domain.strm.urls import AuthMode
from anibridge.ports.upstream import UpstreamError
from tests.fakes import FakeClock
from tests.unit.strm.test_proxy import REF, START, FakeFinder

KEY = bytes(range(16))
IV = bytes(16)
CDN = "https://cdn.example/v/"
HLS = "application/vnd.apple.mpegurl"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    url: str
    body: bytes = b""
    closed: bool = False

    async def iter_raw(self, chunk_size: int | None = 65536) -> AsyncIterator[bytes]:
        for i in range(0, len(self.body), 7):  # small chunks: every boundary case of the block buffering
            yield self.body[i:i + 7]

    async def read(self, limit: int) -> bytes:
        return self.body

    async def aclose(self) -> None:
        self.closed = True


@dataclass
class Cdn:
    """Files by URL with Range support (suffix ranges too); `plain_200` ignore Range, `refuse` answer 403."""

    files: dict[str, bytes]
    plain_200: set[str] = field(default_factory=set)
    refuse: set[str] = field(default_factory=set)
    short: set[str] = field(default_factory=set)
    head_405: bool = False
    opened: list[Reply] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def open(self, method: str, url: str, headers: Mapping[str, str]) -> Reply:
        reply = self._answer(method, url, headers)
        self.opened.append(reply)
        return reply

    def _answer(self, method: str, url: str, headers: Mapping[str, str]) -> Reply:
        wanted = headers.get("Range", "")
        self.calls.append((url, wanted))
        if url in self.refuse:
            return Reply(403, {}, url)
        if method == "HEAD" and self.head_405:
            return Reply(405, {}, url)
        data = self.files.get(url)
        if data is None:
            return Reply(404, {}, url)
        ctype = HLS if url.endswith(".m3u8") else "video/mp2t"
        if not wanted or url in self.plain_200:
            return Reply(200, {"content-type": ctype, "content-length": str(len(data))}, url, data)
        first, _, last = wanted[6:].partition("-")
        start, end = (len(data) - int(last), len(data) - 1) if not first else (int(first), int(last or len(data) - 1))
        body = data[start:end + 1]
        if url in self.short:
            body = body[:-3]
        return Reply(206, {"content-type": ctype, "content-range": f"bytes {start}-{end}/{len(data)}"}, url, body)


def encrypt(data: bytes, iv: bytes = IV) -> bytes:
    return AES.new(KEY, AES.MODE_CBC, iv=iv).encrypt(pad(data, 16))


def playlist(*entries: str, key: bool = False) -> bytes:
    head = ["#EXTM3U", "#EXT-X-TARGETDURATION:4"]
    if key:
        head.append('#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x00000000000000000000000000000000')
    return ("\n".join(head + [x for e in entries for x in ("#EXTINF:4.0,", *e.split("|"))] + ["#EXT-X-ENDLIST"])
            + "\n").encode()


SEGMENTS = [os.urandom(n) for n in (1000, 33, 16, 1, 4096)]  # sizes around the AES block edges


async def whole(files: HlsFiles, url: str, first: int | None = None, last: int | None = None) -> bytes:
    found = await files.layout(url, {"Referer": "r"})
    assert found is not None
    first = 0 if first is None else first
    last = found.layout.total - 1 if last is None else last
    body = files.body(found, first, last, {"Referer": "r"}, {}, 206)
    assert await body.start() is None
    return await body.read(1 << 24)


@pytest.mark.anyio
@pytest.mark.parametrize("encrypted", [False, True])
async def test_every_span_of_the_file_is_exact(encrypted: bool) -> None:
    files_by_url = {f"{CDN}s{i}.ts": encrypt(s) if encrypted else s for i, s in enumerate(SEGMENTS)}
    files_by_url[CDN + "index.m3u8"] = playlist(*(f"s{i}.ts" for i in range(len(SEGMENTS))), key=encrypted)
    files_by_url[CDN + "key.bin"] = KEY
    cdn = Cdn(files_by_url)
    files = HlsFiles(cdn, NativeSegmentCipher())
    data = b"".join(SEGMENTS)
    assert await whole(files, CDN + "index.m3u8") == data
    found = await files.layout(CDN + "index.m3u8", {})
    assert found is not None and found.layout.total == len(data) and found.layout.content_type == "video/mp2t"
    for first, last in [(0, 0), (15, 16), (999, 1033), (1017, 1049), (1049, 1050), (len(data) - 1, len(data) - 1)]:
        assert await whole(files, CDN + "index.m3u8", first, last) == data[first:last + 1], (first, last)


@pytest.mark.anyio
async def test_byte_range_playlist_needs_no_size_requests() -> None:
    blob = b"".join(SEGMENTS)
    entries, at = [], 0
    for s in SEGMENTS:
        entries.append(f"#EXT-X-BYTERANGE:{len(s)}@{at}|all.ts")
        at += len(s)
    cdn = Cdn({CDN + "index.m3u8": playlist(*entries), CDN + "all.ts": blob})
    files = HlsFiles(cdn, None)
    found = await files.layout(CDN + "index.m3u8", {})
    assert found is not None and found.layout.total == len(blob)
    assert [u for u, _ in cdn.calls] == [CDN + "index.m3u8"]
    assert await whole(files, CDN + "index.m3u8", 990, 1040) == blob[990:1041]


@pytest.mark.anyio
async def test_a_segment_server_that_ignores_range_still_gives_the_right_bytes() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts", "b.ts"), CDN + "a.ts": SEGMENTS[0], CDN + "b.ts": SEGMENTS[4]},
              plain_200={CDN + "a.ts", CDN + "b.ts"})
    files = HlsFiles(cdn, None)
    data = SEGMENTS[0] + SEGMENTS[4]
    assert await whole(files, CDN + "index.m3u8", 500, 2000) == data[500:2001]


@pytest.mark.anyio
async def test_a_short_segment_ends_the_body_with_an_error_not_with_wrong_bytes() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts"), CDN + "a.ts": SEGMENTS[0]})
    files = HlsFiles(cdn, None)
    found = await files.layout(CDN + "index.m3u8", {})
    assert found is not None
    cdn.short.add(CDN + "a.ts")
    body = files.body(found, 0, 999, {}, {}, 200)
    assert await body.start() is None
    with pytest.raises(UpstreamError):
        await body.read(1 << 20)


@pytest.mark.anyio
async def test_unusable_streams_are_remembered_and_the_cache_is_bounded() -> None:
    cdn = Cdn({CDN + "live.m3u8": b"#EXTM3U\n#EXTINF:4,\na.ts\n", CDN + "a.ts": b"x"})
    files = HlsFiles(cdn, None, cache_size=2)
    assert await files.layout(CDN + "live.m3u8", {}) is None
    assert await files.layout(CDN + "live.m3u8", {}) is None
    assert len(cdn.calls) == 1  # remembered
    for i in range(3):
        cdn.files[f"{CDN}p{i}.m3u8"] = playlist("a.ts")
        assert await files.layout(f"{CDN}p{i}.m3u8", {}) is not None
    assert len(files._layouts) == 2


@pytest.mark.anyio
async def test_encrypted_playlist_without_a_cipher_or_with_a_bad_key_stays_a_playlist() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts", key=True), CDN + "a.ts": encrypt(b"abc"), CDN + "key.bin": b"k"})
    assert await HlsFiles(cdn, None).layout(CDN + "index.m3u8", {}) is None
    assert await HlsFiles(cdn, NativeSegmentCipher()).layout(CDN + "index.m3u8", {}) is None


def proxy_for(cdn: Cdn, urls: list[str]) -> tuple[StrmProxy, FakeFinder]:
    finder = FakeFinder(urls)
    opts = ProxyOptions("http://media.test/", AuthMode.TOKEN, "k", hls_as_file=True)
    return StrmProxy(finder, InMemoryStrmMappingRepo(), cdn, FakeClock(START), opts), finder


@pytest.mark.anyio
async def test_refused_segments_re_resolve_the_episode_once() -> None:
    old, new = "https://cdn.example/old/", "https://cdn.example/new/"
    cdn = Cdn({old + "index.m3u8": playlist("a.ts"), old + "a.ts": SEGMENTS[0],
               new + "index.m3u8": playlist("a.ts"), new + "a.ts": SEGMENTS[0]})
    proxy, finder = proxy_for(cdn, [old + "index.m3u8", new + "index.m3u8"])
    first = await proxy.stream(REF, None, "HEAD", {})
    assert first.status == 200 and first.headers["content-length"] == "1000"
    cdn.refuse.add(old + "a.ts")  # the playlist still answers, its segments' token expired
    reply = await proxy.stream(REF, None, "GET", {"Range": "bytes=10-19"})
    assert reply.status == 206 and reply.headers["content-range"] == "bytes 10-19/1000"
    assert reply.stream is not None and await reply.stream.read(100) == SEGMENTS[0][10:20]
    assert len(finder.calls) == 2
    cdn.refuse.add(new + "a.ts")
    # Refused again after a fresh resolve: one refresh per request, then the playlist the segments' sizes
    # could not be learnt for (the player gets the hoster's own answers through /strm/proxy).
    last = await proxy.stream(REF, None, "GET", {})
    assert len(finder.calls) == 3 and last.headers["content-type"] == HLS


@pytest.mark.anyio
async def test_a_stream_that_cannot_be_a_file_is_served_as_the_playlist() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts", key=True), CDN + "a.ts": encrypt(b"abc"), CDN + "key.bin": b"k"})
    proxy, _ = proxy_for(cdn, [CDN + "index.m3u8"])
    reply = await proxy.stream(REF, None, "GET", {})
    assert reply.status == 200 and reply.headers["content-type"] == HLS and b"#EXT-X-STREAM-INF" in reply.body


@pytest.mark.anyio
async def test_head_is_answered_from_the_layout_even_when_the_cdn_refuses_head() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts", "b.ts"), CDN + "a.ts": SEGMENTS[0], CDN + "b.ts": SEGMENTS[1]},
              head_405=True)
    proxy, _ = proxy_for(cdn, [CDN + "index.m3u8"])
    head = await proxy.stream(REF, None, "HEAD", {"Range": "bytes=1000-"})
    assert head.status == 206 and head.stream is None
    assert head.headers["content-range"] == "bytes 1000-1032/1033" and head.headers["content-length"] == "33"
    assert head.headers["content-type"] == "video/mp2t" and head.headers["accept-ranges"] == "bytes"


@pytest.mark.anyio
async def test_every_upstream_response_is_released_also_the_one_requested_ahead() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts", "b.ts", "c.ts"), CDN + "a.ts": SEGMENTS[0],
               CDN + "b.ts": SEGMENTS[4], CDN + "c.ts": SEGMENTS[0]})
    files = HlsFiles(cdn, None)
    found = await files.layout(CDN + "index.m3u8", {})
    assert found is not None
    assert await whole(files, CDN + "index.m3u8") == SEGMENTS[0] + SEGMENTS[4] + SEGMENTS[0]
    assert all(r.closed for r in cdn.opened)
    # A player that goes away after the first chunk: the current segment and the next one are both released.
    cdn.opened.clear()
    body = files.body(found, 0, found.layout.total - 1, {}, {}, 200)
    assert await body.start() is None
    chunks = body.iter_raw()
    assert await chunks.__anext__() == SEGMENTS[0][:7]
    await asyncio.sleep(0)  # let the request for the next segment go out
    await chunks.aclose()  # type: ignore[attr-defined]
    await body.aclose()
    assert [r.url.rsplit("/", 1)[1] for r in cdn.opened] == ["a.ts", "b.ts"]
    assert all(r.closed for r in cdn.opened)


@pytest.mark.anyio
async def test_a_range_with_non_ascii_digits_is_ignored_not_a_crash() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts", "b.ts"), CDN + "a.ts": SEGMENTS[0], CDN + "b.ts": SEGMENTS[1]},
              plain_200={CDN + "index.m3u8"})  # the player's Range reaches the playlist request too
    proxy, _ = proxy_for(cdn, [CDN + "index.m3u8"])
    for asked in ("bytes=²-", "bytes=-²", "bytes=0-²"):
        reply = await proxy.stream(REF, None, "HEAD", {"Range": asked})
        assert reply.status == 200 and reply.headers["content-length"] == "1033", asked


@dataclass
class OddSizeCdn(Cdn):
    """Answers the 1-byte size requests with a total in digits int() refuses."""

    total: str = "²"

    def _answer(self, method: str, url: str, headers: Mapping[str, str]) -> Reply:
        reply = super()._answer(method, url, headers)
        if reply.status == 206:
            reply.headers["content-range"] = reply.headers["content-range"].rpartition("/")[0] + "/" + self.total
        return reply


@pytest.mark.anyio
async def test_a_segment_size_in_odd_digits_keeps_the_stream_a_playlist() -> None:
    cdn = OddSizeCdn({CDN + "index.m3u8": playlist("a.ts"), CDN + "a.ts": SEGMENTS[0]})
    assert await HlsFiles(cdn, None).layout(CDN + "index.m3u8", {}) is None


@pytest.mark.anyio
@pytest.mark.parametrize(("encrypted", "change"), [(False, -3), (False, +5), (True, -3), (True, +16)])
async def test_a_segment_whose_size_changed_ends_the_body_and_the_layout_is_learnt_again(
        encrypted: bool, change: int) -> None:
    seal = encrypt if encrypted else (lambda data: data)
    b_now = os.urandom(len(SEGMENTS[4]) + change)
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts", "b.ts", key=encrypted), CDN + "key.bin": KEY,
               CDN + "a.ts": seal(SEGMENTS[0]), CDN + "b.ts": seal(SEGMENTS[4])})
    files = HlsFiles(cdn, NativeSegmentCipher())
    found = await files.layout(CDN + "index.m3u8", {})
    assert found is not None and found.layout.total == 1000 + 4096
    # The hoster re-encoded it: the promised length no longer holds. (An encrypted segment whose plaintext changed
    # within the same cipher blocks keeps its size on the wire: only decrypting its end would tell.)
    cdn.files[CDN + "b.ts"] = seal(b_now)
    body = files.body(found, 0, found.layout.total - 1, {}, {}, 200)
    assert await body.start() is None
    # Never the wrong bytes under the promised length: the body ends with an error (the server then drops the
    # connection), and the next request learns the layout again instead of failing the same way forever.
    with pytest.raises(UpstreamError):
        await body.read(1 << 24)
    cdn.calls.clear()
    again = await files.layout(CDN + "index.m3u8", {})
    assert again is not None and again.layout.total == 1000 + len(b_now)
    assert (CDN + "index.m3u8", "") in cdn.calls
    assert await whole(files, CDN + "index.m3u8") == SEGMENTS[0] + b_now


@pytest.mark.anyio
@pytest.mark.parametrize("sequence", ["²", "9" * 50])
async def test_a_playlist_number_the_parser_cannot_read_keeps_the_stream_a_playlist(sequence: str) -> None:
    # No IV in the key tag: the IV is the sequence number, which must be read.
    text = (f"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:{sequence}\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n"
            "#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n").encode()
    cdn = Cdn({CDN + "index.m3u8": text, CDN + "a.ts": encrypt(SEGMENTS[0]), CDN + "key.bin": KEY})
    # None: the proxy then serves the hoster's playlist, as without the file mode.
    assert await HlsFiles(cdn, NativeSegmentCipher()).layout(CDN + "index.m3u8", {}) is None


@dataclass
class SlowCdn(Cdn):
    """Size requests (`bytes=0-0`) wait until `open_gate` is set: a CDN slower than the layout deadline."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def open(self, method: str, url: str, headers: Mapping[str, str]) -> Reply:
        if headers.get("Range") == "bytes=0-0":
            await self.gate.wait()
        return await super().open(method, url, headers)


class FakeTimer:
    """The layout deadline on demand: each wait is a future the test resolves (`expire`), no real time."""

    def __init__(self) -> None:
        self.waits: list[tuple[float, asyncio.Future[None]]] = []

    async def __call__(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waits.append((seconds, future))
        await future

    def expire(self) -> None:
        for _, future in self.waits:
            if not future.done():
                future.set_result(None)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.anyio
async def test_past_the_layout_deadline_the_request_gets_the_playlist_and_the_layout_is_learnt_once() -> None:
    cdn = SlowCdn({CDN + "index.m3u8": playlist("a.ts", "b.ts"), CDN + "a.ts": SEGMENTS[0], CDN + "b.ts": SEGMENTS[1]})
    timer = FakeTimer()
    files = HlsFiles(cdn, None, layout_seconds=8.0, timer=timer)
    first = asyncio.ensure_future(files.layout(CDN + "index.m3u8", {}))
    second = asyncio.ensure_future(files.layout(CDN + "index.m3u8", {}))  # a probe and a play at once
    await settle()
    assert not first.done() and [s for s, _ in timer.waits] == [8.0, 8.0]
    timer.expire()
    assert await first is None and await second is None  # this time: the playlist
    cdn.gate.set()  # the CDN answers at last; the learning went on meanwhile
    third = await files.layout(CDN + "index.m3u8", {})
    assert third is not None and third.layout.total == len(SEGMENTS[0]) + len(SEGMENTS[1])
    assert await files.layout(CDN + "index.m3u8", {}) is third
    assert [url for url, _ in cdn.calls].count(CDN + "index.m3u8") == 1  # one discovery for all four requests
    assert len(cdn.calls) == 3


@pytest.mark.anyio
async def test_a_layout_learnt_within_the_deadline_is_answered_at_once() -> None:
    cdn = Cdn({CDN + "index.m3u8": playlist("a.ts"), CDN + "a.ts": SEGMENTS[0]})
    timer = FakeTimer()
    found = await HlsFiles(cdn, None, timer=timer).layout(CDN + "index.m3u8", {})
    assert found is not None and found.layout.total == len(SEGMENTS[0])
    assert all(future.cancelled() for _, future in timer.waits)  # the deadline did not outlive the request
