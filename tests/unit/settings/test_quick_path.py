"""The quick path that reads settings without pydantic gives exactly what pydantic gives, or steps aside.

Whatever value the quick path accepts must come out equal to the pydantic model's reading of it; values it is not
sure of (odd spellings, broken rules) must be left to pydantic, whose messages users see.
"""

from __future__ import annotations

import string
from typing import Any

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
