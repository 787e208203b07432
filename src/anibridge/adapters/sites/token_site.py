"""What AniWorld and s.to share: one base URL, the cached title index and redirect-token following.

Both sites are the same family of templates (index page, `/redirect`-style tokens that 302 to the hoster), so
their adapters differ only in page parsing; keeping the plumbing here stops the two from drifting apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import httpx

from anibridge.adapters.sites.gates import DEFAULT_RETRY_SECONDS
from anibridge.adapters.sites.http import SiteHttp
from anibridge.adapters.sites.index_cache import IndexCache, IndexSnapshot, index_path
from anibridge.adapters.sites.options import SiteOptions
from anibridge.adapters.sites.origins import SiteOrigins, state_path
from anibridge.adapters.sites.pacing import RESOLVE, BudgetSpent, SitePacer
from anibridge.adapters.sites.redirects import GatePass, follow_token
from anibridge.domain.catalog.identity import Site
from anibridge.ports.catalog import HosterLink, SeriesEntry
from anibridge.ports.errors import GateKind, SiteGated

_LINK_ONLY = ("captcha", "stream wird vorbereitet")  # details of a gate met on a link of an unannounced page


class TokenSite(ABC):
    site: Site

    def __init__(self, client: httpx.AsyncClient, options: SiteOptions) -> None:
        self.origins = SiteOrigins(self.site.value, options.base_url, options.mirrors,
                                   state_file=state_path(options.data_dir, self.site.value),
                                   primary_retry_seconds=options.primary_retry_seconds)
        self._base = self.origins.primary  # pages are addressed on the primary; SiteHttp moves them to the active origin
        pacer = SitePacer(self.site.value, options.pacing) if options.pacing is not None else None
        retry = options.pacing.cooldown_seconds if options.pacing is not None else DEFAULT_RETRY_SECONDS
        self._http = SiteHttp(client, self.site, timeout=options.timeout, retries=1, origins=self.origins, pacer=pacer,
                              gate_retry_seconds=retry)
        self._redirect_timeout = options.redirect_timeout
        self._redirect_retries = options.redirect_retries
        self._cache = IndexCache(
            self.site, self._load_index, path=index_path(options.data_dir, self.site), ttl_seconds=options.index_ttl_seconds
        )

    @property
    def base_url(self) -> str:
        """The origin pages are fetched from now (the primary, or the mirror that answered last)."""
        return self.origins.active

    @property
    def http(self) -> SiteHttp:
        return self._http

    async def index(self) -> Sequence[SeriesEntry]:
        return (await self._cache.get()).entries

    async def embed_url(self, link: HosterLink) -> str:
        """The hoster URL behind a link; a gate met on the way starts the site's cool-down for resolutions."""
        try:
            return await follow_token(
                self._http, self._base, link, timeout=self._redirect_timeout, retries=self._redirect_retries,
                gate_pass=self._gate_pass(),
            )
        except SiteGated as ex:
            # SerienStream's redirect gate, announced on the episode page, holds for the whole session/address:
            # stop resolving until it lifts. A captcha on one link of a page that announced no gate says nothing
            # about the other links, so it starts no cool-down.
            link_only = ex.kind is GateKind.VERIFICATION and ex.detail in _LINK_ONLY
            if self._http.pacer is not None and not link_only and not isinstance(ex, BudgetSpent):
                self._http.pacer.gated(ex, RESOLVE)
            raise

    def _gate_pass(self) -> GatePass | None:
        """How this site answers a redirect gate's bridge page (None: it is reported as SiteGated)."""
        return None

    @abstractmethod
    async def _load_index(self) -> IndexSnapshot: ...
