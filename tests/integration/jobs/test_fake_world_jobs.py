"""Download and STRM use cases wired by the real container against the fake world: every media kind a hoster
serves (progressive MP4, HLS, AES-128 HLS, fMP4 HLS) ends as a playable file; a `.strm` points at a URL ffprobe
can open."""

from __future__ import annotations

import json
import subprocess

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Site,
)
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
)
from anibridge.domain.jobs.scheduler import new_job_id
from anibridge.domain.jobs.strm_files import StrmWriter
from anibridge.wiring.container import Container
from anibridge_fakes.world import FakeWorld

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _offer(world: FakeWorld, kind: str) -> tuple[EpisodeRef, str]:
    for show in world.catalogue.on(Site.ANIWORLD):
        episode = show.episode(1, 1)
        slug = show.slug(Site.ANIWORLD)
        for offer in episode.offers if episode and slug else ():
            if offer.kind == kind and not offer.protected and not offer.placeholder:
                assert slug is not None
                return EpisodeRef(Site.ANIWORLD, slug, 1, 1, offer.language), offer.provider
    raise AssertionError(f"the fake catalogue has no {kind} offer")


def _probe(target: str) -> dict[str, object]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,height",
                          "-show_entries", "format=duration", "-of", "json", target],
                         check=True, capture_output=True, text=True, timeout=30).stdout
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.parametrize("kind", ["mp4", "hls", "hls-aes", "hls-fmp4"])
async def test_each_media_kind_downloads_to_a_playable_file(
    container: Container, fake_world: FakeWorld, kind: str
) -> None:
    ref, provider = _offer(fake_world, kind)
    download = EpisodeDownload(container.stream_finder(), container.media_downloader(), container.file_store())
    job = Job(id=new_job_id(), ref=ref, mode=JobMode.DOWNLOAD, release_title=f"Show.S01E01.{kind}-GRP", provider=provider)
    samples = []
    result = await download.run(job, samples.append, lambda: False)
    assert result.provider == provider and result.path.name == f"Show.S01E01.{kind}-GRP.mp4"
    probe = _probe(str(result.path))
    assert float(probe["format"]["duration"]) > 1.5  # type: ignore[index]
    assert {s["codec_type"] for s in probe["streams"]} == {"video", "audio"}  # type: ignore[index, union-attr]
    assert sorted(p.name for p in result.path.parent.iterdir()) == [result.path.name]


async def test_strm_file_points_at_a_playable_url(container: Container, fake_world: FakeWorld) -> None:
    ref, provider = _offer(fake_world, "mp4")
    writer = StrmWriter(container.stream_finder(), container.file_store(), container.strm_mapping_repo(),
                        container.clock())
    await container.database().startup()
    try:
        job = Job(id=new_job_id(), ref=ref, mode=JobMode.STRM, release_title="Show.S01E01 [STRM]", provider=provider)
        result = await writer.run(job, lambda: False)
        mapping = await container.strm_mapping_repo().get(ref, provider)
    finally:
        await container.database().shutdown()
    url = result.path.read_text().strip()
    assert result.path.name == "Show.S01E01 [STRM].strm" and url.startswith("http://127.0.0.1:")
    assert mapping is not None and mapping.resolved_url == url
    assert float(_probe(url)["format"]["duration"]) > 1.5  # type: ignore[index]
