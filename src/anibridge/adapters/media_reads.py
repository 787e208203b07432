"""The two outside reads both media adapters make: a playlist fetched with a size cap, and ffprobe in its own process.

The quality probe (Torznab's hot path) and the download verifier read the same things and must bound them the
same way: a playlist URL that serves a video instead must not be read into memory whole, and an ffprobe whose
caller gives up (timeout or cancellation) must be killed and reaped, never left running. What a failure means
differs (an unknown quality, a rejected download), so failures are left to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

import httpx

MAX_PLAYLIST_BYTES = 2 * 1024 * 1024  # a master playlist is a few KiB; never read a video body by mistake


class FfprobeNotStarted(Exception):
    """ffprobe could not be started (gone, not executable, out of processes); the message is the OS error's."""


async def fetch_playlist(client: httpx.AsyncClient, url: str, headers: Mapping[str, str], timeout: float,
                         accept: Callable[[httpx.Response], bool]) -> str | None:
    """The body as text; None when `accept` refuses the response (before its body is read) or the body passes
    MAX_PLAYLIST_BYTES. Transport errors (httpx.HTTPError) reach the caller, as does whatever `accept` raises."""
    async with client.stream("GET", url, headers=dict(headers), follow_redirects=True, timeout=timeout) as resp:
        if not accept(resp):
            return None
        body = bytearray()
        async for chunk in resp.aiter_bytes():
            body += chunk
            if len(body) > MAX_PLAYLIST_BYTES:
                return None
    return body.decode("utf-8", "replace")


async def run_ffprobe(ffprobe: str, args: list[str], timeout: float) -> bytes:
    """ffprobe's stdout, run with `-v error` and stderr discarded. Raises FfprobeNotStarted, or TimeoutError after
    `timeout` seconds; on a timeout or a cancellation the process is killed and reaped before the error goes on."""
    try:
        proc = await asyncio.create_subprocess_exec(
            ffprobe, "-v", "error", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    except OSError as ex:
        raise FfprobeNotStarted(str(ex)) from ex
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    except (TimeoutError, asyncio.CancelledError):
        # It may have exited just as the timeout fired: killing a reaped process raises ProcessLookupError,
        # which must not replace the timeout or the cancellation the caller is waiting for.
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    return out
