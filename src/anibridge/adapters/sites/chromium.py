"""One headless Chromium (selenium + chromedriver), owned by one worker thread, started on demand, always reaped.

Selenium is synchronous and a browser is heavy, so every call runs on a single dedicated thread: that thread is
the only one touching the driver, which makes "one browser at a time" a property of the design rather than of a
lock. The browser stays up between passes (a start costs about a second) and is closed after `idle_seconds`
without use, on `aclose()`, and whenever a pass fails in a way that may have left it in an unknown state.

chromedriver is started in a session of its own, so chromedriver, Chromium and all of Chromium's helper
processes form one process group: a pass that overruns its time limit kills that group at once from the event
loop (the worker's pending WebDriver call then fails fast), and no Chromium outlives the service.

Chromium's helpers outlive its main process by a moment when it quits, so they are orphaned. Orphans go to PID 1,
which in a container is anibridge's own Python: nothing would ever reap them, and every closed browser would leave
a handful of zombies. So the process makes itself a child subreaper (Linux) before it starts a browser, and reaps
exactly the browser's process group after each close (never other children: their owners wait for them).

The limit of that: once set, the subreaper flag stays on for the rest of the process (helpers may still be
exiting after any close), and only orphans that are Chromium's are reaped. Any other orphan re-parented to
anibridge, say a grandchild whose parent was killed, stays a zombie until anibridge exits. Reaping every zombie
child is not safe: Linux does not tell an adopted orphan from a child we started ourselves (ffmpeg, ffprobe,
yt-dlp's ffmpeg, chromedriver) that has just exited, and a `waitpid` on the latter takes the exit status that
`subprocess` or asyncio is waiting for (asyncio then reports exit code 255). In the image anibridge runs as PID 1,
where every orphan of the container comes to it with or without the flag; `docker run --init` (compose:
`init: true`) puts a real init in front that reaps them.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# Arguments every launch gets. --no-sandbox: Chromium's sandbox needs user namespaces, which containers rarely
# grant, and it refuses to start as root without this flag; the browser only opens the catalogue site's pages.
BASE_ARGUMENTS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--mute-audio",
    "--disable-sync", "--metrics-recording-only", "--window-size=1280,900", "--blink-settings=imagesEnabled=false",
)


class BrowserUnavailable(Exception):
    """Chromium, chromedriver or selenium is missing, or the browser would not start: the message says which."""


@dataclass(frozen=True)
class ChromiumPaths:
    chromium: str = "/usr/bin/chromium"
    chromedriver: str = "/usr/bin/chromedriver"


def installation_problem(paths: ChromiumPaths) -> str | None:
    """Why no browser can be started here (None: selenium imports and both programs are executable files)."""
    missing = [f"{what} ({where})" for what, where in (("chromium", paths.chromium),
                                                      ("chromedriver", paths.chromedriver))
               if not (Path(where).is_file() and os.access(where, os.X_OK))]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.insert(0, "the Python package selenium (pip install 'anibridge[browser-gate]')")
    if missing:
        return "not installed: " + ", ".join(missing)
    return None


def chromium_version(paths: ChromiumPaths) -> str:
    """`Chromium 131.0…` as the binary reports it (blocking; a second at most)."""
    done = subprocess.run([paths.chromium, "--version"], capture_output=True, text=True, timeout=20, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "?"


PR_SET_CHILD_SUBREAPER = 36  # prctl option (linux/prctl.h)


def become_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process instead of PID 1 (Linux; False elsewhere)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def reap_group(group: int, timeout: float = 5.0) -> int:
    """Wait for the exited members of process group `group` that are our children (orphans a subreaper got);
    the number reaped. Stops when the group has no child of ours left, or after `timeout` seconds."""
    reaped, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-group, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            time.sleep(0.02)  # members still exiting after the kill
            continue
        reaped += 1
    return reaped


def reap_strays(wait: float = 2.0) -> int:
    """Reap Chromium processes re-parented to us from outside the browser's process group: its crash handler
    starts a session of its own and exits a moment after the browser. Only children named like Chromium's are
    waited for, so no other child's exit status is taken; gives up after `wait` seconds."""
    reaped, deadline = 0, time.monotonic() + wait
    while True:
        living = 0
        for pid, state in _chromium_children():
            if state.startswith("Z"):
                with contextlib.suppress(ChildProcessError):
                    reaped += os.waitpid(pid, os.WNOHANG)[0] != 0
            else:
                living += 1
        if not living or time.monotonic() > deadline:
            return reaped
        time.sleep(0.05)


