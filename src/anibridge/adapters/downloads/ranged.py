"""A progressive media file fetched over several HTTP Range requests at once into one preallocated file.

Why: hosters and their CDNs throttle each connection, so one stream (yt-dlp's way for a progressive MP4) leaves
most of the line idle. Here the file is split into parts (see `parts.PartPlan`) that several connections fetch
at the same time, each streaming in small chunks straight to its offset in `<stem>.<ext>.part` (memory stays at
a chunk per connection). The part state lives in the sidecar `<stem>.<ext>.part.ranges`, rewritten atomically
about once a second and only ever claiming bytes already written, so a resume after a crash or kill -9 refetches
at most a second of data. A `.part` without a sidecar is a sequential prefix (yt-dlp's partial, or our own
single-connection one) and is resumed as such.

Fallbacks: a server that answers a Range request with 200, or gives no total length, gets one connection
(resumed by Range when it advertises `Accept-Ranges: bytes`); a playlist or a web page raises NotProgressive so
the caller hands the URL to yt-dlp. Redirects are followed on every request and the hoster's headers (Referer,
User-Agent…) go with each one, as yt-dlp does. A 403/404/410 means the URL expired — unless other connections
of the same download are still being served, which is how a hoster says "too many connections": that
connection then retires and the rest carry on.

Blocking by design: `download` runs in a worker thread (like yt-dlp); its part workers are threads too, so the
event loop serving the API never touches the bytes. Progress is reported from the calling thread only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from anibridge.adapters.downloads.budget import ConnectionBudget, RateLimiter
from anibridge.adapters.downloads.client import hoster_client
from anibridge.adapters.downloads.parts import PartPlan
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.ports.errors import DownloadCancelled, DownloadFailed
from anibridge.ports.streams import DirectStream, DownloadProgress

log = logging.getLogger(__name__)

EXPIRED_STATUSES = frozenset({403, 404, 410})
_BUSY_STATUSES = frozenset({429, 503})
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)
_VIDEO_EXTS = frozenset({"mp4", "m4v", "mkv", "webm", "mov", "flv", "avi", "ts"})
_EXT_BY_TYPE = {
    "video/mp4": "mp4", "video/x-m4v": "m4v", "video/x-matroska": "mkv", "video/webm": "webm",
    "video/quicktime": "mov", "video/x-flv": "flv", "video/mp2t": "ts", "video/x-msvideo": "avi",
}
SIDECAR_SUFFIX = ".ranges"

ProgressCallback = Callable[[DownloadProgress], None]


class NotProgressive(Exception):
    """The URL serves a playlist or a page, not a media file: yt-dlp has to handle it."""


@dataclass(frozen=True, slots=True)
class RangedOptions:
    """Tuning of one ranged download; the defaults suit hosters that throttle to a few MB/s per connection."""

    connections: int = 4
    max_part: int = 32 * 1024 * 1024
    min_split: int = 2 * 1024 * 1024
    chunk: int = 64 * 1024
    socket_timeout: float = 20.0
    part_retries: int = 4
    retry_delay: float = 0.5
    progress_interval: float = 0.25
    save_interval: float = 1.0
    proxies: tuple[tuple[str, str], ...] = ()
    """(host, proxy URL) pairs (SITE_PROXIES): a hoster named here is downloaded through its proxy."""


class _Retire(Exception):
    """A connection the hoster refuses while others of the same download are in flight: drop it, keep the rest."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP Error {status}")
        self.status = status


class _Transient(Exception):
    """A part request failed in a way a retry from its current position may fix."""


@dataclass(frozen=True, slots=True)
class _Probe:
    ext: str
    total: int | None
    ranged: bool
    accept_ranges: bool
    etag: str | None


def _content_range(header: str | None) -> tuple[int, int | None] | None:
    """(first byte, total length or None) of a Content-Range header."""
    match = _CONTENT_RANGE.fullmatch((header or "").strip())
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), total


