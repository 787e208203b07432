"""Builders for the STRM proxy providers (kept out of container.py so the composition root stays a list)."""

from __future__ import annotations

from anibridge.adapters.aes_cbc import NativeSegmentCipher
from anibridge.adapters.ssrf import SsrfGuard
from anibridge.adapters.strm.upstream import HttpxUpstream
from anibridge.domain.strm.proxy import (
    ProxyOptions,
    StrmProxy,
)
from anibridge.domain.strm.urls import AuthMode
from anibridge.ports.repos import StrmMappingRepo
from anibridge.ports.streams import StreamSource
from anibridge.ports.system import Clock
from anibridge.settings import Settings


def build_strm_upstream(settings: Settings) -> HttpxUpstream:
    guard = SsrfGuard(settings.strm_proxy_upstream_allowlist)
    return HttpxUpstream(guard, connect_timeout=float(settings.http_timeout_seconds))


def proxy_options(settings: Settings) -> ProxyOptions:
    return ProxyOptions(
        public_base_url=settings.strm_public_base_url.strip(),
        auth_mode=AuthMode(settings.strm_proxy_auth),
        secret=settings.strm_proxy_secret.get_secret_value(),
        child_ttl=settings.strm_proxy_token_ttl_seconds,
        cache_ttl=settings.strm_proxy_cache_ttl_seconds,
        hls_as_file=settings.strm_hls_as_file == "file",
        hls_layout_seconds=settings.strm_hls_layout_seconds,
    )


def build_strm_proxy(
    finder: StreamSource, mappings: StrmMappingRepo, upstream: HttpxUpstream, clock: Clock, settings: Settings
) -> StrmProxy:
    return StrmProxy(finder, mappings, upstream, clock, proxy_options(settings), cipher=NativeSegmentCipher())
