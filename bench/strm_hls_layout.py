"""HLS-as-file layout discovery: what the first probe of an HLS `.strm` costs before its first byte.

Run: `.venv/bin/python bench/strm_hls_layout.py [--segments 150] [--delay-ms 0,20]`.
A loopback fake CDN (anibridge_fakes' threaded server) serves a media playlist of N segments (the fake media's
real MPEG-TS segment, plain and AES-128) with an optional per-request delay standing in for a CDN's round trip.
For each case it times the proxy's layout discovery (one size request per segment, LAYOUT_PARALLEL at a time;
AES: a suffix range per segment and the key) against the baseline of one playlist GET on the same server, and
prints both and their ratio. Then, without delay, it streams the whole file (the proxy's body: ranged GETs,
AES-128 decrypted on the way) against fetching the same segments one GET after another, the work a player
does on the playlist answer. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from anibridge.adapters.aes_cbc import NativeSegmentCipher
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.adapters.strm.upstream import HttpxUpstream
from anibridge.domain.strm.hls_file import LAYOUT_PARALLEL, HlsFiles
from anibridge_fakes.hosters.common import serve_file
from anibridge_fakes.http import App, FakeServer, Request, Response
from anibridge_fakes.media import ensure_media

HLS = "application/vnd.apple.mpegurl"


def playlist(segments: int, encrypted: bool) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1", "#EXT-X-PLAYLIST-TYPE:VOD"]
    if encrypted:
        lines.append('#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x000102030405060708090a0b0c0d0e0f')
    for n in range(segments):
        lines += ["#EXTINF:1.000000,", f"seg{n:04d}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return ("\n".join(lines) + "\n").encode()


def cdn(segments: int, delay: list[float]) -> FakeServer:
    media = ensure_media()
    plain = media.file("hls", "720p_000.ts")
    aes = media.file("hls-aes", "720p_000.ts")
    key = media.file("hls-aes", "key.bin")
    assert plain and aes and key
    app = App("bench-cdn")
    lists = {"plain": playlist(segments, False), "aes": playlist(segments, True)}

    @app.route(r"/(?P<kind>plain|aes)/index.m3u8")
    def _playlist(request: Request) -> Response:
        time.sleep(delay[0])
        return Response(200, lists[request.params["kind"]], content_type=HLS)

    @app.route(r"/(?P<kind>plain|aes)/(?P<name>seg\d+\.ts|key\.bin)")
    def _segment(request: Request) -> Response:
        time.sleep(delay[0])
        if request.params["name"] == "key.bin":
            return serve_file(request, key)
        return serve_file(request, plain if request.params["kind"] == "plain" else aes)

    return FakeServer(app).start()


async def timed(work: object) -> float:
    start = time.perf_counter()
    await work  # type: ignore[misc]
    return time.perf_counter() - start


async def run(segments: int, delays: list[float], repeats: int) -> None:
    delay = [0.0]
    server = cdn(segments, delay)
    upstream = HttpxUpstream(SsrfGuard([f"127.0.0.1:{server.port}"]))
    try:
        print(f"layout discovery, {segments} segments, {LAYOUT_PARALLEL} size requests in flight (best of "
              f"{repeats}; baseline: one playlist GET)")
        for ms in delays:
            delay[0] = ms / 1000
            for kind in ("plain", "aes"):
                url = f"{server.base_url}/{kind}/index.m3u8"
                layouts, baselines = [], []
                for _ in range(repeats):
                    files = HlsFiles(upstream, NativeSegmentCipher())  # empty cache: a first probe
                    layouts.append(await timed(files.layout(url, {})))
                    found = await files.layout(url, {})
                    assert found is not None and len(found.layout.parts) == segments

                    async def one_get(target: str = url) -> None:
                        resp = await upstream.open("GET", target, {})
                        await resp.read(1 << 20)
                        await resp.aclose()

                    baselines.append(await timed(one_get()))
                best, base = min(layouts), statistics.median(baselines)
                print(f"  delay {ms:>4.0f} ms  {kind:<5}  layout {best * 1000:8.1f} ms   playlist GET "
                      f"{base * 1000:6.1f} ms   ratio {best / base:6.1f}x   per segment {best / segments * 1000:5.2f} ms")
        delay[0] = 0.0
        print("whole file through the body vs the same segments fetched one by one (best of "
              f"{repeats}, no delay)")
        for kind in ("plain", "aes"):
            url = f"{server.base_url}/{kind}/index.m3u8"
            files = HlsFiles(upstream, NativeSegmentCipher())
            found = await files.layout(url, {})
            assert found is not None
            layout = found.layout

            async def drain() -> None:
                body = files.body(found, 0, layout.total - 1, {}, {}, 200)
                assert await body.start() is None
                seen = 0
                async for chunk in body.iter_raw():
                    seen += len(chunk)
                assert seen == layout.total

            async def one_by_one() -> None:
                for part in layout.parts:
                    resp = await upstream.open("GET", part.url, {})
                    async for _ in resp.iter_raw(None):
                        pass
                    await resp.aclose()

            body_time = min([await timed(drain()) for _ in range(repeats)])
            direct_time = min([await timed(one_by_one()) for _ in range(repeats)])
            mb = layout.total / 1e6
            print(f"  {kind:<5}  {mb:6.1f} MB   file body {mb / body_time:7.1f} MB/s   segments direct "
                  f"{mb / direct_time:7.1f} MB/s   ratio {direct_time / body_time:5.2f}")
    finally:
        await upstream.aclose()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--segments", type=int, default=150)
    parser.add_argument("--delay-ms", default="0,20", help="comma-separated per-request CDN delays")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.segments, [float(x) for x in args.delay_ms.split(",")], args.repeats))


if __name__ == "__main__":
    main()
