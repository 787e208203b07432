"""The browser pass asks DNS-over-HTTPS for the address our client uses; that DoH client ends with the gate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anibridge.adapters.sites.browser_gate import GateJob
from anibridge.settings import load_settings
from anibridge.wiring.browser_gate import build_gate_browser
from anibridge_fakes.dns import DohApp, FakeDns
from anibridge_fakes.http import FakeServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def doh_url() -> Iterator[str]:
    server = FakeServer(DohApp(FakeDns(records={"serienstream.to": "127.0.0.9"}))).start()
    yield f"{server.base_url}/dns-query"
    server.stop()


async def test_the_doh_client_of_the_browser_pass_closes_with_the_gate(doh_url: str) -> None:
    gate = build_gate_browser(load_settings({"BROWSER_GATE": "chromium", "DOH_URL": doh_url}))
    assert gate is not None
    job = GateJob("https://serienstream.to/serie/x/staffel-1/episode-1", "https://serienstream.to/r?t=1",
                  "turnstile", "UA/1.0")
    assert "--host-resolver-rules=MAP serienstream.to 127.0.0.9" in await gate._launch_arguments(job)
    doh = gate._resolve.__self__.doh  # type: ignore[union-attr]
    assert doh is not None and not doh.closed
    await gate.aclose()  # what the app's shutdown and each CLI command call
    assert doh.closed
