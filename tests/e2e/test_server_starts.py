"""Acceptance: the server starts with no configuration at all and the process lifecycle is clean."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from anibridge import __version__
from tests.e2e.conftest import ServerHandle, free_port, port_is_free

pytestmark = pytest.mark.slow


def test_no_environment_health_within_15s_and_sqlite_under_dot_data(
    tmp_path: Path, server_factory: Callable[..., ServerHandle]
) -> None:
    # Truly nothing set when the default port is free; otherwise only the port moves (other servers on this box).
    env: dict[str, str] = {} if port_is_free(8000) else {"ANIBRIDGE_PORT": str(free_port())}
    started = time.monotonic()
    server = server_factory(env, None, cwd=tmp_path, timeout=15.0, auto_port=False)
    assert time.monotonic() - started < 15.0
    response = httpx.get(f"{server.base_url}/health", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == __version__ and body["database"] == "ok", body
    assert body["components"]["download_dir"]["path"] == "data/downloads"  # nothing asked yet: sites "unknown"
    assert {s["status"] for s in body["components"]["sites"].values()} == {"unknown"}
    assert (tmp_path / "data" / "anibridge.db").is_file()
    assert (tmp_path / "data" / "downloads").is_dir()


def test_restart_after_a_crash_and_a_clean_sigterm_stop(
    tmp_path: Path, server_factory: Callable[..., ServerHandle]
) -> None:
    data = tmp_path / "data"
    first = server_factory({}, data)
    first.kill()  # crash: no shutdown code runs, the SQLite WAL stays behind
    second = server_factory({}, data)
    assert httpx.get(f"{second.base_url}/health", timeout=5).json()["database"] == "ok"
    # uvicorn re-raises the captured SIGTERM after its graceful shutdown, so -15 is the normal exit status.
    assert second.stop() in (0, -signal.SIGTERM), second.logs()
    assert "Application shutdown complete" in second.logs() and "Traceback" not in second.logs()


def test_first_start_prints_one_banner_and_one_log_format_and_ctrl_c_is_clean(
    tmp_path: Path, server_factory: Callable[..., ServerHandle]
) -> None:
    server = server_factory({"QBIT_API_KEY": "k"}, tmp_path / "data")
    ring = httpx.get(f"{server.base_url}/api/v2/log/main", headers={"Authorization": "Bearer k"}, timeout=10)
    assert "job scheduler started" in ring.text  # the logging configuration kept the qBittorrent log ring
    server.process.send_signal(signal.SIGINT)  # what Ctrl-C on `make run` sends
    assert server.process.wait(timeout=30) == 0
    text = server.logs()
    port = server.base_url.rsplit(":", 1)[1]
    assert text.count(f"URL http://127.0.0.1:{port}/torznab   API Path /api") == 1
    assert f"Host 127.0.0.1   Port {port}" in text and "the API Key field = QBIT_API_KEY" in text
    assert f"DATA_DIR      {tmp_path / 'data'}" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    log_lines = [line for line in text.splitlines() if "uvicorn" in line]
    assert any(" INFO uvicorn.error: Started server process" in line for line in log_lines)
    assert all(line[:4].isdigit() and " INFO uvicorn." in line for line in log_lines)  # not uvicorn's "INFO:     "
