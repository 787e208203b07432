"""Auth (token/apikey/none) and the SSRF guard, end to end through the Falcon resources."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from anibridge.adapters.memory import InMemoryStrmMappingRepo
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.strm.urls import (
    AuthMode,
    proxy_url,
    stream_url,
)

from .conftest import REFERER, Rig, build_app, make_proxy

REF = EpisodeRef(Site.ANIWORLD, "show-mp4", 1, 1, Language.GERMAN_DUB)
BASE = "http://media.test"


def client_for(rig: Rig, auth: str, secret: str = "s3cret", allow: tuple[str, ...] | None = None,
               child_ttl: int = 86400) -> httpx.AsyncClient:
    allow = allow if allow is not None else (f"127.0.0.1:{rig.cdn_server.port}",)
    proxy = make_proxy(rig.finder, InMemoryStrmMappingRepo(), BASE, auth, secret, allow, child_ttl)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(proxy)), base_url=BASE)


def tamper(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    params.update(changes)
    return f"{parts.path}?{urlencode(params)}"


@pytest.mark.anyio
async def test_token_mode(rig: Rig) -> None:
    good = stream_url(BASE, REF, "VOE", AuthMode.TOKEN, "s3cret")
    async with client_for(rig, "token") as c:
        assert (await c.get(good, headers={"Range": "bytes=0-9"})).status_code == 206
        for bad, reason in [
            (tamper(good, e="2"), "invalid signature"),
            (tamper(good, sig="0" * 64), "invalid signature"),
            (tamper(good, extra="1"), "invalid signature"),
            (good.split("&sig=")[0] + good.split("&sig=")[1][64:], "missing signature"),
            (stream_url(BASE, REF, "VOE", AuthMode.TOKEN, "other-secret"), "invalid signature"),
        ]:
            resp = await c.get(bad)
            assert (resp.status_code, resp.json()["detail"]) == (403, reason), bad
        child = proxy_url(BASE, rig.cdn.url(rig.cdn_server.base_url, "mp4", "720p.mp4"), AuthMode.TOKEN, "s3cret",
                          now=0, ttl=60, headers={"Referer": REFERER})
        resp = await c.get(child)
        assert (resp.status_code, resp.json()["detail"]) == (403, "token expired")
        resp = await c.head(tamper(child, exp="99999999999"))
        assert resp.status_code == 403


@pytest.mark.anyio
async def test_apikey_and_none_modes(rig: Rig) -> None:
    async with client_for(rig, "apikey", "k3y") as c:
        good = stream_url(BASE, REF, None, AuthMode.APIKEY, "k3y")
        assert (await c.get(good, headers={"Range": "bytes=0-9"})).status_code == 206
        resp = await c.get(tamper(good, apikey="wrong"))
        assert (resp.status_code, resp.json()["detail"]) == (403, "invalid apikey")
        assert (await c.get(tamper(good, apikey=""))).status_code == 403
    async with client_for(rig, "none", "") as c:
        assert (await c.get(stream_url(BASE, REF, None, AuthMode.NONE, ""), headers={"Range": "bytes=0-9"})).status_code == 206
    async with client_for(rig, "token", "") as c:
        resp = await c.get(stream_url(BASE, REF, None, AuthMode.TOKEN, "x"))
        # No secret = the proxy is off: the URL does not exist here (404), it is not a server fault (500).
        assert resp.status_code == 404 and "STRM_PROXY_SECRET" in resp.json()["detail"]


@pytest.mark.anyio
async def test_bad_identity_is_400(rig: Rig) -> None:
    async with client_for(rig, "none", "") as c:
        resp = await c.get("/strm/stream?slug=x&lang=German+Dub&s=1&e=one")
        assert (resp.status_code, resp.json()["detail"]) == (400, "invalid season/episode")
        resp = await c.get("/strm/proxy/x.ts")
        assert (resp.status_code, resp.json()["detail"]) == (400, "missing upstream url")


SSRF = [
    "http://127.0.0.1:{port}/x", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/", "http://0x7f000001:{port}/", "http://2130706433:{port}/", "http://localhost:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/", "file:///etc/passwd",
]


@pytest.mark.anyio
@pytest.mark.parametrize("target", SSRF)
async def test_ssrf_refused_when_not_allowlisted(rig: Rig, target: str) -> None:
    url = target.format(port=rig.cdn_server.port)
    async with client_for(rig, "none", "", allow=()) as c:
        resp = await c.get(proxy_url(BASE, url, AuthMode.NONE, "", 0))
    assert resp.status_code == 400, resp.text
    assert resp.json()["detail"] in {"upstream host not allowed", "invalid upstream url scheme"}


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/redirect-private", "/redirect-loopback"])
async def test_redirect_to_private_address_refused(rig: Rig, path: str) -> None:
    async with client_for(rig, "none", "") as c:  # the CDN itself is allowlisted, its redirect target is not
        resp = await c.get(proxy_url(BASE, rig.cdn_server.base_url + path, AuthMode.NONE, "", 0))
    assert (resp.status_code, resp.json()["detail"]) == (400, "upstream host not allowed")


@pytest.mark.anyio
async def test_allowlisted_loopback_is_served(rig: Rig) -> None:
    cdn_url = rig.cdn.url(rig.cdn_server.base_url, "mp4", "720p.mp4")
    async with client_for(rig, "none", "", allow=()) as c:
        assert (await c.get(proxy_url(BASE, cdn_url, AuthMode.NONE, "", 0))).status_code == 400
    async with client_for(rig, "none", "", allow=("127.0.0.1",)) as c:
        resp = await c.get(proxy_url(BASE, cdn_url, AuthMode.NONE, "", 0, headers={"Referer": REFERER}),
                           headers={"Range": "bytes=0-3"})
        assert resp.status_code == 206 and len(resp.content) == 4
