"""STRM URL signing (HMAC-SHA256 over the key-sorted query) and its verification failures."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, quote_plus, urlsplit

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.strm.urls import (
    AuthMode,
    SignatureError,
    authenticate,
    canonical,
    child_headers,
    form_encode,
    proxy_url,
    sign,
    stream_identity,
    stream_url,
    verify,
)

REF = EpisodeRef(Site.STO, "9-1-1", 1, 3, Language.GERMAN_DUB)
BASE = "http://media.local:8000/"


def q(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_reference_signature_vector() -> None:
    params = {"site": "s.to", "slug": "9-1-1", "s": "1", "e": "3", "lang": "German Dub"}
    assert canonical(params) == "e=3&lang=German+Dub&s=1&site=s.to&slug=9-1-1"
    assert sign(params, "secret") == "3b42a72ec8394e13f306005e8dafbc171f1462b8de83552d973e6adaf65709bb"


def test_stream_url_token_layout_and_roundtrip() -> None:
    url = stream_url(BASE, REF, "VOE", AuthMode.TOKEN, "secret", now=1000)
    assert url.startswith("http://media.local:8000/strm/stream?e=3&lang=German+Dub&provider=VOE&s=1&sig=")
    params = q(url)
    assert "exp" not in params
    verify(params, "secret", now=10**12)  # never expires
    assert stream_identity(params) == (REF, "VOE")


def test_stream_url_modes() -> None:
    assert stream_url(BASE, REF, None, AuthMode.NONE, "") == (
        "http://media.local:8000/strm/stream?e=3&lang=German+Dub&s=1&site=s.to&slug=9-1-1"
    )
    url = stream_url(BASE, REF, None, AuthMode.APIKEY, "k y")
    assert url.endswith("/strm/stream?apikey=k+y&e=3&lang=German+Dub&s=1&site=s.to&slug=9-1-1")
    authenticate(q(url), AuthMode.APIKEY, "k y", 0)
    with pytest.raises(SignatureError, match="invalid apikey"):
        authenticate(q(url), AuthMode.APIKEY, "other", 0)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: p.pop("sig"), "missing signature"),
        (lambda p: p.__setitem__("e", "4"), "invalid signature"),
        (lambda p: p.__setitem__("extra", "1"), "invalid signature"),
        (lambda p: p.__setitem__("sig", "0" * 64), "invalid signature"),
        (lambda p: p.__setitem__("sig", "zz\u00e4"), "invalid signature"),
        (lambda p: p.__setitem__("exp", "soon"), "invalid token expiry"),
    ],
)
def test_tampering_is_refused(mutate, reason: str) -> None:  # type: ignore[no-untyped-def]
    params = q(stream_url(BASE, REF, "VOE", AuthMode.TOKEN, "secret"))
    mutate(params)
    with pytest.raises(SignatureError, match=reason):
        authenticate(params, AuthMode.TOKEN, "secret", 0)


def test_proxy_url_expiry_and_name() -> None:
    up = "https://cdn.example/hls/seg-001.ts?token=a&b=c d"
    url = proxy_url(BASE, up, AuthMode.TOKEN, "secret", now=1000, ttl=86400)
    parts = urlsplit(url)
    assert parts.path == "/strm/proxy/seg-001.ts"
    params = q(url)
    assert params["u"] == up and params["exp"] == str(1000 + 86400)
    verify(params, "secret", now=1000 + 86400)
    with pytest.raises(SignatureError, match="token expired"):
        verify(params, "secret", now=1000 + 86401)
    assert urlsplit(proxy_url(BASE, "https://x.example/dir/", AuthMode.NONE, "", 0)).path == "/strm/proxy/resource.bin"
    assert proxy_url(BASE, url, AuthMode.TOKEN, "secret", 5) == url


def test_misconfigured_secret() -> None:
    with pytest.raises(SignatureError, match="misconfigured"):
        authenticate({}, AuthMode.TOKEN, "", 0)
    authenticate({}, AuthMode.NONE, "", 0)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"lang": "German Dub", "s": "1", "e": "1"}, "missing slug"),
        ({"slug": "x", "s": "1", "e": "1"}, "missing lang"),
        ({"slug": "x", "lang": "German Dub", "s": "1"}, "missing season/episode"),
        ({"slug": "x", "lang": "German Dub", "s": "1", "e": "x"}, "invalid season/episode"),
        ({"slug": "x", "lang": "German Dub", "s": "1", "e": "1", "site": "evil"}, "invalid site"),
        ({"slug": "x", "lang": "Klingon", "s": "1", "e": "1"}, "invalid lang"),
    ],
)
def test_identity_errors(params: dict[str, str], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        stream_identity(params)


def test_identity_aliases_and_default_site() -> None:
    ref, prov = stream_identity({"slug": "x", "language": "German Sub", "season": "0", "episode": "4"})
    assert ref == EpisodeRef(Site.ANIWORLD, "x", 0, 4, Language.GERMAN_SUB) and prov is None


@pytest.mark.parametrize("mode", ["none", "token", "apikey"])
def test_child_signer_matches_generic_signing(mode: str) -> None:
    up = "https://cdn.example/a b/seg-1.ts?x=1&y=ä"
    url = proxy_url(BASE, up, AuthMode(mode), "se cret", now=50, ttl=100)
    params = q(url)
    assert params["u"] == up
    expected = {"u": up}
    if mode == "token":
        expected["exp"] = "150"
        expected["sig"] = sign({"u": up}, "se cret", expires=150)
    if mode == "apikey":
        expected["apikey"] = "se cret"
    assert params == expected
    assert urlsplit(url).query == canonical(expected)
    authenticate(params, AuthMode(mode), "se cret", 150)


def test_form_encode_equals_quote_plus() -> None:
    rng = random.Random(3)
    samples = ["", " ", "a+b", "100%", "ä/ö:ü", "~_.-", "\x00\x7f", "https://x.example/a b?c=d&e=f#g"]
    samples += ["".join(chr(rng.randint(0, 300)) for _ in range(rng.randint(0, 30))) for _ in range(500)]
    for text in samples:
        assert form_encode(text) == quote_plus(text, safe=""), text


def test_child_urls_carry_signed_hoster_headers() -> None:
    headers = {"Referer": "https://voe.example/e/abc", "User-Agent": "Mozilla/5.0 x", "Cookie": "no"}
    url = proxy_url(BASE, "https://cdn.example/seg.ts", AuthMode.TOKEN, "k", now=0, ttl=10, headers=headers)
    params = q(url)
    assert child_headers(params) == {"Referer": "https://voe.example/e/abc", "User-Agent": "Mozilla/5.0 x"}
    verify(params, "k", now=5)
    params["ref"] = "https://evil.example/"
    with pytest.raises(SignatureError, match="invalid signature"):
        verify(params, "k", now=5)
