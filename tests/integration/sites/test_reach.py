"""Reaching SerienStream in 2026 on the fake internet: a dead legacy name, a CUII-blocking resolver, mirrors,
the address override and DNS-over-HTTPS — all through the production client that `wiring/` builds.

The "system resolver" under the production transports is the fake ISP view (blocked names CNAME to the CUII
notice, `s.to` does not resolve); everything listens on loopback.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from anibridge.adapters.resolving import is_ip
from anibridge.adapters.sites.sto import StoCatalog
from anibridge.domain.catalog.identity import Language, Site
from anibridge.ports.errors import GateKind, SiteGated
from anibridge.settings import load_settings
from anibridge.wiring.catalog import build_http_client, site_options
from anibridge.wiring.checks import _site
from anibridge_fakes.dns import AsyncResolvingTransport, FakeInternet
from anibridge_fakes.world import FakeWorld

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _isp(net: FakeInternet) -> object:
    """The household's system resolver: the fake ISP view (addresses pass through unchanged)."""

    def network(proxy: str | None) -> httpx.AsyncBaseTransport:
        return AsyncResolvingTransport(lambda host: host if is_ip(host) else net.dns.isp(host))

    return network


def _catalog(world: FakeWorld, tmp_path: Path, **env: str) -> tuple[StoCatalog, httpx.AsyncClient]:
    net = world.internet()
    settings = load_settings({**world.env(), "DATA_DIR": str(tmp_path), "HTTP_TIMEOUT_SECONDS": "3", **env})
    client = build_http_client(settings, network=_isp(net))  # type: ignore[arg-type]
    return StoCatalog(client, site_options(settings, Site.STO)), client


async def _grab_works(catalog: StoCatalog) -> str:
    assert any(e.slug == "breaking-bad" for e in await catalog.index())
    detail = await catalog.episode("breaking-bad", 1, 2)
    link = next(h for h in detail.hosters if h.language is Language.GERMAN_DUB and h.provider != "VOE")
    return await catalog.embed_url(link)


async def test_dead_legacy_name_and_blocked_domain_fail_over_to_the_mirror(fake_world: FakeWorld,
                                                                           tmp_path: Path) -> None:
    net = fake_world.internet()
    port = net.site_ports["s.to"]
    # A user's old configuration: s.to (no longer resolves; read as serienstream.to, which the ISP blocks).
    catalog, client = _catalog(fake_world, tmp_path, STO_BASE_URL=f"http://s.to:{port}",
                               STO_MIRRORS=f"http://serienstream.cx:{port}")
    async with client:
        embed = await _grab_works(catalog)
        assert embed.startswith("http://127.0.0.1:")  # the hoster, reached through the mirror's token
        assert catalog.base_url == f"http://serienstream.cx:{port}"
    assert ("isp", "serienstream.to") in net.dns.queries
    remembered = (tmp_path / "origin-s.to.json").read_text()
    assert f"serienstream.cx:{port}" in remembered
    again, client = _catalog(fake_world, tmp_path, STO_BASE_URL=f"http://s.to:{port}",
                             STO_MIRRORS=f"http://serienstream.cx:{port}")
    async with client:
        assert again.base_url == f"http://serienstream.cx:{port}"  # a restart starts on the winner


async def test_a_mirror_that_moved_is_followed(fake_world: FakeWorld, tmp_path: Path) -> None:
    net = fake_world.internet()
    port = net.site_ports["s.to"]
    # The mirror name now answers 301 to another name (here one the resolver knows on the same address).
    fake_world.sites["s.to"].app.protection.moved_hosts = {"serienstream.cx": "aniworld.cc"}
    catalog, client = _catalog(fake_world, tmp_path, STO_BASE_URL=f"http://serienstream.to:{port}",
                               STO_MIRRORS=f"http://serienstream.cx:{port}")
    async with client:
        assert any(e.slug == "breaking-bad" for e in await catalog.index())  # 301 to the new name, followed


async def test_dns_block_is_named_and_check_says_what_to_set(fake_world: FakeWorld, tmp_path: Path) -> None:
    port = fake_world.internet().site_ports["s.to"]
    catalog, client = _catalog(fake_world, tmp_path, STO_BASE_URL=f"http://serienstream.to:{port}")
    async with client:
        with pytest.raises(SiteGated) as caught:
            await catalog.index()
        assert caught.value.kind is GateKind.DNS_BLOCK and caught.value.site == "serienstream.to"
        with pytest.raises(RuntimeError, match=r"DOH_URL=.*SITE_ADDRESSES=serienstream.to="):
            await _site(catalog)


async def test_address_override_gets_around_the_dns_block(fake_world: FakeWorld, tmp_path: Path) -> None:
    net = fake_world.internet()
    port = net.site_ports["s.to"]
    before = len(net.dns.queries)
    catalog, client = _catalog(fake_world, tmp_path, STO_BASE_URL=f"http://serienstream.to:{port}",
                               SITE_ADDRESSES="serienstream.to=127.0.0.1")
    async with client:
        assert (await _grab_works(catalog)).startswith("http://127.0.0.1:")
    assert ("isp", "serienstream.to") not in net.dns.queries[before:]  # never asked the blocking resolver


async def test_dns_over_https_gets_around_the_dns_block(fake_world: FakeWorld, tmp_path: Path) -> None:
    net = fake_world.internet()
    port = net.site_ports["s.to"]
    before = len(net.dns.queries)
    catalog, client = _catalog(fake_world, tmp_path, STO_BASE_URL=f"http://serienstream.to:{port}",
                               DOH_URL=net.doh_url)
    async with client:
        assert (await _grab_works(catalog)).startswith("http://127.0.0.1:")
    asked = net.dns.queries[before:]
    assert ("doh", "serienstream.to") in asked and ("isp", "serienstream.to") not in asked
