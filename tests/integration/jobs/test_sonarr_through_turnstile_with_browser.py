"""BROWSER_GATE=chromium: Sonarr's search and grab get through SerienStream's Turnstile tiers, which no code can.

The fake Turnstile's token needs a page laid out by a real browser, on the same session, address and User-Agent
as the client that posts the form: so a completed download here proves that the browser carried our cookie jar
and User-Agent in and out, and that the form it filled was posted by our client (the `Location` read, the
hoster never loaded in the browser). One app and one browser serve both tiers; after shutdown no process of the
browser is left.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from anibridge_fakes.altcha import AltchaVerifier
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.world import FakeWorld
from tests.integration.jobs.test_sonarr_through_site_protection import (
    anibridge_and_container,
    finished,
    grab,
    magnet,
    until,
)
from tests.integration.sites.conftest import BROWSER, NEEDS_BROWSER

pytestmark = [pytest.mark.anyio, *NEEDS_BROWSER]


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


async def test_search_and_grab_through_both_turnstile_tiers_with_the_browser(fake_world: FakeWorld,
                                                                              tmp_path: Path) -> None:
    port = fake_world.internet().site_ports["s.to"]
    # serienstream.to is DNS-blocked in the fake internet: the browser must reach it at the same pinned address.
    gate = RedirectGate(tier="turnstile_altcha", altcha=AltchaVerifier(maxnumber=3000))
    async with anibridge_and_container(fake_world, tmp_path, STO_BASE_URL=f"http://serienstream.to:{port}",
                         SITE_ADDRESSES="serienstream.to=127.0.0.1", BROWSER_GATE="chromium",
                         BROWSER_GATE_TIMEOUT_SECONDS="30") as (c, container):
        health = await c.simulate_get("/health")
        assert health.json["components"]["browser_gate"] == {"status": "ok", "detail": f"chromium at {BROWSER.chromium}"}
        first = await magnet(c, 1, 2)  # searched before the gate: the grab meets it
        second = await magnet(c, 1, 3)
        fake_world.sto_app().gate = gate

        await grab(c, first)
        [item] = await until(c, finished, 90)
        assert item["state"] == "stoppedUP", item
        assert Path(item["content_path"]).stat().st_size > 0
        # ALTCHA alone was tried first and refused (Turnstile is enforced); the browser's form then passed.
        assert [(s.ok, s.reason) for s in gate.submissions] == [(False, "turnstile: missing-input-response"),
                                                               (True, "ok")]
        passed = gate.submissions[-1]
        assert passed.fields["altcha"] and passed.fields["cf-turnstile-response"]
        assert passed.origin == f"http://serienstream.to:{port}" and "/staffel-1/episode-2" in passed.referer

        gate.tier = "turnstile"  # the plain Turnstile tier: no ALTCHA-only try, the browser at once
        await grab(c, second)
        items = await until(c, lambda items: len(items) == 2 and finished(items), 90)
        assert [t["state"] for t in items] == ["stoppedUP"] * 2, [t["comment"] for t in items]
        assert [(s.ok, s.tier) for s in gate.submissions[2:]] == [(True, "turnstile")]

        browser: Any = container.gate_browser()
        assert browser.worker.starts == 1  # one browser served both passes
        group = browser.worker.process_group
        assert group is not None and group_alive(group)
    assert not browser.worker.running
    assert not group_alive(group), "a browser process outlived the app"

