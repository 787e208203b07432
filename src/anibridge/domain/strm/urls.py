"""Signed STRM proxy URLs (HMAC-SHA256 over the key-sorted, form-encoded query, as the reference signs them), pure
so the STRM job writer and the proxy share one definition.

API (stable; the download helper writes `.strm` files with `stream_url`):

- `AuthMode` (`none` | `token` | `apikey`), `SignatureError(reason)`.
- `canonical(params) -> str`: form-encoded (`quote_plus`, nothing safe), keys sorted ascending.
- `sign(params, secret, expires=None) -> str`: lower-case hex HMAC-SHA256 over `canonical(params [+ exp])`.
- `verify(params, secret, now) -> None`: token check of received query params; raises SignatureError with
  `missing signature` | `invalid token expiry` | `token expired` | `invalid signature` (constant-time compare).
- `authenticate(params, mode, secret, now) -> None`: the per-mode check the delivery layer calls
  (apikey mode: `invalid apikey`; any mode but none with an empty secret: `auth misconfigured`).
- `stream_url(base_url, ref, provider, auth_mode, secret, now=None, ttl=None) -> str`: the URL written into
  `.strm` files: `<base>/strm/stream?e=&lang=&[provider=&]s=&site=&slug=` + auth. It never expires unless a
  ttl is passed explicitly: the identity is signed, the proxy re-resolves expired hoster URLs behind it.
- `ChildSigner(base_url, auth_mode, secret, now, ttl)(upstream)`: the same, set up once per playlist.
- `proxy_url(base_url, upstream, auth_mode, secret, now, ttl) -> str`: a child URL for rewritten playlists
  `<base>/strm/proxy/<name>?exp=&sig=&u=`; `ttl` must cover a whole VOD playback (default 86400 s, not the
  reference's 900 s which broke long films mid-play).
- `stream_identity(params) -> (EpisodeRef, provider | None)`: parse the stream URL identity back, raising
  ValueError with a client-facing reason.

Why sign the identity instead of the hoster URL: hoster URLs expire after minutes to hours, while a media
server keeps the `.strm` forever; signing the identity makes the URL stable and unforgeable.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum
from urllib.parse import quote, quote_plus, urlsplit

from anibridge.domain.catalog.identity import (
    MAX_PROVIDER_LEN,
    MAX_SLUG_LEN,
    EpisodeRef,
    Language,
    Site,
    check_text,
    parse_number,
    require,
)

STREAM_PATH = "/strm/stream"
PROXY_PATH = "/strm/proxy"
DEFAULT_CHILD_TTL = 86400


class AuthMode(StrEnum):
    NONE = "none"
    TOKEN = "token"
    APIKEY = "apikey"


class SignatureError(Exception):
    """Authentication of a STRM URL failed; `reason` is short and safe to show to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_ASCII_TABLE = {c: ("+" if c == 32 else chr(c) if c in _SAFE else f"%{c:02X}") for c in range(128)}


def form_encode(value: str) -> str:
    """`quote_plus(value, safe="")`, but ~5× faster for ASCII (playlists carry thousands of child URLs)."""
    if value.isascii():
        return value.translate(_ASCII_TABLE)
    return quote_plus(value, safe="")


def canonical(params: Mapping[str, str]) -> str:
    """Form-encoded `k=v` pairs joined with `&`, keys sorted ascending: the reference's canonical string."""
    return "&".join(f"{form_encode(k)}={form_encode(str(params[k]))}" for k in sorted(params))


def _mac(canon: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), canon.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(params: Mapping[str, str], secret: str, expires: int | None = None) -> str:
    """HMAC-SHA256 hex of the canonical string of `params` (plus `exp` when `expires` is given)."""
    signed = dict(params)
    if expires is not None:
        signed["exp"] = str(int(expires))
    return _mac(canonical(signed), secret)


