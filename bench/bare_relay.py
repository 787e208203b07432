"""The cheapest HTTP relay this machine can run: the ceiling any proxy's throughput is judged against.

`python bench/bare_relay.py PORT UPSTREAM_PORT` accepts connections on 127.0.0.1:PORT, forwards the request
line's path to the upstream, and moves the Content-Length body with `os.splice` (zero-copy through a pipe), one
blocking thread per connection, no HTTP library, no event loop. `bench/strm_proxy.py` runs it beside the real
proxy so "proxy vs direct" can be read against "best possible relay vs direct" measured in the same run: on a
small machine the unlimited-loopback ratio is bounded by CPU contention between upstream, relay and client,
not by the proxy's code.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import threading

PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = 1031  # fcntl constant (Linux); os.splice needs Linux anyway


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            raise ConnectionError("closed before the end of the headers")
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _move(src: socket.socket, dst: socket.socket, left: int) -> None:
    import fcntl

    r, w = os.pipe()
    try:
        fcntl.fcntl(w, F_SETPIPE_SZ, PIPE_BYTES)
        while left > 0:
            n = os.splice(src.fileno(), w, min(left, PIPE_BYTES))
            if n == 0:
                return
            left -= n
            while n:
                n -= os.splice(r, dst.fileno(), n)
    finally:
        os.close(r)
        os.close(w)


def _serve(client: socket.socket, upstream_port: int) -> None:
    with client:
        while True:
            try:
                head, _ = _read_head(client)
            except ConnectionError:
                return
            path = head.split(b" ", 2)[1]
            with socket.create_connection(("127.0.0.1", upstream_port)) as up:
                up.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: upstream\r\n\r\n")
                up_head, rest = _read_head(up)
                length = re.search(rb"(?i)content-length: *(\d+)", up_head)
                client.sendall(up_head + b"\r\n\r\n" + rest)
                _move(up, client, (int(length.group(1)) if length else 0) - len(rest))


def main(port: int, upstream_port: int) -> None:
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=_serve, args=(conn, upstream_port), daemon=True).start()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
