"""torrents/add with many junk URLs: one short summary warning per request, per-URL detail only at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from anibridge.delivery.qbittorrent.torrents_write import rejection_summary

from .world import World, magnet, make_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(world.ctx))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.slow
async def test_a_thousand_junk_urls_log_one_summary_line(client: httpx.AsyncClient,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    junk = [f"http://junk.example/{i}/{'x' * 300}.torrent" for i in range(1000)]
    caplog.set_level(logging.DEBUG, logger="anibridge")
    r = await client.post("/api/v2/torrents/add", data={"urls": "\n".join([*junk, magnet(1)])})
    assert r.text == "Ok."
    warnings = [rec for rec in caplog.records if rec.levelno >= logging.WARNING]
    assert len(warnings) == 1, [w.getMessage()[:80] for w in warnings]
    line = warnings[0].getMessage()
    assert "1000 of 1001 url(s) rejected" in line and "and 997 more" in line
    assert len(line) < 600
    debug = [rec for rec in caplog.records if rec.levelno == logging.DEBUG and "rejected" in rec.getMessage()]
    assert len(debug) == 1000  # the per-URL detail is still there for troubleshooting


async def test_a_single_bad_url_is_summarised_without_a_tail(client: httpx.AsyncClient,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="anibridge")
    assert (await client.post("/api/v2/torrents/add", data={"urls": "http://x/y.torrent"})).text == "Fails."
    [warning] = [rec.getMessage() for rec in caplog.records if rec.levelno >= logging.WARNING]
    assert "1 of 1 url(s) rejected" in warning and "more" not in warning


def test_summary_clips_long_reasons_and_newlines() -> None:
    text = rejection_summary([("u", "bad\nline " + "y" * 500), ("v", "short")], 2)
    assert "\n" not in text and "…" in text and text.endswith("; short") and len(text) < 200
