"""The bounds both media adapters rely on: a playlist read stops at its size cap, ffprobe never outlives its caller."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.media_reads import MAX_PLAYLIST_BYTES, FfprobeNotStarted, fetch_playlist, run_ffprobe

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024


class EndlessBody(httpx.AsyncByteStream):
    """A response body far larger than any playlist, counting what the reader pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b"#" * CHUNK


def _client(status: int, body: httpx.AsyncByteStream) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(status, stream=body)))


async def test_a_playlist_read_stops_just_past_the_cap() -> None:
    body = EndlessBody(64 * MAX_PLAYLIST_BYTES)
    async with _client(200, body) as client:
        text = await fetch_playlist(client, "http://media.test/x.m3u8", {}, 5.0, lambda resp: True)
    assert text is None
    assert MAX_PLAYLIST_BYTES < body.pulled <= MAX_PLAYLIST_BYTES + CHUNK


async def test_a_refused_response_is_not_read_and_a_small_one_is_text() -> None:
    body = EndlessBody(4 * CHUNK)
    async with _client(404, body) as client:
        assert await fetch_playlist(client, "http://media.test/x.m3u8", {}, 5.0, lambda r: r.status_code == 200) is None
    assert body.pulled == 0
    async with _client(200, httpx.ByteStream(b"#EXTM3U\n\xff")) as client:
        text = await fetch_playlist(client, "http://media.test/x.m3u8", {}, 5.0, lambda r: r.status_code == 200)
    assert text == "#EXTM3U\n\ufffd"


@pytest.fixture
def slow_ffprobe(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in ffprobe that notes its pid and then hangs, like one stuck on a dead server."""
    pid_file = tmp_path / "pid"
    script = tmp_path / "ffprobe"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), pid_file


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _pid(pid_file: Path) -> int:
    for _ in range(500):
        if pid_file.exists() and pid_file.read_text().strip():
            return int(pid_file.read_text())
        await asyncio.sleep(0.01)
    raise AssertionError("the stand-in ffprobe never started")


async def test_ffprobe_past_its_timeout_is_killed_and_reaped(slow_ffprobe: tuple[str, Path]) -> None:
    ffprobe, pid_file = slow_ffprobe
    with pytest.raises(TimeoutError):
        await run_ffprobe(ffprobe, ["clip.mp4"], timeout=0.5)
    assert not _alive(await _pid(pid_file))


async def test_ffprobe_of_a_cancelled_caller_is_killed_and_reaped(slow_ffprobe: tuple[str, Path]) -> None:
    ffprobe, pid_file = slow_ffprobe
    task = asyncio.create_task(run_ffprobe(ffprobe, ["clip.mp4"], timeout=30))
    pid = await _pid(pid_file)
    assert _alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _alive(pid)


async def test_ffprobe_that_cannot_start_says_so(tmp_path: Path) -> None:
    with pytest.raises(FfprobeNotStarted):
        await run_ffprobe(str(tmp_path / "no-ffprobe"), [], timeout=5)


async def test_ffprobe_output_comes_back(tmp_path: Path) -> None:
    script = tmp_path / "ffprobe"
    script.write_text('#!/bin/sh\necho "$@"\necho noise >&2\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    assert await run_ffprobe(str(script), ["-of", "json", "clip.mp4"], timeout=5) == b"-v error -of json clip.mp4\n"
