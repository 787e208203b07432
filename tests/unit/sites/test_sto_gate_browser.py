"""The browser half of SerienStream's gate pass, with a stand-in browser: what it is handed (our cookies, our
User-Agent, the episode page and link), what comes back into our cookie jar, and how every failure of it becomes
the same typed SiteGated with a retry time. The real Chromium runs in the integration tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from urllib.parse import parse_qs

import httpx
import pytest

from anibridge.adapters.sites.browser_gate import (
    GateForm,
    GateJob,
    GateRefused,
    cookies_for_browser,
    cookies_from_browser,
)
from anibridge.adapters.sites.chromium import BrowserUnavailable
from anibridge.adapters.sites.http import SiteHttp
from anibridge.adapters.sites.sto_gate import GateContext, StoGatePass
from anibridge.domain.catalog.identity import Language
from anibridge.ports.catalog import HosterLink
from anibridge.ports.errors import GateKind, SiteGated

pytestmark = pytest.mark.anyio
EPISODE = "https://serienstream.to/serie/x/staffel-1/episode-1"
LINK = HosterLink("VOE", Language.GERMAN_DUB, "https://serienstream.to/r?t=abc")
HOSTER = "https://voe.example/e/xyz"
NOW = datetime(2026, 9, 20, 14, 0, tzinfo=UTC)
TURNSTILE = GateContext(EPISODE, "turnstile", "csrf-1", None)


@dataclass
class StandInBrowser:
    """Answers `fill` with a prepared form (and a renewed session cookie), or raises the prepared failure."""

    failure: Exception | None = None
    time_limit: float = 30.0
    jobs: list[GateJob] = field(default_factory=list)

    async def fill(self, job: GateJob) -> GateForm:
        self.jobs.append(job)
        if self.failure is not None:
            raise self.failure
        renewed = {"name": "laravel_session", "value": "renewed", "domain": "serienstream.to", "path": "/",
                   "expires": -1, "session": True, "httpOnly": True, "secure": True}
        fields = {"_token": "csrf-1", "t": "fresh-from-browser", "altcha": "", "cf-turnstile-response": "ts-token"}
        return GateForm(fields, [renewed], took_ms=5)


@dataclass
class Site:
    """POST /r as the site answers it: the hoster redirect, or the refusal page."""

    refuse: bool = False
    posts: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == "/r", request.url
        self.posts.append(request)
        if self.refuse:
            return httpx.Response(200, text='<script>var t = "";\nvar err = "Das hat leider nicht geklappt.";</script>')
        return httpx.Response(302, headers={"Location": HOSTER})


def client(site: Site) -> httpx.AsyncClient:
    made = httpx.AsyncClient(transport=httpx.MockTransport(site))
    made.cookies.set("laravel_session", "ours", domain="serienstream.to")
    made.cookies.set("__ddg1_", "mark", domain=".serienstream.to")
    return made


def gate_pass(http: SiteHttp, browser: StandInBrowser | None, hint: str = "") -> StoGatePass:
    gate = StoGatePass(http, retry_seconds=600, now=lambda: NOW, browser=browser, hint=hint)
    gate.remember([LINK], TURNSTILE)
    return gate


async def test_the_browser_gets_our_session_and_its_form_is_posted_by_our_client() -> None:
    site, browser = Site(), StandInBrowser()
    async with client(site) as http_client:
        http = SiteHttp(http_client, "s.to", timeout=1)
        assert await gate_pass(http, browser)(LINK, LINK.url, "fresh") == HOSTER
        [job] = browser.jobs
        assert (job.episode_url, job.play_url, job.tier) == (EPISODE, LINK.url, "turnstile")
        assert job.user_agent == http.user_agent and "Mozilla/5.0" in job.user_agent
        assert {c["name"]: c["value"] for c in job.cookies} == {"laravel_session": "ours", "__ddg1_": "mark"}
        [post] = site.posts
        form = {k: v[0] for k, v in parse_qs(post.content.decode(), keep_blank_values=True).items()}
        assert form == {"_token": "csrf-1", "t": "fresh-from-browser", "altcha": "", "cf-turnstile-response": "ts-token"}
        assert "laravel_session=renewed" in post.headers["cookie"]  # the browser's renewed cookie came back
        assert post.headers["user-agent"] == job.user_agent
        assert post.headers["referer"] == EPISODE and post.headers["origin"] == "https://serienstream.to"


@pytest.mark.parametrize(("failure", "said"), [
    (GateRefused("no Turnstile token after 30 s"), "turnstile; the browser was refused too: no Turnstile token"),
    (BrowserUnavailable("not installed: chromium (/nowhere)"), "turnstile; browser unavailable: not installed"),
    (TimeoutError(), "turnstile; the browser took longer than 30 s"),
])
async def test_a_browser_that_cannot_pass_is_the_same_typed_gate(failure: Exception, said: str) -> None:
    site = Site()
    async with client(site) as http_client:
        with pytest.raises(SiteGated) as info:
            await gate_pass(SiteHttp(http_client, "s.to", timeout=1), StandInBrowser(failure))(LINK, LINK.url, "t")
    assert info.value.kind is GateKind.VERIFICATION and info.value.detail.startswith(said)
    assert info.value.retry_at == NOW + timedelta(seconds=600) and site.posts == []


async def test_a_refused_browser_form_is_the_same_typed_gate() -> None:
    site = Site(refuse=True)
    async with client(site) as http_client:
        with pytest.raises(SiteGated) as info:
            await gate_pass(SiteHttp(http_client, "s.to", timeout=1), StandInBrowser())(LINK, LINK.url, "t")
    assert info.value.detail == "turnstile; refused even with the browser's Turnstile token"
    assert len(site.posts) == 1


async def test_without_a_browser_the_reason_says_what_would_pass_it() -> None:
    site = Site()
    async with client(site) as http_client:
        with pytest.raises(SiteGated) as info:
            gate = gate_pass(SiteHttp(http_client, "s.to", timeout=1), None, hint="BROWSER_GATE=chromium would pass it")
            await gate(LINK, LINK.url, "t")
    assert str(info.value).startswith(
        "serienstream.to: verification required (turnstile; BROWSER_GATE=chromium would pass it), retry at ")
    assert site.posts == []


def test_cookies_cross_between_jar_and_browser_unchanged() -> None:
    jar = httpx.Cookies()
    jar.set("laravel_session", "s1", domain="serienstream.to")
    jar.set("__ddg2_", "d2", domain=".serienstream.to", path="/")
    jar.set("elsewhere", "x", domain="voe.example")
    handed = cookies_for_browser(jar.jar, EPISODE)
    assert sorted(c["name"] for c in handed) == ["__ddg2_", "laravel_session"]
    host_only = next(c for c in handed if c["name"] == "laravel_session")
    assert host_only["url"] == "https://serienstream.to/" and "domain" not in host_only
    assert next(c for c in handed if c["name"] == "__ddg2_")["domain"] == ".serienstream.to"

    back = CookieJar()
    browser_view = [{**c, "domain": c.get("domain") or "serienstream.to", "session": True} for c in handed]
    assert cookies_from_browser(back, browser_view) == 2
    assert {(c.name, c.value, c.domain) for c in back} == {("laravel_session", "s1", "serienstream.to"),
                                                           ("__ddg2_", "d2", ".serienstream.to")}


async def test_the_browser_reaches_the_site_the_way_our_client_does() -> None:
    from anibridge.adapters.sites.browser_gate import ChromiumGate
    from anibridge.adapters.sites.chromium import ChromiumPaths

    async def pinned(host: str) -> str | None:
        return {"serienstream.to": "186.2.175.5"}.get(host)

    job = GateJob(EPISODE, LINK.url, "turnstile", "UA/1.0")
    direct = await ChromiumGate(ChromiumPaths(), resolve=pinned)._launch_arguments(job)
    assert "--user-agent=UA/1.0" in direct and "--host-resolver-rules=MAP serienstream.to 186.2.175.5" in direct
    assert not any(a.startswith(("--proxy-server", "--unsafely")) for a in direct)

    proxied = await ChromiumGate(ChromiumPaths(), proxies={"serienstream.to": "socks5://10.0.0.2:1080"},
                                 resolve=pinned)._launch_arguments(job)
    assert "--proxy-server=socks5://10.0.0.2:1080" in proxied  # the proxy resolves the name, as for our client
    assert not any(a.startswith("--host-resolver-rules") for a in proxied)

    with pytest.raises(BrowserUnavailable, match="needs a login"):
        await ChromiumGate(ChromiumPaths(), proxies={"*": "http://user:pw@10.0.0.2:3128"})._launch_arguments(job)

    local = GateJob("http://127.0.0.1:8081/serie/x/staffel-1/episode-1", LINK.url, "turnstile", "UA/1.0")
    assert "--unsafely-treat-insecure-origin-as-secure=http://127.0.0.1:8081" in \
        await ChromiumGate(ChromiumPaths())._launch_arguments(local)
