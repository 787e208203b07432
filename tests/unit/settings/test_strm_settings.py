"""STRM proxy configuration is validated at startup with one line naming the variables."""

from __future__ import annotations

import pytest

from anibridge.settings import SettingsError, load_settings
from anibridge.wiring.strm import proxy_options


def test_proxy_mode_needs_public_base_url() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"STRM_PROXY_MODE": "proxy", "STRM_PROXY_SECRET": "x"})
    assert str(info.value) == (
        "STRM_PROXY_MODE=proxy needs STRM_PUBLIC_BASE_URL (an http(s) URL media servers reach), got ''"
    )


@pytest.mark.parametrize("auth", ["token", "apikey"])
def test_proxy_mode_needs_secret_unless_auth_none(auth: str) -> None:
    env = {"STRM_PROXY_MODE": "proxy", "STRM_PUBLIC_BASE_URL": "http://nas:8000", "STRM_PROXY_AUTH": auth}
    with pytest.raises(SettingsError, match=f"STRM_PROXY_AUTH={auth} needs STRM_PROXY_SECRET"):
        load_settings(env)
    assert load_settings({**env, "STRM_PROXY_SECRET": "s"}).strm_proxy_secret.get_secret_value() == "s"
    assert load_settings({**env, "STRM_PROXY_AUTH": "none"}).strm_proxy_auth == "none"


def test_direct_mode_needs_nothing() -> None:
    s = load_settings({})
    assert s.strm_proxy_mode == "direct" and s.strm_proxy_token_ttl_seconds == 86400


def test_hls_is_served_as_a_file_unless_asked_for_the_playlist() -> None:
    assert load_settings({}).strm_hls_as_file == "file"
    assert proxy_options(load_settings({})).hls_as_file is True
    assert proxy_options(load_settings({"STRM_HLS_AS_FILE": "playlist"})).hls_as_file is False
    with pytest.raises(SettingsError, match="STRM_HLS_AS_FILE"):
        load_settings({"STRM_HLS_AS_FILE": "segments"})
