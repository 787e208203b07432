"""Download benchmark: one throttled connection (today) vs parallel connections (ours) vs the theoretical limit.

Run: `.venv/bin/python bench/download.py [--size-mb 200] [--per-conn-mb 2] [--total-mb 20] [--connections N]`
(quick run: `BENCH_DOWNLOAD_MB=40`). A loopback fake hoster in a child process throttles every connection with a
token bucket (`--per-conn-mb` MB/s, like hoster CDNs) and caps the sum of all connections (`--total-mb` MB/s,
the user's line); it wants a Referer, as hosters do. It serves a progressive MP4 (bytes generated on the fly,
not a real video: the figure is throughput) and an HLS stream (real MPEG-TS segments of ~2 MB, made once by
ffmpeg in a temp dir, so the remux into MP4 runs as in production).

Printed, for both formats, from one run:
- today: MP4 through yt-dlp over one connection; HLS through yt-dlp with its former 4 fragments in flight;
- ours: the production `YtDlpDownloader` with `--connections` per download (MP4: Range parts; HLS: the own
  segment downloader, remuxing through an ffmpeg pipe while the segments arrive);
- limit: min(connections x per-connection rate, total cap), and ours/limit (the target is >= 0.8);
- RSS growth of this process during each download (peak VmRSS sampled every 20 ms minus the value before).
Times include everything until the finished file is in place (for HLS: the ffmpeg remux). Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MB = 1_000_000
CHUNK = 64 * 1024
# Same bytes in the hoster process and here; the period is no power of two, so a misplaced part shows.
PATTERN = random.Random(16).randbytes(1024 * 1024 + 13)
DOUBLE = PATTERN + PATTERN
REFERER = "https://hoster.example/"


def pattern_bytes(offset: int, length: int) -> bytes:
    out = bytearray()
    while length > 0:
        start = offset % len(PATTERN)
        take = min(length, len(PATTERN))
        out += DOUBLE[start : start + take]
        offset += take
        length -= take
    return bytes(out)


# --------------------------------------------------------------------------- fake hoster (child process)
class Bucket:
    """Token bucket with reservations: a sender spends first and sleeps off any debt, so waiting senders are
    served in turn and the long-run rate is exact."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def reserve(self, size: int) -> float:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= size
        return max(0.0, -self.tokens / self.rate)


async def serve(port: int, root: Path, mp4_size: int, per_conn: float, total: float) -> None:
    line = Bucket(total, 256 * 1024)

    async def send(writer: asyncio.StreamWriter, conn: Bucket, data: bytes) -> None:
        writer.write(data)
        await writer.drain()
        wait = max(conn.reserve(len(data)), line.reserve(len(data)))
        if wait > 0:
            await asyncio.sleep(wait)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Bucket(per_conn, CHUNK)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                target = lines[0].split(" ")[1].split("?", 1)[0]
                headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
                if headers.get("referer") != REFERER:
                    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                path = None if target == "/video.mp4" else root / target.lstrip("/")
                if path is not None and not path.is_file():
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                size = mp4_size if path is None else path.stat().st_size
                start, end, status, extra = 0, size - 1, "200 OK", ""
                match = re.fullmatch(r"bytes=(\d+)-(\d*)", headers.get("range", ""))
                if match and int(match.group(1)) < size:
                    start = int(match.group(1))
                    end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
                    status, extra = "206 Partial Content", f"Content-Range: bytes {start}-{end}/{size}\r\n"
                ctype = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}.get(
                    path.suffix if path else "", "video/mp4")
                writer.write((f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nAccept-Ranges: bytes\r\n{extra}"
                              f"Content-Length: {end - start + 1}\r\n\r\n").encode())
                if path is None:
                    for offset in range(start, end + 1, CHUNK):
                        await send(writer, conn, pattern_bytes(offset, min(CHUNK, end + 1 - offset)))
                else:
                    with open(path, "rb") as f:
                        f.seek(start)
                        left = end - start + 1
                        while left > 0:
                            data = f.read(min(CHUNK, left))
                            left -= len(data)
                            await send(writer, conn, data)
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# --------------------------------------------------------------------------- client side (this process)
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_hls(root: Path, size: int) -> int:
    """~`size` bytes of real H.264 MPEG-TS in 2 s segments (a 4 s noisy clip at 8 Mbit/s, looped by copy)."""
    hls = root / "hls"
    hls.mkdir(parents=True)
    clip = root / "clip.ts"
    ff = ["ffmpeg", "-v", "error", "-y"]
    subprocess.run([*ff, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "4", "-vf",
                    "noise=alls=30:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-maxrate",
                    "8M", "-bufsize", "4M", "-g", "50", "-f", "mpegts", str(clip)], check=True)
    loops = max(1, math.ceil(size / clip.stat().st_size))
    subprocess.run([*ff, "-stream_loop", str(loops - 1), "-i", str(clip), "-c", "copy", "-f", "hls",
                    "-hls_time", "2", "-hls_list_size", "0", "-hls_segment_filename", str(hls / "seg%05d.ts"),
                    str(hls / "index.m3u8")], check=True)
    clip.unlink()
    return sum(p.stat().st_size for p in hls.glob("*.ts"))


