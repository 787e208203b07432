"""Every hoster adapter against its fake: happy path per media kind, header checks, Range, and each fault."""

from __future__ import annotations

import time

import httpx
import pytest

from anibridge.ports.errors import ChallengeRequired, GateKind, HosterUnavailable, NotFound, PortError, SiteGated
from anibridge_fakes.hosters import HosterFarm
from anibridge_fakes.hosters.farm import VOE_MIRROR
from tests.integration.hosters.conftest import PROVIDERS, adapters

HLS_HOSTERS = ("VOE", "Filemoon", "Vidmoly", "Luluvdo", "LoadX", "GXPlayer")
MP4_ONLY = ("Vidoza", "Doodstream", "Streamtape")
# Hosters whose media host refuses requests without the Referer/User-Agent the DirectStream carries.
HEADER_CHECKED = ("Filemoon", "Doodstream", "Vidmoly", "Luluvdo")


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_resolves_to_playable_media(farm: HosterFarm, provider: str) -> None:
    kind = "hls" if provider in HLS_HOSTERS else "mp4"
    embed = farm.embed_url(provider, "ep1", kind)
    async with adapters(farm) as resolvers, httpx.AsyncClient() as client:
        assert resolvers[provider].handles(embed)
        stream = await resolvers[provider].resolve(embed)
        assert stream.provider == provider
        assert stream.is_hls == (kind == "hls")
        media = await client.get(stream.url, headers=dict(stream.headers), follow_redirects=True)
        assert media.status_code == 200
        assert media.content.startswith(b"#EXTM3U" if stream.is_hls else b"\x00\x00\x00")
        if provider in HEADER_CHECKED:
            bare = await client.get(stream.url, follow_redirects=True)
            assert bare.status_code == 403


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["mp4", "hls-aes", "hls-fmp4"])
@pytest.mark.parametrize("provider", ["VOE", "Filemoon", "Vidmoly", "Luluvdo", "LoadX"])
async def test_other_media_kinds(farm: HosterFarm, provider: str, kind: str) -> None:
    async with adapters(farm) as resolvers, httpx.AsyncClient() as client:
        stream = await resolvers[provider].resolve(farm.embed_url(provider, "k1", kind))
        assert stream.is_hls == (kind != "mp4")
        body = (await client.get(stream.url, headers=dict(stream.headers))).text if stream.is_hls else ""
        if kind == "hls-aes":
            assert "1080p" in body  # the master lists it (Filemoon hands out the 1080p variant itself)
            variant = (await client.get(stream.url.rsplit("/", 1)[0] + "/1080p.m3u8", headers=dict(stream.headers))).text
            assert "METHOD=AES-128" in variant
        if kind == "hls-fmp4":
            variant = (await client.get(stream.url.rsplit("/", 1)[0] + "/720p.m3u8", headers=dict(stream.headers))).text
            assert "#EXT-X-MAP" in variant


@pytest.mark.anyio
async def test_voe_follows_js_redirect_to_mirror(farm: HosterFarm) -> None:
    async with adapters(farm) as resolvers:
        stream = await resolvers["VOE"].resolve(farm.embed_url("VOE", "mir", "hls"))
    assert stream.url.startswith(farm.servers[VOE_MIRROR].base_url)
    assert any(p.startswith("/e/") for p in farm.servers[VOE_MIRROR].app.hits)


@pytest.mark.anyio
async def test_filemoon_legacy_packed_page_and_vidmoly_view_url(farm: HosterFarm) -> None:
    async with adapters(farm) as resolvers:
        legacy = await resolvers["Filemoon"].resolve(farm.embed_url("Filemoon", "legacy7", "hls"))
        assert legacy.url.endswith("1080p.m3u8")
        view = farm.embed_url("Vidmoly", "v9", "hls").replace("/embed-", "/v/").replace(".html", "")
        assert (await resolvers["Vidmoly"].resolve(view)).is_hls


@pytest.mark.anyio
async def test_voe_maintenance_and_vidmoly_js_bounce(farm: HosterFarm) -> None:
    async with adapters(farm) as resolvers:
        with pytest.raises(HosterUnavailable, match="maintenance"):
            await resolvers["VOE"].resolve(farm.embed_url("VOE", "maint1", "hls"))
        bounced = await resolvers["Vidmoly"].resolve(farm.embed_url("Vidmoly", "hopx2", "hls"))
    assert bounced.is_hls and "/hls/" in bounced.url


