"""Tiny real media for the fake hosters, made with ffmpeg on first use and cached outside git.

Why real media: the acceptance test downloads every resolved URL with yt-dlp and checks the file with
ffprobe, so the bytes must be valid video with the height the HLS master claims. Clips are 2 s long at a
tiny bitrate so the whole set builds in a few seconds. Several test processes may start at once, so the set
is built in a private temp directory under an exclusive file lock and published with one atomic rename.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

VERSION = "v1"  # bump when the layout or the ffmpeg recipe changes
KINDS = ("mp4", "hls", "hls-aes", "hls-fmp4")
VARIANTS = {"720p": (1280, 720, 350_000), "1080p": (1920, 1080, 600_000)}
DURATION = 2
AES_KEY = bytes(range(16))  # fixed key: the fake serves it at <prefix>/key.bin
AES_IV = "0x000102030405060708090a0b0c0d0e0f"


@dataclass(frozen=True)
class MediaSet:
    """Paths of one generated media set. `root/<kind>/...` mirrors the URL layout the hosters serve."""

    root: Path

    def file(self, kind: str, name: str) -> Path | None:
        """A file of `kind` by relative name, or None when it does not exist or escapes the kind folder."""
        if kind not in KINDS:
            return None
        base = (self.root / kind).resolve()
        path = (base / name).resolve()
        if base not in path.parents or not path.is_file():
            return None
        return path

    @property
    def entry(self) -> dict[str, str]:
        """The file a direct URL of each kind points at."""
        return {"mp4": "720p.mp4", "hls": "master.m3u8", "hls-aes": "master.m3u8", "hls-fmp4": "master.m3u8"}


def cache_dir() -> Path:
    raw = os.environ.get("ANIBRIDGE_FAKES_CACHE")
    return Path(raw) if raw else Path.home() / ".cache" / "anibridge-fakes"


def ensure_media(base: Path | None = None) -> MediaSet:
    """Return the cached media set, building it once (safe against concurrent callers)."""
    base = base or cache_dir()
    final = base / VERSION
    if (final / "complete").is_file():
        return MediaSet(final)
    base.mkdir(parents=True, exist_ok=True)
    with open(base / f"{VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (final / "complete").is_file():
                work = Path(tempfile.mkdtemp(prefix=f"{VERSION}-build-", dir=base))
                try:
                    _build(work)
                    (work / "complete").write_text("ok\n")
                    if final.exists():
                        shutil.rmtree(final)
                    os.rename(work, final)
                finally:
                    shutil.rmtree(work, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return MediaSet(final)


def _ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({' '.join(cmd)}): {done.stderr.strip()[-500:]}")


def _build(work: Path) -> None:
    sources = work / "src"
    sources.mkdir()
    for name, (w, h, rate) in VARIANTS.items():
        _ffmpeg(
            "-f", "lavfi", "-i", f"testsrc=size={w}x{h}:rate=24:duration={DURATION}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={DURATION}",
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", str(rate), "-g", "24", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "32k", "-shortest", "-movflags", "+faststart",
            str(sources / f"{name}.mp4"),
        )
    mp4 = work / "mp4"
    mp4.mkdir()
    for name in VARIANTS:
        shutil.copy(sources / f"{name}.mp4", mp4 / f"{name}.mp4")
    for kind in ("hls", "hls-aes", "hls-fmp4"):
        folder = work / kind
        folder.mkdir()
        for name in VARIANTS:
            _segment(sources / f"{name}.mp4", folder, name, kind)
        (folder / "master.m3u8").write_text(_master(kind))
    shutil.rmtree(sources)


def _segment(source: Path, folder: Path, name: str, kind: str) -> None:
    args = ["-i", str(source), "-c", "copy", "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod"]
    if kind == "hls-aes":
        (folder / "key.bin").write_bytes(AES_KEY)
        info = folder / f"{name}.keyinfo"
        info.write_text(f"key.bin\n{folder / 'key.bin'}\n{AES_IV[2:]}\n")
        args += ["-hls_key_info_file", str(info)]
    if kind == "hls-fmp4":
        args += ["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", f"{name}_init.mp4"]
        seg = f"{name}_%03d.m4s"
    else:
        seg = f"{name}_%03d.ts"
    args += ["-hls_segment_filename", str(folder / seg), str(folder / f"{name}.m3u8")]
    _ffmpeg(*args)
    for leftover in folder.glob("*.keyinfo"):
        leftover.unlink()


def _master(kind: str) -> str:
    codecs = "avc1.42c01f,mp4a.40.2"
    lines = ["#EXTM3U", "#EXT-X-VERSION:7" if kind == "hls-fmp4" else "#EXT-X-VERSION:3"]
    for name, (w, h, rate) in VARIANTS.items():
        lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={rate + 40_000},RESOLUTION={w}x{h},CODECS="{codecs}"')
        lines.append(f"{name}.m3u8")
    return "\n".join(lines) + "\n"
