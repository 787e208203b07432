"""Acceptance: kill -9 the server in the middle of a download; after a restart the job completes exactly once
and the file is whole (byte-identical to the hoster's source, ffprobe reads it)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from anibridge_fakes.media import ensure_media
from anibridge_fakes.world import FakeWorld
from tests.e2e.conftest import ServerHandle

pytestmark = pytest.mark.slow

TITLE = "Kaguya-sama Love is War.S01E01.720p.WEB.H264.GER.SUB-ANIWORLD"
# Vidoza serves a progressive MP4 in the fake world, so the result must be byte-identical to the source.
REQUEST = {"site": "aniworld.to", "slug": "kaguya-sama-love-is-war", "season": 1, "episode": 1,
           "language": "German Sub", "provider": "Vidoza", "title_hint": TITLE}


def _job(server: ServerHandle, job_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/jobs/{job_id}", timeout=5)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def _wait(server: ServerHandle, job_id: str, ok: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = _job(server, job_id)
        if ok(job):
            return job
        if job["status"] in ("failed", "cancelled") or time.monotonic() > deadline:
            raise AssertionError(f"job {job}\n--- server log ---\n{server.logs()[-4000:]}")
        time.sleep(0.1)


def test_kill_mid_download_then_restart_completes_once_with_whole_file(
    tmp_path: Path, fake_world: FakeWorld, server_factory: Callable[..., ServerHandle]
) -> None:
    media = ensure_media()
    sources = [f for f in (media.file("mp4", n) for n in ("720p.mp4", "1080p.mp4")) if f is not None]
    assert sources
    size = min(f.stat().st_size for f in sources)
    data = tmp_path / "data"
    downloads = data / "downloads"
    # A slow download (4-6 s) so the kill lands in the middle of it even on a loaded machine.
    env = {**fake_world.env(), "DOWNLOAD_RATE_LIMIT_BYTES_PER_SEC": str(max(size // 4, 8192)),
           "MAX_CONCURRENCY": "2"}

    first = server_factory(env, data)
    response = httpx.post(f"{first.base_url}/downloader/download", json=REQUEST, timeout=10)
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    _wait(first, job_id, lambda j: j["status"] == "downloading" and j["downloaded_bytes"] > 0, 30)
    partials = list(downloads.glob(f".anibridge-{job_id}.*.part"))
    assert partials
    # Progressive files are fetched as parallel Range parts into a preallocated .part; the sidecar beside it
    # (saved about once a second) records what is on disk. Kill once it says "some, not all".
    sidecar = partials[0].with_name(partials[0].name + ".ranges")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if sum(done for _, _, done in json.loads(sidecar.read_text())["parts"]) > 0:
                break
        except (OSError, ValueError):
            pass  # a loaded machine lets the poll fall behind; the assertion below reports the state
        time.sleep(0.05)
    first.kill()
    state = json.loads(sidecar.read_text())
    assert 0 < sum(done for _, _, done in state["parts"]) < state["total"]

    second = server_factory(env, data)
    done = _wait(second, job_id, lambda j: j["status"] == "completed", 60)

    final = downloads / f"{TITLE}.mp4"
    assert done["result_path"] == str(final.resolve()) or done["result_path"] == str(final)
    # Whole: byte-identical to the file the hoster serves (a bad resume would append or truncate).
    assert any(final.read_bytes() == f.read_bytes() for f in sources), final.stat().st_size
    assert sorted(p.name for p in downloads.iterdir()) == [final.name]  # once: no .2 copy, no leftovers
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,height", "-of", "json", str(final)],
        check=True, capture_output=True, text=True).stdout)
    assert any(s.get("codec_type") == "video" and s.get("height") in (720, 1080) for s in probe["streams"])
    time.sleep(0.5)
    assert _job(second, job_id)["status"] == "completed"
