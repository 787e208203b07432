"""A player that goes away releases the upstream: the proxy must not keep pulling the hoster's file."""

from __future__ import annotations

import time

import httpx
import pytest

from anibridge.domain.strm.urls import proxy_url

from .conftest import BIG_CHUNKS, Rig

pytestmark = pytest.mark.slow


def test_client_abort_stops_upstream(rig: Rig) -> None:
    o = rig.proxy.options
    url = proxy_url(o.public_base_url, rig.cdn_server.base_url + "/big.mp4", o.auth_mode, o.secret, time.time())
    rig.big_sent[0] = 0
    with httpx.Client(timeout=30) as client:
        with client.stream("GET", url) as resp:
            assert resp.status_code == 200
            got = 0
            for chunk in resp.iter_raw():
                got += len(chunk)
                if got > 4 * 1024 * 1024:
                    break
    # Give a proxy that ignores the disconnect time to keep streaming; then the counter must have settled.
    settled, last = 0, -1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and settled < 5:
        time.sleep(0.2)
        now = rig.big_sent[0]
        settled = settled + 1 if now == last else 0
        last = now
    assert settled >= 5, "upstream kept sending after the client left"
    assert last < BIG_CHUNKS // 4, f"upstream sent {last} of {BIG_CHUNKS} chunks"
