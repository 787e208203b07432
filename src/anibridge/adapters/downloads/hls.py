"""An HLS stream fetched segment by segment over several connections and remuxed to MP4 while it arrives.

Why not yt-dlp: it fetches the fragments, then concatenates them, then runs ffmpeg over the whole file — the
remux alone took 2–6 s of a 200 MB episode after the last byte, and its fragment handling left the line idle
in between. Here the media playlist (the highest-bandwidth variant of a master, as yt-dlp picks) becomes a
list of segments that `connections` workers fetch in playlist order, each taking a connection of the shared
ConnectionBudget per segment and handing it back in between (other downloads get their turn). A feeder thread
pipes the finished segments in order into `ffmpeg -c copy`, so the MP4 is written during the transfer and is
done a moment after the last segment.

On disk, beside the final `<stem>.mp4`: `<stem>.mp4.part-SegNNNNN` per finished segment (written as `.tmp`,
renamed when whole — so after a kill -9 every segment file present is complete and is not fetched again),
`<stem>.mp4.part.hls` with the playlist's fingerprint (a resume against a different stream starts over), and
ffmpeg's `<stem>.mp4.part-Mux`, which is rebuilt from the segments on every attempt. Memory holds one chunk per
connection and one feeder block, whatever the stream's length. The segments stay until the MP4 is complete
(twice the episode's size on disk for a while, as with yt-dlp's concatenation).

AES-128 segments are decrypted as they stream in (pycryptodomex, CBC), TS and fMP4 (EXT-X-MAP) are remuxed
alike, EXT-X-BYTERANGE is fetched as a Range request. Every segment's first bytes are checked: a hoster that
answers segments with an HTML "File not found" page is refused at the first one (MediaRejected: the job tries
the next hoster). Whatever the playlist asks for that this does not do (`download_plan`), and a missing
ffmpeg, raise NotOwnHls before anything is written, and the caller hands the stream to yt-dlp.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from anibridge.adapters.aes_cbc import CbcStream
from anibridge.adapters.downloads.budget import ConnectionBudget, RateLimiter
from anibridge.adapters.downloads.client import GuardRefused, hoster_client
from anibridge.adapters.downloads.ranged import EXPIRED_STATUSES, Speed, progress_of
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.domain.streams.download_plan import DownloadPlan, UnsupportedPlaylist, check_master, download_plan
from anibridge.domain.streams.hls_playlist import Segment, best_variant, is_master
from anibridge.domain.streams.sniff import HEAD_BYTES, text_body_reason
from anibridge.ports.errors import DiskFull, DownloadCancelled, DownloadFailed, DownloadThrottled, MediaRejected
from anibridge.ports.streams import DirectStream, DownloadProgress

log = logging.getLogger(__name__)

_BUSY_STATUSES = frozenset({429, 503})
STATE_VERSION = 1
SEGMENT_INFIX = ".part-Seg"
STATE_SUFFIX = ".part.hls"
MUX_SUFFIX = ".part-Mux"
MAX_KEY_BYTES = 4096  # an AES-128 key is 16 bytes; a key URL sending more is no key, however much more

ProgressCallback = Callable[[DownloadProgress], None]


class NotOwnHls(Exception):
    """The stream needs yt-dlp (the message says why); nothing has been written."""


@dataclass(frozen=True, slots=True)
class HlsOptions:
    connections: int = 4
    chunk: int = 64 * 1024
    feed_block: int = 1024 * 1024
    socket_timeout: float = 20.0
    segment_retries: int = 4
    retry_delay: float = 0.5
    progress_interval: float = 0.25
    max_playlist_bytes: int = 4 * 1024 * 1024
    proxies: tuple[tuple[str, str], ...] = ()
    """(host, proxy URL) pairs (SITE_PROXIES), as for the Range downloader."""
    ffmpeg: str | None = None
    """ffmpeg's path; None: looked up on PATH when a download starts."""


class _Retire(Exception):
    """The hoster refuses one more connection while others of this download are served: drop this one."""


