"""Hoster resolution figures against the loopback fakes: per-hoster resolve latency (p50/p95 over N runs) and
the cost of the pure-Python decoders (VOE six steps, Byse AES-256-GCM, packed-JS unpacking).

Usage: `python bench/hosters.py [runs]` — prints numbers, asserts nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import httpx

from anibridge.adapters.hosters.decoders import unpack_js, voe_decode
from anibridge.adapters.hosters.filemoon import decrypt_playback
from anibridge.settings import Settings
from anibridge.wiring.streams import build_resolvers
from anibridge_fakes.hosters.farm import PROVIDERS, HosterFarm
from anibridge_fakes.hosters.filemoon import encrypt_playback, pack
from anibridge_fakes.hosters.voe import encode_config


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - start) * 1000)
    return out


async def resolve_latency(farm: HosterFarm, runs: int) -> None:
    async with httpx.AsyncClient() as client:
        resolvers = {r.provider: r for r in build_resolvers(client, Settings(http_timeout_seconds=5))}
        print(f"resolve latency against the fakes ({runs} runs each, ms):")
        for provider in PROVIDERS:
            embed = farm.embed_url(provider, "bench", "hls")
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                await resolvers[provider].resolve(embed)
                samples.append((time.perf_counter() - start) * 1000)
            print(f"  {provider:<11} p50 {statistics.median(samples):7.2f}  p95 {pct(samples, 0.95):7.2f}")


def decoders(runs: int) -> None:
    config = {"source": "https://cdn.example/engine/hls2/01/abc/master.m3u8?t=x&s=1&e=14400", "captions": []}
    encoded = encode_config(config)
    playback = encrypt_playback({"sources": [{"url": "https://a/1080.m3u8", "height": 1080}]}, "bench")
    packed = "<script>" + pack('jwplayer("v").setup({sources:[{file:"https://b.example/hls/master.m3u8"}]});') + "</script>"
    print(f"decoders ({runs} runs each, ms):")
    for name, fn in (("VOE six steps", lambda: voe_decode(encoded)), ("Byse AES-256-GCM", lambda: decrypt_playback(playback)),
                     ("packed JS unpack", lambda: unpack_js(packed))):
        samples = timed(fn, runs)
        print(f"  {name:<17} p50 {statistics.median(samples):7.3f}  p95 {pct(samples, 0.95):7.3f}")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    farm = HosterFarm().start()
    try:
        asyncio.run(resolve_latency(farm, runs))
    finally:
        farm.stop()
    decoders(runs)


if __name__ == "__main__":
    main()
