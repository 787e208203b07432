"""A client resetting a kept-alive connection prints nothing: `anibridge demo` used to fill its terminal with
`ConnectionResetError` tracebacks from the fake sites whenever a player or pooled client dropped a connection."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from anibridge_fakes.http import App, FakeServer, Request, Response


def test_connection_reset_by_a_client_is_not_printed(capfd: pytest.CaptureFixture[str]) -> None:
    app = App("quiet")

    @app.route("/ok")
    def ok(request: Request) -> Response:
        return Response(200, b"ok")

    server = FakeServer(app).start()
    try:
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(4096)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
            sock.close()
        time.sleep(0.3)
    finally:
        server.stop()
    assert "Traceback" not in capfd.readouterr().err
