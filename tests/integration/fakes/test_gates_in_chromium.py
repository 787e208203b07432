"""A real headless Chromium passes what plain HTTP cannot: the Turnstile(+ALTCHA) gate and the DDoS-Guard check.

This is the proof that the fake Turnstile token and DDoS-Guard mark are browser-only yet browser-passable (the
HTTP tests show the plain-client side). `#autosubmit` stands in for the user's click on "Weiter".
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.altcha import AltchaVerifier
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.world import FakeWorld

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")]
EPISODE = "/serie/breaking-bad/staffel-1/episode-1"


def dump_dom(url: str, profile: Path) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
         "--virtual-time-budget=20000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False,
    )
    return done.stdout


@pytest.mark.parametrize("tier", ["turnstile", "turnstile_altcha"])
def test_browser_passes_the_redirect_gate(world: FakeWorld, tmp_path: Path, tier: str) -> None:
    gate = RedirectGate(tier=tier, success_shape="page", altcha=AltchaVerifier(maxnumber=2000))
    world.sto_app().gate = gate
    dom = dump_dom(world.sites[Site.STO.value].base_url + EPISODE + "#autosubmit", tmp_path)
    hoster = re.search(r'<body[^>]*data-hoster-url="([^"]+)"', dom)
    assert hoster is not None and "/voe/e/" in hoster.group(1), dom[-2000:]
    assert [(s.ok, s.tier) for s in gate.submissions] == [(True, tier)]
    assert gate.turnstile.issued_count == 1 and gate.altcha.issued == (1 if tier == "turnstile_altcha" else 0)


def test_browser_passes_the_ddos_guard_check(world: FakeWorld, tmp_path: Path) -> None:
    server = world.sites[Site.ANIWORLD.value]
    server.app.protection.front = "ddos-guard"
    dom = dump_dom(server.base_url + "/animes-alphabet", tmp_path)
    assert "seriesContainer" in dom and "Checking your browser" not in dom
