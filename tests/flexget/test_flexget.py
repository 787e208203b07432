"""FlexGet, an independent Torznab + qBittorrent consumer, drives anibridge end to end (`make flexget`).

FlexGet lives in its own virtualenv (`.venv-flexget`, or the `flexget` executable named by ANIBRIDGE_FLEXGET): it
pins its own versions of shared libraries, so it cannot share the project's environment. Each test runs the real
`flexget execute` against a real `anibridge serve` wired to the fake sites, then checks the files anibridge wrote:

- series: `discover` with the `torznab` search plugin (on the base path `/torznab`, as FlexGet builds
  `<url>/api`), the `series` filter and the `qbittorrent` output;
- movie: a `movie_list` filled with ids (as an IMDb/TMDB lookup would), `discover` + `torznab` movie search,
  `list_match` (which matches by id: "Dune: Part Two" by name failed on its colon) and the `qbittorrent` output.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import ROOT, ServerHandle, start_server

if TYPE_CHECKING:
    from anibridge_fakes.world import FakeWorld

pytestmark = [pytest.mark.slow, pytest.mark.flexget]

FLEXGET = Path(os.environ.get("ANIBRIDGE_FLEXGET", str(ROOT / ".venv-flexget" / "bin" / "flexget")))
if not FLEXGET.exists():
    pytest.skip(f"FlexGet not installed at {FLEXGET} (run `make flexget`)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = start_server(fake_world.env(), tmp_path_factory.mktemp("flexget") / "data")
    yield handle
    handle.stop()


def flexget(config_dir: Path, config: str, *args: str) -> str:
    """Run `flexget execute` on `config` (YAML) in `config_dir` (its database lives there); its log text."""
    (config_dir / "config.yml").write_text(config, encoding="utf-8")
    log = config_dir / "flexget.log"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(config_dir), "LANG": "C.UTF-8"}
    done = subprocess.run(
        [str(FLEXGET), "-c", str(config_dir / "config.yml"), "--logfile", str(log), "--loglevel", "verbose",
         "execute", *args],
        cwd=config_dir, env=env, capture_output=True, text=True, timeout=300,
    )
    text = done.stdout + done.stderr + (log.read_text(errors="replace") if log.exists() else "")
    assert done.returncode == 0, text[-6000:]
    return text


def torrents(server: ServerHandle, category: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.base_url}/api/v2/torrents/info", params={"category": category}, timeout=30)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def finished(server: ServerHandle, category: str, count: int, timeout: float = 120.0) -> list[dict[str, Any]]:
    """The category's torrents once `count` of them are finished (`stoppedUP`); fails on `error` or timeout."""
    deadline = time.monotonic() + timeout
    while True:
        items = torrents(server, category)
        assert not [t for t in items if t["state"] == "error"], (items, server.logs()[-4000:])
        if len(items) >= count and all(t["state"] == "stoppedUP" for t in items):
            return items
        assert time.monotonic() < deadline, (items, server.logs()[-4000:])
        time.sleep(0.5)


def qbittorrent(server: ServerHandle, category: str) -> str:
    port = int(server.base_url.rsplit(":", 1)[1])
    # Any credentials: anibridge without QBIT_USERNAME/PASSWORD accepts every login, as FlexGet always logs in.
    return f"""    qbittorrent:
      host: 127.0.0.1
      port: {port}
      username: flexget
      password: flexget
      label: {category}
"""


def test_series_task_finds_accepts_and_delivers_a_whole_season(server: ServerHandle, tmp_path: Path) -> None:
    """`next_series_episodes` searches episode after episode (FlexGet reruns the task after each acceptance) until
    the search finds nothing: the fake s.to's "Road to 9/11" has one season of three episodes."""
    config = f"""
tasks:
  road:
    discover:
      what:
        - next_series_episodes: yes
      from:
        - torznab:
            url: {server.base_url}/torznab
            searcher: tv
            categories: [5000]
      release_estimations: ignore  # the estimators ask TVMaze/TVDB online; the test has no internet
    series:
      - "Road to 9/11":
          begin: S01E01
          identified_by: ep
{qbittorrent(server, "flexget-tv")}"""
    log = flexget(tmp_path, config, "--tasks", "road", "--discover-now")
    assert "ACCEPTED" in log, log[-6000:]
    items = finished(server, "flexget-tv", 3)
    names = sorted(t["name"] for t in items)
    assert [n[: len("Road.to.9.11.S01E01")] for n in names] == [f"Road.to.9.11.S01E0{e}" for e in (1, 2, 3)], names
    assert all(n.endswith("-STO") and ".WEB-DL." in n for n in names)
    for done in items:
        content = Path(done["content_path"])
        assert content.is_file() and content.stat().st_size > 0 and content.name.startswith(done["name"])


def test_movie_list_task_matches_dune_part_two_by_id_and_delivers_it(server: ServerHandle, tmp_path: Path) -> None:
    config = f"""
tasks:
  fill-list:
    priority: 1
    mock:
      - title: "Dune: Part Two (2024)"
        movie_name: "Dune: Part Two"
        movie_year: 2024
        imdb_id: tt15239678
        tmdb_id: 693134
    accept_all: yes
    list_add:
      - movie_list: films
  films:
    priority: 2
    discover:
      what:
        - movie_list: films
      from:
        - torznab:
            url: {server.base_url}/torznab
            searcher: movie
            categories: [2000]
      release_estimations: ignore
    list_match:
      from:
        - movie_list: films
{qbittorrent(server, "flexget-movies")}"""
    log = flexget(tmp_path, config, "--discover-now")
    assert "ACCEPTED" in log and "Dune.Part.Two.2024." in log, log[-6000:]
    [done] = finished(server, "flexget-movies", 1)
    assert done["name"].startswith("Dune.Part.Two.2024.") and done["name"].endswith("-MEGAKINO")
    content = Path(done["content_path"])
    assert content.is_file() and content.stat().st_size > 0
