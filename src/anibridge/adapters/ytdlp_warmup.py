"""yt-dlp warm-up: pay its one-time start costs in a background thread while the server starts serving.

The first quality probe on a fresh server took ~2 s longer than the rest. A profile shows where: yt-dlp's
first `extract_info` asks each of its ~1,800 extractors whether it handles the URL, and every extractor compiles
its URL pattern on that first question (~1.4 s of regex compiling, cached on the class afterwards), plus the
lazy import of the generic extractor. Both happen in the process, not per call, so doing them once at ASGI
startup — in a daemon thread, never awaited — moves them off the first Torznab search. Startup never waits for
it, and nothing runs at import time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

_PROBE_URL = "https://warm-up.invalid/video.mp4"  # matched against patterns only, never fetched


def warm_up_ytdlp() -> None:
    """Import yt-dlp and its extractor registry and compile every extractor's URL pattern (no network)."""
    import yt_dlp
    from yt_dlp.extractor import gen_extractor_classes

    for extractor in gen_extractor_classes():
        extractor.suitable(_PROBE_URL)
    with yt_dlp.YoutubeDL({"quiet": True, "no_warnings": True}) as ydl:
        ydl.get_info_extractor("Generic")  # imports the generic extractor module the hoster URLs end up in


class YtDlpWarmUp:
    """Lifespan service: `start()` launches the warm-up thread and returns at once; `stop()` does not wait."""

    def __init__(self, work: Callable[[], None] = warm_up_ytdlp) -> None:
        self._work = work
        self._thread: threading.Thread | None = None
        self.done = threading.Event()

    async def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="ytdlp-warm-up", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        return None  # a daemon thread: shutdown never waits for a warm-up still compiling patterns

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            self._work()
            log.debug("yt-dlp warmed up in %.2f s", time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first probe pays the cost
            log.warning("yt-dlp warm-up failed", exc_info=True)
        finally:
            self.done.set()
