"""Every hoster adapter anibridge has, and HOSTER_HOSTS parsing; the composition root builds them."""

from __future__ import annotations

from collections.abc import Iterable

from anibridge.adapters.hosters.base import HosterAdapter
from anibridge.adapters.hosters.doodstream import DoodstreamResolver
from anibridge.adapters.hosters.filemoon import FilemoonResolver
from anibridge.adapters.hosters.gxplayer import GxplayerResolver
from anibridge.adapters.hosters.jwplayer import LuluvdoResolver, VidmolyResolver
from anibridge.adapters.hosters.loadx import LoadxResolver
from anibridge.adapters.hosters.streamtape import StreamtapeResolver
from anibridge.adapters.hosters.vidoza import VidozaResolver
from anibridge.adapters.hosters.voe import VoeResolver

SIMPLE_RESOLVERS: tuple[type[HosterAdapter], ...] = (
    VoeResolver, DoodstreamResolver, FilemoonResolver, StreamtapeResolver, VidmolyResolver,
    LoadxResolver, LuluvdoResolver, VidozaResolver,
)


def extra_hosts(pairs: Iterable[str]) -> dict[str, list[str]]:
    """HOSTER_HOSTS `Provider=host[:port]` pairs grouped by canonical provider (unknown names ignored)."""
    classes: tuple[type[HosterAdapter], ...] = (*SIMPLE_RESOLVERS, GxplayerResolver)
    canon = {cls.name.lower(): cls.name for cls in classes}
    canon["voe-mirror"] = "VOE"
    out: dict[str, list[str]] = {}
    for item in pairs:
        name, sep, host = item.partition("=")
        provider = canon.get(name.strip().lower())
        if sep and provider and host.strip():
            out.setdefault(provider, []).append(host.strip().lower())
    return out
