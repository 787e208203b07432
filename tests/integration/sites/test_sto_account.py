"""The optional SerienStream account against the fake: a login lowers the gate tier for the session, a wrong
password is said plainly and the adapter goes on anonymously, an ended session is noticed and logged in again."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from anibridge.adapters.sites.options import AccountLogin
from anibridge.adapters.sites.sto import StoCatalog
from anibridge.adapters.sites.sto_account import StoAccount
from anibridge.domain.catalog.identity import Language
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import SiteGated
from anibridge_fakes.http import FakeServer
from anibridge_fakes.messages import Request, Response
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.sto import StoApp
from tests.fakes import FakeClock
from tests.integration.sites.conftest import site_options

pytestmark = pytest.mark.anyio
EMAIL, PASSWORD = "me@example.org", "correct horse battery staple"


@pytest.fixture
def app(sto_app: StoApp) -> StoApp:
    # Anonymous visitors meet Turnstile (no code passes it); the account's session gets no gate at all, as the one
    # report saw on a phone.
    sto_app.gate = RedirectGate(tier="turnstile", accounts={EMAIL: PASSWORD}, logged_in_tier="none")
    return sto_app


def adapter(client: httpx.AsyncClient, base: str, password: str | None = PASSWORD) -> StoCatalog:
    account = AccountLogin(EMAIL, password) if password is not None else None
    return StoCatalog(client, site_options(base, account=account))


def clocked(client: httpx.AsyncClient, base: str, clock: FakeClock, **timings: float) -> StoCatalog:
    """The adapter with its account on `clock`, so minutes pass without waiting for them."""
    catalog = adapter(client, base)
    catalog.account = StoAccount(catalog.http, AccountLogin(EMAIL, PASSWORD), base, monotonic=clock.monotonic,
                                 **timings)
    return catalog


async def gated_pages_minutes_apart(catalog: StoCatalog, clock: FakeClock) -> None:
    for episode in (1, 3, 4):
        clock.advance(120)
        await voe_link(catalog, episode)


async def voe_link(catalog: StoCatalog, episode: int = 1) -> HosterLink:
    detail = await catalog.episode("breaking-bad", 1, episode)
    return next(h for h in detail.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB)


async def test_logged_in_the_link_resolves_where_anonymous_meets_the_gate(sto_fake: FakeServer, app: StoApp) -> None:
    async with httpx.AsyncClient() as anonymous:
        plain = adapter(anonymous, sto_fake.base_url, password=None)
        with pytest.raises(SiteGated, match=r"verification required \(turnstile\)"):
            await plain.embed_url(await voe_link(plain))
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        link = await voe_link(catalog)
        assert (await catalog.embed_url(link)).startswith("https://voe.invalid/e/")
        assert (await catalog.embed_url(await voe_link(catalog, 3))).startswith("https://voe.invalid/e/")
    assert app.gate.logins == [(EMAIL, True)]  # once per origin, the session kept in the client's cookie jar
    assert catalog.account is not None and catalog.account.status() == f"logged in as {EMAIL}"


async def test_a_wrong_password_is_said_plainly_and_the_adapter_goes_on_anonymously(
        sto_fake: FakeServer, app: StoApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url, password="hunter2-wrong")
        for episode in (1, 3, 4):  # the pages still load, anonymously
            link = await voe_link(catalog, episode)
        with pytest.raises(SiteGated, match=r"verification required \(turnstile\)"):
            await catalog.embed_url(link)
    assert app.gate.logins == [(EMAIL, False)]  # not asked again: it cannot get better, and it may lock the account
    assert catalog.account is not None
    message = catalog.account.status()
    assert "login as me@example.org refused: wrong e-mail or password (STO_EMAIL, STO_PASSWORD)" in message
    assert "going on without an account" in message
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("refused: wrong e-mail or password" in w for w in warnings), warnings
    everything = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "hunter2" not in everything and "hunter2" not in repr(catalog.account.__dict__)


async def test_an_ended_session_is_noticed_and_logged_in_again(sto_fake: FakeServer, app: StoApp) -> None:
    clock = FakeClock()
    async with httpx.AsyncClient() as client:
        catalog = clocked(client, sto_fake.base_url, clock)
        assert (await catalog.embed_url(await voe_link(catalog))).startswith("https://voe.invalid/e/")
        app.gate.expire_sessions()  # the site forgot the session: our cookie now starts an anonymous one
        clock.advance(120)
        link = await voe_link(catalog, 3)  # the page announced the gate: /account said "log in", so we did
        assert (await catalog.embed_url(link)).startswith("https://voe.invalid/e/")
    assert app.gate.logins == [(EMAIL, True), (EMAIL, True)]


async def test_a_live_session_is_not_logged_in_again(sto_fake: FakeServer, app: StoApp) -> None:
    app.gate.logged_in_tier = "turnstile"  # logged in, still gated: the session is checked, not replaced
    clock = FakeClock()
    async with httpx.AsyncClient() as client:
        await gated_pages_minutes_apart(clocked(client, sto_fake.base_url, clock), clock)
    assert app.gate.logins == [(EMAIL, True)]


async def test_a_login_page_that_fails_is_tried_again_later_and_nothing_breaks_meanwhile(
        sto_fake: FakeServer, app: StoApp, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    app.faults.status, app.faults.only_paths = 503, r"^/login"
    try:
        async with httpx.AsyncClient() as client:
            catalog = clocked(client, sto_fake.base_url, clock, retry_seconds=600)
            link = await voe_link(catalog)  # the page loads anonymously; the login's failure is only noted
            account = catalog.account
            assert "login as me@example.org failed" in account.status() and "trying again in 10 min" in account.status()
            with pytest.raises(SiteGated):
                await catalog.embed_url(link)
            await voe_link(catalog, 3)
            assert app.gate.logins == []  # the form never got through, and it is not hammered
            app.faults.reset()
            clock.advance(601)
            assert (await catalog.embed_url(await voe_link(catalog, 4))).startswith("https://voe.invalid/e/")
    finally:
        app.faults.reset()
    assert app.gate.logins == [(EMAIL, True)]
    failures = [r for r in caplog.records if "login as me@example.org failed" in r.getMessage()]
    assert len(failures) == 1  # three pages while the login page failed, one attempt



async def test_a_login_form_that_expired_meanwhile_is_fetched_again(sto_fake: FakeServer, app: StoApp) -> None:
    # Pages fetched at the same time as the login, on an ended session, each start a new anonymous session
    # (Set-Cookie): the cookie changes between GET /login and POST /login and the site answers 419. That is no
    # reason to give up for 10 minutes with every link gated meanwhile: a fresh form follows.
    served, forms = app.gate.login_page, []

    def login_page_then_another_session_starts(request: Request) -> Response:
        response = served(request)
        if not forms:
            app.gate.expire_sessions()  # the Set-Cookie of a page fetched meanwhile, in effect
        forms.append(request.path)
        return response

    app.gate.login_page = login_page_then_another_session_starts  # type: ignore[method-assign]
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        assert (await catalog.embed_url(await voe_link(catalog))).startswith("https://voe.invalid/e/")
    assert forms == ["/login", "/login"] and app.gate.logins == [(EMAIL, True)]
    assert catalog.account is not None and catalog.account.status() == f"logged in as {EMAIL}"


async def test_an_account_page_that_redirects_a_live_session_elsewhere_is_no_ended_session(
        sto_fake: FakeServer, app: StoApp) -> None:
    app.gate.logged_in_tier = "turnstile"  # logged in, still gated: every gated page after a minute asks /account
    shown = app.gate.account_page

    def account_moved(request: Request) -> Response:
        page = shown(request)
        return page if page.status != 200 else Response.redirect("/account/profile")

    app.gate.account_page = account_moved  # type: ignore[method-assign]
    clock = FakeClock()
    async with httpx.AsyncClient() as client:
        await gated_pages_minutes_apart(clocked(client, sto_fake.base_url, clock), clock)
    assert app.gate.logins == [(EMAIL, True)]  # not a login per gated page: the password is posted once


async def test_gated_pages_at_the_same_time_share_one_account_question(sto_fake: FakeServer, app: StoApp) -> None:
    app.gate.logged_in_tier = "turnstile"  # logged in, still gated: a gated page after a minute asks /account
    clock = FakeClock()
    async with httpx.AsyncClient() as client:
        catalog = adapter(client, sto_fake.base_url)
        account = StoAccount(catalog.http, AccountLogin(EMAIL, PASSWORD), sto_fake.base_url, monotonic=clock.monotonic)
        assert await account.ensure()
        clock.advance(120)
        before = app.hits.count("/account")
        page = sto_fake.base_url + "/serie/breaking-bad/staffel-1/episode-1"
        assert await asyncio.gather(*(account.settle(page, gated=True) for _ in range(3))) == [False] * 3
    assert app.hits.count("/account") - before == 1 and app.gate.logins == [(EMAIL, True)]


def test_the_account_works_in_one_event_loop_after_another(sto_fake: FakeServer, app: StoApp) -> None:
    # Two logins at once make the second wait on the lock, which ties a lock to the loop it waited in; the
    # account outlives that loop (the next test's, or the service's after a restart in the same process).
    accounts: list[StoAccount] = []

    async def two_logins_at_once() -> list[bool]:
        async with httpx.AsyncClient() as client:  # a client's connections belong to one loop; the account does not
            http = adapter(client, sto_fake.base_url).http
            if not accounts:
                accounts.append(StoAccount(http, AccountLogin(EMAIL, PASSWORD), sto_fake.base_url))
            account = accounts[0]
            account._http = http
            account._state(sto_fake.base_url).logged_in = False  # as after a session the site ended
            return await asyncio.gather(account.log_in(), account.log_in())

    assert asyncio.run(two_logins_at_once()) == [True, True]
    assert asyncio.run(two_logins_at_once()) == [True, True]
    assert app.gate.logins == [(EMAIL, True), (EMAIL, True)]
