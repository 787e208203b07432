"""Builders the container uses for the catalogue side (sites, SkyHook, title resolution)."""

from __future__ import annotations

import httpx

from anibridge.adapters.skyhook import SkyHookMetadata
from anibridge.settings import Settings


def build_metadata(http_client: httpx.AsyncClient, settings: Settings) -> SkyHookMetadata:
    """SkyHook with the reference's 8 s timeout (or the global one if lower) and 300 s result cache."""
    return SkyHookMetadata(http_client, settings.skyhook_base_url, timeout=min(8.0, settings.http_timeout_seconds))