class _Transient(Exception):
    """A segment request failed in a way a retry may fix."""


def _status_error(provider: str, status: int) -> DownloadFailed:
    if status == 429:
        return DownloadThrottled(f"{provider}: HTTP Error 429")
    return DownloadFailed(f"{provider}: HTTP Error {status}", expired=status in EXPIRED_STATUSES)


def _disk_error(provider: str, ex: OSError) -> DownloadFailed:
    message = f"{provider}: {type(ex).__name__}: {ex}"
    return DiskFull(message) if ex.errno in (errno.ENOSPC, errno.EDQUOT) else DownloadFailed(message)


class HlsDownloader:
    """Downloads one HLS DirectStream to `<stem>.mp4` (blocking; call it from a worker thread)."""

    def __init__(self, budget: ConnectionBudget, options: HlsOptions | None = None,
                 transport: httpx.BaseTransport | None = None, guard: SsrfGuard | None = None) -> None:
        self._budget = budget
        self._opts = options or HlsOptions()
        self._transport = transport
        self._guard = guard
        """Checks the playlist, key and every segment URL (and each redirect hop) before it is requested."""

    def download(self, stream: DirectStream, dest_dir: Path, stem: str, on_progress: ProgressCallback,
                 is_cancelled: Callable[[], bool], rate_limit: int | None = None) -> Path:
        """`dest_dir/<stem>.mp4` once complete; raises NotOwnHls, DownloadCancelled or DownloadFailed."""
        ffmpeg = self._opts.ffmpeg or shutil.which("ffmpeg")
        if not ffmpeg:
            raise NotOwnHls("ffmpeg is not installed")
        limiter = RateLimiter(rate_limit) if rate_limit and rate_limit > 0 else None
        proxies = dict(self._opts.proxies) if self._transport is None else {}
        with hoster_client(stream, connections=self._opts.connections, socket_timeout=self._opts.socket_timeout,
                           proxies=proxies, guard=self._guard, transport=self._transport) as client:
            while not self._budget.acquire(first=True, timeout=0.25):
                if is_cancelled():
                    raise DownloadCancelled("download cancelled")
            try:
                plan = self._plan(client, stream)
                run = _HlsRun(self, client, stream, plan, dest_dir, stem, on_progress, is_cancelled, limiter,
                              ffmpeg)
                return run.run()
            except httpx.HTTPError as ex:
                raise DownloadFailed(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
            finally:
                self._budget.release()

    def _plan(self, client: httpx.Client, stream: DirectStream) -> DownloadPlan:
        text, url = self._text(client, stream, stream.url)
        try:
            if is_master(text):
                check_master(text)
                variant = best_variant(text, url)
                if variant is None:
                    raise UnsupportedPlaylist("a master playlist without a usable variant")
                text, url = self._text(client, stream, variant.url)
            return download_plan(text, url)
        except UnsupportedPlaylist as ex:
            raise NotOwnHls(str(ex)) from None
        except ValueError as ex:  # a number or URI the parser could not read: yt-dlp may still make sense of it
            raise NotOwnHls(f"unreadable playlist ({type(ex).__name__}: {ex})") from None

    def _text(self, client: httpx.Client, stream: DirectStream, url: str) -> tuple[str, str]:
        """A playlist's text and the URL it came from after redirects (relative URIs resolve against that)."""
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise _status_error(stream.provider, response.status_code)
            body = bytearray()
            for chunk in response.iter_raw(self._opts.chunk):
                body += chunk
                if len(body) > self._opts.max_playlist_bytes:
                    raise NotOwnHls(f"a playlist over {self._opts.max_playlist_bytes} bytes")
            return bytes(body).decode("utf-8", errors="replace"), str(response.url)


class _HlsRun:
    """One HLS download in flight: segment workers and the ffmpeg feeder in threads; this thread reports
    progress, watches for cancel and failures, and finishes the file."""

    def __init__(self, owner: HlsDownloader, client: httpx.Client, stream: DirectStream, plan: DownloadPlan,
                 dest_dir: Path, stem: str, on_progress: ProgressCallback, is_cancelled: Callable[[], bool],
                 limiter: RateLimiter | None, ffmpeg: str) -> None:
        self._opts = owner._opts
        self._budget = owner._budget
        self._client = client
        self._stream = stream
        self._provider = stream.provider
        self._items: list[Segment] = ([plan.init] if plan.init else []) + list(plan.segments)
        self._fingerprint = plan.fingerprint()
        self._final = dest_dir / f"{stem}.mp4"
        # Not `<stem>.mp4.part`: the Range downloader would take a leftover of that name for a sequential prefix.
        self._output = dest_dir / f"{stem}.mp4{MUX_SUFFIX}"
        self._state = dest_dir / f"{stem}.mp4{STATE_SUFFIX}"
        self._on_progress = on_progress
        self._is_cancelled = is_cancelled
        self._limiter = limiter
        self._ffmpeg = ffmpeg
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._cond = threading.Condition()
        count = len(self._items)
        self._done = [False] * count
        self._claimed = [False] * count
        self._sizes = [0] * count
        self._cursor = 0  # every item before it is done
        self._received = 0  # bytes of segments in flight (done ones are in _sizes)
        self._in_flight = 0
        self._alive = 0
        self._fed = False
        self._fatal: DownloadFailed | None = None
        self._last_error: str | None = None
        self._last_status: int | None = None
        self._keys: dict[str, bytes] = {}
        self._key_lock = threading.Lock()
        self._ffmpeg_tail: deque[str] = deque(maxlen=12)

    def segment_path(self, index: int) -> Path:
        return self._final.with_name(f"{self._final.name}{SEGMENT_INFIX}{index:05d}")

    # -- coordinator -------------------------------------------------------------------------------------------

    def run(self) -> Path:
        if self._final.is_file() and not self._state.is_file():
            return self._final  # an earlier attempt finished but stopped before the caller renamed it
        self._resume_or_start()
        proc = self._start_ffmpeg()
        threads = [threading.Thread(target=self._work, args=(i == 0,), daemon=True, name=f"hls-{i}")
                   for i in range(max(1, self._opts.connections))]
        self._alive = len(threads)
        threads.append(threading.Thread(target=self._feed, args=(proc,), daemon=True, name="hls-feed"))
        threads.append(threading.Thread(target=self._drain_stderr, args=(proc,), daemon=True, name="hls-ffmpeg"))
        for thread in threads:
            thread.start()
        finished = False
        speed = Speed()
        try:
            self._watch(proc, speed)
            finished = True
        finally:
            self._stop.set()
            with self._cond:
                self._cond.notify_all()
            if not finished:
                with contextlib.suppress(OSError):
                    proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            for thread in threads:
                thread.join(timeout=2.0)
            if not finished:
                self._output.unlink(missing_ok=True)
                with self._cond:  # no worker creates a .tmp file meanwhile, nor after (see `_fetch`)
                    self._drop_tmp()
        if proc.returncode != 0:
            raise self._ffmpeg_failure(proc.returncode)
        os.replace(self._output, self._final)
        self._state.unlink(missing_ok=True)
        for index in range(len(self._items)):
            self.segment_path(index).unlink(missing_ok=True)
        size = self._final.stat().st_size
        # The MP4 is a little smaller than the segments were; the last figure is the file the job will check.
        self._on_progress(progress_of(size, size, speed.update(time.monotonic(), size)))
        return self._final

    def _watch(self, proc: subprocess.Popen[bytes], speed: Speed) -> None:
        while True:
            self._wake.wait(self._opts.progress_interval)
            self._wake.clear()
            done, total = self._progress_figures()
            if done:  # nothing to say before the first bytes (the playlist took the first moment)
                self._on_progress(progress_of(done, total, speed.update(time.monotonic(), done)))
            if self._is_cancelled():
                raise DownloadCancelled("download cancelled")
            with self._cond:
                fatal, alive, fed, complete = self._fatal, self._alive, self._fed, self._cursor >= len(self._items)
            if fatal is not None:
                raise fatal
            if fed:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=self._opts.progress_interval)
                if proc.returncode is not None:
                    return
            elif alive == 0 and not complete:
                raise DownloadFailed(f"{self._provider}: {self._last_error or 'all connections failed'}",
                                     expired=self._last_status in EXPIRED_STATUSES)
            elif proc.poll() is not None:
                raise self._ffmpeg_failure(proc.returncode)

    def _progress_figures(self) -> tuple[int, int | None]:
        """Bytes so far, and the total estimated from the bytes per second of the finished segments."""
        with self._cond:
            done_bytes = sum(self._sizes)
            finished = [i for i, d in enumerate(self._done) if d]
            received = self._received
        if not finished:
            return received, None
        seconds = sum(self._items[i].duration for i in finished)
        left = [item for i, item in enumerate(self._items) if not self._done[i]]
        if seconds > 0:
            estimate = done_bytes + int(done_bytes / seconds * sum(item.duration for item in left))
        else:
            estimate = done_bytes + done_bytes // len(finished) * len(left)
        downloaded = done_bytes + received
        return downloaded, max(estimate, downloaded)

    def _resume_or_start(self) -> None:
        """Keep the segments of an earlier attempt at this same stream; anything else starts from nothing."""
        try:
            saved = json.loads(self._state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        same = (isinstance(saved, dict) and saved.get("version") == STATE_VERSION
                and saved.get("fingerprint") == self._fingerprint and saved.get("segments") == len(self._items))
        if not same:
            for leftover in self._final.parent.glob(f"{_glob_escape(self._final.name)}{SEGMENT_INFIX}*"):
                leftover.unlink(missing_ok=True)
            tmp = self._state.with_name(self._state.name + ".tmp")
            tmp.write_text(json.dumps({"version": STATE_VERSION, "fingerprint": self._fingerprint,
                                       "segments": len(self._items)}), encoding="utf-8")
            os.replace(tmp, self._state)
        self._drop_tmp()
        kept = 0
        for index in range(len(self._items)):
            path = self.segment_path(index)
            if path.is_file():
                self._done[index] = True
                self._sizes[index] = path.stat().st_size
                kept += 1
        while self._cursor < len(self._items) and self._done[self._cursor]:
            self._cursor += 1
        if kept:
            log.info("resuming %s: %d of %d segments on disk", self._final.name, kept, len(self._items))

    def _drop_tmp(self) -> None:
        for leftover in self._final.parent.glob(f"{_glob_escape(self._final.name)}{SEGMENT_INFIX}*.tmp"):
            leftover.unlink(missing_ok=True)

    # -- ffmpeg ------------------------------------------------------------------------------------------------

    def _start_ffmpeg(self) -> subprocess.Popen[bytes]:
        # Stream copy of every video and audio stream, no re-encoding (a few % of a core); data and subtitle
        # streams of a TS have no place in MP4 and are left out.
        cmd = [self._ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", "pipe:0",
               "-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "mp4", str(self._output)]
        try:
            return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as ex:
            raise DownloadFailed(f"{self._provider}: cannot start ffmpeg: {ex}") from ex

    def _feed(self, proc: subprocess.Popen[bytes]) -> None:
        """Pipe the finished segments into ffmpeg in playlist order, one block at a time."""
        stdin: IO[bytes] | None = proc.stdin
        assert stdin is not None
        try:
            for index in range(len(self._items)):
                with self._cond:
                    while not self._done[index] and not self._stop.is_set():
                        self._cond.wait(0.5)
                if self._stop.is_set():
                    return
                with open(self.segment_path(index), "rb") as segment:
                    while block := segment.read(self._opts.feed_block):
                        stdin.write(block)
            stdin.close()
            with self._cond:
                self._fed = True
        except OSError as ex:
            if not self._stop.is_set():
                if isinstance(ex, BrokenPipeError):
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=5)
                    self._fail(self._ffmpeg_failure(proc.returncode))
                else:
                    self._fail(_disk_error(self._provider, ex))
        finally:
            with contextlib.suppress(OSError):
                stdin.close()
            self._wake.set()

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                self._ffmpeg_tail.append(line[:300])

    def _ffmpeg_failure(self, code: int | None) -> DownloadFailed:
        tail = " | ".join(self._ffmpeg_tail) or f"exit code {code}"
        message = f"{self._provider}: ffmpeg could not remux the segments: {tail}"
        if "No space left" in tail or "Disk quota" in tail:
            return DiskFull(message)
        return MediaRejected(message)

    # -- segment workers ---------------------------------------------------------------------------------------

    def _claim(self) -> int | None:
        with self._cond:
            for index in range(self._cursor, len(self._items)):
                if not self._done[index] and not self._claimed[index]:
                    self._claimed[index] = True
                    return index
            return None

    def _all_done(self) -> bool:
        with self._cond:
            return self._cursor >= len(self._items)

    def _work(self, first: bool) -> None:
        """Fetch segments until none is left; the first worker uses the download's own connection, the others
        take an extra one from the shared budget per segment and give it back in between."""
        failures = 0
        try:
            while not self._stop.is_set() and not self._all_done():
                if not first and not self._budget.acquire(first=False, timeout=0.25):
                    continue
                index = self._claim()
                try:
                    if index is not None:
                        failures = self._attempt(index, failures)
                finally:
                    if not first:
                        self._budget.release()
                if index is None:  # the rest is in flight on other connections; one may give its segment back
                    self._stop.wait(0.1)
                elif failures > self._opts.segment_retries:
                    return
                elif failures:
                    self._stop.wait(min(8.0, self._opts.retry_delay * 2 ** (failures - 1)))
        except _Retire as ex:
            log.debug("%s: connection retired: %s", self._provider, ex)
        except DownloadFailed as ex:
            self._fail(ex)
        except OSError as ex:
            self._fail(_disk_error(self._provider, ex))
        except Exception as ex:  # noqa: BLE001 - a bug must end the download, not hang it
            self._fail(DownloadFailed(f"{self._provider}: {type(ex).__name__}: {ex}"))
        finally:
            with self._cond:
                self._alive -= 1
            self._wake.set()

    def _attempt(self, index: int, failures: int) -> int:
        """Fetch one claimed segment; the count of failures in a row after it (a retry waits outside the slot)."""
        try:
            self._fetch(index)
            return 0
        except _Transient as ex:
            self._note(str(ex), None)
            return failures + 1
        finally:
            with self._cond:
                self._claimed[index] = False

    def _note(self, message: str, status: int | None) -> None:
        with self._cond:
            self._last_error, self._last_status = message, status

    def _fail(self, error: DownloadFailed) -> None:
        with self._cond:
            if self._fatal is None:
                self._fatal = error
        self._stop.set()
        self._wake.set()

    def _fetch(self, index: int) -> None:
        """Segment `index` into its `.tmp`, checked and decrypted, then renamed: on disk means whole."""
        item = self._items[index]
        path = self.segment_path(index)
        tmp = path.with_name(path.name + ".tmp")
        headers = {}
        if item.byte_range is not None:
            offset, length = item.byte_range
            headers["Range"] = f"bytes={offset}-{offset + length - 1}"
        counted = 0
        with self._cond:
            self._in_flight += 1
        try:
            cbc = CbcStream(self._key(item.key.url), item.iv()) if item.key is not None else None
            with self._client.stream("GET", item.url, headers=headers) as response:
                with self._cond:
                    # The connection may take longer than the cancel's cleanup waits for this thread: a file is
                    # created only under the lock and while running, so the cleanup (under the same lock, after
                    # the stop) sees every .tmp file there will ever be.
                    if self._stop.is_set():
                        return
                    out = open(tmp, "wb")  # noqa: SIM115 - closed by the `with out` right below
                with out:
                    self._check(response, index)
                    # A server that ignores the Range header sends the whole resource: skip to the range.
                    skip = item.byte_range[0] if item.byte_range is not None and response.status_code == 200 else 0
                    want = item.byte_range[1] if item.byte_range is not None else None
                    taken = 0
                    head = b""
                    for chunk in response.iter_raw(self._opts.chunk):
                        if self._stop.is_set():
                            return
                        if self._limiter is not None:
                            self._limiter.take(len(chunk))
                        counted += len(chunk)
                        with self._cond:
                            self._received += len(chunk)
                        if skip:
                            cut = min(skip, len(chunk))
                            chunk, skip = chunk[cut:], skip - cut
                        if want is not None:
                            chunk = chunk[: want - taken]
                        taken += len(chunk)
                        if len(head) < HEAD_BYTES:
                            head += chunk[: HEAD_BYTES - len(head)]
                            self._sniff(head, complete=False)
                        out.write(cbc.feed(chunk) if cbc is not None else chunk)
                        if want is not None and taken >= want:
                            break
                    if want is not None and taken < want:
                        raise _Transient(f"segment {index + 1} ended after {taken} of {want} bytes")
                    self._sniff(head, complete=True)
                    if cbc is not None:
                        tail = cbc.finish()
                        if tail is None:
                            raise MediaRejected(f"{self._provider}: segment {index + 1} of {len(self._items)} does "
                                                f"not decrypt with its AES-128 key")
                        out.write(tail)
            os.replace(tmp, path)
        except GuardRefused as ex:
            log.warning("%s: a segment URL was refused by the SSRF guard: %s", self._provider, ex)
            raise DownloadFailed(f"{self._provider}: segment URL refused ({ex})") from None
        except httpx.TransportError as ex:
            raise _Transient(f"{type(ex).__name__}: {ex}" if str(ex) else type(ex).__name__) from ex
        finally:
            with self._cond:
                self._in_flight -= 1
                self._received -= counted
        size = path.stat().st_size
        with self._cond:
            self._done[index] = True
            self._sizes[index] = size
            while self._cursor < len(self._items) and self._done[self._cursor]:
                self._cursor += 1
            self._cond.notify_all()
        self._wake.set()

    def _sniff(self, head: bytes, *, complete: bool) -> None:
        reason = text_body_reason(head, complete=complete)
        if reason:
            raise MediaRejected(f"{self._provider}: {reason}")

    def _check(self, response: httpx.Response, index: int) -> None:
        status = response.status_code
        if status in EXPIRED_STATUSES or status in _BUSY_STATUSES:
            with self._cond:
                others = self._in_flight > 1
            self._note(f"HTTP Error {status}", status)
            if others:  # the hoster limits connections; the ones it accepted carry on (if all retire: failed)
                raise _Retire(f"HTTP Error {status}")
            if status in _BUSY_STATUSES:
                raise _Transient(f"HTTP Error {status}")
            raise _status_error(self._provider, status)
        if status >= 500:
            raise _Transient(f"HTTP Error {status}")
        if status >= 400:
            raise _status_error(self._provider, status)
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type in ("text/html", "application/xhtml+xml"):
            raise MediaRejected(f"{self._provider}: the hoster sent a text/HTML page instead of video "
                                f"(segment {index + 1} of {len(self._items)})")

    def _key(self, url: str) -> bytes:
        """The AES-128 key behind `url`, fetched once per download (segments usually share one)."""
        with self._key_lock:
            if url in self._keys:
                return self._keys[url]
            key = b""
            with self._client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise _status_error(self._provider, response.status_code)
                for chunk in response.iter_bytes():
                    key += chunk
                    if len(key) > MAX_KEY_BYTES:  # a page or a video where the key should be: stop reading
                        raise MediaRejected(f"{self._provider}: the AES-128 key is not a key (over "
                                            f"{MAX_KEY_BYTES} bytes)")
            if len(key) != 16:
                reason = text_body_reason(key[:HEAD_BYTES], complete=True) or f"{len(key)} bytes"
                raise MediaRejected(f"{self._provider}: the AES-128 key is not a key ({reason})")
            self._keys[url] = key
            return key


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)
