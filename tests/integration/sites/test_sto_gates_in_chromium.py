"""The s.to adapter with the real browser pass (headless Chromium) against the fake gate: the success page shape,
an honest failure when the widget never yields a token, and a pass that overruns its time being killed. One
browser serves the module; every failure leaves no browser process behind."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.sites.browser_gate import ChromiumGate
from anibridge.adapters.sites.chromium import ChromiumPaths
from anibridge.adapters.sites.sto import StoCatalog
from anibridge.ports.errors import GateKind, SiteGated
from anibridge_fakes.catalogue import Catalogue
from anibridge_fakes.http import FakeServer
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.sto import StoApp
from tests.integration.sites.conftest import BROWSER, NEEDS_BROWSER, site_options
from tests.integration.sites.test_sto_gates import expected_embed, voe_link

pytestmark = [pytest.mark.anyio, *NEEDS_BROWSER]


@pytest.fixture(scope="module")
def browser() -> Iterator[ChromiumGate]:
    import asyncio

    gate = ChromiumGate(BROWSER, time_limit=10.0)  # also the page-load and script timeouts of the browser
    gate.worker.grace = 5.0  # an overrun is killed 5 s after a pass's limit (production: 15 s)
    yield gate
    asyncio.run(gate.aclose())


def alive(group: int | None) -> bool:
    if group is None:
        return False
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


async def test_turnstile_with_the_page_shaped_success(sto_fake: FakeServer, sto_app: StoApp, catalogue: Catalogue,
                                                      browser: ChromiumGate) -> None:
    sto_app.gate = RedirectGate(tier="turnstile", success_shape="page")
    async with httpx.AsyncClient() as client:
        catalog = StoCatalog(client, site_options(sto_fake.base_url, gate_browser=browser))
        assert await catalog.embed_url(await voe_link(catalog)) == expected_embed(catalogue)
    [submission] = sto_app.gate.submissions
    assert submission.ok and submission.fields["cf-turnstile-response"].count(".") == 1
    assert browser.worker.running and alive(browser.worker.process_group)


async def test_a_widget_that_never_answers_is_a_typed_gate_within_the_limit(sto_fake: FakeServer, sto_app: StoApp,
                                                                            browser: ChromiumGate) -> None:
    sto_app.gate = RedirectGate(tier="turnstile", turnstile_script="/nowhere/api.js")  # the widget never renders
    browser.time_limit = 2.0
    async with httpx.AsyncClient() as client:
        catalog = StoCatalog(client, site_options(sto_fake.base_url, gate_browser=browser))
        link = await voe_link(catalog)
        group = browser.worker.process_group
        started = time.monotonic()
        with pytest.raises(SiteGated) as info:
            await catalog.embed_url(link)
    assert time.monotonic() - started < browser.time_limit + 5
    error = info.value
    assert error.kind is GateKind.VERIFICATION
    assert error.detail == "turnstile; the browser was refused too: no Turnstile token after 2 s"
    assert error.retry_at is not None and error.retry_at > datetime.now(UTC) + timedelta(seconds=60)
    assert sto_app.gate.submissions == []  # nothing was posted without a token
    assert not browser.worker.running and not alive(group)  # a failed pass closes its browser


async def test_a_pass_that_overruns_is_killed_and_the_next_starts_a_fresh_browser(browser: ChromiumGate) -> None:
    await browser.worker.run(lambda driver: driver.title, (), limit=10.0)
    group, starts = browser.worker.process_group, browser.worker.starts
    browser.worker.grace = 1.0
    try:
        with pytest.raises(TimeoutError):
            # A script that never calls back: only the script timeout (10 s, from the start) would end it itself.
            await browser.worker.run(lambda driver: driver.execute_async_script("/* never done */"), (), limit=0.1)
    finally:
        browser.worker.grace = 5.0
    assert not browser.worker.running and not alive(group)
    assert await browser.worker.run(lambda driver: driver.execute_script("return 1 + 1"), (), limit=10.0) == 2
    assert browser.worker.starts == starts + 1


async def test_an_idle_browser_is_closed(browser: ChromiumGate) -> None:
    import asyncio

    browser.worker.idle_seconds = 0.2
    try:
        await browser.worker.run(lambda driver: driver.title, (), limit=10.0)
        group = browser.worker.process_group
        assert browser.worker.running and alive(group)
        for _ in range(100):
            if not browser.worker.running and not alive(group):
                break
            await asyncio.sleep(0.05)
    finally:
        browser.worker.idle_seconds = 120.0
    assert not browser.worker.running and not alive(group)


@pytest.mark.parametrize("caller_cancelled_first", [False, True])
async def test_shutdown_during_a_pass_ends_the_browser_at_once(caller_cancelled_first: bool) -> None:
    import asyncio
    import contextlib
    import threading

    gate = ChromiumGate(BROWSER, time_limit=60.0)
    started = threading.Event()

    def never_done(driver: object) -> object:
        started.set()
        return driver.execute_async_script("/* never done */")  # type: ignore[attr-defined]

    try:
        passing = asyncio.ensure_future(gate.worker.run(never_done, (), limit=60.0))
        assert await asyncio.to_thread(started.wait, 30.0)
        group = gate.worker.process_group
        assert alive(group)
        if caller_cancelled_first:  # the app cancels its tasks, then closes its services
            passing.cancel()
        # Without a kill the quit waits behind the pass: up to its 60 s limit (and 30 s of patience before that).
        await asyncio.wait_for(gate.aclose(), timeout=20.0)
        assert not gate.worker.running and not alive(group)
        with contextlib.suppress(BaseException):
            await passing
    finally:
        gate.worker._kill_group()


def _marked(marker: str) -> list[int]:
    """Our processes that carry `marker` in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def test_a_browser_start_that_hangs_is_killed_at_the_time_limit(tmp_path: Path) -> None:
    import asyncio
    import uuid

    marker = f"ANIBRIDGE_TEST_HANG={uuid.uuid4().hex}"
    hanging = tmp_path / "chromium"  # a "Chromium" that never opens its DevTools port: chromedriver waits 60 s
    hanging.write_text(f"#!/bin/sh\nexport {marker}\nexec sleep 300\n")
    hanging.chmod(0o755)
    gate = ChromiumGate(ChromiumPaths(str(hanging), BROWSER.chromedriver), time_limit=1.0)
    gate.worker.grace = 1.0
    passing: asyncio.Future[object] | None = None
    try:
        passing = asyncio.ensure_future(gate.worker.run(lambda driver: driver.title, (), limit=1.0))
        # The pass fails at its limit (1 s + 1 s grace), not when chromedriver gives up on the browser (60 s).
        done, _ = await asyncio.wait({passing}, timeout=20.0)
        assert passing in done, "the hung start outlived the pass's time limit"
        with pytest.raises(TimeoutError):
            passing.result()
        for _ in range(100):  # the kill is immediate; reaping takes a moment
            if not _marked(marker):
                break
            await asyncio.sleep(0.05)
        # The group of a start still under way was unknown, so the limit killed nothing: the pass waited for the
        # hung start, chromedriver and this "browser" alive all along.
        assert _marked(marker) == []
    finally:
        if passing is not None:
            passing.cancel()
        await gate.aclose()
        for pid in _marked(marker):
            os.kill(pid, 9)