def verify(params: Mapping[str, str], secret: str, now: float) -> None:
    """Token-mode check: every parameter except `sig` is signed, so adding or changing any one fails."""
    rest = dict(params)
    sig = rest.pop("sig", None)
    if not sig:
        raise SignatureError("missing signature")
    if "exp" in rest:
        try:
            exp = int(rest["exp"])
        except ValueError:
            raise SignatureError("invalid token expiry") from None
        if now > exp:
            raise SignatureError("token expired")
    expected = _mac(canonical(rest), secret)
    if not hmac.compare_digest(expected.encode("ascii"), sig.strip().lower().encode("ascii", "replace")):
        raise SignatureError("invalid signature")


def _require_auth(mode: AuthMode, secret: str) -> None:
    """URLs signed with an empty secret would be refused by the proxy later: refuse them now."""
    require(mode, AuthMode, "auth_mode", " (use AuthMode(value))")
    require(secret, str, "secret")
    if mode is not AuthMode.NONE and not secret:
        raise ValueError(f"auth_mode {mode.value} needs a non-empty secret (STRM_PROXY_SECRET)")


def authenticate(params: Mapping[str, str], mode: AuthMode, secret: str, now: float) -> None:
    """The check for one request under `mode`; raises SignatureError (the caller answers 403 with the reason)."""
    require(mode, AuthMode, "mode", " (use AuthMode(value))")
    if mode is AuthMode.NONE:
        return
    if not secret:
        raise SignatureError("auth misconfigured")
    if mode is AuthMode.APIKEY:
        given = params.get("apikey", "")
        if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
            raise SignatureError("invalid apikey")
        return
    verify(params, secret, now)


def _with_auth(params: dict[str, str], mode: AuthMode, secret: str, expires: int | None) -> dict[str, str]:
    out = dict(params)
    if mode is AuthMode.APIKEY:
        out["apikey"] = secret
    elif mode is AuthMode.TOKEN:
        if expires is not None:
            out["exp"] = str(int(expires))
        out["sig"] = _mac(canonical(out), secret)
    return out


def identity_params(ref: EpisodeRef, provider: str | None) -> dict[str, str]:
    params = {
        "site": ref.site.value,
        "slug": ref.slug,
        "s": str(ref.season),
        "e": str(ref.episode),
        "lang": ref.language.value,
    }
    if provider:
        params["provider"] = provider
    return params


def stream_url(
    base_url: str,
    ref: EpisodeRef,
    provider: str | None,
    auth_mode: AuthMode,
    secret: str,
    now: float | None = None,
    ttl: int | None = None,
) -> str:
    """Stable `/strm/stream` URL for a `.strm` file; expires only if both `now` and a positive `ttl` are given."""
    require(ref, EpisodeRef, "ref")
    _require_auth(auth_mode, secret)
    expires = int(now) + ttl if now is not None and ttl is not None and ttl > 0 else None
    params = _with_auth(identity_params(ref, provider), auth_mode, secret, expires)
    return f"{base_url.rstrip('/')}{STREAM_PATH}?{canonical(params)}"


def child_name(upstream: str) -> str:
    """Cosmetic last path segment (`seg-1.ts`, `index.m3u8`) so players and logs see a sensible name."""
    last = urlsplit(upstream).path.rsplit("/", 1)[-1]
    return quote(last, safe="") if "." in last else "resource.bin"


