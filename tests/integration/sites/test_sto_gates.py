"""s.to adapter against the fighting fake: every gate is a SiteGated naming site, gate and retry time; the
ALTCHA-only tier is passed in code with one session (episode page → verify-init → POST /r)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from anibridge.adapters.sites.sto import StoCatalog
from anibridge.domain.catalog.identity import Language, Site
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import GateKind, SiteGated
from anibridge_fakes.altcha import AltchaVerifier
from anibridge_fakes.catalogue import Catalogue
from anibridge_fakes.dns import AsyncResolvingTransport, FakeInternet
from anibridge_fakes.gates import Burst
from anibridge_fakes.http import FakeServer
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.sto import StoApp
from tests.fakes import FakeClock
from tests.integration.sites.conftest import fake_embed, site_options

pytestmark = pytest.mark.anyio
EPISODE = ("breaking-bad", 1, 1)


def adapter(client: httpx.AsyncClient, base: str) -> StoCatalog:
    return StoCatalog(client, site_options(base))


async def voe_link(catalog: StoCatalog) -> HosterLink:
    detail = await catalog.episode(*EPISODE)
    return next(h for h in detail.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB)


def expected_embed(catalogue: Catalogue) -> str:
    show = catalogue.by_slug(Site.STO, EPISODE[0])
    assert show is not None
    ep = show.episode(*EPISODE[1:])
    assert ep is not None
    offer = next(o for o in ep.offers if o.provider == "VOE" and o.language is Language.GERMAN_DUB)
    return fake_embed(offer.provider, offer.video_id, offer.kind)


async def test_turnstile_tier_is_a_typed_gate_without_a_post(sto_fake: FakeServer, sto_app: StoApp) -> None:
    sto_app.gate = RedirectGate(tier="turnstile")
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        link = await voe_link(catalog)  # the episode page still parses: the gate only guards /r
        with pytest.raises(SiteGated) as info:
            await catalog.embed_url(link)
    error = info.value
    assert error.kind is GateKind.VERIFICATION and error.detail == "turnstile" and error.site == "127.0.0.1"
    assert error.retry_at is not None and error.retry_at > datetime.now(UTC) + timedelta(seconds=200)
    assert str(error).startswith("127.0.0.1: verification required (turnstile), retry at ")
    assert sto_app.gate.submissions == []


async def test_altcha_only_tier_is_passed_in_code(sto_fake: FakeServer, sto_app: StoApp, catalogue: Catalogue) -> None:
    sto_app.gate = RedirectGate(tier="turnstile_altcha", turnstile_enforced=False, altcha=AltchaVerifier())
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        embed = await catalog.embed_url(await voe_link(catalog))
    assert embed == expected_embed(catalogue)
    [submission] = sto_app.gate.submissions
    assert submission.ok and submission.tier == "turnstile_altcha"
    assert submission.referer == sto_fake.base_url + "/serie/breaking-bad/staffel-1/episode-1"
    assert submission.origin == sto_fake.base_url
    assert set(submission.fields) == {"_token", "t", "altcha", "cf-turnstile-response"}
    assert submission.fields["cf-turnstile-response"] == ""
    assert sto_app.gate.altcha.issued == 1


async def test_altcha_only_tier_with_the_page_shaped_success(sto_fake: FakeServer, sto_app: StoApp, catalogue: Catalogue) -> None:
    sto_app.gate = RedirectGate(tier="turnstile_altcha", turnstile_enforced=False, success_shape="page",
                            altcha=AltchaVerifier(maxnumber=5000))
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        assert await catalog.embed_url(await voe_link(catalog)) == expected_embed(catalogue)


async def test_enforced_turnstile_refuses_altcha_alone(sto_fake: FakeServer, sto_app: StoApp) -> None:
    sto_app.gate = RedirectGate(tier="turnstile_altcha", altcha=AltchaVerifier(maxnumber=5000))
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        with pytest.raises(SiteGated, match=r"verification required \(turnstile_altcha; ALTCHA alone was refused"):
            await catalog.embed_url(await voe_link(catalog))
    assert [s.reason for s in sto_app.gate.submissions] == ["turnstile: missing-input-response"]


@pytest.mark.parametrize(("variant", "kind"), [("gone", GateKind.VERIFICATION), ("ddos-guard", GateKind.DDOS_GUARD)])
async def test_other_gated_answers_of_r(sto_fake: FakeServer, sto_app: StoApp, variant: str, kind: GateKind) -> None:
    sto_app.gate = RedirectGate(tier="turnstile", gated_get=variant)  # type: ignore[arg-type]
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        with pytest.raises(SiteGated) as info:
            await catalog.embed_url(await voe_link(catalog))
    assert info.value.kind is kind


async def test_burst_meets_the_gate_then_the_cool_down_lifts_it(sto_fake: FakeServer, sto_app: StoApp) -> None:
    clock = FakeClock()
    sto_app.gate = RedirectGate(escalate_after=3, window=600, cooldown=1800)
    sto_app.gate.set_clock(clock)
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        link = await voe_link(catalog)
        for _ in range(3):
            await catalog.embed_url(link)
        with pytest.raises(SiteGated, match="verification required"):
            await catalog.embed_url(link)
        clock.advance(1801)
        assert (await catalog.embed_url(link)).startswith("https://voe.invalid/")


async def test_ddos_guard_front_is_not_a_parse_error(sto_fake: FakeServer, sto_app: StoApp) -> None:
    sto_app.protection.front = "ddos-guard"
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        for call in (catalog.series("breaking-bad"), catalog.episode(*EPISODE), catalog.search("dark")):
            with pytest.raises(SiteGated) as info:
                await call
            assert info.value.kind is GateKind.DDOS_GUARD and "DDoS-Guard" in str(info.value)


async def test_rate_limit_carries_the_sites_retry_time(sto_fake: FakeServer, sto_app: StoApp) -> None:
    sto_app.protection.rate_limit = Burst(limit=1, window=60, cooldown=90)
    async with httpx.AsyncClient() as client:
        with pytest.raises(SiteGated) as info:
            await adapter(client, sto_fake.base_url).series("breaking-bad")
    assert info.value.kind is GateKind.RATE_LIMIT
    assert info.value.retry_at is not None
    assert timedelta(seconds=80) < info.value.retry_at - datetime.now(UTC) <= timedelta(seconds=91)


async def test_cuii_dns_block_is_named_and_doh_gets_through(sto_fake: FakeServer, sto_app: StoApp) -> None:
    net = FakeInternet({"s.to": sto_fake.port})
    try:
        async with httpx.AsyncClient(transport=AsyncResolvingTransport(net.dns.isp)) as client:
            with pytest.raises(SiteGated) as info:
                await adapter(client, net.url("s.to")).series("breaking-bad")
        assert info.value.kind is GateKind.DNS_BLOCK and info.value.site == "serienstream.to"
        assert info.value.retry_at is None and "CUII" in str(info.value)
        async with httpx.AsyncClient(transport=AsyncResolvingTransport(net.dns.doh)) as client:
            series = await adapter(client, net.url("s.to")).series("breaking-bad")
        assert series.title
    finally:
        net.stop()


async def test_moved_domain_is_followed_through_to_the_hoster(sto_fake: FakeServer, sto_app: StoApp, catalogue: Catalogue) -> None:
    """serienstream.to answers 301 to serienstream.cx (same paths): pages, tokens and the hoster still resolve."""
    sto_app.protection.moved_hosts = {"serienstream.to": "serienstream.cx"}
    net = FakeInternet({"s.to": sto_fake.port})
    try:
        async with httpx.AsyncClient(transport=AsyncResolvingTransport(net.dns.doh)) as client:
            catalog = adapter(client, net.url("s.to"))
            hits = await catalog.search("breaking")
            link = await voe_link(catalog)
            embed = await catalog.embed_url(link)
    finally:
        net.stop()
    assert any(h.slug == "breaking-bad" for h in hits)
    assert link.url.startswith(f"http://serienstream.cx:{sto_fake.port}/r?t=")
    assert embed == expected_embed(catalogue)
    assert any(hit.startswith("moved ") for hit in sto_app.protection.hits)
