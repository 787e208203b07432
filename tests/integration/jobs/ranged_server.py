"""A loopback file server whose Range behaviour the ranged-downloader tests switch per case.

It serves one in-memory blob (random bytes, so a misplaced part shows up as a mismatch) and can: ignore Range
headers, hide the length, cut one part's connection midway, refuse connections beyond a limit with 403, and
throttle each connection. Every request is recorded (Range header, Referer, bytes sent).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    range: str | None
    referer: str | None
    sent: int = 0
    status: int = 0


@dataclass
class RangedState:
    blob: bytes
    content_type: str = "video/mp4"
    ranges: bool = True
    send_length: bool = True
    bytes_per_sec: int = 0
    status: int | None = None
    # Cut the first request that starts at a nonzero offset after this many bytes (once).
    cut_after: int | None = None
    max_connections: int = 0
    requests: list[Request] = field(default_factory=list)
    active: int = 0
    peak_active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: RangedState

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        state = self.state
        record = Request(self.headers.get("Range"), self.headers.get("Referer"))
        with state.lock:
            state.requests.append(record)
            state.active += 1
            state.peak_active = max(state.peak_active, state.active)
            over = bool(state.max_connections) and state.active > state.max_connections
        try:
            self._serve(state, record, over)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with state.lock:
                state.active -= 1

    def _serve(self, state: RangedState, record: Request, over: bool) -> None:
        status = 403 if over else state.status
        record.status = status or (206 if state.ranges and record.range else 200)
        if status is not None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = state.blob
        start, end = 0, len(data) - 1
        if state.ranges and record.range and record.range.startswith("bytes="):
            first, _, last = record.range[6:].partition("-")
            start = int(first or 0)
            end = min(int(last), end) if last else end
            self.send_response(206)
            total = str(len(data)) if state.send_length else "*"
            self.send_header("Content-Range", f"bytes {start}-{end}/{total}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", state.content_type)
        if state.ranges:
            self.send_header("Accept-Ranges", "bytes")
        body = data[start : end + 1]
        if state.send_length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        cut = None
        with state.lock:
            if state.cut_after is not None and start > 0:
                cut, state.cut_after = state.cut_after, None
        piece = 16 * 1024
        for offset in range(0, len(body), piece):
            if cut is not None and offset >= cut:
                self.close_connection = True
                self.connection.shutdown(2)  # the part's connection breaks midway
                return
            chunk = body[offset : offset + piece]
            self.wfile.write(chunk)
            record.sent += len(chunk)
            if state.bytes_per_sec:
                time.sleep(len(chunk) / state.bytes_per_sec)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up mid-body on purpose (part ends, cancels); no tracebacks on stderr


class RangedServer:
    def __init__(self, size: int) -> None:
        self.state = RangedState(blob=os.urandom(size))
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str = "video.mp4") -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{path}"

    def __enter__(self) -> RangedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
