"""Catalogue site adapters (CatalogPort): AniWorld, s.to and Megakino, built for the enabled CATALOG_SITES."""

from __future__ import annotations

import httpx

from anibridge.domain.catalog.identity import Site
from anibridge.ports.catalog import CatalogPort
from anibridge.settings import Settings


def build_catalogs(http_client: httpx.AsyncClient, settings: Settings) -> dict[Site, CatalogPort]:
    """One adapter per enabled site, in CATALOG_SITES order (dicts keep insertion order); indexes persist in DATA_DIR."""
    from anibridge.adapters.sites.aniworld import AniWorldCatalog
    from anibridge.adapters.sites.megakino import MegakinoCatalog
    from anibridge.adapters.sites.sto import StoCatalog

    data_dir = settings.data_dir
    out: dict[Site, CatalogPort] = {}
    for raw in settings.catalog_sites:
        site = Site.parse(raw)
        if site is Site.ANIWORLD:
            out[site] = AniWorldCatalog(http_client, settings, data_dir)
        elif site is Site.STO:
            out[site] = StoCatalog(http_client, settings, data_dir)
        else:
            out[site] = MegakinoCatalog(http_client, settings, data_dir)
    return out
