"""What the download check costs: FfprobeMediaVerifier on a 24-minute episode against reading the file once.

The episode is the fake hosters' 2-second 1080p clip looped with `-c copy` (no encoding, so building it costs
nothing), remuxed to MP4 and to MPEG-TS (what an HLS download is before its remux). Printed: verify time, plain
read time (the floor for anything that looks at the whole file) and their ratio, measured in the same run.

    .venv/bin/python bench/verify_cost.py [minutes, default 24]
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from anibridge.adapters.media_check import FfprobeMediaVerifier
from anibridge.ports.streams import DirectStream
from anibridge_fakes.media import ensure_media


def _build(source: Path, target: Path, minutes: float) -> None:
    loops = int(minutes * 60 / 2)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", str(loops), "-i",
                    str(source), "-c", "copy", str(target)], check=True)


def _read(path: Path) -> float:
    started = time.perf_counter()
    with open(path, "rb") as fh:
        while fh.read(1 << 20):
            pass
    return time.perf_counter() - started


async def _verify(path: Path) -> float:
    started = time.perf_counter()
    await FfprobeMediaVerifier(None).verify(path, DirectStream("file://" + str(path), "bench"))
    return time.perf_counter() - started


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 24.0
    clip = ensure_media().file("mp4", "1080p.mp4")
    assert clip is not None
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".mp4", ".ts"):
            path = Path(tmp) / f"episode{suffix}"
            _build(clip, path, minutes)
            read = min(_read(path) for _ in range(3))
            verify = min(asyncio.run(_verify(path)) for _ in range(3))
            size = path.stat().st_size / 2**20
            print(f"{suffix:<5} {minutes:g} min, {size:6.1f} MiB: verify {verify * 1000:7.1f} ms, read once "
                  f"{read * 1000:6.1f} ms, verify/read {verify / read:5.1f}x, {verify * 1000 / size:5.2f} ms/MiB")


if __name__ == "__main__":
    main()
