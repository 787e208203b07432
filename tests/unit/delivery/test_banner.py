"""The banner `anibridge serve` prints: every value the Prowlarr/Sonarr/Radarr forms need, and where files go."""

from __future__ import annotations

from pathlib import Path

from anibridge.delivery.cli.banner import Address, server_banner
from anibridge.settings import load_settings


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_banner_names_torznab_qbittorrent_directories_sites_and_strm_mode(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DOWNLOAD_DIR": str(tmp_path / "media"),
                              "QBIT_PUBLIC_SAVE_PATH": "/downloads", "CATALOG_SITES": "s.to,aniworld.to",
                              "STRM_FILES_MODE": "both", "INDEXER_API_KEY": "k3y-not-shown"})
    text = server_banner(settings, Address("127.0.0.1", 8123))
    lines = _lines(text)
    assert "URL http://127.0.0.1:8123/torznab   API Path /api   API Key INDEXER_API_KEY's value   " \
           "Categories 5070 (TV/Anime), 2000 (Movies)" in lines
    assert "Host 127.0.0.1   Port 8123   Category tv-sonarr (Sonarr) / radarr (Radarr)" in lines
    assert any(line.startswith("no login: leave username and password empty") for line in lines)
    assert f"DATA_DIR      {tmp_path / 'data'}" in lines
    assert f"DOWNLOAD_DIR  {tmp_path / 'media'}" in lines
    assert "reported to Sonarr/Radarr as /downloads  (QBIT_PUBLIC_SAVE_PATH)" in lines
    assert "sites         s.to, aniworld.to" in lines
    assert "STRM          STRM files both (STRM_FILES_MODE), URLs direct" in lines
    assert "k3y-not-shown" not in text


def test_banner_says_which_login_sonarr_needs() -> None:
    password = server_banner(load_settings({"QBIT_USERNAME": "admin", "QBIT_PASSWORD": "hunter2"}),
                             Address("127.0.0.1", 8000))
    assert "login required: username 'admin' + the password in QBIT_PASSWORD" in password
    assert "hunter2" not in password
    key = server_banner(load_settings({"QBIT_API_KEY": "abc123"}), Address("127.0.0.1", 8000))
    assert "login required: the API Key field = QBIT_API_KEY (no username/password)" in key and "abc123" not in key


def test_defaults_resolve_the_directories_and_explain_all_interfaces(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    text = server_banner(load_settings({}), Address("0.0.0.0", 8000))
    lines = _lines(text)
    assert f"DATA_DIR      {tmp_path / 'data'}" in lines  # ./data resolved against the working directory
    assert f"DOWNLOAD_DIR  {tmp_path / 'data' / 'downloads'}" in lines
    assert f"reported to Sonarr/Radarr as {tmp_path / 'data' / 'downloads'}  (the download directory)" in lines
    assert "sites         aniworld.to, s.to, megakino" in lines
    assert "listening on 0.0.0.0:8000" in text and "URL http://127.0.0.1:8000/torznab" in text
    assert "from another container use this host's name" in text


def test_proxy_mode_shows_the_public_base_url_not_the_secret() -> None:
    settings = load_settings({"STRM_PROXY_MODE": "proxy", "STRM_PUBLIC_BASE_URL": "http://anibridge:8000",
                              "STRM_PROXY_SECRET": "s3cret"})
    text = server_banner(settings, Address("127.0.0.1", 8000))
    assert "URLs proxy via http://anibridge:8000 (auth token)" in text and "s3cret" not in text
