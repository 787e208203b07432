"""The outbound SSRF guard's allowlist, from the settings: what the user configured is trusted, pages are not.

STRM_PROXY_UPSTREAM_ALLOWLIST covers the STRM proxy and downloads alike; the hosts of the configured site and
SkyHook base URLs and of HOSTER_HOSTS are added because the user named them (a mirror on the LAN, the loopback
fakes). Every other host a page, redirect or playlist names must resolve to a public address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from anibridge.adapters.ssrf import SsrfGuard
from anibridge.settings import Settings


def _host_port(url: str) -> list[str]:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return []
    if not host:
        return []
    return [f"{host}:{port}"] if port else [host]


def trusted_hosts(settings: Settings) -> list[str]:
    hosts = list(settings.strm_proxy_upstream_allowlist)
    for url in (settings.aniworld_base_url, settings.sto_base_url, settings.megakino_base_url,
                settings.megakino_mirrors_url, settings.skyhook_base_url,
                *settings.sto_mirrors, *settings.aniworld_mirrors):  # the failover mirrors are the same sites
        hosts += _host_port(url)
    for entry in settings.hoster_hosts:
        _provider, _, where = entry.partition("=")
        if where.strip():
            hosts.append(where.strip().lower())
    return hosts


def build_outbound_guard(settings: Settings) -> SsrfGuard:
    return SsrfGuard(trusted_hosts(settings))
