"""A job's `target_dir` (a qBittorrent client's save path) decides the folder of its finished file."""

from __future__ import annotations

from pathlib import Path

import pytest

from anibridge.domain.jobs.records import JobMode, JobState

from .test_scheduler import REF, TITLE, build

pytestmark = pytest.mark.anyio


async def test_download_and_strm_land_in_the_target_dir(tmp_path: Path) -> None:
    world = build(tmp_path)
    await world.scheduler.start()
    try:
        job = await world.scheduler.submit(REF, JobMode.DOWNLOAD, TITLE, "Filemoon", target_dir="tv/Show")
        done = await world.wait(job.id, {JobState.COMPLETED, JobState.FAILED})
        assert done.state is JobState.COMPLETED, done.message
        assert done.result_path == str(tmp_path / "tv" / "Show" / f"{TITLE}.mp4")
        strm = await world.scheduler.submit(REF, JobMode.STRM, TITLE + " [STRM]", "Filemoon", target_dir="strm")
        done = await world.wait(strm.id, {JobState.COMPLETED, JobState.FAILED})
        assert done.state is JobState.COMPLETED and done.result_path == str(tmp_path / "strm" / f"{TITLE} [STRM].strm")
        assert not [p for p in tmp_path.iterdir() if p.is_file()]  # no partials or temp files left in the root
    finally:
        await world.scheduler.stop()
