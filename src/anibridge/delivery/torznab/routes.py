"""Registers `/torznab/api` and the base path `/torznab` (the app strips a trailing slash, so `/torznab/api/` and
`/torznab/` land there too)."""

from __future__ import annotations

from dataclasses import dataclass

import falcon.asgi

from anibridge import __version__
from anibridge.delivery.torznab.resource import TorznabResource
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.service import TorznabSearch


@dataclass(frozen=True, slots=True)
class TorznabOptions:
    """What the Torznab endpoint itself needs besides the search: key, channel name, sites and swarm numbers."""

    config: SearchConfig
    api_key: str
    indexer_name: str
    sites: tuple[str, ...]
    seeders: int
    leechers: int


def add_torznab_routes(
    app: falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response], search: TorznabSearch, options: TorznabOptions
) -> None:
    resource = TorznabResource(
        search,
        options.config,
        api_key=options.api_key,
        indexer_name=options.indexer_name,
        sites=list(options.sites),
        version=__version__,
        seeders=options.seeders,
        leechers=options.leechers,
    )
    app.add_route("/torznab/api", resource)
    # Jackett and the PyPI `torznab` client accept the base path as the endpoint: answer caps and searches there
    # too (the app strips a trailing slash, so `/torznab/` lands here).
    app.add_route("/torznab", resource)
