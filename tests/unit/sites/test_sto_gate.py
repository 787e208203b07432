"""Reading SerienStream's gate off the episode page, and the cases where the pass must not even try."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from anibridge.adapters.sites.html import parse
from anibridge.adapters.sites.http import SiteHttp
from anibridge.adapters.sites.sto_gate import GateContext, StoGatePass, read_context
from anibridge.domain.catalog.identity import Language
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import GateKind, SiteGated
from anibridge_fakes.http import Request
from anibridge_fakes.redirect_gate import RedirectGate

EPISODE = "https://serienstream.to/serie/x/staffel-1/episode-1"
PAGE = '<html><head><meta name="csrf-token" content="meta-token"></head><body><p>page</p></body></html>'
NOW = datetime(2026, 9, 20, 14, 0, tzinfo=UTC)


def decorated(tier: str) -> str:
    request = Request("GET", "/serie/x/staffel-1/episode-1", {}, {}, b"", "https://serienstream.to")
    body = RedirectGate(tier=tier).decorate_episode(request, PAGE).body
    assert isinstance(body, bytes)
    return body.decode()


@pytest.mark.parametrize("tier", ["turnstile", "turnstile_altcha"])
def test_context_from_the_fakes_gate_markup(tier: str) -> None:
    html = decorated(tier)
    context = read_context(parse(html), EPISODE)
    assert context is not None and context.tier == tier and context.episode_url == EPISODE
    assert context.altcha_url == "https://serienstream.to/api/inline/verify-init"
    assert context.csrf and context.csrf != "meta-token" and f'value="{context.csrf}"' in html


def test_no_gate_root_means_no_context() -> None:
    assert read_context(parse(decorated("none")), EPISODE) is None


def test_csrf_falls_back_to_the_meta_tag() -> None:
    html = '<html><head><meta name="csrf-token" content="abc"></head><body>' \
           '<div id="episode-redirect-gate-root" data-redirect-gate-tier="turnstile_altcha" ' \
           'data-altcha-challenge-url="/api/inline/verify-init"></div></body></html>'
    context = read_context(parse(html), EPISODE)
    assert context == GateContext(EPISODE, "turnstile_altcha", "abc", "https://serienstream.to/api/inline/verify-init")


LINK = HosterLink("VOE", Language.GERMAN_DUB, "https://serienstream.to/r?t=abc")


@pytest.mark.anyio
@pytest.mark.parametrize(("context", "detail"), [
    (None, "stream wird vorbereitet"),
    (GateContext(EPISODE, "turnstile", "csrf", "https://serienstream.to/api/inline/verify-init"), "turnstile"),
    (GateContext(EPISODE, "turnstile_altcha", "", None), "turnstile_altcha"),
])
async def test_gates_code_cannot_pass_are_reported_without_a_request(context: GateContext | None, detail: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        gate = StoGatePass(SiteHttp(client, "s.to", timeout=1), retry_seconds=600, now=lambda: NOW)
        gate.remember([LINK], context)
        with pytest.raises(SiteGated) as info:
            await gate(LINK, LINK.url, "fresh")
    assert info.value.kind is GateKind.VERIFICATION and info.value.detail == detail
    assert info.value.site == "serienstream.to" and info.value.retry_at == NOW + timedelta(seconds=600)
