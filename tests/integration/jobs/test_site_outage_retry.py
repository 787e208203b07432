"""A short catalogue-site outage is waited out instead of failing the grab.

Regression: with s.to answering 503 for a moment, a torrent Sonarr had just added went to qBittorrent state
`error` within a second ("all hosters failed: s.to: ... HTTP 503"), so Sonarr blocklisted a perfectly good
release. Now `EpisodeDownload` asks the site again after SITE_RETRY_DELAYS and fails only if it stays down;
`.strm` jobs (StrmWriter) share the same lookup.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.download import EpisodeDownload
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
)
from anibridge.domain.jobs.scheduler import new_job_id
from anibridge.domain.jobs.strm_files import StrmWriter
from anibridge.ports.errors import DownloadCancelled, DownloadFailed
from anibridge.ports.streams import DownloadProgress
from anibridge.settings import load_settings
from anibridge.wiring.container import Container, create_container
from anibridge_fakes.world import FakeWorld

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def container(fake_world: FakeWorld, tmp_path: Path) -> AsyncIterator[Container]:
    """The real container, with the site circuit breaker's retry time below these tests' short job retry delays
    (in production the job waits 5/20/60 s and the breaker opens for 10 s, doubling)."""
    c = create_container(load_settings({**fake_world.env(), "DATA_DIR": str(tmp_path), "SITE_RETRY_SECONDS": "0.1"}))
    c.file_store().root.mkdir(parents=True, exist_ok=True)
    yield c
    await c.http_client().aclose()


@pytest.fixture
def sto_down(fake_world: FakeWorld) -> Iterator[FakeWorld]:
    faults = fake_world.sites["s.to"].app.faults
    faults.status = 503
    try:
        yield fake_world
    finally:
        faults.reset()


def _job(episode: int) -> Job:
    ref = EpisodeRef(Site.STO, "breaking-bad", 1, episode, Language.GERMAN_DUB)
    return Job(id=new_job_id(), ref=ref, mode=JobMode.DOWNLOAD, release_title=f"Breaking.Bad.S01E{episode:02d}-QA")


def _ignore(_: DownloadProgress) -> None:
    return None


async def test_download_survives_a_short_site_outage(container: Container, sto_down: FakeWorld) -> None:
    faults = sto_down.sites["s.to"].app.faults
    threading.Timer(0.8, faults.reset).start()  # s.to comes back while the job waits
    download = EpisodeDownload(container.stream_finder(), container.media_downloader(), container.file_store(),
                               site_retry_delays=(0.5, 1.0, 2.0))
    result = await download.run(_job(6), _ignore, lambda: False)
    assert result.path.name == "Breaking.Bad.S01E06-QA.mp4" and result.size > 0


async def test_a_site_that_stays_down_fails_the_job_naming_the_site(
    container: Container, sto_down: FakeWorld
) -> None:
    download = EpisodeDownload(container.stream_finder(), container.media_downloader(), container.file_store(),
                               site_retry_delays=(0.1, 0.1))
    with pytest.raises(DownloadFailed, match="503"):
        await download.run(_job(5), _ignore, lambda: False)


async def test_a_delete_while_waiting_for_the_site_cancels_promptly(
    container: Container, sto_down: FakeWorld
) -> None:
    download = EpisodeDownload(container.stream_finder(), container.media_downloader(), container.file_store(),
                               site_retry_delays=(30.0,))
    asked = time.monotonic()
    with pytest.raises(DownloadCancelled):
        await download.run(_job(4), _ignore, lambda: time.monotonic() - asked > 1.0)
    assert time.monotonic() - asked < 10.0  # not the whole 30 s delay


async def test_a_strm_job_also_survives_a_short_site_outage(container: Container, sto_down: FakeWorld) -> None:
    await container.database().startup()  # the writer records the resolved URL in the database
    faults = sto_down.sites["s.to"].app.faults
    threading.Timer(0.8, faults.reset).start()
    writer = StrmWriter(container.stream_finder(), container.file_store(), container.strm_mapping_repo(),
                        container.clock(), site_retry_delays=(0.5, 1.0, 2.0))
    ref = _job(7).ref
    try:
        result = await writer.run(Job(id=new_job_id(), ref=ref, mode=JobMode.STRM,
                                      release_title="Breaking.Bad.S01E07-QA [STRM]"), lambda: False)
    finally:
        await container.database().shutdown()
    assert result.path.name == "Breaking.Bad.S01E07-QA [STRM].strm"
    assert result.path.read_text().startswith("http")
