"""The fake Turnstile's verifier keeps Cloudflare's rules: 300 s, single use, bound to session, IP and browser."""

from __future__ import annotations

import json

from anibridge_fakes.http import Request
from anibridge_fakes.turnstile import DUMMY_TOKEN, SITEKEY, WIDGET_WIDTH, TurnstileFake, token_digest
from tests.fakes import FakeClock

UA = "Mozilla/5.0 HeadlessChrome/131"


def issue(fake: TurnstileFake, session: str = "s1", client: str = "127.0.0.1") -> str:
    request = Request("GET", "/turnstile/v0/challenge", {"sitekey": SITEKEY}, {}, b"", "http://x", client=client)
    body = fake.challenge(request, session).body
    assert isinstance(body, bytes)
    c = str(json.loads(body)["c"])
    # What api.js computes in the page: the challenge, the laid-out widget width and the browser's User-Agent.
    return f"{c}.{token_digest(c, WIDGET_WIDTH, UA)}"


def test_a_browser_token_passes_once() -> None:
    fake = TurnstileFake()
    token = issue(fake)
    assert fake.verify(token, session="s1", client="127.0.0.1", user_agent=UA) == (True, "ok")
    assert fake.verify(token, session="s1", client="127.0.0.1", user_agent=UA) == (False, "timeout-or-duplicate")


def test_tokens_expire_after_300_seconds() -> None:
    clock = FakeClock()
    fake = TurnstileFake(clock=clock)
    token = issue(fake)
    clock.advance(301)
    assert fake.verify(token, session="s1", client="127.0.0.1", user_agent=UA) == (False, "timeout-or-duplicate")


def test_tokens_are_bound_to_session_ip_browser_and_layout() -> None:
    fake = TurnstileFake()
    assert fake.verify(issue(fake), session="s2", client="127.0.0.1", user_agent=UA)[0] is False
    assert fake.verify(issue(fake), session="s1", client="127.0.0.9", user_agent=UA)[0] is False
    assert fake.verify(issue(fake), session="s1", client="127.0.0.1", user_agent="python-httpx/0.28")[0] is False
    c = issue(fake).split(".")[0]
    unlaid = f"{c}.{token_digest(c, 0, UA)}"  # no layout engine: the widget measures 0 px
    assert fake.verify(unlaid, session="s1", client="127.0.0.1", user_agent=UA) == (False, "invalid-input-response")


def test_sitekey_and_dummy_token() -> None:
    fake = TurnstileFake()
    wrong = Request("GET", "/turnstile/v0/challenge", {"sitekey": "1x00000000000000000000AA"}, {}, b"", "http://x")
    assert fake.challenge(wrong, "s1").status == 400
    assert fake.verify(DUMMY_TOKEN, session="", client="", user_agent="")[0] is False
    assert TurnstileFake(accept_dummy=True).verify(DUMMY_TOKEN, session="", client="", user_agent="")[0] is True
    assert fake.verify("", session="s1", client="127.0.0.1", user_agent=UA) == (False, "missing-input-response")
