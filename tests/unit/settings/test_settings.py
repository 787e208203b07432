"""load_settings: defaults without any environment, typed parsing, one clear error naming each bad variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from anibridge.settings import Settings, SettingsError, describe, load_settings


def test_defaults_need_no_environment() -> None:
    s = load_settings({})
    assert (s.anibridge_host, s.anibridge_port, s.data_dir) == ("0.0.0.0", 8000, Path("./data"))
    assert s.downloads_path == Path("./data/downloads")
    assert s.effective_database_url == f"sqlite:///{Path('./data/anibridge.db').resolve()}"
    assert s.provider_order[0] == "VOE" and s.catalog_sites == ["aniworld.to", "s.to", "megakino"]


def test_values_are_parsed_and_normalised() -> None:
    s = load_settings({
        "ANIBRIDGE_PORT": "9000", "LOG_LEVEL": "DEBUG", "PROVIDER_ORDER": " voe, filemoon,,VOE ",
        "CATALOG_SITES": "S.TO,aniworld.to", "TORZNAB_RETURN_TEST_RESULT": "no", "DATA_DIR": "/srv/ab",
        "DATABASE_URL": "postgresql://u:p@db/anibridge", "STRM_PROXY_MODE": "Proxy",
        "STRM_PUBLIC_BASE_URL": "http://nas:8000", "STRM_PROXY_SECRET": "s",  # proxy mode requires both
    })
    assert s.anibridge_port == 9000 and s.log_level == "debug"
    assert s.provider_order == ["VOE", "Filemoon"] and s.catalog_sites == ["s.to", "aniworld.to"]
    assert s.torznab_return_test_result is False and s.strm_proxy_mode == "proxy"
    assert s.effective_database_url == "postgresql://u:p@db/anibridge"
    assert s.downloads_path == Path("/srv/ab/downloads")


def test_empty_value_means_default_for_server_variables() -> None:
    s = load_settings({"ANIBRIDGE_PORT": "", "ANIBRIDGE_HOST": "", "DATA_DIR": ""})
    assert (s.anibridge_host, s.anibridge_port, s.data_dir) == ("0.0.0.0", 8000, Path("./data"))


@pytest.mark.parametrize(
    ("env", "name", "hint"),
    [
        ({"ANIBRIDGE_PORT": "abc"}, "ANIBRIDGE_PORT", "integer"),
        ({"ANIBRIDGE_PORT": "70000"}, "ANIBRIDGE_PORT", "65535"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL", "'debug'"),
        ({"PROVIDER_ORDER": "VOE,Bogus"}, "PROVIDER_ORDER", "allowed: VOE, Vidoza"),
        ({"CATALOG_SITES": "kinox"}, "CATALOG_SITES", "allowed: aniworld.to"),
        ({"MAX_CONCURRENCY": "0"}, "MAX_CONCURRENCY", "greater than or equal to 1"),
        ({"TORZNAB_RETURN_TEST_RESULT": "maybe"}, "TORZNAB_RETURN_TEST_RESULT", "boolean"),
        ({"STRM_FILES_MODE": "sometimes"}, "STRM_FILES_MODE", "'only'"),
    ],
)
def test_invalid_value_names_variable_value_and_what_is_allowed(env: dict[str, str], name: str, hint: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(env)
    text = str(info.value)
    value = next(iter(env.values()))
    assert text.startswith(f"invalid {name}={value!r}: ")
    assert hint in text and "\n" not in text


def test_rule_across_variables_is_one_line_without_a_placeholder_name() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"STRM_PROXY_MODE": "proxy"})
    text = str(info.value)
    assert "STRM_PUBLIC_BASE_URL" in text and "\n" not in text and "?" not in text


def test_several_bad_variables_are_all_named_on_one_line() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"ANIBRIDGE_PORT": "x", "MAX_CONCURRENCY": "-1"})
    text = str(info.value)
    assert "ANIBRIDGE_PORT" in text and "MAX_CONCURRENCY" in text and "\n" not in text


def test_describe_masks_secrets_and_database_password() -> None:
    s = load_settings({"INDEXER_API_KEY": "topsecret", "QBIT_PASSWORD": "hunter2",
                       "DATABASE_URL": "postgresql://user:pw123@db:5432/x", "STRM_PROXY_SECRET": ""})
    rows = dict(describe(s))
    assert rows["INDEXER_API_KEY"] == "********" and rows["QBIT_PASSWORD"] == "********"
    assert rows["STRM_PROXY_SECRET"] == ""
    assert rows["DATABASE_URL"] == "postgresql://user:********@db:5432/x"
    assert "topsecret" not in str(rows) and "hunter2" not in str(rows) and "pw123" not in str(rows)
    assert set(rows) == {name.upper() for name in Settings.model_fields}
