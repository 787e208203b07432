"""CLI helpers: target parsing, progress rendering, and `anibridge jobs` against a real SQLite file."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from anibridge.delivery.cli.jobs import ProgressView, _target, jobs_command
from anibridge.delivery.cli.main import build_parser
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import JobMode
from anibridge.domain.releases.magnets import build_magnet
from anibridge.ports.streams import DownloadProgress
from anibridge.settings import load_settings


def _args(*argv: str) -> argparse.Namespace:
    parser, _ = build_parser()
    return parser.parse_args(["download", *argv])


def test_site_slug_season_episode() -> None:
    ref, title, provider, mode = _target(_args("sto", "9-1-1", "1", "2", "--language", "english", "-p", "VOE"))
    assert ref == EpisodeRef(Site.STO, "9-1-1", 1, 2, Language.ENGLISH_DUB)
    assert (title, provider, mode) == ("", "VOE", JobMode.DOWNLOAD)


def test_magnet_target_carries_title_provider_and_mode() -> None:
    ref = EpisodeRef(Site.ANIWORLD, "kaguya-sama", 1, 3, Language.GERMAN_SUB)
    magnet = build_magnet(ref, "Kaguya.S01E03 [STRM]", provider="Filemoon", mode=JobMode.STRM)
    got, title, provider, mode = _target(_args(magnet))
    assert got == ref and title == "Kaguya.S01E03 [STRM]" and provider == "Filemoon" and mode is JobMode.STRM


@pytest.mark.parametrize("argv, reason", [
    (("magnet:?xt=urn:btih:zz",), "not a usable magnet"),
    (("aniworld", "x", "1"), "expected MAGNET"),
    (("aniworld", "x", "one", "2"), "must be integers"),
])
def test_bad_targets_say_why(argv: tuple[str, ...], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        _target(_args(*argv))


def test_plain_progress_prints_one_line_per_ten_percent() -> None:
    out = io.StringIO()
    view = ProgressView(out, tty=False)
    for done in range(0, 1001, 10):
        view.update("abcdef0123", DownloadProgress(done, 1000, 2048.0, 3))
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("abcdef01 100%")


def test_tty_progress_redraws_one_line() -> None:
    out = io.StringIO()
    view = ProgressView(out, tty=True)
    view.update("j", DownloadProgress(500, 1000, None, None))
    view.update("j", DownloadProgress(1000, 1000, None, None))
    view.finish()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and "100.0%" in text and "#" * 30 in text


def test_jobs_lists_nothing_on_a_fresh_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    parser, _ = build_parser()
    assert jobs_command(parser.parse_args(["jobs"]), settings) == 0
    assert capsys.readouterr().out.strip() == "no jobs"
