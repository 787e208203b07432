"""Peak RSS of the real server (uvicorn + anibridge) while 300 MiB request bodies are refused.

`python bench/body_limit.py` starts `anibridge serve` on a free loopback port with a fresh DATA_DIR, reads its
resident set after a warm-up request (the baseline), then sends 300 MiB to `/downloader/download` and
`/api/v2/torrents/add`, once announced by Content-Length and once chunked (which only the limit can stop).
It prints the server's peak RSS (VmHWM) against the baseline: a ratio near 1 means the bodies were refused
without being buffered (before the body limit the chunked one took the process to about 1 GB).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BODY = 300 * 2**20
CHUNK = 256 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing")


def _wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def _send(port: int, path: str, chunked: bool) -> tuple[str, int]:
    """Send up to BODY bytes; returns (status line, bytes the server accepted before answering/closing)."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {BODY}\r\n"
    sent = 0
    chunk = b"[" * CHUNK
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall((head + "Connection: close\r\n\r\n").encode())
        s.settimeout(0.0)
        answer = b""
        try:
            while sent < BODY:
                try:
                    answer += s.recv(65536)
                    if answer:
                        break  # the server answered early: stop sending like a polite client
                except BlockingIOError:
                    pass
                payload = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") if chunked else chunk
                s.settimeout(30)
                s.sendall(payload)
                s.settimeout(0.0)
                sent += len(chunk)
            if chunked and not answer:
                s.settimeout(30)
                s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(30)
        try:
            while b"\r\n" not in answer:
                more = s.recv(65536)
                if not more:
                    break
                answer += more
        except OSError:
            pass
    return answer.split(b"\r\n", 1)[0].decode(errors="replace"), sent


def main() -> int:
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "DATA_DIR": data, "LOG_LEVEL": "warning"}
        server = subprocess.Popen([str(Path(sys.executable).parent / "anibridge"), "serve", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env)
        try:
            _wait_ready(port, time.monotonic() + 60)
            baseline = _status_kib(server.pid, "VmRSS")
            print(f"baseline RSS after start-up: {baseline / 1024:.1f} MiB")
            for path in ("/downloader/download", "/api/v2/torrents/add"):
                for chunked in (False, True):
                    status, sent = _send(port, path, chunked)
                    peak = _status_kib(server.pid, "VmHWM")
                    kind = "chunked" if chunked else "Content-Length"
                    print(f"{path:22s} {kind:14s} -> {status!r:32s} client sent {sent / 2**20:6.1f} MiB; "
                          f"peak RSS so far {peak / 1024:.1f} MiB = {peak / baseline:.2f}x baseline")
            peak = _status_kib(server.pid, "VmHWM")
            print(f"peak RSS {peak / 1024:.1f} MiB for {BODY // 2**20} MiB bodies: {peak / baseline:.2f}x the baseline "
                  f"({(peak - baseline) / 1024:.1f} MiB above it)")
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