def _chromium_children() -> list[tuple[int, str]]:
    """(pid, state) of our child processes whose name is Chromium's (Linux /proc; empty elsewhere)."""
    me, found = str(os.getpid()), []
    proc = Path("/proc")
    for entry in proc.iterdir() if (proc / "self" / "status").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            lines = (entry / "status").read_text().splitlines()
        except OSError:
            continue
        status = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
        if status.get("PPid") == me and status.get("Name", "").startswith(("chrom", "crashpad")):
            found.append((int(entry.name), status.get("State", "")))
    return found


def _kill_at_exit(ref: weakref.ref[ChromiumWorker]) -> None:
    worker = ref()
    if worker is not None:
        worker._kill_group()


class ChromiumWorker:
    """The browser and the one thread that drives it. `run(job, launch, limit)` calls `job(driver)` on that thread
    with a browser started with `launch` arguments (restarted when they differ from the running one's)."""

    def __init__(self, paths: ChromiumPaths, *, idle_seconds: float = 120.0, grace_seconds: float = 15.0) -> None:
        self.paths = paths
        self.idle_seconds = idle_seconds
        self.grace = grace_seconds  # beyond a pass's own limit, before the browser is killed from outside
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._driver: Any = None
        self._launch: tuple[str, ...] = ()
        self._group: int | None = None  # process group of chromedriver and everything it started
        self._starting: Any = None  # the chromedriver Service while a browser starts (its group is not known yet)
        self._profile: str | None = None  # the browser's profile directory, removed when it closes
        self._group_lock = threading.Lock()
        self._pass_lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._pass: concurrent.futures.Future[Any] | None = None  # the job on the browser thread, if any
        self._closed = False
        self.starts = 0  # browsers started so far (tests check reuse)
        atexit.register(_kill_at_exit, weakref.ref(self))  # even an interpreter exit leaves no browser behind

    @property
    def running(self) -> bool:
        return self._driver is not None

    @property
    def process_group(self) -> int | None:
        return self._group

    async def run(self, job: Callable[[Any], T], launch: tuple[str, ...], limit: float) -> T:
        """`job(driver)` on the browser thread, one at a time; past `limit` seconds the browser is killed and
        TimeoutError raised. Any failure of the job closes the browser (the next pass starts a clean one)."""
        if self._closed:
            raise BrowserUnavailable("the browser was shut down")
        loop = asyncio.get_running_loop()
        if self._pass_lock is None or self._lock_loop is not loop:  # an asyncio lock serves one loop only
            self._pass_lock, self._lock_loop = asyncio.Lock(), loop
        async with self._pass_lock:
            if self._idle is not None:
                self._idle.cancel()
                self._idle = None
            self._pass = self._executor.submit(self._guarded, job, launch, limit)
            future = asyncio.wrap_future(self._pass)
            try:
                return await asyncio.wait_for(asyncio.shield(future), timeout=limit + self.grace)
            except TimeoutError:
                log.warning("browser pass overran %.0f s: killing the browser", limit + self.grace)
                self._kill_group()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(future, timeout=30.0)  # the worker notices the dead browser and returns
                with contextlib.suppress(Exception):
                    await asyncio.wrap_future(self._executor.submit(self._quit))  # reap it; the next pass starts anew
                raise
            finally:
                if not self._closed:
                    self._idle = loop.call_later(self.idle_seconds, self._close_when_idle)

    def _guarded(self, job: Callable[[Any], T], launch: tuple[str, ...], limit: float) -> T:
        if self._driver is not None and launch != self._launch:
            self._quit()
        if self._driver is None:
            self._start(launch, limit)
        try:
            return job(self._driver)
        except BaseException:
            self._quit()
            raise

    def _start(self, launch: tuple[str, ...], limit: float) -> None:
        problem = installation_problem(self.paths)
        if problem is not None:
            raise BrowserUnavailable(problem)
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = self.paths.chromium
        # Our own profile directory: a killed browser cannot clean up after itself, so `_quit` removes it.
        self._profile = tempfile.mkdtemp(prefix="anibridge-chromium-")
        for argument in (*BASE_ARGUMENTS, f"--user-data-dir={self._profile}", *launch):
            options.add_argument(argument)
        become_subreaper()
        service = Service(executable_path=self.paths.chromedriver, popen_kw={"start_new_session": True})
        with self._group_lock:
            self._starting = service  # a pass that overruns during the start can kill what started so far
        try:
            driver = webdriver.Chrome(service=service, options=options)
        except Exception as ex:  # noqa: BLE001 - not only WebDriverException: a killed or hung start ends in urllib3's errors
            self._abandon_start(service)
            reason = ex.msg if isinstance(ex, WebDriverException) else f"{type(ex).__name__}: {ex}"
            raise BrowserUnavailable(f"chromium did not start: {str(reason or ex).strip()[:300]}") from None
        process = getattr(service, "process", None)
        with self._group_lock:
            self._group = process.pid if process is not None else None
            self._starting = None
        driver.set_page_load_timeout(limit)
        driver.set_script_timeout(limit)
        self._driver, self._launch = driver, launch
        self.starts += 1
        log.info("browser started for the redirect gate (%s)", self.paths.chromium)

    def _abandon_start(self, service: Any) -> None:
        """Kill and reap whatever a failed start left (selenium stops chromedriver, but not the Chromium it
        started, which the subreaper would then hold as a zombie or a running orphan)."""
        process = getattr(service, "process", None)
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            self._reap(service)
            reap_group(process.pid)
        with self._group_lock:
            self._starting = None
        reap_strays()
        self._remove_profile()

    def _quit(self) -> None:
        driver, self._driver = self._driver, None
        if driver is None:
            return
        try:
            driver.quit()  # closes Chromium, then stops chromedriver and waits for it
        except Exception as ex:  # noqa: BLE001 - a dead browser cannot be asked to quit; the group kill below ends it
            log.debug("browser quit failed: %s", ex)
        self._kill_group()
        self._reap(driver.service)
        with self._group_lock:
            group, self._group = self._group, None
        if group is not None:
            reap_group(group)
        reap_strays()
        self._remove_profile()

    def _remove_profile(self) -> None:
        profile, self._profile = self._profile, None
        if profile is not None:
            shutil.rmtree(profile, ignore_errors=True)

    @staticmethod
    def _reap(service: Any) -> None:
        process = getattr(service, "process", None)
        if process is not None:
            with contextlib.suppress(Exception):
                process.wait(timeout=10)

    def _kill_group(self) -> None:
        """Kill chromedriver, Chromium and its helpers (safe from any thread, and twice). The group stays known
        until `_quit` has reaped it: its leader, unreaped, keeps the id from being reused meanwhile."""
        with self._group_lock:
            group = self._group
            if group is None and self._starting is not None:
                process = getattr(self._starting, "process", None)
                group = process.pid if process is not None and process.poll() is None else None
        if group is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)

    def _close_when_idle(self) -> None:
        self._idle = None
        if self._pass_lock is not None and self._pass_lock.locked():
            return
        self._executor.submit(self._quit)

    async def aclose(self) -> None:
        """Close the browser and stop the thread (the app's shutdown)."""
        self._closed = True
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._pass is not None and not self._pass.done():
            # A pass in flight (its caller may be gone already: cancelled tasks do not stop the thread) would keep
            # the thread, and so the quit queued behind it, up to its whole limit: its browser calls fail at once.
            log.info("shutting down during a browser pass: killing the browser")
            self._kill_group()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.wrap_future(self._executor.submit(self._quit)), timeout=30.0)
        self._kill_group()
        self._executor.shutdown(wait=False)
