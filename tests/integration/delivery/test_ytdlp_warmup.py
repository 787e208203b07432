"""yt-dlp warm-up: started by the ASGI lifespan in a thread, never awaited; it really pays the one-time cost."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import falcon.testing
import pytest
from dependency_injector import providers

from anibridge.adapters.ytdlp_warmup import YtDlpWarmUp
from anibridge.container import create_container
from anibridge.delivery.app import create_falcon_app
from anibridge.settings import load_settings

pytestmark = pytest.mark.anyio


async def test_startup_serves_while_the_warm_up_is_still_running(tmp_path: Path) -> None:
    release, running = threading.Event(), threading.Event()
    main_thread = threading.get_ident()
    ran_on: list[int] = []

    def slow_work() -> None:
        ran_on.append(threading.get_ident())
        running.set()
        assert release.wait(timeout=10)

    warmup = YtDlpWarmUp(slow_work)
    container = create_container(load_settings({"DATA_DIR": str(tmp_path / "data")}))
    container.ytdlp_warmup.override(providers.Object(warmup))
    app = create_falcon_app(container)
    try:
        async with falcon.testing.ASGIConductor(app) as conductor:  # runs the lifespan startup
            assert running.wait(timeout=5)
            assert (await conductor.simulate_get("/health")).status_code == 200
            assert not warmup.done.is_set()  # startup finished and the server answers: nobody waited
        assert ran_on and ran_on[0] != main_thread
    finally:
        release.set()
    assert warmup.done.wait(timeout=5)


async def test_a_failing_warm_up_is_only_logged() -> None:
    def broken() -> None:
        raise ImportError("no yt-dlp")

    warmup = YtDlpWarmUp(broken)
    await warmup.start()
    await warmup.start()  # idempotent: one thread per process
    assert warmup.done.wait(timeout=5)
    await warmup.stop()


@pytest.mark.slow
def test_warm_up_compiles_every_extractor_pattern_in_a_fresh_process() -> None:
    script = """
from yt_dlp.extractor import gen_extractor_classes
from anibridge.adapters.ytdlp_warmup import warm_up_ytdlp
classes = [c for c in gen_extractor_classes() if c._VALID_URL]
assert not any('_VALID_URL_RE' in c.__dict__ for c in classes)
warm_up_ytdlp()
missing = [c.__name__ for c in classes if '_VALID_URL_RE' not in c.__dict__]
assert not missing, missing[:5]
print(len(classes))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 1000
