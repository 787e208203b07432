"""A tiny threaded HTTP server with routing and switchable faults, shared by every fake site and hoster."""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from anibridge_fakes.gates import Protection
from anibridge_fakes.messages import Request, Response

__all__ = ["App", "FakeServer", "Faults", "Handler", "Request", "Response"]


Handler = Callable[[Request], Response]


@dataclass
class Faults:
    """Switchable faults of one fake server. All off by default; tests flip them and reset afterwards."""

    latency: float = 0.0  # seconds added before every answer
    status: int | None = None  # answer every request with this status (e.g. 503)
    hang: bool = False  # never answer (until reset) — exercises client timeouts
    challenge: bool = False  # site-specific: serve the captcha/challenge page instead
    layout_changed: bool = False  # site-specific: serve pages whose structure the parser does not know
    expire_after: float | None = None  # hosters: direct media URLs answer 403 once older than this (seconds)
    only_paths: str | None = None  # regex; when set, faults apply only to matching paths
    moved_to: str | None = None  # sites: base URL the site moved to; old paths answer 301 there (mirrors.txt stays)
    # hosters: the media CDN hands out broken media while answering 200 — "html-segments" (HLS segments are an
    # HTML "File not found" page), "html-as-video" (that page labelled video/mp4 instead of the MP4), "truncated"
    # (the MP4 stops halfway on a response without Content-Length).
    broken_media: str | None = None

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def applies(self, path: str) -> bool:
        return self.only_paths is None or re.search(self.only_paths, path) is not None


class App:
    """Routes `(method, regex)` to handlers; named groups become `request.params`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.faults = Faults()
        self.protection: Protection = Protection()  # DDoS-Guard / Cloudflare fronts, bursts, moved hosts; all off
        self.hits: list[str] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, pattern: str, methods: str = "GET,HEAD") -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            for method in methods.split(","):
                self._routes.append((method, re.compile(pattern + r"\Z"), fn))
            return fn

        return deco

    def dispatch(self, request: Request) -> Response:
        self.hits.append(request.path)
        for method, rx, fn in self._routes:
            if method != request.method:
                continue
            m = rx.match(request.path)
            if m:
                request.params = {k: v for k, v in m.groupdict().items() if v is not None}
                return fn(request)
        return Response.not_found()


class _Handler(BaseHTTPRequestHandler):
    app: App
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        return

    def _serve(self) -> None:
        app = self.server.app  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        port = self.server.server_port  # type: ignore[attr-defined]
        host = self.headers.get("Host") or f"127.0.0.1:{port}"
        request = Request(
            method=self.command,
            path=parts.path,
            query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
            client=str(self.client_address[0]),
        )
        faults: Faults = app.faults
        if faults.applies(parts.path) and not parts.path.startswith("/_"):
            if faults.hang:
                while app.faults.hang:
                    time.sleep(0.05)
            if faults.latency:
                time.sleep(faults.latency)
            if faults.status:
                self._write(Response(faults.status, b"fault injected", content_type="text/plain"))
                return
        try:
            response = app.protection.answer(request) or app.dispatch(request)
        except Exception as ex:  # noqa: BLE001 - a fake must answer, never hang the client
            response = Response(500, f"fake error: {ex}".encode(), content_type="text/plain")
        self._write(response)

    def _write(self, response: Response) -> None:
        chunks: Iterator[bytes]
        if isinstance(response.body, bytes):
            chunks = iter([response.body])
            response.headers.setdefault("Content-Length", str(len(response.body)))
        else:
            chunks = iter(response.body)
        # A protection front names itself in `Server` (ddos-guard, cloudflare); everything else is the stdlib's.
        server = next((v for k, v in response.headers.items() if k.lower() == "server"), self.version_string())
        self.send_response_only(response.status)
        self.send_header("Server", server)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", response.content_type)
        for key, value in response.headers.items():
            if key.lower() != "server":
                self.send_header(key, value)
        for cookie in response.cookies:
            self.send_header("Set-Cookie", cookie)
        if "Content-Length" not in response.headers:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = _serve
    do_HEAD = _serve
    do_POST = _serve


class _QuietServer(ThreadingHTTPServer):
    """A client dropping a kept-alive connection (RST while the next request line is read) is normal for
    players and pooled HTTP clients; the stdlib would print a full traceback into `anibridge demo`'s terminal."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeServer:
    """One App on 127.0.0.1:<port> in a daemon thread."""

    def __init__(self, app: App, port: int = 0, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host  # any 127.x.y.z works on Linux: a second loopback address is a second "IP" on the same port
        self._httpd = _QuietServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.app = app  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"fake-{app.name}", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.app.faults.hang = False
        self._httpd.shutdown()
        self._httpd.server_close()
