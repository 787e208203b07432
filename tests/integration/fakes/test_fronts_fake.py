"""DDoS-Guard and Cloudflare fronts, bursts, 429 and moved hosts of the fakes, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.gates import DDG_PROBE_WIDTH, Burst
from anibridge_fakes.hosters import voe
from anibridge_fakes.http import FakeServer
from anibridge_fakes.world import FakeWorld
from tests.fakes import FakeClock

UA = "Mozilla/5.0 (X11; Linux x86_64) Fake/1.0"


@pytest.fixture(scope="module")
def voe_embed() -> Iterator[FakeServer]:
    embed, _mirror = voe.build_apps(lambda: None, lambda: "http://127.0.0.1:9")  # type: ignore[arg-type, return-value]
    server = FakeServer(embed).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset_voe(voe_embed: FakeServer) -> Iterator[None]:
    yield
    voe_embed.app.protection.reset()


def test_fronts_are_off_by_default(world: FakeWorld, client: httpx.Client, voe_embed: FakeServer) -> None:
    assert client.get(world.sites[Site.ANIWORLD.value].base_url + "/animes-alphabet").status_code == 200
    assert client.get(voe_embed.base_url + "/e/abcm").status_code == 200


def test_ddos_guard_front(world: FakeWorld) -> None:
    base = world.sites[Site.ANIWORLD.value].base_url
    world.sites[Site.ANIWORLD.value].app.protection.front = "ddos-guard"
    with httpx.Client(timeout=5.0, headers={"User-Agent": UA}) as client:
        answer = client.get(base + "/animes-alphabet")
        assert answer.status_code == 403 and answer.headers["server"] == "ddos-guard"
        assert "DDoS-Guard" in answer.text and "/.well-known/ddos-guard/js-challenge/index.js" in answer.text
        assert {"__ddg8_", "__ddg9_", "__ddg10_"} <= set(client.cookies.keys())
        # The old check.js dance is dead unless switched on.
        script = client.get(base + "/.well-known/ddos-guard/check.js").text
        path = script.split("'")[1]
        client.get(base + path)
        assert client.get(base + "/animes-alphabet").status_code == 403
        # A wrong fingerprint gets nothing; the one only a layout engine measures sets __ddg1_ for this UA.
        assert client.post(base + "/.well-known/ddos-guard/mark/", content=b"0").json() == {"ok": False}
        assert client.post(base + "/.well-known/ddos-guard/mark/", content=str(DDG_PROBE_WIDTH).encode()).json()["ok"]
        assert client.get(base + "/animes-alphabet").status_code == 200
        assert client.get(base + "/animes-alphabet", headers={"User-Agent": "other"}).status_code == 403
        assert "function" in client.get(base + "/.well-known/ddos-guard/js-challenge/index.js").text


def test_ddos_guard_legacy_dance(world: FakeWorld) -> None:
    base = world.sites[Site.STO.value].base_url
    protection = world.sites[Site.STO.value].app.protection
    protection.front, protection.ddos_guard_legacy = "ddos-guard", True
    with httpx.Client(timeout=5.0) as client:
        assert client.get(base + "/serien").status_code == 403
        path = client.get(base + "/.well-known/ddos-guard/check.js").text.split("'")[1]
        assert path.startswith("/.well-known/ddos-guard/id/")
        client.get(base + path)
        assert "__ddg2_" in client.cookies and client.get(base + "/serien").status_code == 200


def test_cloudflare_front_with_clearance_bound_to_the_user_agent(world: FakeWorld, voe_embed: FakeServer) -> None:
    for base, protection in [(world.sites[Site.MEGAKINO.value].base_url, world.sites[Site.MEGAKINO.value].app.protection),
                             (voe_embed.base_url, voe_embed.app.protection)]:
        protection.front = "cloudflare"
        path = "/e/abcm" if base == voe_embed.base_url else "/sitemap.xml"
        with httpx.Client(timeout=5.0, headers={"User-Agent": UA}) as client:
            answer = client.get(base + path)
            assert answer.status_code == 403 and answer.headers["cf-mitigated"] == "challenge"
            assert answer.headers["server"] == "cloudflare" and answer.headers["cf-ray"]
            assert "<title>Just a moment...</title>" in answer.text and "/cdn-cgi/challenge-platform/" in answer.text
            assert "__cf_bm" in client.cookies
            client.cookies.set("cf_clearance", protection.grant_cf_clearance(UA))
            assert client.get(base + path).status_code == 200
            assert client.get(base + path, headers={"User-Agent": "another browser"}).status_code == 403
        with httpx.Client(timeout=5.0, headers={"User-Agent": UA},
                          transport=httpx.HTTPTransport(local_address="127.0.0.2")) as elsewhere:
            elsewhere.cookies.set("cf_clearance", protection.grant_cf_clearance(UA, client="127.0.0.1"))
            assert elsewhere.get(base + path).status_code == 403  # solved from another IP


def test_front_after_a_burst_relaxes_after_the_cool_down(voe_embed: FakeServer, client: httpx.Client) -> None:
    clock = FakeClock()
    protection = voe_embed.app.protection
    protection.front, protection.front_after = "cloudflare", Burst(limit=4, window=3600, cooldown=1800)
    protection.set_clock(clock)
    statuses = []
    for _ in range(6):
        clock.advance(30)
        statuses.append(client.get(voe_embed.base_url + "/e/abcm").status_code)
    assert statuses == [200, 200, 200, 403, 403, 403]
    clock.advance(1800)
    assert client.get(voe_embed.base_url + "/e/abcm").status_code == 200


def test_rate_limit_with_retry_after(world: FakeWorld, client: httpx.Client) -> None:
    clock = FakeClock()
    protection = world.sites[Site.STO.value].app.protection
    protection.rate_limit = Burst(limit=3, window=60, cooldown=120)
    protection.set_clock(clock)
    base = world.sites[Site.STO.value].base_url
    assert [client.get(base + "/serien").status_code for _ in range(2)] == [200, 200]
    limited = client.get(base + "/serien")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "120"
    clock.advance(100)
    assert client.get(base + "/serien").headers["retry-after"] == "20"
    clock.advance(21)
    assert client.get(base + "/serien").status_code == 200


def test_moved_host_answers_301_to_the_new_name(world: FakeWorld, client: httpx.Client) -> None:
    server = world.sites[Site.ANIWORLD.value]
    server.app.protection.moved_hosts = {"anicloud.io": "aniworld.to"}
    answer = client.get(server.base_url + "/animes?x=1", headers={"Host": f"anicloud.io:{server.port}"})
    assert answer.status_code == 301 and answer.headers["location"] == f"http://aniworld.to:{server.port}/animes?x=1"
    assert client.get(server.base_url + "/animes", headers={"Host": f"aniworld.to:{server.port}"}).status_code == 200


def test_world_reset_switches_everything_off(world: FakeWorld, client: httpx.Client) -> None:
    world.sites[Site.ANIWORLD.value].app.protection.front = "ddos-guard"
    world.sto_app().gate.tier = "turnstile"
    world.reset()
    assert client.get(world.sites[Site.ANIWORLD.value].base_url + "/animes").status_code == 200
    assert not world.sto_app().gate.active
