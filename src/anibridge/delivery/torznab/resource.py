"""`GET|HEAD /torznab/api` (and `/torznab/api/`): thin — check the key, parse, call TorznabSearch, render.

Client mistakes are Torznab `<error/>` documents with HTTP 200 (Sonarr treats 4xx/5xx as an unavailable
indexer and backs off); unexpected failures are logged and answered with an empty, valid feed.
"""

from __future__ import annotations

import hmac
import logging
import time

import falcon
import falcon.asgi

from anibridge.delivery.access_log import masked_query
from anibridge.delivery.torznab.params import TorznabError, function_of, lower_params, parse_search
from anibridge.domain.kit.repeated import RepeatedFailure
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.service import SitesGated, SitesUnreachable, TorznabSearch

log = logging.getLogger(__name__)

RSS_TYPE = "application/rss+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


class TorznabResource:
    def __init__(
        self,
        search: TorznabSearch,
        config: SearchConfig,
        *,
        api_key: str,
        indexer_name: str,
        sites: list[str],
        version: str,
        seeders: int,
        leechers: int,
    ) -> None:
        self._search = search
        self._config = config
        self._api_key = api_key
        self._name = indexer_name
        self._sites = sites
        self._version = version
        self._seeders = seeders
        self._leechers = leechers
        self._unreachable = RepeatedFailure(log, "torznab search (no site could be asked)")

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        # The renderers pull in lxml: loaded with the first Torznab answer, not held by an idle server.
        from anibridge.delivery.torznab.caps import caps_xml
        from anibridge.delivery.torznab.rss_xml import error_xml, rss_xml

        started = time.monotonic()
        params = lower_params(req.params)
        try:
            self._check_key(params.get("apikey"))
            function = function_of(params)
            if function == "caps":
                resp.content_type = XML_TYPE
                resp.data = caps_xml(self._config, self._sites, self._version)
                return
            request = parse_search(params)
        except TorznabError as ex:
            log.info("torznab error %s for %s: %s", ex.code, _redacted(req), ex.description)
            resp.content_type = XML_TYPE
            resp.data = error_xml(ex.code, ex.description)
            return
        try:
            releases = await self._search.search(request)
        except SitesUnreachable as ex:
            # Sonarr and Prowlarr mark the indexer failing on an <error>: what the user needs to see. Logged once
            # per outage (with a count when it ends), not once per RSS poll.
            self._unreachable.failed(ex)
            resp.content_type = XML_TYPE
            resp.data = error_xml(900, f"No site could be searched: {ex}")
            return
        except SitesGated as ex:
            # Sonarr shows a Torznab error's description in its indexer status: the user reads which site needs
            # what (a resolver, a browser check, time) instead of wondering about an empty feed.
            log.warning("torznab %s: %s", _redacted(req), ex)
            resp.content_type = XML_TYPE
            resp.data = error_xml(900, f"No site could be asked: {ex}")
            return
        except Exception:  # noqa: BLE001 - the feed stays valid; the log says why it is empty
            log.exception("torznab search crashed for %s", _redacted(req))
            releases = []
        self._unreachable.succeeded()
        resp.content_type = RSS_TYPE
        resp.data = rss_xml(releases, title=self._name, seeders=self._seeders, leechers=self._leechers)
        log.info("torznab %s → %d items in %.0f ms", _redacted(req), len(releases), (time.monotonic() - started) * 1000)

    on_head = on_get

    def _check_key(self, given: str | None) -> None:
        if not self._api_key:
            return
        if not given:
            raise TorznabError(100, "Missing parameter: apikey")
        if not hmac.compare_digest(given.encode(), self._api_key.encode()):
            raise TorznabError(100, "Incorrect user credentials")


def _redacted(req: falcon.asgi.Request) -> str:
    return masked_query(req.query_string or "")
