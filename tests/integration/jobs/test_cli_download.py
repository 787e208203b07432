"""`anibridge download` and `anibridge jobs` as a user runs them, against the fake world."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from anibridge_fakes.world import FakeWorld

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def _run(args: list[str], env: dict[str, str], data: Path) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT / "src"),
            "HOME": os.environ.get("HOME", "/tmp"), "DATA_DIR": str(data), "ANIBRIDGE_SERVER": "local", **env}
    return subprocess.run([sys.executable, "-m", "anibridge.delivery.cli.main", *args], env=full, cwd=data.parent,
                          capture_output=True, text=True, timeout=120)


def test_download_then_jobs(tmp_path: Path, fake_world: FakeWorld) -> None:
    data = tmp_path / "data"
    env = fake_world.env()
    result = _run(["download", "aniworld", "kaguya-sama-love-is-war", "1", "2", "--language", "German Sub",
                   "--provider", "vidoza", "--title", "Kaguya.S01E02.GER.SUB-ANIWORLD"], env, data)
    assert result.returncode == 0, result.stderr[-3000:]
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path == data / "downloads" / "Kaguya.S01E02.GER.SUB-ANIWORLD.mp4" and path.stat().st_size > 10_000
    assert "100%" in result.stderr  # plain progress lines when not on a TTY

    listing = _run(["jobs"], env, data)
    assert listing.returncode == 0
    line = listing.stdout.strip().splitlines()[0]
    assert "completed" in line and "kaguya-sama-love-is-war S01E02 German Sub" in line and str(path) in line


def test_download_of_a_language_that_is_not_offered_fails_with_the_reason(tmp_path: Path,
                                                                          fake_world: FakeWorld) -> None:
    result = _run(["download", "aniworld", "kaguya-sama-love-is-war", "1", "2", "--language", "English Dub"],
                  fake_world.env(), tmp_path / "data")
    assert result.returncode == 1
    assert "failed" in result.stderr and "not offered" in result.stderr
