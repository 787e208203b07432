"""End-to-end helpers: run `anibridge serve` as a real subprocess, exactly as a user would.

`start_server(env, data_dir)` starts `python -m anibridge.delivery.cli.main serve` on a free 127.0.0.1 port with a
clean environment (PATH/HOME/PYTHONPATH only) plus `env`, waits until `GET /health` answers 200 and returns a
`ServerHandle`. The server's output goes to `<log dir>/server-<port>.log` (see `handle.logs()` on failures).
The `server_factory` fixture stops every server a test started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """Only what a shell user always has, plus the source tree (works with and without an installed package)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT / "src")}
    for name in ("HOME", "TMPDIR", "LANG"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra)
    return env


@dataclass
class ServerHandle:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15.0) -> int:
        """Graceful: SIGTERM (uvicorn shuts down, lifespan stops services); SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._close_log()
        return self.process.returncode

    def kill(self) -> int:
        """Crash simulation: SIGKILL, no shutdown code runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._close_log()
        return self.process.returncode

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def start_server(
    env: dict[str, str],
    data_dir: Path | str | None,
    *,
    cwd: Path | str | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = 30.0,
    auto_port: bool = True,
) -> ServerHandle:
    """Start `anibridge serve`; `data_dir=None` leaves DATA_DIR unset (the default `./data` under `cwd`).

    With `auto_port=False` and no port given, nothing about host/port is set: the server binds its defaults.
    """
    extra = dict(env)
    if data_dir is not None:
        extra.setdefault("DATA_DIR", str(data_dir))
    if port is None and auto_port and "ANIBRIDGE_PORT" not in extra:
        port = free_port(host)
    if port is not None:
        extra["ANIBRIDGE_PORT"] = str(port)
        extra.setdefault("ANIBRIDGE_HOST", host)
    bound_port = int(extra.get("ANIBRIDGE_PORT", "8000"))
    workdir = Path(cwd) if cwd is not None else (Path(data_dir).parent if data_dir is not None else Path.cwd())
    log_dir = Path(data_dir).parent if data_dir is not None else workdir
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{bound_port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "anibridge.delivery.cli.main", "serve"],
        cwd=workdir, env=clean_env(extra), stdout=log, stderr=subprocess.STDOUT,
    )
    handle = ServerHandle(f"http://127.0.0.1:{bound_port}", process, log_path, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            handle.stop()
            raise RuntimeError(f"anibridge exited with {process.returncode} before /health answered:\n"
                               f"{handle.logs()[-4000:]}")
        try:
            if httpx.get(f"{handle.base_url}/health", timeout=1.0).status_code == 200:
                return handle
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            handle.kill()
            raise RuntimeError(f"/health did not answer 200 within {timeout:.0f} s:\n{handle.logs()[-4000:]}")
        time.sleep(0.1)


@pytest.fixture
def server_factory() -> Iterator[Callable[..., ServerHandle]]:
    """`server_factory(env, data_dir, **kw)` → a running server, stopped (or killed) after the test."""
    started: list[ServerHandle] = []

    def factory(env: dict[str, str], data_dir: Path | str | None, **kw: object) -> ServerHandle:
        handle = start_server(env, data_dir, **kw)  # type: ignore[arg-type]
        started.append(handle)
        return handle

    yield factory
    for handle in started:
        handle.stop()


def wait_until(fn: Callable[[], Any], ok: Callable[[Any], bool], timeout: float, server: ServerHandle) -> Any:
    """Poll `fn` every 0.2 s until `ok(value)`; on timeout fail with the last value and the server's log tail."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last value {value!r}\n--- server log ---\n{server.logs()[-4000:]}")
        time.sleep(0.2)
