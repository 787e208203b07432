"""Registers `/torznab/api` and the base path `/torznab` (the app strips a trailing slash, so `/torznab/api/` and
`/torznab/` land there too)."""

from __future__ import annotations

import falcon.asgi

from anibridge import __version__
from anibridge.delivery.torznab.resource import TorznabResource
from anibridge.domain.torznab.service import TorznabSearch
from anibridge.settings import Settings
from anibridge.torznab_wiring import search_config


def add_torznab_routes(
    app: falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response], search: TorznabSearch, settings: Settings
) -> None:
    resource = TorznabResource(
        search,
        search_config(settings),
        api_key=settings.indexer_api_key.get_secret_value(),
        indexer_name=settings.indexer_name,
        sites=list(settings.catalog_sites),
        version=__version__,
        seeders=settings.torznab_fake_seeders,
        leechers=settings.torznab_fake_leechers,
    )
    app.add_route("/torznab/api", resource)
    # Jackett and the PyPI `torznab` client accept the base path as the endpoint: answer caps and searches there
    # too (the app strips a trailing slash, so `/torznab/` lands here).
    app.add_route("/torznab", resource)
