"""Fake video hosters, one module per hoster family, each reproducing its real extraction puzzle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anibridge_fakes.hosters.farm import HosterFarm

__all__ = ["HosterFarm"]


def __getattr__(name: str) -> Any:
    if name == "HosterFarm":
        from anibridge_fakes.hosters.farm import HosterFarm

        return HosterFarm
    raise AttributeError(name)
