"""The hoster side: one resolver per video hoster and the StreamFinder that tries them in a useful order."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from anibridge.adapters.hosters.gxplayer import GxplayerResolver
from anibridge.adapters.hosters.registry import SIMPLE_RESOLVERS, extra_hosts
from anibridge.domain.catalog.identity import Site
from anibridge.domain.streams.finder import StreamFinder
from anibridge.ports.catalog import CatalogPort
from anibridge.ports.streams import StreamResolverPort
from anibridge.settings import Settings


def build_resolvers(http_client: httpx.AsyncClient, settings: Settings) -> list[StreamResolverPort]:
    """Every hoster; GXPlayer checks the Referer of the Megakino page that embeds it."""
    hosts = extra_hosts(settings.hoster_hosts)
    timeout = settings.http_timeout_seconds
    resolvers: list[StreamResolverPort] = [
        cls(http_client, timeout, hosts.get(cls.name, ())) for cls in SIMPLE_RESOLVERS
    ]
    referer = settings.megakino_base_url.rstrip("/") + "/"
    resolvers.append(GxplayerResolver(http_client, timeout, hosts.get("GXPlayer", ()), site_referer=referer))
    return resolvers


def build_stream_finder(
    catalogs: Mapping[Site, CatalogPort], resolvers: list[StreamResolverPort], settings: Settings
) -> StreamFinder:
    """A hoster gets four request timeouts in total (page, embed, API, redirect) before the next one is tried."""
    return StreamFinder(
        catalogs, resolvers, list(settings.provider_order), attempt_timeout=settings.http_timeout_seconds * 4
    )
