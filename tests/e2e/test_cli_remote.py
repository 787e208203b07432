"""The CLI beside a running server: `jobs`, `download` and `search` go through its API, with its login.

Regression: `anibridge jobs` in a second terminal said "no jobs" while the demo downloaded, because it opened
its own DATA_DIR.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anibridge_fakes.world import FakeWorld

from .conftest import ServerHandle, clean_env, start_server

pytestmark = pytest.mark.slow
LOGIN = {"QBIT_USERNAME": "admin", "QBIT_PASSWORD": "pw-e2e"}


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = start_server({**fake_world.env(), **LOGIN}, tmp_path_factory.mktemp("remote") / "data")
    yield handle
    handle.stop()


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`anibridge …` in another directory (so another DATA_DIR) than the server's: only HTTP connects them."""
    return subprocess.run([sys.executable, "-m", "anibridge.delivery.cli.main", *args], env=clean_env(env),
                          cwd=cwd, capture_output=True, text=True, timeout=180)


def test_jobs_download_and_search_through_the_server(server: ServerHandle, fake_world: FakeWorld,
                                                      tmp_path: Path) -> None:
    env = {**fake_world.env(), **LOGIN}
    remote = ["--server", server.base_url]
    done = cli([*remote, "download", "aniworld", "kaguya-sama-love-is-war", "1", "2", "--language", "German Sub",
                "--provider", "vidoza", "--title", "Kaguya.S01E02.GER.SUB-ANIWORLD"], env, tmp_path)
    assert done.returncode == 0, done.stderr + server.logs()[-3000:]
    path = done.stdout.strip().splitlines()[-1]
    assert path.endswith("/downloads/Kaguya.S01E02.GER.SUB-ANIWORLD.mp4") and f"on {server.base_url}" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was written on the CLI's side

    listing = cli(["jobs", "--server", server.base_url], env, tmp_path)  # the option also works after the command
    assert listing.returncode == 0, listing.stderr
    assert "completed" in listing.stdout and "kaguya-sama-love-is-war S01E02 German Sub" in listing.stdout
    assert path in listing.stdout

    found = cli([*remote, "search", "Kaguya-sama"], env, tmp_path)
    assert found.returncode == 0, found.stderr
    assert "kaguya-sama-love-is-war" in found.stdout.splitlines()[0]


def test_the_local_server_is_found_and_local_keeps_the_cli_on_data_dir(server: ServerHandle,
                                                                        fake_world: FakeWorld,
                                                                        tmp_path: Path) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    env = {**fake_world.env(), **LOGIN, "ANIBRIDGE_PORT": port}
    found = cli(["jobs"], env, tmp_path)
    assert found.returncode == 0, found.stderr
    assert f"using the anibridge running at http://127.0.0.1:{port}" in found.stderr
    local = cli(["--local", "jobs"], env, tmp_path)
    assert local.returncode == 0 and local.stdout.strip() == "no jobs" and "using the anibridge" not in local.stderr
    local_env = cli(["jobs"], {**env, "ANIBRIDGE_SERVER": "local"}, tmp_path)
    assert local_env.stdout.strip() == "no jobs"


def test_wrong_or_missing_credentials_are_one_line(server: ServerHandle, tmp_path: Path) -> None:
    wrong = cli(["--server", server.base_url, "jobs"], {"QBIT_USERNAME": "admin", "QBIT_PASSWORD": "nope"}, tmp_path)
    assert wrong.returncode == 1 and wrong.stderr.strip().count("\n") == 0
    assert "refused the login of 'admin'" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = cli(["--server", server.base_url, "search", "Kaguya"], {}, tmp_path)
    assert missing.returncode == 1 and "wants a login" in missing.stderr
    unreachable = cli(["--server", "http://127.0.0.1:1", "jobs"], {}, tmp_path)
    assert unreachable.returncode == 1 and "cannot reach http://127.0.0.1:1" in unreachable.stderr


def test_the_new_endpoints_sit_behind_the_qbittorrent_login(server: ServerHandle) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        assert client.get("/jobs").status_code == 403
        assert client.get("/catalog/search", params={"q": "Kaguya"}).status_code == 403
        assert client.post("/api/v2/auth/login", data={"username": "admin", "password": "pw-e2e"}).text == "Ok."
        assert isinstance(client.get("/jobs", params={"limit": 5}).json(), list)
        assert client.get("/catalog/search", params={"q": ""}).status_code == 400
        assert client.get("/catalog/search", params={"q": "x", "site": "nowhere"}).status_code == 400
        assert client.get("/jobs", params={"limit": "many"}).status_code == 400
