"""Builders the container uses for the catalogue side (sites, SkyHook, title resolution)."""

from __future__ import annotations

import httpx

from anibridge.adapters.sites import build_catalogs
from anibridge.adapters.skyhook import SkyHookMetadata
from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.reachability import ObservedMetadata, SiteReachability, guard_catalogs
from anibridge.ports.catalog import CatalogPort
from anibridge.ports.metadata import MetadataPort
from anibridge.settings import Settings


def build_reachability(settings: Settings) -> SiteReachability:
    """Last contact per enabled site and the circuit breaker that stops asking a site known to be down."""
    base = settings.site_retry_seconds
    return SiteReachability([Site.parse(raw) for raw in settings.catalog_sites], base_retry=base,
                            max_retry=max(base, 300.0) if base > 0 else 0.0)


def build_guarded_catalogs(
    http_client: httpx.AsyncClient, settings: Settings, reachability: SiteReachability
) -> dict[Site, CatalogPort]:
    """The enabled sites, each reporting its answers to `reachability` (and refused while it is known down)."""
    return guard_catalogs(build_catalogs(http_client, settings), reachability)


def build_metadata(http_client: httpx.AsyncClient, settings: Settings,
                   observed_by: SiteReachability | None = None) -> MetadataPort:
    """SkyHook with the reference's 8 s timeout (or the global one if lower) and 300 s result cache; its answers
    are recorded in `observed_by` for /health."""
    skyhook = SkyHookMetadata(http_client, settings.skyhook_base_url, timeout=min(8.0, settings.http_timeout_seconds))
    return ObservedMetadata(skyhook, observed_by) if observed_by is not None else skyhook


def build_skyhook_reachability() -> SiteReachability:
    return SiteReachability(["skyhook"])