def _ext_for(url: str, content_type: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix in _VIDEO_EXTS:
        return suffix
    return _EXT_BY_TYPE.get(content_type, "mp4")


def _looks_like_media(content_type: str, head: bytes) -> bool:
    if "mpegurl" in content_type or content_type in ("text/html", "application/xhtml+xml", "application/dash+xml"):
        return False
    start = head.lstrip()[:16].lower()
    return not (start.startswith(b"#extm3u") or start.startswith((b"<!doctype", b"<html", b"<?xml", b"<mpd")))


def _status_error(provider: str, status: int) -> DownloadFailed:
    return DownloadFailed(f"{provider}: HTTP Error {status}", expired=status in EXPIRED_STATUSES)


def sidecar_of(part_path: Path) -> Path:
    return part_path.with_name(part_path.name + SIDECAR_SUFFIX)


def find_partial(dest_dir: Path, stem: str) -> Path | None:
    """The `.part` of an earlier ranged attempt of this stem (the one with a sidecar), if any."""
    for state in sorted(dest_dir.glob(f"{_glob_escape(stem)}.*.part{SIDECAR_SUFFIX}")):
        return state.with_name(state.name[: -len(SIDECAR_SUFFIX)])
    return None


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]])", r"[\1]", text)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _preallocate(fd: int, size: int) -> None:
    """Reserve the whole file now: a full disk fails the download at once, not after an hour."""
    if os.fstat(fd).st_size < size:
        os.ftruncate(fd, size)
    with contextlib.suppress(AttributeError, OSError):  # filesystems without fallocate keep the sparse file
        os.posix_fallocate(fd, 0, size)


class Speed:
    """Bytes/s over the last few seconds (what qBittorrent clients show), from monotonic samples."""

    def __init__(self, window: float = 3.0) -> None:
        self._samples: deque[tuple[float, int]] = deque()
        self._window = window

    def update(self, now: float, downloaded: int) -> float | None:
        self._samples.append((now, downloaded))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
            self._samples.popleft()
        first_t, first_b = self._samples[0]
        return (downloaded - first_b) / (now - first_t) if now > first_t else None


def progress_of(downloaded: int, total: int | None, speed: float | None) -> DownloadProgress:
    eta = int((total - downloaded) / speed) if total is not None and speed else None
    return DownloadProgress(downloaded_bytes=downloaded, total_bytes=total, speed=speed, eta=eta)


