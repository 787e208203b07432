"""The bounds both media adapters rely on: a playlist read stops at its size cap, ffprobe never outlives its caller."""

from __future__ import annotations

import asyncio
import signal
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from anibridge.adapters import media_reads
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
def hung_ffprobe(tmp_path: Path) -> str:
    """A stand-in ffprobe that hangs, like one stuck on a dead server."""
    script = tmp_path / "ffprobe"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[asyncio.subprocess.Process]:
    """Every process run_ffprobe starts (the real ones), so a test can see how each ended."""
    processes: list[asyncio.subprocess.Process] = []
    real = asyncio.create_subprocess_exec

    async def recording(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        proc = await real(*args, **kwargs)
        processes.append(proc)
        return proc

    monkeypatch.setattr(media_reads.asyncio, "create_subprocess_exec", recording)
    return processes


async def test_ffprobe_past_its_timeout_is_killed_and_reaped(hung_ffprobe: str,
                                                             started: list[asyncio.subprocess.Process]) -> None:
    with pytest.raises(TimeoutError):
        await run_ffprobe(hung_ffprobe, ["clip.mp4"], timeout=0.5)
    assert [p.returncode for p in started] == [-signal.SIGKILL]  # set only once the process is reaped


async def test_ffprobe_of_a_cancelled_caller_is_killed_and_reaped(hung_ffprobe: str,
                                                                  started: list[asyncio.subprocess.Process]) -> None:
    task = asyncio.create_task(run_ffprobe(hung_ffprobe, ["clip.mp4"], timeout=30))
    for _ in range(500):
        if started:
            break
        await asyncio.sleep(0.01)
    assert len(started) == 1 and started[0].returncode is None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert started[0].returncode == -signal.SIGKILL


class ExitsAsTheTimeoutFires:
    """A real process whose output is read to the end (so it has exited and been reaped) while its caller still
    waits on, as when ffprobe finishes in the instant its timeout fires: the kill then meets no process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def communicate(self) -> tuple[bytes, bytes]:
        await self.proc.communicate()
        await asyncio.Event().wait()  # until the timeout
        raise AssertionError("unreachable")

    def kill(self) -> None:
        self.proc.kill()

    async def wait(self) -> int:
        return await self.proc.wait()


async def test_ffprobe_that_exits_as_its_timeout_fires_still_times_out(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real = asyncio.create_subprocess_exec
    processes: list[asyncio.subprocess.Process] = []

    async def exiting(*args: Any, **kwargs: Any) -> ExitsAsTheTimeoutFires:
        processes.append(await real(*args, **kwargs))
        return ExitsAsTheTimeoutFires(processes[-1])

    monkeypatch.setattr(media_reads.asyncio, "create_subprocess_exec", exiting)
    script = tmp_path / "ffprobe"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(TimeoutError):  # not ProcessLookupError from the kill
        await run_ffprobe(str(script), ["clip.mp4"], timeout=0.2)
    assert [p.returncode for p in processes] == [0]


async def test_ffprobe_that_cannot_start_says_so(tmp_path: Path) -> None:
    with pytest.raises(FfprobeNotStarted):
        await run_ffprobe(str(tmp_path / "no-ffprobe"), [], timeout=5)


async def test_ffprobe_output_comes_back(tmp_path: Path) -> None:
    script = tmp_path / "ffprobe"
    script.write_text('#!/bin/sh\necho "$@"\necho noise >&2\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    assert await run_ffprobe(str(script), ["-of", "json", "clip.mp4"], timeout=5) == b"-v error -of json clip.mp4\n"
