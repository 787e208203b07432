"""A Range header on an HLS playlist URL gets the whole rewritten playlist (STRM_HLS_AS_FILE=playlist).

Regression (found driving the demo with curl -r / players that always send Range): the proxy forwarded the
Range to the CDN, rewrote the partial 206 playlist and answered **200 with a truncated playlist** (cut URLs,
missing variants); a malformed Range came back as 416 instead of being ignored.
"""

from __future__ import annotations

import httpx
import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.strm.urls import stream_url

from .conftest import Rig

pytestmark = pytest.mark.slow


def _url(rig: Rig, episode: int) -> str:
    o = rig.proxy.options
    ref = EpisodeRef(Site.ANIWORLD, "show-hls", 1, episode, Language.GERMAN_DUB)
    return stream_url(o.public_base_url, ref, "VOE", o.auth_mode, o.secret)


@pytest.mark.parametrize("range_header", ["bytes=0-99", "bytes=10-", "bytes=abc", "bytes=99999999-"])
def test_ranged_playlist_request_gets_the_whole_rewritten_playlist(playlist_mode: Rig, range_header: str) -> None:
    rig = playlist_mode
    with httpx.Client() as client:
        whole = client.get(_url(rig, 7))
        ranged = client.get(_url(rig, 7), headers={"Range": range_header})
        variant_url = next(x for x in whole.text.splitlines() if x and not x.startswith("#"))
        variant = client.get(variant_url)
        ranged_variant = client.get(variant_url, headers={"Range": range_header})
    assert whole.status_code == 200 and ranged.status_code == 200
    assert int(ranged.headers["content-length"]) == len(ranged.content)
    assert ranged.text.splitlines()[0] == "#EXTM3U"
    # Same variants (signatures carry the same expiry second, so compare the playlist shape, not bytes).
    assert len(ranged.text.splitlines()) == len(whole.text.splitlines())
    assert ranged.text.count("/strm/proxy/") == whole.text.count("/strm/proxy/") > 0
    assert variant.status_code == ranged_variant.status_code == 200
    assert ranged_variant.text.count("#EXTINF") == variant.text.count("#EXTINF") > 0


def test_head_of_a_playlist_reports_the_length_a_get_returns(playlist_mode: Rig) -> None:
    """Regression: HEAD answered `Content-Length: 0` (Falcon's default when a HEAD reply names no length)."""
    rig = playlist_mode
    with httpx.Client() as client:
        head = client.head(_url(rig, 8))
        get = client.get(_url(rig, 8))
        variant_url = next(x for x in get.text.splitlines() if x and not x.startswith("#"))
        variant_head = client.head(variant_url)
        variant_get = client.get(variant_url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(get.content) > 0
    assert variant_head.status_code == 200
    assert int(variant_head.headers["content-length"]) == len(variant_get.content) > 0
