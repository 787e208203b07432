"""The catalogue side: the shared outbound HTTP client, the enabled sites, SkyHook and title lookup."""

from __future__ import annotations

import httpx

from anibridge.adapters.sites.http import BROWSER_HEADERS
from anibridge.adapters.sites.options import SiteOptions
from anibridge.adapters.skyhook import SkyHookMetadata
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.reachability import ObservedMetadata, SiteReachability, guard_catalogs
from anibridge.ports.catalog import CatalogPort
from anibridge.ports.metadata import MetadataPort
from anibridge.settings import Settings


def build_http_client(settings: Settings, guard: SsrfGuard | None = None) -> httpx.AsyncClient:
    """One pooled client for sites, hosters and SkyHook: connection reuse and Megakino's session cookie in one place.

    The app's lifespan closes it on shutdown (the CLI when a command ends). `guard` checks every request (each
    redirect hop too) before it is sent: hoster pages and redirect targets come from site pages, not the user.
    """
    timeout = settings.http_timeout_seconds
    return httpx.AsyncClient(
        event_hooks={"request": [guard.httpx_hook]} if guard is not None else None,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=30.0),
        headers=BROWSER_HEADERS,
        follow_redirects=False,
    )


def site_options(settings: Settings, site: Site) -> SiteOptions:
    """A site's origin and timings; title indexes persist in DATA_DIR so a restart does not refetch them."""
    base = {
        Site.ANIWORLD: settings.aniworld_base_url,
        Site.STO: settings.sto_base_url,
        Site.MEGAKINO: settings.megakino_base_url,
    }[site]
    return SiteOptions(
        base_url=base,
        timeout=settings.http_timeout_seconds,
        data_dir=settings.data_dir,
        index_ttl_seconds=settings.index_refresh_hours * 3600,
        redirect_timeout=settings.provider_redirect_timeout_seconds,
        redirect_retries=settings.provider_redirect_retries,
        mirrors_url=settings.megakino_mirrors_url if site is Site.MEGAKINO else "",
    )


def build_catalogs(http_client: httpx.AsyncClient, settings: Settings) -> dict[Site, CatalogPort]:
    """One adapter per enabled site, in CATALOG_SITES order (dicts keep insertion order)."""
    from anibridge.adapters.sites.aniworld import AniWorldCatalog
    from anibridge.adapters.sites.megakino import MegakinoCatalog
    from anibridge.adapters.sites.sto import StoCatalog

    out: dict[Site, CatalogPort] = {}
    for raw in settings.catalog_sites:
        site = Site.parse(raw)
        options = site_options(settings, site)
        if site is Site.ANIWORLD:
            out[site] = AniWorldCatalog(http_client, options)
        elif site is Site.STO:
            out[site] = StoCatalog(http_client, options)
        else:
            out[site] = MegakinoCatalog(http_client, options)
    return out


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


def build_skyhook_reachability() -> SiteReachability:
    return SiteReachability(["skyhook"])


def build_metadata(http_client: httpx.AsyncClient, settings: Settings,
                   observed_by: SiteReachability | None = None) -> MetadataPort:
    """SkyHook with the reference's 8 s timeout (or the global one if lower) and 300 s result cache; its answers
    are recorded in `observed_by` for /health."""
    skyhook = SkyHookMetadata(http_client, settings.skyhook_base_url, timeout=min(8.0, settings.http_timeout_seconds))
    return ObservedMetadata(skyhook, observed_by) if observed_by is not None else skyhook
