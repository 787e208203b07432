"""MediaQualityProbe against real media on a loopback server: master playlist attributes, else real ffprobe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from anibridge.adapters.media_probe import MediaQualityProbe
from anibridge.ports.streams import DirectStream, Quality
from tests.integration.jobs.media_server import MediaServer, make_media

pytestmark = pytest.mark.anyio

MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=426x240,CODECS="avc1.42c015,mp4a.40.2"
hls/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2600000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"
hls/index.m3u8
"""


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media")
    make_media(root)
    (root / "master.m3u8").write_text(MASTER)
    (root / "bare-master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=600000\nhls/index.m3u8\n")
    return root


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


async def test_a_master_playlist_answers_from_its_attributes_alone(server: MediaServer, client: httpx.AsyncClient) -> None:
    probe = MediaQualityProbe(client, timeout=5, ffprobe="/bin/false")  # ffprobe would tell nothing here
    quality = await probe.probe(DirectStream(server.url("master.m3u8"), "VOE", is_hls=True))
    assert quality == Quality(720, "avc1.64001f")


async def test_ffprobe_reads_mp4_media_playlists_and_aes128(server: MediaServer, client: httpx.AsyncClient) -> None:
    probe = MediaQualityProbe(client, timeout=10)
    for path, hls in (("clip.mp4", False), ("hls/index.m3u8", True), ("hls-aes/index.m3u8", True),
                      ("bare-master.m3u8", True)):
        quality = await probe.probe(DirectStream(server.url(path), "VOE", is_hls=hls))
        assert quality == Quality(240, "h264"), path


async def test_the_hosters_headers_are_sent(server: MediaServer, client: httpx.AsyncClient) -> None:
    server.state.required_referer = "https://voe.example/"
    probe = MediaQualityProbe(client, timeout=5)
    for path, hls in (("clip.mp4", False), ("master.m3u8", True)):
        assert await probe.probe(DirectStream(server.url(path), "VOE", is_hls=hls)) == Quality(), path
        stream = DirectStream(server.url(path), "VOE", headers={"Referer": "https://voe.example/"}, is_hls=hls)
        assert (await probe.probe(stream)).height in (240, 720), path


async def test_dead_urls_and_a_missing_ffprobe_mean_unknown_quality(server: MediaServer, client: httpx.AsyncClient) -> None:
    server.state.forced_status["clip.mp4"] = 500
    server.state.forced_status["master.m3u8"] = 500
    probe = MediaQualityProbe(client, timeout=3)
    assert await probe.probe(DirectStream(server.url("clip.mp4"), "VOE")) == Quality()
    assert await probe.probe(DirectStream(server.url("master.m3u8"), "VOE", is_hls=True)) == Quality()
    gone = MediaQualityProbe(client, timeout=3, ffprobe="/nonexistent/ffprobe")
    assert await gone.probe(DirectStream(server.url("hls/index.m3u8"), "VOE", is_hls=True)) == Quality()
