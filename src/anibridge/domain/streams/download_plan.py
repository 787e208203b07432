"""An HLS media playlist as a download plan: what the own HLS downloader fetches, and what it leaves to yt-dlp.

The downloader fetches exactly what the plan lists; anything it cannot download faithfully raises
UnsupportedPlaylist with the reason, and the caller hands the stream to yt-dlp instead: a live or event
playlist (no EXT-X-ENDLIST: it keeps growing), SAMPLE-AES or a key format other than `identity` (DRM), a
changing or encrypted EXT-X-MAP, EXT-X-GAP, non-http(s) URIs, a line the parser had to guess at, and masters
whose audio is a separate rendition (that needs a merge of two downloads).

`fingerprint` identifies the stream's layout independently of its URLs: hosters sign every URL with a token
that changes each time the embed page is resolved, so a resumed download must recognise its segments by their
order, durations and byte ranges, not by their URLs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from anibridge.domain.streams.hls_playlist import (
    MediaPlaylist,
    PlaylistError,
    Segment,
    has_separate_audio,
    is_master,
    parse_media,
)


class UnsupportedPlaylist(Exception):
    """The playlist needs something only yt-dlp does (or is not a playlist at all); the message says what."""


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    segments: tuple[Segment, ...]
    init: Segment | None
    """The EXT-X-MAP (fMP4 initialisation section) that goes before the first segment, if any."""

    @property
    def seconds(self) -> float:
        return sum(s.duration for s in self.segments)

    def fingerprint(self) -> str:
        """Same for the same stream resolved again (URLs carry changing tokens); see the module docstring."""
        digest = hashlib.sha256()
        for item in ((self.init,) if self.init else ()) + self.segments:
            digest.update(f"{item.sequence}|{item.duration:.3f}|{item.byte_range}|{item.key is not None};"
                          .encode())
        return digest.hexdigest()[:32]


def check_master(text: str) -> None:
    """Raises UnsupportedPlaylist when a variant's audio is a separate rendition (two downloads and a merge)."""
    if has_separate_audio(text):
        raise UnsupportedPlaylist("the audio is a separate rendition")


def _http(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise UnsupportedPlaylist(f"a URI that is not http(s): {url[:60]!r}")


def _check(playlist: MediaPlaylist) -> None:
    if playlist.guesses:
        raise UnsupportedPlaylist(playlist.guesses[0])
    for key in playlist.keys:
        method = key.method.upper()
        if method == "NONE":
            continue
        if method != "AES-128":
            raise UnsupportedPlaylist(f"encryption method {method}")
        if key.keyformat != "identity":
            raise UnsupportedPlaylist(f"key format {key.keyformat[:40]}")
        if not key.url:
            raise UnsupportedPlaylist("an AES-128 key without URI")
        _http(key.url)
    if len(playlist.maps) > 1 or (playlist.maps and any(s.init is None for s in playlist.segments)):
        raise UnsupportedPlaylist("the initialisation section changes mid-stream")
    for init in playlist.maps:
        if init.key is not None:
            raise UnsupportedPlaylist("an encrypted initialisation section")
        if not init.url:
            raise UnsupportedPlaylist("EXT-X-MAP without URI")
        _http(init.url)
    for segment in playlist.segments:
        _http(segment.url)
        if segment.gap:
            raise UnsupportedPlaylist("a gap (EXT-X-GAP)")
    if not playlist.ended:
        raise UnsupportedPlaylist("a live playlist (no EXT-X-ENDLIST)")
    if not playlist.segments:
        raise UnsupportedPlaylist("a playlist without segments")


def download_plan(text: str, base_url: str) -> DownloadPlan:
    """The download plan of a finished (VOD) media playlist; raises UnsupportedPlaylist (see the module)."""
    if not text.lstrip("\ufeff").startswith("#EXTM3U"):
        raise UnsupportedPlaylist("not an HLS playlist")
    if is_master(text):
        raise UnsupportedPlaylist("a master playlist, not a media playlist")
    try:
        playlist = parse_media(text, base_url)
    except PlaylistError as ex:
        raise UnsupportedPlaylist(str(ex)) from None
    _check(playlist)
    init = playlist.maps[0] if playlist.maps else None
    return DownloadPlan(playlist.segments, Segment(init.url, 0.0, -1, init.byte_range) if init else None)