def cpu_seconds() -> float:
    """CPU of this process and its finished children (yt-dlp's ffmpeg remux), user + system."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class RssPeak:
    """Peak RSS of this process while a download runs (sampled; Python frees and reuses, so peak is honest)."""

    def __init__(self) -> None:
        self.base = rss()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


class Phase:
    """When the first and the last new byte arrived (progress callbacks), to split transfer from setup and remux.
    Only a growing byte count counts: the own HLS path reports the finished MP4's (smaller) size at the very end."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last = 0.0
        self.most = 0

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if progress.downloaded_bytes > 0 and self.first is None:
            self.first = now
        if progress.downloaded_bytes > self.most or self.first is None:
            self.most = progress.downloaded_bytes
            self.last = now


def timed(label: str, run: Callable[[Phase], Path], check: Callable[[Path], None]) -> tuple[float, int, float]:
    """Total seconds, RSS growth, and seconds from the end of the transfer to the finished file (remux)."""
    cpu_before = cpu_seconds()
    phase = Phase()
    with RssPeak() as mem:
        started = time.monotonic()
        path = run(phase)
        elapsed = time.monotonic() - started
        tail = time.monotonic() - phase.last
    cpu = cpu_seconds() - cpu_before
    check(path)
    size = path.stat().st_size
    print(f"  {label:<34} {elapsed:7.1f} s  {size / elapsed / MB:6.2f} MB/s  RSS +{(mem.peak - mem.base) / MB:5.1f} MB"
          f"  CPU {cpu:5.1f} s  (setup {(phase.first or started) - started:.1f} s, after last byte {tail:.1f} s)",
          flush=True)
    path.unlink()
    return elapsed, mem.peak - mem.base, tail


