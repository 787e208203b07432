"""SSRF guard: every spelling of an internal address is refused unless allowlisted."""

from __future__ import annotations

import pytest

from anibridge.adapters.ssrf import SsrfGuard, system_resolve
from anibridge.ports.upstream import UpstreamRefused


async def fake_dns(host: str, port: int) -> list[str]:
    table = {
        "public.example": ["93.184.216.34"],
        "dual.example": ["93.184.216.34", "10.1.2.3"],  # one bad record is enough to refuse
        "v6.example": ["2606:2800:220:1:248:1893:25c8:1946"],
        "empty.example": [],
    }
    if host in table:
        return table[host]
    return await system_resolve(host, port)  # numeric spellings only: no network needed


REFUSED = [
    "http://127.0.0.1/x", "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://0x7f000001/", "http://2130706433/",
    "http://0177.0.0.1/", "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
    "http://0.0.0.0/", "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/", "http://[fe80::1]/",
    "http://[fc00::1]/", "http://[2002:7f00:1::]/", "http://localhost/", "http://LOCALHOST./",
    "http://a.localhost/", "https://dual.example/", "http://[::]/",
]


@pytest.mark.anyio
@pytest.mark.parametrize("url", REFUSED)
async def test_internal_addresses_refused(url: str) -> None:
    with pytest.raises(UpstreamRefused, match="not allowed"):
        await SsrfGuard(resolver=fake_dns).check(url)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("url", "reason"),
    [("ftp://public.example/x", "scheme"), ("file:///etc/passwd", "scheme"), ("gopher://x/", "scheme"),
     ("http:///path", "invalid upstream host"), ("http://empty.example/", "unresolvable"),
     ("http://public.example:99999/", "invalid upstream url"), ("http://does-not-exist.invalid/", "unresolvable")],
)
async def test_malformed_refused(url: str, reason: str) -> None:
    with pytest.raises(UpstreamRefused, match=reason):
        await SsrfGuard(resolver=fake_dns).check(url)


@pytest.mark.anyio
async def test_public_and_allowlisted_pass() -> None:
    guard = SsrfGuard(["127.0.0.1:8080", "LocalCDN", "[::1]"], resolver=fake_dns)
    await guard.check("https://public.example/video.mp4")
    await guard.check("http://v6.example/video.mp4")
    await guard.check("http://127.0.0.1:8080/x")
    await guard.check("http://localcdn/x")
    await guard.check("http://[::1]:9/x")
    with pytest.raises(UpstreamRefused):
        await guard.check("http://127.0.0.1:8081/x")  # port-specific entry
