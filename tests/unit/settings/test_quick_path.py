"""The quick path that reads settings without pydantic gives exactly what pydantic gives, or steps aside.

Whatever value the quick path accepts must come out equal to the pydantic model's reading of it; values it is not
sure of (odd spellings, broken rules) must be left to pydantic, whose messages users see.
"""

from __future__ import annotations

import string
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anibridge.settings import _RULES, Settings, _full_model, _hints, load_settings
from anibridge.settings_fields import SecretStr, full_values, quick_values

FIELDS = list(Settings.model_fields)
TRICKY = [
    "", " ", "0", "00", "08", "-0", "-1", "+5", " 5", "1_000", "1.5", "1.", ".5", "1e3", "inf", "nan", "65535", "65536",
    "9" * 25, "true", "TRUE", "False", " yes", "on", "Off", "t", "maybe", "a,b", " voe ,Filemoon,,VOE", "S.TO,megakino",
    "kinox", "DEBUG", " json ", "Proxy", "http://nas:8000", "/srv/ab", "./rel", "é", "ä,ö",
]


def _both(values: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | Exception]:
    quick = quick_values(Settings.model_fields, _hints(), _RULES, values)
    try:
        full: dict[str, Any] | Exception = full_values(_full_model(), values)
    except ValueError as ex:
        full = ex
    return quick, full


@pytest.mark.parametrize("name", FIELDS)
def test_every_tricky_value_reads_the_same_or_goes_to_pydantic(name: str) -> None:
    for raw in TRICKY:
        quick, full = _both({name: raw})
        if quick is not None:
            assert not isinstance(full, Exception), f"{name}={raw!r}: quick path accepted what pydantic refuses"
            assert quick == full, f"{name}={raw!r}"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(FIELDS), st.text(alphabet=string.ascii_letters + string.digits + " ,.-_+/:", max_size=12))
def test_random_values_read_the_same_or_go_to_pydantic(name: str, raw: str) -> None:
    quick, full = _both({name: raw})
    if quick is not None:
        assert not isinstance(full, Exception) and quick == full


def test_ordinary_values_take_the_quick_path() -> None:
    ordinary = {"anibridge_port": "8080", "log_level": "DEBUG", "data_dir": "/data", "catalog_sites": "s.to, aniworld.to",
                "torznab_return_test_result": "false", "http_timeout_seconds": "30", "site_retry_seconds": "2.5",
                "indexer_api_key": "k", "download_dir": "/media", "provider_order": "voe,Filemoon"}
    quick, full = _both(ordinary)
    assert quick is not None and quick == full
    assert quick["indexer_api_key"] == SecretStr("k") and quick["provider_order"] == ["VOE", "Filemoon"]


def test_python_values_and_defaults_match_the_pydantic_model() -> None:
    assert quick_values(Settings.model_fields, _hints(), _RULES, {}) == full_values(_full_model(), {})
    made = Settings(notify_urls=["a", "b"], anibridge_port=9000, qbit_password="pw")  # type: ignore[arg-type]
    assert made.notify_urls == ["a", "b"] and made.anibridge_port == 9000
    assert made.qbit_password.get_secret_value() == "pw" and "pw" not in repr(made)


def test_settings_stay_frozen() -> None:
    s = load_settings({})
    with pytest.raises(AttributeError):
        s.anibridge_port = 1  # type: ignore[misc]
    assert s == load_settings({}) and s != load_settings({"ANIBRIDGE_PORT": "1"})


def test_settings_copied_field_by_field_are_equal_secrets_included() -> None:
    # The values a Settings holds are valid input again (as with the pydantic model it replaces): our own
    # SecretStr included, which the full check used to refuse as "not a valid string".
    s = load_settings({"QBIT_PASSWORD": "pw", "STRM_PROXY_SECRET": "sec", "ANIBRIDGE_PORT": "+8001"})
    assert Settings(**{name: getattr(s, name) for name in Settings.model_fields}) == s
    assert Settings(qbit_password=SecretStr("pw")).qbit_password == SecretStr("pw")  # type: ignore[arg-type]


def test_every_choice_setting_takes_any_case_and_surrounding_spaces() -> None:
    # LOG_LEVEL=DEBUG, STRM_PROXY_MODE=Proxy… are read case-insensitively; a choice setting that is not
    # (STRM_HLS_AS_FILE=Playlist refused) surprises whoever sets the next one the same way.
    literal = [name for name, hint in _hints().items() if getattr(hint, "__origin__", None) is Literal]
    assert literal
    for name in literal:
        choice = _hints()[name].__args__[0]  # the first: never STRM_PROXY_MODE=proxy, which needs more settings
        assert getattr(load_settings({name.upper(): f" {choice.upper()} "}), name) == choice, name