def check_mp4(size: int) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        assert path.stat().st_size == size, f"{path}: {path.stat().st_size} != {size}"
        with open(path, "rb") as f:
            for offset in sorted({0, size // 3, size // 2, size - 4096, 12_345_678 % size}):
                f.seek(offset)
                if f.read(4096) != pattern_bytes(offset, min(4096, size - offset)):
                    raise SystemExit(f"corrupt download at offset {offset}")
    return check


def check_hls(seconds: float) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration,format_name", "-of",
                              "default=nw=1", str(path)], capture_output=True, text=True, check=True).stdout
        duration = float(re.search(r"duration=([\d.]+)", out).group(1))  # type: ignore[union-attr]
        if "mp4" not in out or duration < seconds * 0.95:
            raise SystemExit(f"bad HLS result: {out!r} (want ~{seconds:.0f} s)")
    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size-mb", type=float, default=float(os.environ.get("BENCH_DOWNLOAD_MB", 200)))
    parser.add_argument("--per-conn-mb", type=float, default=2.0, help="hoster throttle per connection, MB/s")
    parser.add_argument("--total-mb", type=float, default=20.0, help="cap of all connections together, MB/s")
    parser.add_argument("--connections", type=int, default=None, help="per download (default: the setting's)")
    parser.add_argument("--only", choices=("mp4", "hls"), help="run one format")
    parser.add_argument("--serve", nargs=5, metavar=("PORT", "ROOT", "MP4", "PER", "TOTAL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        port, root, size, per, total = args.serve
        asyncio.run(serve(int(port), Path(root), int(size), float(per), float(total)))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from anibridge.adapters.ytdlp import YtDlpDownloader
    from anibridge.ports.streams import DirectStream
    from anibridge.settings import Settings

    connections = args.connections or Settings().download_connections
    size = int(args.size_mb * MB)
    per, total = args.per_conn_mb * MB, args.total_mb * MB
    limit = min(connections * per, total)
    work = Path(tempfile.mkdtemp(prefix="anibridge-bench-dl-"))
    port = free_port()
    hoster = None
    try:
        hls_bytes = make_hls(work / "site", size)
        hls_seconds = 2.0 * len(list((work / "site" / "hls").glob("*.ts")))
        hoster = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(work / "site"), str(size),
                                   str(per), str(total)])
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        headers = {"Referer": REFERER}
        mp4 = DirectStream(f"{base}/video.mp4", "VOE", headers)
        hls = DirectStream(f"{base}/hls/index.m3u8", "VOE", headers, is_hls=True)
        dest = work / "out"
        dest.mkdir()
        ours = YtDlpDownloader(connections_per_download=connections, connections_total=connections)
        today = YtDlpDownloader(connections_per_download=4, connections_total=4)
        print(f"hoster: {per / MB:g} MB/s per connection, {total / MB:g} MB/s total; ours: {connections} "
              f"connections per download; MP4 {size / MB:.0f} MB, HLS {hls_bytes / MB:.0f} MB "
              f"({hls_seconds:.0f} s in 2 s segments)", flush=True)
        # Today's MP4 path: yt-dlp over one connection (the private entry point skips the Range parts).
        if args.only != "hls":
            run_mp4(today, ours, mp4, dest, size, limit, connections)
        if args.only != "mp4":
            run_hls(today, ours, hls, dest, hls_bytes, hls_seconds, limit, connections)
    finally:
        if hoster is not None:
            hoster.terminate()
            hoster.wait()
        shutil.rmtree(work, ignore_errors=True)


def never() -> bool:
    return False


def run_mp4(today: Any, ours: Any, mp4: Any, dest: Path, size: int, limit: float, connections: int) -> None:
    print("MP4 (progressive):")
    t_one, _, _ = timed("today: yt-dlp, 1 connection",
                        lambda cb: today._run_ytdlp(mp4, dest, "one", cb, never, None, 1), check_mp4(size))
    t_ours, m_ours, _ = timed(f"ours: {connections} Range connections",
                              lambda cb: ours._run(mp4, dest, "ours", cb, never, None), check_mp4(size))
    t_limit = size / limit
    print(f"  {'limit: min(conns x rate, cap)':<34} {t_limit:7.1f} s  {limit / MB:6.2f} MB/s")
    print(f"  ours/limit {t_limit / t_ours:.2f}   ours vs today x{t_one / t_ours:.1f}   "
          f"RSS growth {m_ours / MB:.1f} MB")


def run_hls(today: Any, ours: Any, hls: Any, dest: Path, hls_bytes: int, hls_seconds: float, limit: float,
            connections: int) -> None:
    print("HLS:")
    # Today's HLS path: yt-dlp with its former 4 fragments in flight (the private entry point skips our own).
    h_today, _, _ = timed("today: yt-dlp, 4 fragments",
                          lambda cb: today._run_ytdlp(hls, dest, "today", cb, never, None, 4),
                          check_hls(hls_seconds))
    h_ours, mh_ours, h_tail = timed(f"ours: {connections} segment connections",
                                    lambda cb: ours._run(hls, dest, "hours", cb, never, None),
                                    check_hls(hls_seconds))
    h_limit = hls_bytes / limit
    print(f"  {'limit: min(conns x rate, cap)':<34} {h_limit:7.1f} s  {limit / MB:6.2f} MB/s")
    print(f"  ours/limit {h_limit / h_ours:.2f}   ours vs today x{h_today / h_ours:.1f}   "
          f"RSS growth {mh_ours / MB:.1f} MB   transfer only (without the remux after the last byte): "
          f"ours/limit {h_limit / (h_ours - h_tail):.2f}")


if __name__ == "__main__":
    main()
