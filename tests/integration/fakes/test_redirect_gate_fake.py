"""The fake SerienStream redirect gate over real HTTP: tiers, bridge page, POST /r, ALTCHA, Turnstile, escalation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import pytest

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.altcha import AltchaVerifier, solve_for_tests
from anibridge_fakes.redirect_gate import FAILURE_TEXT, RedirectGate
from anibridge_fakes.turnstile import DUMMY_TOKEN, TurnstileFake
from anibridge_fakes.world import FakeWorld
from tests.fakes import FakeClock

EPISODE = "/serie/breaking-bad/staffel-1/episode-1"


@pytest.fixture
def sto(world: FakeWorld) -> Iterator[str]:
    yield world.sites[Site.STO.value].base_url


def session(local_address: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(timeout=5.0, transport=httpx.HTTPTransport(local_address=local_address))


def play_url(html: str) -> str:
    """The first provider button's `/r?t=` (URL-decoded, as clients send `t` in the form)."""
    m = re.search(r'data-play-url="([^"]+)"', html)
    assert m is not None
    return unquote(m.group(1))


def csrf(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m is not None
    return m.group(1)


def fresh_token(html: str) -> str:
    m = re.search(r'var t = "([^"]*)"', html)
    assert m is not None
    return m.group(1)


def gate_of(world: FakeWorld, **settings: object) -> RedirectGate:
    gate = RedirectGate(**settings)  # type: ignore[arg-type]
    world.sto_app().gate = gate
    return gate


def test_gate_is_off_by_default(world: FakeWorld, sto: str) -> None:
    with session() as client:
        page = client.get(sto + EPISODE).text
        assert "episode-redirect-gate-root" not in page
        answer = client.get(sto + play_url(page))
    assert answer.status_code == 302 and "/voe/e/" in answer.headers["location"]


def test_turnstile_tier_needs_a_browser_token(world: FakeWorld, sto: str) -> None:
    gate = gate_of(world, tier="turnstile")
    with session() as client:
        page = client.get(sto + EPISODE).text
        assert 'data-redirect-gate-tier="turnstile"' in page and "laravel_session" in client.cookies
        bridge = client.get(sto + play_url(page), follow_redirects=False)
        assert bridge.status_code == 200 and "Stream wird vorbereitet" in bridge.text
        form = {"_token": csrf(page), "t": fresh_token(bridge.text), "cf-turnstile-response": "", "altcha": ""}
        refused = client.post(sto + "/r", data=form, follow_redirects=False)
        assert refused.status_code == 200 and FAILURE_TEXT in refused.text
        # A made-up token or Cloudflare's dummy token is refused as well (the bridge token was spent above).
        form["t"] = play_url(page).split("t=", 1)[1]
        form["cf-turnstile-response"] = "0" * 32 + "." + "f" * 64
        assert FAILURE_TEXT in client.post(sto + "/r", data=form).text
        form["cf-turnstile-response"] = DUMMY_TOKEN
        assert FAILURE_TEXT in client.post(sto + "/r", data=form).text
    assert [s.reason for s in gate.submissions] == [
        "turnstile: missing-input-response", "turnstile: invalid-input-response", "turnstile: invalid-input-response"]


def test_dummy_token_passes_where_the_site_uses_test_keys(world: FakeWorld, sto: str) -> None:
    gate_of(world, tier="turnstile", turnstile=TurnstileFake(accept_dummy=True))
    with session() as client:
        page = client.get(sto + EPISODE).text
        bridge = client.get(sto + play_url(page))
        form = {"_token": csrf(page), "t": fresh_token(bridge.text), "cf-turnstile-response": DUMMY_TOKEN}
        answer = client.post(sto + "/r", data=form, follow_redirects=False)
    assert answer.status_code == 302 and "/voe/e/" in answer.headers["location"]


def test_altcha_only_tier_passes_in_code_once(world: FakeWorld, sto: str) -> None:
    gate = gate_of(world, tier="turnstile_altcha", turnstile_enforced=False, altcha=AltchaVerifier(maxnumber=3000))
    with session() as client:
        page = client.get(sto + EPISODE, headers={"User-Agent": "test"}).text
        url = re.search(r'data-altcha-challenge-url="([^"]+)"', page)
        assert url is not None and url.group(1) == sto + "/api/inline/verify-init"
        challenge = client.get(url.group(1), headers={"X-Requested-With": "XMLHttpRequest"}).json()
        assert set(challenge) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
        payload = solve_for_tests(challenge)
        token = play_url(page)
        form = {"_token": csrf(page), "t": token.split("t=", 1)[1], "altcha": payload, "cf-turnstile-response": ""}
        headers = {"Referer": sto + EPISODE, "Origin": sto}
        answer = client.post(sto + "/r", data=form, headers=headers, follow_redirects=False)
        assert answer.status_code == 302 and "/voe/e/" in answer.headers["location"]
        replay = client.post(sto + "/r", data=form, headers=headers, follow_redirects=False)
        assert replay.status_code == 200 and FAILURE_TEXT in replay.text
    assert [s.reason for s in gate.submissions] == ["ok", "altcha: challenge already used"]
    assert gate.submissions[0].referer == sto + EPISODE and gate.submissions[0].origin == sto


def test_enforced_turnstile_refuses_altcha_alone(world: FakeWorld, sto: str) -> None:
    gate = gate_of(world, tier="turnstile_altcha", altcha=AltchaVerifier(maxnumber=500))
    with session() as client:
        page = client.get(sto + EPISODE).text
        challenge = client.get(sto + "/api/inline/verify-init").json()
        form = {"_token": csrf(page), "t": play_url(page).split("t=", 1)[1], "altcha": solve_for_tests(challenge)}
        assert FAILURE_TEXT in client.post(sto + "/r", data=form).text
    assert gate.submissions[-1].reason == "turnstile: missing-input-response"


def test_bridge_token_is_bound_to_its_session(world: FakeWorld, sto: str) -> None:
    gate_of(world, tier="turnstile", turnstile=TurnstileFake(accept_dummy=True))
    with session() as first, session() as second:
        page = first.get(sto + EPISODE).text
        stolen = fresh_token(first.get(sto + play_url(page)).text)
        other = second.get(sto + EPISODE).text
        form = {"_token": csrf(other), "t": stolen, "cf-turnstile-response": DUMMY_TOKEN}
        assert FAILURE_TEXT in second.post(sto + "/r", data=form).text
        form = {"_token": csrf(page), "t": stolen, "cf-turnstile-response": DUMMY_TOKEN}
        assert first.post(sto + "/r", data=form, follow_redirects=False).status_code == 302


def test_csrf_is_checked_against_the_session(world: FakeWorld, sto: str) -> None:
    gate_of(world, tier="turnstile")
    with session() as client:
        page = client.get(sto + EPISODE).text
        form = {"_token": "forged", "t": play_url(page).split("t=", 1)[1]}
        assert client.post(sto + "/r", data=form).status_code == 419
    with session() as cookieless:
        assert cookieless.post(sto + "/r", data={"_token": csrf(page), "t": "x"}).status_code == 419


def test_page_shaped_success(world: FakeWorld, sto: str) -> None:
    gate_of(world, tier="turnstile", success_shape="page", turnstile=TurnstileFake(accept_dummy=True))
    with session() as client:
        page = client.get(sto + EPISODE).text
        form = {"_token": csrf(page), "t": fresh_token(client.get(sto + play_url(page)).text),
                "cf-turnstile-response": DUMMY_TOKEN}
        answer = client.post(sto + "/r", data=form, follow_redirects=False)
    assert answer.status_code == 200 and "/voe/e/" in fresh_token(answer.text)


@pytest.mark.parametrize(("variant", "status"), [("gone", 410), ("ddos-guard", 403)])
def test_other_gated_get_answers(world: FakeWorld, sto: str, variant: str, status: int) -> None:
    gate_of(world, tier="turnstile", gated_get=variant)
    with session() as client:
        page = client.get(sto + EPISODE).text
        assert client.get(sto + play_url(page)).status_code == status


def test_escalation_after_a_burst_and_relaxation_after_the_cool_down(world: FakeWorld, sto: str) -> None:
    clock = FakeClock()
    gate = gate_of(world, escalate_after=3, window=600, cooldown=1800)
    gate.set_clock(clock)
    with session() as client, session("127.0.0.2") as neighbour:
        page = client.get(sto + EPISODE).text
        url = sto + play_url(page)
        for _ in range(3):
            clock.advance(60)
            assert client.get(url).status_code == 302
        assert "Stream wird vorbereitet" in client.get(url).text  # the 4th resolution meets the gate
        assert 'data-redirect-gate-tier="turnstile"' in client.get(sto + EPISODE).text
        assert neighbour.get(url).status_code == 302  # another IP is not affected
        assert 0 < gate.retry_after("127.0.0.1") <= 1800
        clock.advance(1799)
        assert client.get(url).status_code == 200
        clock.advance(2)
        assert client.get(url).status_code == 302  # relaxed to the base tier
        assert "episode-redirect-gate-root" not in client.get(sto + EPISODE).text


def test_resolutions_spread_over_the_window_do_not_escalate(world: FakeWorld, sto: str) -> None:
    clock = FakeClock()
    gate = gate_of(world, escalate_after=3, window=600, cooldown=1800)
    gate.set_clock(clock)
    with session() as client:
        url = sto + play_url(client.get(sto + EPISODE).text)
        for _ in range(6):
            clock.advance(301)
            assert client.get(url).status_code == 302


def test_per_visitor_tier(world: FakeWorld, sto: str) -> None:
    gate_of(world, tier_for={"127.0.0.3": "turnstile_altcha"})
    with session("127.0.0.3") as flagged, session() as plain:
        assert 'data-redirect-gate-tier="turnstile_altcha"' in flagged.get(sto + EPISODE).text
        assert "episode-redirect-gate-root" not in plain.get(sto + EPISODE).text


def test_login_lowers_the_tier_when_switched_on(world: FakeWorld, sto: str) -> None:
    gate_of(world, tier="turnstile_altcha", accounts={"me@example.org": "secret"}, logged_in_tier="turnstile")
    with session() as client:
        assert 'data-redirect-gate-tier="turnstile_altcha"' in client.get(sto + EPISODE).text
        token = csrf(client.get(sto + "/login").text)
        wrong = client.post(sto + "/login", data={"_token": token, "email": "me@example.org", "password": "nope"})
        assert wrong.status_code == 302 and wrong.headers["location"] == "/login"
        right = client.post(sto + "/login", data={"_token": token, "email": "me@example.org", "password": "secret"})
        assert right.status_code == 302 and right.headers["location"] == "/account"
        assert 'data-auth="1"' in client.get(sto + "/account").text
        assert 'data-redirect-gate-tier="turnstile"' in client.get(sto + EPISODE).text
