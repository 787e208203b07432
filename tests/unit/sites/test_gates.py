"""The gate classifier over every gate page the fakes serve, and over normal pages it must leave alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anibridge.adapters.sites.gates import classify, read_bridge, redirect_gate, retry_after
from anibridge.ports.errors import ChallengeRequired, GateKind, SiteGated
from anibridge_fakes import aniworld, sto
from anibridge_fakes.catalogue import load_catalogue
from anibridge_fakes.dns import NOTICE_PAGE
from anibridge_fakes.gates import cloudflare_page, ddos_guard_page
from anibridge_fakes.hosters.common import challenge_page as hoster_challenge
from anibridge_fakes.http import Request, Response
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.sto import StoApp
from anibridge_fakes.sto_pages import make_token

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
STO = "http://serienstream.to"
EPISODE = f"{STO}/serie/breaking-bad/staffel-1/episode-1"


def request(path: str, *, method: str = "GET", query: dict[str, str] | None = None, body: bytes = b"",
            headers: dict[str, str] | None = None, client: str = "127.0.0.1") -> Request:
    return Request(method, path, query or {}, {k.lower(): v for k, v in (headers or {}).items()}, body,
                   STO, client=client)


def text(response: Response) -> str:
    assert isinstance(response.body, bytes)
    return response.body.decode()


def run(response: Response, url: str) -> SiteGated | None:
    headers = dict(response.headers)
    headers["content-type"] = response.content_type
    gate = classify(response.status, headers, text(response), url, now=NOW)
    return gate.error() if gate is not None and gate.blocking else None


def sto_app() -> StoApp:
    return StoApp(load_catalogue(), lambda provider, video, kind: f"https://voe.invalid/e/{video}")


def test_ddos_guard_page() -> None:
    response = ddos_guard_page("aniworld.to")
    assert response.status == 403 and response.headers["Server"] == "ddos-guard"
    assert 850 <= len(text(response).encode()) <= 950
    assert {c.split("=")[0] for c in response.cookies} == {"__ddg8_", "__ddg9_", "__ddg10_"}
    error = run(response, "http://aniworld.to/animes")
    assert error is not None and error.kind is GateKind.DDOS_GUARD and error.site == "aniworld.to"
    assert error.retry_at == NOW + timedelta(seconds=300)
    assert str(error).startswith("aniworld.to: DDoS-Guard browser check") and "retry at" in str(error)


def test_cloudflare_page_by_header_and_by_body() -> None:
    response = cloudflare_page("megakino.to")
    assert response.headers["cf-mitigated"] == "challenge"
    error = run(response, "http://megakino.to/films/")
    assert error is not None and error.kind is GateKind.CLOUDFLARE
    bare = Response.html(text(response), status=403)  # same body, headers stripped by a proxy
    error = run(bare, "http://megakino.to/films/")
    assert error is not None and error.kind is GateKind.CLOUDFLARE


def test_cuii_notice_page_and_host() -> None:
    error = run(Response.html(NOTICE_PAGE), "http://serienstream.to/serien")
    assert error is not None and error.kind is GateKind.DNS_BLOCK and error.retry_at is None
    assert "DNS" in str(error) and "retry at" not in str(error)
    error = run(Response.html("<html>tls error</html>", status=200), "https://notice.cuii.info/")
    assert error is not None and error.kind is GateKind.DNS_BLOCK


def test_rate_limit_honours_retry_after() -> None:
    response = Response(429, b"Too Many Requests", headers={"Retry-After": "120"}, content_type="text/plain")
    error = run(response, f"{STO}/serien")
    assert error is not None and error.kind is GateKind.RATE_LIMIT and error.retry_at == NOW + timedelta(seconds=120)
    dated = {"retry-after": "Sun, 20 Sep 2026 13:30:00 GMT"}
    assert retry_after(dated, NOW) == datetime(2026, 9, 20, 13, 30, tzinfo=UTC)
    assert retry_after({"Retry-After": "soon"}, NOW) is None


def test_bridge_page_of_a_gated_redirect() -> None:
    gate = RedirectGate(tier="turnstile")
    response = gate.get_r(request("/r", query={"t": "x"}), 1, "https://voe.invalid/e/abc")
    body = text(response)
    assert response.status == 200 and 850 <= len(body.encode()) <= 950
    assert "<title>Stream wird vorbereitet...</title>" in body and 'type: "frameBridge"' in body
    kind, token = read_bridge(body, f"{STO}/r?t=x") or ("", "")
    assert kind == "token" and token and not token.startswith("http")
    error = run(response, f"{STO}/r?t=x")
    assert error is not None and error.kind is GateKind.VERIFICATION
    assert str(error) == f"serienstream.to: verification required (stream wird vorbereitet), retry at " \
                         f"{error.retry_at.astimezone().strftime('%H:%M') if error.retry_at else ''}"


def test_other_answers_of_a_gated_redirect() -> None:
    gone = RedirectGate(tier="turnstile", gated_get="gone").get_r(request("/r"), 1, "https://voe.invalid/e/a")
    error = run(gone, f"{STO}/r?t=x")
    assert error is not None and error.kind is GateKind.VERIFICATION and "410" in error.detail
    ddg = RedirectGate(tier="turnstile", gated_get="ddos-guard").get_r(request("/r"), 1, "https://voe.invalid/e/a")
    error = run(ddg, f"{STO}/r?t=x")
    assert error is not None and error.kind is GateKind.DDOS_GUARD


def test_failed_submission_and_both_success_shapes() -> None:
    app = sto_app()
    app.gate = RedirectGate(tier="turnstile_altcha")
    page = app.gate.decorate_episode(request("/serie/x/staffel-1/episode-1"), "<html><head>"
                                     '<meta name="csrf-token" content="old"></head><body></body></html>')
    session_cookie = page.cookies[0].split(";")[0]
    csrf = text(page).split('name="_token" value="')[1].split('"')[0]
    token = make_token(next(iter(app.catalogue.offers_by_link)))
    form = f"_token={csrf}&t={token}&altcha=&cf-turnstile-response=".encode()
    failed = app.submit(request("/r", method="POST", body=form, headers={"Cookie": session_cookie}))
    assert 900 <= len(text(failed).encode()) <= 970
    error = run(failed, f"{STO}/r")
    assert error is not None and error.kind is GateKind.VERIFICATION and "Das hat leider nicht geklappt" in str(error)
    assert app.gate.submissions[-1].reason == "turnstile: missing-input-response"

    app.gate = RedirectGate(tier="none", success_shape="page")
    page = app.gate.decorate_episode(request("/e"), "<html><body></body></html>")
    cookie = page.cookies[0].split(";")[0]
    sid_csrf = app.gate.session(request("/e", headers={"Cookie": cookie}))[1].csrf
    ok = app.submit(request("/r", method="POST", body=f"_token={sid_csrf}&t={token}".encode(), headers={"Cookie": cookie}))
    assert run(ok, f"{STO}/r") is None
    kind, hoster = read_bridge(text(ok), f"{STO}/r") or ("", "")
    assert kind == "hoster" and hoster.startswith("https://voe.invalid/e/")
    app.gate.success_shape = "redirect"
    ok = app.submit(request("/r", method="POST", body=f"_token={sid_csrf}&t={token}".encode(), headers={"Cookie": cookie}))
    assert ok.status == 302 and ok.headers["Location"].startswith("https://voe.invalid/e/")


def test_csrf_mismatch_is_laravels_419() -> None:
    app = sto_app()
    app.gate = RedirectGate(tier="turnstile")
    response = app.submit(request("/r", method="POST", body=b"_token=nope&t=x"))
    assert response.status == 419


@pytest.mark.parametrize("tier", ["turnstile", "turnstile_altcha"])
def test_episode_page_announces_the_tier_without_blocking(tier: str) -> None:
    gate = RedirectGate(tier=tier)
    page = gate.decorate_episode(request("/serie/x/staffel-1/episode-1"),
                                 '<html><head><meta name="csrf-token" content="old"></head><body></body></html>')
    body = text(page)
    assert 'id="episode-redirect-gate-root"' in body and 'id="player-prepare-form"' in body
    assert 'name="_token"' in body and 'id="player-prepare-token"' in body and 'name="altcha"' in body
    assert {c.split("=")[0] for c in page.cookies} == {"laravel_session", "XSRF-TOKEN"}
    found = classify(200, {}, body, EPISODE, now=NOW)
    assert found is not None and not found.blocking and found.detail == tier
    announced = redirect_gate(body, EPISODE)
    assert announced is not None and announced.tier == tier
    assert announced.altcha_url == f"{STO}/api/inline/verify-init"


def test_legacy_fake_challenge_pages_stay_challenges() -> None:
    for response, url in [
        (Response.html(sto.TURNSTILE_PAGE), f"{STO}/r?t=x"),
        (Response.html(sto.CLOUDFLARE_PAGE, status=403), f"{STO}/serien"),
        (Response.html(aniworld.DDOS_GUARD_PAGE, status=403), "http://aniworld.to/animes"),
        (Response.html(aniworld.CAPTCHA_PAGE), "http://aniworld.to/redirect/1"),
        (hoster_challenge(), "http://voe.sx/e/abc"),
    ]:
        error = run(response, url)
        assert isinstance(error, ChallengeRequired), url


def test_normal_pages_are_not_gates() -> None:
    app = sto_app()
    slug = "breaking-bad"
    for path in (f"/serie/{slug}", f"/serie/{slug}/staffel-1", f"/serie/{slug}/staffel-1/episode-1", "/serien"):
        params = {"slug": slug, "season": "1", "episode": "1"}
        req = request(path)
        req.params = params
        handler = {f"/serie/{slug}": app.series, f"/serie/{slug}/staffel-1": app.season,
                   f"/serie/{slug}/staffel-1/episode-1": app.episode, "/serien": app.index}[path]
        response = handler(req)
        assert classify(response.status, {"Server": "ddos-guard"}, text(response), STO + path, now=NOW) is None, path
    assert classify(404, {"Server": "ddos-guard"}, "<h1>Not Found</h1>", f"{STO}/serie/x", now=NOW) is None
    assert classify(200, {}, "<script>var t = 1;</script>", f"{STO}/serie/x", now=NOW) is None
    assert classify(200, {"Content-Security-Policy": "script-src challenges.cloudflare.com"}, "<p>cloudflare</p>",
                    f"{STO}/", now=NOW) is None


def test_meta_refresh_to_the_hoster_is_a_success() -> None:
    body = """<html><head><meta http-equiv="refresh" content="0;url='https://voe.sx/e/abc'"></head></html>"""
    assert read_bridge(body, f"{STO}/r") == ("hoster", "https://voe.sx/e/abc")
    home = """<html><head><meta http-equiv="refresh" content="0; url=/"></head></html>"""
    assert read_bridge(home, f"{STO}/r") is None  # back to the site itself is no success


@pytest.mark.parametrize("body", [b"\xff\xfe\x00garbage", b"", "<html>" * 10000, "var t = ", 'var err = "unterminated'])
def test_garbage_never_crashes_the_classifier(body: str | bytes) -> None:
    classify(200, {}, body, f"{STO}/r?t=x", now=NOW)
    classify(403, {"Server": "ddos-guard"}, body, f"{STO}/serien", now=NOW)
    read_bridge(body if isinstance(body, str) else body.decode("utf-8", "replace"), f"{STO}/r")