class ChildSigner:
    """Builds many child URLs for one playlist fast: the HMAC key schedule, expiry and prefix are set up once.

    A VOD playlist can list thousands of segments; `proxy_url` per segment would redo all of that each time.
    `headers` (Referer, User-Agent the hoster insists on) travel inside the signed URL as `ref`/`ua`, so CDN
    segments get the same headers as the playlist without any server-side state.
    """

    def __init__(self, base_url: str, auth_mode: AuthMode, secret: str, now: float,
                 ttl: int = DEFAULT_CHILD_TTL, headers: Mapping[str, str] | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._own = self._base + "/strm/"
        _require_auth(auth_mode, secret)
        self._mode = auth_mode
        self._secret = secret
        self._mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
        fixed: dict[str, str] = {}
        for key, value in child_header_params(headers or {}).items():
            fixed[key] = form_encode(value)
        if self._mode is AuthMode.TOKEN:
            fixed["exp"] = str(int(now) + ttl)
        self._fixed = sorted(fixed.items())

    def __call__(self, upstream: str) -> str:
        if upstream.startswith(self._own):
            return upstream
        items = [*self._fixed, ("u", form_encode(upstream))]
        items.sort()
        prefix = f"{self._base}{PROXY_PATH}/{child_name(upstream)}?"
        if self._mode is AuthMode.TOKEN:
            mac = self._mac.copy()
            mac.update("&".join(f"{k}={v}" for k, v in items).encode("ascii"))
            items.append(("sig", mac.hexdigest()))
            items.sort()
        elif self._mode is AuthMode.APIKEY:
            items.append(("apikey", form_encode(self._secret)))
            items.sort()
        return prefix + "&".join(f"{k}={v}" for k, v in items)


_CHILD_HEADERS = {"referer": "ref", "user-agent": "ua", "origin": "org"}


def child_header_params(headers: Mapping[str, str]) -> dict[str, str]:
    """Hoster headers worth carrying into child URLs, as short query keys (`ref`, `ua`, `org`)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = _CHILD_HEADERS.get(name.lower())
        if key and value:
            out[key] = value
    return out


def child_headers(params: Mapping[str, str]) -> dict[str, str]:
    """Inverse of `child_header_params` for an incoming `/strm/proxy` request."""
    back = {v: k for k, v in _CHILD_HEADERS.items()}
    names = {"referer": "Referer", "user-agent": "User-Agent", "origin": "Origin"}
    return {names[back[k]]: params[k] for k in back if params.get(k)}


def proxy_url(
    base_url: str,
    upstream: str,
    auth_mode: AuthMode,
    secret: str,
    now: float,
    ttl: int = DEFAULT_CHILD_TTL,
    headers: Mapping[str, str] | None = None,
) -> str:
    """`/strm/proxy/<name>?exp=&sig=&u=` for one playlist child; in token mode valid for `ttl` seconds."""
    _require_auth(auth_mode, secret)
    return ChildSigner(base_url, auth_mode, secret, now, ttl, headers)(upstream)


def _first(params: Mapping[str, str], *keys: str) -> str | None:
    for key in keys:
        value = params.get(key)
        if value is not None and value.strip():
            return value.strip()
    return None


def stream_identity(params: Mapping[str, str]) -> tuple[EpisodeRef, str | None]:
    """EpisodeRef + provider hint from `/strm/stream` query params; ValueError(reason) when unusable."""
    slug = _first(params, "slug")
    if slug is None:
        raise ValueError("missing slug")
    lang = _first(params, "lang", "language")
    if lang is None:
        raise ValueError("missing lang")
    s_raw = _first(params, "s", "season")
    e_raw = _first(params, "e", "episode")
    if s_raw is None or e_raw is None:
        raise ValueError("missing season/episode")
    try:
        season, episode = parse_number(s_raw, "season"), parse_number(e_raw, "episode")
    except ValueError:
        raise ValueError("invalid season/episode") from None
    provider = _first(params, "provider")
    for name, value, limit in (("slug", slug, MAX_SLUG_LEN), ("provider", provider or "", MAX_PROVIDER_LEN)):
        try:
            check_text(value, name, limit)  # mapping columns; NUL cannot go into PostgreSQL text
        except ValueError:
            raise ValueError(f"invalid {name}") from None
    try:
        site = Site.parse(_first(params, "site") or Site.ANIWORLD.value)
    except ValueError:
        raise ValueError("invalid site") from None
    try:
        language = Language.parse(lang)
    except ValueError:
        raise ValueError("invalid lang") from None
    return EpisodeRef(site, slug, season, episode, language), provider
