"""STRM proxy benchmark: throughput vs direct, memory, 50 concurrent streams, upstream release after abort.

Run: `.venv/bin/python bench/strm_proxy.py [--size-mb 500] [--streams 50] [--paces 40,100,400]`.
Three processes on 127.0.0.1: a raw-asyncio upstream serving a generated file (no disk, Range aware, records
when a client connection dies), the anibridge STRM proxy (Falcon + uvicorn + disconnect guard, exactly the
production resources with a fixed resolver), and this client. "direct" and "via proxy" use the same upstream
process, file and client (curl), alternating, best of 2; the ratio for an unlimited loopback upstream mostly
measures CPU contention on small machines, the paced ones (CDN-like per-connection rates) what a player sees.
For the unlimited case a bare zero-copy relay (bench/bare_relay.py) runs too: the ceiling any proxy can reach.
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

BLOCK = bytes(range(256)) * 4096  # 1 MiB pattern


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- upstream (child process)
async def serve_upstream(port: int, size: int) -> None:
    aborts: list[float] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
                if target == "/stats":
                    body = json.dumps({"aborts": aborts}).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)
                    await writer.drain()
                    continue
                start, end, status = 0, size - 1, "200 OK"
                m = re.fullmatch(r"bytes=(\d+)-(\d*)", headers.get("range", ""))
                if m:
                    start = int(m.group(1))
                    end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
                    status = "206 Partial Content"
                extra = f"Content-Range: bytes {start}-{end}/{size}\r\n" if m else ""
                writer.write((f"HTTP/1.1 {status}\r\nContent-Type: video/mp4\r\nAccept-Ranges: bytes\r\n"
                              f"Content-Length: {end - start + 1}\r\n{extra}\r\n").encode())
                if method == "HEAD":
                    await writer.drain()
                    continue
                view = memoryview(BLOCK)
                pos = start
                # `/paced-<MB/s>…` is rate-limited per connection like a CDN; any other path is unlimited.
                paced = re.match(r"/paced-(\d+(?:\.\d+)?)", target)
                pace_mbps = float(paced.group(1)) if paced else 0.0
                began = time.monotonic()
                try:
                    while pos <= end:
                        off = pos % len(BLOCK)
                        n = min(len(BLOCK) - off, end - pos + 1)
                        writer.write(view[off:off + n])
                        await writer.drain()
                        pos += n
                        if paced:  # a CDN-like per-connection rate
                            ahead = (pos - start) / (pace_mbps * 1e6) - (time.monotonic() - began)
                            if ahead > 0:
                                await asyncio.sleep(ahead)
                except (ConnectionError, OSError):
                    aborts.append(time.time())
                    return
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# --------------------------------------------------------------------------- proxy (child process)
def serve_proxy(port: int, upstream: str) -> None:
    import falcon.asgi
    import uvicorn

    from anibridge.adapters.clock import SystemClock
    from anibridge.adapters.memory import InMemoryStrmMappingRepo
    from anibridge.adapters.ssrf import SsrfGuard
    from anibridge.adapters.strm.upstream import HttpxUpstream
    from anibridge.delivery.disconnect import DisconnectGuard
    from anibridge.delivery.strm import add_strm_routes
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.domain.strm.proxy import (
        ProxyOptions,
        StrmProxy,
    )
    from anibridge.domain.strm.urls import AuthMode
    from anibridge.ports.streams import DirectStream

    class Finder:
        async def find(self, ref: EpisodeRef, preferred: str | None = None,
                       exclude: frozenset[str] = frozenset()) -> DirectStream:
            return DirectStream(url=f"{upstream}/{ref.slug}.mp4", provider="VOE", headers={"Referer": "https://x/"})

    clock = SystemClock()
    proxy = StrmProxy(Finder(), InMemoryStrmMappingRepo(), HttpxUpstream(SsrfGuard(["127.0.0.1"])), clock,
                      ProxyOptions(f"http://127.0.0.1:{port}", AuthMode.NONE, ""))
    app = falcon.asgi.App()
    add_strm_routes(app, proxy, lambda: clock.now().timestamp())
    uvicorn.run(DisconnectGuard(app), host="127.0.0.1", port=port, log_level="warning", lifespan="off")


# --------------------------------------------------------------------------- client (this process)
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


async def wait_up(url: str) -> None:
    async with httpx.AsyncClient() as c:
        for _ in range(200):
            try:
                await c.head(url)
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


async def fetch(client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> int:
    got = 0
    async with client.stream("GET", url, headers=headers) as resp:
        resp.raise_for_status()
        async for chunk in resp.aiter_raw(1 << 20):
            got += len(chunk)
    return got


CLIENT = "curl" if shutil.which("curl") else "httpx"


async def throughput(client: httpx.AsyncClient, url: str, size: int) -> float:
    """MB/s of one full download; curl (native) when present so the client is not the bottleneck."""
    t = time.perf_counter()
    if CLIENT == "curl":
        proc = await asyncio.create_subprocess_exec(
            "curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", url, stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        got = int(out or b"0")
    else:
        got = await fetch(client, url)
    assert got == size, (url, got)
    return size / (time.perf_counter() - t) / 1e6


def upstream_cases(paces: str) -> list[tuple[str, str]]:
    """(label, upstream file stem): the unlimited loopback first, then each CDN-like per-connection rate."""
    cases = [("unlimited loopback", "video")]
    for pace in (float(p) for p in paces.split(",") if p.strip()):
        cases.append((f"CDN-like {pace:g} MB/s", f"paced-{pace:g}"))
    return cases


async def run(args: argparse.Namespace, up: str, px: str, proxy_pid: int, relay: str) -> None:
    size = args.size_mb * 1024 * 1024
    stream = f"{px}/strm/stream?e=1&lang=German+Dub&s=1&site=aniworld.to&slug=bench"
    limits = httpx.Limits(max_connections=args.streams + 5)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await fetch(client, stream, {"Range": "bytes=0-1048575"})  # warm-up: resolve + pool
        base_rss = rss_kb(proxy_pid, "VmRSS")
        summary = []
        for label, stem in upstream_cases(args.paces):
            rates: dict[str, list[float]] = {}
            proxy_cpu = 0.0
            # Same upstream server, same file, same client for both: only the proxy hop differs.
            target = stream.replace("slug=bench", f"slug={stem}")
            urls = [("direct", f"{up}/{stem}.mp4"), ("proxy", target)]
            if stem == "video":  # the ceiling: the cheapest relay possible, same upstream, same client
                urls.append(("bare relay", f"{relay}/{stem}.mp4"))
            for name, url in urls * 2:
                cpu0 = cpu_seconds(proxy_pid)
                rates.setdefault(name, []).append(await throughput(client, url, size))
                if name == "proxy":
                    proxy_cpu += cpu_seconds(proxy_pid) - cpu0
            direct, proxied = max(rates["direct"]), max(rates["proxy"])
            print(f"{label}: {args.size_mb} MB  direct {direct:.0f} MB/s  via proxy {proxied:.0f} MB/s  "
                  f"ratio {proxied / direct:.2f}  (best of 2, client {CLIENT}; proxy "
                  f"{proxy_cpu / (2 * size / 1e9):.2f} CPU-s/GB; load avg {os.getloadavg()[0]:.1f} on "
                  f"{os.cpu_count()} CPUs)")
            if "bare relay" in rates:
                bare = max(rates["bare relay"])
                print(f"  ceiling: a bare zero-copy relay (bench/bare_relay.py) {bare:.0f} MB/s, ratio "
                      f"{bare / direct:.2f}; the proxy reaches {proxied / bare:.2f} of it")
            summary.append(f"{label.replace('CDN-like ', '')} {proxied / direct:.2f}")
        print("ratio proxy/direct: " + ", ".join(summary))
        if (os.cpu_count() or 1) < 4:
            print(f"  note: {os.cpu_count()} CPUs for upstream + proxy + client; unlimited loopback direct is two "
                  "processes, via proxy three with twice the socket copies, so that ratio is CPU-bound here")

        per = min(size, 64 * 1024 * 1024)
        t = time.perf_counter()
        results = await asyncio.gather(*[
            fetch(client, stream, {"Range": f"bytes={i * 4096}-{i * 4096 + per - 1}"}) for i in range(args.streams)
        ])
        elapsed = time.perf_counter() - t
        ok = sum(1 for r in results if r == per)
        print(f"{args.streams} concurrent streams x {per // 2**20} MB: {ok}/{args.streams} complete, "
              f"aggregate {sum(results) / elapsed / 1e6:.0f} MB/s in {elapsed:.1f} s")
        peak = rss_kb(proxy_pid, "VmHWM")
        print(f"proxy RSS: {base_rss / 1024:.1f} MB after warm-up, peak {peak / 1024:.1f} MB, "
              f"growth {(peak - base_rss) / 1024:.1f} MB")

        delays = []
        for _ in range(args.aborts):
            before = len((await client.get(f"{up}/stats")).json()["aborts"])
            async with client.stream("GET", stream) as resp:
                got = 0
                async for chunk in resp.aiter_raw(1 << 20):
                    got += len(chunk)
                    if got >= 8 * 1024 * 1024:
                        break
                aborted_at = time.time()
            # leaving the block closes our connection to the proxy mid-body
            deadline = time.time() + 10
            stats: list[float] = []
            while time.time() < deadline:
                stats = (await client.get(f"{up}/stats")).json()["aborts"]
                if len(stats) > before:
                    break
                await asyncio.sleep(0.01)
            delays.append(stats[-1] - aborted_at if len(stats) > before else float("inf"))
        print(f"upstream closed after client abort: median {statistics.median(delays) * 1000:.0f} ms, "
              f"max {max(delays) * 1000:.0f} ms over {len(delays)} aborts")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=500)
    ap.add_argument("--streams", type=int, default=50)
    ap.add_argument("--aborts", type=int, default=5)
    ap.add_argument("--paces", default="40,100,400", help="per-connection rates (MB/s) of the paced upstreams")
    ap.add_argument("--serve-upstream", type=int)
    ap.add_argument("--serve-proxy", type=int)
    ap.add_argument("--upstream")
    args = ap.parse_args()
    if args.serve_upstream:
        asyncio.run(serve_upstream(args.serve_upstream, args.size_mb * 1024 * 1024))
        return
    if args.serve_proxy:
        serve_proxy(args.serve_proxy, args.upstream)
        return
    up_port, px_port, relay_port = free_port(), free_port(), free_port()
    up, px = f"http://127.0.0.1:{up_port}", f"http://127.0.0.1:{px_port}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    me = [sys.executable, __file__, "--size-mb", str(args.size_mb)]
    upstream = subprocess.Popen([*me, "--serve-upstream", str(up_port)], env=env)
    proxy = subprocess.Popen([*me, "--serve-proxy", str(px_port), "--upstream", up], env=env)
    relay = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bare_relay.py")), str(relay_port),
                              str(up_port)])
    try:
        asyncio.run(wait_up(f"{up}/video.mp4"))
        asyncio.run(wait_up(f"{px}/strm/proxy"))
        asyncio.run(run(args, up, px, proxy.pid, f"http://127.0.0.1:{relay_port}"))
    finally:
        for p in (relay, proxy, upstream):
            p.terminate()
            p.wait(timeout=10)


if __name__ == "__main__":
    main()
