"""The fake hosters' media: built once by concurrent processes, real heights, AES key and fMP4 init segments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from anibridge_fakes.media import ensure_media

SRC = str(Path(__file__).resolve().parents[3] / "src")


def _height(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=height",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True, timeout=30)
    return int(json.loads(out.stdout)["streams"][0]["height"])


@pytest.mark.slow
def test_concurrent_first_use_builds_one_complete_set(tmp_path: Path) -> None:
    code = "import sys; from anibridge_fakes.media import ensure_media; print(ensure_media().root)"
    env = {"ANIBRIDGE_FAKES_CACHE": str(tmp_path), "PYTHONPATH": SRC, "PATH": "/usr/bin:/bin:/usr/local/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    roots = set()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        roots.add(out.strip())
    assert len(roots) == 1
    root = Path(roots.pop())
    assert (root / "complete").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == [root.name]  # no build leftovers
    media = ensure_media(tmp_path)
    for name, height in (("720p", 720), ("1080p", 1080)):
        mp4 = media.file("mp4", f"{name}.mp4")
        assert mp4 is not None and _height(mp4) == height
        init = media.file("hls-fmp4", f"{name}_init.mp4")
        assert init is not None and init.stat().st_size > 0
    master = (root / "hls" / "master.m3u8").read_text()
    assert "RESOLUTION=1280x720" in master and "RESOLUTION=1920x1080" in master
    assert 'METHOD=AES-128,URI="key.bin"' in (root / "hls-aes" / "720p.m3u8").read_text()
    assert '#EXT-X-MAP:URI="1080p_init.mp4"' in (root / "hls-fmp4" / "1080p.m3u8").read_text()
    assert media.file("hls", "../mp4/720p.mp4") is None and media.file("nope", "x") is None
    assert ensure_media(tmp_path).root == root  # cached: no rebuild
