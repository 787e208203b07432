"""Names on loopback: CUII-blocking ISP resolver, honest DNS-over-HTTPS, address override, dead legacy name."""

from __future__ import annotations

import httpx
import pytest

from anibridge.adapters.sites.gates import classify
from anibridge.domain.catalog.identity import Site
from anibridge.ports.errors import GateKind
from anibridge_fakes.dns import DnsFailure, ResolvingTransport
from anibridge_fakes.world import FakeWorld


def test_isp_resolver_answers_the_cuii_notice(world: FakeWorld) -> None:
    net = world.internet()
    answer = net.dns.resolve("serienstream.to", "isp")
    assert answer.cname == "notice.cuii.info"
    with httpx.Client(transport=ResolvingTransport(net.dns.isp), timeout=5.0) as client:
        page = client.get(net.url(Site.STO.value) + "/serien")
    assert page.status_code == 200 and "Clearingstelle Urheberrecht im Internet" in page.text
    gate = classify(page.status_code, dict(page.headers), page.text, str(page.url))
    assert gate is not None and gate.kind is GateKind.DNS_BLOCK and gate.site == "serienstream.to"


def test_doh_answers_truthfully_and_the_site_is_reachable(world: FakeWorld) -> None:
    net = world.internet()
    with httpx.Client(timeout=5.0) as plain:
        doh = plain.get(net.doh_url, params={"name": "serienstream.to", "type": "A"})
        assert doh.headers["content-type"] == "application/dns-json"
        assert doh.json()["Status"] == 0 and doh.json()["Answer"][0]["data"] == "127.0.0.1"
        assert plain.get(net.doh_url, params={"name": "s.to"}).json()["Status"] == 3

    def via_doh(host: str) -> str:
        with httpx.Client(timeout=5.0) as resolver:
            data = resolver.get(net.doh_url, params={"name": host, "type": "A"}).json()
        if data["Status"] != 0:
            raise DnsFailure(host)
        return str(data["Answer"][0]["data"])

    with httpx.Client(transport=ResolvingTransport(via_doh), timeout=5.0) as client:
        page = client.get(net.url(Site.STO.value) + "/serien")
    assert page.status_code == 200 and "series-item" in page.text


def test_address_override_keeps_the_name_in_host(world: FakeWorld) -> None:
    net = world.internet()
    app = world.sites[Site.STO.value].app
    app.protection.moved_hosts = {"serienstream.cx": "serienstream.to"}  # proves the Host header arrives
    with httpx.Client(transport=ResolvingTransport(lambda host: "127.0.0.1"), timeout=5.0) as client:
        assert client.get(net.url(Site.STO.value) + "/serien").status_code == 200
        moved = client.get(net.url(Site.STO.value, "serienstream.cx") + "/serien")
    assert moved.status_code == 301 and moved.headers["location"].startswith("http://serienstream.to:")


def test_dead_legacy_name_and_working_mirror(world: FakeWorld) -> None:
    net = world.internet()
    with httpx.Client(transport=ResolvingTransport(net.dns.isp), timeout=5.0) as client:
        with pytest.raises(httpx.ConnectError, match="Name or service not known"):
            client.get(net.url(Site.STO.value, "s.to") + "/serien")
        assert client.get(net.url(Site.STO.value, "serienstream.cx") + "/serien").status_code == 200
        assert client.get(net.url(Site.ANIWORLD.value) + "/animes").status_code == 200  # not blocked
    assert ("isp", "s.to") in net.dns.queries
