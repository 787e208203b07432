"""StrmProxy use case with fakes: caching, single flight, refresh-once, HEAD fallback, playlist rewriting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from anibridge.adapters.memory import InMemoryStrmMappingRepo
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.strm.proxy import (
    ProxyOptions,
    StrmProxy,
    StrmProxyError,
)
from anibridge.domain.strm.records import StrmMapping
from anibridge.domain.strm.urls import AuthMode
from anibridge.ports.errors import HosterUnavailable, NotFound
from anibridge.ports.streams import DirectStream
from anibridge.ports.upstream import UpstreamError
from tests.fakes import FakeClock

REF = EpisodeRef(Site.STO, "9-1-1", 1, 2, Language.GERMAN_DUB)
START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class FakeResponse:
    status: int
    headers: dict[str, str]
    url: str
    body: bytes = b""
    closed: bool = False

    async def iter_raw(self, chunk_size: int | None = 65536) -> AsyncIterator[bytes]:
        yield self.body

    async def read(self, limit: int) -> bytes:
        if len(self.body) > limit:
            raise UpstreamError("too big")
        return self.body

    async def aclose(self) -> None:
        self.closed = True


@dataclass
class FakeUpstream:
    answer: Callable[[str, str, Mapping[str, str]], FakeResponse]
    calls: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    opened: list[FakeResponse] = field(default_factory=list)

    async def open(self, method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        self.calls.append((method, url, dict(headers)))
        resp = self.answer(method, url, headers)
        self.opened.append(resp)
        return resp


@dataclass
class FakeFinder:
    urls: list[str]
    calls: list[frozenset[str]] = field(default_factory=list)
    error: Exception | None = None
    delay: float = 0.0

    async def find(self, ref: EpisodeRef, preferred: str | None = None,
                   exclude: frozenset[str] = frozenset()) -> DirectStream:
        self.calls.append(exclude)
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        url = self.urls[min(len(self.calls), len(self.urls)) - 1]
        return DirectStream(url=url, provider="VOE", headers={"Referer": "https://voe.example/"})


def mp4(status: int = 200, **extra: str) -> Callable[[str, str, Mapping[str, str]], FakeResponse]:
    def answer(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        code = 403 if "expired" in url else status
        return FakeResponse(code, {"content-type": "video/mp4", "content-length": "10", "x-secret": "no", **extra},
                            url, b"0123456789")
    return answer


def make(finder: FakeFinder, upstream: FakeUpstream, cache_ttl: int = 0,
         hls_as_file: bool = False) -> tuple[StrmProxy, InMemoryStrmMappingRepo, FakeClock]:
    """A proxy whose HLS answers are the rewritten playlists (STRM_HLS_AS_FILE=playlist) unless asked otherwise."""
    repo, clock = InMemoryStrmMappingRepo(), FakeClock(START, mono=START.timestamp())
    opts = ProxyOptions("http://media.test/", AuthMode.TOKEN, "k", child_ttl=3600, cache_ttl=cache_ttl,
                        hls_as_file=hls_as_file)
    return StrmProxy(finder, repo, upstream, clock, opts), repo, clock


@pytest.mark.anyio
async def test_resolves_once_then_serves_from_cache_with_filtered_headers() -> None:
    finder = FakeFinder(["https://cdn.example/a.mp4"])
    upstream = FakeUpstream(mp4())
    proxy, repo, _ = make(finder, upstream)
    for _ in range(3):
        reply = await proxy.stream(REF, "VOE", "GET", {"Range": "bytes=0-", "Cookie": "x", "User-Agent": "mpv"})
        assert reply.stream is not None and reply.status == 200
        assert reply.headers == {"content-type": "video/mp4", "content-length": "10"}
    assert len(finder.calls) == 1
    sent = upstream.calls[0][2]
    assert sent == {"Range": "bytes=0-", "User-Agent": "mpv", "Referer": "https://voe.example/",
                    "Accept-Encoding": "identity"}
    assert (await repo.get(REF, "VOE")) is not None


@pytest.mark.anyio
async def test_concurrent_first_plays_share_one_resolution() -> None:
    finder = FakeFinder(["https://cdn.example/a.mp4"], delay=0.05)
    proxy, _, _ = make(finder, FakeUpstream(mp4()))
    await asyncio.gather(*[proxy.stream(REF, None, "GET", {}) for _ in range(20)])
    assert len(finder.calls) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("status", [403, 404, 410, 429, 451])
async def test_expired_cached_url_is_refreshed_once(status: int) -> None:
    finder = FakeFinder(["https://cdn.example/fresh.mp4"])
    upstream = FakeUpstream(lambda m, u, h: FakeResponse(status if "old" in u else 200, {}, u))
    proxy, repo, clock = make(finder, upstream)
    await repo.put(StrmMapping(REF, "", "https://cdn.example/old.mp4", clock.now(), "VOE"))
    reply = await proxy.stream(REF, None, "GET", {})
    assert reply.status == 200 and reply.headers["content-type"] == "application/octet-stream"
    assert finder.calls == [frozenset()]  # cached URL expired: the same hoster may answer again
    assert upstream.opened[0].closed
    assert (await repo.get(REF, "")).resolved_url == "https://cdn.example/fresh.mp4"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_fresh_url_failing_skips_that_hoster_and_second_failure_passes_through() -> None:
    finder = FakeFinder(["https://cdn.example/expired-1.mp4", "https://cdn.example/expired-2.mp4"])
    proxy, _, _ = make(finder, FakeUpstream(mp4()))
    reply = await proxy.stream(REF, None, "GET", {})
    assert reply.status == 403  # refreshed once, then passed through
    assert finder.calls == [frozenset(), frozenset({"VOE"})]


@pytest.mark.anyio
async def test_network_errors_and_resolution_errors() -> None:
    def broken(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        raise UpstreamError("connect refused")

    finder = FakeFinder(["https://cdn.example/a.mp4"])
    proxy, _, _ = make(finder, FakeUpstream(broken))
    with pytest.raises(StrmProxyError) as info:
        await proxy.stream(REF, None, "GET", {})
    assert (info.value.status, info.value.reason, len(finder.calls)) == (502, "upstream request failed", 2)
    for error, status in [(NotFound("gone"), 404), (HosterUnavailable("all down"), 502)]:
        proxy, _, _ = make(FakeFinder([], error=error), FakeUpstream(mp4()))
        with pytest.raises(StrmProxyError) as info:
            await proxy.stream(REF, None, "GET", {})
        assert info.value.status == status


@pytest.mark.anyio
async def test_cache_ttl_expires_mappings() -> None:
    finder = FakeFinder(["https://cdn.example/a.mp4", "https://cdn.example/b.mp4"])
    proxy, _, clock = make(finder, FakeUpstream(mp4()), cache_ttl=60)
    await proxy.stream(REF, None, "GET", {})
    clock.advance(61)
    await proxy.stream(REF, None, "GET", {})
    assert len(finder.calls) == 2


@pytest.mark.anyio
async def test_head_falls_back_to_one_byte_get_and_reports_full_size() -> None:
    def answer(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        if method == "HEAD":
            return FakeResponse(405, {}, url)
        assert headers["Range"] == "bytes=0-0"
        return FakeResponse(206, {"content-type": "video/mp4", "content-range": "bytes 0-0/12345",
                                  "content-length": "1"}, url, b"0")

    proxy, _, _ = make(FakeFinder(["https://cdn.example/a.mp4"]), FakeUpstream(answer))
    reply = await proxy.stream(REF, None, "HEAD", {})
    assert (reply.status, reply.headers["content-length"], reply.body, reply.stream) == (200, "12345", b"", None)
    assert "content-range" not in reply.headers


@pytest.mark.anyio
async def test_playlist_rewritten_against_final_url_with_signed_children() -> None:
    playlist = b"#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n#EXTINF:2,\nseg0.ts\n"

    def answer(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        return FakeResponse(200, {"content-type": "application/x-mpegURL; charset=utf-8", "etag": "x"},
                            "https://edge.example/hls/index.m3u8", playlist)  # after a redirect

    upstream = FakeUpstream(answer)
    proxy, _, _ = make(FakeFinder(["https://cdn.example/master.m3u8"]), upstream)
    reply = await proxy.stream(REF, None, "GET", {"Range": "bytes=0-"})
    text = reply.body.decode()
    assert reply.status == 200 and reply.stream is None and upstream.opened[0].closed
    assert reply.headers == {"content-type": "application/vnd.apple.mpegurl", "content-length": str(len(reply.body))}
    assert "u=https%3A%2F%2Fedge.example%2Fhls%2Fseg0.ts" in text
    assert 'URI="http://media.test/strm/proxy/key.bin?exp=' in text
    assert "ref=https%3A%2F%2Fvoe.example%2F" in text
    assert f"exp={int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) + 3600}" in text


@pytest.mark.anyio
async def test_child_refused_upstream_is_400() -> None:
    from anibridge.ports.upstream import UpstreamRefused

    def refuse(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        raise UpstreamRefused("upstream host not allowed")

    proxy, _, _ = make(FakeFinder([]), FakeUpstream(refuse))
    with pytest.raises(StrmProxyError) as info:
        await proxy.child("http://10.0.0.1/x.ts", "GET", {}, {})
    assert (info.value.status, info.value.reason) == (400, "upstream host not allowed")


@pytest.mark.anyio
async def test_head_of_a_playlist_does_not_report_the_upstream_length() -> None:
    def answer(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        return FakeResponse(200, {"content-type": "application/vnd.apple.mpegurl", "content-length": "99",
                                  "etag": "e"}, url, b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n")

    upstream = FakeUpstream(answer)
    proxy, _, _ = make(FakeFinder(["https://cdn.example/master.m3u8"]), upstream)
    reply = await proxy.stream(REF, None, "HEAD", {})
    # The length is the rewritten playlist's (one GET to rewrite it), never the upstream's 99 nor a bare 0.
    get = await proxy.stream(REF, None, "GET", {})
    assert reply.status == 200 and reply.body == b"" and reply.stream is None
    assert len(get.body) > 99
    assert reply.headers == {"content-type": "application/vnd.apple.mpegurl", "content-length": str(len(get.body))}
    assert upstream.calls[0][0] == "HEAD" and upstream.opened[0].closed


MEDIA = b"#EXTM3U\n#EXTINF:4.0,\nseg0.ts\n#EXTINF:2.0,\nseg1.ts\n#EXTINF:1.0,\nlast.ts\n#EXT-X-ENDLIST\n"


def media_cdn(sizes: dict[str, int]) -> Callable[[str, str, Mapping[str, str]], FakeResponse]:
    """A playlist at `index.m3u8` and segments that answer a 1-byte Range with their total size."""

    def answer(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        name = url.rsplit("/", 1)[1]
        if name == "index.m3u8":
            return FakeResponse(200, {"content-type": "application/vnd.apple.mpegurl"}, url, MEDIA)
        if name in sizes and headers.get("Range") == "bytes=0-0":
            return FakeResponse(206, {"content-range": f"bytes 0-0/{sizes[name]}"}, url, b"\0")
        return FakeResponse(404, {}, url)

    return answer


@pytest.mark.anyio
async def test_bare_media_playlist_becomes_a_master_with_measured_bandwidth() -> None:
    upstream = FakeUpstream(media_cdn({"seg0.ts": 500_000, "seg1.ts": 500_000}))
    proxy, _, _ = make(FakeFinder(["https://cdn.example/hls/index.m3u8"]), upstream)
    text = (await proxy.stream(REF, None, "GET", {})).body.decode()
    lines = text.splitlines()
    # peak 500 kB in 2 s = 2 Mbit/s; average 1 MB in 6 s; the short last segment is not sampled
    assert lines[:2] == ["#EXTM3U", "#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1333333"]
    assert "u=https%3A%2F%2Fcdn.example%2Fhls%2Findex.m3u8" in lines[2] and len(lines) == 3
    assert all(r.closed for r in upstream.opened)
    measured = len(upstream.calls)
    # The variant itself (a child) is the hoster's media playlist; a second play reuses the measurement.
    child = await proxy.child("https://cdn.example/hls/index.m3u8", "GET", {}, {})
    assert child.body.decode().count("#EXTINF") == 3
    await proxy.stream(REF, None, "GET", {})
    assert len(upstream.calls) == measured + 2  # the child and the second top playlist, no segment requests


@pytest.mark.anyio
async def test_media_playlist_without_measurable_segments_is_served_as_it_is() -> None:
    upstream = FakeUpstream(media_cdn({}))
    proxy, _, _ = make(FakeFinder(["https://cdn.example/hls/index.m3u8"]), upstream)
    text = (await proxy.stream(REF, None, "GET", {})).body.decode()
    assert "#EXT-X-STREAM-INF" not in text and text.count("#EXTINF") == 3
    calls = len(upstream.calls)
    await proxy.stream(REF, None, "GET", {})
    assert len(upstream.calls) == calls + 1  # "not measurable" is remembered: no new segment requests


@pytest.mark.anyio
async def test_playlist_numbers_of_other_digits_are_served_not_a_500() -> None:
    """`²` passes str.isdigit() but int() refuses it: the media sequence and a segment's total are no numbers."""
    odd = MEDIA.replace(b"#EXTM3U\n", "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:\u00b2\n".encode())

    def answer(method: str, url: str, headers: Mapping[str, str]) -> FakeResponse:
        if url.endswith("index.m3u8"):
            return FakeResponse(200, {"content-type": "application/vnd.apple.mpegurl"}, url, odd)
        if url.endswith("seg0.ts"):
            return FakeResponse(206, {"content-range": "bytes 0-0/\u00b2"}, url, b"\0")
        return FakeResponse(206, {"content-range": "bytes 0-0/500000"}, url, b"\0")

    proxy, _, _ = make(FakeFinder(["https://cdn.example/hls/index.m3u8"]), FakeUpstream(answer))
    reply = await proxy.stream(REF, None, "GET", {})
    # seg1 alone is measured: 500 kB in 2 s
    assert reply.status == 200 and reply.body.decode().splitlines()[1].startswith("#EXT-X-STREAM-INF:BANDWIDTH=2000000")
