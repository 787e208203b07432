"""Hoster adapters replayed from recorded cassettes (vcrpy, record_mode "none"): no server runs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from anibridge.ports.errors import NotFound
from anibridge.ports.streams import StreamResolverPort
from anibridge.wiring.streams import build_resolvers
from anibridge_fakes.record_hoster_cassettes import KIND, cassette_embed, cassette_name, cassette_settings

pytestmark = [pytest.mark.anyio, pytest.mark.cassette]
Replay = Callable[[str], AbstractContextManager[Any]]

# Where each hoster's direct URL points and which header the media host needs.
EXPECTED = {
    "VOE": ("http://voe-mirror.test/cdn/", None),
    "Vidoza": ("http://vidoza.test/cdn/", None),
    "Filemoon": ("http://filemoon.test/cdn/", "Referer"),
    "Doodstream": ("http://doodstream.test/cloud/", "Referer"),
    "Streamtape": ("http://streamtape.test/get_video?id=cas1m&", None),
    "Vidmoly": ("http://vidmoly.test/cdn/", "Referer"),
    "Luluvdo": ("http://luluvdo.test/cdn/", "Origin"),
    "LoadX": ("http://loadx.test/cdn/", None),
    "GXPlayer": ("http://gxplayer.test/m3u8/hls.", None),
}


def _resolver(client: httpx.AsyncClient, provider: str) -> StreamResolverPort:
    return next(r for r in build_resolvers(client, cassette_settings()) if r.provider == provider)


@pytest.mark.parametrize("provider", list(EXPECTED))
async def test_resolves_from_cassette(replay: Replay, provider: str) -> None:
    prefix, header = EXPECTED[provider]
    with replay(cassette_name(provider)):
        async with httpx.AsyncClient() as client:
            resolver = _resolver(client, provider)
            embed = cassette_embed(provider, "cas1", KIND[provider])
            assert resolver.handles(embed)
            stream = await resolver.resolve(embed)
            with pytest.raises(NotFound):
                await resolver.resolve(cassette_embed(provider, "gone1", KIND[provider]))
    assert stream.provider == provider
    assert stream.url.startswith(prefix), stream.url
    assert stream.is_hls == (KIND[provider] != "mp4")
    if header:
        assert header in stream.headers


async def test_filemoon_legacy_page_from_cassette(replay: Replay) -> None:
    with replay(cassette_name("Filemoon")):
        async with httpx.AsyncClient() as client:
            stream = await _resolver(client, "Filemoon").resolve(cassette_embed("Filemoon", "legacy1", "hls"))
    assert stream.url.startswith("http://filemoon.test/cdn/") and stream.url.endswith("/1080p.m3u8")
