"""`anibridge check` against the fake world: a line per dependency, the cause of each failure, exit 1 on any."""

from __future__ import annotations

from pathlib import Path

import pytest

from anibridge_fakes.world import FakeWorld
from tests.integration.cli.test_cli import run_cli

pytestmark = pytest.mark.slow


def lines_of(stdout: str) -> dict[str, tuple[str, str]]:
    out = {}
    for line in stdout.splitlines():
        status, name, detail = line.split(None, 2)
        out[name] = (status, detail)
    return out


def test_a_fresh_install_passes_before_and_after_its_schema_exists(fake_world: FakeWorld, tmp_path: Path) -> None:
    """An empty database on a fresh install is not a failure (`serve` creates the schema at startup)."""
    env = fake_world.env() | {"DATA_DIR": str(tmp_path / "data")}
    first = run_cli(["check"], env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    report = lines_of(first.stdout)
    assert report["database"][0] == "ok" and "reachable and empty" in report["database"][1]
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    second = run_cli(["check"], env, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    report = lines_of(second.stdout)
    assert set(report) == {"database", "downloads", "ffmpeg", "aniworld.to", "s.to", "megakino", "skyhook", "dns",
                           "browser-gate"}
    assert report["dns"][0] == "ok"
    assert report["browser-gate"][1].startswith("off (BROWSER_GATE=off)")
    assert all(status == "ok" for status, _ in report.values()), second.stdout
    assert "Breaking Bad" in report["skyhook"][1] and "titles in the index" in report["aniworld.to"][1]
    assert "all checks passed" in second.stderr


CHROMIUM = Path("/usr/bin/chromium")


def test_the_browser_gate_is_started_for_real_or_its_absence_named(fake_world: FakeWorld, tmp_path: Path) -> None:
    env = fake_world.env() | {"DATA_DIR": str(tmp_path / "data"), "CATALOG_SITES": "s.to", "BROWSER_GATE": "chromium",
                              "CHROMIUM_PATH": str(tmp_path / "no-chromium")}
    missing = run_cli(["check"], env, tmp_path)
    assert missing.returncode == 1 and "Traceback" not in missing.stdout + missing.stderr
    status, detail = lines_of(missing.stdout)["browser-gate"]
    assert status == "FAIL" and f"not installed: chromium ({tmp_path / 'no-chromium'})" in detail
    if not (CHROMIUM.exists() and Path("/usr/bin/chromedriver").exists()):
        pytest.skip("needs Debian's chromium and chromium-driver for the started half")
    started = run_cli(["check"], env | {"CHROMIUM_PATH": str(CHROMIUM)}, tmp_path)
    status, detail = lines_of(started.stdout)["browser-gate"]
    assert status == "ok" and detail.startswith("Chromium ") and "starts headless" in detail, started.stdout


def test_a_broken_site_and_a_read_only_download_dir_are_named(fake_world: FakeWorld, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    env = fake_world.env() | {"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": str(blocker / "downloads")}
    sto = fake_world.sites["s.to"].app.faults
    sto.status = 503
    try:
        proc = run_cli(["check"], env, tmp_path)
    finally:
        sto.reset()
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    report = lines_of(proc.stdout)
    assert report["s.to"][0] == "FAIL" and "503" in report["s.to"][1]
    assert report["downloads"][0] == "FAIL"
    assert report["aniworld.to"][0] == "ok" and report["skyhook"][0] == "ok"


def test_a_dns_failure_gets_a_hint_and_search_names_the_unreachable_site(
    fake_world: FakeWorld, tmp_path: Path
) -> None:
    """German ISPs block these sites by DNS: say so, and never print "no match" when nothing was searched."""
    env = fake_world.env() | {"DATA_DIR": str(tmp_path / "data"), "ANIWORLD_BASE_URL": "http://aniworld.invalid",
                              "CATALOG_SITES": "aniworld.to"}
    proc = run_cli(["check"], env, tmp_path)
    report = lines_of(proc.stdout)
    assert report["aniworld.to"][0] == "FAIL" and "hint: the name does not resolve" in report["aniworld.to"][1]
    search = run_cli(["search", "Kaguya-sama"], env, tmp_path)
    assert search.returncode == 1
    assert "no match" not in search.stdout + search.stderr
    assert "aniworld.to unreachable: " in search.stderr and "Name or service not known" in search.stderr


def test_the_sto_account_is_logged_in_and_a_wrong_password_is_named(fake_world: FakeWorld, tmp_path: Path) -> None:
    from anibridge_fakes.redirect_gate import RedirectGate

    fake_world.sto_app().gate = RedirectGate(accounts={"me@example.org": "right-one"}, logged_in_tier="none")
    base = fake_world.env() | {"DATA_DIR": str(tmp_path / "data"), "CATALOG_SITES": "s.to",
                               "STO_EMAIL": "me@example.org"}
    try:
        good = run_cli(["check"], base | {"STO_PASSWORD": "right-one"}, tmp_path)
        bad = run_cli(["check"], base | {"STO_PASSWORD": "wrong-one"}, tmp_path)
        half = run_cli(["check"], base, tmp_path)
    finally:
        fake_world.sto_app().gate = RedirectGate()
    assert good.returncode == 0, good.stdout + good.stderr
    status, detail = lines_of(good.stdout)["s.to-account"]
    assert status == "ok" and detail.startswith("logged in as me@example.org (one report says"), detail
    assert bad.returncode == 1 and "Traceback" not in bad.stdout + bad.stderr
    status, detail = lines_of(bad.stdout)["s.to-account"]
    assert status == "FAIL" and "login as me@example.org refused: wrong e-mail or password" in detail, detail
    assert "going on without an account" in detail
    assert lines_of(bad.stdout)["s.to"][0] == "ok"  # the site itself works, anonymously
    assert "wrong-one" not in bad.stdout + bad.stderr and "right-one" not in good.stdout + good.stderr
    assert lines_of(half.stdout)["s.to-account"][0] == "FAIL" and "STO_PASSWORD is not set" in half.stdout
