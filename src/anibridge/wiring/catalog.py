"""The catalogue side: the shared outbound HTTP client, the enabled sites, SkyHook and title lookup."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from anibridge.adapters.resolving import (
    DnsVerdict,
    DohResolver,
    ResolvingTransport,
    is_ip,
    parse_pairs,
    system_lookup,
)
from anibridge.adapters.resolving import dns_block_advice as dns_block_advice
from anibridge.adapters.sites.http import BROWSER_HEADERS, SiteHttp
from anibridge.adapters.sites.options import AccountLogin, SiteOptions
from anibridge.adapters.sites.origins import LEGACY_HOSTS
from anibridge.adapters.sites.pacing import Budget, PacingOptions
from anibridge.adapters.sites.sto_account import StoAccount
from anibridge.adapters.sites.sto_gate import GateBrowser
from anibridge.adapters.skyhook import SkyHookMetadata
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.observed import observe_catalogs
from anibridge.domain.catalog.reachability import ObservedMetadata, SiteReachability
from anibridge.ports.catalog import CatalogPort
from anibridge.ports.metadata import MetadataPort
from anibridge.settings import Settings
from anibridge.wiring.browser_gate import gate_hint

if TYPE_CHECKING:
    from anibridge.domain.alerts.sites import SiteBoard

log = logging.getLogger(__name__)

_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=30.0)


def catalogue_hosts(settings: Settings) -> list[str]:
    """Every host name of the enabled catalogue sites (bases and mirrors): what DOH_URL resolves."""
    urls = [settings.aniworld_base_url, settings.sto_base_url, settings.megakino_base_url,
            *settings.sto_mirrors, *settings.aniworld_mirrors]
    hosts = {modernise_host(urlsplit(url.strip()).hostname or "") for url in urls}
    return sorted(h for h in hosts if h and not is_ip(h))


def dns_checks(settings: Settings) -> list[tuple[str, DnsVerdict]]:
    """The system resolver's answer for every catalogue host (blocking: `anibridge check` runs it in a thread).

    Hosts reached through SITE_ADDRESSES or DOH_URL are left out: the system resolver does not matter for them.
    """
    pinned = set(parse_pairs(settings.site_addresses))
    hosts = [h for h in catalogue_hosts(settings) if h not in pinned] if not settings.doh_url.strip() else []
    return [(host, system_lookup(host)) for host in hosts]


def modernise_host(host: str) -> str:
    return LEGACY_HOSTS.get(host.lower(), host.lower())


def _env_proxies() -> dict[str, str]:
    """HTTP(S)_PROXY / ALL_PROXY as httpx mount patterns (httpx reads them itself only without a custom transport)."""
    found = urllib.request.getproxies()
    out: dict[str, str] = {}
    if found.get("all"):
        out["all://"] = found["all"]
    for scheme in ("http", "https"):
        if found.get(scheme):
            out[f"{scheme}://"] = found[scheme]
    return out


def _no_proxy_patterns() -> list[str]:
    raw = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    out = []
    for item in (i.strip() for i in raw.split(",")):
        if not item or item == "*":
            continue
        out.append(f"all://*{item}" if item.startswith(".") else f"all://{item}")
    return out


Network = Callable[[str | None], httpx.AsyncBaseTransport]
"""The bottom transport for an optional proxy URL (tests put a fake system resolver here)."""


def build_http_client(
    settings: Settings, network: Network | None = None, guard: SsrfGuard | None = None
) -> httpx.AsyncClient:
    """One pooled client for sites, hosters and SkyHook: connection reuse and Megakino's session cookie in one place.

    SITE_ADDRESSES and DOH_URL put a resolving transport under it (connect to the address, TLS and Host stay the
    name); SITE_PROXIES mount a proxy per host; HTTP(S)_PROXY/ALL_PROXY/NO_PROXY are honoured for the rest. The
    app's lifespan closes it on shutdown (the CLI when a command ends). `guard` checks every request (each
    redirect hop too) before it is sent: hoster pages and redirect targets come from site pages, not the user.
    """
    timeout = settings.http_timeout_seconds
    common = {
        "timeout": httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=min(timeout, 10.0)),
        "limits": _LIMITS,
        "headers": BROWSER_HEADERS,
        "follow_redirects": False,
        "event_hooks": {"request": [guard.httpx_hook]} if guard is not None else None,
    }
    addresses = parse_pairs(settings.site_addresses)
    proxies = parse_pairs(settings.site_proxies)
    if not addresses and not settings.doh_url.strip() and not proxies and network is None:
        return httpx.AsyncClient(**common)  # type: ignore[arg-type]
    bottom: Network = network or (lambda proxy: httpx.AsyncHTTPTransport(limits=_LIMITS, proxy=proxy))
    doh = DohResolver(settings.doh_url.strip(), timeout=min(timeout, 5.0), transport=bottom(None)) \
        if settings.doh_url.strip() else None
    doh_hosts = catalogue_hosts(settings)

    def transport(proxy: str | None) -> httpx.AsyncBaseTransport:
        inner = bottom(proxy)
        if proxy is not None:
            return inner  # the proxy resolves the name (SOCKS5 and HTTP CONNECT both pass it on)
        return ResolvingTransport(inner, addresses=addresses, doh=doh, doh_hosts=doh_hosts)

    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for pattern, proxy in _env_proxies().items():
        mounts[pattern] = transport(proxy)
    for pattern in _no_proxy_patterns():
        mounts[pattern] = transport(None)
    for host, proxy in proxies.items():
        if host == "*":
            mounts["all://"] = transport(proxy)
        else:
            mounts[f"all://{host}"] = mounts[f"all://*.{host}"] = transport(proxy)
    return httpx.AsyncClient(transport=transport(None), mounts=mounts, **common)  # type: ignore[arg-type]


def site_options(settings: Settings, site: Site, gate_browser: GateBrowser | None = None) -> SiteOptions:
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
        mirrors=tuple({Site.STO: settings.sto_mirrors, Site.ANIWORLD: settings.aniworld_mirrors}.get(site, [])),
        primary_retry_seconds=settings.site_primary_retry_seconds,
        pacing=pacing_options(settings),
        gate_browser=gate_browser if site is Site.STO else None,
        gate_hint=gate_hint(settings) if site is Site.STO else "",
        account=sto_account(settings) if site is Site.STO else None,
    )


def sto_account(settings: Settings) -> AccountLogin | None:
    """The SerienStream account to log in with, when both STO_EMAIL and STO_PASSWORD are set."""
    email, password = settings.sto_email.strip(), settings.sto_password.get_secret_value()
    if bool(email) != bool(password):
        log.warning("%s is set but %s is not: SerienStream is used without an account",
                    *(("STO_EMAIL", "STO_PASSWORD") if email else ("STO_PASSWORD", "STO_EMAIL")))
    return AccountLogin(email, password) if email and password else None


def pacing_options(settings: Settings) -> PacingOptions:
    """Request budgets below the burst sizes users report, and the cool-down after a gate or a 403 burst."""
    return PacingOptions(
        pages=Budget(settings.site_page_budget_per_minute, 60.0),
        resolves=Budget(settings.site_resolve_budget, settings.site_resolve_window_seconds),
        cooldown_seconds=settings.site_cooldown_seconds,
    )


def build_catalogs(http_client: httpx.AsyncClient, settings: Settings,
                   gate_browser: GateBrowser | None = None) -> dict[Site, CatalogPort]:
    """One adapter per enabled site, in CATALOG_SITES order (dicts keep insertion order)."""
    from anibridge.adapters.sites.aniworld import AniWorldCatalog
    from anibridge.adapters.sites.megakino import MegakinoCatalog
    from anibridge.adapters.sites.sto import StoCatalog

    out: dict[Site, CatalogPort] = {}
    for raw in settings.catalog_sites:
        site = Site.parse(raw)
        options = site_options(settings, site, gate_browser)
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


def build_observed_catalogs(
    http_client: httpx.AsyncClient, settings: Settings, reachability: SiteReachability, board: SiteBoard,
    gate_browser: GateBrowser | None = None,
) -> dict[Site, CatalogPort]:
    """The enabled sites, each call refused while `reachability` knows its site down, and each call's outcome told
    first to `reachability` (/health, Torznab, the breaker) and then to `board` (dashboard, site-down alerts)."""
    return observe_catalogs(build_catalogs(http_client, settings, gate_browser), [reachability, board],
                            gate=reachability)


def build_skyhook_reachability() -> SiteReachability:
    return SiteReachability(["skyhook"])


def build_metadata(http_client: httpx.AsyncClient, settings: Settings,
                   observed_by: SiteReachability | None = None) -> MetadataPort:
    """SkyHook with the reference's 8 s timeout (or the global one if lower) and 300 s result cache; its answers
    are recorded in `observed_by` for /health."""
    skyhook = SkyHookMetadata(http_client, settings.skyhook_base_url, timeout=min(8.0, settings.http_timeout_seconds))
    return ObservedMetadata(skyhook, observed_by) if observed_by is not None else skyhook


def site_status(catalogs: Mapping[Site, CatalogPort]) -> Callable[[], dict[str, str]]:
    """For /health: the enabled sites a gate holds back right now (cool-down, DNS block), each with its reason."""

    def report() -> dict[str, str]:
        out: dict[str, str] = {}
        for site, catalog in catalogs.items():
            http = _site_http(catalog)
            problem = http.pacer.status() if http is not None and http.pacer is not None else None
            if problem is not None:
                out[site.value] = problem
        return out

    return report


def _site_http(catalog: object) -> SiteHttp | None:
    """The SiteHttp of a catalogue adapter under its guards/observers (each keeps the wrapped one as `_inner`)."""
    http = _unwrapped(catalog, "http")
    return http if isinstance(http, SiteHttp) else None


def site_account(catalog: object) -> StoAccount | None:
    """The account a catalogue adapter logs in with (SerienStream with STO_EMAIL/STO_PASSWORD), under its guards."""
    account = _unwrapped(catalog, "account")
    return account if isinstance(account, StoAccount) else None


def _unwrapped(catalog: object, attribute: str) -> object:
    """`attribute` of the adapter under guards/observers (each keeps the wrapped one as `_inner`); None if absent."""
    for _ in range(8):
        found = getattr(catalog, attribute, None)
        if found is not None:
            return found
        catalog = getattr(catalog, "_inner", None)
        if catalog is None:
            return None
    return None
