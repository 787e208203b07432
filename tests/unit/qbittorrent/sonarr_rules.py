"""Sonarr's (and Radarr's) rule for "this finished torrent reached its seed goal", which decides whether it
moves the file and deletes the torrent after import (QBittorrent.cs HasReachedSeedLimit, ratio part)."""

from __future__ import annotations

from typing import Any


def seed_goal_reached(torrent: dict[str, Any], preferences: dict[str, Any]) -> bool:
    limit = torrent["ratio_limit"]
    if limit >= 0:
        return bool(torrent["ratio"] >= limit - 0.001)
    if limit == -2 and preferences["max_ratio_enabled"]:
        return bool(torrent["ratio"] >= preferences["max_ratio"] - 0.001)
    return False
