"""The `anibridge` command as a user runs it: clean environment, real process, exit codes and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT / "src"), **env}
    return subprocess.run([sys.executable, "-m", "anibridge.delivery.cli.main", *args], env=clean, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_invalid_port_stops_serve_with_exit_2_and_one_line(tmp_path: Path) -> None:
    proc = run_cli(["serve"], {"ANIBRIDGE_PORT": "abc"}, tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "ANIBRIDGE_PORT" in lines[0] and "'abc'" in lines[0] and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "data").exists()


def test_config_prints_effective_values_with_secrets_masked(tmp_path: Path) -> None:
    proc = run_cli(["config"], {"INDEXER_API_KEY": "s3cr3t-key", "ANIBRIDGE_PORT": "8123",
                                "DATABASE_URL": "postgresql://ab:dbpass@h/db"}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = dict(line.split(None, 1) if len(line.split(None, 1)) == 2 else (line.strip(), "")
                for line in proc.stdout.splitlines())
    assert rows["ANIBRIDGE_PORT"] == "8123"
    assert rows["INDEXER_API_KEY"] == "********"
    assert "s3cr3t-key" not in proc.stdout and "dbpass" not in proc.stdout
    assert rows["DATABASE_URL"] == "postgresql://ab:********@h/db"
    assert rows["DATA_DIR"] == str(tmp_path.resolve() / "data")  # ./data, resolved where the command runs
    assert rows["DOWNLOAD_DIR"] == str(tmp_path.resolve() / "data" / "downloads")  # the effective default


def test_config_shows_the_sqlite_file_an_empty_database_url_means(tmp_path: Path) -> None:
    proc = run_cli(["config"], {"DATA_DIR": "state", "DOWNLOAD_DIR": "/srv/media"}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = dict(line.split(None, 1) for line in proc.stdout.splitlines() if len(line.split(None, 1)) == 2)
    assert rows["DATA_DIR"] == str(tmp_path.resolve() / "state")
    assert rows["DOWNLOAD_DIR"] == "/srv/media"
    assert rows["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'state' / 'anibridge.db'}"


def test_every_subcommand_help_has_a_description() -> None:
    import argparse

    from anibridge.delivery.cli.main import build_parser

    parser, commands = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == set(commands)
    for name, sub in subparsers.choices.items():
        assert sub.description and len(sub.description) > 15, name
        assert " ".join(sub.description.split()) in " ".join(sub.format_help().split()), name


@pytest.mark.slow
def test_migrate_creates_the_database_and_is_idempotent(tmp_path: Path) -> None:
    first = run_cli(["migrate"], {"DATA_DIR": str(tmp_path / "d")}, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied migrations 1")
    assert (tmp_path / "d" / "anibridge.db").is_file()
    second = run_cli(["migrate"], {"DATA_DIR": str(tmp_path / "d")}, tmp_path)
    assert second.returncode == 0 and second.stdout.startswith("schema already at version")


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli(["frobnicate"], {}, tmp_path)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_refuses_a_database_from_a_newer_anibridge_with_one_line(tmp_path: Path) -> None:
    from sqlalchemy import text

    from anibridge.adapters.sql.database import Database
    from anibridge.adapters.sql.migrations import apply_migrations

    db = Database(f"sqlite:///{tmp_path / 'data' / 'anibridge.db'}")
    apply_migrations(db.engine)
    db.run_sync(lambda s: s.execute(text("INSERT INTO schema_version VALUES (999, '2026-01-01 00:00:00')")))
    db.dispose()
    proc = run_cli(["serve"], {"ANIBRIDGE_PORT": "1"}, tmp_path)  # never reaches the bind
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "version 999 is newer" in lines[0] and "Traceback" not in proc.stderr


def test_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    proc = run_cli(["migrate"], {"DATABASE_URL": "postgresql://ab:s3cret@127.0.0.1:1/db"}, tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("anibridge: cannot use the database: ")
    assert "s3cret" not in proc.stderr and "Traceback" not in proc.stderr


def test_invalid_database_url_is_one_line(tmp_path: Path) -> None:
    proc = run_cli(["migrate"], {"DATABASE_URL": "nonsense://x"}, tmp_path)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "invalid DATABASE_URL" in proc.stderr and "Traceback" not in proc.stderr
