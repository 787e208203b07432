"""Synthetic magnet links: build, parse, and the infohash Sonarr tracks grabs by.

The wire format is kept byte-compatible with the reference so existing Sonarr grab histories survive a
switch: fixed key order, `urn:btih:` literal, form-encoded values, `aw_`/`sto_` key prefixes. AniWorld's infohash
is the reference's SHA-1 of `slug|season|episode|language[|mode]`, byte for byte (Sonarr's grab history and
blocklist know it). The reference hashed no site, so AniWorld's and s.to's release of the same episode shared
one hash: a grab blocklisted at one site blocked the other, and adding the second magnet returned the first
site's task. s.to and Megakino therefore hash their site key in front (`s.to|slug|…`); old magnets still parse
(the hash is taken from `xt` as given, so an old grab keeps its task).
Parsing is stricter than the reference: every problem raises one `MagnetError` with a precise message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote_plus

from anibridge.domain.catalog.identity import (
    MAX_NUMBER_DIGITS,
    MAX_PROVIDER_LEN,
    MAX_SLUG_LEN,
    EpisodeRef,
    Language,
    Site,
    check_text,
    is_valid_slug,
    parse_number,
    require,
)
from anibridge.domain.jobs.records import JobMode

MAGNET_SCHEME = "magnet:?"
_BTIH = re.compile(r"[0-9a-f]{40}")
_BTIH_BASE32 = re.compile(r"[A-Z2-7]{32}")
_PREFIXES = ("aw", "sto")


class MagnetError(ValueError):
    """A magnet the qBittorrent shim cannot accept; the message says which part is wrong."""


def _mode_key(mode: JobMode | None) -> str | None:
    """The `mode` a magnet and its hash carry: only `strm`; a download is the reference's mode-less form."""
    require(mode, (JobMode, type(None)), "mode", " (use JobMode.STRM or None)")
    return "strm" if mode is JobMode.STRM else None


def infohash(slug: str, season: int, episode: int, language: Language, mode: JobMode | None = None) -> str:
    """The reference's hash (AniWorld's): lower-case SHA-1 hex of `slug|season|episode|language[|mode]` (UTF-8),
    source numbering. Other sites use `release_infohash`."""
    require(slug, str, "slug")
    require(season, int, "season")
    require(episode, int, "episode")
    require(language, Language, "language", " (use Language.parse)")
    key = f"{slug}|{season}|{episode}|{language.value}"
    m = _mode_key(mode)
    if m:
        key += f"|{m}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def release_infohash(ref: EpisodeRef, mode: JobMode | None = None) -> str:
    """The hash a release of `ref` is published under: AniWorld's is the reference's; s.to's and Megakino's hash
    `<site>|` in front, so the same episode at two sites is two torrents (own blocklist entry, own task)."""
    require(ref, EpisodeRef, "ref")
    if ref.site is Site.ANIWORLD:
        return infohash(ref.slug, ref.season, ref.episode, ref.language, mode)
    return infohash(f"{ref.site.value}|{ref.slug}", ref.season, ref.episode, ref.language, mode)


def legacy_infohash(ref: EpisodeRef, mode: JobMode | None = None) -> str:
    """The site-less hash every site used before (old s.to/Megakino magnets still carry it)."""
    require(ref, EpisodeRef, "ref")
    return infohash(ref.slug, ref.season, ref.episode, ref.language, mode)


def _enc(value: str) -> str:
    """Form encoding: everything but ASCII letters, digits and `_.-~` is %XX, space is `+`."""
    return quote_plus(value, safe="")


def build_magnet(
    ref: EpisodeRef,
    title: str,
    provider: str | None = None,
    mode: JobMode | None = None,
    published_at: datetime | None = None,
) -> str:
    """`magnet:?xt=urn:btih:<hash>&dn=<title>&<p>_slug=…&<p>_s&<p>_e&<p>_lang&<p>_site[&<p>_mode][&<p>_provider]
    [&<p>_pub]`.

    `<p>_pub` (Unix seconds) is the release's real publication time (air or upload date) when known, so the
    qBittorrent side can report it as the torrent's `creation_date` (it only ever sees the magnet).
    """
    require(ref, EpisodeRef, "ref")
    require(title, str, "title")
    require(provider, (str, type(None)), "provider")
    p = ref.site.magnet_prefix
    m = _mode_key(mode)
    require(published_at, (datetime, type(None)), "published_at")
    btih = release_infohash(ref, mode)
    parts = [
        f"xt=urn:btih:{btih}",
        f"dn={_enc(title)}",
        f"{p}_slug={_enc(ref.slug)}",
        f"{p}_s={ref.season}",
        f"{p}_e={ref.episode}",
        f"{p}_lang={_enc(ref.language.value)}",
        f"{p}_site={_enc(ref.site.value)}",
    ]
    if m:
        parts.append(f"{p}_mode={_enc(m)}")
    if provider:
        parts.append(f"{p}_provider={_enc(provider)}")
    if published_at is not None:
        aware = published_at if published_at.tzinfo is not None else published_at.replace(tzinfo=UTC)
        parts.append(f"{p}_pub={int(aware.timestamp())}")
    return MAGNET_SCHEME + "&".join(parts)


