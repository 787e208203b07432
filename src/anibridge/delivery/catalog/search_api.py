"""`GET /catalog/search?q=&site=&limit=`: ranked catalogue titles as JSON, what `anibridge search` prints.

Why an endpoint: `anibridge --server URL search` should use the server's warm title indexes (and its sites'
settings) instead of fetching every index again in the terminal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import falcon
import falcon.asgi

from anibridge.delivery.auth import AccessPolicy, login_required
from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.lookup import CatalogMatch

TitleSearch = Callable[[str, Site | None, int], Awaitable[Sequence[CatalogMatch]]]
MAX_QUERY = 200
MAX_LIMIT = 100


def match_json(m: CatalogMatch) -> dict[str, object]:
    return {"site": m.site.value, "slug": m.slug, "title": m.title, "score": round(m.score, 3), "source": m.source}


@falcon.before(login_required)  # the access policy every state route shares (login, CSRF, Host, ban)
class CatalogSearchResource:
    def __init__(self, search: TitleSearch, access: AccessPolicy) -> None:
        self._search = search
        self.access = access

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        query = (req.get_param("q") or "").strip()
        if not query or len(query) > MAX_QUERY:
            raise falcon.HTTPBadRequest(title="Invalid request", description=f"q must be 1-{MAX_QUERY} characters")
        raw_site = req.get_param("site")
        try:
            site = Site.parse(raw_site) if raw_site else None
        except ValueError as ex:
            raise falcon.HTTPBadRequest(title="Invalid request", description=str(ex)) from None
        limit = req.get_param_as_int("limit", min_value=1, max_value=MAX_LIMIT, default=10)
        matches = await self._search(query, site, limit)
        resp.media = [match_json(m) for m in matches]
