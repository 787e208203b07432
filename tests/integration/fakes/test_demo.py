"""`anibridge demo` starts the fakes and the server, prints the wiring, answers /health and stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT / "src"),
           "HOME": os.environ.get("HOME", str(tmp_path))}  # the hoster media cache lives under HOME
    if os.environ.get("ANIBRIDGE_FAKES_CACHE"):
        env["ANIBRIDGE_FAKES_CACHE"] = os.environ["ANIBRIDGE_FAKES_CACHE"]
    out = (tmp_path / "out.txt").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "anibridge.delivery.cli.main", "demo", "--port", str(port),
                             "--data-dir", str(tmp_path / "data")], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert proc.poll() is None, Path(out.name).read_text()
        else:
            pytest.fail("demo did not answer /health: " + Path(out.name).read_text())
        text = Path(out.name).read_text()
        assert f"URL http://127.0.0.1:{port}/torznab   API Path /api" in text
        assert f"Host 127.0.0.1   Port {port}" in text
        assert f"  anibridge --server http://127.0.0.1:{port} jobs" in text  # what a second terminal types
        assert text.count("API Path /api") == 1  # one banner, not the demo's and the server's
        aniworld = next(line.split()[-1] for line in text.splitlines() if line.strip().startswith("aniworld.to"))
        assert httpx.get(aniworld + "/animes-alphabet", timeout=5).status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()
