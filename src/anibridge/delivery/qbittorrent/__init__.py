"""qBittorrent WebUI API v2 (`/api/v2/*`) as Sonarr, Radarr and the qbittorrent-api client use it."""

from __future__ import annotations

from anibridge.delivery.qbittorrent.context import QbitContext
from anibridge.delivery.qbittorrent.resource import register

__all__ = ["QbitContext", "register"]
