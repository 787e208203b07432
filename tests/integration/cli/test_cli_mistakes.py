"""`anibridge download` with absurd numbers says why and exits non-zero instead of a database traceback.

Regression: `anibridge download s.to breaking-bad 1 99999999999999999999` stored the job and crashed with
`OverflowError: Python int too large to convert to SQLite INTEGER`; "²" passed str.isdigit() and crashed int().
"""

from __future__ import annotations

from pathlib import Path

import pytest

from anibridge.delivery.cli.main import main


@pytest.mark.parametrize("season, episode", [("1", "99999999999999999999"), ("\u00b2", "1"), ("1", "1234567")])
def test_download_rejects_absurd_numbers_before_touching_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], season: str, episode: str
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    code = main(["download", "s.to", "breaking-bad", season, episode])
    err = capsys.readouterr().err
    assert code != 0
    assert "season and episode must be integers" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["migrate"], ["jobs"]])
def test_an_unusable_data_dir_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """Regression: DATA_DIR under a regular file (or /proc) ended in a FileNotFoundError/NotADirectoryError traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DATA_DIR", str(blocker / "data"))
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"anibridge {command[0]}:" in err and str(blocker) in err


def test_serve_refuses_an_unusable_data_dir_with_exit_2_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DATA_DIR", str(blocker / "data"))
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"anibridge: DATA_DIR={blocker / 'data'} cannot be created"), err
