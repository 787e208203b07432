"""Magnets as clients hand them to torrents/add, before the release parser sees them.

Two things differ from what our Torznab feed emits: the info hash may be base32 (32 characters, the other form
BitTorrent allows in `xt=urn:btih:`; MonoTorrent and qBittorrent accept it), and a client may re-add the
`magnet_uri` some other qBittorrent reported, which lacks our release parameters. The first is converted to
the 40-hex form every other part of anibridge uses; the second gets a message saying what is missing instead
of naming one site's parameter.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote

from anibridge.domain.catalog.identity import EpisodeRef
from anibridge.domain.jobs.records import JobMode
from anibridge.domain.releases.magnets import MagnetPayload, build_magnet, parse_magnet

_XT_BASE32 = re.compile(r"(?i)(xt=urn(?::|%3A)btih(?::|%3A))([a-z2-7]{32})(?=&|$)")
_RELEASE_KEY = re.compile(r"^[a-z]+_slug$")

MAX_KEPT_MAGNET = 8192
"""Longer magnets (thousands of `tr=`) are not stored; the task then reports one rebuilt from its fields."""

NOT_OURS = ("not a magnet from this indexer: it lacks anibridge's release parameters (slug, season, episode, "
            "language); add the magnet from anibridge's Torznab feed")


def hex_btih(uri: str) -> str:
    """`uri` with a base32 `xt` info hash rewritten as lower-case hex (anything else unchanged)."""
    def _convert(match: re.Match[str]) -> str:
        try:
            raw = base64.b32decode(match.group(2).upper())
        except (binascii.Error, ValueError):
            return match.group(0)
        return match.group(1) + raw.hex()

    return _XT_BASE32.sub(_convert, uri, count=1)


def parse_client_magnet(uri: str) -> tuple[MagnetPayload, str]:
    """The parsed release and the magnet to keep (hex hash, "" when over-long); ValueError with a reason."""
    normal = hex_btih(uri.strip())
    if normal.startswith("magnet:?"):
        keys = {key for key, _value in parse_qsl(normal[len("magnet:?"):], keep_blank_values=True)}
        if not any(_RELEASE_KEY.match(key) for key in keys):
            raise ValueError(NOT_OURS)
    return parse_magnet(normal), normal if len(normal) <= MAX_KEPT_MAGNET else ""


def reported_magnet(stored: str, hash_: str, ref: EpisodeRef, title: str, provider: str | None,
                    mode: JobMode) -> str:
    """The magnet torrents/info reports: the one that was added, else (older tasks) one rebuilt from the task.

    A rebuilt magnet carries the task's own hash, which differs from the computed one after a re-grab.
    """
    return stored or _rebuilt(hash_, ref, title, provider, mode)


@lru_cache(maxsize=4096)
def _rebuilt(hash_: str, ref: EpisodeRef, title: str, provider: str | None, mode: JobMode) -> str:
    """Cached: listings re-render tasks often, and building a magnet hashes and encodes every field."""
    built = build_magnet(ref, title, provider, mode if mode is JobMode.STRM else None)
    return re.sub(r"xt=urn:btih:[0-9a-f]{40}", "xt=urn:btih:" + quote(hash_, safe=""), built, count=1)
