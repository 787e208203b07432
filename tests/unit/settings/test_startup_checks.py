"""Start-up checks: unusable directories are named by their variable; look-alike variables are warned about."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from anibridge.settings import load_settings
from anibridge.wiring.startup_checks import directories_problem, unknown_variables


def test_a_read_only_download_dir_is_named(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    downloads = tmp_path / "dl"
    downloads.mkdir()
    downloads.chmod(0o555)
    try:
        settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": str(downloads)})
        problem = directories_problem(settings)
    finally:
        downloads.chmod(0o755)
    assert problem == f"DOWNLOAD_DIR={downloads} is not writable: Permission denied"


def test_an_unwritable_download_dir_is_named_even_for_root(tmp_path: Path) -> None:
    """sysfs refuses new files to everyone, so this also runs where the tests run as root."""
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": "/sys"})
    assert directories_problem(settings) == "DOWNLOAD_DIR=/sys is not writable: Permission denied"


def test_a_download_dir_that_is_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "dl").write_text("x")
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": str(tmp_path / "dl")})
    assert (directories_problem(settings) or "").startswith(f"DOWNLOAD_DIR={tmp_path / 'dl'} ")


def test_missing_directories_are_created(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path / "a" / "data")})
    assert directories_problem(settings) is None
    assert (tmp_path / "a" / "data" / "downloads").is_dir()
    assert list((tmp_path / "a" / "data" / "downloads").iterdir()) == []  # the write test leaves nothing behind


def test_look_alike_variables_are_warned_about() -> None:
    env = {"QBIT_USER": "sonarr", "ANIBRIDGE_PROT": "8080", "DOWNLOADS_DIR": "/media", "QBIT_USERNAME": "ok",
           "PATH": "/usr/bin", "HOME": "/root", "HOSTNAME": "box", "LANG": "C.UTF-8", "ANIBRIDGE_FAKES_CACHE": "/c",
           "QBIT_FOO": "1"}
    warnings = unknown_variables(env)
    assert warnings == [
        "ANIBRIDGE_PROT is not an anibridge setting (ignored); did you mean ANIBRIDGE_PORT?",
        "DOWNLOADS_DIR is not an anibridge setting (ignored); did you mean DOWNLOAD_DIR?",
        "QBIT_FOO is not an anibridge setting (ignored)",
        "QBIT_USER is not an anibridge setting (ignored); did you mean QBIT_USERNAME?",
    ]