@dataclass(frozen=True, slots=True)
class MagnetPayload:
    """What a magnet names: the episode variant, its display title and the given (not recomputed) hash."""

    infohash: str
    title: str
    site: Site
    slug: str
    season: int
    episode: int
    language: Language
    provider: str | None = None
    mode: JobMode | None = None
    published_at: datetime | None = None
    """The release's publication time (`<p>_pub`), for qBittorrent's `creation_date`; None when absent."""

    def __post_init__(self) -> None:
        for name in ("infohash", "title", "slug"):
            require(getattr(self, name), str, name)
        require(self.site, Site, "site", " (use Site.parse)")
        require(self.season, int, "season")
        require(self.episode, int, "episode")
        require(self.language, Language, "language", " (use Language.parse)")
        require(self.provider, (str, type(None)), "provider")
        require(self.mode, (JobMode, type(None)), "mode")
        require(self.published_at, (datetime, type(None)), "published_at")

    @property
    def ref(self) -> EpisodeRef:
        return EpisodeRef(self.site, self.slug, self.season, self.episode, self.language)

    @property
    def is_strm(self) -> bool:
        return self.mode is JobMode.STRM


__all__ = ["MAX_NUMBER_DIGITS", "MAX_PROVIDER_LEN", "MAX_SLUG_LEN", "MagnetError", "MagnetPayload", "build_magnet",
           "infohash", "legacy_infohash", "parse_magnet", "release_infohash"]


def _int_param(params: dict[str, str], key: str) -> int:
    try:
        return parse_number(params[key], key)
    except ValueError as ex:
        raise MagnetError(str(ex)) from None


def parse_magnet(uri: str) -> MagnetPayload:
    """Decode a magnet built by `build_magnet` (or by the reference); `tr`, `xl` and unknown keys are ignored.

    The hash is taken from `xt` as given (lower-cased) even when it does not match the payload: Sonarr tracks
    the torrent by that hash, so answering under another one would orphan the grab.
    """
    require(uri, str, "uri")
    if not uri.startswith(MAGNET_SCHEME):
        raise MagnetError("not a magnet")
    params: dict[str, str] = {}
    for key, value in parse_qsl(uri[len(MAGNET_SCHEME):], keep_blank_values=False):
        params.setdefault(key, value)

    seen = {p for p in _PREFIXES if any(k.startswith(p + "_") for k in params)}
    if len(seen) > 1:
        raise MagnetError("mixed magnet prefixes")
    p = seen.pop() if seen else "aw"

    for key in ("xt", "dn", f"{p}_slug", f"{p}_s", f"{p}_e", f"{p}_lang"):
        if key not in params:
            raise MagnetError(f"missing key {key}")

    xt = params["xt"].strip()
    if not xt.lower().startswith("urn:btih:"):
        raise MagnetError(f"xt is not a btih urn: {xt!r}")
    btih = _btih_hex(xt[len("urn:btih:"):])
    if btih is None:
        raise MagnetError(f"xt is not a 40-hex or 32-base32 btih: {xt!r}")

    season = _int_param(params, f"{p}_s")
    episode = _int_param(params, f"{p}_e")
    default_site = "s.to" if p == "sto" else "aniworld.to"
    try:
        site = Site.parse(params.get(f"{p}_site", default_site))
    except ValueError:
        raise MagnetError(f"unknown site {params[f'{p}_site']!r}") from None
    try:
        language = Language.parse(params[f"{p}_lang"])
    except ValueError:
        raise MagnetError(f"unknown language {params[f'{p}_lang']!r}") from None
    slug = params[f"{p}_slug"].strip()
    if not slug:
        raise MagnetError(f"missing key {p}_slug")
    if not is_valid_slug(slug):  # `../`, `/staffel-2/episode-9?x=`: would steer the site URL to another page
        raise MagnetError(f"invalid {p}_slug: {slug[:40]!r}")
    title = params["dn"].strip()
    if not title:
        raise MagnetError("missing key dn")
    provider = params.get(f"{p}_provider", "").strip() or None
    for key, value, limit in ((f"{p}_slug", slug, MAX_SLUG_LEN), (f"{p}_provider", provider or "", MAX_PROVIDER_LEN),
                              ("dn", title, None)):
        try:
            check_text(value, key, limit)
        except ValueError as ex:
            raise MagnetError(str(ex)) from None
    return MagnetPayload(
        infohash=btih,
        title=title,
        site=site,
        slug=slug,
        season=season,
        episode=episode,
        language=language,
        provider=provider,
        mode=JobMode.STRM if params.get(f"{p}_mode", "").strip().lower() == "strm" else None,
        published_at=_timestamp(params.get(f"{p}_pub")),
    )


def _btih_hex(raw: str) -> str | None:
    """Lower-case hex of a btih given as 40 hex digits or as 32 base32 characters (both are BitTorrent's forms)."""
    value = raw.strip()
    if _BTIH.fullmatch(value.lower()):
        return value.lower()
    if _BTIH_BASE32.fullmatch(value.upper()):
        try:
            return base64.b32decode(value.upper()).hex()
        except (binascii.Error, ValueError):
            return None
    return None


def _timestamp(raw: str | None) -> datetime | None:
    """`<p>_pub` as an aware UTC time; a missing or unusable value is simply no date (it is informational)."""
    if raw is None or not re.fullmatch(r"[0-9]{1,11}", raw.strip()):
        return None
    try:
        return datetime.fromtimestamp(int(raw.strip()), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
