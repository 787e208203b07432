"""What AniWorld and s.to share: one base URL, the cached title index and redirect-token following.

Both sites are the same family of templates (index page, `/redirect`-style tokens that 302 to the hoster), so
their adapters differ only in page parsing; keeping the plumbing here stops the two from drifting apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import httpx

from anibridge.adapters.sites.http import SiteHttp
from anibridge.adapters.sites.index_cache import IndexCache, IndexSnapshot, index_path
from anibridge.adapters.sites.options import SiteOptions
from anibridge.adapters.sites.redirects import GatePass, follow_token
from anibridge.domain.catalog.identity import Site
from anibridge.ports.catalog import HosterLink, SeriesEntry


class TokenSite(ABC):
    site: Site

    def __init__(self, client: httpx.AsyncClient, options: SiteOptions) -> None:
        self._base = options.base_url.rstrip("/")
        self._http = SiteHttp(client, self.site, timeout=options.timeout, retries=1)
        self._redirect_timeout = options.redirect_timeout
        self._redirect_retries = options.redirect_retries
        self._cache = IndexCache(
            self.site, self._load_index, path=index_path(options.data_dir, self.site), ttl_seconds=options.index_ttl_seconds
        )

    @property
    def base_url(self) -> str:
        return self._base

    async def index(self) -> Sequence[SeriesEntry]:
        return (await self._cache.get()).entries

    async def embed_url(self, link: HosterLink) -> str:
        return await follow_token(
            self._http, self._base, link, timeout=self._redirect_timeout, retries=self._redirect_retries,
            gate_pass=self._gate_pass(),
        )

    def _gate_pass(self) -> GatePass | None:
        """How this site answers a redirect gate's bridge page (None: it is reported as SiteGated)."""
        return None

    @abstractmethod
    async def _load_index(self) -> IndexSnapshot: ...
