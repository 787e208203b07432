"""Builds every hoster adapter from settings; the container's `resolvers` provider calls this."""

from __future__ import annotations

import httpx

from anibridge.adapters.hosters.base import HosterAdapter
from anibridge.adapters.hosters.doodstream import DoodstreamResolver
from anibridge.adapters.hosters.filemoon import FilemoonResolver
from anibridge.adapters.hosters.gxplayer import GxplayerResolver
from anibridge.adapters.hosters.jwplayer import LuluvdoResolver, VidmolyResolver
from anibridge.adapters.hosters.loadx import LoadxResolver
from anibridge.adapters.hosters.streamtape import StreamtapeResolver
from anibridge.adapters.hosters.vidoza import VidozaResolver
from anibridge.adapters.hosters.voe import VoeResolver
from anibridge.ports.streams import StreamResolverPort
from anibridge.settings import Settings

_SIMPLE: tuple[type[HosterAdapter], ...] = (
    VoeResolver, DoodstreamResolver, FilemoonResolver, StreamtapeResolver, VidmolyResolver,
    LoadxResolver, LuluvdoResolver, VidozaResolver,
)


def extra_hosts(settings: Settings) -> dict[str, list[str]]:
    """HOSTER_HOSTS `Provider=host[:port]` pairs grouped by canonical provider (unknown names ignored)."""
    classes: tuple[type[HosterAdapter], ...] = (*_SIMPLE, GxplayerResolver)
    canon = {cls.name.lower(): cls.name for cls in classes}
    canon["voe-mirror"] = "VOE"
    out: dict[str, list[str]] = {}
    for item in settings.hoster_hosts:
        name, sep, host = item.partition("=")
        provider = canon.get(name.strip().lower())
        if sep and provider and host.strip():
            out.setdefault(provider, []).append(host.strip().lower())
    return out


def build_resolvers(http_client: httpx.AsyncClient, settings: Settings) -> list[StreamResolverPort]:
    hosts = extra_hosts(settings)
    timeout = settings.http_timeout_seconds
    resolvers: list[StreamResolverPort] = [cls(http_client, timeout, hosts.get(cls.name, ())) for cls in _SIMPLE]
    resolvers.append(GxplayerResolver(http_client, timeout, hosts.get("GXPlayer", ()),
                                      site_referer=settings.megakino_base_url.rstrip("/") + "/"))
    return resolvers