class RangedDownloader:
    """Downloads one progressive DirectStream as parallel Range parts (blocking; call it from a thread)."""

    def __init__(self, budget: ConnectionBudget, options: RangedOptions | None = None,
                 transport: httpx.BaseTransport | None = None, guard: SsrfGuard | None = None) -> None:
        self._guard = guard
        """Checks the media URL and every redirect hop before it is sent (the URL came from a hoster page)."""
        self._budget = budget
        self._opts = options or RangedOptions()
        self._transport = transport

    def download(self, stream: DirectStream, dest_dir: Path, stem: str, on_progress: ProgressCallback,
                 is_cancelled: Callable[[], bool], rate_limit: int | None = None) -> Path:
        """`dest_dir/<stem>.<ext>` once complete; raises NotProgressive, DownloadCancelled or DownloadFailed."""
        limiter = RateLimiter(rate_limit) if rate_limit and rate_limit > 0 else None
        with self._client(stream) as client:
            self._acquire_first(is_cancelled)
            try:
                return self._download(client, stream, dest_dir, stem, on_progress, is_cancelled, limiter)
            except httpx.HTTPError as ex:
                raise DownloadFailed(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
            finally:
                self._budget.release()

    def _client(self, stream: DirectStream) -> httpx.Client:
        proxies = dict(self._opts.proxies) if self._transport is None else {}
        return hoster_client(stream, connections=self._opts.connections, socket_timeout=self._opts.socket_timeout,
                             proxies=proxies, guard=self._guard, transport=self._transport)

    def _acquire_first(self, is_cancelled: Callable[[], bool]) -> None:
        while not self._budget.acquire(first=True, timeout=0.25):
            if is_cancelled():
                raise DownloadCancelled("download cancelled")

    def _download(self, client: httpx.Client, stream: DirectStream, dest_dir: Path, stem: str,
                  on_progress: ProgressCallback, is_cancelled: Callable[[], bool],
                  limiter: RateLimiter | None) -> Path:
        earlier = find_partial(dest_dir, stem)
        # A bounded first request: it tells range support, length, type and validator without the server
        # pushing a socket buffer's worth of data that the part connections fetch again anyway.
        probe_range = {"Range": f"bytes=0-{self._opts.chunk - 1}"}
        with client.stream("GET", stream.url, headers=probe_range) as response:
            if response.status_code >= 400:
                raise _status_error(stream.provider, response.status_code)
            chunks = response.iter_raw(self._opts.chunk)
            head = next(chunks, b"")
            probe = self._probe(response, head, stream.url)
            if probe is None:
                raise NotProgressive(stream.url)
            ext = earlier.name[len(stem) + 1 : -len(".part")] if earlier is not None else probe.ext
            final = dest_dir / f"{stem}.{ext}"
            if probe.total is not None and final.is_file() and final.stat().st_size == probe.total:
                return final  # an earlier attempt finished but stopped before the caller renamed it
            part_path = dest_dir / f"{stem}.{ext}.part"
            if not (probe.ranged and probe.total is not None):
                log.info("%s: no usable Range support; one connection", stream.provider)
                self._single(client, stream, response, head, chunks, part_path, probe, on_progress,
                             is_cancelled, limiter)
                return self._finish(part_path, final)
        assert probe.total is not None
        plan = self._plan(part_path, probe.total, probe.etag)
        _RangedRun(self, client, stream, part_path, plan, on_progress, is_cancelled, limiter).run()
        return self._finish(part_path, final)

    @staticmethod
    def _probe(response: httpx.Response, head: bytes, url: str) -> _Probe | None:
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if not _looks_like_media(content_type, head):
            return None
        ext = _ext_for(str(response.url) or url, content_type)
        etag = response.headers.get("etag")
        if response.status_code == 206:
            parsed = _content_range(response.headers.get("content-range"))
            if parsed is not None and parsed[0] == 0 and parsed[1]:
                return _Probe(ext, parsed[1], True, True, etag)
            return None if parsed is None else _Probe(ext, None, False, True, etag)
        length = response.headers.get("content-length", "")
        total = int(length) if length.isdigit() and int(length) > 0 else None
        return _Probe(ext, total, False, False, etag)

    def _plan(self, part_path: Path, total: int, etag: str | None) -> PartPlan:
        """The saved plan if it belongs to this file, else a fresh one (reusing a sequential prefix)."""
        state = sidecar_of(part_path)
        size = part_path.stat().st_size if part_path.is_file() else -1
        if state.is_file():
            saved = PartPlan.from_json(state.read_text(encoding="utf-8", errors="replace"), self._opts.min_split)
            if saved is not None and saved.matches(total, etag) and size == total:
                log.info("resuming %s: %d of %d bytes on disk", part_path.name, saved.downloaded, total)
                return saved
            prefix = 0
        else:
            prefix = size if 0 < size < total else 0
        plan = PartPlan.new(total, self._opts.connections, self._opts.max_part, self._opts.min_split, etag,
                            done_prefix=prefix)
        _write_atomic(state, plan.to_json())  # before the file grows: a full-size .part always has a state
        fd = os.open(part_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not prefix:
                os.ftruncate(fd, 0)
            _preallocate(fd, total)
        finally:
            os.close(fd)
        return plan

    @staticmethod
    def _finish(part_path: Path, final: Path) -> Path:
        os.replace(part_path, final)
        sidecar_of(part_path).unlink(missing_ok=True)
        return final

    def _single(self, client: httpx.Client, stream: DirectStream, response: httpx.Response, head: bytes,
                chunks: Iterator[bytes], part_path: Path, probe: _Probe, on_progress: ProgressCallback,
                is_cancelled: Callable[[], bool], limiter: RateLimiter | None) -> None:
        """One sequential connection (the server ignores ranges or hides the length), retried from where it
        broke off when the server takes Range requests, else from the start."""
        sidecar_of(part_path).unlink(missing_ok=True)  # whatever was ranged before does not apply any more
        pos = 0
        speed = Speed()
        last = 0.0
        attempt = 0
        with open(part_path, "wb") as out:
            body: Iterator[bytes] = _prepend(head, chunks)
            if response.status_code == 206:  # only the probe's bounded range: go on from its end, open-ended
                out.write(head)
                pos = len(head)
                body = iter(()) if len(head) < self._opts.chunk else self._reopen(client, stream, pos, True)
            while True:
                try:
                    for chunk in body:
                        if is_cancelled():
                            raise DownloadCancelled("download cancelled")
                        if limiter is not None:
                            limiter.take(len(chunk))
                        out.write(chunk)
                        pos += len(chunk)
                        now = time.monotonic()
                        if now - last >= self._opts.progress_interval:
                            last = now
                            on_progress(progress_of(pos, probe.total, speed.update(now, pos)))
                    if probe.total is None or pos >= probe.total:
                        break
                    raise _Transient(f"connection closed at {pos} of {probe.total} bytes")
                except (httpx.TransportError, _Transient) as ex:
                    attempt += 1
                    if attempt > self._opts.part_retries:
                        raise DownloadFailed(f"{stream.provider}: {type(ex).__name__}: {ex}") from ex
                    if not probe.accept_ranges:
                        pos = 0
                        out.seek(0)
                        out.truncate()
                    body = self._reopen(client, stream, pos, probe.accept_ranges)
        on_progress(progress_of(pos, pos, speed.update(time.monotonic(), pos)))

    @staticmethod
    def _reopen(client: httpx.Client, stream: DirectStream, pos: int, ranged: bool) -> Iterator[bytes]:
        headers = {"Range": f"bytes={pos}-"} if ranged and pos else {}
        with client.stream("GET", stream.url, headers=headers) as response:
            if response.status_code >= 400:
                raise _status_error(stream.provider, response.status_code)
            if headers and (response.status_code != 206
                            or (_content_range(response.headers.get("content-range")) or (-1,))[0] != pos):
                raise DownloadFailed(f"{stream.provider}: the server stopped honouring Range requests")
            yield from response.iter_raw(64 * 1024)


def _prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


class _RangedRun:
    """One ranged download in flight: part workers in threads, this thread reports progress and saves state."""

    def __init__(self, owner: RangedDownloader, client: httpx.Client, stream: DirectStream, part_path: Path,
                 plan: PartPlan, on_progress: ProgressCallback, is_cancelled: Callable[[], bool],
                 limiter: RateLimiter | None) -> None:
        self._opts = owner._opts
        self._budget = owner._budget
        self._client = client
        self._stream = stream
        self._part_path = part_path
        self._plan = plan
        self._on_progress = on_progress
        self._is_cancelled = is_cancelled
        self._limiter = limiter
        self._stop = threading.Event()
        self._wake = threading.Event()  # a worker finished the last part or gave up: report without delay
        self._lock = threading.Lock()
        self._in_flight = 0  # part requests sent and not yet finished
        self._alive = 0
        self._fatal: DownloadFailed | None = None
        self._last_error: str | None = None
        self._last_status: int | None = None

    def run(self) -> None:
        workers = [threading.Thread(target=self._work, args=(i == 0,), daemon=True,
                                    name=f"ranged-{self._part_path.name}-{i}")
                   for i in range(max(1, self._opts.connections))]
        self._alive = len(workers)
        for worker in workers:
            worker.start()
        speed = Speed()
        saved_at = time.monotonic()
        try:
            while not self._plan.complete:
                self._wake.wait(self._opts.progress_interval)
                self._wake.clear()
                now = time.monotonic()
                done = self._plan.downloaded
                self._on_progress(progress_of(done, self._plan.total, speed.update(now, done)))
                if now - saved_at >= self._opts.save_interval:
                    saved_at = now
                    self._save()
                if self._is_cancelled():
                    raise DownloadCancelled("download cancelled")
                with self._lock:
                    fatal, alive = self._fatal, self._alive
                if fatal is not None:
                    raise fatal
                if alive == 0 and not self._plan.complete:
                    raise DownloadFailed(f"{self._stream.provider}: {self._last_error or 'all connections failed'}",
                                         expired=self._last_status in EXPIRED_STATUSES)
        finally:
            self._stop.set()
            if not self._plan.complete:
                self._save()
            for worker in workers:
                worker.join(timeout=1.0)
        self._on_progress(progress_of(self._plan.total, self._plan.total, speed.update(time.monotonic(),
                                                                                      self._plan.total)))

    def _save(self) -> None:
        with contextlib.suppress(OSError):
            _write_atomic(sidecar_of(self._part_path), self._plan.to_json())

    # -- worker threads ----------------------------------------------------------------------------------------

    def _work(self, first: bool) -> None:
        """Claim parts until none is left; the first worker uses the download's own slot, the others take
        extra slots from the shared budget per part and give them back between parts."""
        failures = 0
        try:
            fd = os.open(self._part_path, os.O_WRONLY)  # own descriptor: never closed under another thread
        except OSError as ex:
            self._fail(DownloadFailed(f"{self._stream.provider}: cannot open {self._part_path.name}: {ex}"))
            return
        try:
            while not self._stop.is_set() and not self._plan.complete:
                if not first and not self._budget.acquire(first=False, timeout=0.25):
                    continue
                try:
                    index = self._plan.claim()
                    if index is None:
                        self._stop.wait(0.05)  # every rest is in flight and too small to split
                        continue
                    try:
                        progressed = self._fetch(fd, index)
                        failures = 0 if progressed else failures
                    except _Transient as ex:
                        failures += 1
                        self._note(str(ex))
                        if failures > self._opts.part_retries:
                            return
                        self._stop.wait(min(8.0, self._opts.retry_delay * 2 ** (failures - 1)))
                    finally:
                        self._plan.release(index)
                finally:
                    if not first:
                        self._budget.release()
        except _Retire as ex:
            log.debug("%s: connection retired: %s", self._stream.provider, ex)
            with self._lock:
                self._last_error, self._last_status = str(ex), ex.status
        except DownloadFailed as ex:
            self._fail(ex)
        except Exception as ex:  # noqa: BLE001 - a disk error or a bug must end the download, not hang it
            self._fail(DownloadFailed(f"{self._stream.provider}: {type(ex).__name__}: {ex}"))
        finally:
            os.close(fd)
            with self._lock:
                self._alive -= 1
            self._wake.set()

    def _note(self, message: str) -> None:
        with self._lock:
            self._last_error = message

    def _fail(self, error: DownloadFailed) -> None:
        with self._lock:
            if self._fatal is None:
                self._fatal = error
        self._stop.set()
        self._wake.set()

    def _fetch(self, fd: int, index: int) -> bool:
        """Stream part `index` from its current position; True when at least one byte was written."""
        pos, end = self._plan.span(index)
        if pos >= end:
            return False
        progressed = False
        with self._lock:
            self._in_flight += 1
        try:
            with self._client.stream("GET", self._stream.url, headers={"Range": f"bytes={pos}-{end - 1}"}) as r:
                self._check(r, pos)
                for chunk in r.iter_raw(self._opts.chunk):
                    if self._stop.is_set():
                        return progressed
                    if self._limiter is not None:
                        self._limiter.take(len(chunk))
                    window = self._plan.window(index, len(chunk))
                    if window.keep:
                        os.pwrite(fd, memoryview(chunk)[: window.keep], window.offset)
                        progressed = True
                    if not self._plan.advance(index, window.keep):
                        return progressed
        except httpx.TransportError as ex:
            raise _Transient(f"{type(ex).__name__}: {ex}" if str(ex) else type(ex).__name__) from ex
        finally:
            with self._lock:
                self._in_flight -= 1
        pos_now, end_now = self._plan.span(index)
        if pos_now < end_now:
            raise _Transient(f"connection closed at byte {pos_now} of part ending {end_now}")
        return progressed

    def _check(self, response: httpx.Response, pos: int) -> None:
        status = response.status_code
        if status in EXPIRED_STATUSES or status in _BUSY_STATUSES:
            with self._lock:
                others = self._in_flight > 1
            if others:  # the hoster limits connections; the ones it accepted carry on (if all retire: failed)
                raise _Retire(status)
            if status in _BUSY_STATUSES:
                raise _Transient(f"HTTP Error {status}")
            raise _status_error(self._stream.provider, status)
        if status >= 500:
            raise _Transient(f"HTTP Error {status}")
        if status != 206:
            raise DownloadFailed(f"{self._stream.provider}: the server stopped honouring Range requests "
                                 f"(HTTP {status})")
        parsed = _content_range(response.headers.get("content-range"))
        if parsed is None or parsed[0] != pos or not self._plan.matches(parsed[1] or -1,
                                                                        response.headers.get("etag")):
            raise DownloadFailed(f"{self._stream.provider}: the file changed on the server (Content-Range "
                                 f"{response.headers.get('content-range')!r})")
