"""How much `anibridge serve` logs for what users do most: a Prowlarr Test and a media server playing an episode.

Before the logging configuration one Prowlarr Test wrote 287 lines (282 of them httpx's "HTTP Request: GET …"
with signed redirect tokens and hoster URLs) and a 2-minute HLS playback 247 (an access line of ~440 characters
plus an outbound-request line per segment). The counts below are of the server's real output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.strm.urls import AuthMode, stream_url
from anibridge_fakes.world import FakeWorld

from .conftest import ServerHandle, free_port, start_server

pytestmark = pytest.mark.slow
SECRET = "log-volume-secret"
PLAYBACK_SECONDS = 120.0


def _server(fake_world: FakeWorld, tmp: pytest.TempPathFactory, **extra: str) -> ServerHandle:
    port = free_port()
    # The playlist answer: a player fetching every segment through the proxy is the case with the most requests
    # (the default file answer is one request per seek).
    env = {**fake_world.env(), "STRM_PROXY_MODE": "proxy", "STRM_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "STRM_PROXY_AUTH": "token", "STRM_PROXY_SECRET": SECRET, "STRM_HLS_AS_FILE": "playlist", **extra}
    return start_server(env, tmp.mktemp("logs") / "data", port=port)


@pytest.fixture(scope="module")
def server(fake_world: FakeWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = _server(fake_world, tmp_path_factory)
    yield handle
    handle.stop()


def _new_lines(server: ServerHandle, before: int) -> list[str]:
    return server.logs().splitlines()[before:]


def _settled_count(server: ServerHandle) -> int:
    return len(server.logs().splitlines())


def prowlarr_test(base: str) -> None:
    """What Prowlarr's Test button sends: caps, then a search and a tvsearch without a query."""
    with httpx.Client(timeout=120) as client:
        for query in ("t=caps", "t=search", "t=tvsearch"):
            assert client.get(f"{base}/torznab/api?{query}").status_code == 200


def play_hls(base: str, seconds: float = PLAYBACK_SECONDS) -> int:
    """A player on an HLS source of the fakes: the .strm URL, its playlist, then segments until `seconds` played
    (the fake's short episode is looped, as a player re-reading it would). Returns the segments fetched."""
    ref = EpisodeRef(Site.ANIWORLD, "black-clover", 1, 1, Language.GERMAN_DUB)
    played, fetched = 0.0, 0
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        reply = client.get(stream_url(base, ref, "Filemoon", AuthMode.TOKEN, SECRET))
        reply.raise_for_status()
        text, where = reply.text, str(reply.url)
        if "#EXT-X-STREAM-INF" in text:
            variant = next(line for line in text.splitlines() if line and not line.startswith("#"))
            reply = client.get(urljoin(where, variant))
            text, where = reply.text, str(reply.url)
        segments: list[tuple[str, float]] = []
        duration = 0.0
        for line in text.splitlines():
            if line.startswith("#EXTINF:"):
                duration = float(line.removeprefix("#EXTINF:").split(",")[0])
            elif line.startswith("#EXT-X-KEY") and 'URI="' in line:
                client.get(urljoin(where, line.split('URI="')[1].split('"')[0])).raise_for_status()
            elif line and not line.startswith("#"):
                segments.append((urljoin(where, line), duration))
        assert segments, text
        while played < seconds:
            for url, length in segments:
                client.get(url).raise_for_status()
                played, fetched = played + length, fetched + 1
                if played >= seconds:
                    break
    return fetched


def test_a_prowlarr_test_writes_a_handful_of_lines_without_outbound_urls(server: ServerHandle) -> None:
    before = _settled_count(server)
    prowlarr_test(server.base_url)
    lines = _new_lines(server, before)
    print(f"Prowlarr Test: {len(lines)} log lines (before the logging configuration: 287)")
    assert len(lines) <= 6, "\n".join(lines)  # an access line per request, a result line per search
    assert not [line for line in lines if "HTTP Request" in line or "httpx" in line]


def test_two_minutes_of_hls_playback_is_one_line(server: ServerHandle) -> None:
    before = _settled_count(server)
    segments = play_hls(server.base_url)
    lines = _new_lines(server, before)
    print(f"2-minute HLS playback: {segments} segments, {len(lines)} log lines (before: 247)")
    assert segments >= 20
    assert len(lines) == 1, "\n".join(lines)
    assert "plays aniworld.to black-clover S01E01 German Dub (Filemoon)" in lines[0]
    assert "sig=" not in lines[0] and len(lines[0]) < 200
    # A second playback right away is the same session; nothing more is logged.
    play_hls(server.base_url, seconds=10)
    assert _new_lines(server, before + 1) == []


def test_json_log_format_is_one_object_per_line(fake_world: FakeWorld,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    handle = _server(fake_world, tmp_path_factory, LOG_FORMAT="json")
    try:
        prowlarr_test(handle.base_url)
        play_hls(handle.base_url, seconds=10)
    finally:
        handle.stop()
    # stdout and stderr share the file here: every line of both is a JSON object, the banner included.
    entries = [json.loads(line) for line in handle.logs().splitlines() if line.strip()]
    loggers = {entry["logger"] for entry in entries}
    assert {"anibridge.banner", "uvicorn.error", "anibridge.access", "anibridge.delivery.strm"} <= loggers
    assert all(set(entry) >= {"time", "level", "logger", "message"} for entry in entries)
    banner = next(entry["message"] for entry in entries if entry["logger"] == "anibridge.banner")
    assert f"URL {handle.base_url}/torznab   API Path /api" in banner
