"""How `Settings` reads its values: a quick path in plain Python, and pydantic for everything else.

Importing pydantic and building a model of ~90 fields costs a running server about 8 MB it would hold for its
whole life, only to turn a handful of environment strings into ints and lists once. So a value written the way
everyone writes it (`8000`, `true`, `a,b`, `DEBUG`) is parsed here, with the same result pydantic gives; anything
else — an odd spelling, a Python value handed to `Settings(...)`, and every value that breaks a rule — goes to a
pydantic model built from the very same field declarations, which either accepts it or produces the error
message users have always seen. Rules that are ours (known sites, providers, the STRM proxy combination) are
plain functions both paths call.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal

_CSV_MARK = "comma-separated"
CsvList = Annotated[list[str], _CSV_MARK]
"""A list read from `a, b,,c` (items trimmed, empties dropped), as the reference AniBridge reads its lists."""

_INT = re.compile(r"-?[0-9]{1,18}")
_FLOAT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


class SecretStr:
    """A value never printed by accident: repr and str are stars, like pydantic's SecretStr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"SecretStr({str(self)!r})"


@dataclass(frozen=True)
class FieldInfo:
    """One setting's default, documentation and numeric bounds (what `Settings.model_fields` lists)."""

    default: Any
    description: str
    ge: float | None = None
    le: float | None = None
    gt: float | None = None


def Field(default: Any, *, description: str, ge: float | None = None, le: float | None = None,  # noqa: N802
          gt: float | None = None) -> Any:
    """Declare a setting (named and called like pydantic's Field, which the full check turns it into)."""
    return FieldInfo(default, description, ge, le, gt)


def csv(value: Any) -> Any:
    """CSV lists: split on commas, trim items, drop empties (as the reference AniBridge reads them)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


@dataclass(frozen=True)
class Rules:
    """Our own checks: `lowercase` fields are trimmed and lower-cased first, `after` checks one field's parsed
    value, `whole` checks the finished settings (it runs only when every field is valid)."""

    lowercase: tuple[str, ...]
    after: Mapping[str, Callable[[Any], Any]]
    whole: Callable[[Any], None]


class _Unsure(Exception):
    """The quick path does not know this value: the full check decides."""


def _quick_value(hint: Any, raw: str) -> Any:
    if hint is str:
        return raw
    if hint is int and _INT.fullmatch(raw):
        return int(raw)
    if hint is float and _FLOAT.fullmatch(raw):
        return float(raw)
    if hint is bool and raw.lower() in _TRUE | _FALSE:
        return raw.lower() in _TRUE
    if hint is SecretStr:
        return SecretStr(raw)
    if raw and (hint is Path or (isinstance(hint, UnionType) and hint.__args__ == (Path, type(None)))):
        return Path(raw)
    if typing.get_origin(hint) is Literal and raw in hint.__args__:
        return raw
    if typing.get_origin(hint) is Annotated and _CSV_MARK in hint.__metadata__:
        return csv(raw)
    raise _Unsure


def _within(info: FieldInfo, value: Any) -> bool:
    if info.ge is not None and value < info.ge:
        return False
    if info.le is not None and value > info.le:
        return False
    return info.gt is None or value > info.gt


def quick_values(fields: Mapping[str, FieldInfo], hints: Mapping[str, Any], rules: Rules,
                 given: Mapping[str, Any]) -> dict[str, Any] | None:
    """Every field's value when all given values are plain strings this path is sure of, else None."""
    values: dict[str, Any] = {}
    for name, info in fields.items():
        if name not in given:
            default = info.default
            values[name] = list(default) if isinstance(default, list) else default
            continue
        raw = given[name]
        if not isinstance(raw, str):
            return None
        try:
            value = _quick_value(hints[name], lower(raw) if name in rules.lowercase else raw)
            if name in rules.after:
                value = rules.after[name](value)
        except (_Unsure, ValueError):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and not _within(info, value):
            return None
        values[name] = value
    try:
        rules.whole(_Fields(values))
    except ValueError:
        return None
    return values


class _Fields:
    """Attribute access to quick-path values, so the rule across fields runs before the instance exists."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)


def full_values(model: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every field's value as pydantic validates it (raises pydantic's ValidationError)."""
    from pydantic import SecretStr as PydanticSecret

    validated = model.model_validate(dict(given))
    values = dict(validated.__dict__)
    for name, value in values.items():
        if isinstance(value, PydanticSecret):
            values[name] = SecretStr(value.get_secret_value())
    return values


def pydantic_model(name: str, fields: Mapping[str, FieldInfo], hints: Mapping[str, Any], rules: Rules) -> Any:
    """The pydantic model equivalent to the declarations: the reference for values and error messages."""
    import pydantic

    definitions: dict[str, Any] = {}
    for field, info in fields.items():
        hint = hints[field]
        default = info.default
        if hint is SecretStr:
            hint, default = pydantic.SecretStr, pydantic.SecretStr(default.get_secret_value())
        elif typing.get_origin(hint) is Annotated and _CSV_MARK in hint.__metadata__:
            hint = Annotated[list[str], pydantic.BeforeValidator(csv)]
        definitions[field] = (hint, pydantic.Field(default, description=info.description, ge=info.ge, le=info.le,
                                                   gt=info.gt))

    def lowercase(cls: Any, value: Any) -> Any:
        return lower(value)

    def whole(self: Any) -> Any:
        rules.whole(self)
        return self

    validators: dict[str, Any] = {
        "_lowercase": pydantic.field_validator(*rules.lowercase, mode="before")(lowercase),
        "_whole": pydantic.model_validator(mode="after")(whole),
    }
    for field, check in rules.after.items():
        validators[f"_check_{field}"] = pydantic.field_validator(field, mode="after")(
            lambda cls, value, check=check: check(value))
    return pydantic.create_model(name, __config__=pydantic.ConfigDict(frozen=True, extra="ignore"),
                                 __validators__=validators, **definitions)
