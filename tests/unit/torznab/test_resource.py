"""The HTTP resource: API key, caps, HEAD, errors as Torznab documents with HTTP 200, a crash → empty feed."""

from __future__ import annotations

import falcon
import falcon.asgi
import falcon.testing
from lxml import etree

from anibridge.delivery.torznab.resource import TorznabResource
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.request import SearchRequest
from anibridge.domain.torznab.service import TorznabSearch

from .fakes import world


def client(search: TorznabSearch, key: str = "k") -> falcon.testing.TestClient:
    app = falcon.asgi.App()
    app.req_options.strip_url_path_trailing_slash = True
    resource = TorznabResource(search, SearchConfig(), api_key=key, indexer_name="idx", sites=["aniworld.to"],
                               version="1.0", seeders=999, leechers=787)
    app.add_route("/torznab/api", resource)
    return falcon.testing.TestClient(app)


def error_code(result: falcon.testing.Result) -> int:
    assert result.status_code == 200
    root = etree.fromstring(result.content)
    assert root.tag == "error"
    return int(root.get("code"))


def test_api_key_is_checked_before_everything() -> None:
    c = client(world().search)
    assert error_code(c.simulate_get("/torznab/api", params={"t": "caps"})) == 100
    assert error_code(c.simulate_get("/torznab/api", params={"t": "caps", "apikey": "x"})) == 100
    ok = c.simulate_get("/torznab/api", params={"t": "caps", "apikey": "k"})
    assert ok.status_code == 200 and etree.fromstring(ok.content).tag == "caps"
    assert ok.headers["content-type"].startswith("application/xml")


def test_head_trailing_slash_and_errors() -> None:
    c = client(world().search, key="")
    assert c.simulate_head("/torznab/api", params={"t": "caps"}).status_code == 200
    assert c.simulate_get("/torznab/api/", params={"t": "caps"}).status_code == 200
    assert error_code(c.simulate_get("/torznab/api", params={"t": "nope"})) == 202
    assert error_code(c.simulate_get("/torznab/api")) == 200
    assert error_code(c.simulate_get("/torznab/api", params={"t": "tvsearch", "season": "x"})) == 201


def test_search_crash_is_an_empty_valid_feed() -> None:
    class Crashing(TorznabSearch):
        async def search(self, req: SearchRequest) -> list:  # type: ignore[override, type-arg]
            raise RuntimeError("boom")

    c = client(Crashing(world().search.ctx), key="")
    r = c.simulate_get("/torznab/api", params={"t": "tvsearch", "q": "x", "season": "1", "ep": "1"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/rss+xml")
    assert etree.fromstring(r.content).find("channel") is not None


def test_search_result_is_rendered() -> None:
    c = client(world().search, key="")
    r = c.simulate_get("/torznab/api", params={"t": "tvsearch", "q": "Kaguya-sama", "season": "1", "ep": "3"})
    titles = [t.text for t in etree.fromstring(r.content).iter("title")][1:]
    assert titles[0] == "Kaguya.sama.Love.is.War.S01E03.1080p.WEB-DL.H264.GER-ANIWORLD"