@pytest.mark.anyio
async def test_media_range_requests(farm: HosterFarm) -> None:
    async with adapters(farm) as resolvers, httpx.AsyncClient() as client:
        stream = await resolvers["Vidoza"].resolve(farm.embed_url("Vidoza", "r1"))
        full = await client.get(stream.url)
        size = len(full.content)
        assert full.headers["accept-ranges"] == "bytes"
        part = await client.get(stream.url, headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == full.content[10:20]
        assert part.headers["content-range"] == f"bytes 10-19/{size}"
        tail = await client.get(stream.url, headers={"Range": "bytes=-5"})
        assert tail.status_code == 206 and tail.content == full.content[-5:]
        bad = await client.get(stream.url, headers={"Range": f"bytes={size}-"})
        assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{size}"


FAULTS = {
    "status": (HosterUnavailable, "HTTP 503"),
    "challenge": (ChallengeRequired, "challenge"),
    "layout_changed": (HosterUnavailable, "layout"),
    "hang": (HosterUnavailable, "timed out"),
}


@pytest.mark.anyio
@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_faults_become_typed_errors_in_time(farm: HosterFarm, provider: str, fault: str) -> None:
    error, words = FAULTS[fault]
    target = VOE_MIRROR if provider == "VOE" and fault == "layout_changed" else provider
    faults = farm.servers[target].app.faults
    if fault == "status":
        faults.status = 503
    else:
        setattr(faults, fault, True)
    started = time.monotonic()
    async with adapters(farm, timeout=0.5) as resolvers:
        with pytest.raises(error) as caught:
            await resolvers[provider].resolve(farm.embed_url(provider, "f1", "hls" if provider in HLS_HOSTERS else "mp4"))
    faults.reset()
    assert words in str(caught.value).lower() or words in str(caught.value)
    assert provider in str(caught.value)
    assert time.monotonic() - started < 3.0


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_removed_file_is_not_found(farm: HosterFarm, provider: str) -> None:
    async with adapters(farm) as resolvers:
        with pytest.raises(NotFound):
            await resolvers[provider].resolve(farm.embed_url(provider, "gone1"))


@pytest.mark.anyio
async def test_latency_is_tolerated_below_the_timeout(farm: HosterFarm) -> None:
    farm.servers["Doodstream"].app.faults.latency = 0.1
    async with adapters(farm, timeout=2.0) as resolvers:
        assert (await resolvers["Doodstream"].resolve(farm.embed_url("Doodstream", "lat"))).provider == "Doodstream"


@pytest.mark.slow
@pytest.mark.anyio
async def test_direct_urls_expire_and_re_resolving_helps(farm: HosterFarm) -> None:
    for name in (*PROVIDERS, VOE_MIRROR):
        farm.servers[name].app.faults.expire_after = 1.5
    async with adapters(farm) as resolvers, httpx.AsyncClient() as client:
        streams = {p: await resolvers[p].resolve(farm.embed_url(p, "exp", "hls" if p in HLS_HOSTERS else "mp4")) for p in PROVIDERS}
        time.sleep(2.6)
        for provider, stream in streams.items():
            old = await client.get(stream.url, headers=dict(stream.headers), follow_redirects=True)
            assert old.status_code == 403, provider
            fresh = await resolvers[provider].resolve(farm.embed_url(provider, "exp", "hls" if provider in HLS_HOSTERS else "mp4"))
            again = await client.get(fresh.url, headers=dict(fresh.headers), follow_redirects=True)
            assert again.status_code == 200, provider


def test_handles_by_hostname_hint_not_userinfo() -> None:
    import asyncio

    async def check() -> None:
        async with httpx.AsyncClient() as client:
            from anibridge.adapters.hosters.voe import VoeResolver

            voe = VoeResolver(client)
            assert voe.handles("https://voe.sx/e/abc")
            assert not voe.handles("https://voe.sx@evil.example/e/abc")
            assert not voe.handles("not a url")

    asyncio.run(check())


def test_port_errors_are_port_errors() -> None:
    assert issubclass(ChallengeRequired, PortError) and issubclass(HosterUnavailable, PortError)


def test_fakes_enforce_the_real_hosts_request_checks(farm: HosterFarm) -> None:
    with httpx.Client(timeout=5) as client:
        assert client.get(farm.embed_url("GXPlayer", "chk", "hls")).status_code == 403  # embed only with a Referer
        loadx = farm.servers["LoadX"].base_url
        hop = client.get(farm.embed_url("LoadX", "chk", "hls"))
        digest = hop.headers["location"].split("/")[2]
        assert client.post(f"{loadx}/player/index.php?data={digest}&do=getVideo").status_code == 403  # XHR only
        dood = client.get(farm.embed_url("Doodstream", "chk")).text
        pass_path = dood.split("$.get('", 1)[1].split("'", 1)[0]
        assert client.get(farm.servers["Doodstream"].base_url + pass_path).status_code == 403  # Referer required
        lulu = farm.servers["Luluvdo"].base_url + "/dl?op=embed&file_code=chkh&embed=1"
        assert "file:" not in client.get(lulu).text  # desktop UA gets no player


@pytest.mark.anyio
async def test_cloudflare_front_on_voe_is_a_named_gate(farm: HosterFarm) -> None:
    """VOE sits behind Cloudflare: its managed challenge (403, cf-mitigated) is reported as such, with a retry time."""
    farm.servers["VOE"].app.protection.front = "cloudflare"
    async with adapters(farm) as resolvers:
        with pytest.raises(SiteGated) as caught:
            await resolvers["VOE"].resolve(farm.embed_url("VOE", "cf1", "hls"))
    assert caught.value.kind is GateKind.CLOUDFLARE and caught.value.retry_at is not None
    assert str(caught.value).startswith("VOE: Cloudflare challenge")
