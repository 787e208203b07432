"""A `.strm` file written by a STRM job (proxy mode) plays through the proxy with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.files import LocalFileStore
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
)
from anibridge.domain.jobs.strm_files import (
    StrmProxyConfig,
    StrmWriter,
)

from .conftest import Rig

pytestmark = pytest.mark.slow


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["mp4", "hls-aes"])
async def test_strm_job_output_plays(rig: Rig, tmp_path: Path, kind: str) -> None:
    o = rig.proxy.options
    writer = StrmWriter(rig.finder, LocalFileStore(tmp_path), rig.mappings, SystemClock(),
                        StrmProxyConfig(o.public_base_url, o.auth_mode, o.secret))
    ref = EpisodeRef(Site.STO, f"show-{kind}", 2, 7, Language.GERMAN_DUB)
    job = Job(id="j" + kind, ref=ref, mode=JobMode.STRM, release_title="Show.S02E07.720p.WEB.H264.GER-STO [STRM]",
              provider="VOE")
    result = await writer.run(job, lambda: False)
    content = result.path.read_text()
    assert result.path.name == "Show.S02E07.720p.WEB.H264.GER-STO [STRM].strm"
    url = content.strip()
    assert url.startswith(o.public_base_url + "/strm/stream?") and "exp=" not in url
    rig.finder.calls.clear()
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", url, "-f", "null", "-"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert rig.finder.calls == []  # served from the mapping the job stored, no second resolution
