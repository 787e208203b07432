"""Mirror failover for catalogue sites: order, the remembered winner, the primary's periodic retry, Host on IPs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from anibridge.adapters.sites.http import SiteHttp
from anibridge.adapters.sites.origins import SiteOrigins, modernise, state_path
from anibridge.ports.errors import GateKind, NotFound, SiteGated, SiteUnavailable

pytestmark = pytest.mark.anyio

DDG_PAGE = "<html><head><title>DDoS-Guard</title></head><body>DDoS-Guard checking your browser</body></html>"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_legacy_s_to_is_rewritten_to_serienstream_to() -> None:
    assert modernise("https://s.to/") == "https://serienstream.to"
    assert modernise("http://s.to:8080") == "http://serienstream.to:8080"
    assert modernise("https://aniworld.to") == "https://aniworld.to"
    origins = SiteOrigins("s.to", "https://s.to", ["https://serienstream.to", "https://serienstream.cx"])
    assert origins.origins == ("https://serienstream.to", "https://serienstream.cx")  # duplicates folded


def test_winner_is_remembered_across_restarts_and_primary_retried(tmp_path: Path) -> None:
    clock = Clock()
    file = state_path(tmp_path, "s.to")
    origins = SiteOrigins("s.to", "https://serienstream.to", ["https://serienstream.cx", "http://186.2.175.5"],
                          state_file=file, primary_retry_seconds=600, clock=clock)
    assert origins.candidates()[0] == "https://serienstream.to"
    origins.succeeded("http://186.2.175.5")
    again = SiteOrigins("s.to", "https://serienstream.to", ["https://serienstream.cx", "http://186.2.175.5"],
                        state_file=file, primary_retry_seconds=600, clock=clock)
    assert again.active == "http://186.2.175.5"
    assert again.candidates() == ["http://186.2.175.5", "https://serienstream.to", "https://serienstream.cx"]
    clock.t += 601
    assert again.candidates()[0] == "https://serienstream.to"  # the primary gets its periodic chance
    again.failed("https://serienstream.to", "still blocked")
    assert again.candidates()[0] == "http://186.2.175.5"  # ...once per interval, not on every request
    clock.t += 601
    assert again.candidates()[0] == "https://serienstream.to"
    assert again.host_header("http://186.2.175.5") == "serienstream.to"
    assert again.host_header("https://serienstream.cx") is None


def test_a_changed_mirror_list_ignores_a_remembered_origin_no_longer_listed(tmp_path: Path) -> None:
    file = state_path(tmp_path, "s.to")
    assert file is not None
    file.write_text('{"active": "https://gone.example", "since": 1}')
    origins = SiteOrigins("s.to", "https://serienstream.to", ["https://serienstream.cx"], state_file=file)
    assert origins.active == "https://serienstream.to"
    file.write_text("not json")
    assert SiteOrigins("s.to", "https://serienstream.to", state_file=file).active == "https://serienstream.to"


def _site(handler: httpx.MockTransport, mirrors: list[str]) -> tuple[SiteHttp, SiteOrigins, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=handler)
    origins = SiteOrigins("s.to", mirrors[0], mirrors[1:])
    return SiteHttp(client, "s.to", timeout=1.0, retries=1, backoff=0, origins=origins), origins, client


async def test_dns_failure_moves_to_the_next_origin_and_ip_gets_the_host_header() -> None:
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers["host"]))
        if request.url.host in ("serienstream.to", "serienstream.cx"):
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)
        return httpx.Response(200, text="<html>series</html>")

    http, origins, client = _site(httpx.MockTransport(answer),
                                  ["https://serienstream.to", "https://serienstream.cx", "http://186.2.175.5"])
    async with client:
        response = await http.get("https://serienstream.to/serien?by=alpha")
        assert response.text == "<html>series</html>"
        assert seen[-1] == ("http://186.2.175.5/serien?by=alpha", "serienstream.to")
        assert origins.active == "http://186.2.175.5"
        seen.clear()
        await http.get("https://serienstream.to/serie/x")  # the winner is asked first from now on
        assert [u for u, _ in seen] == ["http://186.2.175.5/serie/x"]


async def test_a_front_gate_fails_over_but_not_found_and_the_redirect_gate_do_not() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "serienstream.to":
            return httpx.Response(403, headers={"server": "ddos-guard"}, text=DDG_PAGE)
        if request.url.path == "/missing":
            return httpx.Response(404, text="nope")
        return httpx.Response(200, text="ok")

    http, origins, client = _site(httpx.MockTransport(answer), ["https://serienstream.to", "https://serienstream.cx"])
    async with client:
        assert (await http.get("https://serienstream.to/serien")).text == "ok"
        assert origins.active == "https://serienstream.cx"
        with pytest.raises(NotFound):
            await http.get("https://serienstream.to/missing")


async def test_every_origin_gated_raises_the_first_gate_naming_the_site() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "serienstream.to":
            return httpx.Response(403, headers={"server": "ddos-guard"}, text=DDG_PAGE)
        raise httpx.ConnectError("refused", request=request)

    http, _origins, client = _site(httpx.MockTransport(answer), ["https://serienstream.to", "https://serienstream.cx"])
    async with client:
        with pytest.raises(SiteGated) as caught:
            await http.get("https://serienstream.to/serien")
    assert caught.value.kind is GateKind.DDOS_GUARD and caught.value.site == "serienstream.to"


async def test_all_unreachable_is_site_unavailable() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http, _origins, client = _site(httpx.MockTransport(answer), ["https://serienstream.to", "https://serienstream.cx"])
    async with client:
        with pytest.raises(SiteUnavailable, match="serienstream.cx"):
            await http.get("https://serienstream.to/serien")
